/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-pop-login.c: POP-before-SMTP against a scripted POP3 server on loopback
 *
 * The server is tests/unit/pop3-test-server.py (found through G_TEST_SRCDIR),
 * run with /usr/bin/python3. It records every command it receives, so the
 * tests check that only STLS, USER, PASS and QUIT are ever sent.
 */
#define G_LOG_DOMAIN "test-pop-login"

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "herald-test-util.h"
#include "gw-pop-login.h"
#include "gw-stored-profile.h"
#include "gw-secret-store.h"
#include "gw-transport.h"
#include "transport-test-util.h"

#define PYTHON   "/usr/bin/python3"
#define USER     "alice"
#define PASSWORD "pop-s3cret-word"

typedef struct {
  char          *tmpdir;
  char          *log_path;
  char          *ca_path;
  GwSecretStore *store;
  GwProfile     *profile;
  GSubprocess   *server;
  guint16        port;
  gboolean       done;
  gboolean       ok;
  GError        *error;
} Fixture;

static void
apply (GwProfile *profile, const char *key, const char *value)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariantBuilder) builder = g_variant_builder_new (G_VARIANT_TYPE_VARDICT);

  g_variant_builder_add (builder, "{sv}", key, g_variant_new_string (value));
  g_assert_true (gw_stored_profile_apply (profile, g_variant_builder_end (builder), &error));
  g_assert_no_error (error);
}

static void
run_certtool (const char *dir, const char *args)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *command = g_strdup_printf ("certtool %s", args);
  g_auto(GStrv) argv = NULL;
  int status = 0;

  g_assert_true (g_shell_parse_argv (command, NULL, &argv, &error));
  g_spawn_sync (dir, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

/* A test CA and a server certificate for 127.0.0.1 / localhost signed by it. */
static void
make_certificates (const char *dir)
{
  g_autofree char *ca_tmpl = g_build_filename (dir, "ca.tmpl", NULL);
  g_autofree char *server_tmpl = g_build_filename (dir, "server.tmpl", NULL);

  g_assert_true (g_file_set_contents (ca_tmpl, "cn = \"Herald Test CA\"\nca\ncert_signing_key\nexpiration_days = 2\n", -1, NULL));
  g_assert_true (g_file_set_contents (server_tmpl, "cn = \"localhost\"\ndns_name = \"localhost\"\n"
                                      "ip_address = \"127.0.0.1\"\ntls_www_server\nsigning_key\n"
                                      "encryption_key\nexpiration_days = 2\n", -1, NULL));
  run_certtool (dir, "--generate-privkey --outfile ca.key");
  run_certtool (dir, "--generate-self-signed --load-privkey ca.key --template ca.tmpl --outfile ca.pem");
  run_certtool (dir, "--generate-privkey --outfile server.key");
  run_certtool (dir, "--generate-certificate --load-privkey server.key --load-ca-certificate ca.pem "
                     "--load-ca-privkey ca.key --template server.tmpl --outfile server.pem");
}

static void
start_server (Fixture *f, const char *mode, gboolean with_tls)
{
  g_autoptr(GError) error = NULL;
  /* stdin is a pipe the server watches: it exits when the test does */
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "pop3-test-server.py", NULL);
  g_autofree char *cert = g_build_filename (f->tmpdir, "server.pem", NULL);
  g_autofree char *key = g_build_filename (f->tmpdir, "server.key", NULL);
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  g_autofree char *port_text = NULL;
  guint64 port = 0;

  g_subprocess_launcher_setenv (launcher, "POP3_TEST_PASSWORD", PASSWORD, TRUE);
  if (with_tls)
    f->server = g_subprocess_launcher_spawn (launcher, &error, PYTHON, script, "--mode", mode,
                                             "--user", USER, "--log", f->log_path,
                                             "--cert", cert, "--key", key, NULL);
  else
    f->server = g_subprocess_launcher_spawn (launcher, &error, PYTHON, script, "--mode", mode,
                                             "--user", USER, "--log", f->log_path, NULL);
  g_assert_no_error (error);

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (f->server));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "PORT "));
  g_assert_true (g_ascii_string_to_unsigned (line + 5, 10, 1, 65535, &port, NULL));
  f->port = (guint16) port;
  port_text = g_strdup_printf ("%u", f->port);
  apply (f->profile, "pop-port", port_text);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *certtool = g_find_program_in_path ("certtool");

  if (!g_file_test (PYTHON, G_FILE_TEST_IS_EXECUTABLE) || certtool == NULL) {
    g_test_skip ("needs " PYTHON " and certtool (gnutls-bin)");
    return;
  }
  f->tmpdir = herald_test_make_tmpdir ("herald-pop-XXXXXX");
  f->log_path = g_build_filename (f->tmpdir, "commands.log", NULL);
  f->ca_path = g_build_filename (f->tmpdir, "ca.pem", NULL);
  make_certificates (f->tmpdir);
  f->store = gw_secret_store_new (f->tmpdir, &error);
  g_assert_no_error (error);
  f->profile = gw_stored_profile_new ("pop", f->store);
  apply (f->profile, "pop-before-smtp", "true");
  apply (f->profile, "pop-host", "127.0.0.1");
  apply (f->profile, "pop-username", USER);
  apply (f->profile, "pop-password", PASSWORD);
  apply (f->profile, "conversation-timeout", "5");
  apply (f->profile, "connect-timeout", "5");
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  if (f->server != NULL) {
    g_subprocess_force_exit (f->server);
    g_subprocess_wait (f->server, NULL, NULL);
    g_clear_object (&f->server);
  }
  g_clear_object (&f->profile);
  g_clear_object (&f->store);
  g_clear_error (&f->error);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  if (f->tmpdir != NULL)
    herald_test_rm_rf (f->tmpdir);
  g_free (f->tmpdir);
  g_free (f->log_path);
  g_free (f->ca_path);
}

