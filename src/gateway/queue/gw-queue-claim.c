/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-queue-claim.c: handing due jobs to the dispatcher, and setting aside
 * jobs that cannot be sent
 *
 * SQLite's constraints do not catch everything a damaged or hand-edited
 * database may hold: an empty message, a job whose delivery is gone, a
 * value of the wrong type, a NULL where a NOT NULL column was added late,
 * a row whose pages cannot be read. Such a job must neither crash the
 * daemon nor be picked again and again, so the claim checks every job it
 * picks and sets a bad one aside: state "failed", reason "corrupt", the
 * row kept for inspection, a warning logged. The rest of the queue flows.
 */
#define G_LOG_DOMAIN "gw-queue"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-queue-private.h"

/* Rounds of picking when set-aside jobs leave the batch short. */
#define CLAIM_PASSES 8

/* Text without control characters (no header or command injection from a
 * tampered row); empty is allowed only where @may_be_empty. */
static gboolean
column_is_clean_text (sqlite3_stmt *stmt,
                      int           column,
                      gboolean      may_be_empty)
{
  const char *text;

  if (sqlite3_column_type (stmt, column) != SQLITE_TEXT)
    return FALSE;
  text = (const char *) sqlite3_column_text (stmt, column);
  if (text == NULL || (!may_be_empty && *text == '\0') || !g_utf8_validate (text, -1, NULL))
    return FALSE;
  for (const char *p = text; *p != '\0'; p++) {
    if ((guchar) *p < 0x20 || *p == 0x7f)
      return FALSE;
  }
  return TRUE;
}

