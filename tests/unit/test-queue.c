/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-queue.c: Retry, pruning, the attempt log, fallback jobs and the
 * schema migration of the queue, on a real SQLite database on disk */
#define G_LOG_DOMAIN "test-queue"

#include "config.h"

#include <glib/gstdio.h>

#include "herald-error.h"
#include "herald-test-util.h"
#include "queue-test-util.h"

#define HOUR_US (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)
#define DAY_US  (24 * HOUR_US)

typedef QueueFixture Fixture;

static char *
submit (Fixture            *f,
        const char         *profile,
        const char         *subject,
        const char * const *recipients)
{
  g_autoptr(GError) error = NULL;
  char *id = queue_test_submit (f->queue, queue_test_submission (profile, subject, recipients, 0),
                                &error);

  g_assert_no_error (error);
  return id;
}

static GwQueuedJob *
claim_one (Fixture    *f,
           const char *profile)
{
  g_autoptr(GPtrArray) jobs = queue_test_claim (f->queue, profile, 16);

  g_assert_cmpuint (jobs->len, ==, 1);
  return g_ptr_array_steal_index (jobs, 0);
}

static void
assert_state (Fixture    *f,
              const char *id,
              const char *state)
{
  g_autofree char *current = queue_test_state (f->queue, id);

  g_assert_cmpstr (current, ==, state);
}

/* Sets every pending recipient to @status, then records @state. */
static void
finish (Fixture          *f,
        GwQueuedJob      *job,
        GwRecipientStatus status,
        const char       *state,
        const char       *reason,
        gint64            next_attempt,
        const char       *fallback)
{
  GwAttemptResult result = { 0 };
  g_autoptr(GError) error = NULL;
  const char *reply = status == GW_RECIPIENT_SENT ? "250 2.0.0 Ok" :
                      status == GW_RECIPIENT_TEMPFAIL ? "451 4.3.0 Try later" : "550 5.1.1 No such user";

  gw_envelope_set_pending_result (job->envelope, status, reply, NULL);
  result.state = state;
  result.reason = reason;
  result.reply = reply;
  result.next_attempt = next_attempt;
  result.started = g_get_real_time ();
  result.duration_us = 2500;
  result.fallback = fallback;
  result.fallback_expire_at = g_get_real_time () + HOUR_US;
  g_assert_true (queue_test_record (f->queue, job, &result, &error));
  g_assert_no_error (error);
}

static void
claim_and_finish (Fixture          *f,
                  const char       *profile,
                  GwRecipientStatus status,
                  const char       *state,
                  const char       *reason,
                  gint64            next_attempt)
{
  g_autoptr(GwQueuedJob) job = claim_one (f, profile);

  finish (f, job, status, state, reason, next_attempt, NULL);
}

static void
test_retry_failed (Fixture *f, gconstpointer data)
{
  g_autofree char *id = submit (f, "a", "retry-failed",
                                (const char *[]) { "ok@example.org", "gone@example.org", NULL });
  g_autoptr(GwQueuedJob) job = claim_one (f, "a");
  g_autoptr(GwQueuedJob) again = NULL;
  g_autoptr(GError) error = NULL;

  /* one recipient has it, the other was refused: partly sent */
  gw_envelope_set_result (job->envelope, 0, GW_RECIPIENT_SENT, "250 Ok", NULL);
  finish (f, job, GW_RECIPIENT_PERMFAIL, "failed", "rejected", 0, NULL);
  assert_state (f, id, "partial");
  {
    g_autofree char *sql = g_strdup_printf ("SELECT state = 'partial' FROM jobs WHERE id = %"
                                            G_GINT64_FORMAT, job->job_id);
    g_assert_cmpint (queue_test_sql_int (f->path, sql), ==, 1);
  }

  g_assert_true (queue_test_retry (f->queue, id, &error));
  g_assert_no_error (error);
  assert_state (f, id, "queued");
  {
    g_autoptr(GVariant) delivery = gw_queue_get_delivery (f->queue, id, NULL);
    g_assert_false (g_variant_lookup (delivery, "reason", "&s", NULL));
  }
  /* Only the failed recipient is tried again; the attempt count is kept
   * and the expiry restarts from now. */
  again = claim_one (f, "a");
  g_assert_cmpuint (again->attempts, ==, 1);
  g_assert_cmpuint (gw_envelope_get_n_recipients (again->envelope), ==, 1);
  g_assert_cmpstr (gw_envelope_get_recipient (again->envelope, 0)->address, ==, "gone@example.org");
  g_assert_cmpint (again->expire_at, >, g_get_real_time () + HOUR_US - 60 * G_USEC_PER_SEC);

  /* refused again: this attempt reached nobody, but the job (and so the
   * delivery) did reach a recipient earlier: still partly sent */
  finish (f, again, GW_RECIPIENT_PERMFAIL, "failed", "rejected", 0, NULL);
  assert_state (f, id, "partial");
  {
    g_autoptr(GVariant) attempts = gw_queue_list_attempts (f->queue, id, &error);
    g_autoptr(GVariant) second = NULL;
    const char *result = NULL;

    g_assert_no_error (error);
    g_assert_cmpuint (g_variant_n_children (attempts), ==, 2);
    second = g_variant_get_child_value (attempts, 1);
    g_assert_true (g_variant_lookup (second, "result", "&s", &result));
    g_assert_cmpstr (result, ==, "failed");
  }
}

/* Every recipient refused: failed, not partial. */
static void
test_all_refused (Fixture *f, gconstpointer data)
{
  g_autofree char *id = submit (f, "a", "all-refused",
                                (const char *[]) { "x@example.org", "y@example.org", NULL });

  claim_and_finish (f, "a", GW_RECIPIENT_PERMFAIL, "failed", "rejected", 0);
  assert_state (f, id, "failed");
}

static void
test_retry_deferred (Fixture *f, gconstpointer data)
{
  g_autofree char *id = submit (f, "a", "retry-deferred", (const char *[]) { "x@example.org", NULL });
  g_autoptr(GwQueuedJob) job = claim_one (f, "a");
  g_autoptr(GPtrArray) none = NULL;
  g_autoptr(GwQueuedJob) again = NULL;
  g_autoptr(GError) error = NULL;

  finish (f, job, GW_RECIPIENT_TEMPFAIL, "deferred", NULL, g_get_real_time () + HOUR_US, NULL);
  assert_state (f, id, "deferred");
  none = queue_test_claim (f->queue, "a", 16);
  g_assert_cmpuint (none->len, ==, 0);

  g_assert_true (queue_test_retry (f->queue, id, &error));
  g_assert_no_error (error);
  assert_state (f, id, "queued");
  again = claim_one (f, "a");
  g_assert_cmpuint (again->attempts, ==, 1);
  g_assert_cmpuint (gw_envelope_get_n_recipients (again->envelope), ==, 1);
}

static void
assert_retry_refused (Fixture    *f,
                      const char *id,
                      gint        code)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (queue_test_retry (f->queue, id, &error));
  g_assert_error (error, HERALD_ERROR, code);
}

