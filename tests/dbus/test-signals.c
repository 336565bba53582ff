/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-signals.c: DeliveriesChanged under load, through the built heraldd
 * on a private bus (issue 18)
 *
 * Changes that come close together are folded and signalled together
 * (gw-service-signals.c): a burst must arrive in fewer signals than
 * changes, none with more than GW_CHANGE_FOLDER_MAX_BATCH (512) changes or
 * a delivery twice, and whatever is folded, every delivery's changes must
 * keep their order and end with its final state, with the details of that
 * state. The split of a large window is tested on the folder itself
 * (tests/unit/test-change-folder.c): how many changes one window holds here
 * depends on the machine's speed.
 */
#include "config.h"

#include <string.h>

#include "herald-test-daemon.h"

/* Under heraldd's default max-sends-per-minute (300). */
#define N_SENDS   250
#define MAX_BATCH 512
/* Sends on their way at once: under the bus's limit of pending replies
 * (GTestDBus's dbus-daemon has the stock one). */
#define IN_FLIGHT 32

typedef struct {
  GHashTable *states;     /* id → GPtrArray of states, as signalled */
  GHashTable *last;       /* id → details of its last change */
  guint       n_signals;
  guint       n_changes;
  guint       largest;    /* the most changes in one signal */
} Log;

static void
changed_cb (GDBusConnection *connection,
            const char      *sender,
            const char      *path,
            const char      *interface,
            const char      *signal,
            GVariant        *parameters,
            gpointer         user_data)
{
  Log *log = user_data;
  g_autoptr(GVariant) changes = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GVariantIter iter;
  const char *id, *state;
  GVariant *details;
  gsize n;

  g_assert_true (g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(a(ssa{sv}))")));
  changes = g_variant_get_child_value (parameters, 0);
  n = g_variant_n_children (changes);
  g_assert_cmpuint (n, >=, 1);
  g_assert_cmpuint (n, <=, MAX_BATCH);
  log->n_signals++;
  log->n_changes += n;
  log->largest = MAX (log->largest, n);

  g_variant_iter_init (&iter, changes);
  while (g_variant_iter_next (&iter, "(&s&s@a{sv})", &id, &state, &details)) {
    GPtrArray *states = g_hash_table_lookup (log->states, id);

    /* Folded: a delivery appears once in a window, so once in a signal. */
    g_assert_false (g_hash_table_contains (seen, id));
    g_hash_table_add (seen, (gpointer) id);
    if (states == NULL) {
      states = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (log->states, g_strdup (id), states);
    }
    g_ptr_array_add (states, g_strdup (state));
    g_hash_table_insert (log->last, g_strdup (id), details);
  }
}

static gboolean
ended_sent (Log        *log,
            const char *id)
{
  GPtrArray *states = g_hash_table_lookup (log->states, id);

  return states != NULL && states->len > 0 &&
         g_str_equal (g_ptr_array_index (states, states->len - 1), "sent");
}

static int
rank (const char *state)
{
  if (g_str_equal (state, "queued"))
    return 0;
  if (g_str_equal (state, "sending"))
    return 1;
  g_assert_cmpstr (state, ==, "sent");
  return 2;
}

typedef struct {
  GDBusConnection *connection;
  GPtrArray       *ids;       /* index of the Send → its id; NULL until answered */
  guint            started;
  guint            answered;
} Sends;

typedef struct {
  Sends *sends;
  guint  index;
} SendCall;

static void start_send (Sends *sends);

static void
send_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autofree SendCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                             &error);

  g_assert_no_error (error);
  g_variant_get (reply, "(s)", (char **) &call->sends->ids->pdata[call->index]);
  call->sends->answered++;
  if (call->sends->started < N_SENDS)
    start_send (call->sends);
}

static void
start_send (Sends *sends)
{
  g_autofree char *subject = g_strdup_printf ("burst %u", sends->started);
  GVariant *notification = g_variant_new_parsed ("{'to': <['ops@example.org']>, 'subject': <%s>,"
                                                 " 'body': <'load'>}",
                                                 subject);
  SendCall *call = g_new0 (SendCall, 1);

  call->sends = sends;
  call->index = sends->started++;
  g_dbus_connection_call (sends->connection, "org.herald.Gateway1", "/org/herald/Gateway1",
                          "org.herald.Gateway1", "Send", g_variant_new ("(@a{sv})", notification),
                          G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, 120000, NULL,
                          send_cb, call);
}

static void
test_burst (void)
{
  g_autoptr(HeraldTestDaemon) daemon = herald_test_daemon_new ();
  Sends sends = { daemon->connection, g_ptr_array_new_full (N_SENDS, g_free), 0, 0 };
  Log log = { 0 };
  gint64 deadline = g_get_monotonic_time () + 180 * G_USEC_PER_SEC;
  guint subscription;
  guint done = 0;

  log.states = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) g_ptr_array_unref);
  log.last = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                    (GDestroyNotify) g_variant_unref);
  subscription = g_dbus_connection_signal_subscribe (daemon->connection, "org.herald.Gateway1",
                                                     "org.herald.Gateway1", "DeliveriesChanged",
                                                     "/org/herald/Gateway1", NULL, 0,
                                                     changed_cb, &log, NULL);
  /* A burst: IN_FLIGHT Sends on their way at any time, each answer
   * starting the next. */
  g_ptr_array_set_size (sends.ids, N_SENDS);
  for (guint i = 0; i < IN_FLIGHT; i++)
    start_send (&sends);
  while (sends.answered < N_SENDS && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (sends.answered, ==, N_SENDS);

  /* Every delivery's last change says sent. */
  while (done < N_SENDS && g_get_monotonic_time () < deadline) {
    while (done < N_SENDS && ended_sent (&log, g_ptr_array_index (sends.ids, done)))
      done++;
    if (done < N_SENDS)
      g_main_context_iteration (NULL, TRUE);
  }
  g_dbus_connection_signal_unsubscribe (daemon->connection, subscription);
  g_assert_cmpuint (done, ==, N_SENDS);

  for (guint i = 0; i < N_SENDS; i++) {
    const char *id = g_ptr_array_index (sends.ids, i);
    GPtrArray *states = g_hash_table_lookup (log.states, id);
    GVariant *details = g_hash_table_lookup (log.last, id);
    guint32 attempts = 0;
    const char *profile = NULL;

    /* In order, and nothing after the final state. */
    for (guint k = 1; k < states->len; k++)
      g_assert_cmpint (rank (g_ptr_array_index (states, k - 1)), <,
                       rank (g_ptr_array_index (states, k)));
    /* The final change carries the details of that state. */
    g_assert_true (g_variant_lookup (details, "attempts", "u", &attempts));
    g_assert_cmpuint (attempts, ==, 1);
    g_assert_true (g_variant_lookup (details, "profile", "&s", &profile));
    g_assert_cmpstr (profile, ==, "local");
  }
  /* The burst's changes were signalled together: fewer messages than
   * changes (one message per change was DeliveryChanged's cost). */
  g_test_message ("%u changes of %u deliveries in %u DeliveriesChanged (largest %u; "
                  "3 changes each unfolded)",
                  log.n_changes, N_SENDS, log.n_signals, log.largest);
  g_assert_cmpuint (log.n_changes, >=, N_SENDS);
  g_assert_cmpuint (log.n_signals, <, log.n_changes);
  g_hash_table_unref (log.states);
  g_hash_table_unref (log.last);
  g_ptr_array_unref (sends.ids);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/signals/burst", test_burst);
  return g_test_run ();
}
