/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-queue-scale.c: the queue's look-ups that must not grow with the
 * backlog (issue 18) read along an index, checked with SQLite's query plans
 * on a real database; and the migration that added those indexes */
#define G_LOG_DOMAIN "test-queue-scale"

#include "config.h"

#include <glib/gstdio.h>

#include "herald-error.h"
#include "herald-test-util.h"
#include "gw-queue-private.h"
#include "queue-test-util.h"

/* The schema this test knows; the migration under test leads to it. */
#define SCHEMA_VERSION 9

typedef QueueFixture Fixture;

/* The details of @sql's query plan, one step a line. */
static char *
query_plan (const char *path,
            const char *sql)
{
  g_autofree char *explain = g_strconcat ("EXPLAIN QUERY PLAN ", sql, NULL);
  g_autoptr(GString) plan = g_string_new (NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, explain, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (plan, "%s\n", (const char *) sqlite3_column_text (stmt, 3));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return g_string_free (g_steal_pointer (&plan), FALSE);
}

/* The first page of ListDeliveries with a state filter, as
 * gw_queue_list_deliveries() picks its rows (gw-queue-read.c), walks
 * deliveries_state newest first: no sort of every delivery in that state.
 * The prune of old final deliveries reads it too. */
static void
test_plans (Fixture *f, gconstpointer data)
{
  g_autofree char *list = query_plan (f->path,
    "SELECT d.rowid FROM deliveries d WHERE 1 AND d.state = 'queued'"
    " ORDER BY d.created DESC, d.rowid DESC LIMIT 100");
  g_autofree char *prune = query_plan (f->path,
    "SELECT id FROM deliveries WHERE state IN ('sent', 'partial', 'failed', 'cancelled')"
    " AND updated < 1 LIMIT 500");

  g_test_message ("list: %s", list);
  g_assert_nonnull (strstr (list, "INDEX deliveries_state (state=?)"));
  g_assert_null (strstr (list, "TEMP B-TREE"));
  g_test_message ("prune: %s", prune);
  g_assert_nonnull (strstr (prune, "INDEX deliveries_state (state=?)"));
}

/* A claim's two statements look up each job and delivery by its key,
 * whatever the backlog. */
static void
test_claim_plans (Fixture *f, gconstpointer data)
{
  g_autofree char *jobs = query_plan (f->path, GW_QUEUE_CLAIM_JOBS_SQL);
  g_autofree char *deliveries = query_plan (f->path, GW_QUEUE_CLAIM_DELIVERIES_SQL);

  g_test_message ("jobs: %s", jobs);
  g_assert_nonnull (strstr (jobs, "SEARCH jobs USING INTEGER PRIMARY KEY (rowid=?)"));
  g_assert_null (strstr (jobs, "SCAN jobs"));
  g_test_message ("deliveries: %s", deliveries);
  g_assert_nonnull (strstr (deliveries, "SEARCH deliveries USING INTEGER PRIMARY KEY (rowid=?)"));
  g_assert_null (strstr (deliveries, "SCAN deliveries"));
}

static gboolean
index_exists (const char *path,
              const char *name)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM sqlite_master WHERE name = '%s'", name);

  return queue_test_sql_int (path, sql) == 1;
}

static void
submit_and_finish (Fixture    *f,
                   const char *subject,
                   gboolean    sent,
                   char      **id)
{
  const char *to[] = { "x@example.org", NULL };
  g_autoptr(GError) error = NULL;

  *id = queue_test_submit (f->queue, queue_test_submission ("a", subject, to, 0), &error);
  g_assert_no_error (error);
  if (sent) {
    g_autoptr(GPtrArray) jobs = queue_test_claim (f->queue, "a", 16);
    GwAttemptResult result = { .state = "sent", .reply = "250 Ok" };

    g_assert_cmpuint (jobs->len, ==, 1);
    g_assert_true (queue_test_record (f->queue, g_ptr_array_index (jobs, 0), &result, &error));
    g_assert_no_error (error);
  }
}

/* A state directory of schema 6 (deliveries_final, no deliveries_state)
 * gets the new index in its place, and its rows read as before. */