static void
test_retry_refused (Fixture *f, gconstpointer data)
{
  const char *to[] = { "x@example.org", NULL };
  g_autofree char *queued = submit (f, "a", "queued", to);
  g_autofree char *sending = submit (f, "b", "sending", to);
  g_autofree char *sent = submit (f, "c", "sent", to);
  g_autofree char *cancelled = submit (f, "d", "cancelled", to);
  g_autoptr(GwQueuedJob) sending_job = claim_one (f, "b");
  g_autoptr(GwQueuedJob) sent_job = claim_one (f, "c");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  finish (f, sent_job, GW_RECIPIENT_SENT, "sent", NULL, 0, NULL);
  gw_queue_cancel_async (f->queue, cancelled, queue_test_store_result_cb, &result);
  g_assert_true (gw_queue_cancel_finish (f->queue, queue_test_wait (&result), &error));
  g_assert_no_error (error);

  assert_retry_refused (f, queued, HERALD_ERROR_INVALID_STATE);
  assert_retry_refused (f, sending, HERALD_ERROR_INVALID_STATE);
  assert_retry_refused (f, sent, HERALD_ERROR_INVALID_STATE);
  assert_retry_refused (f, cancelled, HERALD_ERROR_INVALID_STATE);
  assert_retry_refused (f, "no-such-delivery", HERALD_ERROR_NO_SUCH_DELIVERY);
  assert_state (f, queued, "queued");
  assert_state (f, sent, "sent");
  assert_state (f, cancelled, "cancelled");
}

static void
test_prune (Fixture *f, gconstpointer data)
{
  const char *to[] = { "x@example.org", "y@example.org", NULL };
  g_autofree char *old_sent = submit (f, "a", "old-sent", to);
  g_autofree char *old_failed = submit (f, "b", "old-failed", to);
  g_autofree char *old_cancelled = submit (f, "c", "old-cancelled", to);
  g_autofree char *new_sent = submit (f, "d", "new-sent", to);
  g_autofree char *old_queued = submit (f, "e", "old-queued", to);
  g_autofree char *old_deferred = submit (f, "f", "old-deferred", to);
  g_autofree char *old_partial = submit (f, "h", "old-partial", to);
  const guint n_bulk = 1100;
  g_autofree GAsyncResult **bulk = g_new0 (GAsyncResult *, n_bulk);
  g_autoptr(GError) error = NULL;
  guint pruned;

  claim_and_finish (f, "a", GW_RECIPIENT_SENT, "sent", NULL, 0);
  claim_and_finish (f, "b", GW_RECIPIENT_PERMFAIL, "failed", "rejected", 0);
  claim_and_finish (f, "d", GW_RECIPIENT_SENT, "sent", NULL, 0);
  claim_and_finish (f, "f", GW_RECIPIENT_TEMPFAIL, "deferred", NULL, g_get_real_time () + HOUR_US);
  {
    g_autoptr(GwQueuedJob) job = claim_one (f, "h");

    gw_envelope_set_result (job->envelope, 0, GW_RECIPIENT_SENT, "250 Ok", NULL);
    finish (f, job, GW_RECIPIENT_PERMFAIL, "partial", "rejected", 0, NULL);
    assert_state (f, old_partial, "partial");
  }
  {
    g_autoptr(GAsyncResult) result = NULL;
    gw_queue_cancel_async (f->queue, old_cancelled, queue_test_store_result_cb, &result);
    g_assert_true (gw_queue_cancel_finish (f->queue, queue_test_wait (&result), NULL));
  }
  /* Many old ones, more than one prune chunk, submitted concurrently. */
  for (guint i = 0; i < n_bulk; i++) {
    g_autofree char *subject = g_strdup_printf ("bulk-%u", i);

    gw_queue_submit_async (f->queue, queue_test_submission ("g", subject, to, 0),
                           queue_test_store_result_cb, &bulk[i]);
  }
  for (guint i = 0; i < n_bulk; i++) {
    g_autofree char *id = gw_queue_submit_finish (f->queue, queue_test_wait (&bulk[i]), &error);
    g_assert_no_error (error);
    g_clear_object (&bulk[i]);
  }
  queue_test_sql (f->path, "UPDATE deliveries SET state = 'sent' WHERE subject LIKE 'bulk-%';"
                           "UPDATE deliveries SET updated = updated - 40 * 86400000000"
                           " WHERE subject != 'new-sent';");

  pruned = queue_test_prune (f->queue, g_get_real_time () - 30 * DAY_US, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pruned, ==, n_bulk + 4);
  for (guint i = 0; i < 4; i++) {
    const char *gone = (const char *[]) { old_sent, old_failed, old_cancelled, old_partial }[i];
    g_autoptr(GVariant) delivery = gw_queue_get_delivery (f->queue, gone, &error);
    g_assert_null (delivery);
    g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NO_SUCH_DELIVERY);
    g_clear_error (&error);
  }
  assert_state (f, new_sent, "sent");
  assert_state (f, old_queued, "queued");
  assert_state (f, old_deferred, "deferred");
  /* Their jobs, recipients and attempts went with them. */
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT count(*) FROM deliveries"), ==, 3);
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT count(*) FROM jobs"), ==, 3);
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT count(*) FROM recipients"), ==, 6);
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT count(*) FROM attempts"), ==, 2);
  g_assert_cmpuint (queue_test_prune (f->queue, g_get_real_time () - 30 * DAY_US, NULL), ==, 0);
}

static void
test_attempts (Fixture *f, gconstpointer data)
{
  g_autofree char *id = submit (f, "a", "attempts",
                                (const char *[]) { "one@example.org", "two@example.org", NULL });
  g_autoptr(GwQueuedJob) first = claim_one (f, "a");
  g_autoptr(GwQueuedJob) second = NULL;
  g_autoptr(GVariant) attempts = NULL;
  g_autoptr(GVariant) entry = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree const char **recipients = NULL;
  const char *text;
  guint32 duration;

  gw_envelope_set_result (first->envelope, 0, GW_RECIPIENT_SENT, "250 2.0.0 Ok", "2.0.0");
  gw_envelope_set_tls (first->envelope, "TLSv1.3 TLS_AES_256_GCM_SHA384");
  {
    GwAttemptResult result = { .state = "deferred", .reply = "451 4.3.0 Busy", .enhanced_code = "4.3.0",
                               .next_attempt = g_get_real_time (), .started = 1000, .duration_us = 2500,
                               .tls = gw_envelope_get_tls (first->envelope) };
    gw_envelope_set_result (first->envelope, 1, GW_RECIPIENT_TEMPFAIL, "451 4.3.0 Busy", "4.3.0");
    g_assert_true (queue_test_record (f->queue, first, &result, &error));
    g_assert_no_error (error);
  }
  second = claim_one (f, "a");
  g_assert_cmpuint (gw_envelope_get_n_recipients (second->envelope), ==, 1);
  finish (f, second, GW_RECIPIENT_SENT, "sent", NULL, 0, NULL);

  attempts = gw_queue_list_attempts (f->queue, id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (attempts), ==, 2);
  entry = g_variant_get_child_value (attempts, 0);
  g_assert_true (g_variant_lookup (entry, "result", "&s", &text));
  g_assert_cmpstr (text, ==, "deferred");
  g_assert_true (g_variant_lookup (entry, "profile", "&s", &text));
  g_assert_cmpstr (text, ==, "a");
  g_assert_true (g_variant_lookup (entry, "reply", "&s", &text));
  g_assert_cmpstr (text, ==, "451 4.3.0 Busy");
  g_assert_true (g_variant_lookup (entry, "enhanced-code", "&s", &text));
  g_assert_cmpstr (text, ==, "4.3.0");
  g_assert_true (g_variant_lookup (entry, "tls", "&s", &text));
  g_assert_cmpstr (text, ==, "TLSv1.3 TLS_AES_256_GCM_SHA384");
  g_assert_true (g_variant_lookup (entry, "duration-ms", "u", &duration));
  g_assert_cmpuint (duration, ==, 2);
  g_assert_true (g_variant_lookup (entry, "recipients", "^a&s", &recipients));
  g_assert_cmpstrv (recipients, ((const char *[]) { "one@example.org", "two@example.org", NULL }));
  g_clear_pointer (&recipients, g_free);
  g_clear_pointer (&entry, g_variant_unref);

  entry = g_variant_get_child_value (attempts, 1);
  g_assert_true (g_variant_lookup (entry, "result", "&s", &text));
  g_assert_cmpstr (text, ==, "sent");
  g_assert_false (g_variant_lookup (entry, "tls", "&s", &text));
  g_assert_true (g_variant_lookup (entry, "recipients", "^a&s", &recipients));
  g_assert_cmpstrv (recipients, ((const char *[]) { "two@example.org", NULL }));

  g_clear_pointer (&attempts, g_variant_unref);
  attempts = gw_queue_list_attempts (f->queue, "no-such-delivery", &error);
  g_assert_null (attempts);
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NO_SUCH_DELIVERY);
}

