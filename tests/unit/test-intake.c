/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-intake.c: the intake pipeline with two callers (issues 12 and 17)
 *
 * A second uid cannot call on the session bus, so the per-caller rules are
 * proven here, on the pipeline that every door uses, with GwCaller values
 * of different uids: quotas count per uid and one caller's usage never
 * stops another; rights come from the caller whatever its door; Send calls
 * in flight together cannot pass a limit; a refused notification leaves
 * nothing in the queue; a complete message takes the same steps. The real queue (SQLite) and profile store are used;
 * the transport is never called (no dispatcher).
 */
#define G_LOG_DOMAIN "test-intake"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <gmime/gmime.h>

#include "herald-error.h"
#include "herald-test-util.h"
#include "gw-intake.h"
#include "gw-message-request.h"
#include "gw-secret-store.h"

/* A transport named "maildir" that is only looked up. */
#define TEST_TYPE_TRANSPORT (test_transport_get_type ())
G_DECLARE_FINAL_TYPE (TestTransport, test_transport, TEST, TRANSPORT, GwTransport)

struct _TestTransport {
  GwTransport parent_instance;
};

G_DEFINE_FINAL_TYPE (TestTransport, test_transport, GW_TYPE_TRANSPORT)

static void
test_transport_class_init (TestTransportClass *klass)
{
  GwTransportClass *transport_class = GW_TRANSPORT_CLASS (klass);

  transport_class->abi_version = GW_TRANSPORT_ABI_VERSION;
  transport_class->name = "maildir";
  /* The key the profile below sets: a transport declares its own. */
  gw_transport_class_install_setting (transport_class,
                                      gw_setting_spec_new ("maildir-path", GW_SETTING_PATH, 0, NULL,
                                                           "Maildir to deliver into"));
}

static void
test_transport_init (TestTransport *self)
{
}

typedef struct {
  char           *tmpdir;
  GwConfig       *config;
  GwSecretStore  *secrets;
  GwProfileStore *profiles;
  GwPluginLoader *plugins;
  GwQueue        *queue;
  GwIntake       *intake;
} Fixture;

/* The intake with heraldd.conf's [quotas] set to @quotas. */
static void
start (Fixture    *f,
       const char *quotas)
{
  g_autofree char *config_dir = g_build_filename (f->tmpdir, "config", NULL);
  g_autofree char *state_dir = g_build_filename (f->tmpdir, "state", NULL);
  g_autofree char *conf = g_build_filename (config_dir, "heraldd.conf", NULL);
  g_autofree char *text = g_strdup_printf ("[quotas]\n%s", quotas);
  g_autofree char *profiles = g_build_filename (f->tmpdir, "profiles", NULL);
  g_autofree char *plugins = g_build_filename (f->tmpdir, "plugins", NULL);
  g_autofree char *queue = g_build_filename (state_dir, "queue.db", NULL);
  g_autofree char *maildir = g_build_filename (f->tmpdir, "Maildir", NULL);
  g_auto(GVariantDict) settings = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (config_dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (plugins, 0700), ==, 0);
  g_assert_true (g_file_set_contents (conf, text, -1, &error));
  f->config = gw_config_new (FALSE, state_dir, config_dir, &error);
  g_assert_no_error (error);
  f->secrets = gw_secret_store_new (state_dir, &error);
  g_assert_no_error (error);
  f->profiles = gw_profile_store_new (profiles, f->secrets, &error);
  g_assert_no_error (error);
  g_variant_dict_insert (&settings, "transport", "s", "maildir");
  g_variant_dict_insert (&settings, "maildir-path", "s", maildir);
  owned = g_variant_ref_sink (g_variant_dict_end (&settings));
  /* Transports first: their settings make the schema the profile is read with. */
  f->plugins = gw_plugin_loader_new ();
  g_io_extension_point_implement (GW_TRANSPORT_EXTENSION_POINT, TEST_TYPE_TRANSPORT, "maildir", 0);
  g_assert_true (gw_plugin_loader_load_directory (f->plugins, plugins, &error));
  g_assert_no_error (error);
  g_assert_nonnull (gw_plugin_loader_lookup (f->plugins, "maildir"));
  g_assert_nonnull (gw_profile_store_add (f->profiles, "local", owned, &error));
  g_assert_no_error (error);
  f->queue = gw_queue_new (queue, &error);
  g_assert_no_error (error);
  f->intake = gw_intake_new (f->config, f->profiles, f->plugins, f->queue, NULL, &error);
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->tmpdir = herald_test_make_tmpdir ("herald-intake-XXXXXX");
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->intake);
  if (f->queue != NULL)
    gw_queue_close (f->queue);
  g_clear_object (&f->queue);
  g_clear_object (&f->plugins);
  g_clear_object (&f->profiles);
  g_clear_object (&f->secrets);
  g_clear_object (&f->config);
  herald_test_rm_rf (f->tmpdir);
  g_free (f->tmpdir);
}

