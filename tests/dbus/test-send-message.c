/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-send-message.c: SendMessage (the door of complete messages) against
 * the built heraldd on a private bus: delivered as it came, aliases and
 * local-recipient routing from heraldd.conf, every refusal typed and
 * nothing queued for it */
#include "config.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <fcntl.h>

#include <gio/gunixfdlist.h>
#include <glib/gstdio.h>

#include "herald-error.h"
#include "herald-test-daemon.h"

static void
assert_herald_error (GError     *error,
                     HeraldError code)
{
  g_autofree char *remote = NULL;

  g_assert_nonnull (error);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, herald_error_to_dbus_name (code));
  g_assert_error (error, HERALD_ERROR, (gint) code);
}

static int
memfd_with (const char *text)
{
  int fd = memfd_create ("message", MFD_CLOEXEC | MFD_ALLOW_SEALING);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, text, strlen (text)), ==, (ssize_t) strlen (text));
  g_assert_cmpint (fcntl (fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL), ==, 0);
  return fd;
}

/* SendMessage(@text, @sender, @recipients (comma-separated or ""), @options) */
static char *
send_message_fd (HeraldTestDaemon *daemon,
                 int               fd,
                 const char       *sender,
                 const char       *recipients,
                 const char       *options,
                 GError          **error)
{
  g_autoptr(GUnixFDList) fd_list = g_unix_fd_list_new ();
  g_auto(GStrv) list = *recipients != '\0' ? g_strsplit (recipients, ",", -1) : g_new0 (char *, 1);
  g_autoptr(GVariant) opts = g_variant_parse (G_VARIANT_TYPE ("a{sv}"), options, NULL, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;
  char *id = NULL;

  g_assert_nonnull (opts);
  g_assert_cmpint (g_unix_fd_list_append (fd_list, fd, NULL), ==, 0);
  reply = g_dbus_connection_call_with_unix_fd_list_sync (
    daemon->connection, "org.herald.Gateway1", "/org/herald/Gateway1", "org.herald.Gateway1",
    "SendMessage", g_variant_new ("(hs^as@a{sv})", 0, sender, list, opts), G_VARIANT_TYPE ("(s)"),
    G_DBUS_CALL_FLAGS_NONE, 30000, fd_list, NULL, NULL, error);
  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(s)", &id);
  return id;
}

static char *
send_message (HeraldTestDaemon *daemon,
              const char       *text,
              const char       *sender,
              const char       *recipients,
              const char       *options,
              GError          **error)
{
  int fd = memfd_with (text);
  char *id = send_message_fd (daemon, fd, sender, recipients, options, error);

  close (fd);
  return id;
}

static char *
read_only_message (const char *maildir)
{
  g_autoptr(GPtrArray) files = herald_test_maildir_files (maildir);
  char *text = NULL;

  g_assert_cmpuint (files->len, ==, 1);
  g_assert_true (g_file_get_contents (g_ptr_array_index (files, 0), &text, NULL, NULL));
  g_assert_cmpint (g_unlink (g_ptr_array_index (files, 0)), ==, 0);
  return text;
}

static char *
default_maildir (HeraldTestDaemon *daemon)
{
  return g_build_filename (daemon->state_dir, "Maildir", NULL);
}

static GVariant *
get_delivery (HeraldTestDaemon *daemon,
              const char       *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = herald_test_call (daemon, "GetDelivery", g_variant_new ("(s)", id),
                                                "(a{sv})", &error);

  g_assert_no_error (error);
  return g_variant_get_child_value (reply, 0);
}

static HeraldTestDaemon *
daemon_with_config (const char *conf)
{
  HeraldTestDaemon *daemon = herald_test_daemon_new ();
  g_autofree char *dir = g_build_filename (daemon->config_home, "herald", NULL);
  g_autofree char *path = g_build_filename (dir, "heraldd.conf", NULL);

  herald_test_daemon_stop (daemon);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, conf, -1, NULL));
  herald_test_daemon_start (daemon);
  return daemon;
}

static const char cron_message[] =
  "From: root (Cron Daemon)\n"
  "To: root\n"
  "Bcc: hidden@example.org\n"
  "Subject: Cron <root@host> /usr/local/bin/backup\n"
  "X-Priority: 1\n"
  "Content-Type: text/plain; charset=UTF-8\n"
  "X-Cron-Env: <SHELL=/bin/sh>\n"
  "\n"
  "backup: 3 files copied\n"
  ".\n"
  "done\n";