static void
on_login (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Fixture *f = user_data;

  f->ok = gw_pop_login_finish (result, &f->error);
  f->done = TRUE;
}

static gboolean
login (Fixture *f, GCancellable *cancellable)
{
  f->done = FALSE;
  g_clear_error (&f->error);
  gw_pop_login_async (f->profile, cancellable, on_login, f);
  while (!f->done)
    g_main_context_iteration (NULL, TRUE);
  if (f->ok) {
    g_assert_no_error (f->error);
  } else {
    g_assert_nonnull (f->error);
    g_test_message ("error: %s", f->error->message);
  }
  return f->ok;
}

/* The commands the server received, one string. */
static char *
received (Fixture *f)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents (f->log_path, &text, NULL, NULL))
    return g_strdup ("");
  return g_strdelimit (g_steal_pointer (&text), "\n", '|');
}

/* Nothing that reads or deletes mail, and the password only masked. */
static void
assert_nothing_read (Fixture *f)
{
  static const char * const forbidden[] = { "RETR", "DELE", "TOP", "LIST", "STAT", "UIDL", "RSET", NULL };
  g_autofree char *log = received (f);

  for (guint i = 0; forbidden[i] != NULL; i++)
    g_assert_null (strstr (log, forbidden[i]));
}

#define SKIP_IF_UNAVAILABLE(f) G_STMT_START { if ((f)->tmpdir == NULL) return; } G_STMT_END

static void
test_plain (Fixture *f, gconstpointer data)
{
  g_autofree char *log = NULL;

  SKIP_IF_UNAVAILABLE (f);
  apply (f->profile, "pop-security", "none");
  start_server (f, "normal", FALSE);
  g_test_expect_message ("gw-pop-login", G_LOG_LEVEL_WARNING, "*password without TLS*");
  g_assert_true (login (f, NULL));
  g_test_assert_expected_messages ();
  log = received (f);
  g_assert_cmpstr (log, ==, "USER " USER "|PASS ****|QUIT|");
  assert_nothing_read (f);
}

static void
test_wrong_password (Fixture *f, gconstpointer data)
{
  g_autofree char *log = NULL;

  SKIP_IF_UNAVAILABLE (f);
  apply (f->profile, "pop-security", "none");
  apply (f->profile, "pop-password", "not-the-password");
  start_server (f, "normal", FALSE);
  g_test_expect_message ("gw-pop-login", G_LOG_LEVEL_WARNING, "*password without TLS*");
  g_assert_false (login (f, NULL));
  g_test_assert_expected_messages ();
  g_assert_error (f->error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY);
  g_assert_nonnull (strstr (f->error->message, "[AUTH] Invalid login for this test mailbox"));
  g_assert_null (strstr (f->error->message, "not-the-password"));
  log = received (f);
  g_assert_cmpstr (log, ==, "USER " USER "|PASS ****|");
  assert_nothing_read (f);
}

static void
test_stls (Fixture *f, gconstpointer data)
{
  g_autofree char *log = NULL;

  SKIP_IF_UNAVAILABLE (f);
  apply (f->profile, "pop-security", "stls");
  apply (f->profile, "ca-file", f->ca_path);
  start_server (f, "normal", TRUE);
  g_assert_true (login (f, NULL));
  log = received (f);
  g_assert_cmpstr (log, ==, "STLS|TLS|USER " USER "|PASS ****|QUIT|");
  assert_nothing_read (f);
}