static void
test_fallback (Fixture *f, gconstpointer data)
{
  g_autoptr(GwSubmission) submission =
    queue_test_submission ("a", "fallback", (const char *[]) { "ok@example.org", "p2@example.org",
                                                                "p3@example.org", NULL }, 3000);
  g_autoptr(GBytes) message = g_bytes_ref (gw_envelope_get_message (
    ((GwSubmissionJob *) g_ptr_array_index (submission->jobs, 0))->envelope));
  g_autofree char *id = queue_test_submit (f->queue, g_steal_pointer (&submission), NULL);
  g_autoptr(GwQueuedJob) on_a = claim_one (f, "a");
  g_autoptr(GwQueuedJob) on_b = NULL;
  g_autoptr(GwQueuedJob) on_b_again = NULL;
  g_autoptr(GPtrArray) none = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sql = NULL;

  /* a: one recipient accepted, two refused for good → b gets those two. */
  gw_envelope_set_result (on_a->envelope, 0, GW_RECIPIENT_SENT, "250 Ok", NULL);
  finish (f, on_a, GW_RECIPIENT_PERMFAIL, "failed", "rejected", 0, "b");
  assert_state (f, id, "queued");
  on_b = claim_one (f, "b");
  g_assert_cmpstr (on_b->delivery_id, ==, id);
  g_assert_cmpstr (gw_envelope_get_message_id (on_b->envelope), ==, "<fallback@test>");
  g_assert_true (g_bytes_equal (gw_envelope_get_message (on_b->envelope), message));
  g_assert_cmpstr (gw_envelope_get_sender (on_b->envelope), ==, "sender@example.org");
  g_assert_cmpuint (gw_envelope_get_n_recipients (on_b->envelope), ==, 2);
  g_assert_cmpstr (gw_envelope_get_recipient (on_b->envelope, 0)->address, ==, "p2@example.org");
  g_assert_cmpstr (gw_envelope_get_recipient (on_b->envelope, 1)->address, ==, "p3@example.org");
  g_assert_cmpuint (on_b->attempts, ==, 0);
  sql = g_strdup_printf ("SELECT fallback_of FROM jobs WHERE id = %" G_GINT64_FORMAT, on_b->job_id);
  g_assert_cmpint (queue_test_sql_int (f->path, sql), ==, on_a->job_id);

  /* b fails too and names a as its fallback: a already had it, no loop. */
  finish (f, on_b, GW_RECIPIENT_PERMFAIL, "failed", "rejected", 0, "a");
  none = queue_test_claim (f->queue, "a", 16);
  g_assert_cmpuint (none->len, ==, 0);
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT count(*) FROM jobs"), ==, 2);
  /* ok@ got it through a, the others nowhere */
  assert_state (f, id, "partial");

  /* Retry puts back the end of the chain (b), not a. */
  g_assert_true (queue_test_retry (f->queue, id, &error));
  g_assert_no_error (error);
  g_clear_pointer (&none, g_ptr_array_unref);
  none = queue_test_claim (f->queue, "a", 16);
  g_assert_cmpuint (none->len, ==, 0);
  on_b_again = claim_one (f, "b");
  g_assert_cmpuint (gw_envelope_get_n_recipients (on_b_again->envelope), ==, 2);

  /* b → c is new; c delivers: the delivery is sent. */
  finish (f, on_b_again, GW_RECIPIENT_PERMFAIL, "failed", "rejected", 0, "c");
  {
    g_autoptr(GwQueuedJob) on_c = claim_one (f, "c");
    finish (f, on_c, GW_RECIPIENT_SENT, "sent", NULL, 0, "a");
  }
  assert_state (f, id, "sent");
}

static void
test_fallback_expired (Fixture *f, gconstpointer data)
{
  g_autofree char *id = submit (f, "a", "expired", (const char *[]) { "x@example.org", NULL });
  g_autoptr(GwQueuedJob) on_a = claim_one (f, "a");
  g_autoptr(GwQueuedJob) on_b = NULL;

  finish (f, on_a, GW_RECIPIENT_PERMFAIL, "failed", "expired", 0, "b");
  assert_state (f, id, "queued");
  on_b = claim_one (f, "b");
  g_assert_cmpint (on_b->expire_at, >, g_get_real_time () + HOUR_US - 60 * G_USEC_PER_SEC);
  finish (f, on_b, GW_RECIPIENT_TEMPFAIL, "failed", "expired", 0, NULL);
  assert_state (f, id, "failed");
  {
    g_autoptr(GVariant) delivery = gw_queue_get_delivery (f->queue, id, NULL);
    const char *reason = NULL;
    g_assert_true (g_variant_lookup (delivery, "reason", "&s", &reason));
    g_assert_cmpstr (reason, ==, "expired");
  }
}

/* A large message goes to the fallback job in chunks (more than one),
 * byte for byte, and counts for the caller as before (once per job). */
