/* SPDX-License-Identifier: LGPL-2.1-or-later */
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

/* Whether a recipient of any job of the delivery (one superseded by a
 * fallback job too) has the message. */
static gboolean
delivery_reached_anyone (GwQueueWriter     *w,
                         const char *delivery_id,
                         gboolean   *reached,
                         GError    **error)
{
  sqlite3_stmt *stmt = gw_queue_prepare (w, "SELECT EXISTS (SELECT 1 FROM jobs j JOIN recipients r"
                                            " ON r.job_id = j.id WHERE j.delivery_id = ?"
                                            " AND r.state = 'sent')", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, delivery_id, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  *reached = rc == SQLITE_ROW && sqlite3_column_int (stmt, 0) != 0;
  gw_queue_release (w, stmt);
  if (rc != SQLITE_ROW) {
    gw_queue_set_sqlite_error (error, w->db, rc, "delivery recipients");
    return FALSE;
  }
  return TRUE;
}

/* A reason explains a final failure; it is stale once work goes on,
 * unless the work waits for a sign-in. */
static gboolean
reason_stays (const char *state,
              const char *reason)
{
  return g_str_equal (state, "failed") || g_str_equal (state, "cancelled") ||
         g_str_equal (state, "partial") ||
         (g_str_equal (state, "deferred") && g_strcmp0 (reason, GW_QUEUE_REASON_SIGN_IN) == 0);
}

/* Writes the delivery's @state and @reason; a change is noted for the
 * signal, with @details (transfer full) when the caller knows them. The
 * row is found by @rowid when it is not 0 (a claimed job knows it: a look
 * up by the text key, with the state trigger, cost five times as much;
 * the id is compared still), else by @delivery_id. */
static gboolean
set_delivery_state (GwQueueWriter *w,
                    const char    *delivery_id,
                    gint64         rowid,
                    const char    *state,
                    const char    *reason,
                    GwDeliveryDetails *details,
                    GError       **error)
{
  g_autoptr(GwDeliveryDetails) owned = details;
  sqlite3_stmt *stmt;

  stmt = gw_queue_prepare (w, rowid != 0 ? "UPDATE deliveries SET state = ?, updated = ?, reason = ? "
                                           "WHERE rowid = ?5 AND id = ?4 AND (state != ?1 OR reason IS NOT ?3)"
                                         : "UPDATE deliveries SET state = ?, updated = ?, reason = ? "
                                           "WHERE id = ?4 AND (state != ?1 OR reason IS NOT ?3)",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, state, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  gw_queue_bind_text_or_null (stmt, 3, reason);
  sqlite3_bind_text (stmt, 4, delivery_id, -1, SQLITE_STATIC);
  if (rowid != 0)
    sqlite3_bind_int64 (stmt, 5, rowid);
  if (!gw_queue_step_done (w, stmt, "update delivery", error))
    return FALSE;
  /* (A damaged row's id may not be text a signal can carry.) */
  if (sqlite3_changes (w->db) > 0 && g_utf8_validate (delivery_id, -1, NULL))
    gw_queue_note_change (w, delivery_id, state, g_steal_pointer (&owned));
  return TRUE;
}

/* The delivery's state follows from its jobs' states; a job whose failed
 * recipients were handed to a fallback job no longer counts. A delivery
 * whose work is over is "partial" when some of its recipients have the
 * message and others were refused for good (or expired), "failed" when
 * none has it. */
gboolean
gw_queue_refresh_delivery_state (GwQueueWriter     *w,
                                 const char *delivery_id,
                                 GError    **error)
{
  static const char select_sql[] =
    "SELECT sum(state = 'sending'), sum(state = 'queued'), sum(state = 'deferred'),"
    " sum(state = 'failed'), sum(state = 'cancelled'), count(*),"
    " (SELECT reason FROM jobs WHERE delivery_id = ?1 AND reason IS NOT NULL ORDER BY id DESC LIMIT 1),"
    " sum(state = 'submitted'), sum(state = 'partial')"
    " FROM jobs j WHERE delivery_id = ?1"
    " AND NOT EXISTS (SELECT 1 FROM jobs f WHERE f.fallback_of = j.id AND f.delivery_id = ?1)";
  sqlite3_stmt *stmt = gw_queue_prepare (w, select_sql, error);
  const char *state;
  g_autofree char *reason = NULL;
  gint64 sending, queued, deferred, failed, cancelled, total, submitted, partial;
  gboolean reached = FALSE;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, delivery_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_ROW) {
    gw_queue_set_sqlite_error (error, w->db, sqlite3_errcode (w->db), "delivery state");
    gw_queue_release (w, stmt);
    return FALSE;
  }
  sending = sqlite3_column_int64 (stmt, 0);
  queued = sqlite3_column_int64 (stmt, 1);
  deferred = sqlite3_column_int64 (stmt, 2);
  failed = sqlite3_column_int64 (stmt, 3);
  cancelled = sqlite3_column_int64 (stmt, 4);
  total = sqlite3_column_int64 (stmt, 5);
  reason = g_strdup ((const char *) sqlite3_column_text (stmt, 6));
  submitted = sqlite3_column_int64 (stmt, 7);
  partial = sqlite3_column_int64 (stmt, 8);
  gw_queue_release (w, stmt);

  if (sending > 0)
    state = "sending";
  else if (queued > 0)
    state = "queued";
  else if (deferred > 0)
    state = "deferred";
  else if (submitted > 0)
    state = "submitted";
  else if (cancelled == total)
    state = "cancelled";
  else if (partial > 0)
    state = "partial";
  else if (failed > 0) {
    if (!delivery_reached_anyone (w, delivery_id, &reached, error))
      return FALSE;
    state = reached ? "partial" : "failed";
  } else
    state = "sent";
  if (!reason_stays (state, reason))
    g_clear_pointer (&reason, g_free);
  return set_delivery_state (w, delivery_id, 0, state, reason, NULL, error);
}

/* Rows of a job that is gone (a damaged or hand-edited database) must not
 * attach themselves to a new job that reuses its id. */
static gboolean
clear_stale_rows (GwQueueWriter *w,
                  gint64  job_id,
                  GError **error)
{
  static const char * const sql[] = {
    "DELETE FROM recipients WHERE job_id = ?",
    "DELETE FROM attempts WHERE job_id = ?",
    "DELETE FROM messages WHERE job_id = ?",
  };

  for (guint i = 0; i < G_N_ELEMENTS (sql); i++) {
    sqlite3_stmt *stmt = gw_queue_prepare (w, sql[i], error);

    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, job_id);
    if (!gw_queue_step_done (w, stmt, "clear stale rows", error))
      return FALSE;
    if (sqlite3_changes (w->db) > 0)
      g_warning ("Removed %d stale rows of a job %" G_GINT64_FORMAT " that no longer existed",
                 sqlite3_changes (w->db), job_id);
  }
  return TRUE;
}

