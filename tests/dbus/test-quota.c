/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-quota.c: per-caller quotas through the built heraldd on a private
 * bus (issue 17, item 6)
 *
 * Each limit of heraldd.conf's [quotas] is hit: Send fails with
 * org.herald.Gateway1.Error.QuotaExceeded naming the limit, and nothing
 * is stored (no delivery, no message, no attachment file). GetQuota shows
 * the usage. One uid only: the session bus serves its own user; the
 * separation of uids is tested on the pipeline (tests/unit/test-intake.c).
 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <gio/gunixfdlist.h>
#include <glib/gstdio.h>

#include "herald-error.h"
#include "herald-test-daemon.h"

/* heraldd with @conf as its heraldd.conf. */
static HeraldTestDaemon *
daemon_with_config (const char *conf)
{
  HeraldTestDaemon *daemon = herald_test_daemon_new ();
  g_autofree char *config_dir = g_build_filename (daemon->config_home, "herald", NULL);
  g_autofree char *path = g_build_filename (config_dir, "heraldd.conf", NULL);

  herald_test_daemon_stop (daemon);
  g_assert_cmpint (g_mkdir_with_parents (config_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, conf, -1, NULL));
  herald_test_daemon_start (daemon);
  return daemon;
}

static void
add_profile (HeraldTestDaemon *daemon,
             const char       *name,
             GVariant         *settings)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = herald_test_call (daemon, "AddProfile",
                                                g_variant_new ("(s@a{sv})", name, settings), NULL, &error);
  g_assert_no_error (error);
}

static guint
count_deliveries (HeraldTestDaemon *daemon)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = herald_test_call (daemon, "ListDeliveries",
                                                g_variant_new_parsed ("(@a{sv} {},)"), "(aa{sv})", &error);
  g_autoptr(GVariant) list = NULL;

  g_assert_no_error (error);
  list = g_variant_get_child_value (reply, 0);
  return (guint) g_variant_n_children (list);
}

static guint64
quota_value (HeraldTestDaemon *daemon,
             const char       *key)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = herald_test_call (daemon, "GetQuota", g_variant_new_parsed ("(@a{sv} {},)"),
                                                "(a{sv})", &error);
  g_autoptr(GVariant) dict = NULL;
  guint64 value = G_MAXUINT64;

  g_assert_no_error (error);
  dict = g_variant_get_child_value (reply, 0);
  g_assert_true (g_variant_lookup (dict, key, "t", &value));
  return value;
}

/* Send to @profile (NULL: the default) with an attachment of @size bytes
 * when @size > 0, passed as a file descriptor. */
static char *
send_to (HeraldTestDaemon *daemon,
         const char       *profile,
         gsize             size,
         GError          **error)
{
  g_autoptr(GUnixFDList) fd_list = NULL;
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  const char *to[] = { "ops@example.org", NULL };

  g_variant_dict_insert (&dict, "to", "^as", to);
  g_variant_dict_insert (&dict, "subject", "s", "Quota test");
  g_variant_dict_insert (&dict, "body", "s", "Body.");
  if (profile != NULL)
    g_variant_dict_insert (&dict, "profile", "s", profile);
  if (size > 0) {
    g_autofree char *path = g_build_filename (daemon->tmpdir, "attachment.bin", NULL);
    g_autofree char *data = g_malloc (size);
    int fd;

    memset (data, 'q', size);
    g_assert_true (g_file_set_contents (path, data, (gssize) size, NULL));
    fd = open (path, O_RDONLY | O_CLOEXEC);
    fd_list = g_unix_fd_list_new ();
    g_assert_cmpint (g_unix_fd_list_append (fd_list, fd, NULL), ==, 0);
    close (fd);
    g_variant_dict_insert_value (&dict, "attachments",
                                 g_variant_new_parsed ("[('data.bin', 'application/octet-stream', @h 0)]"));
  }
  return herald_test_send (daemon, g_variant_dict_end (&dict), fd_list, error);
}

/* The typed error, its D-Bus name, and the limit named in its message. */
static void
assert_quota_exceeded (GError     *error,
                       const char *limit)
{
  g_autofree char *remote = NULL;

  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_QUOTA_EXCEEDED);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, "org.herald.Gateway1.Error.QuotaExceeded");
  g_test_message ("refused: %s", error->message);
  g_assert_nonnull (strstr (error->message, limit));
}

static guint
count_entries (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  guint count = 0;

  while (handle != NULL && g_dir_read_name (handle) != NULL)
    count++;
  return count;
}