static void
test_fallback_large (Fixture *f, gconstpointer data)
{
  g_autoptr(GwSubmission) submission =
    queue_test_submission ("a", "large-fallback", (const char *[]){ "p2@example.org", NULL },
                           600 * 1024);
  g_autoptr(GBytes) message = g_bytes_ref (gw_envelope_get_message (
    ((GwSubmissionJob *) g_ptr_array_index (submission->jobs, 0))->envelope));
  g_autofree char *id = queue_test_submit (f->queue, g_steal_pointer (&submission), NULL);
  g_autoptr(GwQueuedJob) on_a = claim_one (f, "a");
  g_autoptr(GwQueuedJob) on_b = NULL;
  g_autoptr(GError) error = NULL;
  guint64 deliveries = 0, bytes = 0;

  g_assert_cmpuint (g_bytes_get_size (message), >, 2 * 256 * 1024);
  finish (f, on_a, GW_RECIPIENT_PERMFAIL, "failed", "rejected", 0, "b");
  on_b = claim_one (f, "b");
  g_assert_cmpstr (on_b->delivery_id, ==, id);
  {
    g_autoptr(GBytes) copied = gw_envelope_load_message (on_b->envelope, &error);

    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (copied, message));
  }
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT count(*) FROM messages"), ==, 2);
  g_assert_true (gw_queue_get_caller_usage (f->queue, 0, &deliveries, &bytes, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (bytes, ==, 2 * g_bytes_get_size (message));
}

/* The first release's schema, as it made databases. */
static const char schema_v1[] =
  "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
  "CREATE TABLE deliveries (id TEXT PRIMARY KEY, created INTEGER NOT NULL,"
  "  updated INTEGER NOT NULL, state TEXT NOT NULL, caller_uid INTEGER NOT NULL,"
  "  urgency INTEGER NOT NULL, app_name TEXT, category TEXT, subject TEXT,"
  "  idempotency_key TEXT, reason TEXT);"
  "CREATE INDEX deliveries_created ON deliveries (created);"
  "CREATE INDEX deliveries_idempotency ON deliveries (idempotency_key)"
  "  WHERE idempotency_key IS NOT NULL;"
  "CREATE TABLE jobs (id INTEGER PRIMARY KEY,"
  "  delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,"
  "  profile TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
  "  next_attempt INTEGER NOT NULL, expire_at INTEGER NOT NULL, sender TEXT NOT NULL,"
  "  message_id TEXT NOT NULL, message BLOB NOT NULL,"
  "  reply TEXT, enhanced_code TEXT, reason TEXT, fallback_of INTEGER);"
  "CREATE INDEX jobs_due ON jobs (state, next_attempt);"
  "CREATE INDEX jobs_delivery ON jobs (delivery_id);"
  "CREATE TABLE recipients (job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,"
  "  idx INTEGER NOT NULL, address TEXT NOT NULL, kind TEXT NOT NULL, state TEXT NOT NULL,"
  "  reply TEXT, enhanced_code TEXT, PRIMARY KEY (job_id, idx));"
  "CREATE TABLE attempts (id INTEGER PRIMARY KEY,"
  "  job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,"
  "  started INTEGER NOT NULL, duration_us INTEGER NOT NULL, profile TEXT NOT NULL,"
  "  result TEXT NOT NULL, reply TEXT, enhanced_code TEXT, tls TEXT);"
  "CREATE INDEX attempts_job ON attempts (job_id);"
  "INSERT INTO meta (key, value) VALUES ('schema-version', '1');";

static void
test_migration (Fixture *f, gconstpointer data)
{
  g_autoptr(GVariant) attempts = NULL;
  g_autoptr(GVariant) entry = NULL;
  g_autoptr(GwQueuedJob) job = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time ();
  g_autofree char *rows = NULL;

  gw_queue_close (f->queue);
  g_clear_object (&f->queue);
  herald_test_rm_rf (f->tmpdir);
  g_assert_cmpint (g_mkdir (f->tmpdir, 0700), ==, 0);
  queue_test_sql (f->path, "PRAGMA journal_mode=WAL");
  queue_test_sql (f->path, schema_v1);
  /* A delivery of the previous release: created 2 days ago, expiring after
   * 5 days, deferred once, due now. */
  rows = g_strdup_printf (
    "INSERT INTO deliveries VALUES ('old-1', %1$" G_GINT64_FORMAT ", %1$" G_GINT64_FORMAT
    ", 'deferred', 0, 1, 'app', NULL, 'Old', NULL, NULL);"
    "INSERT INTO jobs VALUES (1, 'old-1', 'a', 'deferred', 1, 0, %2$" G_GINT64_FORMAT
    ", 'sender@example.org', '<old@test>', X'5375626A6563743A206F6C640D0A0D0A', '451 Busy',"
    " NULL, NULL, NULL);"
    "INSERT INTO recipients VALUES (1, 0, 'old@example.org', 'to', 'deferred', '451 Busy', NULL);"
    "INSERT INTO attempts VALUES (1, 1, %1$" G_GINT64_FORMAT ", 1000, 'a', 'deferred', '451 Busy',"
    " NULL, NULL);",
    now - 2 * DAY_US, now + 3 * DAY_US);
  queue_test_sql (f->path, rows);
  /* Failed deliveries of earlier releases (schema 3 and before): one that
   * reached one recipient of two, which becomes partial, and one that
   * reached nobody, which stays failed. */
  queue_test_sql (f->path,
    "INSERT INTO deliveries VALUES ('old-2', 1, 1, 'failed', 0, 1, NULL, NULL, 'Half', NULL,"
    " 'rejected');"
    "INSERT INTO jobs VALUES (2, 'old-2', 'a', 'failed', 1, 0, 1, 's@example.org', '<h@test>',"
    " X'00', '550 No', NULL, 'rejected', NULL);"
    "INSERT INTO recipients VALUES (2, 0, 'got@example.org', 'to', 'sent', '250 Ok', NULL);"
    "INSERT INTO recipients VALUES (2, 1, 'no@example.org', 'to', 'failed', '550 No', NULL);"
    "INSERT INTO deliveries VALUES ('old-3', 1, 1, 'failed', 0, 1, NULL, NULL, 'None', NULL,"
    " 'rejected');"
    "INSERT INTO jobs VALUES (3, 'old-3', 'a', 'failed', 1, 0, 1, 's@example.org', '<n@test>',"
    " X'00', '550 No', NULL, 'rejected', NULL);"
    "INSERT INTO recipients VALUES (3, 0, 'no@example.org', 'to', 'failed', '550 No', NULL);");

  f->queue = queue_test_open (f->path);
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT value FROM meta WHERE key = 'schema-version'"),
                   ==, 9);
  /* 5 → 6: an empty table of recipients counted per profile and minute */
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT count(*) FROM profile_recipients"), ==, 0);
  /* The migration counted what uid 0 held: one waiting delivery of 16 bytes. */
  {
    guint64 deliveries = 0, bytes = 0;

    g_assert_true (gw_queue_get_caller_usage (f->queue, 0, &deliveries, &bytes, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (deliveries, ==, 1);
    /* 16 bytes of the waiting delivery, one of each failed one */
    g_assert_cmpuint (bytes, ==, 18);
  }
  assert_state (f, "old-2", "partial");
  assert_state (f, "old-3", "failed");
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT count(*) FROM jobs WHERE state = 'partial'"),
                   ==, 1);
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT count(*) FROM pragma_table_info ('recipients')"
                                                " WHERE name = 'remote_id'"), ==, 1);
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT count(*) FROM pragma_table_info ('attempts')"
                                                " WHERE name = 'recipients'"), ==, 1);
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT count(*) FROM pragma_table_info ('jobs')"
                                                " WHERE name = 'created'"), ==, 1);
  /* 7 → 8: the message bytes in a table of their own */
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT count(*) FROM pragma_table_info ('jobs')"
                                                " WHERE name = 'message'"),
                   ==, 0);
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT sum (length (body)) FROM messages"), ==, 18);

  /* The old attempt has no recipients; a new one does. */
  job = claim_one (f, "a");
  g_assert_cmpstr (gw_envelope_get_recipient (job->envelope, 0)->address, ==, "old@example.org");
  finish (f, job, GW_RECIPIENT_PERMFAIL, "failed", "rejected", 0, NULL);
  attempts = gw_queue_list_attempts (f->queue, "old-1", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (attempts), ==, 2);
  entry = g_variant_get_child_value (attempts, 0);
  g_assert_false (g_variant_lookup (entry, "recipients", "^a&s", NULL));
  g_clear_pointer (&entry, g_variant_unref);
  entry = g_variant_get_child_value (attempts, 1);
  g_assert_true (g_variant_lookup (entry, "recipients", "^a&s", NULL));

  /* Retry restarts the expiry with the job's own 5 days, taken from its
   * delivery (old jobs have no creation time). */
  g_assert_true (queue_test_retry (f->queue, "old-1", &error));
  g_assert_no_error (error);
  g_clear_pointer (&job, gw_queued_job_free);
  job = claim_one (f, "a");
  g_assert_cmpint (job->expire_at, >=, now + 5 * DAY_US - 60 * G_USEC_PER_SEC);
  g_assert_cmpint (job->expire_at, <=, g_get_real_time () + 5 * DAY_US + 60 * G_USEC_PER_SEC);

  /* Opening it again changes nothing. */
  gw_queue_close (f->queue);
  g_clear_object (&f->queue);
  f->queue = queue_test_open (f->path);
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT value FROM meta WHERE key = 'schema-version'"),
                   ==, 9);
}

