/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-queue-sql.c: the SQL helpers every part of the queue uses: errors as
 * HeraldErrors, and the writer's prepared statements */
#define G_LOG_DOMAIN "gw-queue"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-queue-private.h"

gboolean
gw_queue_rc_is_row_damage (int rc)
{
  switch (rc & 0xff) {
  case SQLITE_CORRUPT:
  case SQLITE_NOTADB:
  case SQLITE_FORMAT:
  case SQLITE_TOOBIG:
  case SQLITE_MISMATCH:
    return TRUE;
  default:
    return FALSE;
  }
}

void
gw_queue_set_sqlite_error (GError    **error,
                           sqlite3    *db,
                           int         rc,
                           const char *what)
{
  int primary = rc & 0xff;

  if (primary == SQLITE_FULL || primary == SQLITE_IOERR)
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE,
                 _("The queue cannot be written (%s): %s"), what,
                 primary == SQLITE_FULL ? _("the disk is full") : sqlite3_errstr (rc));
  else
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE,
                 _("Queue failure (%s): %s"), what,
                 db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
}

gboolean
gw_queue_exec (sqlite3    *db,
               const char *sql,
               GError    **error)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK) {
    gw_queue_set_sqlite_error (error, db, rc, sql);
    return FALSE;
  }
  return TRUE;
}

sqlite3_stmt *
gw_queue_prepare (GwQueueWriter     *w,
                  const char *sql,
                  GError    **error)
{
  sqlite3_stmt *stmt = w->statements != NULL ? g_hash_table_lookup (w->statements, sql) : NULL;
  int rc;

  if (stmt != NULL)
    return stmt;
  rc = sqlite3_prepare_v3 (w->db, sql, -1, w->statements != NULL ? SQLITE_PREPARE_PERSISTENT : 0,
                           &stmt, NULL);
  if (rc != SQLITE_OK) {
    gw_queue_set_sqlite_error (error, w->db, rc, "prepare");
    return NULL;
  }
  if (w->statements != NULL)
    g_hash_table_insert (w->statements, g_strdup (sql), stmt);
  return stmt;
}

void
gw_queue_release (GwQueueWriter       *w,
                  sqlite3_stmt *stmt)
{
  if (w->statements == NULL) {
    sqlite3_finalize (stmt);
    return;
  }
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

gboolean
gw_queue_step_done (GwQueueWriter       *w,
                    sqlite3_stmt *stmt,
                    const char   *what,
                    GError      **error)
{
  int rc = sqlite3_step (stmt);

  gw_queue_release (w, stmt);
  if (rc != SQLITE_DONE) {
    gw_queue_set_sqlite_error (error, w->db, rc, what);
    return FALSE;
  }
  return TRUE;
}

void
gw_queue_bind_text_or_null (sqlite3_stmt *stmt,
                            int           index,
                            const char   *value)
{
  if (value != NULL)
    sqlite3_bind_text (stmt, index, value, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}
