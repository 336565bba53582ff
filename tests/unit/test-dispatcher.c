/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-dispatcher.c: the dispatcher with a fake transport: rate limits,
 * fallback profiles, the TLS in the attempt log, log pruning, a full disk
 * under a running dispatcher, and the next job told to the session */
#define G_LOG_DOMAIN "test-dispatcher"

#include "config.h"

#include <string.h>
#include <sys/resource.h>

#include <glib/gstdio.h>

#include "herald-error.h"
#include "herald-test-util.h"
#include "gw-dispatcher.h"
#include "gw-token-bucket.h"
#include "queue-test-util.h"

/* ---- a transport that answers by profile name: "reject-*" 550, others 250;
 * a message read from the queue as it is sent is loaded first, as a
 * transport that needs it whole does ---- */

typedef struct {
  char   *profile;
  char   *message_id;
  gint64  when;      /* monotonic */
} Delivered;

static GPtrArray *delivered;

/* Sessions are plain objects. The worker announces the envelope that comes
 * after a delivery just before that delivery ("announced"); the delivery
 * takes it as the one to expect next ("expected"). A delivery of another
 * envelope than expected is what a transport that sent the next one ahead
 * could not survive. */
static guint sessions_opened;
static guint announcements;
static guint announcement_violations;
/* Announcements made once the delivery before the announced one had begun:
 * too late for a transport that starts a message whose replies are in. */
static guint late_announcements;

static void
delivered_free (Delivered *d)
{
  g_free (d->profile);
  g_free (d->message_id);
  g_free (d);
}

#define TEST_TYPE_TRANSPORT (test_transport_get_type ())
G_DECLARE_FINAL_TYPE (TestTransport, test_transport, TEST, TRANSPORT, GwTransport)

struct _TestTransport {
  GwTransport parent_instance;
};

G_DEFINE_FINAL_TYPE (TestTransport, test_transport, GW_TYPE_TRANSPORT)

static void
return_sent_cb (gpointer user_data)
{
  g_autoptr(GTask) task = user_data;

  g_task_return_boolean (task, TRUE);
}

static void
test_transport_deliver (GwTransport        *transport,
                        GwProfile          *profile,
                        GObject            *session,
                        GwEnvelope         *envelope,
                        GCancellable       *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (transport, cancellable, callback, user_data);
  const char *name = gw_profile_get_name (profile);
  gboolean reject = g_str_has_prefix (name, "reject");
  Delivered *d = g_new0 (Delivered, 1);

  d->profile = g_strdup (name);
  d->message_id = g_strdup (gw_envelope_get_message_id (envelope));
  d->when = g_get_monotonic_time ();
  g_ptr_array_add (delivered, d);
  if (session != NULL) {
    GwEnvelope *expected = g_object_get_data (session, "expected");
    GwEnvelope *announced = g_object_steal_data (session, "announced");

    announcement_violations += expected != NULL && expected != envelope;
    if (expected == envelope)
      late_announcements += GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (envelope), "announced-at")) != delivered->len - 2;
    g_object_set_data_full (session, "expected", announced, announced != NULL ? g_object_unref : NULL);
  }
  if (gw_envelope_get_message (envelope) == NULL) {
    g_autoptr(GBytes) message = NULL;
    GError *error = NULL;

    message = gw_envelope_load_message (envelope, &error);
    if (message == NULL) {
      g_task_return_error (task, error);
      return;
    }
  }
  gw_envelope_set_tls (envelope, "TLSv1.3 TEST_CIPHER");
  gw_envelope_set_pending_result (envelope, reject ? GW_RECIPIENT_PERMFAIL : GW_RECIPIENT_SENT,
                                  reject ? "550 5.7.1 Refused" : "250 2.0.0 Ok",
                                  reject ? "5.7.1" : "2.0.0");
  /* "paced-*": each delivery takes 25 ms, as a server's round trips do. */
  if (g_str_has_prefix (name, "paced")) {
    g_timeout_add_once (25, return_sent_cb, g_steal_pointer (&task));
    return;
  }
  g_task_return_boolean (task, TRUE);
}

