/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-aliases.c: local recipients of the sendmail door: [aliases], alias
 * files in aliases(5) format, recursion and loops, default domain, admin
 * address, and what is refused */
#define G_LOG_DOMAIN "test-aliases"

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "herald-error.h"
#include "gw-aliases.h"
#include "herald-test-util.h"

typedef struct {
  char             *tmpdir;
  char             *file;
  GwSendmailConfig  config;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->tmpdir = herald_test_make_tmpdir ("herald-aliases-XXXXXX");
  f->file = g_build_filename (f->tmpdir, "aliases", NULL);
  gw_sendmail_config_init (&f->config, FALSE);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  gw_sendmail_config_clear (&f->config);
  herald_test_rm_rf (f->tmpdir);
  g_free (f->file);
  g_free (f->tmpdir);
}

static void
load (Fixture    *f,
      const char *conf)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  gw_sendmail_config_clear (&f->config);
  gw_sendmail_config_init (&f->config, FALSE);
  g_assert_true (g_key_file_load_from_data (keyfile, conf, -1, G_KEY_FILE_NONE, &error));
  g_assert_true (gw_sendmail_config_load (&f->config, keyfile, "heraldd.conf", f->tmpdir, &error));
  g_assert_no_error (error);
}

/* "a,b|names" for @recipients (comma-separated), or "!CODE" */
static char *
expand (GwAliases  *aliases,
        const char *recipients)
{
  g_auto(GStrv) list = g_strsplit (recipients, ",", -1);
  g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *a = NULL;
  g_autofree char *n = NULL;

  if (!gw_aliases_expand (aliases, (const char * const *) list, addresses, names, &error)) {
    g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ADDRESS);
    return g_strdup ("!invalid-address");
  }
  g_ptr_array_add (addresses, NULL);
  g_ptr_array_add (names, NULL);
  a = g_strjoinv (",", (GStrv) addresses->pdata);
  n = g_strjoinv (",", (GStrv) names->pdata);
  return g_strdup_printf ("%s|%s", a, n);
}

static void
test_table (Fixture *f, gconstpointer data)
{
  static const char file_text[] =
    "# Debian's /etc/aliases\n"
    "mailer-daemon: postmaster\n"
    "postmaster: root\n"
    "root: admin@example.org,\n"
    "\tops@example.org\n"
    "Webmaster : root\n"
    "loop1: loop2\n"
    "loop2: loop1\n"
    "self: self, copy@example.org\n"
    "pipe: \"|/usr/bin/procmail\", /var/mail/pipe\n"
    "partial: |/bin/cat, partial@example.org\n"
    "backslash: \\backslash\n"
    "deep1: deep2\ndeep2: deep3\ndeep3: deep4\ndeep4: deep5\ndeep5: deep6\n"
    "deep6: deep7\ndeep7: deep8\ndeep8: deep9\ndeep9: deep10\ndeep10: deep11\ndeep11: deep12\n"
    "named: Named Person <named@example.org>\n"
    "include: :include:/etc/list\n"
    "local: someone@localhost\n";
  static const struct { const char *in; const char *out; guint skipped; } cases[] = {
    { "user@example.com", "user@example.com|" },
    { "User <user@example.com>", "user@example.com|" },
    /* [aliases] first, then the file */
    { "root", "boss@example.org|root" },
    { "postmaster", "boss@example.org|postmaster" },
    { "MAILER-DAEMON", "boss@example.org|mailer-daemon" },
    { "webmaster", "boss@example.org|webmaster" },
    /* the host's own domain is local */
    { "root@localhost", "boss@example.org|root" },
    /* unaliased names take the default domain */
    { "alice", "alice@example.net|alice" },
    /* duplicates collapse, case-insensitively */
    { "root,Boss@Example.org,backup", "boss@example.org,b1@example.org,b2@example.org|root,backup" },
    /* a loop ends at the name met again */
    { "loop1", "loop1@example.net|loop1" },
    { "self", "self@example.net,copy@example.org|self" },
    /* commands and files are never run or written */
    { "partial", "partial@example.org|partial", 1 },
    { "pipe", "!invalid-address", 2 },
    { "include", "!invalid-address", 1 },
    { "backslash", "backslash@example.net|backslash" },
    { "deep1", "!invalid-address" },
    { "named", "named@example.org|named" },
    { "local", "someone@example.net|local" },
  };
  g_autoptr(GwAliases) aliases = NULL;

  g_assert_true (g_file_set_contents (f->file, file_text, -1, NULL));
  load (f, "[sendmail]\nalias-files=aliases\ndefault-domain=example.net\n"
           "[aliases]\nRoot=boss@example.org\nbackup=b1@example.org, b2@example.org\n");
  aliases = gw_aliases_new (&f->config);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *got = NULL;

    g_test_message ("case %u: %s", i, cases[i].in);
    for (guint j = 0; j < cases[i].skipped; j++)
      g_test_expect_message ("gw-aliases", G_LOG_LEVEL_WARNING, "*skipped: Herald runs no command*");
    got = expand (aliases, cases[i].in);
    g_test_assert_expected_messages ();
    g_assert_cmpstr (got, ==, cases[i].out);
  }
}