/* A database of schema 5 (the release before issue 19) gets the table of
 * recipient counts (and the later migrations) and keeps its rows. */
static void
test_migration_from_5 (Fixture *f, gconstpointer data)
{
  const char * const recipients[] = { "five@example.org", NULL };
  g_autofree char *id = submit (f, "a", "five", recipients);
  g_autoptr(GwQueuedJob) job = NULL;

  gw_queue_close (f->queue);
  g_clear_object (&f->queue);
  queue_test_sql (f->path, QUEUE_TEST_DOWNGRADE_TO_7
                           "DROP TABLE profile_recipients;"
                           "UPDATE meta SET value = '5' WHERE key = 'schema-version'");
  f->queue = queue_test_open (f->path);
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT value FROM meta WHERE key = 'schema-version'"),
                   ==, 9);
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT count(*) FROM pragma_table_info ('profile_recipients')"),
                   ==, 3);
  job = claim_one (f, "a");
  g_assert_cmpstr (job->delivery_id, ==, id);
}

static const char downgrade_to_7[] =
  QUEUE_TEST_DOWNGRADE_TO_7 "UPDATE meta SET value = '7' WHERE key = 'schema-version'";

/* Schema 8 → 9: the index of waiting jobs and the triggers that count a
 * caller's waiting deliveries, rewritten without IN lists, find and count
 * the same rows. */
static void
test_migration_from_8 (Fixture *f, gconstpointer data)
{
  const char * const to[] = { "eight@example.org", NULL };
  g_autofree char *waiting = submit (f, "a", "waiting", to);
  g_autofree char *sent = submit (f, "b", "sent", to);
  g_autofree char *schema = NULL;
  g_autoptr(GwQueuedJob) job = claim_one (f, "b");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) due = NULL;
  guint64 deliveries = 0, bytes = 0;

  finish (f, job, GW_RECIPIENT_SENT, "sent", NULL, 0, NULL);
  g_clear_pointer (&job, gw_queued_job_free);
  gw_queue_close (f->queue);
  g_clear_object (&f->queue);
  queue_test_sql (f->path, QUEUE_TEST_DOWNGRADE_TO_8 "UPDATE meta SET value = '8' WHERE key = 'schema-version'");
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT count(*) FROM sqlite_schema WHERE sql LIKE '% IN (%'"),
                   ==, 4);

  f->queue = queue_test_open (f->path);
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT value FROM meta WHERE key = 'schema-version'"),
                   ==, 9);
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT count(*) FROM sqlite_schema WHERE sql LIKE '% IN (%'"),
                   ==, 0);
  schema = queue_test_sql_text (f->path, "SELECT sql FROM sqlite_schema WHERE name = 'jobs_waiting'");
  g_assert_nonnull (strstr (schema, "state = 'submitted'"));
  g_assert_true (gw_queue_get_caller_usage (f->queue, 0, &deliveries, &bytes, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (deliveries, ==, 1);

  /* The waiting job is found along the new index, and the triggers count. */
  due = gw_queue_dup_due_profiles (f->queue, g_get_real_time (), &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (due, ((const char *[]){ "a", NULL }));
  job = claim_one (f, "a");
  g_assert_cmpstr (job->delivery_id, ==, waiting);
  finish (f, job, GW_RECIPIENT_SENT, "sent", NULL, 0, NULL);
  assert_state (f, sent, "sent");
  assert_state (f, waiting, "sent");
  g_assert_true (gw_queue_get_caller_usage (f->queue, 0, &deliveries, &bytes, &error));
  g_assert_cmpuint (deliveries, ==, 0);
  g_assert_no_error (error);
  {
    g_autofree char *check = queue_test_sql_text (f->path, "PRAGMA integrity_check");
    g_assert_cmpstr (check, ==, "ok");
  }
}

/* Schema 7 → 8: the messages (a small and a large one) move to their own
 * table, read back the same; the caller's bytes stay and go with a prune;
 * a job's updates no longer touch the bytes. */
static void
test_migration_from_7 (Fixture *f, gconstpointer data)
{
  const char * const to[] = { "seven@example.org", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *small = queue_test_submit (f->queue, queue_test_submission ("a", "small", to, 0),
                                              &error);
  g_autoptr(GwSubmission) large_submission = queue_test_submission ("b", "large", to, 300 * 1024);
  g_autofree char *large = queue_test_submit (f->queue, g_steal_pointer (&large_submission), &error);
  g_autoptr(GwQueuedJob) job = NULL;
  g_autoptr(GBytes) small_bytes = NULL, large_bytes = NULL;
  guint64 deliveries = 0, bytes = 0, bytes_before = 0;

  g_assert_no_error (error);
  g_assert_true (gw_queue_get_caller_usage (f->queue, 0, &deliveries, &bytes_before, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (bytes_before, >, 300 * 1024);
  gw_queue_close (f->queue);
  g_clear_object (&f->queue);
  queue_test_sql (f->path, downgrade_to_7);
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT sum (length (message)) FROM jobs"), ==,
                   (gint64) bytes_before);

  f->queue = queue_test_open (f->path);
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT value FROM meta WHERE key = 'schema-version'"),
                   ==, 9);
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT count(*) FROM pragma_table_info ('jobs')"
                                                " WHERE name = 'message'"),
                   ==, 0);
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT count(*) FROM messages"), ==, 2);
  g_assert_true (gw_queue_get_caller_usage (f->queue, 0, &deliveries, &bytes, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (bytes, ==, bytes_before);

  job = claim_one (f, "a");
  g_assert_cmpstr (job->delivery_id, ==, small);
  small_bytes = g_bytes_ref (gw_envelope_get_message (job->envelope));
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (small_bytes, NULL),
                                 (gssize) g_bytes_get_size (small_bytes), "Subject: small"));
  finish (f, job, GW_RECIPIENT_SENT, "sent", NULL, 0, NULL);
  g_clear_pointer (&job, gw_queued_job_free);
  job = claim_one (f, "b");
  g_assert_cmpstr (job->delivery_id, ==, large);
  /* Read as it is sent, not when claimed. */
  g_assert_null (gw_envelope_get_message (job->envelope));
  g_assert_nonnull (gw_envelope_get_message_source (job->envelope));
  large_bytes = gw_envelope_load_message (job->envelope, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (large_bytes), >, 300 * 1024);
  g_assert_cmpuint (g_bytes_get_size (small_bytes) + g_bytes_get_size (large_bytes), ==, bytes_before);
  finish (f, job, GW_RECIPIENT_SENT, "sent", NULL, 0, NULL);

  /* The pruned deliveries take their bytes and message rows along. */
  g_assert_cmpuint (queue_test_prune (f->queue, g_get_real_time () + HOUR_US, &error), ==, 2);
  g_assert_no_error (error);
  g_assert_true (gw_queue_get_caller_usage (f->queue, 0, &deliveries, &bytes, &error));
  g_assert_cmpuint (bytes, ==, 0);
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT count(*) FROM messages"), ==, 0);
}

static GArray *
read_counts (Fixture    *f,
             const char *profile)
{
  g_autoptr(GError) error = NULL;
  GArray *counts = gw_queue_read_recipient_counts (f->queue, profile, 0, &error);

  g_assert_no_error (error);
  return counts;
}

/* max-recipients-per-day: counts written with the attempt, summed per
 * minute, kept across a restart, old rows dropped; a held job is no
 * attempt. */
static void
test_recipient_counts (Fixture *f, gconstpointer data)
{
  gint64 minute = g_get_real_time () / (60 * G_USEC_PER_SEC);
  g_autoptr(GArray) counts = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 2; i++) {
    const char * const recipients[] = { "a@example.org", "b@example.org", NULL };
    g_autofree char *id = submit (f, "q", "count", recipients);
    g_autoptr(GwQueuedJob) job = claim_one (f, "q");
    GwAttemptResult result = { "sent", 0, "250 Ok" };

    gw_envelope_set_pending_result (job->envelope, GW_RECIPIENT_SENT, "250 Ok", NULL);
    result.quota_recipients = 2;
    result.quota_minute = minute - (i == 0 ? 3 * 1440 : 0);
    g_assert_true (queue_test_record (f->queue, job, &result, &error));
    g_assert_no_error (error);
  }
  /* the row of three days ago went when the newer one came */
  counts = read_counts (f, "q");
  g_assert_cmpuint (counts->len, ==, 2);
  g_assert_cmpint (g_array_index (counts, gint64, 0), ==, minute);
  g_assert_cmpint (g_array_index (counts, gint64, 1), ==, 2);
  g_clear_pointer (&counts, g_array_unref);

  /* a held job: deferred until then, no attempt, its reply says why */
  {
    const char * const recipients[] = { "c@example.org", NULL };
    g_autofree char *id = submit (f, "q", "held", recipients);
    g_autoptr(GwQueuedJob) job = claim_one (f, "q");
    GwAttemptResult result = { "deferred", g_get_real_time () + HOUR_US, "Waiting for the quota" };
    g_autofree char *sql = NULL;
    g_autofree char *job_id = g_strdup_printf ("%" G_GINT64_FORMAT, job->job_id);

    result.held = TRUE;
    g_assert_true (queue_test_record (f->queue, job, &result, &error));
    g_assert_no_error (error);
    assert_state (f, id, "deferred");
    sql = g_strdup_printf ("SELECT attempts * 10 + (SELECT count(*) FROM attempts WHERE job_id = %1$s)"
                           " FROM jobs WHERE id = %1$s",
                           job_id);
    g_assert_cmpint (queue_test_sql_int (f->path, sql), ==, 0);
    g_free (sql);
    sql = g_strdup_printf ("SELECT count(*) FROM recipients WHERE job_id = %s AND state = 'pending'", job_id);
    g_assert_cmpint (queue_test_sql_int (f->path, sql), ==, 1);
  }

  /* the same minute adds up, and survives closing the queue */
  {
    const char * const recipients[] = { "d@example.org", NULL };
    g_autofree char *id = submit (f, "q", "more", recipients);
    g_autoptr(GwQueuedJob) job = claim_one (f, "q");
    GwAttemptResult result = { "sent", 0, "250 Ok" };

    gw_envelope_set_pending_result (job->envelope, GW_RECIPIENT_SENT, "250 Ok", NULL);
    result.quota_recipients = 1;
    result.quota_minute = minute;
    g_assert_true (queue_test_record (f->queue, job, &result, &error));
  }
  gw_queue_close (f->queue);
  g_clear_object (&f->queue);
  f->queue = queue_test_open (f->path);
  counts = read_counts (f, "q");
  g_assert_cmpuint (counts->len, ==, 2);
  g_assert_cmpint (g_array_index (counts, gint64, 1), ==, 3);
  g_clear_pointer (&counts, g_array_unref);
  counts = read_counts (f, "other");
  g_assert_cmpuint (counts->len, ==, 0);
}

