/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-maildrop.c: the maildrop: its envelope format (table of good and bad
 * envelopes), the helper herald-maildrop writing into a directory, and
 * GwMaildrop picking files up at start and from its monitor, removing a
 * file only after the commit, moving bad files aside, keeping a file whose
 * commit failed for a while */
#define G_LOG_DOMAIN "test-maildrop"

#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sysexits.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "herald-error.h"
#include "gw-maildrop.h"
#include "herald-test-util.h"
#include "hs-maildrop-file.h"

static void
test_format (void)
{
  char root[] = "root", ops[] = "Ops <ops@example.org>", sender[] = "cron@host.example";
  char name[] = "Cron Daemon", app[] = "cron", key[] = "k-1";
  char evil[] = "Cron\nrecipient=evil@example.org";
  char *recipients[] = { root, ops };
  HsMaildropEnvelope in = { sender, recipients, 2, 1, name, app, key };
  HsMaildropEnvelope out;
  const char *problem = NULL;
  size_t len = 0;
  size_t header_len = 0;
  char *text = hs_maildrop_envelope_format (&in, &len, &problem);
  g_autofree char *with_message = NULL;

  g_assert_null (problem);
  g_assert_cmpstr (text, ==,
                   "HERALD-MAILDROP 1\nsender=cron@host.example\nrecipient=root\n"
                   "recipient=Ops <ops@example.org>\nextract-recipients=yes\nfull-name=Cron Daemon\n"
                   "app-name=cron\nidempotency-key=k-1\n\n");
  g_assert_cmpuint (len, ==, strlen (text));
  with_message = g_strconcat (text, "Subject: x\n\nbody\n", NULL);
  g_assert_null (hs_maildrop_envelope_parse (with_message, strlen (with_message), &out, &header_len));
  g_assert_cmpuint (header_len, ==, len);
  g_assert_cmpstr (out.sender, ==, "cron@host.example");
  g_assert_cmpuint (out.n_recipients, ==, 2);
  g_assert_cmpstr (out.recipients[1], ==, "Ops <ops@example.org>");
  g_assert_true (out.extract_recipients);
  g_assert_cmpstr (out.full_name, ==, "Cron Daemon");
  g_assert_cmpstr (out.app_name, ==, "cron");
  g_assert_cmpstr (out.idempotency_key, ==, "k-1");
  hs_maildrop_envelope_clear (&out);
  free (text);

  /* a value that would break a line is never written */
  in.full_name = evil;
  g_assert_null (hs_maildrop_envelope_format (&in, &len, &problem));
  g_assert_nonnull (problem);
}

static void
test_parse_refused (void)
{
  g_autofree char *long_line = g_strdup_printf ("HERALD-MAILDROP 1\nrecipient=%01100d\nidempotency-key=k\n\n", 0);
  GString *many = g_string_new ("HERALD-MAILDROP 1\nidempotency-key=k\n");
  g_autofree char *many_text = NULL;
  static const char * const bad[] = {
    "",
    "HERALD-MAILDROP 2\nidempotency-key=k\n\n",
    "HERALD-MAILDROP 1\nrecipient=root\n\n",                          /* no key */
    "HERALD-MAILDROP 1\nidempotency-key=k\nidempotency-key=l\n\n",    /* twice */
    "HERALD-MAILDROP 1\nidempotency-key=k\ncolour=red\n\n",           /* unknown */
    "HERALD-MAILDROP 1\nidempotency-key=k\nrecipient=\n\n",           /* empty */
    "HERALD-MAILDROP 1\nidempotency-key=k\nrecipient=a\rb\n\n",       /* control */
    "HERALD-MAILDROP 1\nidempotency-key=k\nno equals sign\n\n",
    "HERALD-MAILDROP 1\nidempotency-key=k\nextract-recipients=no\n\n",
    "HERALD-MAILDROP 1\nidempotency-key=k\n",                         /* no end */
  };
  HsMaildropEnvelope envelope;
  size_t header_len;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_test_message ("case %u", i);
    g_assert_nonnull (hs_maildrop_envelope_parse (bad[i], strlen (bad[i]), &envelope, &header_len));
  }
  g_assert_nonnull (hs_maildrop_envelope_parse (long_line, strlen (long_line), &envelope, &header_len));
  for (guint i = 0; i < 1001; i++)
    g_string_append_printf (many, "recipient=r%u\n", i);
  g_string_append (many, "\n");
  many_text = g_string_free (many, FALSE);
  g_assert_nonnull (hs_maildrop_envelope_parse (many_text, strlen (many_text), &envelope, &header_len));
}

