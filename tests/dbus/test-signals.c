/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-signals.c: DeliveryChanged under load, through the built heraldd on
 * a private bus (issue 18)
 *
 * Changes that come close together are folded (gw-service-signals.c):
 * whatever is folded, every delivery's signals must keep their order and
 * end with its final state, with the details of that state.
 */
#include "config.h"

#include <string.h>

#include "herald-test-daemon.h"

#define N_SENDS 200

typedef struct {
  GHashTable *states;   /* id → GPtrArray of states, as signalled */
  GHashTable *last;     /* id → details of the last signal */
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
  const char *id, *state;
  GVariant *details = NULL;
  GPtrArray *states;

  g_variant_get (parameters, "(&s&s@a{sv})", &id, &state, &details);
  states = g_hash_table_lookup (log->states, id);
  if (states == NULL) {
    states = g_ptr_array_new_with_free_func (g_free);
    g_hash_table_insert (log->states, g_strdup (id), states);
  }
  g_ptr_array_add (states, g_strdup (state));
  g_hash_table_insert (log->last, g_strdup (id), details);
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
  return 2;
}

static void
test_burst (void)
{
  g_autoptr(HeraldTestDaemon) daemon = herald_test_daemon_new ();
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  Log log = {
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref),
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_variant_unref),
  };
  guint subscription, total = 0;
  guint done = 0;

  subscription = g_dbus_connection_signal_subscribe (daemon->connection, "org.herald.Gateway1",
                                                     "org.herald.Gateway1", "DeliveryChanged",
                                                     "/org/herald/Gateway1", NULL, 0,
                                                     changed_cb, &log, NULL);
  for (guint i = 0; i < N_SENDS; i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *subject = g_strdup_printf ("burst %u", i);
    GVariant *notification = g_variant_new_parsed ("{'to': <['ops@example.org']>, 'subject': <%s>,"
                                                   " 'body': <'load'>}",
                                                   subject);
    char *id = herald_test_send (daemon, notification, NULL, &error);

    g_assert_no_error (error);
    g_ptr_array_add (ids, id);
  }
  /* Every delivery's last signal says sent. */
  for (gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
       done < ids->len && g_get_monotonic_time () < deadline;) {
    g_main_context_iteration (NULL, TRUE);
    while (done < ids->len && ended_sent (&log, g_ptr_array_index (ids, done)))
      done++;
  }
  g_dbus_connection_signal_unsubscribe (daemon->connection, subscription);
  g_assert_cmpuint (done, ==, ids->len);

  for (guint i = 0; i < ids->len; i++) {
    const char *id = g_ptr_array_index (ids, i);
    GPtrArray *states = g_hash_table_lookup (log.states, id);
    GVariant *details = g_hash_table_lookup (log.last, id);
    guint32 attempts = 0;
    const char *profile = NULL;

    /* In order, and nothing after the final state. */
    for (guint k = 1; k < states->len; k++)
      g_assert_cmpint (rank (g_ptr_array_index (states, k - 1)), <,
                       rank (g_ptr_array_index (states, k)));
    total += states->len;
    /* The final signal carries the details of that state. */
    g_assert_true (g_variant_lookup (details, "attempts", "u", &attempts));
    g_assert_cmpuint (attempts, ==, 1);
    g_assert_true (g_variant_lookup (details, "profile", "&s", &profile));
    g_assert_cmpstr (profile, ==, "local");
  }
  g_test_message ("%u signals for %u deliveries (3 each unfolded)", total, ids->len);
  g_hash_table_unref (log.states);
  g_hash_table_unref (log.last);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/signals/burst", test_burst);
  return g_test_run ();
}