static gboolean
test_transport_deliver_finish (GwTransport  *transport,
                               GAsyncResult *result,
                               GError      **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
test_transport_open_session (GwTransport        *transport,
                             GwProfile          *profile,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (transport, cancellable, callback, user_data);

  sessions_opened++;
  g_task_return_pointer (task, g_object_new (G_TYPE_OBJECT, NULL), g_object_unref);
}

static GObject *
test_transport_open_session_finish (GwTransport  *transport,
                                    GAsyncResult *result,
                                    GError      **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_transport_close_session (GwTransport *transport,
                              GObject     *session)
{
}

static void
test_transport_announce_next (GwTransport *transport,
                              GObject     *session,
                              GwEnvelope  *envelope)
{
  announcements++;
  /* How many deliveries had begun (the next one, this one's predecessor, not yet). */
  g_object_set_data (G_OBJECT (envelope), "announced-at", GUINT_TO_POINTER (delivered->len));
  g_object_set_data_full (session, "announced", g_object_ref (envelope), g_object_unref);
}

static void
test_transport_class_init (TestTransportClass *klass)
{
  GwTransportClass *transport_class = GW_TRANSPORT_CLASS (klass);

  transport_class->abi_version = GW_TRANSPORT_ABI_VERSION;
  transport_class->name = "maildir";
  transport_class->deliver = test_transport_deliver;
  transport_class->deliver_finish = test_transport_deliver_finish;
  transport_class->open_session = test_transport_open_session;
  transport_class->open_session_finish = test_transport_open_session_finish;
  transport_class->close_session = test_transport_close_session;
  transport_class->announce_next = test_transport_announce_next;
  gw_transport_class_install_setting (transport_class,
                                      gw_setting_spec_new ("maildir-path", GW_SETTING_PATH, 0, NULL,
                                                           "Maildir to deliver into"));
}

static void
test_transport_init (TestTransport *self)
{
}

/* ---- fixture ---- */

typedef struct {
  char           *tmpdir;
  char           *path;
  GwSecretStore  *secrets;
  GwProfileStore *profiles;
  GwPluginLoader *plugins;
  GwQueue        *queue;
  GwDispatcher   *dispatcher;
  gboolean        mounted;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *state = NULL, *profiles = NULL, *plugins = NULL;

  f->tmpdir = herald_test_make_tmpdir ("herald-dispatcher-XXXXXX");
  state = g_build_filename (f->tmpdir, "state", NULL);
  profiles = g_build_filename (f->tmpdir, "profiles", NULL);
  plugins = g_build_filename (f->tmpdir, "plugins", NULL);
  g_assert_cmpint (g_mkdir (plugins, 0700), ==, 0);
  f->secrets = gw_secret_store_new (state, &error);
  g_assert_no_error (error);
  f->profiles = gw_profile_store_new (profiles, f->secrets, &error);
  g_assert_no_error (error);
  f->plugins = gw_plugin_loader_new ();
  g_io_extension_point_implement (GW_TRANSPORT_EXTENSION_POINT, TEST_TYPE_TRANSPORT, "test", 0);
  g_assert_true (gw_plugin_loader_load_directory (f->plugins, plugins, &error));
  g_assert_no_error (error);
  g_assert_nonnull (gw_plugin_loader_lookup (f->plugins, "maildir"));
  f->path = g_build_filename (f->tmpdir, "queue.db", NULL);
  g_clear_pointer (&delivered, g_ptr_array_unref);
  delivered = g_ptr_array_new_with_free_func ((GDestroyNotify) delivered_free);
  sessions_opened = announcements = announcement_violations = late_announcements = 0;
  queue_test_reset_warnings ();
}

static void
start (Fixture *f)
{
  f->queue = queue_test_open (f->path);
  f->dispatcher = gw_dispatcher_new (f->queue, f->profiles, f->plugins);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  if (f->dispatcher != NULL)
    gw_dispatcher_stop (f->dispatcher);
  g_clear_object (&f->dispatcher);
  if (f->queue != NULL)
    gw_queue_close (f->queue);
  g_clear_object (&f->queue);
  /* Let queued idles and signal emissions run out. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&f->plugins);
  g_clear_object (&f->profiles);
  g_clear_object (&f->secrets);
  if (f->mounted)
    queue_test_umount (f->tmpdir);
  herald_test_rm_rf (f->tmpdir);
  g_free (f->path);
  g_free (f->tmpdir);
}

static void
add_profile (Fixture    *f,
             const char *name,
             const char *extra)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = g_strdup_printf ("{'transport': <'maildir'>, 'maildir-path': <'/nonexistent'>%s%s}",
                                           extra != NULL ? ", " : "", extra != NULL ? extra : "");

  g_assert_nonnull (gw_profile_store_add (f->profiles, name, g_variant_new_parsed (text), &error));
  g_assert_no_error (error);
}

static char *
submit (Fixture    *f,
        const char *profile,
        const char *subject)
{
  g_autoptr(GError) error = NULL;
  char *id = queue_test_submit (f->queue,
                                queue_test_submission (profile, subject,
                                                       (const char *[]) { "x@example.org", NULL }, 0),
                                &error);

  g_assert_no_error (error);
  return id;
}

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until @id reaches @state, for at most @seconds. */
static void
wait_for_state (Fixture    *f,
                const char *id,
                const char *state,
                guint       seconds)
{
  gboolean expired = FALSE;
  guint source = g_timeout_add_seconds (seconds, timeout_cb, &expired);

  for (;;) {
    g_autofree char *current = queue_test_state (f->queue, id);

    if (g_strcmp0 (current, state) == 0)
      break;
    if (expired)
      g_error ("Delivery %s is %s, not %s, after %u s", id, current, state, seconds);
    g_main_context_iteration (NULL, TRUE);
  }
  g_source_remove (source);
}

static gint64
cpu_time_us (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return (gint64) (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * G_USEC_PER_SEC +
         usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

static guint
count_delivered (const char *profile)
{
  guint n = 0;

  for (guint i = 0; i < delivered->len; i++)
    n += g_str_equal (((Delivered *) g_ptr_array_index (delivered, i))->profile, profile);
  return n;
}

/* Keeps the details of the last "delivery-changed" of each delivery. */
static void
record_details_cb (GwQueue    *queue,
                   const char *id,
                   const char *state,
                   GwDeliveryDetails *details,
                   GHashTable *last)
{
  g_hash_table_insert (last, g_strdup (id),
                       g_variant_new_parsed ("(%s, %@a{sv})", state, gw_delivery_details_to_variant (details)));
}

static gboolean
last_state_is (GHashTable *signalled,
               const char *id,
               const char *state)
{
  GVariant *last = g_hash_table_lookup (signalled, id);
  const char *last_state = NULL;

  if (last == NULL)
    return FALSE;
  g_variant_get_child (last, 0, "&s", &last_state);
  return g_str_equal (last_state, state);
}

/* ---- tests ---- */

static void
test_token_bucket (void)
{
  g_autoptr(GwTokenBucket) slow = gw_token_bucket_new (30, 0);
  g_autoptr(GwTokenBucket) fast = gw_token_bucket_new (600, 0);

  /* 30 a minute: one token, then one every 2 s. */
  g_assert_cmpuint (gw_token_bucket_take (slow, 16, 0), ==, 1);
  g_assert_cmpuint (gw_token_bucket_take (slow, 16, 0), ==, 0);
  g_assert_cmpint (gw_token_bucket_get_wait (slow, 0), >=, 2 * G_USEC_PER_SEC);
  g_assert_cmpint (gw_token_bucket_get_wait (slow, 0), <=, 2 * G_USEC_PER_SEC + 10);
  g_assert_cmpint (gw_token_bucket_get_wait (slow, G_USEC_PER_SEC), >, 0);
  g_assert_cmpuint (gw_token_bucket_take (slow, 16, 2 * G_USEC_PER_SEC), ==, 1);
  /* Never more than the bucket holds, however long it waited. */
  g_assert_cmpuint (gw_token_bucket_take (slow, 16, G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC), ==, 1);

  /* 600 a minute: bursts of 10 (a second's worth), unused ones go back. */
  g_assert_cmpuint (gw_token_bucket_take (fast, 16, 0), ==, 10);
  gw_token_bucket_put_back (fast, 4);
  g_assert_cmpuint (gw_token_bucket_take (fast, 16, 0), ==, 4);
  g_assert_cmpuint (gw_token_bucket_take (fast, 16, G_USEC_PER_SEC / 2), ==, 5);
  gw_token_bucket_set_rate (fast, 60, G_USEC_PER_SEC / 2);
  g_assert_cmpuint (gw_token_bucket_get_rate (fast), ==, 60);
  g_assert_cmpuint (gw_token_bucket_take (fast, 16, 2 * G_USEC_PER_SEC), ==, 1);
}

static void
test_rate_limit (Fixture *f, gconstpointer data)
{
  const guint n_slow = 3, n_fast = 40;
  g_autoptr(GPtrArray) slow_ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) fast_ids = g_ptr_array_new_with_free_func (g_free);
  gint64 begin, cpu_before, cpu_used;
  guint k = 0;

  /* 30 a minute: one at once, then one every 2 s, whatever the
   * max-connections. */
  add_profile (f, "slow", "'rate-limit': <'30'>, 'max-connections': <'4'>");
  add_profile (f, "fast", NULL);
  start (f);
  /* Submitting wakes the dispatcher: the clock starts now. */
  begin = g_get_monotonic_time ();
  cpu_before = cpu_time_us ();
  for (guint i = 0; i < n_slow; i++) {
    g_autofree char *subject = g_strdup_printf ("slow-%u", i);
    g_ptr_array_add (slow_ids, submit (f, "slow", subject));
  }
  for (guint i = 0; i < n_fast; i++) {
    g_autofree char *subject = g_strdup_printf ("fast-%u", i);
    g_ptr_array_add (fast_ids, submit (f, "fast", subject));
  }
  gw_dispatcher_wake (f->dispatcher);

  /* The limited profile does not hold up the other one: all of fast is
   * out before slow's second token. */
  for (guint i = 0; i < n_fast; i++)
    wait_for_state (f, g_ptr_array_index (fast_ids, i), "sent", 10);
  g_assert_cmpuint (count_delivered ("slow"), <=, 1);

  for (guint i = 0; i < n_slow; i++)
    wait_for_state (f, g_ptr_array_index (slow_ids, i), "sent", 15);
  cpu_used = cpu_time_us () - cpu_before;
  /* Each message after the first waited for its token (the bucket starts
   * full when the dispatcher first sees the profile, after begin). */
  for (guint i = 0; i < delivered->len; i++) {
    Delivered *d = g_ptr_array_index (delivered, i);

    if (!g_str_equal (d->profile, "slow"))
      continue;
    g_assert_cmpint (d->when - begin, >=, (gint64) k * 2 * G_USEC_PER_SEC);
    k++;
  }
  g_assert_cmpuint (k, ==, n_slow);
  /* Waiting is on timers: no busy loop while tokens come back. */
  g_assert_cmpint (cpu_used, <, G_USEC_PER_SEC / 2);
}

static void
test_fallback (Fixture *f, gconstpointer data)
{
  g_autofree char *looping = NULL, *rescued = NULL;
  g_autoptr(GVariant) attempts = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) signalled = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                           (GDestroyNotify) g_variant_unref);
  GVariant *last;

  add_profile (f, "reject-a", NULL);
  add_profile (f, "reject-b", "'fallback': <'reject-a'>");
  g_assert_nonnull (gw_profile_store_update (f->profiles, "reject-a",
                                             g_variant_new_parsed ("{'fallback': <'reject-b'>}"), &error));
  g_assert_no_error (error);
  add_profile (f, "reject-c", "'fallback': <'relay'>");
  add_profile (f, "relay", NULL);
  start (f);
  g_signal_connect (f->queue, "delivery-changed", G_CALLBACK (record_details_cb), signalled);

  /* a → b → (a again: refused) → failed, each tried once. */
  looping = submit (f, "reject-a", "looping");
  gw_dispatcher_wake (f->dispatcher);
  wait_for_state (f, looping, "failed", 10);
  g_assert_cmpuint (count_delivered ("reject-a"), ==, 1);
  g_assert_cmpuint (count_delivered ("reject-b"), ==, 1);
  for (guint i = 0; i < delivered->len; i++)
    g_assert_cmpstr (((Delivered *) g_ptr_array_index (delivered, i))->message_id, ==, "<looping@test>");
  /* Its last signal says why, from the values committed with the change.
   * The signal follows the commit that wait_for_state() saw: wait for it. */
  for (gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
       !last_state_is (signalled, looping, "failed") && g_get_monotonic_time () < deadline;) {
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  }
  last = g_hash_table_lookup (signalled, looping);
  g_assert_nonnull (last);
  {
    g_autoptr(GVariant) details = g_variant_get_child_value (last, 1);
    const char *state = NULL, *profile = NULL, *reply = NULL, *code = NULL, *reason = NULL;
    guint32 tries = 0;

    g_variant_get_child (last, 0, "&s", &state);
    g_assert_cmpstr (state, ==, "failed");
    g_assert_true (g_variant_lookup (details, "profile", "&s", &profile));
    g_assert_cmpstr (profile, ==, "reject-a");
    g_assert_true (g_variant_lookup (details, "attempts", "u", &tries));
    g_assert_cmpuint (tries, ==, 1);
    g_assert_true (g_variant_lookup (details, "reply", "&s", &reply));
    g_assert_cmpstr (reply, ==, "550 5.7.1 Refused");
    g_assert_true (g_variant_lookup (details, "enhanced-code", "&s", &code));
    g_assert_cmpstr (code, ==, "5.7.1");
    g_assert_true (g_variant_lookup (details, "reason", "&s", &reason));
    g_assert_cmpstr (reason, !=, "");
  }

  /* c fails, its fallback delivers: the delivery is sent. */
  rescued = submit (f, "reject-c", "rescued");
  wait_for_state (f, rescued, "sent", 10);
  g_assert_cmpuint (count_delivered ("relay"), ==, 1);

  attempts = gw_queue_list_attempts (f->queue, rescued, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (attempts), ==, 2);
  for (guint i = 0; i < 2; i++) {
    g_autoptr(GVariant) entry = g_variant_get_child_value (attempts, i);
    const char *profile = NULL, *result = NULL, *tls = NULL;
    g_autofree const char **recipients = NULL;

    g_assert_true (g_variant_lookup (entry, "profile", "&s", &profile));
    g_assert_true (g_variant_lookup (entry, "result", "&s", &result));
    g_assert_true (g_variant_lookup (entry, "tls", "&s", &tls));
    g_assert_true (g_variant_lookup (entry, "recipients", "^a&s", &recipients));
    g_assert_cmpstr (profile, ==, i == 0 ? "reject-c" : "relay");
    g_assert_cmpstr (result, ==, i == 0 ? "failed" : "sent");
    g_assert_cmpstr (tls, ==, "TLSv1.3 TEST_CIPHER");
    g_assert_cmpstrv (recipients, ((const char *[]) { "x@example.org", NULL }));
  }
  g_signal_handlers_disconnect_by_data (f->queue, signalled);
}

static void
test_prune (Fixture *f, gconstpointer data)
{
  g_autofree char *old = NULL, *recent = NULL;
  gboolean expired = FALSE;
  guint source;

  add_profile (f, "relay", NULL);
  start (f);
  old = submit (f, "relay", "old");
  recent = submit (f, "relay", "recent");
  wait_for_state (f, old, "sent", 10);
  wait_for_state (f, recent, "sent", 10);
  queue_test_sql (f->path, "UPDATE deliveries SET updated = updated - 31 * 86400000000"
                           " WHERE subject = 'old'");

  gw_dispatcher_set_log_days (f->dispatcher, 30);
  source = g_timeout_add_seconds (15, timeout_cb, &expired);
  for (;;) {
    g_autofree char *state = queue_test_state (f->queue, old);
    if (state == NULL)
      break;
    g_assert_false (expired);
    g_main_context_iteration (NULL, TRUE);
  }
  g_source_remove (source);
  {
    g_autofree char *state = queue_test_state (f->queue, recent);
    g_assert_cmpstr (state, ==, "sent");
  }
}

/* A queued message that cannot be read back (damaged pages) fails for
 * good at its first attempt, set aside as corrupt, and is not handed to
 * the profile's fallback, whose job would copy the same damaged bytes. */
static void
test_damaged_message (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) delivery = NULL;
  g_autofree char *id = NULL, *job = NULL;
  const char *to[] = { "x@example.org", NULL };
  const char *reason = NULL;
  GwQueue *queue;

  add_profile (f, "relay", NULL);
  add_profile (f, "damaged", "'fallback': <'relay'>");
  queue = queue_test_open (f->path);
  id = queue_test_submit (queue, queue_test_submission ("damaged", "damaged", to, 1024 * 1024), &error);
  g_assert_no_error (error);
  gw_queue_close (queue);
  g_object_unref (queue);
  queue_test_damage_message (f->path);

  start (f);
  gw_dispatcher_wake (f->dispatcher);
  wait_for_state (f, id, "failed", 10);
  g_assert_cmpuint (count_delivered ("damaged"), ==, 1);
  g_assert_cmpuint (count_delivered ("relay"), ==, 0);
  job = queue_test_sql_text (f->path, "SELECT state || '/' || reason FROM jobs");
  g_assert_cmpstr (job, ==, "failed/corrupt");
  delivery = gw_queue_get_delivery (f->queue, id, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (delivery, "reason", "&s", &reason));
  g_assert_cmpstr (reason, ==, "corrupt");
  g_assert_true (queue_test_warned ("with reason \"corrupt\""));
}

static char *
submit_to (Fixture            *f,
           const char         *profile,
           const char         *subject,
           const char * const *recipients)
{
  g_autoptr(GError) error = NULL;
  char *id = queue_test_submit (f->queue, queue_test_submission (profile, subject, recipients, 0), &error);

  g_assert_no_error (error);
  return id;
}

/* A backlog goes out job after job on one session, each job announced to
 * the session as the one before it starts, and never another job than the
 * one announced. With deliveries of 25 ms, the next claim (made four
 * jobs before a batch runs out) is always back in time: every job but the
 * first is announced. Without the claims ahead the first of each batch
 * would not be. */
static void
test_announce_next (Fixture *f, gconstpointer data)
{
  const guint n = 40;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) message_ids = g_hash_table_new (g_str_hash, g_str_equal);

  add_profile (f, "paced", "'max-connections': <'1'>");
  /* Queued before the dispatcher starts: a backlog from the first claim. */
  f->queue = queue_test_open (f->path);
  for (guint i = 0; i < n; i++) {
    g_autofree char *subject = g_strdup_printf ("job-%u", i);
    g_ptr_array_add (ids, submit (f, "paced", subject));
  }
  f->dispatcher = gw_dispatcher_new (f->queue, f->profiles, f->plugins);
  gw_dispatcher_wake (f->dispatcher);
  for (guint i = 0; i < n; i++)
    wait_for_state (f, ids->pdata[i], "sent", 30);

  g_assert_cmpuint (delivered->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_hash_table_add (message_ids, ((Delivered *) delivered->pdata[i])->message_id);
  g_assert_cmpuint (g_hash_table_size (message_ids), ==, n);
  g_assert_cmpuint (sessions_opened, ==, 1);
  g_assert_cmpuint (announcement_violations, ==, 0);
  g_assert_cmpuint (late_announcements, ==, 0);
  g_assert_cmpuint (announcements, ==, n - 1);
}

/* The job announced as the next is held for max-recipients-per-day: the
 * job after it goes out on a new session, not on the one that may have
 * started the held one. */
static void
test_announced_job_held (Fixture *f, gconstpointer data)
{
  const char * const one[] = { "x@example.org", NULL };
  const char * const two[] = { "x@example.org", "y@example.org", NULL };
  g_autofree char *first = NULL, *second = NULL, *held = NULL, *last = NULL;

  add_profile (f, "quota", "'max-recipients-per-day': <'3'>, 'max-connections': <'1'>");
  f->queue = queue_test_open (f->path);
  first = submit_to (f, "quota", "first", one);
  second = submit_to (f, "quota", "second", one);
  held = submit_to (f, "quota", "held", two);
  last = submit_to (f, "quota", "last", one);
  f->dispatcher = gw_dispatcher_new (f->queue, f->profiles, f->plugins);
  gw_dispatcher_wake (f->dispatcher);
  wait_for_state (f, first, "sent", 30);
  wait_for_state (f, second, "sent", 30);
  wait_for_state (f, held, "deferred", 30);
  wait_for_state (f, last, "sent", 30);

  g_assert_cmpuint (count_delivered ("quota"), ==, 3);
  g_assert_cmpuint (announcements, >=, 2);
  g_assert_cmpuint (announcement_violations, ==, 0);
  g_assert_cmpuint (sessions_opened, ==, 2);
}

static void
test_disk_full (Fixture *f, gconstpointer data)
{
  g_autofree char *filler = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  gint64 cpu_before;
  gboolean expired = FALSE;

  if (!queue_test_mount_tmpfs (f->tmpdir, 2 * 1024 * 1024))
    return;
  f->mounted = TRUE;
  /* The mount hid the fixture's files: make the stores again on the tmpfs. */
  g_clear_object (&f->profiles);
  g_clear_object (&f->secrets);
  {
    g_autofree char *state = g_build_filename (f->tmpdir, "state", NULL);
    g_autofree char *profiles = g_build_filename (f->tmpdir, "profiles", NULL);
    f->secrets = gw_secret_store_new (state, &error);
    g_assert_no_error (error);
    f->profiles = gw_profile_store_new (profiles, f->secrets, &error);
    g_assert_no_error (error);
  }
  add_profile (f, "relay", NULL);
  /* Work queued before the disk fills; the dispatcher starts after. */
  f->queue = queue_test_open (f->path);
  for (guint i = 0; i < 5; i++) {
    g_autofree char *subject = g_strdup_printf ("queued-%u", i);
    g_ptr_array_add (ids, submit (f, "relay", subject));
  }
  filler = g_build_filename (f->tmpdir, "filler", NULL);
  queue_test_fill_disk (filler);

  f->dispatcher = gw_dispatcher_new (f->queue, f->profiles, f->plugins);
  cpu_before = cpu_time_us ();
  gw_dispatcher_wake (f->dispatcher);
  /* It cannot claim (every write fails): it backs off, no busy loop. */
  g_timeout_add (2500, timeout_cb, &expired);
  while (!expired)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (cpu_time_us () - cpu_before, <, G_USEC_PER_SEC / 2);
  g_assert_true (queue_test_warned ("the disk is full"));
  g_assert_cmpuint (count_delivered ("relay"), ==, 0);
  for (guint i = 0; i < ids->len; i++) {
    g_autofree char *state = queue_test_state (f->queue, g_ptr_array_index (ids, i));
    g_assert_cmpstr (state, ==, "queued");
  }

  /* Space frees: everything goes out without a restart or a wake-up. */
  g_assert_cmpint (g_unlink (filler), ==, 0);
  for (guint i = 0; i < ids->len; i++)
    wait_for_state (f, g_ptr_array_index (ids, i), "sent", 20);
  g_assert_cmpuint (count_delivered ("relay"), ==, 5);
}

int
main (int argc, char **argv)
{
  queue_test_private_mounts ();
  g_unsetenv ("CREDENTIALS_DIRECTORY");
  g_test_init (&argc, &argv, NULL);
  queue_test_init_logging ();

  g_test_add_func ("/dispatcher/token-bucket", test_token_bucket);
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/dispatcher/rate-limit", test_rate_limit);
  ADD ("/dispatcher/fallback", test_fallback);
  ADD ("/dispatcher/prune", test_prune);
  ADD ("/dispatcher/damaged-message", test_damaged_message);
  ADD ("/dispatcher/disk-full", test_disk_full);
  ADD ("/dispatcher/announce-next", test_announce_next);
  ADD ("/dispatcher/announced-job-held", test_announced_job_held);
#undef ADD
  return g_test_run ();
}