gboolean
gw_queue_set_aside_job (GwQueueWriter     *w,
                        gint64      job_id,
                        const char *delivery_id,
                        const char *why,
                        GError    **error)
{
  g_autofree char *reply = g_strdup_printf (_("Set aside as corrupt: %s"), why);
  sqlite3_stmt *stmt;

  g_warning ("Job %" G_GINT64_FORMAT " of delivery %s cannot be used (%s): "
             "marked failed with reason \"corrupt\" and set aside",
             job_id, delivery_id != NULL ? delivery_id : "(none)", why);
  stmt = gw_queue_prepare (w, "UPDATE jobs SET state = 'failed', reason = 'corrupt', reply = ?"
                              " WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, reply, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, job_id);
  if (!gw_queue_step_done (w, stmt, "set aside a corrupt job", error))
    return FALSE;
  return delivery_id == NULL || gw_queue_refresh_delivery_state (w, delivery_id, error);
}

/* Why the job row at @stmt (see load_job) cannot be sent, or NULL. */
static const char *
check_job_row (sqlite3_stmt *stmt)
{
  const void *message;
  const char *type;

  if (!column_is_clean_text (stmt, 0, FALSE) || !sqlite3_column_int (stmt, 8))
    return _("its delivery is missing");
  if (sqlite3_column_type (stmt, 2) != SQLITE_INTEGER ||
      sqlite3_column_type (stmt, 3) != SQLITE_INTEGER ||
      sqlite3_column_type (stmt, 7) != SQLITE_INTEGER)
    return _("a count or time is missing");
  if (!column_is_clean_text (stmt, 4, TRUE))
    return _("the sender is missing or malformed");
  if (!column_is_clean_text (stmt, 5, FALSE))
    return _("the Message-ID is missing or malformed");
  type = (const char *) sqlite3_column_text (stmt, 9);
  if (g_strcmp0 (type, "blob") != 0 && g_strcmp0 (type, "text") != 0)
    return _("the message is missing");
  /* A large message is not in the row read here (gw_queue_read_message). */
  if (sqlite3_column_type (stmt, 6) == SQLITE_NULL)
    return NULL;
  /* blob before bytes, as SQLite asks; NULL with a length: unreadable. */
  message = sqlite3_column_blob (stmt, 6);
  if (message == NULL || sqlite3_column_bytes (stmt, 6) <= 0)
    return _("the message is empty or unreadable");
  return NULL;
}

/* A recipient a server accepted comes back "submitted", with its remote
 * id, so the transport asks about it instead of sending it again. */
static void
add_recipient (GwEnvelope   *envelope,
               sqlite3_stmt *stmt)
{
  guint index = gw_envelope_get_n_recipients (envelope);
  const char *remote_id = (const char *) sqlite3_column_text (stmt, 3);

  gw_envelope_add_recipient (envelope, (const char *) sqlite3_column_text (stmt, 0),
                             (const char *) sqlite3_column_text (stmt, 1));
  if (g_strcmp0 ((const char *) sqlite3_column_text (stmt, 2), "submitted") == 0 && remote_id != NULL) {
    gw_envelope_set_remote_id (envelope, index, remote_id);
    gw_envelope_set_result (envelope, index, GW_RECIPIENT_SUBMITTED, NULL, NULL);
  }
}

/* Loads the recipients still to try. FALSE only on a database failure;
 * a problem with the rows sets @why. */
static gboolean
load_recipients (GwQueueWriter      *w,
                 GwQueuedJob *job,
                 char       **why,
                 GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  /* OR, not IN: see GW_QUEUE_WAITING_SQL. */
  stmt = gw_queue_prepare (w, "SELECT address, kind, state, remote_id FROM recipients WHERE job_id = ?"
                              " AND (state = 'pending' OR state = 'deferred' OR state = 'submitted')"
                              " ORDER BY idx", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, job->job_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW && *why == NULL) {
    if (!column_is_clean_text (stmt, 0, FALSE) || !column_is_clean_text (stmt, 1, FALSE))
      *why = g_strdup (_("a recipient is missing or malformed"));
    else
      add_recipient (job->envelope, stmt);
  }
  gw_queue_release (w, stmt);
  if (*why != NULL)
    return TRUE;
  if (rc != SQLITE_DONE) {
    if (!gw_queue_rc_is_row_damage (rc)) {
      gw_queue_set_sqlite_error (error, w->db, rc, "read recipients");
      return FALSE;
    }
    *why = g_strdup_printf (_("its recipients cannot be read: %s"), sqlite3_errstr (rc));
    return TRUE;
  }
  if (gw_envelope_get_n_recipients (job->envelope) == 0)
    *why = g_strdup (_("it has no recipients left to try"));
  return TRUE;
}

/* Reads job @job_id into @out. FALSE only on a database failure; a job
 * that cannot be sent leaves @out NULL and sets @why. A delivery of this
 * one job gets the details of its "sending" signal in @sending_details,
 * which the caller frees even when there is no job. */
static gboolean
load_job (GwQueueWriter       *w,
          gint64        job_id,
          GwQueuedJob **out,
          GwDeliveryDetails **sending_details,
          char        **why,
          GError      **error)
{
  static const char sql[] =
    "SELECT j.delivery_id, j.profile, j.attempts, j.expire_at, j.sender, j.message_id,"
    " CASE WHEN length (m.body) <= " G_STRINGIFY (GW_QUEUE_INLINE_MESSAGE_MAX) " THEN m.body END,"
    " d.created, d.id IS NOT NULL, typeof (m.body), j.reply, j.enhanced_code,"
    " (SELECT count(*) FROM jobs k WHERE k.delivery_id = j.delivery_id), d.rowid, length (m.body)"
    " FROM jobs j"
    " LEFT JOIN deliveries d ON d.id = j.delivery_id"
    " LEFT JOIN messages m ON m.job_id = j.id WHERE j.id = ?";
  g_autoptr(GwQueuedJob) job = NULL;
  sqlite3_stmt *stmt = gw_queue_prepare (w, sql, error);
  const char *problem;
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, job_id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW) {
    gw_queue_release (w, stmt);
    if (rc == SQLITE_DONE) {
      *why = g_strdup (_("its row is gone"));
      return TRUE;
    }
    if (!gw_queue_rc_is_row_damage (rc)) {
      gw_queue_set_sqlite_error (error, w->db, rc, "read job");
      return FALSE;
    }
    *why = g_strdup_printf (_("its row cannot be read: %s"), sqlite3_errstr (rc));
    return TRUE;
  }
  problem = check_job_row (stmt);
  if (problem != NULL) {
    gw_queue_release (w, stmt);
    *why = g_strdup (problem);
    return TRUE;
  }

  job = g_new0 (GwQueuedJob, 1);
  job->job_id = job_id;
  job->delivery_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  job->profile = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  job->attempts = (guint) CLAMP (sqlite3_column_int64 (stmt, 2), 0, G_MAXUINT);
  job->expire_at = sqlite3_column_int64 (stmt, 3);
  job->created = sqlite3_column_int64 (stmt, 7);
  job->n_jobs = (guint) CLAMP (sqlite3_column_int64 (stmt, 12), 0, G_MAXUINT);
  job->delivery_rowid = sqlite3_column_int64 (stmt, 13);
  /* What the signal would read back: the job's last reply, no reason. */
  if (job->n_jobs == 1)
    *sending_details = gw_delivery_details_new (job->profile, job->attempts, 0,
                                                (const char *) sqlite3_column_text (stmt, 10),
                                                (const char *) sqlite3_column_text (stmt, 11),
                                                NULL);
  {
    g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, job_id);
    g_autoptr(GBytes) message = NULL;
    const char *unreadable = NULL;

    gint64 size = sqlite3_column_int64 (stmt, 14);

    if (sqlite3_column_type (stmt, 6) != SQLITE_NULL) {
      message = g_bytes_new (sqlite3_column_blob (stmt, 6), (gsize) sqlite3_column_bytes (stmt, 6));
    } else if (size >= GW_QUEUE_STREAMED_MESSAGE_MIN && g_strcmp0 ((const char *) sqlite3_column_text (stmt, 9), "blob") == 0) {
      /* Read as it is sent, not held here (gw-queue-message-source.c). */
      g_autoptr(GwMessageSource) source = gw_queue_message_source_new (sqlite3_db_filename (w->db, "main"),
                                                                       job_id, (gsize) size);
      job->envelope = gw_envelope_new_from_source (id, (const char *) sqlite3_column_text (stmt, 4),
                                                   (const char *) sqlite3_column_text (stmt, 5), source);
    } else if ((message = gw_queue_read_message (w, job_id, &unreadable, error)) == NULL) {
      gw_queue_release (w, stmt);
      *why = g_strdup (unreadable);
      return unreadable != NULL;
    }
    if (message != NULL)
      job->envelope = gw_envelope_new (id, (const char *) sqlite3_column_text (stmt, 4),
                                       (const char *) sqlite3_column_text (stmt, 5), message);
  }
  gw_queue_release (w, stmt);

  if (!load_recipients (w, job, why, error))
    return FALSE;
  if (*why == NULL)
    *out = g_steal_pointer (&job);
  return TRUE;
}

