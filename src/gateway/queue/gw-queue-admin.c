/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-queue-admin.c: the writer's administrative operations, Retry and
 * pruning of the delivery log
 *
 * Both run in the writer thread inside the group-commit transaction, under
 * a savepoint of their own, like every other write.
 */
#define G_LOG_DOMAIN "gw-queue"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-queue-private.h"

/* Deliveries deleted per transaction; a larger prune takes several, so a
 * Send waits at most for one chunk. */
#define PRUNE_CHUNK 500

/* The shortest expire-after a profile can have (seconds). */
#define EXPIRE_MIN_US (G_GINT64_CONSTANT (60) * G_USEC_PER_SEC)

/* Jobs of delivery ?1 that Retry puts back: deferred, failed or partly
 * sent (then only its refused recipients are tried again), not set
 * aside as corrupt, not already handed to a fallback job (that one is
 * retried instead). */
#define RETRYABLE_JOBS \
  "SELECT id FROM jobs j WHERE delivery_id = ?1 AND state IN ('deferred', 'failed', 'partial')" \
  " AND reason IS NOT 'corrupt'" \
  " AND NOT EXISTS (SELECT 1 FROM jobs f WHERE f.fallback_of = j.id AND f.delivery_id = ?1)"

static gboolean
read_delivery_state (GwQueueWriter     *w,
                     const char *delivery_id,
                     char      **state,
                     GError    **error)
{
  sqlite3_stmt *stmt = gw_queue_prepare (w, "SELECT state FROM deliveries WHERE id = ?", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, delivery_id, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *state = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  gw_queue_release (w, stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    gw_queue_set_sqlite_error (error, w->db, rc, "read delivery");
    return FALSE;
  }
  if (*state == NULL) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_NO_SUCH_DELIVERY,
                 _("No delivery has the id “%s”"), delivery_id);
    return FALSE;
  }
  return TRUE;
}

gboolean
gw_queue_run_retry (GwQueueWriter *w,
                    GwQueueOp     *op,
                    GError **error)
{
  g_autofree char *state = NULL;
  gint64 now = g_get_real_time ();
  sqlite3_stmt *stmt;

  if (!read_delivery_state (w, op->delivery_id, &state, error))
    return FALSE;
  if (g_strcmp0 (state, "deferred") != 0 && g_strcmp0 (state, "failed") != 0 &&
      g_strcmp0 (state, "partial") != 0) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_STATE,
                 _("Delivery “%s” cannot be retried: it is %s"), op->delivery_id, state);
    return FALSE;
  }

  /* Recipients first: the set of retryable jobs changes with their state. */
  stmt = gw_queue_prepare (w, "UPDATE recipients SET state = 'pending' WHERE state = 'failed'"
                              " AND job_id IN (" RETRYABLE_JOBS ")", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, op->delivery_id, -1, SQLITE_STATIC);
  if (!gw_queue_step_done (w, stmt, "retry recipients", error))
    return FALSE;

  /* Due now; attempts kept; the expiry clock restarts from now with the
   * job's own expire-after (expire_at - created; jobs of schema 1 have no
   * created, their delivery's creation stands in). */
  stmt = gw_queue_prepare (w, "UPDATE jobs SET state = 'queued', next_attempt = ?2, reason = NULL,"
                              " expire_at = ?2 + max (expire_at - coalesce (created,"
                              "   (SELECT created FROM deliveries WHERE id = ?1)), ?3),"
                              " created = ?2"
                              " WHERE id IN (" RETRYABLE_JOBS ")", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, op->delivery_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, now);
  sqlite3_bind_int64 (stmt, 3, EXPIRE_MIN_US);
  if (!gw_queue_step_done (w, stmt, "retry jobs", error))
    return FALSE;
  if (sqlite3_changes (w->db) == 0) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_STATE,
                 _("Delivery “%s” has nothing that can be retried"), op->delivery_id);
    return FALSE;
  }
  g_info ("Delivery %s: %d jobs queued again by a retry", op->delivery_id, sqlite3_changes (w->db));
  return gw_queue_refresh_delivery_state (w, op->delivery_id, error);
}

/* A server says a job it accepted changed (a provider's webhook): the
 * submitted job waiting for its next status query is due now. Nothing
 * else changes; the status query itself decides. */
gboolean
gw_queue_run_poke (GwQueueWriter *w,
                   GwQueueOp     *op,
                   GError **error)
{
  sqlite3_stmt *stmt;

  stmt = gw_queue_prepare (w, "UPDATE jobs SET next_attempt = ?3 WHERE state = 'submitted'"
                              " AND profile = ?1 AND next_attempt > ?3 AND id IN"
                              " (SELECT job_id FROM recipients WHERE remote_id = ?2 AND state = 'submitted')",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, op->profile, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, op->remote_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, g_get_real_time ());
  return gw_queue_step_done (w, stmt, "poke remote job", error);
}

/* A sign-in is done: the jobs it held are due now (their reason goes;
 * the next attempt records a new one if they must wait again). */
gboolean
gw_queue_run_wake_held (GwQueueWriter *w,
                      GwQueueOp     *op,
                      GError **error)
{
  g_autoptr(GPtrArray) deliveries = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = gw_queue_prepare (w, "SELECT DISTINCT delivery_id FROM jobs WHERE state = 'deferred'"
                              " AND profile = ?1 AND reason = ?2",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, op->profile, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, op->remote_id, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (deliveries, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  gw_queue_release (w, stmt);
  if (rc != SQLITE_DONE) {
    gw_queue_set_sqlite_error (error, w->db, rc, "held jobs");
    return FALSE;
  }
  stmt = gw_queue_prepare (w, "UPDATE jobs SET next_attempt = ?3, reason = NULL WHERE state = 'deferred'"
                              " AND profile = ?1 AND reason = ?2",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, op->profile, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, op->remote_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, g_get_real_time ());
  if (!gw_queue_step_done (w, stmt, "release held jobs", error))
    return FALSE;
  if (deliveries->len > 0)
    g_info ("Profile %s: %u deliveries held for “%s” are due now", op->profile, deliveries->len, op->remote_id);
  for (guint i = 0; i < deliveries->len; i++) {
    if (!gw_queue_refresh_delivery_state (w, deliveries->pdata[i], error))
      return FALSE;
  }
  return TRUE;
}

gboolean
gw_queue_run_prune (GwQueueWriter *w,
                    GwQueueOp     *op,
                    GError **error)
{
  sqlite3_stmt *stmt;
  int deleted;

  /* Jobs, recipients and attempts go with their delivery (ON DELETE CASCADE). */
  stmt = gw_queue_prepare (w, "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries"
                              " WHERE state IN ('sent', 'partial', 'failed', 'cancelled') AND updated < ?"
                              " LIMIT ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, op->before);
  sqlite3_bind_int (stmt, 2, PRUNE_CHUNK);
  if (!gw_queue_step_done (w, stmt, "prune", error))
    return FALSE;
  deleted = sqlite3_changes (w->db);
  op->pruned += (guint) deleted;
  op->more = deleted == PRUNE_CHUNK;
  return TRUE;
}