static void
test_newer_schema (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwQueue) queue = NULL;

  gw_queue_close (f->queue);
  g_clear_object (&f->queue);
  queue_test_sql (f->path, "UPDATE meta SET value = '99' WHERE key = 'schema-version'");
  queue = gw_queue_new (f->path, &error);
  g_assert_null (queue);
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE);
  /* Not ours to move aside or change. */
  g_assert_true (g_file_test (f->path, G_FILE_TEST_EXISTS));
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT value FROM meta WHERE key = 'schema-version'"),
                   ==, 99);
}

static gint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gint64) st.st_size : -1;
}

/* Checkpoints run while the queue is open, on their own thread: the
 * database file takes the committed pages and the WAL stops growing. */
static void
test_checkpoint (Fixture *f, gconstpointer data)
{
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  gint64 deadline;

  /* About 1,600 pages of 4 KiB: past the 1,000-page threshold. */
  for (guint i = 0; i < 400; i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *id = queue_test_submit (f->queue,
                                             queue_test_submission ("relay", "bulk",
                                                                    (const char *[]) { "a@example.org", NULL },
                                                                    16 * 1024),
                                             &error);
    g_assert_no_error (error);
  }
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (file_size (f->path) < 4 * 1024 * 1024 && g_get_monotonic_time () < deadline)
    g_usleep (10 * 1000);
  g_test_message ("queue.db %" G_GINT64_FORMAT " bytes, WAL %" G_GINT64_FORMAT " bytes",
                  file_size (f->path), file_size (wal));
  g_assert_cmpint (file_size (f->path), >=, 4 * 1024 * 1024);
  /* The WAL starts over after checkpoints instead of holding it all (over
   * 20 MiB when it never does). */
  g_assert_cmpint (file_size (wal), <, 12 * 1024 * 1024);
}

/* A job a fax server accepted: "submitted" with its remote id, due again
 * at the poll time or when poked, cancellable, and loaded back with its
 * recipient still submitted. */
static void
poke (Fixture    *f,
      const char *profile,
      const char *remote_id)
{
  GAsyncResult *result = NULL;
  g_autoptr(GError) error = NULL;

  gw_queue_poke_remote_async (f->queue, profile, remote_id, queue_test_store_result_cb, &result);
  g_assert_true (gw_queue_poke_remote_finish (f->queue, queue_test_wait (&result), &error));
  g_assert_no_error (error);
  g_object_unref (result);
}

static void
cancel (Fixture    *f,
        const char *id)
{
  GAsyncResult *result = NULL;
  g_autoptr(GError) error = NULL;

  gw_queue_cancel_async (f->queue, id, queue_test_store_result_cb, &result);
  g_assert_true (gw_queue_cancel_finish (f->queue, queue_test_wait (&result), &error));
  g_assert_no_error (error);
  g_object_unref (result);
}

