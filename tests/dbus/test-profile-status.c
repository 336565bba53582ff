/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-profile-status.c: the last TestProfile of each profile, kept by the
 * built heraldd across a restart and shown in GetProfile as "last-test" */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "herald-error.h"
#include "herald-profile.h"
#include "herald-test-daemon.h"

static GVariant *
get_profile (HeraldTestDaemon *daemon,
             const char       *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = herald_test_call (daemon, "GetProfile", g_variant_new ("(s)", name),
                                                "(a{sv})", &error);
  GVariant *dict = NULL;

  g_assert_no_error (error);
  g_variant_get (reply, "(@a{sv})", &dict);
  return dict;
}

static void
test_profile (HeraldTestDaemon *daemon,
              const char       *name,
              const char       *recipient)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = herald_test_call (daemon, "TestProfile", g_variant_new ("(ss)", name, recipient),
                                                "(a{sv})", &error);

  /* A failed test is an answer too (ok false), or a typed error. */
  if (error != NULL)
    g_assert_true (error->domain == HERALD_ERROR);
}

/* Asserts @profile's last-test and returns its summary (transfer full). */
static char *
assert_last_test (GVariant *profile,
                  gboolean  ok,
                  gint64    not_before)
{
  g_autoptr(GVariant) last = g_variant_lookup_value (profile, "last-test", G_VARIANT_TYPE_VARDICT);
  g_autoptr(HeraldProfile) parsed = NULL;
  g_autoptr(GError) error = NULL;
  gint64 when = 0;
  gint64 parsed_when = 0;
  gboolean got_ok = !ok;
  gboolean parsed_ok = !ok;
  const char *summary = NULL;
  const char *parsed_summary = NULL;

  g_assert_nonnull (last);
  g_assert_true (g_variant_lookup (last, "time", "x", &when));
  g_assert_cmpint (when, >=, not_before);
  g_assert_cmpint (when, <=, g_get_real_time ());
  g_assert_true (g_variant_lookup (last, "ok", "b", &got_ok));
  g_assert_cmpint (got_ok, ==, ok);
  g_assert_true (g_variant_lookup (last, "summary", "&s", &summary));
  g_assert_cmpstr (summary, !=, "");

  /* libherald reads the same. */
  parsed = herald_profile_new_from_variant (profile, &error);
  g_assert_no_error (error);
  g_assert_true (herald_profile_get_last_test (parsed, &parsed_when, &parsed_ok, &parsed_summary));
  g_assert_cmpint (parsed_when, ==, when);
  g_assert_cmpint (parsed_ok, ==, ok);
  g_assert_cmpstr (parsed_summary, ==, summary);
  return g_strdup (summary);
}

static void
test_kept_across_restart (void)
{
  g_autoptr(HeraldTestDaemon) daemon = herald_test_daemon_new ();
  g_autofree char *blocker = g_build_filename (daemon->tmpdir, "blocker", NULL);
  g_autofree char *broken_maildir = g_build_filename (blocker, "Maildir", NULL);
  g_autofree char *status_file = g_build_filename (daemon->state_dir, "profile-status.conf", NULL);
  g_autofree char *broken_file = g_build_filename (daemon->state_dir, "profiles", "broken.conf", NULL);
  g_autofree char *passed = NULL;
  g_autofree char *failed = NULL;
  g_autofree char *again = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GVariant) profile = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(HeraldProfile) untested = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_real_time ();
  GStatBuf st;

  /* Never tested: no last-test, and libherald says so. */
  profile = get_profile (daemon, "local");
  g_assert_null (g_variant_lookup_value (profile, "last-test", NULL));
  untested = herald_profile_new_from_variant (profile, &error);
  g_assert_no_error (error);
  g_assert_false (herald_profile_get_last_test (untested, NULL, NULL, NULL));
  g_clear_pointer (&profile, g_variant_unref);

  /* A passing test and a failing one (its Maildir cannot be made: a file
   * stands where its parent directory should be). */
  test_profile (daemon, "local", "admin@example.org");
  g_assert_true (g_file_set_contents (blocker, "", 0, NULL));
  reply = herald_test_call (daemon, "AddProfile",
                            g_variant_new_parsed ("('broken', {'transport': <'maildir'>, 'maildir-path': <%s>})",
                                                  broken_maildir),
                            NULL, &error);
  g_assert_no_error (error);
  test_profile (daemon, "broken", "admin@example.org");

  profile = get_profile (daemon, "local");
  passed = assert_last_test (profile, TRUE, start);
  g_clear_pointer (&profile, g_variant_unref);
  profile = get_profile (daemon, "broken");
  failed = assert_last_test (profile, FALSE, start);
  g_clear_pointer (&profile, g_variant_unref);

  /* Kept in the state directory, 0600, without the test's transcript. */
  g_assert_cmpint (g_stat (status_file, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, 0600);
  g_assert_true (g_file_get_contents (status_file, &contents, NULL, NULL));
  g_assert_null (strstr (contents, "Subject:"));

  /* After a restart: the same. */
  herald_test_daemon_stop (daemon);
  herald_test_daemon_start (daemon);
  profile = get_profile (daemon, "local");
  again = assert_last_test (profile, TRUE, start);
  g_assert_cmpstr (again, ==, passed);
  g_clear_pointer (&profile, g_variant_unref);
  g_clear_pointer (&again, g_free);
  profile = get_profile (daemon, "broken");
  again = assert_last_test (profile, FALSE, start);
  g_assert_cmpstr (again, ==, failed);
  g_clear_pointer (&profile, g_variant_unref);

  /* Removed, then added again under the same name: no last test. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = herald_test_call (daemon, "RemoveProfile", g_variant_new ("(s)", "broken"), NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  reply = herald_test_call (daemon, "AddProfile",
                            g_variant_new_parsed ("('broken', {'transport': <'maildir'>, 'maildir-path': <%s>})",
                                                  broken_maildir),
                            NULL, &error);
  g_assert_no_error (error);
  profile = get_profile (daemon, "broken");
  g_assert_null (g_variant_lookup_value (profile, "last-test", NULL));
  g_clear_pointer (&profile, g_variant_unref);
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (status_file, &contents, NULL, NULL));
  g_assert_null (strstr (contents, "[broken]"));

  /* A profile file removed while heraldd was stopped: forgotten at start. */
  test_profile (daemon, "broken", "admin@example.org");
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (status_file, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "[broken]"));
  herald_test_daemon_stop (daemon);
  g_assert_cmpint (g_unlink (broken_file), ==, 0);
  herald_test_daemon_start (daemon);
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (status_file, &contents, NULL, NULL));
  g_assert_null (strstr (contents, "[broken]"));
  g_assert_nonnull (strstr (contents, "[local]"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  herald_error_quark ();
  g_test_add_func ("/profile-status/kept-across-restart", test_kept_across_restart);
  return g_test_run ();
}