/* Runs the built helper with @input; returns its exit status. */
static int
run_helper (const char *directory,
            const char *input,
            char      **error_text)
{
  const char *helper = g_getenv ("HERALD_MAILDROP_HELPER");
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) in = g_bytes_new (input, strlen (input));
  g_autoptr(GBytes) err = NULL;

  g_assert_nonnull (helper);
  g_subprocess_launcher_setenv (launcher, "HERALD_MAILDROP_DIR", directory, TRUE);
  process = g_subprocess_launcher_spawn (launcher, &error, helper, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate (process, in, NULL, NULL, &err, &error));
  g_assert_no_error (error);
  if (error_text != NULL)
    *error_text = g_strndup (g_bytes_get_data (err, NULL), g_bytes_get_size (err));
  return g_subprocess_get_exit_status (process);
}

static GPtrArray *
list_files (const char *directory)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) dir = g_dir_open (directory, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL) {
    if (!g_str_equal (name, "rejected"))
      g_ptr_array_add (names, g_build_filename (directory, name, NULL));
  }
  return names;
}

static const char drop[] =
  "HERALD-MAILDROP 1\nrecipient=root\napp-name=cron\nidempotency-key=k-%u\n\nSubject: %s\n\nbody\n";

static char *
drop_text (guint       key,
           const char *subject)
{
  return g_strdup_printf (drop, key, subject);
}

static void
test_helper (void)
{
  g_autofree char *tmpdir = herald_test_make_tmpdir ("herald-maildrop-XXXXXX");
  g_autofree char *missing = g_build_filename (tmpdir, "missing", NULL);
  g_autofree char *input = drop_text (1, "helper");
  g_autofree char *text = NULL;
  g_autofree char *error_text = NULL;
  g_autoptr(GPtrArray) files = NULL;
  struct stat st;

  g_assert_cmpint (run_helper (tmpdir, input, NULL), ==, EX_OK);
  files = list_files (tmpdir);
  g_assert_cmpuint (files->len, ==, 1);
  g_assert_cmpint (g_stat (g_ptr_array_index (files, 0), &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 07777, ==, HS_MAILDROP_MODE_COMPLETE);
  g_assert_cmpuint (st.st_uid, ==, getuid ());
  g_assert_true (g_file_get_contents (g_ptr_array_index (files, 0), &text, NULL, NULL));
  g_assert_cmpstr (text, ==, input);
  g_clear_pointer (&files, g_ptr_array_unref);

  /* a malformed envelope: EX_DATAERR, nothing written */
  g_assert_cmpint (run_helper (tmpdir, "Subject: no envelope\n\nbody\n", &error_text), ==, EX_DATAERR);
  g_assert_nonnull (strstr (error_text, "herald-maildrop: "));
  files = list_files (tmpdir);
  g_assert_cmpuint (files->len, ==, 1);
  g_clear_pointer (&error_text, g_free);

  /* no directory: EX_TEMPFAIL with a message */
  g_assert_cmpint (run_helper (missing, input, &error_text), ==, EX_TEMPFAIL);
  g_assert_nonnull (strstr (error_text, "maildrop directory"));
  herald_test_rm_rf (tmpdir);
}

typedef struct {
  GPtrArray *tickets;
  GPtrArray *uids;
  GPtrArray *subjects;
} Seen;

static void
handler (GwMaildrop       *maildrop,
         GwMessageRequest *request,
         guint             uid,
         const char       *ticket,
         gpointer          user_data)
{
  g_autoptr(GwMessageRequest) owned = request;   /* the handler's to keep or free */
  Seen *seen = user_data;

  g_ptr_array_add (seen->tickets, g_strdup (ticket));
  g_ptr_array_add (seen->uids, GUINT_TO_POINTER (uid));
  g_ptr_array_add (seen->subjects, g_strndup (g_bytes_get_data (request->message, NULL),
                                              g_bytes_get_size (request->message)));
  g_assert_cmpstr (request->recipients[0], ==, "root");
  g_assert_cmpstr (request->app_name, ==, "cron");
  g_assert_true (g_str_has_prefix (request->idempotency_key, "k-"));
}

static void
wait_for (Seen  *seen,
          guint  count)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (seen->tickets->len < count) {
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_main_context_iteration (NULL, FALSE);
    g_usleep (1000);
  }
}

