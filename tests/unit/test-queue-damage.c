/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-queue-damage.c: the queue with corrupt rows, a corrupt database
 * file and a full disk: nothing crashes, bad rows are set aside, the rest
 * flows, and writing resumes once space frees */
#define G_LOG_DOMAIN "test-queue-damage"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "gw-transport.h"
#include "herald-error.h"
#include "herald-test-util.h"
#include "queue-test-util.h"

typedef struct {
  char    *tmpdir;
  char    *path;
  GwQueue *queue;
  gboolean mounted;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->tmpdir = herald_test_make_tmpdir ("herald-queue-damage-XXXXXX");
  f->path = g_build_filename (f->tmpdir, "queue.db", NULL);
  queue_test_reset_warnings ();
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  if (f->queue != NULL)
    gw_queue_close (f->queue);
  g_clear_object (&f->queue);
  if (f->mounted)
    queue_test_umount (f->tmpdir);
  herald_test_rm_rf (f->tmpdir);
  g_free (f->path);
  g_free (f->tmpdir);
}

static char *
submit (Fixture    *f,
        const char *subject,
        gsize       size,
        GError    **error)
{
  return queue_test_submit (f->queue,
                            queue_test_submission ("p", subject,
                                                   (const char *[]) { "x@example.org", NULL }, size),
                            error);
}

static char *
submit_ok (Fixture    *f,
           const char *subject)
{
  g_autoptr(GError) error = NULL;
  char *id = submit (f, subject, 0, &error);

  g_assert_no_error (error);
  return id;
}

static void
assert_set_aside (Fixture    *f,
                  const char *message_id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT state || '/' || reason FROM jobs"
                                          " WHERE message_id = '%s'", message_id);
  g_autofree char *state = queue_test_sql_text (f->path, sql);

  g_assert_cmpstr (state, ==, "failed/corrupt");
}

static void
assert_delivery (Fixture    *f,
                 const char *id,
                 const char *state,
                 const char *reason)
{
  g_autoptr(GVariant) delivery = gw_queue_get_delivery (f->queue, id, NULL);
  const char *value = NULL;

  g_assert_nonnull (delivery);
  g_assert_true (g_variant_lookup (delivery, "state", "&s", &value));
  g_assert_cmpstr (value, ==, state);
  value = NULL;
  g_variant_lookup (delivery, "reason", "&s", &value);
  g_assert_cmpstr (value, ==, reason);
}