static void
test_migration (Fixture *f, gconstpointer data)
{
  g_autofree char *old_sent = NULL, *queued_1 = NULL, *queued_2 = NULL;
  g_autoptr(GVariant) page = NULL;
  g_autoptr(GError) error = NULL;
  const char *id = NULL;

  submit_and_finish (f, "old", TRUE, &old_sent);
  submit_and_finish (f, "first", FALSE, &queued_1);
  submit_and_finish (f, "second", FALSE, &queued_2);
  gw_queue_close (f->queue);
  g_clear_object (&f->queue);
  /* What schema 6 had. */
  queue_test_sql (f->path, QUEUE_TEST_DOWNGRADE_TO_7
                  "DROP INDEX deliveries_state;"
                  "CREATE INDEX deliveries_final ON deliveries (state, updated);"
                  "UPDATE meta SET value = '6' WHERE key = 'schema-version';");
  g_assert_false (index_exists (f->path, "deliveries_state"));

  f->queue = queue_test_open (f->path);
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT value FROM meta WHERE key = 'schema-version'"),
                   ==, SCHEMA_VERSION);
  g_assert_true (index_exists (f->path, "deliveries_state"));
  g_assert_false (index_exists (f->path, "deliveries_final"));
  {
    g_autofree char *check = queue_test_sql_text (f->path, "PRAGMA integrity_check");
    g_assert_cmpstr (check, ==, "ok");
  }

  /* Newest first, only the state asked for. */
  page = gw_queue_list_deliveries (f->queue, g_variant_new_parsed ("{'state': <'queued'>}"), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (page), ==, 2);
  {
    g_autoptr(GVariant) first = g_variant_get_child_value (page, 0);
    g_assert_true (g_variant_lookup (first, "id", "&s", &id));
    g_assert_cmpstr (id, ==, queued_2);
  }
  g_clear_pointer (&page, g_variant_unref);
  page = gw_queue_list_deliveries (f->queue, g_variant_new_parsed ("{'state': <'sent'>}"), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (page), ==, 1);

  /* The prune still finds the final delivery, and only it. */
  g_assert_cmpuint (queue_test_prune (f->queue, g_get_real_time () + G_USEC_PER_SEC, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_null (queue_test_state (f->queue, old_sent));
  {
    g_autofree char *state = queue_test_state (f->queue, queued_1);
    g_assert_cmpstr (state, ==, "queued");
  }

  /* Opening it again changes nothing. */
  gw_queue_close (f->queue);
  g_clear_object (&f->queue);
  f->queue = queue_test_open (f->path);
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT value FROM meta WHERE key = 'schema-version'"),
                   ==, SCHEMA_VERSION);
}

/* Reads @envelope's message through its source in uneven pieces, each
 * read in a thread as a transport does, and compares it with @sent. */
static void
assert_read_in_pieces (GwEnvelope *envelope,
                       GBytes     *sent)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = gw_message_source_open (gw_envelope_get_message_source (envelope), &error);
  g_autoptr(GByteArray) got = g_byte_array_new ();
  guint8 piece[65537];
  gssize n;

  g_assert_no_error (error);
  while ((n = g_input_stream_read (stream, piece, sizeof piece, NULL, &error)) > 0)
    g_byte_array_append (got, piece, (guint) n);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 0);
  g_assert_true (g_input_stream_close (stream, NULL, &error));
  g_assert_cmpmem (got->data, got->len, g_bytes_get_data (sent, NULL), g_bytes_get_size (sent));
}

/* A message whose job is deleted (cancelled, pruned) is not read as
 * something else: a stream opened before reads on in its snapshot until
 * that is renewed, one opened after ends with an error. */
