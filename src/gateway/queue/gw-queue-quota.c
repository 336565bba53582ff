/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-queue-quota.c: the queue's part of max-recipients-per-day
 *
 * The recipients a profile handed to its server, per minute, are written
 * in the transaction that records the attempt (table profile_recipients,
 * schema 6), so the rolling day survives a restart; a job that waits for
 * room is "deferred" until then without counting as an attempt.
 */
#define G_LOG_DOMAIN "gw-queue"

#include "config.h"

#include "gw-queue-private.h"

/* The profile's recipients of this minute, and rows out of the rolling
 * day deleted (a day of slack: the dispatcher reads only the last one). */
gboolean
gw_queue_count_recipients (GwQueueWriter                *w,
                           GwQueuedJob           *job,
                           const GwAttemptResult *r,
                           GError               **error)
{
  static const char insert_sql[] =
    "INSERT INTO profile_recipients (profile, minute, recipients) VALUES (?, ?, ?)"
    " ON CONFLICT (profile, minute) DO UPDATE SET recipients = recipients + excluded.recipients";
  sqlite3_stmt *stmt = gw_queue_prepare (w, insert_sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, job->profile, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, r->quota_minute);
  sqlite3_bind_int64 (stmt, 3, r->quota_recipients);
  if (!gw_queue_step_done (w, stmt, "count recipients", error))
    return FALSE;
  stmt = gw_queue_prepare (w, "DELETE FROM profile_recipients WHERE profile = ? AND minute < ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, job->profile, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, r->quota_minute - 2 * 1440);
  return gw_queue_step_done (w, stmt, "forget recipient counts", error);
}

/* A job waiting for its profile's daily recipient quota: not an attempt. */
gboolean
gw_queue_record_held (GwQueueWriter                *w,
                      GwQueuedJob           *job,
                      const GwAttemptResult *r,
                      GError               **error)
{
  sqlite3_stmt *stmt = gw_queue_prepare (w, "UPDATE jobs SET state = 'deferred', next_attempt = ?,"
                                            " reply = ?, enhanced_code = NULL WHERE id = ?",
                                         error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, r->next_attempt);
  gw_queue_bind_text_or_null (stmt, 2, r->reply);
  sqlite3_bind_int64 (stmt, 3, job->job_id);
  if (!gw_queue_step_done (w, stmt, "hold job", error))
    return FALSE;
  return gw_queue_refresh_delivery_state (w, job->delivery_id, error);
}