static GwNotification *
notification (const char *subject,
              gsize       attachment_size)
{
  GwNotification *n = gw_notification_new ();

  n->to = g_strsplit ("ops@example.org", ",", -1);
  n->subject = g_strdup (subject);
  n->body = g_strdup ("Body.");
  if (attachment_size > 0) {
    GwAttachment *attachment = g_new0 (GwAttachment, 1);
    guint8 *data = g_malloc (attachment_size);

    memset (data, 'x', attachment_size);
    attachment->name = g_strdup ("data.bin");
    attachment->content_type = g_strdup ("application/octet-stream");
    attachment->data = g_bytes_new_take (data, attachment_size);
    g_ptr_array_add (n->attachments, attachment);
    n->attachments_size = attachment_size;
  }
  return n;
}

static void
store_result_cb (GObject      *source,
                 GAsyncResult *res,
                 gpointer      user_data)
{
  GAsyncResult **result = user_data;

  *result = g_object_ref (res);
}

static char *
send_finish (Fixture      *f,
             GAsyncResult **result,
             GError       **error)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return gw_intake_send_finish (f->intake, *result, error);
}

/* Sends through the intake; the id, or NULL with @error. */
static char *
send (Fixture    *f,
      GwCaller   *caller,
      const char *subject,
      gsize       attachment_size,
      GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  gw_intake_send_async (f->intake, caller, notification (subject, attachment_size), NULL,
                        store_result_cb, &result);
  return send_finish (f, &result, error);
}

static guint64
usage (Fixture    *f,
       guint       uid,
       const char *key)
{
  g_autoptr(GwCaller) admin = gw_caller_new (0, "test", NULL, GW_RIGHTS_ALL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) dict = gw_intake_get_usage (f->intake, admin, uid, &error);
  guint64 value = G_MAXUINT64;

  g_assert_no_error (error);
  g_variant_ref_sink (dict);
  g_assert_true (g_variant_lookup (dict, key, "t", &value));
  return value;
}

static guint
count_deliveries (Fixture *f)
{
  g_autoptr(GVariant) filter = g_variant_ref_sink (g_variant_new ("a{sv}", NULL));
  g_autoptr(GVariant) list = gw_queue_list_deliveries (f->queue, filter, NULL);

  return (guint) g_variant_n_children (list);
}

