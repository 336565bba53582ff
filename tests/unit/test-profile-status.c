/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-profile-status.c: each profile's last test, kept by the gateway (gw-profile-status.c) */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "herald-error.h"
#include "herald-test-util.h"
#include "gw-profile-status.h"

typedef struct {
  char *dir;
  char *path;
} Fixture;

static void
fixture_set_up (Fixture      *f,
                gconstpointer data)
{
  f->dir = herald_test_make_tmpdir ("herald-status-XXXXXX");
  f->path = g_build_filename (f->dir, "profile-status.conf", NULL);
}

static void
fixture_tear_down (Fixture      *f,
                   gconstpointer data)
{
  herald_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

/* The last test of @profile, or NULL; asserts its members' types. */
static GVariant *
last_test (GwProfileStatus *status,
           const char      *profile)
{
  GVariant *value = gw_profile_status_get_last_test (status, profile);

  if (value == NULL)
    return NULL;
  g_variant_ref_sink (value);
  g_assert_true (g_variant_is_of_type (value, G_VARIANT_TYPE_VARDICT));
  return value;
}

static void
assert_test (GVariant   *value,
             gint64      when,
             gboolean    ok,
             const char *summary,
             gboolean    tls_failure)
{
  gint64 got_time = 0;
  gboolean got_ok = !ok;
  gboolean got_tls = FALSE;
  const char *got_summary = NULL;

  g_assert_nonnull (value);
  g_assert_true (g_variant_lookup (value, "time", "x", &got_time));
  g_assert_cmpint (got_time, ==, when);
  g_assert_true (g_variant_lookup (value, "ok", "b", &got_ok));
  g_assert_cmpint (got_ok, ==, ok);
  g_assert_true (g_variant_lookup (value, "summary", "&s", &got_summary));
  g_assert_cmpstr (got_summary, ==, summary);
  g_assert_cmpint (g_variant_lookup (value, "tls-failure", "b", &got_tls), ==, tls_failure);
}

static void
test_write_reload_remove (Fixture      *f,
                          gconstpointer data)
{
  g_autoptr(GwProfileStatus) status = gw_profile_status_new (f->dir);
  g_autoptr(GwProfileStatus) again = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_null (last_test (status, "relay"));
  /* Nothing written before there is something to keep. */
  g_assert_false (g_file_test (f->path, G_FILE_TEST_EXISTS));

  g_assert_true (gw_profile_status_record_test (status, "relay", 1700000000000000, FALSE,
                                                "certificate refused: unknown-ca", TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (gw_profile_status_record_test (status, "fax.office", 1700000000000001, TRUE,
                                                "250 2.0.0 Ok: queued as 4Xy", FALSE, &error));
  g_assert_no_error (error);
  herald_test_assert_mode (f->path, 0600);
  value = last_test (status, "relay");
  assert_test (value, 1700000000000000, FALSE, "certificate refused: unknown-ca", TRUE);
  g_clear_pointer (&value, g_variant_unref);

  /* A new test replaces the old one, flag and all. */
  g_assert_true (gw_profile_status_record_test (status, "relay", 1700000000000002, TRUE,
                                                "250 Ok", FALSE, &error));
  g_assert_no_error (error);

  /* Read back by a new store, as after a restart. */
  again = gw_profile_status_new (f->dir);
  value = last_test (again, "relay");
  assert_test (value, 1700000000000002, TRUE, "250 Ok", FALSE);
  g_clear_pointer (&value, g_variant_unref);
  value = last_test (again, "fax.office");
  assert_test (value, 1700000000000001, TRUE, "250 2.0.0 Ok: queued as 4Xy", FALSE);
  g_clear_pointer (&value, g_variant_unref);

  /* Removed: forgotten, in the file too. */
  g_assert_true (gw_profile_status_forget (again, "relay", &error));
  g_assert_no_error (error);
  g_assert_true (gw_profile_status_forget (again, "never-tested", &error));
  g_assert_no_error (error);
  g_assert_null (last_test (again, "relay"));
  herald_test_assert_mode (f->path, 0600);
  g_clear_object (&status);
  status = gw_profile_status_new (f->dir);
  g_assert_null (last_test (status, "relay"));
  value = last_test (status, "fax.office");
  g_assert_nonnull (value);
}

/* A summary is one line of valid UTF-8, bounded; never a transcript. */
static void
test_summary_is_one_bounded_line (Fixture      *f,
                                  gconstpointer data)
{
  g_autoptr(GwProfileStatus) status = gw_profile_status_new (f->dir);
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) long_text = g_string_new (NULL);
  const char *summary = NULL;

  g_assert_true (gw_profile_status_record_test (status, "relay", 1, FALSE,
                                                "550 5.7.1 refused\r\n[group]\nkey=\xff value", FALSE, &error));
  g_assert_no_error (error);
  g_clear_object (&status);
  status = gw_profile_status_new (f->dir);
  value = last_test (status, "relay");
  g_assert_true (g_variant_lookup (value, "summary", "&s", &summary));
  g_assert_null (strchr (summary, '\n'));
  g_assert_null (strchr (summary, '\r'));
  g_assert_true (g_utf8_validate (summary, -1, NULL));
  g_assert_true (g_str_has_prefix (summary, "550 5.7.1 refused  [group] key="));
  g_clear_pointer (&value, g_variant_unref);

  for (guint i = 0; i < 400; i++)
    g_string_append (long_text, "é");
  g_assert_true (gw_profile_status_record_test (status, "relay", 2, FALSE, long_text->str, FALSE, &error));
  g_assert_no_error (error);
  value = last_test (status, "relay");
  g_assert_true (g_variant_lookup (value, "summary", "&s", &summary));
  g_assert_cmpuint (strlen (summary), <=, GW_PROFILE_STATUS_MAX_SUMMARY);
  g_assert_cmpuint (strlen (summary), >, GW_PROFILE_STATUS_MAX_SUMMARY - 2);
  g_assert_true (g_utf8_validate (summary, -1, NULL));
}

/* TestProfile's answer: the error of a failure, the reply of a pass, the
 * certificate flag; the transcript is not kept. */
static void
test_record_result (Fixture      *f,
                    gconstpointer data)
{
  g_autoptr(GwProfileStatus) status = gw_profile_status_new (f->dir);
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GVariant) failed = NULL;
  g_autoptr(GVariant) passed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) test_error = g_error_new_literal (HERALD_ERROR, HERALD_ERROR_FAILED,
                                                      "Cannot connect to localhost:1: refused");
  g_autofree char *file = NULL;
  const char *summary = NULL;
  gboolean flag = FALSE;
  gint64 when = 0;

  failed = g_variant_ref_sink (g_variant_new_parsed (
    "{'ok': <false>, 'reply': <''>, 'error': <'The certificate of localhost is not trusted'>, "
    "'transcript': <['C: AUTH PLAIN ****', 'S: 235 transcript-only-text']>, "
    "'certificate': <{'sha256-fingerprint': <'AB:CD'>}>}"));
  g_assert_true (gw_profile_status_record_result (status, "relay", failed, NULL, &error));
  g_assert_no_error (error);
  value = last_test (status, "relay");
  g_assert_true (g_variant_lookup (value, "summary", "&s", &summary));
  g_assert_cmpstr (summary, ==, "The certificate of localhost is not trusted");
  g_assert_true (g_variant_lookup (value, "tls-failure", "b", &flag));
  g_assert_true (flag);
  g_clear_pointer (&value, g_variant_unref);
  g_assert_true (g_file_get_contents (f->path, &file, NULL, NULL));
  g_assert_null (strstr (file, "transcript-only-text"));
  g_assert_null (strstr (file, "AUTH"));

  passed = g_variant_ref_sink (g_variant_new_parsed (
    "{'ok': <true>, 'reply': <'250 2.0.0 Ok: queued'>, 'transcript': <['S: 250 Ok']>}"));
  g_assert_true (gw_profile_status_record_result (status, "relay", passed, NULL, &error));
  g_assert_no_error (error);
  value = last_test (status, "relay");
  g_assert_true (g_variant_lookup (value, "summary", "&s", &summary));
  g_assert_cmpstr (summary, ==, "250 2.0.0 Ok: queued");
  g_assert_false (g_variant_lookup (value, "tls-failure", "b", &flag));
  g_clear_pointer (&value, g_variant_unref);

  g_assert_true (gw_profile_status_record_result (status, "relay", NULL, test_error, &error));
  g_assert_no_error (error);
  value = last_test (status, "relay");
  g_assert_true (g_variant_lookup (value, "time", "x", &when));
  g_assert_cmpint (when, >, 0);
  assert_test (value, when, FALSE, "Cannot connect to localhost:1: refused", FALSE);
}