static void
test_unqualified (Fixture *f, gconstpointer data)
{
  g_autoptr(GwAliases) aliases = NULL;
  g_autofree char *got = NULL;

  /* neither default domain nor admin address: refused */
  load (f, "[sendmail]\n");
  aliases = gw_aliases_new (&f->config);
  got = expand (aliases, "root");
  g_assert_cmpstr (got, ==, "!invalid-address");
  g_clear_pointer (&got, g_free);
  got = expand (aliases, "ops@example.org");
  g_assert_cmpstr (got, ==, "ops@example.org|");
  g_clear_pointer (&got, g_free);
  g_clear_object (&aliases);

  /* an admin address takes every name without an alias */
  load (f, "[sendmail]\nadmin-address=Admin <admin@example.org>\n");
  aliases = gw_aliases_new (&f->config);
  got = expand (aliases, "root,www-data");
  g_assert_cmpstr (got, ==, "admin@example.org|root,www-data");
}

static void
test_file_changes (Fixture *f, gconstpointer data)
{
  g_autoptr(GwAliases) aliases = NULL;
  g_autofree char *got = NULL;

  load (f, "[sendmail]\nalias-files=/nonexistent/aliases;aliases\ndefault-domain=example.net\n");
  aliases = gw_aliases_new (&f->config);
  /* a missing file is logged and skipped */
  g_test_expect_message ("gw-aliases", G_LOG_LEVEL_WARNING, "*Cannot use the alias file /nonexistent/aliases*");
  g_test_expect_message ("gw-aliases", G_LOG_LEVEL_WARNING, "*Cannot use the alias file*");
  got = expand (aliases, "root");
  g_test_assert_expected_messages ();
  g_assert_cmpstr (got, ==, "root@example.net|root");
  g_clear_pointer (&got, g_free);

  /* written later: read at the next use */
  g_assert_true (g_file_set_contents (f->file, "root: first@example.org\n", -1, NULL));
  got = expand (aliases, "root");
  g_assert_cmpstr (got, ==, "first@example.org|root");
  g_clear_pointer (&got, g_free);
  /* changed: read again */
  g_assert_true (g_file_set_contents (f->file, "root: second@example.org, third@example.org\n", -1, NULL));
  got = expand (aliases, "root");
  g_assert_cmpstr (got, ==, "second@example.org,third@example.org|root");
}

static void
test_config_errors (Fixture *f, gconstpointer data)
{
  static const char * const bad[] = {
    "[sendmail]\ndefault-domain=user@example.org\n",
    "[sendmail]\ndefault-domain=exa mple.org\n",
    "[sendmail]\nadmin-address=not an address\n",
    "[sendmail]\nmaildrop-rescan-seconds=0\n",
    "[sendmail]\nmaildrop-rescan-seconds=x\n",
    "[aliases]\nroot=\n",
    "[aliases]\nroot@example.org=x@example.org\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr(GKeyFile) keyfile = g_key_file_new ();
    g_autoptr(GError) error = NULL;
    GwSendmailConfig config;

    g_test_message ("case %u", i);
    gw_sendmail_config_init (&config, TRUE);
    g_assert_true (g_key_file_load_from_data (keyfile, bad[i], -1, G_KEY_FILE_NONE, NULL));
    g_assert_false (gw_sendmail_config_load (&config, keyfile, "heraldd.conf", "/etc/herald", &error));
    g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING);
    g_assert_true (g_str_has_prefix (error->message, "heraldd.conf: "));
    gw_sendmail_config_clear (&config);
  }
}

static void
test_maildrop_setting (Fixture *f, gconstpointer data)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  GwSendmailConfig config;

  /* the system daemon has a maildrop by default, the session one none */
  gw_sendmail_config_init (&config, TRUE);
  g_assert_cmpstr (config.maildrop_directory, ==, HERALD_MAILDROP_DIR);
  g_assert_true (g_key_file_load_from_data (keyfile, "[sendmail]\nmaildrop-directory=\n", -1, 0, NULL));
  g_assert_true (gw_sendmail_config_load (&config, keyfile, "c", "/etc/herald", NULL));
  g_assert_null (config.maildrop_directory);
  gw_sendmail_config_clear (&config);

  gw_sendmail_config_init (&config, FALSE);
  g_assert_null (config.maildrop_directory);
  g_assert_true (g_key_file_load_from_data (keyfile, "[sendmail]\nmaildrop-directory=drop\n"
                                                     "maildrop-rescan-seconds=5\n", -1, 0, NULL));
  g_assert_true (gw_sendmail_config_load (&config, keyfile, "c", "/etc/herald", NULL));
  g_assert_cmpstr (config.maildrop_directory, ==, "/etc/herald/drop");
  g_assert_cmpuint (config.maildrop_rescan_seconds, ==, 5);
  gw_sendmail_config_clear (&config);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/aliases/table", Fixture, NULL, fixture_setup, test_table, fixture_teardown);
  g_test_add ("/aliases/unqualified", Fixture, NULL, fixture_setup, test_unqualified, fixture_teardown);
  g_test_add ("/aliases/file-changes", Fixture, NULL, fixture_setup, test_file_changes, fixture_teardown);
  g_test_add ("/aliases/config-errors", Fixture, NULL, fixture_setup, test_config_errors, fixture_teardown);
  g_test_add ("/aliases/maildrop-setting", Fixture, NULL, fixture_setup, test_maildrop_setting,
              fixture_teardown);
  return g_test_run ();
}