/* max-sends-per-minute: the sixth Send of a minute is refused. */
static void
test_send_rate (void)
{
  g_autoptr(HeraldTestDaemon) daemon = daemon_with_config ("[quotas]\nmax-sends-per-minute=5\n");
  g_autofree char *maildir = g_build_filename (daemon->state_dir, "Maildir", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *last = NULL;
  g_autofree char *state = NULL;
  g_autoptr(GPtrArray) files = NULL;

  for (guint i = 0; i < 5; i++) {
    g_clear_pointer (&last, g_free);
    last = send_to (daemon, NULL, 0, &error);
    g_assert_no_error (error);
  }
  g_assert_cmpuint (quota_value (daemon, "sends-available"), ==, 0);
  g_assert_null (send_to (daemon, NULL, 0, &error));
  assert_quota_exceeded (error, "max-sends-per-minute");
  g_assert_cmpuint (count_deliveries (daemon), ==, 5);
  state = herald_test_wait_final (daemon, last, 20);
  g_assert_cmpstr (state, ==, "sent");
  files = herald_test_maildir_files (maildir);
  g_assert_cmpuint (files->len, ==, 5);
}

/* A complete message through SendMessage (the sendmail door), from a
 * sealed-free temporary file. */
static char *
send_message (HeraldTestDaemon *daemon,
              GError          **error)
{
  static const char text[] = "From: cron@example.org\nTo: ops@example.org\n"
                             "Subject: Quota test by sendmail\n\nBody.\n";
  g_autofree char *path = g_build_filename (daemon->tmpdir, "message.eml", NULL);
  g_autoptr(GUnixFDList) fd_list = g_unix_fd_list_new ();
  g_autoptr(GVariant) reply = NULL;
  const char *to[] = { "ops@example.org", NULL };
  char *id = NULL;
  int fd;

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  fd = open (path, O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (g_unix_fd_list_append (fd_list, fd, NULL), ==, 0);
  close (fd);
  reply = g_dbus_connection_call_with_unix_fd_list_sync (
    daemon->connection, "org.herald.Gateway1", "/org/herald/Gateway1", "org.herald.Gateway1",
    "SendMessage", g_variant_new ("(hs^asa{sv})", 0, "", to, NULL), G_VARIANT_TYPE ("(s)"),
    G_DBUS_CALL_FLAGS_NONE, 30000, fd_list, NULL, NULL, error);
  if (reply != NULL)
    g_variant_get (reply, "(s)", &id);
  return id;
}

/* The sendmail door passes the same quotas: the third message of a minute
 * with max-sends-per-minute=2 is refused and nothing is queued. */
static void
test_send_message_rate (void)
{
  g_autoptr(HeraldTestDaemon) daemon = daemon_with_config ("[quotas]\nmax-sends-per-minute=2\n");
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 2; i++) {
    g_autofree char *id = send_message (daemon, &error);

    g_assert_no_error (error);
    g_assert_nonnull (id);
  }
  g_assert_null (send_message (daemon, &error));
  assert_quota_exceeded (error, "max-sends-per-minute");
  g_assert_cmpuint (count_deliveries (daemon), ==, 2);
}

/* max-queued-deliveries: deliveries that wait (a Maildir that cannot be
 * made defers) count until they are final. */
static void
test_queued_deliveries (void)
{
  g_autoptr(HeraldTestDaemon) daemon = daemon_with_config ("[quotas]\nmax-queued-deliveries=3\n");
  g_autofree char *blocker = g_build_filename (daemon->tmpdir, "not-a-dir", NULL);
  g_autofree char *maildir = g_build_filename (blocker, "Maildir", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *first = NULL;
  g_autofree char *state = NULL;
  g_autofree char *again = NULL;
  GVariant *settings;

  g_assert_true (g_file_set_contents (blocker, "", 0, NULL));
  settings = herald_test_settings ("transport", "maildir", "maildir-path", maildir,
                                   "retry-interval", "300", NULL);
  add_profile (daemon, "blocked", settings);
  first = send_to (daemon, "blocked", 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++) {
    g_autofree char *id = send_to (daemon, "blocked", 0, &error);
    g_assert_no_error (error);
  }
  g_assert_cmpuint (quota_value (daemon, "queued-deliveries"), ==, 3);
  g_assert_cmpuint (quota_value (daemon, "max-queued-deliveries"), ==, 3);
  g_assert_null (send_to (daemon, "blocked", 0, &error));
  assert_quota_exceeded (error, "max-queued-deliveries");
  g_clear_error (&error);
  /* Any profile: the limit is the caller's. */
  g_assert_null (send_to (daemon, NULL, 0, &error));
  assert_quota_exceeded (error, "max-queued-deliveries");
  g_clear_error (&error);
  g_assert_cmpuint (count_deliveries (daemon), ==, 3);

  /* A cancelled delivery is final: room for one more. */
  reply = herald_test_call (daemon, "Cancel", g_variant_new ("(s)", first), NULL, &error);
  g_assert_no_error (error);
  state = herald_test_wait_final (daemon, first, 10);
  g_assert_cmpstr (state, ==, "cancelled");
  g_assert_cmpuint (quota_value (daemon, "queued-deliveries"), ==, 2);
  again = send_to (daemon, "blocked", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_deliveries (daemon), ==, 4);
}

/* max-stored-mib, queue: messages count, also once sent (kept for the
 * log); a refused one leaves neither a delivery nor a message. */
static void
test_stored_bytes (void)
{
  g_autoptr(HeraldTestDaemon) daemon = daemon_with_config ("[quotas]\nmax-stored-mib=1\n");
  g_autofree char *maildir = g_build_filename (daemon->state_dir, "Maildir", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *state = NULL;
  g_autoptr(GPtrArray) files = NULL;
  guint64 stored;

  id = send_to (daemon, NULL, 600 * 1024, &error);
  g_assert_no_error (error);
  state = herald_test_wait_final (daemon, id, 20);
  g_assert_cmpstr (state, ==, "sent");
  stored = quota_value (daemon, "stored-bytes");
  g_assert_cmpuint (stored, >, 600 * 1024);
  g_assert_cmpuint (quota_value (daemon, "max-stored-bytes"), ==, 1024 * 1024);

  g_assert_null (send_to (daemon, NULL, 600 * 1024, &error));
  assert_quota_exceeded (error, "max-stored-mib");
  g_clear_error (&error);
  /* Fits as attachment bytes, not once encoded: refused after composing. */
  g_assert_null (send_to (daemon, NULL, 1024 * 1024 - stored - 1024, &error));
  assert_quota_exceeded (error, "max-stored-mib");
  g_assert_cmpuint (count_deliveries (daemon), ==, 1);
  g_assert_cmpuint (quota_value (daemon, "stored-bytes"), ==, stored);
  files = herald_test_maildir_files (maildir);
  g_assert_cmpuint (files->len, ==, 1);
}

/* max-stored-mib, attachment spool: files kept for links count; refused
 * before composing, and after composing (the links already stored are
 * taken back). */
static void
test_stored_bytes_links (void)
{
  g_autoptr(HeraldTestDaemon) daemon = daemon_with_config ("[http]\nport=0\n[quotas]\nmax-stored-mib=1\n");
  g_autofree char *maildir = g_build_filename (daemon->tmpdir, "links-maildir", NULL);
  g_autofree char *spool = g_build_filename (daemon->state_dir, "attachments", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  guint64 stored;
  GVariant *settings;

  settings = herald_test_settings ("transport", "maildir", "maildir-path", maildir,
                                   "attachments-as-url", "true", NULL);
  add_profile (daemon, "links", settings);
  id = send_to (daemon, "links", 700 * 1024, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_entries (spool), ==, 1);
  g_assert_cmpuint (quota_value (daemon, "spool-bytes"), ==, 700 * 1024);
  stored = quota_value (daemon, "stored-bytes");

  g_assert_null (send_to (daemon, "links", 700 * 1024, &error));
  assert_quota_exceeded (error, "max-stored-mib");
  g_clear_error (&error);
  /* The attachment fits, the message with its links does not: the file
   * stored for the link is removed again. */
  g_assert_null (send_to (daemon, "links", 1024 * 1024 - stored - 16, &error));
  assert_quota_exceeded (error, "max-stored-mib");
  g_assert_cmpuint (count_entries (spool), ==, 1);
  g_assert_cmpuint (count_deliveries (daemon), ==, 1);
  g_assert_cmpuint (quota_value (daemon, "stored-bytes"), ==, stored);
}

/* GetQuota: the caller's own by default; options are checked. */
static void
test_get_quota (void)
{
  g_autoptr(HeraldTestDaemon) daemon = daemon_with_config ("[quotas]\nmax-queued-deliveries=0\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) dict = NULL;
  guint32 uid = G_MAXUINT32;
  guint32 rate = 0;

  reply = herald_test_call (daemon, "GetQuota", g_variant_new_parsed ("(@a{sv} {},)"), "(a{sv})", &error);
  g_assert_no_error (error);
  dict = g_variant_get_child_value (reply, 0);
  g_assert_true (g_variant_lookup (dict, "uid", "u", &uid));
  g_assert_cmpuint (uid, ==, getuid ());
  g_assert_true (g_variant_lookup (dict, "max-sends-per-minute", "u", &rate));
  g_assert_cmpuint (rate, ==, 300);
  g_assert_cmpuint (quota_value (daemon, "max-queued-deliveries"), ==, 0);
  g_assert_cmpuint (quota_value (daemon, "max-stored-bytes"), ==, 1024 * 1024 * 1024);
  g_clear_pointer (&reply, g_variant_unref);

  reply = herald_test_call (daemon, "GetQuota", g_variant_new_parsed ("(@a{sv} {'user': <'x'>},)"),
                            "(a{sv})", &error);
  g_assert_null (reply);
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* D-Bus error names map to HeraldError from the first call on. */
  (void) herald_error_quark ();
  g_test_add_func ("/quota/send-rate", test_send_rate);
  g_test_add_func ("/quota/send-message-rate", test_send_message_rate);
  g_test_add_func ("/quota/queued-deliveries", test_queued_deliveries);
  g_test_add_func ("/quota/stored-bytes", test_stored_bytes);
  g_test_add_func ("/quota/stored-bytes-links", test_stored_bytes_links);
  g_test_add_func ("/quota/get-quota", test_get_quota);
  return g_test_run ();
}