static void
test_delivered (void)
{
  g_autoptr(HeraldTestDaemon) daemon = daemon_with_config (
    "[sendmail]\ndefault-domain=herald.example\n[aliases]\nroot=admin@herald.example\n");
  g_autofree char *maildir = default_maildir (daemon);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *again = NULL;
  g_autofree char *state = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GVariant) delivery = NULL;
  g_autoptr(GVariant) recipients = NULL;
  const char *category = NULL, *app = NULL, *subject = NULL;
  guint8 urgency = 0;

  id = send_message (daemon, cron_message, "", "",
                     "{'extract-recipients': <true>, 'app-name': <'cron'>, 'idempotency-key': <'k1'>}",
                     &error);
  g_assert_no_error (error);
  /* the same key again: the same delivery, nothing queued */
  again = send_message (daemon, cron_message, "", "",
                        "{'extract-recipients': <true>, 'app-name': <'cron'>, 'idempotency-key': <'k1'>}",
                        &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, id);
  state = herald_test_wait_final (daemon, id, 30);
  g_assert_cmpstr (state, ==, "sent");

  delivery = get_delivery (daemon, id);
  g_assert_true (g_variant_lookup (delivery, "category", "&s", &category));
  g_assert_cmpstr (category, ==, "sendmail");
  g_assert_true (g_variant_lookup (delivery, "app-name", "&s", &app));
  g_assert_cmpstr (app, ==, "cron");
  g_assert_true (g_variant_lookup (delivery, "subject", "&s", &subject));
  g_assert_cmpstr (subject, ==, "Cron <root@host> /usr/local/bin/backup");
  g_assert_true (g_variant_lookup (delivery, "urgency", "y", &urgency));
  g_assert_cmpuint (urgency, ==, 2);
  recipients = g_variant_lookup_value (delivery, "recipients", G_VARIANT_TYPE ("aa{sv}"));
  g_assert_cmpuint (g_variant_n_children (recipients), ==, 2);

  /* one message in the Maildir, its header kept, Bcc gone, fields added */
  text = read_only_message (maildir);
  g_assert_true (g_str_has_prefix (text, "From: root (Cron Daemon)\nTo: root\nSubject: Cron"));
  g_assert_nonnull (strstr (text, "X-Cron-Env: <SHELL=/bin/sh>\n"));
  g_assert_null (strstr (text, "hidden"));
  g_assert_nonnull (strstr (text, "\nDate: "));
  g_assert_nonnull (strstr (text, "\nMessage-ID: <"));
  g_assert_true (g_str_has_suffix (text, "\n\nbackup: 3 files copied\n.\ndone\n"));
}