static gboolean
insert_job (GwQueueWriter          *w,
            const char      *delivery_id,
            GwSubmissionJob *job,
            gint64           now,
            GError         **error)
{
  sqlite3_stmt *stmt;
  GwEnvelope *envelope = job->envelope;
  gint64 job_id;

  stmt = gw_queue_prepare (w, "INSERT INTO jobs (delivery_id, profile, state, next_attempt, expire_at,"
                              " sender, message_id, created)"
                              " VALUES (?, ?, 'queued', ?3, ?, ?, ?, ?3)",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, delivery_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, job->profile, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, now);
  sqlite3_bind_int64 (stmt, 4, job->expire_at);
  sqlite3_bind_text (stmt, 5, gw_envelope_get_sender (envelope), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, gw_envelope_get_message_id (envelope), -1, SQLITE_STATIC);
  if (!gw_queue_step_done (w, stmt, "insert job", error))
    return FALSE;
  job_id = sqlite3_last_insert_rowid (w->db);
  if (!clear_stale_rows (w, job_id, error) ||
      !gw_queue_write_message (w, job_id, envelope, error))
    return FALSE;

  for (guint i = 0; i < gw_envelope_get_n_recipients (envelope); i++) {
    GwRecipient *recipient = gw_envelope_get_recipient (envelope, i);

    stmt = gw_queue_prepare (w, "INSERT INTO recipients (job_id, idx, address, kind, state)"
                                " VALUES (?, ?, ?, ?, 'pending')", error);
    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, job_id);
    sqlite3_bind_int (stmt, 2, (int) i);
    sqlite3_bind_text (stmt, 3, recipient->address, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 4, recipient->kind, -1, SQLITE_STATIC);
    if (!gw_queue_step_done (w, stmt, "insert recipient", error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
run_submit (GwQueueWriter *w,
            GwQueueOp     *op,
            GError **error)
{
  GwSubmission *sub = op->submission;
  gint64 now = g_get_real_time ();
  GwSubmissionJob *first;
  sqlite3_stmt *stmt;

  /* A retried Send with the same key (per caller, 24 hours) gets the first
   * delivery's id and queues nothing. */
  if (sub->idempotency_key != NULL) {
    int rc;

    stmt = gw_queue_prepare (w, "SELECT id FROM deliveries WHERE idempotency_key = ? AND caller_uid = ?"
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
    gw_queue_release (w, stmt);
    if (rc == SQLITE_ROW)
      return TRUE;
    if (rc != SQLITE_DONE) {
      gw_queue_set_sqlite_error (error, w->db, rc, "idempotency key");
      return FALSE;
    }
  }

  stmt = gw_queue_prepare (w, "INSERT INTO deliveries (id, created, updated, state, caller_uid, urgency,"
                              " app_name, category, subject, idempotency_key)"
                              " VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, sub->delivery_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, now);
  sqlite3_bind_int64 (stmt, 3, now);
  sqlite3_bind_int64 (stmt, 4, sub->caller_uid);
  sqlite3_bind_int (stmt, 5, sub->urgency);
  gw_queue_bind_text_or_null (stmt, 6, sub->app_name);
  gw_queue_bind_text_or_null (stmt, 7, sub->category);
  gw_queue_bind_text_or_null (stmt, 8, sub->subject);
  gw_queue_bind_text_or_null (stmt, 9, sub->idempotency_key);
  if (!gw_queue_step_done (w, stmt, "insert delivery", error))
    return FALSE;
  for (guint i = 0; i < sub->jobs->len; i++) {
    if (!insert_job (w, sub->delivery_id, g_ptr_array_index (sub->jobs, i), now, error))
      return FALSE;
  }
  /* A new delivery's details need no reading back. */
  first = sub->jobs->len > 0 ? g_ptr_array_index (sub->jobs, 0) : NULL;
  gw_queue_note_change (w, sub->delivery_id, "queued",
                        first != NULL ? gw_delivery_details_new (first->profile, 0, 0, NULL, NULL, NULL)
                                      : NULL);
  /* The jobs stay until the batch's end (run_batch() in gw-queue.c): an
   * operation runs again when another in its batch failed. */
  return TRUE;
}

/* Longest fallback chain followed; a longer one (only a damaged database
 * can make one) is treated as a loop. */
#define FALLBACK_CHAIN_MAX 32

/* Whether @profile ran a job of @job_id's fallback chain: the job itself,
 * the job it was the fallback of, and so on. */
static gboolean
chain_has_profile (GwQueueWriter     *w,
                   gint64      job_id,
                   const char *profile,
                   gboolean   *found,
                   GError    **error)
{
  gint64 current = job_id;

  *found = TRUE;
  for (guint depth = 0; depth < FALLBACK_CHAIN_MAX; depth++) {
    sqlite3_stmt *stmt = gw_queue_prepare (w, "SELECT profile = ?, fallback_of FROM jobs WHERE id = ?",
                                           error);
    int rc;

    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_text (stmt, 1, profile, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 2, current);
    rc = sqlite3_step (stmt);
    if (rc == SQLITE_ROW && sqlite3_column_int (stmt, 0)) {
      gw_queue_release (w, stmt);
      return TRUE;
    }
    current = rc == SQLITE_ROW ? sqlite3_column_int64 (stmt, 1) : 0;
    gw_queue_release (w, stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      gw_queue_set_sqlite_error (error, w->db, rc, "fallback chain");
      return FALSE;
    }
    if (current == 0) {
      *found = FALSE;
      return TRUE;
    }
  }
  return TRUE;
}

/* Hands the failed recipients of @job, which failed for good, to a new job
 * of the same delivery for the fallback profile: the same envelope sender,
 * Message-ID and message bytes, so the From stays the first profile's (the
 * message is not composed again). A profile already in the job's fallback
 * chain is never used again, so A → B → A stops at B. */
static gboolean
hand_to_fallback (GwQueueWriter                *w,
                  GwQueuedJob           *job,
                  const GwAttemptResult *r,
                  gboolean              *made,
                  GError               **error)
{
  sqlite3_stmt *stmt;
  gboolean in_chain;
  gint64 new_id;

  if (!chain_has_profile (w, job->job_id, r->fallback, &in_chain, error))
    return FALSE;
  if (in_chain) {
    g_info ("Delivery %s: profile %s already had this message, no fallback to it",
            job->delivery_id, r->fallback);
    return TRUE;
  }
  stmt = gw_queue_prepare (w, "INSERT INTO jobs (delivery_id, profile, state, next_attempt, expire_at,"
                              " sender, message_id, fallback_of, created)"
                              " SELECT delivery_id, ?1, 'queued', ?2, ?3, sender, message_id,"
                              " id, ?2 FROM jobs WHERE id = ?4 AND EXISTS (SELECT 1 FROM recipients"
                              " WHERE job_id = ?4 AND state = 'failed')",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, r->fallback, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  sqlite3_bind_int64 (stmt, 3, r->fallback_expire_at);
  sqlite3_bind_int64 (stmt, 4, job->job_id);
  if (!gw_queue_step_done (w, stmt, "fallback job", error))
    return FALSE;
  if (sqlite3_changes (w->db) == 0)
    return TRUE;
  *made = TRUE;
  new_id = sqlite3_last_insert_rowid (w->db);
  if (!clear_stale_rows (w, new_id, error) ||
      !gw_queue_copy_message (w, job->job_id, new_id, error))
    return FALSE;

  stmt = gw_queue_prepare (w, "INSERT INTO recipients (job_id, idx, address, kind, state)"
                              " SELECT ?, row_number () OVER (ORDER BY idx) - 1, address, kind,"
                              " 'pending' FROM recipients WHERE job_id = ? AND state = 'failed'", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, new_id);
  sqlite3_bind_int64 (stmt, 2, job->job_id);
  if (!gw_queue_step_done (w, stmt, "fallback recipients", error))
    return FALSE;
  g_info ("Delivery %s: %d failed recipients of job %" G_GINT64_FORMAT " (%s) handed to "
          "fallback profile %s as job %" G_GINT64_FORMAT, job->delivery_id,
          sqlite3_changes (w->db), job->job_id, job->profile, r->fallback, new_id);
  return TRUE;
}

static char *
join_addresses (GwEnvelope *envelope)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < gw_envelope_get_n_recipients (envelope); i++) {
    if (i > 0)
      g_string_append_c (text, '\n');
    g_string_append (text, gw_envelope_get_recipient (envelope, i)->address);
  }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* A job that failed for good is "partial" when some of its recipients
 * have the message: in this attempt or in an earlier one. */
static gboolean
job_state_after (GwQueueWriter                *w,
                 GwQueuedJob           *job,
                 const GwAttemptResult *r,
                 const char           **state,
                 GError               **error)
{
  sqlite3_stmt *stmt;
  int rc;

  *state = r->state;
  if (g_strcmp0 (r->state, "failed") != 0)
    return TRUE;
  stmt = gw_queue_prepare (w, "SELECT EXISTS (SELECT 1 FROM recipients WHERE job_id = ?"
                              " AND state = 'sent')", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, job->job_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW && sqlite3_column_int (stmt, 0) != 0)
    *state = "partial";
  gw_queue_release (w, stmt);
  if (rc != SQLITE_ROW) {
    gw_queue_set_sqlite_error (error, w->db, rc, "job recipients");
    return FALSE;
  }
  return TRUE;
}

static gboolean
run_record (GwQueueWriter *w,
            GwQueueOp     *op,
            GError **error)
{
  GwQueuedJob *job = op->job;
  const GwAttemptResult *r = op->result;
  GwEnvelope *envelope = job->envelope;
  g_autofree char *addresses = NULL;
  const char *job_state = NULL;
  gboolean fallback_made = FALSE;
  sqlite3_stmt *stmt;

  if (r->held)
    return gw_queue_record_held (w, job, r, error);
  if (r->quota_recipients > 0 && !gw_queue_count_recipients (w, job, r, error))
    return FALSE;
  for (guint i = 0; i < gw_envelope_get_n_recipients (envelope); i++) {
    GwRecipient *recipient = gw_envelope_get_recipient (envelope, i);

    stmt = gw_queue_prepare (w, "UPDATE recipients SET state = ?1, reply = ?2, enhanced_code = ?3,"
                                " remote_id = coalesce(?7, remote_id)"
                                " WHERE job_id = ?4 AND address = ?5 AND kind = ?6", error);
    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_text (stmt, 1, gw_recipient_status_to_string (recipient->status), -1, SQLITE_STATIC);
    gw_queue_bind_text_or_null (stmt, 2, recipient->reply);
    gw_queue_bind_text_or_null (stmt, 3, recipient->enhanced_code);
    sqlite3_bind_int64 (stmt, 4, job->job_id);
    sqlite3_bind_text (stmt, 5, recipient->address, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 6, recipient->kind, -1, SQLITE_STATIC);
    gw_queue_bind_text_or_null (stmt, 7, recipient->remote_id);
    if (!gw_queue_step_done (w, stmt, "record recipient", error))
      return FALSE;
  }

  if (!job_state_after (w, job, r, &job_state, error))
    return FALSE;
  stmt = gw_queue_prepare (w, "UPDATE jobs SET state = ?, attempts = attempts + 1, next_attempt = ?,"
                              " reply = ?, enhanced_code = ?, reason = ? WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, job_state, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, r->next_attempt);
  gw_queue_bind_text_or_null (stmt, 3, r->reply);
  gw_queue_bind_text_or_null (stmt, 4, r->enhanced_code);
  gw_queue_bind_text_or_null (stmt, 5, r->reason);
  sqlite3_bind_int64 (stmt, 6, job->job_id);
  if (!gw_queue_step_done (w, stmt, "record result", error))
    return FALSE;

  stmt = gw_queue_prepare (w, "INSERT INTO attempts (job_id, started, duration_us, profile, result, reply,"
                              " enhanced_code, tls, recipients) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  addresses = join_addresses (envelope);
  sqlite3_bind_int64 (stmt, 1, job->job_id);
  sqlite3_bind_int64 (stmt, 2, r->started);
  sqlite3_bind_int64 (stmt, 3, r->duration_us);
  sqlite3_bind_text (stmt, 4, job->profile, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, r->state, -1, SQLITE_STATIC);
  gw_queue_bind_text_or_null (stmt, 6, r->reply);
  gw_queue_bind_text_or_null (stmt, 7, r->enhanced_code);
  gw_queue_bind_text_or_null (stmt, 8, r->tls);
  sqlite3_bind_text (stmt, 9, addresses, -1, SQLITE_STATIC);
  if (!gw_queue_step_done (w, stmt, "log attempt", error))
    return FALSE;
  if (r->fallback != NULL &&
      (g_strcmp0 (job_state, "failed") == 0 || g_strcmp0 (job_state, "partial") == 0) &&
      !hand_to_fallback (w, job, r, &fallback_made, error))
    return FALSE;
  /* A delivery of this one job is in the job's state: no need to aggregate
   * its jobs, nor to read back what the signal shows. */
  if (job->n_jobs == 1 && !fallback_made) {
    const char *reason = reason_stays (job_state, r->reason) ? r->reason : NULL;
    gboolean waiting = g_str_equal (job_state, "deferred") || g_str_equal (job_state, "submitted");

    return set_delivery_state (w, job->delivery_id, job->delivery_rowid, job_state, reason,
                               gw_delivery_details_new (job->profile, job->attempts + 1,
                                                            waiting ? r->next_attempt : 0,
                                                            r->reply, r->enhanced_code, reason),
                               error);
  }
  return gw_queue_refresh_delivery_state (w, job->delivery_id, error);
}

static gboolean
run_cancel (GwQueueWriter *w,
            GwQueueOp     *op,
            GError **error)
{
  sqlite3_stmt *stmt;
  const char *state = NULL;
  g_autofree char *current = NULL;

  stmt = gw_queue_prepare (w, "SELECT state FROM deliveries WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, op->delivery_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    current = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  gw_queue_release (w, stmt);
  if (current == NULL) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_NO_SUCH_DELIVERY,
                 _("No delivery has the id “%s”"), op->delivery_id);
    return FALSE;
  }

  stmt = gw_queue_prepare (w, "UPDATE jobs SET state = 'cancelled', reason = 'cancelled'"
                              " WHERE delivery_id = ? AND state IN ('queued', 'deferred', 'submitted')", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, op->delivery_id, -1, SQLITE_STATIC);
  if (!gw_queue_step_done (w, stmt, "cancel", error))
    return FALSE;
  if (sqlite3_changes (w->db) == 0) {
    state = current;
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_STATE,
                 _("Delivery “%s” cannot be cancelled: it is %s"), op->delivery_id, state);
    return FALSE;
  }
  return gw_queue_refresh_delivery_state (w, op->delivery_id, error);
}

gboolean
gw_queue_run_op (GwQueueWriter *w,
                 GwQueueOp     *op,
                 GError **error)
{
  switch (op->kind) {
  case GW_QUEUE_OP_SUBMIT:
    return run_submit (w, op, error);
  case GW_QUEUE_OP_CLAIM:
    return gw_queue_run_claim (w, op, error);
  case GW_QUEUE_OP_RECORD:
    return run_record (w, op, error);
  case GW_QUEUE_OP_CANCEL:
    return run_cancel (w, op, error);
  case GW_QUEUE_OP_RETRY:
    return gw_queue_run_retry (w, op, error);
  case GW_QUEUE_OP_PRUNE:
    return gw_queue_run_prune (w, op, error);
  case GW_QUEUE_OP_POKE:
    return gw_queue_run_poke (w, op, error);
  case GW_QUEUE_OP_WAKE_HELD:
    return gw_queue_run_wake_held (w, op, error);
  case GW_QUEUE_OP_STOP:
  default:
    return TRUE;
  }
}