static void
test_corrupt_rows (Fixture *f, gconstpointer data)
{
  g_autofree char *good = NULL, *empty = NULL, *orphan = NULL, *no_sender = NULL;
  g_autofree char *bad_rcpt = NULL, *no_rcpt = NULL, *no_profile = NULL, *text_msg = NULL;
  g_autofree char *later = NULL, *no_msg = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_auto(GStrv) due = NULL;

  f->queue = queue_test_open (f->path);
  good = submit_ok (f, "good");
  empty = submit_ok (f, "empty");
  orphan = submit_ok (f, "orphan");
  no_sender = submit_ok (f, "no-sender");
  bad_rcpt = submit_ok (f, "bad-rcpt");
  no_rcpt = submit_ok (f, "no-rcpt");
  no_profile = submit_ok (f, "no-profile");
  text_msg = submit_ok (f, "text-msg");
  no_msg = submit_ok (f, "no-msg");
  gw_queue_close (f->queue);
  g_clear_object (&f->queue);

  /* What SQLite lets through: foreign keys are per connection, BLOB
   * columns take any type, and a NOT NULL can be edited out of the schema. */
  queue_test_sql (f->path,
    "PRAGMA foreign_keys = OFF;"
    "UPDATE messages SET body = X'' WHERE job_id = (SELECT id FROM jobs WHERE message_id = '<empty@test>');"
    "UPDATE messages SET body = 42 WHERE job_id = (SELECT id FROM jobs WHERE message_id = '<text-msg@test>');"
    "DELETE FROM messages WHERE job_id = (SELECT id FROM jobs WHERE message_id = '<no-msg@test>');"
    "DELETE FROM deliveries WHERE subject = 'orphan';"
    "UPDATE recipients SET address = 'x@example.org' || char (13, 10) || 'RCPT TO:<evil@example.org>'"
    "  WHERE job_id = (SELECT id FROM jobs WHERE message_id = '<bad-rcpt@test>');"
    "DELETE FROM recipients WHERE job_id = (SELECT id FROM jobs WHERE message_id = '<no-rcpt@test>');"
    "INSERT INTO recipients (job_id, idx, address, kind, state)"
    "  SELECT max (id) + 1, 0, 'stale@example.org', 'to', 'pending' FROM jobs;"
    "INSERT INTO messages (job_id, body) SELECT max (id) + 1, X'00' FROM jobs;"
    "PRAGMA writable_schema = ON;"
    "UPDATE sqlite_master SET sql = replace (replace (sql, 'sender TEXT NOT NULL', 'sender TEXT'),"
    "  'profile TEXT NOT NULL', 'profile TEXT') WHERE name = 'jobs';");
  queue_test_sql (f->path,
    "UPDATE jobs SET sender = NULL WHERE message_id = '<no-sender@test>';"
    "UPDATE jobs SET profile = NULL WHERE message_id = '<no-profile@test>';");

  /* Opening sets aside what no claim could ever pick (no profile). */
  f->queue = queue_test_open (f->path);
  assert_set_aside (f, "<no-profile@test>");
  due = gw_queue_dup_due_profiles (f->queue, g_get_real_time (), NULL);
  g_assert_cmpstrv (due, ((const char *[]) { "p", NULL }));

  /* The claim hands out the good job and sets the others aside. */
  jobs = queue_test_claim (f->queue, "p", 16);
  g_assert_cmpuint (jobs->len, ==, 1);
  g_assert_cmpstr (((GwQueuedJob *) g_ptr_array_index (jobs, 0))->delivery_id, ==, good);
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT count(*) FROM jobs WHERE reason = 'corrupt'"),
                   ==, 8);
  assert_set_aside (f, "<empty@test>");
  assert_set_aside (f, "<no-msg@test>");
  assert_set_aside (f, "<text-msg@test>");
  assert_set_aside (f, "<orphan@test>");
  assert_set_aside (f, "<no-sender@test>");
  assert_set_aside (f, "<bad-rcpt@test>");
  assert_set_aside (f, "<no-rcpt@test>");
  assert_delivery (f, empty, "failed", "corrupt");
  assert_delivery (f, no_rcpt, "failed", "corrupt");
  assert_delivery (f, no_profile, "failed", "corrupt");
  assert_delivery (f, good, "sending", NULL);
  g_assert_true (queue_test_warned ("marked failed with reason \"corrupt\""));
  /* The rows are kept for inspection. */
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT length (body) FROM messages WHERE job_id ="
                                                " (SELECT id FROM jobs WHERE message_id = '<empty@test>')"),
                   ==, 0);

  /* Nothing is left to pick, and a new job does not inherit stale rows
   * left with its id. */
  g_clear_pointer (&jobs, g_ptr_array_unref);
  jobs = queue_test_claim (f->queue, "p", 16);
  g_assert_cmpuint (jobs->len, ==, 0);
  later = submit_ok (f, "later");
  g_clear_pointer (&jobs, g_ptr_array_unref);
  jobs = queue_test_claim (f->queue, "p", 16);
  g_assert_cmpuint (jobs->len, ==, 1);
  {
    GwQueuedJob *job = g_ptr_array_index (jobs, 0);
    g_assert_cmpstr (job->delivery_id, ==, later);
    g_assert_cmpuint (gw_envelope_get_n_recipients (job->envelope), ==, 1);
    g_assert_cmpstr (gw_envelope_get_recipient (job->envelope, 0)->address, ==, "x@example.org");
    /* its own message, not the stale one-byte row */
    g_assert_cmpuint (g_bytes_get_size (gw_envelope_get_message (job->envelope)), >, 1);
  }
  g_assert_true (queue_test_warned ("stale rows"));

  /* Set-aside jobs are not retried. */
  {
    g_autoptr(GError) error = NULL;
    g_assert_false (queue_test_retry (f->queue, empty, &error));
    g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_STATE);
  }
}

static char *
find_moved (Fixture *f)
{
  g_autoptr(GDir) dir = g_dir_open (f->tmpdir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (dir)) != NULL) {
    if (g_str_has_prefix (name, "queue.db.corrupt-") && !g_str_has_suffix (name, "-wal") &&
        !g_str_has_suffix (name, "-shm"))
      return g_build_filename (f->tmpdir, name, NULL);
  }
  return NULL;
}