/* Marks this pass's claimed @jobs "sending", and their deliveries, in one
 * statement each (issue 18: a statement per job and per delivery was a
 * tenth of the writer under load). @details: delivery id → the details of
 * its "sending" signal, when known without reading. */
static gboolean
mark_sending (GwQueueWriter *w,
              GPtrArray     *jobs,
              GHashTable    *details,
              GError       **error)
{
  g_autoptr(GString) ids = g_string_new ("[");
  g_autoptr(GString) rows = g_string_new ("[");
  sqlite3_stmt *stmt;
  int rc;

  if (jobs->len == 0)
    return TRUE;
  for (guint i = 0; i < jobs->len; i++) {
    GwQueuedJob *job = g_ptr_array_index (jobs, i);

    g_string_append_printf (ids, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "", job->job_id);
    g_string_append_printf (rows, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "", job->delivery_rowid);
  }
  g_string_append_c (ids, ']');
  g_string_append_c (rows, ']');

  stmt = gw_queue_prepare (w, GW_QUEUE_CLAIM_JOBS_SQL, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, ids->str, (int) ids->len, SQLITE_STATIC);
  if (!gw_queue_step_done (w, stmt, "claim jobs", error))
    return FALSE;
  /* A delivery with a job sending is "sending", without a reason, whatever
   * its other jobs: what gw_queue_refresh_delivery_state() would compute,
   * without aggregating the jobs once per claimed job. */
  stmt = gw_queue_prepare (w, GW_QUEUE_CLAIM_DELIVERIES_SQL, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, rows->str, (int) rows->len, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    const char *id = (const char *) sqlite3_column_text (stmt, 0);
    GwDeliveryDetails *known;

    /* (A damaged row's id may not be text a signal can carry.) */
    if (id == NULL || !g_utf8_validate (id, -1, NULL))
      continue;
    known = g_hash_table_lookup (details, id);
    gw_queue_note_change (w, id, "sending", known != NULL ? gw_delivery_details_ref (known) : NULL);
  }
  gw_queue_release (w, stmt);
  if (rc != SQLITE_DONE) {
    gw_queue_set_sqlite_error (error, w->db, rc, "claim deliveries");
    return FALSE;
  }
  return TRUE;
}