/* One caller at its limit of waiting deliveries stops only itself. */
static void
test_deliveries_per_uid (Fixture *f, gconstpointer data)
{
  g_autoptr(GwCaller) alice = gw_caller_new (1000, "dbus", ":1.1", GW_RIGHT_SEND);
  g_autoptr(GwCaller) bob = gw_caller_new (1001, "sendmail", "cron", GW_RIGHT_SEND);
  g_autoptr(GError) error = NULL;

  start (f, "max-queued-deliveries=2\nmax-sends-per-minute=0\n");
  for (guint i = 0; i < 2; i++) {
    g_autofree char *id = send (f, alice, "alice", 0, &error);
    g_assert_no_error (error);
    g_assert_nonnull (id);
  }
  g_assert_null (send (f, alice, "alice again", 0, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_QUOTA_EXCEEDED);
  g_assert_nonnull (strstr (error->message, "max-queued-deliveries"));
  g_assert_nonnull (strstr (error->message, "1000"));
  g_clear_error (&error);
  g_assert_cmpuint (count_deliveries (f), ==, 2);

  /* Bob is not held back by Alice's deliveries. */
  for (guint i = 0; i < 2; i++) {
    g_autofree char *id = send (f, bob, "bob", 0, &error);
    g_assert_no_error (error);
  }
  g_assert_null (send (f, bob, "bob again", 0, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_QUOTA_EXCEEDED);
  g_clear_error (&error);
  g_assert_cmpuint (count_deliveries (f), ==, 4);
  g_assert_cmpuint (usage (f, 1000, "queued-deliveries"), ==, 2);
  g_assert_cmpuint (usage (f, 1001, "queued-deliveries"), ==, 2);
  g_assert_cmpuint (usage (f, 1002, "queued-deliveries"), ==, 0);
}

/* The Send allowance is per uid. */
static void
test_rate_per_uid (Fixture *f, gconstpointer data)
{
  g_autoptr(GwCaller) alice = gw_caller_new (1000, "dbus", NULL, GW_RIGHT_SEND);
  g_autoptr(GwCaller) bob = gw_caller_new (1001, "http", NULL, GW_RIGHT_SEND);
  g_autoptr(GError) error = NULL;

  start (f, "max-sends-per-minute=3\n");
  for (guint i = 0; i < 3; i++) {
    g_autofree char *id = send (f, alice, "alice", 0, &error);
    g_assert_no_error (error);
  }
  g_assert_null (send (f, alice, "alice again", 0, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_QUOTA_EXCEEDED);
  g_assert_nonnull (strstr (error->message, "max-sends-per-minute"));
  g_clear_error (&error);
  g_assert_cmpuint (usage (f, 1000, "sends-available"), ==, 0);
  g_assert_cmpuint (usage (f, 1001, "sends-available"), ==, 3);
  {
    g_autofree char *id = send (f, bob, "bob", 0, &error);
    g_assert_no_error (error);
  }
  g_assert_cmpuint (count_deliveries (f), ==, 4);
}

/* Bytes are per uid, and counted before and after composing. */
static void
test_bytes_per_uid (Fixture *f, gconstpointer data)
{
  g_autoptr(GwCaller) alice = gw_caller_new (1000, "dbus", NULL, GW_RIGHT_SEND);
  g_autoptr(GwCaller) bob = gw_caller_new (1001, "dbus", NULL, GW_RIGHT_SEND);
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  guint64 held;

  start (f, "max-stored-mib=1\nmax-sends-per-minute=0\n");
  /* 600 KiB of attachment: about 800 KiB once base64-encoded. */
  first = send (f, alice, "big", 600 * 1024, &error);
  g_assert_no_error (error);
  held = usage (f, 1000, "stored-bytes");
  g_assert_cmpuint (held, >, 800 * 1024);
  g_assert_cmpuint (held, <, 1024 * 1024);
  /* Refused before composing: 600 KiB alone would pass the limit. */
  g_assert_null (send (f, alice, "big again", 600 * 1024, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_QUOTA_EXCEEDED);
  g_assert_nonnull (strstr (error->message, "max-stored-mib"));
  g_clear_error (&error);
  /* Refused after composing: 150 KiB would fit, its base64 does not. */
  g_assert_cmpuint (held + 150 * 1024, <, 1024 * 1024);
  g_assert_null (send (f, alice, "encoded", 150 * 1024, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_QUOTA_EXCEEDED);
  g_clear_error (&error);
  g_assert_cmpuint (usage (f, 1000, "stored-bytes"), ==, held);
  g_assert_cmpuint (count_deliveries (f), ==, 1);
  /* Bob has his own. */
  {
    g_autofree char *id = send (f, bob, "bob", 600 * 1024, &error);
    g_assert_no_error (error);
  }
  g_assert_cmpuint (count_deliveries (f), ==, 2);
}

/* Send calls composed together and not yet committed count: two at once
 * cannot pass a limit that each alone would not. */
static void
test_in_flight (Fixture *f, gconstpointer data)
{
  g_autoptr(GwCaller) alice = gw_caller_new (1000, "dbus", NULL, GW_RIGHT_SEND);
  g_autoptr(GAsyncResult) first = NULL;
  g_autoptr(GAsyncResult) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  char *other;

  start (f, "max-queued-deliveries=1\nmax-sends-per-minute=0\n");
  gw_intake_send_async (f->intake, alice, notification ("one", 0), NULL, store_result_cb, &first);
  gw_intake_send_async (f->intake, alice, notification ("two", 0), NULL, store_result_cb, &second);
  g_assert_cmpuint (gw_intake_get_in_flight (f->intake), ==, 1);
  id = send_finish (f, &first, &error);
  g_assert_no_error (error);
  other = send_finish (f, &second, &error);
  g_assert_null (other);
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_QUOTA_EXCEEDED);
  g_assert_cmpuint (gw_intake_get_in_flight (f->intake), ==, 0);
  g_assert_cmpuint (count_deliveries (f), ==, 1);
}

/* Rights come from the caller, whatever the door. */
static void
test_rights (Fixture *f, gconstpointer data)
{
  g_autoptr(GwCaller) no_rights = gw_caller_new (1000, "http", "read-only token", GW_RIGHT_NONE);
  g_autoptr(GwCaller) alice = gw_caller_new (1000, "dbus", NULL, GW_RIGHT_SEND);
  g_autoptr(GwCaller) auditor = gw_caller_new (1001, "dbus", NULL, GW_RIGHT_SEND | GW_RIGHT_READ_LOG);
  g_autoptr(GwNotification) n = notification ("route", 0);
  g_autoptr(GPtrArray) routes = NULL;
  g_autoptr(GVariant) usage_of_other = NULL;
  g_autoptr(GError) error = NULL;

  start (f, "max-sends-per-minute=0\n");
  g_assert_null (send (f, no_rights, "refused", 0, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED);
  g_assert_nonnull (strstr (error->message, "send"));
  g_clear_error (&error);
  g_assert_cmpuint (count_deliveries (f), ==, 0);
  g_assert_null (gw_intake_check_route (f->intake, no_rights, n, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED);
  g_clear_error (&error);
  routes = gw_intake_check_route (f->intake, alice, n, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (routes->len, ==, 1);
  g_assert_cmpstr (((GwRoute *) g_ptr_array_index (routes, 0))->profile, ==, "local");

  /* Another user's quota: only with read-log. */
  g_assert_null (gw_intake_get_usage (f->intake, alice, 1001, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED);
  g_clear_error (&error);
  usage_of_other = gw_intake_get_usage (f->intake, auditor, 1000, &error);
  g_assert_no_error (error);
  g_assert_nonnull (usage_of_other);
  g_variant_ref_sink (usage_of_other);
}

/* A notification that fails validation or routing stores nothing. */
static void
test_refused_stores_nothing (Fixture *f, gconstpointer data)
{
  g_autoptr(GwCaller) alice = gw_caller_new (1000, "dbus", NULL, GW_RIGHT_SEND);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GwNotification *n;

  start (f, "max-sends-per-minute=0\n");
  n = notification ("no recipient", 0);
  g_clear_pointer (&n->to, g_strfreev);
  gw_intake_send_async (f->intake, alice, n, NULL, store_result_cb, &result);
  g_assert_null (send_finish (f, &result, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NO_RECIPIENTS);
  g_clear_error (&error);
  g_clear_object (&result);

  n = notification ("no such profile", 0);
  n->profile = g_strdup ("nowhere");
  gw_intake_send_async (f->intake, alice, n, NULL, store_result_cb, &result);
  g_assert_null (send_finish (f, &result, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NO_SUCH_PROFILE);
  g_clear_error (&error);
  g_assert_cmpuint (count_deliveries (f), ==, 0);
  g_assert_cmpuint (usage (f, 1000, "stored-bytes"), ==, 0);
}

/* A complete message (SendMessage, the maildrop) through the same steps:
 * rights, local names through the aliases, the quotas on its real size,
 * category "sendmail"; a refusal stores nothing. */
static char *
send_message (Fixture    *f,
              GwCaller   *caller,
              const char *text,
              GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));
  GwMessageRequest *request = gw_message_request_new (bytes);

  request->extract_recipients = TRUE;
  request->app_name = g_strdup ("cron");
  gw_intake_send_message_async (f->intake, caller, request, NULL, store_result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return gw_intake_send_message_finish (f->intake, result, error);
}

static void
test_message (Fixture *f, gconstpointer data)
{
  g_autoptr(GwCaller) alice = gw_caller_new (1000, "maildrop", "cron", GW_RIGHT_SEND);
  g_autoptr(GwCaller) no_rights = gw_caller_new (1001, "http", NULL, GW_RIGHT_NONE);
  const char *cron_mail = "From: root@host.example\r\nTo: root\r\nSubject: Cron <root@host> backup\r\n"
                          "\r\nbackup done\r\n";
  g_autoptr(GString) big = g_string_new ("From: root@host.example\r\nTo: root\r\nSubject: big\r\n\r\n");
  g_autofree char *id = NULL;
  g_autoptr(GVariant) delivery = NULL;
  g_autoptr(GVariant) recipients = NULL;
  g_autoptr(GError) error = NULL;
  const char *category = NULL;
  const char *app_name = NULL;
  guint64 stored;

  start (f, "max-sends-per-minute=0\nmax-stored-mib=1\n[aliases]\nroot=ops@example.org\n");
  id = send_message (f, alice, cron_mail, &error);
  g_assert_no_error (error);
  g_assert_nonnull (id);
  delivery = gw_queue_get_delivery (f->queue, id, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (delivery, "category", "&s", &category));
  g_assert_cmpstr (category, ==, "sendmail");
  g_assert_true (g_variant_lookup (delivery, "app-name", "&s", &app_name));
  g_assert_cmpstr (app_name, ==, "cron");
  /* "To: root" went through [aliases] */
  recipients = g_variant_lookup_value (delivery, "recipients", G_VARIANT_TYPE ("aa{sv}"));
  g_assert_nonnull (recipients);
  g_assert_cmpuint (g_variant_n_children (recipients), ==, 1);
  {
    g_autoptr(GVariant) first = g_variant_get_child_value (recipients, 0);
    const char *address = NULL;

    g_assert_true (g_variant_lookup (first, "address", "&s", &address));
    g_assert_cmpstr (address, ==, "ops@example.org");
  }
  stored = usage (f, 1000, "queue-bytes");
  g_assert_cmpuint (stored, >, strlen (cron_mail));
  g_assert_cmpuint (gw_intake_get_in_flight (f->intake), ==, 0);

  /* no right to send: refused before the message is read */
  g_assert_null (send_message (f, no_rights, cron_mail, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED);
  g_clear_error (&error);
  /* no recipient anywhere */
  g_assert_null (send_message (f, alice, "From: root@host.example\r\nSubject: x\r\n\r\nx\r\n", &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NO_RECIPIENTS);
  g_clear_error (&error);
  /* over the caller's 1 MiB of stored bytes once read */
  while (big->len < 1100 * 1024)
    g_string_append (big, "0123456789012345678901234567890123456789012345678901234567890123456789\r\n");
  g_assert_null (send_message (f, alice, big->str, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_QUOTA_EXCEEDED);
  g_clear_error (&error);
  g_assert_cmpuint (count_deliveries (f), ==, 1);
  g_assert_cmpuint (usage (f, 1000, "queue-bytes"), ==, stored);
}

/* [quotas] in heraldd.conf: defaults, and each key checked. */
static void
test_config (Fixture *f, gconstpointer data)
{
  static const char * const bad[] = {
    "max-queued-deliveries=-1",
    "max-queued-deliveries=lots",
    "max-stored-mib=1.5",
    "max-sends-per-minute=99999999",
    "max-sends-per-minute=",
  };
  g_autofree char *config_dir = g_build_filename (f->tmpdir, "config", NULL);
  g_autofree char *state_dir = g_build_filename (f->tmpdir, "state", NULL);
  g_autofree char *conf = g_build_filename (config_dir, "heraldd.conf", NULL);
  const char *limits = "[quotas]\nmax-queued-deliveries=0\nmax-stored-mib=5\nmax-sends-per-minute=60\n";
  g_autoptr(GwConfig) config = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (config_dir, 0700), ==, 0);
  config = gw_config_new (FALSE, state_dir, config_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (gw_config_get_max_queued_deliveries (config), ==, 10000);
  g_assert_cmpuint (gw_config_get_max_stored_bytes (config), ==, G_GUINT64_CONSTANT (1024) * 1024 * 1024);
  g_assert_cmpuint (gw_config_get_max_sends_per_minute (config), ==, 300);
  g_clear_object (&config);

  g_assert_true (g_file_set_contents (conf, limits, -1, NULL));
  config = gw_config_new (FALSE, state_dir, config_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (gw_config_get_max_queued_deliveries (config), ==, 0);
  g_assert_cmpuint (gw_config_get_max_stored_bytes (config), ==, 5 * 1024 * 1024);
  g_assert_cmpuint (gw_config_get_max_sends_per_minute (config), ==, 60);
  g_clear_object (&config);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autofree char *text = g_strdup_printf ("[quotas]\n%s\n", bad[i]);

    g_assert_true (g_file_set_contents (conf, text, -1, NULL));
    config = gw_config_new (FALSE, state_dir, config_dir, &error);
    g_assert_null (config);
    g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING);
    g_assert_nonnull (strstr (error->message, "[quotas]"));
    g_clear_error (&error);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/intake/quota/deliveries-per-uid", test_deliveries_per_uid);
  ADD ("/intake/quota/rate-per-uid", test_rate_per_uid);
  ADD ("/intake/quota/bytes-per-uid", test_bytes_per_uid);
  ADD ("/intake/quota/in-flight", test_in_flight);
  ADD ("/intake/quota/config", test_config);
  ADD ("/intake/rights", test_rights);
  ADD ("/intake/refused-stores-nothing", test_refused_stores_nothing);
  ADD ("/intake/message", test_message);
#undef ADD
  return g_test_run ();
}