static void
test_local_routing (void)
{
  g_autoptr(HeraldTestDaemon) daemon = daemon_with_config (
    "[sendmail]\nadmin-address=admin@herald.example\n");
  g_autofree char *ops = g_build_filename (daemon->tmpdir, "ops", NULL);
  g_autofree char *maildir = default_maildir (daemon);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *id = NULL;
  g_autofree char *state = NULL;
  g_autofree char *text = NULL;

  reply = herald_test_call (daemon, "AddProfile",
                            g_variant_new_parsed ("('ops', {'transport': <'maildir'>, 'maildir-path': <%s>})", ops),
                            NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  reply = herald_test_call (daemon, "SetRoutes", g_variant_new (
    "(s)", "{\"rules\": [{\"match\": {\"local-recipient\": \"www-data\"}, \"profiles\": [\"ops\"]}]}"),
                            NULL, &error);
  g_assert_no_error (error);

  /* www-data has no alias: admin-address; the rule sees the local name */
  id = send_message (daemon, "Subject: php\n\nwarning\n", "", "www-data", "@a{sv} {}", &error);
  g_assert_no_error (error);
  state = herald_test_wait_final (daemon, id, 30);
  g_assert_cmpstr (state, ==, "sent");
  text = read_only_message (ops);
  g_assert_true (g_str_has_prefix (text, "Subject: php\nFrom: "));
  g_clear_pointer (&id, g_free);
  g_clear_pointer (&state, g_free);
  g_clear_pointer (&text, g_free);

  /* an address goes the default way */
  id = send_message (daemon, "Subject: other\n\nx\n", "", "someone@herald.example", "@a{sv} {}", &error);
  g_assert_no_error (error);
  state = herald_test_wait_final (daemon, id, 30);
  g_assert_cmpstr (state, ==, "sent");
  text = read_only_message (maildir);
  g_assert_nonnull (strstr (text, "Subject: other\n"));
}

static void
test_refused (void)
{
  static const struct {
    const char *text;
    const char *recipients;
    const char *options;
    HeraldError code;
  } cases[] = {
    { "Subject: a\rBcc: x@example.org\n\nbody\n", "a@example.org", "@a{sv} {}", HERALD_ERROR_INVALID_MESSAGE },
    { "Subject: x\n\nbody\n", "", "@a{sv} {}", HERALD_ERROR_NO_RECIPIENTS },
    { "Subject: x\n\nbody\n", "", "{'extract-recipients': <true>}", HERALD_ERROR_NO_RECIPIENTS },
    /* no alias, no default domain, no admin address */
    { "Subject: x\n\nbody\n", "root", "@a{sv} {}", HERALD_ERROR_INVALID_ADDRESS },
    { "Subject: x\n\nbody\n", "a@example.org\nRCPT TO:<b@example.org>", "@a{sv} {}", HERALD_ERROR_INVALID_ADDRESS },
    { "Subject: x\n\nbody\n", "not an address@", "@a{sv} {}", HERALD_ERROR_INVALID_ADDRESS },
    { "Subject: x\n\nbody\n", "a@example.org", "{'colour': <'red'>}", HERALD_ERROR_INVALID_ARGUMENT },
    { "Subject: x\n\nbody\n", "a@example.org", "{'extract-recipients': <'yes'>}", HERALD_ERROR_INVALID_ARGUMENT },
    { "Subject: x\n\nbody\n", "a@example.org", "{'app-name': <'a\\nb'>}", HERALD_ERROR_INVALID_ARGUMENT },
  };
  g_autoptr(HeraldTestDaemon) daemon = herald_test_daemon_new ();
  g_autofree char *maildir = default_maildir (daemon);
  g_autoptr(GVariant) list = NULL;
  g_autoptr(GError) error = NULL;
  int pipe_fds[2];
  g_autofree char *id = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_test_message ("case %u", i);
    id = send_message (daemon, cases[i].text, "", cases[i].recipients, cases[i].options, &error);
    g_assert_null (id);
    assert_herald_error (error, cases[i].code);
    g_clear_error (&error);
  }
  /* a sender that is no address (it may become the From field) */
  id = send_message (daemon, "Subject: x\n\nbody\n", "not an address", "a@example.org", "@a{sv} {}", &error);
  g_assert_null (id);
  assert_herald_error (error, HERALD_ERROR_INVALID_ADDRESS);
  g_clear_error (&error);
  /* the message must be a regular file or a memfd */
  g_assert_cmpint (pipe (pipe_fds), ==, 0);
  id = send_message_fd (daemon, pipe_fds[0], "", "a@example.org", "@a{sv} {}", &error);
  assert_herald_error (error, HERALD_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  close (pipe_fds[0]);
  close (pipe_fds[1]);

  /* nothing was queued */
  list = herald_test_call (daemon, "ListDeliveries", g_variant_new_parsed ("(@a{sv} {},)"),
                           "(aa{sv})", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (g_variant_get_child_value (list, 0)), ==, 0);
}

static void
test_attachment_limit (void)
{
  static const char message[] =
    "Subject: report\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=B\n"
    "\n"
    "--B\n"
    "Content-Type: text/plain\n"
    "\n"
    "see attached\n"
    "--B\n"
    "Content-Type: application/octet-stream\n"
    "Content-Disposition: attachment; filename=data.bin\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
    "--B--\n";
  g_autoptr(HeraldTestDaemon) daemon = herald_test_daemon_new ();
  g_autofree char *small = g_build_filename (daemon->tmpdir, "small", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *id = NULL;

  reply = herald_test_call (daemon, "AddProfile",
                            g_variant_new_parsed ("('small', {'transport': <'maildir'>, 'maildir-path': <%s>, "
                                                  "'max-attachment-size': <'23'>})", small),
                            NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  reply = herald_test_call (daemon, "SetRoutes", g_variant_new (
    "(s)", "{\"rules\": [{\"match\": {\"category\": \"sendmail\"}, \"profiles\": [\"small\"]}]}"),
                            NULL, &error);
  g_assert_no_error (error);
  /* 24 decoded bytes of attachment: one too many */
  id = send_message (daemon, message, "", "a@example.org", "@a{sv} {}", &error);
  g_assert_null (id);
  assert_herald_error (error, HERALD_ERROR_TOO_LARGE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* D-Bus error names map to HERALD_ERROR once the domain is registered */
  herald_error_quark ();
  g_test_add_func ("/send-message/delivered", test_delivered);
  g_test_add_func ("/send-message/local-routing", test_local_routing);
  g_test_add_func ("/send-message/refused", test_refused);
  g_test_add_func ("/send-message/attachment-limit", test_attachment_limit);
  return g_test_run ();
}