/* Ids (and delivery ids) of up to @limit due jobs of @profile, oldest due first. */
static gboolean
select_due (GwQueueWriter     *w,
            const char *profile,
            guint       limit,
            GArray     *ids,
            GPtrArray  *deliveries,
            GError    **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = gw_queue_prepare (w, "SELECT id, delivery_id FROM jobs WHERE profile = ?"
                              " AND " GW_QUEUE_JOB_WAITING_SQL " AND next_attempt <= ?"
                              " ORDER BY next_attempt, id LIMIT ?",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, profile, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  sqlite3_bind_int (stmt, 3, (int) MIN (limit, (guint) G_MAXINT));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    gint64 id = sqlite3_column_int64 (stmt, 0);

    g_array_append_val (ids, id);
    g_ptr_array_add (deliveries, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
  }
  gw_queue_release (w, stmt);
  if (rc != SQLITE_DONE) {
    gw_queue_set_sqlite_error (error, w->db, rc, "claim jobs");
    return FALSE;
  }
  return TRUE;
}

gboolean
gw_queue_run_claim (GwQueueWriter *w,
                    GwQueueOp     *op,
                    GError **error)
{
  op->claimed = g_ptr_array_new_with_free_func ((GDestroyNotify) gw_queued_job_free);

  for (guint pass = 0; pass < CLAIM_PASSES && op->claimed->len < op->limit; pass++) {
    g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
    g_autoptr(GPtrArray) deliveries = g_ptr_array_new_with_free_func (g_free);
    g_autoptr(GPtrArray) claimed = g_ptr_array_new ();
    g_autoptr(GHashTable) details = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                           (GDestroyNotify) gw_delivery_details_unref);
    guint set_aside = 0;

    if (!select_due (w, op->profile, op->limit - op->claimed->len, ids, deliveries, error))
      return FALSE;
    for (guint i = 0; i < ids->len; i++) {
      gint64 id = g_array_index (ids, gint64, i);
      GwQueuedJob *job = NULL;
      GwDeliveryDetails *job_details = NULL;
      g_autofree char *why = NULL;
      gboolean loaded = load_job (w, id, &job, &job_details, &why, error);

      if (job == NULL)
        g_clear_pointer (&job_details, gw_delivery_details_unref);
      if (!loaded)
        return FALSE;
      if (job == NULL) {
        if (!gw_queue_set_aside_job (w, id, g_ptr_array_index (deliveries, i), why, error))
          return FALSE;
        set_aside++;
        continue;
      }
      g_ptr_array_add (op->claimed, job);
      g_ptr_array_add (claimed, job);
      if (job_details != NULL)
        g_hash_table_replace (details, job->delivery_id, job_details);
    }
    if (!mark_sending (w, claimed, details, error))
      return FALSE;
    /* Only set-aside jobs make another round worth it. */
    if (set_aside == 0)
      break;
  }
  return TRUE;
}
