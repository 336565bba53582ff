/* gw-queue-write.c: the SQL of the queue's writes, run by the writer thread
 *
 * Every function here runs inside the transaction the writer thread opened
 * for its batch, under a savepoint of its own.
 */
#define G_LOG_DOMAIN "gw-queue"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-queue-private.h"

#define IDEMPOTENCY_WINDOW_US (G_GINT64_CONSTANT (24) * 3600 * G_USEC_PER_SEC)

static sqlite3_stmt *
prepare (Writer     *w,
         const char *sql,
         GError    **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v3 (w->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);

  if (rc != SQLITE_OK) {
    gw_queue_set_sqlite_error (error, w->db, rc, "prepare");
    return NULL;
  }
  return stmt;
}

/* Steps a statement that returns no rows, then finalizes it. */
static gboolean
step_done (Writer       *w,
           sqlite3_stmt *stmt,
           const char   *what,
           GError      **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE) {
    gw_queue_set_sqlite_error (error, w->db, rc, what);
    return FALSE;
  }
  return TRUE;
}

static void
bind_text_or_null (sqlite3_stmt *stmt,
                   int           index,
                   const char   *value)
{
  if (value != NULL)
    sqlite3_bind_text (stmt, index, value, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

/* The delivery's state follows from its jobs' states. */
static gboolean
refresh_delivery_state (Writer     *w,
                        const char *delivery_id,
                        GError    **error)
{
  static const char select_sql[] =
    "SELECT sum(state = 'sending'), sum(state = 'queued'), sum(state = 'deferred'),"
    " sum(state = 'failed'), sum(state = 'cancelled'), count(*),"
    " (SELECT reason FROM jobs WHERE delivery_id = ?1 AND reason IS NOT NULL ORDER BY id DESC LIMIT 1)"
    " FROM jobs WHERE delivery_id = ?1";
  sqlite3_stmt *stmt = prepare (w, select_sql, error);
  const char *state;
  g_autofree char *reason = NULL;
  gint64 sending, queued, deferred, failed, cancelled, total;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, delivery_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_ROW) {
    gw_queue_set_sqlite_error (error, w->db, sqlite3_errcode (w->db), "delivery state");
    sqlite3_finalize (stmt);
    return FALSE;
  }
  sending = sqlite3_column_int64 (stmt, 0);
  queued = sqlite3_column_int64 (stmt, 1);
  deferred = sqlite3_column_int64 (stmt, 2);
  failed = sqlite3_column_int64 (stmt, 3);
  cancelled = sqlite3_column_int64 (stmt, 4);
  total = sqlite3_column_int64 (stmt, 5);
  reason = g_strdup ((const char *) sqlite3_column_text (stmt, 6));
  sqlite3_finalize (stmt);

  if (sending > 0)
    state = "sending";
  else if (queued > 0)
    state = "queued";
  else if (deferred > 0)
    state = "deferred";
  else if (cancelled == total)
    state = "cancelled";
  else if (failed > 0)
    state = "failed";
  else
    state = "sent";
  /* A reason explains a final failure; it is stale once work goes on. */
  if (!g_str_equal (state, "failed") && !g_str_equal (state, "cancelled"))
    g_clear_pointer (&reason, g_free);

  stmt = prepare (w, "UPDATE deliveries SET state = ?, updated = ?, reason = ? "
                     "WHERE id = ? AND (state != ?1 OR reason IS NOT ?3)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, state, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  bind_text_or_null (stmt, 3, reason);
  sqlite3_bind_text (stmt, 4, delivery_id, -1, SQLITE_STATIC);
  if (!step_done (w, stmt, "update delivery", error))
    return FALSE;
  if (sqlite3_changes (w->db) > 0)
    g_hash_table_insert (w->changed, g_strdup (delivery_id), g_strdup (state));
  return TRUE;
}

static gboolean
insert_job (Writer          *w,
            const char      *delivery_id,
            GwSubmissionJob *job,
            gint64           now,
            GError         **error)
{
  sqlite3_stmt *stmt;
  GwEnvelope *envelope = job->envelope;
  GBytes *message = gw_envelope_get_message (envelope);
  gint64 job_id;

  stmt = prepare (w, "INSERT INTO jobs (delivery_id, profile, state, next_attempt, expire_at,"
                     " sender, message_id, message) VALUES (?, ?, 'queued', ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, delivery_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, job->profile, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, now);
  sqlite3_bind_int64 (stmt, 4, job->expire_at);
  sqlite3_bind_text (stmt, 5, gw_envelope_get_sender (envelope), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, gw_envelope_get_message_id (envelope), -1, SQLITE_STATIC);
  sqlite3_bind_blob64 (stmt, 7, g_bytes_get_data (message, NULL), g_bytes_get_size (message),
                       SQLITE_STATIC);
  if (!step_done (w, stmt, "insert job", error))
    return FALSE;
  job_id = sqlite3_last_insert_rowid (w->db);

  for (guint i = 0; i < gw_envelope_get_n_recipients (envelope); i++) {
    GwRecipient *recipient = gw_envelope_get_recipient (envelope, i);

    stmt = prepare (w, "INSERT INTO recipients (job_id, idx, address, kind, state)"
                       " VALUES (?, ?, ?, ?, 'pending')", error);
    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, job_id);
    sqlite3_bind_int (stmt, 2, (int) i);
    sqlite3_bind_text (stmt, 3, recipient->address, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 4, recipient->kind, -1, SQLITE_STATIC);
    if (!step_done (w, stmt, "insert recipient", error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
run_submit (Writer *w,
            Op     *op,
            GError **error)
{
  GwSubmission *sub = op->submission;
  gint64 now = g_get_real_time ();
  sqlite3_stmt *stmt;

  /* A retried Send with the same key (per caller, 24 hours) gets the first
   * delivery's id and queues nothing. */
  if (sub->idempotency_key != NULL) {
    int rc;

    stmt = prepare (w, "SELECT id FROM deliveries WHERE idempotency_key = ? AND caller_uid = ?"
                       " AND created >= ? ORDER BY created LIMIT 1", error);
    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_text (stmt, 1, sub->idempotency_key, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 2, sub->caller_uid);
    sqlite3_bind_int64 (stmt, 3, now - IDEMPOTENCY_WINDOW_US);
    rc = sqlite3_step (stmt);
    if (rc == SQLITE_ROW) {
      g_free (sub->delivery_id);
      sub->delivery_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
    }
    sqlite3_finalize (stmt);
    if (rc == SQLITE_ROW)
      return TRUE;
    if (rc != SQLITE_DONE) {
      gw_queue_set_sqlite_error (error, w->db, rc, "idempotency key");
      return FALSE;
    }
  }

  stmt = prepare (w, "INSERT INTO deliveries (id, created, updated, state, caller_uid, urgency,"
                     " app_name, category, subject, idempotency_key)"
                     " VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, sub->delivery_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, now);
  sqlite3_bind_int64 (stmt, 3, now);
  sqlite3_bind_int64 (stmt, 4, sub->caller_uid);
  sqlite3_bind_int (stmt, 5, sub->urgency);
  bind_text_or_null (stmt, 6, sub->app_name);
  bind_text_or_null (stmt, 7, sub->category);
  bind_text_or_null (stmt, 8, sub->subject);
  bind_text_or_null (stmt, 9, sub->idempotency_key);
  if (!step_done (w, stmt, "insert delivery", error))
    return FALSE;
  for (guint i = 0; i < sub->jobs->len; i++) {
    if (!insert_job (w, sub->delivery_id, g_ptr_array_index (sub->jobs, i), now, error))
      return FALSE;
  }
  g_hash_table_insert (w->changed, g_strdup (sub->delivery_id), g_strdup ("queued"));
  return TRUE;
}

static GwQueuedJob *
job_from_row (Writer       *w,
              sqlite3_stmt *stmt,
              GError      **error)
{
  g_autoptr(GwQueuedJob) job = g_new0 (GwQueuedJob, 1);
  g_autoptr(GBytes) message = NULL;
  sqlite3_stmt *rstmt;
  int rc;

  job->job_id = sqlite3_column_int64 (stmt, 0);
  job->delivery_id = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  job->profile = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  job->attempts = (guint) sqlite3_column_int (stmt, 3);
  job->expire_at = sqlite3_column_int64 (stmt, 4);
  message = g_bytes_new (sqlite3_column_blob (stmt, 7), (gsize) sqlite3_column_bytes (stmt, 7));
  job->created = sqlite3_column_int64 (stmt, 8);
  {
    g_autofree char *job_id = g_strdup_printf ("%" G_GINT64_FORMAT, job->job_id);
    job->envelope = gw_envelope_new (job_id, (const char *) sqlite3_column_text (stmt, 5),
                                     (const char *) sqlite3_column_text (stmt, 6), message);
  }

  /* Only recipients still waiting are tried again. */
  rstmt = prepare (w, "SELECT address, kind FROM recipients WHERE job_id = ?"
                      " AND state IN ('pending', 'deferred') ORDER BY idx", error);
  if (rstmt == NULL)
    return NULL;
  sqlite3_bind_int64 (rstmt, 1, job->job_id);
  while ((rc = sqlite3_step (rstmt)) == SQLITE_ROW)
    gw_envelope_add_recipient (job->envelope, (const char *) sqlite3_column_text (rstmt, 0),
                               (const char *) sqlite3_column_text (rstmt, 1));
  sqlite3_finalize (rstmt);
  if (rc != SQLITE_DONE) {
    gw_queue_set_sqlite_error (error, w->db, rc, "read recipients");
    return NULL;
  }
  return g_steal_pointer (&job);
}

static gboolean
run_claim (Writer *w,
           Op     *op,
           GError **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = prepare (w, "SELECT j.id, j.delivery_id, j.profile, j.attempts, j.expire_at, j.sender,"
                     " j.message_id, j.message, d.created FROM jobs j"
                     " JOIN deliveries d ON d.id = j.delivery_id"
                     " WHERE j.profile = ? AND j.state IN ('queued', 'deferred')"
                     " AND j.next_attempt <= ? ORDER BY j.next_attempt, j.id LIMIT ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, op->profile, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  sqlite3_bind_int (stmt, 3, (int) op->limit);
  op->claimed = g_ptr_array_new_with_free_func ((GDestroyNotify) gw_queued_job_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    GwQueuedJob *job = job_from_row (w, stmt, error);
    if (job == NULL) {
      sqlite3_finalize (stmt);
      return FALSE;
    }
    g_ptr_array_add (op->claimed, job);
  }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE) {
    gw_queue_set_sqlite_error (error, w->db, rc, "claim jobs");
    return FALSE;
  }
  for (guint i = 0; i < op->claimed->len; i++) {
    GwQueuedJob *job = g_ptr_array_index (op->claimed, i);

    stmt = prepare (w, "UPDATE jobs SET state = 'sending' WHERE id = ?", error);
    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, job->job_id);
    if (!step_done (w, stmt, "claim job", error) ||
        !refresh_delivery_state (w, job->delivery_id, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
run_record (Writer *w,
            Op     *op,
            GError **error)
{
  GwQueuedJob *job = op->job;
  const GwAttemptResult *r = &op->result;
  GwEnvelope *envelope = job->envelope;
  sqlite3_stmt *stmt;

  stmt = prepare (w, "UPDATE jobs SET state = ?, attempts = attempts + 1, next_attempt = ?,"
                     " reply = ?, enhanced_code = ?, reason = ? WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, r->state, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, r->next_attempt);
  bind_text_or_null (stmt, 3, r->reply);
  bind_text_or_null (stmt, 4, r->enhanced_code);
  bind_text_or_null (stmt, 5, r->reason);
  sqlite3_bind_int64 (stmt, 6, job->job_id);
  if (!step_done (w, stmt, "record result", error))
    return FALSE;

  for (guint i = 0; i < gw_envelope_get_n_recipients (envelope); i++) {
    GwRecipient *recipient = gw_envelope_get_recipient (envelope, i);

    stmt = prepare (w, "UPDATE recipients SET state = ?, reply = ?, enhanced_code = ?"
                       " WHERE job_id = ? AND address = ? AND kind = ?", error);
    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_text (stmt, 1, gw_recipient_status_to_string (recipient->status), -1, SQLITE_STATIC);
    bind_text_or_null (stmt, 2, recipient->reply);
    bind_text_or_null (stmt, 3, recipient->enhanced_code);
    sqlite3_bind_int64 (stmt, 4, job->job_id);
    sqlite3_bind_text (stmt, 5, recipient->address, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 6, recipient->kind, -1, SQLITE_STATIC);
    if (!step_done (w, stmt, "record recipient", error))
      return FALSE;
  }

  stmt = prepare (w, "INSERT INTO attempts (job_id, started, duration_us, profile, result, reply,"
                     " enhanced_code, tls) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, job->job_id);
  sqlite3_bind_int64 (stmt, 2, r->started);
  sqlite3_bind_int64 (stmt, 3, r->duration_us);
  sqlite3_bind_text (stmt, 4, job->profile, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, r->state, -1, SQLITE_STATIC);
  bind_text_or_null (stmt, 6, r->reply);
  bind_text_or_null (stmt, 7, r->enhanced_code);
  bind_text_or_null (stmt, 8, r->tls);
  if (!step_done (w, stmt, "log attempt", error))
    return FALSE;
  return refresh_delivery_state (w, job->delivery_id, error);
}

static gboolean
run_cancel (Writer *w,
            Op     *op,
            GError **error)
{
  sqlite3_stmt *stmt;
  const char *state = NULL;
  g_autofree char *current = NULL;

  stmt = prepare (w, "SELECT state FROM deliveries WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, op->delivery_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    current = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  if (current == NULL) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_NO_SUCH_DELIVERY,
                 _("No delivery has the id “%s”"), op->delivery_id);
    return FALSE;
  }

  stmt = prepare (w, "UPDATE jobs SET state = 'cancelled', reason = 'cancelled'"
                     " WHERE delivery_id = ? AND state IN ('queued', 'deferred')", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, op->delivery_id, -1, SQLITE_STATIC);
  if (!step_done (w, stmt, "cancel", error))
    return FALSE;
  if (sqlite3_changes (w->db) == 0) {
    state = current;
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_STATE,
                 _("Delivery “%s” cannot be cancelled: it is %s"), op->delivery_id, state);
    return FALSE;
  }
  return refresh_delivery_state (w, op->delivery_id, error);
}

gboolean
gw_queue_run_op (Writer *w,
        Op     *op,
        GError **error)
{
  switch (op->kind) {
  case OP_SUBMIT:
    return run_submit (w, op, error);
  case OP_CLAIM:
    return run_claim (w, op, error);
  case OP_RECORD:
    return run_record (w, op, error);
  case OP_CANCEL:
    return run_cancel (w, op, error);
  case OP_STOP:
  default:
    return TRUE;
  }
}