/* Without the ca-file the test CA is unknown: nothing is sent after STLS. */
static void
test_stls_untrusted (Fixture *f, gconstpointer data)
{
  g_autofree char *log = NULL;

  SKIP_IF_UNAVAILABLE (f);
  start_server (f, "normal", TRUE);
  g_assert_false (login (f, NULL));
  g_assert_error (f->error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY);
  log = received (f);
  g_assert_null (strstr (log, "USER"));
  g_assert_null (strstr (log, "PASS"));
}

/* STLS is required: a server without it gets neither USER nor PASS. */
static void
test_stls_refused (Fixture *f, gconstpointer data)
{
  g_autofree char *log = NULL;

  SKIP_IF_UNAVAILABLE (f);
  apply (f->profile, "ca-file", f->ca_path);
  start_server (f, "no-stls", TRUE);
  g_assert_false (login (f, NULL));
  g_assert_error (f->error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY);
  g_assert_nonnull (strstr (f->error->message, "STLS not available here"));
  log = received (f);
  g_assert_cmpstr (log, ==, "STLS|");
}

static void
test_stls_injection (Fixture *f, gconstpointer data)
{
  g_autofree char *log = NULL;

  SKIP_IF_UNAVAILABLE (f);
  apply (f->profile, "ca-file", f->ca_path);
  start_server (f, "inject", TRUE);
  g_assert_false (login (f, NULL));
  g_assert_error (f->error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY);
  g_assert_nonnull (strstr (f->error->message, "after its reply to STLS"));
  log = received (f);
  g_assert_cmpstr (log, ==, "STLS|");
}

static void
test_implicit_tls (Fixture *f, gconstpointer data)
{
  g_autofree char *log = NULL;

  SKIP_IF_UNAVAILABLE (f);
  apply (f->profile, "pop-security", "tls");
  apply (f->profile, "ca-file", f->ca_path);
  start_server (f, "tls", TRUE);
  g_assert_true (login (f, NULL));
  log = received (f);
  g_assert_cmpstr (log, ==, "USER " USER "|PASS ****|QUIT|");
}

static void
test_timeout (Fixture *f, gconstpointer data)
{
  gint64 start;

  SKIP_IF_UNAVAILABLE (f);
  apply (f->profile, "pop-security", "none");
  apply (f->profile, "conversation-timeout", "1");
  start_server (f, "silent", FALSE);
  start = g_get_monotonic_time ();
  g_assert_false (login (f, NULL));
  g_assert_error (f->error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY);
  g_assert_nonnull (strstr (f->error->message, "did not answer within 1 s"));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 4 * G_USEC_PER_SEC);
}

static void
test_long_line (Fixture *f, gconstpointer data)
{
  SKIP_IF_UNAVAILABLE (f);
  apply (f->profile, "pop-security", "none");
  start_server (f, "long-line", FALSE);
  g_assert_false (login (f, NULL));
  g_assert_error (f->error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY);
  g_assert_nonnull (strstr (f->error->message, "longer than 1024"));
}

static gboolean
cancel_soon (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel (Fixture *f, gconstpointer data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  SKIP_IF_UNAVAILABLE (f);
  apply (f->profile, "pop-security", "none");
  start_server (f, "silent", FALSE);
  g_timeout_add (100, cancel_soon, cancellable);
  g_assert_false (login (f, cancellable));
  g_assert_error (f->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_missing_settings (Fixture *f, gconstpointer data)
{
  SKIP_IF_UNAVAILABLE (f);
  apply (f->profile, "pop-password", "");
  apply (f->profile, "pop-security", "none");
  apply (f->profile, "pop-port", "1");
  g_assert_false (login (f, NULL));
  g_assert_error (f->error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT);
  g_assert_nonnull (strstr (f->error->message, "pop-password"));

  apply (f->profile, "pop-host", "");
  g_assert_false (login (f, NULL));
  g_assert_error (f->error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT);
  g_assert_nonnull (strstr (f->error->message, "pop-host"));
}

int
main (int argc, char **argv)
{
  g_unsetenv ("CREDENTIALS_DIRECTORY");
  g_test_init (&argc, &argv, NULL);
  herald_test_load_transports ();

#define ADD(path, func) g_test_add ("/pop-login/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("plain", test_plain);
  ADD ("wrong-password", test_wrong_password);
  ADD ("stls", test_stls);
  ADD ("stls-untrusted", test_stls_untrusted);
  ADD ("stls-refused", test_stls_refused);
  ADD ("stls-injection", test_stls_injection);
  ADD ("implicit-tls", test_implicit_tls);
  ADD ("timeout", test_timeout);
  ADD ("long-line", test_long_line);
  ADD ("cancel", test_cancel);
  ADD ("missing-settings", test_missing_settings);
#undef ADD
  return g_test_run ();
}