static void
test_submitted (Fixture *f, gconstpointer data)
{
  const char * const rcpts[] = { "+1 724 627 9591", NULL };
  g_autofree char *id = submit (f, "fax", "Fax", rcpts);
  g_autofree char *other = submit (f, "fax", "Fax 2", rcpts);
  g_autoptr(GPtrArray) both = queue_test_claim (f->queue, "fax", 16);
  g_autoptr(GwQueuedJob) job = NULL;
  g_autoptr(GPtrArray) remote = NULL;
  g_autoptr(GPtrArray) none = NULL;
  g_autoptr(GError) error = NULL;
  GwRecipient *r;
  GwQueuedJob *second;

  g_assert_cmpuint (both->len, ==, 2);
  job = g_ptr_array_steal_index (both, 0);
  second = g_ptr_array_index (both, 0);
  g_assert_cmpstr (job->delivery_id, ==, id);

  gw_envelope_set_remote_id (job->envelope, 0, "42");
  finish (f, job, GW_RECIPIENT_SUBMITTED, "submitted", NULL, g_get_real_time () + HOUR_US, NULL);
  gw_envelope_set_remote_id (second->envelope, 0, "43");
  finish (f, second, GW_RECIPIENT_SUBMITTED, "submitted", NULL, g_get_real_time () + HOUR_US, NULL);
  assert_state (f, id, "submitted");
  g_assert_cmpint (queue_test_sql_int (f->path, "SELECT count(*) FROM recipients WHERE remote_id = '42'"
                                                " AND state = 'submitted'"), ==, 1);

  remote = gw_queue_list_remote_jobs (f->queue, id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (remote->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (remote, 0), ==, "fax");
  g_assert_cmpstr (g_ptr_array_index (remote, 1), ==, "42");
  g_assert_cmpuint (gw_queue_count_pending (f->queue), ==, 2);

  /* not due until the poll time, or a poke for its remote id */
  g_assert_false (gw_queue_has_due_work (f->queue, "fax", g_get_real_time ()));
  poke (f, "other-profile", "42");
  poke (f, "fax", "999");
  g_assert_false (gw_queue_has_due_work (f->queue, "fax", g_get_real_time ()));
  poke (f, "fax", "42");
  g_clear_pointer (&job, gw_queued_job_free);
  job = claim_one (f, "fax");
  g_assert_cmpstr (job->delivery_id, ==, id);
  r = gw_envelope_get_recipient (job->envelope, 0);
  g_assert_cmpint (r->status, ==, GW_RECIPIENT_SUBMITTED);
  g_assert_cmpstr (r->remote_id, ==, "42");
  gw_envelope_set_result (job->envelope, 0, GW_RECIPIENT_SENT, "HylaFAX job 42: DONE", NULL);
  finish (f, job, GW_RECIPIENT_SENT, "sent", NULL, 0, NULL);
  assert_state (f, id, "sent");

  /* the other is cancelled while the server still has it */
  cancel (f, other);
  assert_state (f, other, "cancelled");
  none = gw_queue_list_remote_jobs (f->queue, other, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);
  g_assert_cmpuint (gw_queue_count_pending (f->queue), ==, 0);
}

static void
assert_usage (Fixture *f,
              guint    uid,
              guint64  deliveries,
              guint64  bytes)
{
  g_autoptr(GError) error = NULL;
  guint64 held_deliveries = G_MAXUINT64, held_bytes = G_MAXUINT64;

  g_assert_true (gw_queue_get_caller_usage (f->queue, uid, &held_deliveries, &held_bytes, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (held_deliveries, ==, deliveries);
  g_assert_cmpuint (held_bytes, ==, bytes);
}

/* What each caller holds (per-caller quotas) follows every change:
 * submission, the final state, retry, fallback copies, cancel, pruning. */
static void
test_caller_usage (Fixture *f, gconstpointer data)
{
  const char * const rcpt[] = { "a@example.org", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL, *second = NULL, *other = NULL;
  GwSubmission *submission;
  g_autoptr(GwQueuedJob) job = NULL;
  gsize size;

  assert_usage (f, 1000, 0, 0);
  submission = queue_test_submission ("a", "one", rcpt, 2000);
  submission->caller_uid = 1000;
  size = g_bytes_get_size (gw_envelope_get_message (((GwSubmissionJob *) g_ptr_array_index (submission->jobs, 0))->envelope));
  first = queue_test_submit (f->queue, submission, &error);
  g_assert_no_error (error);
  submission = queue_test_submission ("d", "two", rcpt, 2000);
  submission->caller_uid = 1000;
  second = queue_test_submit (f->queue, submission, &error);
  g_assert_no_error (error);
  submission = queue_test_submission ("b", "six", rcpt, 2000);
  submission->caller_uid = 1001;
  other = queue_test_submit (f->queue, submission, &error);
  g_assert_no_error (error);
  assert_usage (f, 1000, 2, 2 * size);
  assert_usage (f, 1001, 1, size);

  /* Sending is still waiting; sent is final, and its message is kept. */
  job = claim_one (f, "b");
  assert_usage (f, 1001, 1, size);
  finish (f, job, GW_RECIPIENT_SENT, "sent", NULL, 0, NULL);
  g_clear_pointer (&job, gw_queued_job_free);
  assert_usage (f, 1001, 0, size);

  /* A failure handed to a fallback copies the message: still waiting. */
  job = claim_one (f, "a");
  finish (f, job, GW_RECIPIENT_PERMFAIL, "failed", "rejected", 0, "c");
  g_clear_pointer (&job, gw_queued_job_free);
  assert_usage (f, 1000, 2, 3 * size);

  /* Cancelled is final; Retry of a failed one waits again. */
  cancel (f, second);
  job = claim_one (f, "c");
  finish (f, job, GW_RECIPIENT_PERMFAIL, "failed", "rejected", 0, NULL);
  g_clear_pointer (&job, gw_queued_job_free);
  assert_usage (f, 1000, 0, 3 * size);
  g_assert_true (queue_test_retry (f->queue, first, &error));
  g_assert_no_error (error);
  assert_usage (f, 1000, 1, 3 * size);
  job = claim_one (f, "c");
  finish (f, job, GW_RECIPIENT_SENT, "sent", NULL, 0, NULL);
  g_clear_pointer (&job, gw_queued_job_free);
  assert_usage (f, 1000, 0, 3 * size);

  /* Pruning the log gives the bytes back. */
  g_assert_cmpuint (queue_test_prune (f->queue, g_get_real_time () + 1, &error), ==, 3);
  g_assert_no_error (error);
  assert_usage (f, 1000, 0, 0);
  assert_usage (f, 1001, 0, 0);
}

/* The details of a change keep their own copy of the text, and become the
 * a{sv} of DeliveriesChanged only when asked: text that is not UTF-8 is
 * left out, and no details give an empty dictionary. */
static void
test_delivery_details (void)
{
  g_autofree char *reply = g_strdup ("250 2.0.0 Ok");
  g_autoptr(GwDeliveryDetails) details = gw_delivery_details_new ("relay", 2, 42, reply, "2.0.0",
                                                                  "bad \xff text");
  g_autoptr(GwDeliveryDetails) bare = gw_delivery_details_new (NULL, 0, 0, NULL, NULL, NULL);
  g_autoptr(GVariant) shown = NULL;
  g_autoptr(GVariant) empty = g_variant_ref_sink (gw_delivery_details_to_variant (NULL));
  const char *text = NULL;
  guint32 attempts = 0;
  gint64 next = 0;

  memset (reply, 'x', strlen (reply));
  g_assert_cmpstr (details->reply, ==, "250 2.0.0 Ok");
  g_assert_cmpstr (details->profile, ==, "relay");
  g_assert_null (bare->profile);
  g_assert_null (bare->reason);

  shown = g_variant_ref_sink (gw_delivery_details_to_variant (details));
  g_assert_true (g_variant_lookup (shown, "profile", "&s", &text));
  g_assert_cmpstr (text, ==, "relay");
  g_assert_true (g_variant_lookup (shown, "reply", "&s", &text));
  g_assert_cmpstr (text, ==, "250 2.0.0 Ok");
  g_assert_true (g_variant_lookup (shown, "enhanced-code", "&s", &text));
  g_assert_cmpstr (text, ==, "2.0.0");
  g_assert_false (g_variant_lookup (shown, "reason", "&s", &text));
  g_assert_true (g_variant_lookup (shown, "attempts", "u", &attempts));
  g_assert_cmpuint (attempts, ==, 2);
  g_assert_true (g_variant_lookup (shown, "next-attempt", "x", &next));
  g_assert_cmpint (next, ==, 42);
  g_assert_cmpuint (g_variant_n_children (empty), ==, 0);
  g_assert_true (g_variant_is_of_type (empty, G_VARIANT_TYPE_VARDICT));

  /* Entries shared between changes (profile, code, reason, attempts, no
   * next attempt) never mix: more kinds than the cache holds, each shown
   * with its own values, twice. */
  for (guint round = 0; round < 2; round++) {
    for (guint i = 0; i < 300; i++) {
      g_autofree char *profile = g_strdup_printf ("profile-%u", i);
      g_autofree char *code = g_strdup_printf ("4.%u.%u", i / 10, i % 10);
      g_autoptr(GwDeliveryDetails) one = gw_delivery_details_new (profile, i, i % 2 ? 0 : i, NULL,
                                                                   code, i % 3 ? NULL : "expired");
      g_autoptr(GVariant) seen = g_variant_ref_sink (gw_delivery_details_to_variant (one));

      g_assert_true (g_variant_lookup (seen, "profile", "&s", &text));
      g_assert_cmpstr (text, ==, profile);
      g_assert_true (g_variant_lookup (seen, "enhanced-code", "&s", &text));
      g_assert_cmpstr (text, ==, code);
      g_assert_cmpint (g_variant_lookup (seen, "reason", "&s", &text), ==, i % 3 == 0);
      g_assert_false (g_variant_lookup (seen, "reply", "&s", &text));
      g_assert_true (g_variant_lookup (seen, "attempts", "u", &attempts));
      g_assert_cmpuint (attempts, ==, i);
      g_assert_true (g_variant_lookup (seen, "next-attempt", "x", &next));
      g_assert_cmpint (next, ==, i % 2 ? 0 : i);
    }
  }

  /* A reference is the same details. */
  g_assert_true (gw_delivery_details_ref (details) == details);
  gw_delivery_details_unref (details);
}

/* Each "delivery-changed" compared, as it comes, with what GetDelivery
 * reads at that moment: a delivery of one job has its details made by
 * the writer without reading them back, one of two jobs has them read. */
typedef struct {
  GwQueue *queue;
  guint    signals;
  guint    compared;
} SignalCheck;

static void
compare_with_delivery_cb (GwQueue     *queue,
                          const char  *id,
                          const char  *state,
                          GwDeliveryDetails *raw_details,
                          SignalCheck *check)
{
  static const char * const keys[] = { "profile", "attempts", "next-attempt", "reply",
                                       "enhanced-code", "reason" };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) delivery = gw_queue_get_delivery (check->queue, id, &error);
  g_autoptr(GVariant) details = g_variant_ref_sink (gw_delivery_details_to_variant (raw_details));
  const char *current = NULL;

  g_assert_no_error (error);
  check->signals++;
  g_assert_true (g_variant_lookup (delivery, "state", "&s", &current));
  /* A later change already committed: that signal will be compared. */
  if (!g_str_equal (current, state))
    return;
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++) {
    g_autoptr(GVariant) shown = g_variant_lookup_value (details, keys[i], NULL);
    g_autoptr(GVariant) read = g_variant_lookup_value (delivery, keys[i], NULL);
    g_autofree char *shown_text = shown != NULL ? g_variant_print (shown, TRUE) : g_strdup ("(none)");
    g_autofree char *read_text = read != NULL ? g_variant_print (read, TRUE) : g_strdup ("(none)");

    if (g_strcmp0 (shown_text, read_text) != 0)
      g_error ("%s %s: the signal shows %s = %s, GetDelivery %s", id, state, keys[i],
               shown_text, read_text);
  }
  check->compared++;
}

static void
wait_for_signals (SignalCheck *check,
                  guint        count)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (check->signals < count && g_get_monotonic_time () < deadline) {
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  }
  g_assert_cmpuint (check->signals, ==, count);
}

static void
test_signal_details (Fixture *f, gconstpointer data)
{
  const char * const rcpts[] = { "a@example.org", NULL };
  SignalCheck check = { f->queue, 0, 0 };
  g_autoptr(GwSubmission) two = queue_test_submission ("relay", "Two", rcpts, 0);
  g_autoptr(GwEnvelope) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *one = NULL;
  g_autofree char *both = NULL;
  gulong handler;

  handler = g_signal_connect (f->queue, "delivery-changed", G_CALLBACK (compare_with_delivery_cb),
                              &check);
  one = submit (f, "relay", "One", rcpts);
  wait_for_signals (&check, 1);
  {
    g_autoptr(GwQueuedJob) job = claim_one (f, "relay");

    g_assert_cmpuint (job->n_jobs, ==, 1);
    wait_for_signals (&check, 2);
    finish (f, job, GW_RECIPIENT_TEMPFAIL, "deferred", NULL, g_get_real_time (), NULL);
    wait_for_signals (&check, 3);
  }
  {
    /* sending again: the last reply stays, no next attempt */
    g_autoptr(GwQueuedJob) job = claim_one (f, "relay");

    wait_for_signals (&check, 4);
    finish (f, job, GW_RECIPIENT_TEMPFAIL, "failed", "expired", 0, NULL);
    wait_for_signals (&check, 5);
  }
  assert_state (f, one, "failed");

  /* Two jobs of one delivery: read back. */
  {
    GwEnvelope *first = ((GwSubmissionJob *) g_ptr_array_index (two->jobs, 0))->envelope;

    copy = gw_envelope_new (NULL, gw_envelope_get_sender (first), gw_envelope_get_message_id (first),
                            gw_envelope_get_message (first));
    gw_envelope_add_recipient (copy, rcpts[0], "to");
  }
  gw_submission_add_job (two, "backup", g_get_real_time () + HOUR_US, copy);
  both = queue_test_submit (f->queue, g_steal_pointer (&two), &error);
  g_assert_no_error (error);
  wait_for_signals (&check, 6);
  {
    g_autoptr(GwQueuedJob) job = claim_one (f, "backup");

    g_assert_cmpuint (job->n_jobs, ==, 2);
    wait_for_signals (&check, 7);
    finish (f, job, GW_RECIPIENT_SENT, "sent", NULL, 0, NULL);
    /* the other job still queued: the delivery is queued again */
    wait_for_signals (&check, 8);
  }
  assert_state (f, both, "queued");
  g_signal_handler_disconnect (f->queue, handler);
  g_assert_cmpuint (check.compared, ==, check.signals);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  queue_test_init_logging ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, queue_fixture_setup, func, queue_fixture_teardown)
  ADD ("/queue/retry/failed", test_retry_failed);
  ADD ("/queue/retry/deferred", test_retry_deferred);
  ADD ("/queue/retry/refused", test_retry_refused);
  ADD ("/queue/prune", test_prune);
  ADD ("/queue/attempts", test_attempts);
  ADD ("/queue/fallback/chain", test_fallback);
  ADD ("/queue/fallback/expired", test_fallback_expired);
  ADD ("/queue/schema/migration", test_migration);
  ADD ("/queue/all-refused", test_all_refused);
  ADD ("/queue/schema/newer", test_newer_schema);
  ADD ("/queue/schema/migration-from-5", test_migration_from_5);
  ADD ("/queue/schema/migration-from-7", test_migration_from_7);
  ADD ("/queue/schema/migration-from-8", test_migration_from_8);
  ADD ("/queue/fallback/large", test_fallback_large);
  ADD ("/queue/recipient-counts", test_recipient_counts);
  ADD ("/queue/checkpoint", test_checkpoint);
  ADD ("/queue/submitted", test_submitted);
  ADD ("/queue/caller-usage", test_caller_usage);
  ADD ("/queue/signal-details", test_signal_details);
  g_test_add_func ("/queue/delivery-details", test_delivery_details);
#undef ADD
  return g_test_run ();
}