static guint
count_moved (Fixture *f)
{
  g_autoptr(GDir) dir = g_dir_open (f->tmpdir, 0, NULL);
  const char *name;
  guint n = 0;

  while ((name = g_dir_read_name (dir)) != NULL)
    n += g_str_has_prefix (name, "queue.db.corrupt-");
  return n;
}

static void
assert_fresh_queue (Fixture *f)
{
  g_autofree char *id = submit_ok (f, "after");
  g_autoptr(GVariant) all = gw_queue_list_deliveries (f->queue, g_variant_new ("a{sv}", NULL), NULL);

  g_assert_nonnull (id);
  g_assert_cmpuint (g_variant_n_children (all), ==, 1);
}

static void
test_corrupt_file (Fixture *f, gconstpointer data)
{
  g_autoptr(GString) garbage = g_string_new (NULL);
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (f->path, "-shm", NULL);
  g_autofree char *moved = NULL;
  g_autofree char *moved_wal = NULL;
  g_autofree char *contents = NULL;

  for (guint i = 0; i < 200; i++)
    g_string_append (garbage, "This is not an SQLite database, only text. ");
  g_assert_true (g_file_set_contents (f->path, garbage->str, garbage->len, NULL));
  g_assert_true (g_file_set_contents (wal, "not a log either", -1, NULL));
  g_assert_true (g_file_set_contents (shm, "", 0, NULL));

  f->queue = queue_test_open (f->path);
  moved = find_moved (f);
  g_assert_nonnull (moved);
  g_assert_true (queue_test_warned (moved));
  g_assert_true (g_file_get_contents (moved, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, garbage->str);
  /* The -wal held something: it goes along, as it was; the -shm does not. */
  moved_wal = g_strconcat (moved, "-wal", NULL);
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (moved_wal, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "not a log either");
  g_free (moved_wal);
  moved_wal = g_strconcat (moved, "-shm", NULL);
  g_assert_false (g_file_test (moved_wal, G_FILE_TEST_EXISTS));
  assert_fresh_queue (f);
}

static void
test_corrupt_page (Fixture *f, gconstpointer data)
{
  g_autofree char *moved = NULL;
  g_autofree char *id = NULL;
  FILE *file;
  char noise[4096 - 100];

  f->queue = queue_test_open (f->path);
  id = submit_ok (f, "lost");
  gw_queue_close (f->queue);
  g_clear_object (&f->queue);
  /* Page 1 holds the schema: damage everything after the file header. */
  memset (noise, 0xa5, sizeof noise);
  file = fopen (f->path, "r+b");
  g_assert_nonnull (file);
  g_assert_cmpint (fseek (file, 100, SEEK_SET), ==, 0);
  g_assert_cmpuint (fwrite (noise, 1, sizeof noise, file), ==, sizeof noise);
  fclose (file);

  f->queue = queue_test_open (f->path);
  moved = find_moved (f);
  g_assert_nonnull (moved);
  g_assert_true (queue_test_warned ("is corrupt"));
  /* Moved unchanged; nothing else moved with it (the -wal and -shm were
   * only made by the failed open). */
  {
    g_autofree char *contents = NULL;
    gsize length = 0;
    g_assert_true (g_file_get_contents (moved, &contents, &length, NULL));
    g_assert_cmpmem (contents + 100, sizeof noise, noise, sizeof noise);
  }
  g_assert_cmpuint (count_moved (f), ==, 1);
  assert_fresh_queue (f);
}

/* A message read as it is sent (256 KiB or more) is not read when it is
 * claimed: damaged pages in it show when it is read, as damage that no
 * later attempt gets past, not as a passing failure. */
static void
test_damaged_large_message (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GBytes) loaded = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autofree char *id = NULL;
  g_autofree guint8 *buffer = g_malloc (1024 * 1024);
  GwEnvelope *envelope;
  gsize got = 0;

  f->queue = queue_test_open (f->path);
  id = submit (f, "large", 1024 * 1024, &error);
  g_assert_no_error (error);
  gw_queue_close (f->queue);
  g_clear_object (&f->queue);
  queue_test_damage_message (f->path);

  f->queue = queue_test_open (f->path);
  jobs = queue_test_claim (f->queue, "p", 16);
  g_assert_cmpuint (jobs->len, ==, 1);
  envelope = ((GwQueuedJob *) g_ptr_array_index (jobs, 0))->envelope;
  g_assert_nonnull (gw_envelope_get_message_source (envelope));

  stream = gw_message_source_open (gw_envelope_get_message_source (envelope), &error);
  g_assert_no_error (error);
  g_assert_false (g_input_stream_read_all (stream, buffer, 1024 * 1024, &got, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_cmpuint (gw_transport_error_for_message_read (error), ==, GW_TRANSPORT_ERROR_MESSAGE_DAMAGED);
  g_clear_error (&error);

  loaded = gw_envelope_load_message (envelope, &error);
  g_assert_null (loaded);
  g_assert_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_MESSAGE_DAMAGED);
}

static void
test_disk_full (Fixture *f, gconstpointer data)
{
  g_autofree char *filler = g_build_filename (f->tmpdir, "filler", NULL);
  g_autoptr(GPtrArray) acknowledged = g_ptr_array_new_with_free_func (g_free);
  GAsyncResult *results[4] = { NULL };
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GError) error = NULL;

  if (!queue_test_mount_tmpfs (f->tmpdir, 2 * 1024 * 1024))
    return;
  f->mounted = TRUE;
  f->queue = queue_test_open (f->path);
  for (guint i = 0; i < 3; i++) {
    g_autofree char *subject = g_strdup_printf ("before-%u", i);
    g_ptr_array_add (acknowledged, submit_ok (f, subject));
  }

  queue_test_fill_disk (filler);
  /* Several Sends sharing one transaction: all refused, clearly. */
  for (guint i = 0; i < G_N_ELEMENTS (results); i++) {
    g_autofree char *subject = g_strdup_printf ("full-%u", i);
    gw_queue_submit_async (f->queue,
                           queue_test_submission ("p", subject, (const char *[]) { "x@example.org", NULL },
                                                  i == 0 ? 100 : 64 * 1024),
                           queue_test_store_result_cb, &results[i]);
  }
  for (guint i = 0; i < G_N_ELEMENTS (results); i++) {
    g_autofree char *id = gw_queue_submit_finish (f->queue, queue_test_wait (&results[i]), &error);
    g_assert_null (id);
    g_assert_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE);
    g_assert_nonnull (strstr (error->message, "the disk is full"));
    g_clear_error (&error);
    g_clear_object (&results[i]);
  }
  /* Nothing acknowledged is lost, nothing refused half-written. */
  for (guint i = 0; i < acknowledged->len; i++) {
    g_autofree char *state = queue_test_state (f->queue, g_ptr_array_index (acknowledged, i));
    g_assert_cmpstr (state, ==, "queued");
  }
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT count(*) FROM deliveries"), ==, 3);

  /* Space frees: the same connection writes again. */
  g_assert_cmpint (g_unlink (filler), ==, 0);
  for (guint i = 0; i < 3; i++) {
    g_autofree char *subject = g_strdup_printf ("after-%u", i);
    g_ptr_array_add (acknowledged, submit_ok (f, subject));
  }
  jobs = queue_test_claim (f->queue, "p", 16);
  g_assert_cmpuint (jobs->len, ==, 6);
  for (guint i = 0; i < jobs->len; i++) {
    GwQueuedJob *job = g_ptr_array_index (jobs, i);
    GwAttemptResult result = { .state = "sent", .started = g_get_real_time () };

    gw_envelope_set_pending_result (job->envelope, GW_RECIPIENT_SENT, "250 Ok", NULL);
    g_assert_true (queue_test_record (f->queue, job, &result, &error));
    g_assert_no_error (error);
  }
  for (guint i = 0; i < acknowledged->len; i++) {
    g_autofree char *state = queue_test_state (f->queue, g_ptr_array_index (acknowledged, i));
    g_assert_cmpstr (state, ==, "sent");
  }
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT count(*) FROM deliveries"
                                                " WHERE subject LIKE 'full-%'"), ==, 0);
}

int
main (int argc, char **argv)
{
  /* Before any thread exists: the tmpfs is private to this process. */
  queue_test_private_mounts ();
  g_test_init (&argc, &argv, NULL);
  queue_test_init_logging ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/queue/damage/corrupt-rows", test_corrupt_rows);
  ADD ("/queue/damage/corrupt-file", test_corrupt_file);
  ADD ("/queue/damage/corrupt-page", test_corrupt_page);
  ADD ("/queue/damage/large-message", test_damaged_large_message);
  ADD ("/queue/damage/disk-full", test_disk_full);
#undef ADD
  return g_test_run ();
}