static gboolean
only_kept (const char *profile,
           gpointer    user_data)
{
  return g_str_equal (profile, user_data);
}

/* Profiles removed while the daemon was stopped are forgotten at start. */
static void
test_prune (Fixture      *f,
            gconstpointer data)
{
  g_autoptr(GwProfileStatus) status = gw_profile_status_new (f->dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) kept = NULL;

  g_assert_true (gw_profile_status_record_test (status, "kept", 1, TRUE, "ok", FALSE, &error));
  g_assert_true (gw_profile_status_record_test (status, "gone", 2, TRUE, "ok", FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (gw_profile_status_prune (status, only_kept, (gpointer) "kept", &error));
  g_assert_no_error (error);
  g_clear_object (&status);
  status = gw_profile_status_new (f->dir);
  g_assert_null (last_test (status, "gone"));
  kept = last_test (status, "kept");
  g_assert_nonnull (kept);
}

/* A damaged file is ignored (with a warning), and replaced by the next
 * write; an unwritable directory is a storage error. */
static void
test_damaged_and_unwritable (Fixture      *f,
                             gconstpointer data)
{
  g_autoptr(GwProfileStatus) status = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = g_build_filename (f->dir, "no-such-dir", NULL);

  g_assert_true (g_file_set_contents (f->path, "this is [not a keyfile\n", -1, NULL));
  g_test_expect_message ("gw-profile-status", G_LOG_LEVEL_WARNING, "Ignoring unreadable*");
  status = gw_profile_status_new (f->dir);
  g_test_assert_expected_messages ();
  g_assert_null (last_test (status, "relay"));
  g_assert_true (gw_profile_status_record_test (status, "relay", 3, TRUE, "250 Ok", FALSE, &error));
  g_assert_no_error (error);
  herald_test_assert_mode (f->path, 0600);
  g_clear_object (&status);

  status = gw_profile_status_new (missing);
  g_assert_false (gw_profile_status_record_test (status, "relay", 4, TRUE, "250 Ok", FALSE, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/profile-status/write-reload-remove", Fixture, NULL,
              fixture_set_up, test_write_reload_remove, fixture_tear_down);
  g_test_add ("/profile-status/summary-one-bounded-line", Fixture, NULL,
              fixture_set_up, test_summary_is_one_bounded_line, fixture_tear_down);
  g_test_add ("/profile-status/record-result", Fixture, NULL,
              fixture_set_up, test_record_result, fixture_tear_down);
  g_test_add ("/profile-status/prune", Fixture, NULL,
              fixture_set_up, test_prune, fixture_tear_down);
  g_test_add ("/profile-status/damaged-and-unwritable", Fixture, NULL,
              fixture_set_up, test_damaged_and_unwritable, fixture_tear_down);
  return g_test_run ();
}