static void
assert_read_fails_once_deleted (Fixture    *f,
                                GwEnvelope *envelope)
{
  GwMessageSource *source = gw_envelope_get_message_source (envelope);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) before = gw_message_source_open (source, &error);
  g_autoptr(GInputStream) after = NULL;
  g_autofree char *sql = NULL;
  guint8 piece[4096];

  g_assert_no_error (error);
  g_assert_cmpint (g_input_stream_read (before, piece, sizeof piece, NULL, &error), ==, sizeof piece);
  g_assert_no_error (error);
  sql = g_strdup_printf ("DELETE FROM messages WHERE job_id = %s", gw_envelope_get_job_id (envelope));
  queue_test_sql (f->path, sql);
  g_assert_cmpint (g_input_stream_read (before, piece, sizeof piece, NULL, &error), ==, sizeof piece);
  g_assert_no_error (error);
  /* Its blob handle, and the snapshot with it, is renewed once a second
   * old (so a slow server holds no long snapshot): then it sees the
   * deletion too. */
  g_usleep (G_USEC_PER_SEC + G_USEC_PER_SEC / 10);
  g_assert_cmpint (g_input_stream_read (before, piece, sizeof piece, NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_clear_error (&error);

  after = gw_message_source_open (source, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_input_stream_read (after, piece, sizeof piece, NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "cannot be read"));
}

/* A message larger than what goes in and out with its row (64 KiB) is
 * written and read in place; it comes back byte for byte, counts towards
 * its caller's usage, and one whose bytes are gone is set aside. */
static void
test_large_message (Fixture *f, gconstpointer data)
{
  const char *to[] = { "x@example.org", NULL };
  GwSubmission *submission = queue_test_submission ("a", "large", to, 3 * 1024 * 1024 + 17);
  GwSubmissionJob *first = g_ptr_array_index (submission->jobs, 0);
  g_autoptr(GBytes) sent = g_bytes_ref (gw_envelope_get_message (first->envelope));
  g_autoptr(GError) error = NULL;
  g_autofree char *id = queue_test_submit (f->queue, submission, &error);
  g_autofree char *small = NULL, *broken = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  guint64 deliveries = 0, bytes = 0;

  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (sent), >, 3 * 1024 * 1024);
  g_assert_true (gw_queue_get_caller_usage (f->queue, 0, &deliveries, &bytes, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (bytes, ==, g_bytes_get_size (sent));
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT length (body) FROM messages"), ==,
                   (gint64) g_bytes_get_size (sent));

  jobs = queue_test_claim (f->queue, "a", 16);
  g_assert_cmpuint (jobs->len, ==, 1);
  {
    GwEnvelope *claimed = ((GwQueuedJob *) g_ptr_array_index (jobs, 0))->envelope;
    g_autoptr(GBytes) loaded = NULL;

    /* Not copied out when claimed: read from the database as it is sent. */
    g_assert_null (gw_envelope_get_message (claimed));
    g_assert_cmpuint (gw_envelope_get_message_size (claimed), ==, g_bytes_get_size (sent));
    loaded = gw_envelope_load_message (claimed, &error);
    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (loaded, sent));
    assert_read_in_pieces (claimed, sent);
    assert_read_fails_once_deleted (f, claimed);
  }
  g_clear_pointer (&jobs, g_ptr_array_unref);

  /* Next to a small one, a large message whose bytes became a number (a damaged
   * row) is set aside; the small one goes on. */
  small = queue_test_submit (f->queue, queue_test_submission ("b", "small", to, 100), &error);
  g_assert_no_error (error);
  broken = queue_test_submit (f->queue, queue_test_submission ("b", "broken", to, 100 * 1024), &error);
  g_assert_no_error (error);
  queue_test_sql (f->path, "UPDATE messages SET body = 42 WHERE job_id ="
                           " (SELECT id FROM jobs WHERE message_id = '<broken@test>')");
  queue_test_reset_warnings ();
  jobs = queue_test_claim (f->queue, "b", 16);
  g_assert_cmpuint (jobs->len, ==, 1);
  g_assert_cmpstr (((GwQueuedJob *) g_ptr_array_index (jobs, 0))->delivery_id, ==, small);
  g_assert_true (queue_test_warned ("cannot be used"));
  {
    g_autofree char *state = queue_test_state (f->queue, broken);
    g_assert_cmpstr (state, ==, "failed");
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  queue_test_init_logging ();
#define ADD(path, func) g_test_add (path, Fixture, NULL, queue_fixture_setup, func, queue_fixture_teardown)
  ADD ("/queue/scale/plans", test_plans);
  ADD ("/queue/scale/claim-plans", test_claim_plans);
  ADD ("/queue/scale/migration-7", test_migration);
  ADD ("/queue/scale/large-message", test_large_message);
  return g_test_run ();
}
