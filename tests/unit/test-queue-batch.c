/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-queue-batch.c: the operations of one writer batch
 *
 * The writer runs a batch's operations together, without savepoints. When
 * one fails, it rolls the batch back and runs every operation again, each
 * under a savepoint: the others are stored once, the failing one not at
 * all, not even in part. The tests hold the writer (gw_queue_hold_batches())
 * so that the operations they push share one batch.
 */
#define G_LOG_DOMAIN "test-queue-batch"

#include "config.h"

#include "gw-queue-private.h"
#include "herald-error.h"
#include "herald-test-util.h"
#include "queue-test-util.h"

typedef QueueFixture Fixture;

static const char * const one_recipient[] = { "a@example.org", NULL };

/* A submission whose second job has no profile: the delivery and its first
 * job are written before the second job's insert fails. */
static GwSubmission *
failing_submission (void)
{
  GwSubmission *submission = queue_test_submission ("relay", "Broken", one_recipient, 0);
  GwSubmissionJob *first = g_ptr_array_index (submission->jobs, 0);

  gw_submission_add_job (submission, NULL, first->expire_at, first->envelope);
  return submission;
}

static gint64
count (Fixture    *f,
       const char *sql)
{
  return queue_test_sql_int (f->path, sql);
}

static void
test_one_fails_others_stored_once (Fixture *f, gconstpointer data)
{
  g_autoptr(GAsyncResult) first_result = NULL;
  g_autoptr(GAsyncResult) broken_result = NULL;
  g_autoptr(GAsyncResult) last_result = NULL;
  g_autoptr(GAsyncResult) claim_result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *broken = NULL;
  g_autofree char *last = NULL;
  g_autofree char *first_state = NULL;
  g_autoptr(GPtrArray) claimed = NULL;
  GwSubmission *broken_submission = failing_submission ();
  g_autofree char *broken_id = g_strdup (broken_submission->delivery_id);

  gw_queue_hold_batches (f->queue);
  gw_queue_submit_async (f->queue, queue_test_submission ("relay", "First", one_recipient, 0),
                         queue_test_store_result_cb, &first_result);
  gw_queue_submit_async (f->queue, broken_submission, queue_test_store_result_cb, &broken_result);
  gw_queue_submit_async (f->queue, queue_test_submission ("relay", "Last", one_recipient, 0),
                         queue_test_store_result_cb, &last_result);
  /* A claim in the batch sees the jobs inserted before it, once. */
  gw_queue_claim_async (f->queue, "relay", 10, queue_test_store_result_cb, &claim_result);
  gw_queue_release_batches (f->queue);

  first = gw_queue_submit_finish (f->queue, queue_test_wait (&first_result), &error);
  g_assert_no_error (error);
  broken = gw_queue_submit_finish (f->queue, queue_test_wait (&broken_result), &error);
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE);
  g_assert_null (broken);
  g_clear_error (&error);
  last = gw_queue_submit_finish (f->queue, queue_test_wait (&last_result), &error);
  g_assert_no_error (error);
  claimed = gw_queue_claim_finish (f->queue, queue_test_wait (&claim_result), &error);
  g_assert_no_error (error);
  /* They shared one batch, which ran again after the failure: in batches
   * of their own they would give the same answers without that path. */
  g_assert_cmpuint (gw_queue_get_batches_rerun (f->queue), ==, 1);

  g_assert_cmpuint (claimed->len, ==, 2);
  for (guint i = 0; i < claimed->len; i++) {
    GwQueuedJob *job = g_ptr_array_index (claimed, i);
    g_assert_true (g_str_equal (job->delivery_id, first) || g_str_equal (job->delivery_id, last));
  }
  first_state = queue_test_state (f->queue, first);
  g_assert_cmpstr (first_state, ==, "sending");

  /* Stored once each; of the failing one nothing, not its delivery nor
   * its first job; the usage triggers count what is stored. */
  g_assert_cmpint (count (f, "SELECT count(*) FROM deliveries"), ==, 2);
  g_assert_cmpint (count (f, "SELECT count(*) FROM jobs"), ==, 2);
  g_assert_cmpint (count (f, "SELECT count(*) FROM recipients"), ==, 2);
  g_assert_cmpint (count (f, "SELECT count(*) FROM messages"), ==, 2);
  g_assert_cmpint (count (f, "SELECT count(*) FROM jobs WHERE state = 'sending'"), ==, 2);
  g_assert_cmpint (count (f, "SELECT coalesce(sum(deliveries), 0) FROM caller_usage"), ==, 2);
  {
    g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM deliveries WHERE id = '%s'",
                                            broken_id);
    g_assert_cmpint (count (f, sql), ==, 0);
  }
}

/* Without a failure every operation of the batch is stored, once. */
static void
test_all_succeed (Fixture *f, gconstpointer data)
{
  enum { N = 20 };
  GAsyncResult *results[N] = { NULL };
  g_autoptr(GAsyncResult) claim_result = NULL;
  g_autoptr(GPtrArray) claimed = NULL;
  g_autoptr(GError) error = NULL;

  gw_queue_hold_batches (f->queue);
  for (guint i = 0; i < N; i++) {
    g_autofree char *subject = g_strdup_printf ("Message %u", i);
    gw_queue_submit_async (f->queue, queue_test_submission ("relay", subject, one_recipient, 0),
                           queue_test_store_result_cb, &results[i]);
  }
  gw_queue_claim_async (f->queue, "relay", 2 * N, queue_test_store_result_cb, &claim_result);
  gw_queue_release_batches (f->queue);

  for (guint i = 0; i < N; i++) {
    g_autofree char *id = gw_queue_submit_finish (f->queue, queue_test_wait (&results[i]), &error);
    g_assert_no_error (error);
    g_assert_nonnull (id);
    g_clear_object (&results[i]);
  }
  claimed = gw_queue_claim_finish (f->queue, queue_test_wait (&claim_result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (claimed->len, ==, N);
  g_assert_cmpuint (gw_queue_get_batches_rerun (f->queue), ==, 0);
  g_assert_cmpint (count (f, "SELECT count(*) FROM deliveries"), ==, N);
  g_assert_cmpint (count (f, "SELECT count(*) FROM jobs WHERE state = 'sending'"), ==, N);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  queue_test_init_logging ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, queue_fixture_setup, func, queue_fixture_teardown)
  ADD ("/queue/batch/one-fails", test_one_fails_others_stored_once);
  ADD ("/queue/batch/all-succeed", test_all_succeed);
#undef ADD
  return g_test_run ();
}