static void
test_pickup (void)
{
  g_autofree char *tmpdir = herald_test_make_tmpdir ("herald-maildrop-XXXXXX");
  g_autofree char *directory = g_build_filename (tmpdir, "maildrop", NULL);
  g_autofree char *partial = g_build_filename (directory, "mpartial", NULL);
  g_autofree char *stale = g_build_filename (directory, "mstale", NULL);
  g_autofree char *bad = g_build_filename (directory, "mbad", NULL);
  g_autofree char *link = g_build_filename (directory, "mlink", NULL);
  g_autofree char *rejected_bad = g_build_filename (directory, "rejected", "mbad", NULL);
  g_autofree char *rejected_link = g_build_filename (directory, "rejected", "mlink", NULL);
  g_autofree char *first = drop_text (1, "first");
  g_autofree char *second = drop_text (2, "second");
  g_autoptr(GwMaildrop) maildrop = NULL;
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(GError) storage = g_error_new_literal (HERALD_ERROR, HERALD_ERROR_STORAGE, "disk full");
  g_autoptr(GError) invalid = g_error_new_literal (HERALD_ERROR, HERALD_ERROR_INVALID_MESSAGE, "bad");
  Seen seen = { g_ptr_array_new_with_free_func (g_free), g_ptr_array_new (),
                g_ptr_array_new_with_free_func (g_free) };
  struct timeval old[2] = { { 1000, 0 }, { 1000, 0 } };

  g_assert_cmpint (g_mkdir (directory, 0700), ==, 0);
  g_assert_cmpint (g_chmod (directory, 01730), ==, 0);
  /* before start: one complete drop, a partial one, a stale partial one,
   * a file that is no drop, a link */
  g_assert_cmpint (run_helper (directory, first, NULL), ==, EX_OK);
  g_assert_true (g_file_set_contents_full (partial, "HERALD-MAILDROP 1\n", -1, 0, 0600, NULL));
  g_assert_true (g_file_set_contents_full (stale, "HERALD-MAILDROP 1\n", -1, 0, 0600, NULL));
  g_assert_cmpint (utimes (stale, old), ==, 0);
  g_assert_true (g_file_set_contents_full (bad, "Subject: hi\n\nno envelope\n", -1, 0, 0604, NULL));
  g_assert_cmpint (symlink ("/etc/passwd", link), ==, 0);

  maildrop = gw_maildrop_new (directory, 1, handler, &seen);
  g_test_expect_message ("gw-maildrop", G_LOG_LEVEL_INFO, "Maildrop * watched");
  /* in directory order: the stale one removed, the bad one and the link moved */
  for (guint i = 0; i < 3; i++)
    g_test_expect_message ("gw-maildrop", G_LOG_LEVEL_WARNING, "*aildrop file m*");
  gw_maildrop_start (maildrop);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (seen.tickets->len, ==, 1);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_ptr_array_index (seen.uids, 0)), ==, getuid ());
  g_assert_nonnull (strstr (g_ptr_array_index (seen.subjects, 0), "Subject: first\n"));
  g_assert_true (g_file_test (partial, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (rejected_bad, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (rejected_link, G_FILE_TEST_IS_SYMLINK));

  /* a failed commit keeps the file; the rescan hands it over again */
  g_test_expect_message ("gw-maildrop", G_LOG_LEVEL_WARNING, "*kept for the next try: disk full*");
  gw_maildrop_finish (maildrop, g_ptr_array_index (seen.tickets, 0), storage);
  g_test_assert_expected_messages ();
  wait_for (&seen, 2);
  g_assert_cmpstr (g_ptr_array_index (seen.tickets, 1), ==, g_ptr_array_index (seen.tickets, 0));
  /* committed: removed */
  gw_maildrop_finish (maildrop, g_ptr_array_index (seen.tickets, 1), NULL);
  g_assert_cmpuint (gw_maildrop_get_n_taken (maildrop), ==, 1);

  /* dropped while running: the monitor (or the rescan) finds it */
  g_assert_cmpint (run_helper (directory, second, NULL), ==, EX_OK);
  wait_for (&seen, 3);
  g_assert_nonnull (strstr (g_ptr_array_index (seen.subjects, 2), "Subject: second\n"));
  /* refused for good: moved aside */
  g_test_expect_message ("gw-maildrop", G_LOG_LEVEL_WARNING, "*moved to*: bad");
  gw_maildrop_finish (maildrop, g_ptr_array_index (seen.tickets, 2), invalid);
  g_test_assert_expected_messages ();

  /* only the partial file is left */
  files = list_files (directory);
  g_assert_cmpuint (files->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (files, 0), ==, partial);
  gw_maildrop_stop (maildrop);
  g_ptr_array_unref (seen.tickets);
  g_ptr_array_unref (seen.uids);
  g_ptr_array_unref (seen.subjects);
  herald_test_rm_rf (tmpdir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/maildrop/format", test_format);
  g_test_add_func ("/maildrop/parse-refused", test_parse_refused);
  g_test_add_func ("/maildrop/helper", test_helper);
  g_test_add_func ("/maildrop/pickup", test_pickup);
  return g_test_run ();
}
