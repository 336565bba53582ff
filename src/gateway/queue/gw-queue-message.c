/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-queue-message.c: a job's message bytes in and out of the database
 *
 * A small message goes in and out with its row. A large one (an attachment
 * of tens of MiB) would be copied whole more than once on the way: SQLite
 * builds every row it inserts in one buffer, and reads a column that
 * spills onto overflow pages into a buffer of its own before we copy it
 * out. So a large message's row is inserted with a zeroblob of its size and
 * the bytes are written in place, and read straight into the one buffer the
 * dispatcher then holds, with SQLite's incremental blob I/O (issue 18).
 */
#define G_LOG_DOMAIN "gw-queue"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "gw-queue-private.h"

/* Chunk of the incremental writes: a few pages of the WAL at a time. */
#define MESSAGE_CHUNK (256 * 1024)

void
gw_queue_bind_message (sqlite3_stmt *stmt,
                       int           index,
                       GBytes       *message)
{
  gsize size = g_bytes_get_size (message);

  if (size > GW_QUEUE_INLINE_MESSAGE_MAX)
    sqlite3_bind_zeroblob64 (stmt, index, size);
  else
    sqlite3_bind_blob64 (stmt, index, g_bytes_get_data (message, NULL), size, SQLITE_STATIC);
}

gboolean
gw_queue_write_message (GwQueueWriter *w,
                        gint64         job_id,
                        GBytes        *message,
                        GError       **error)
{
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (message, &size);
  sqlite3_blob *blob = NULL;
  int rc;

  if (size <= GW_QUEUE_INLINE_MESSAGE_MAX)
    return TRUE;
  rc = sqlite3_blob_open (w->db, "main", "jobs", "message", job_id, 1, &blob);
  for (gsize done = 0; rc == SQLITE_OK && done < size; done += MESSAGE_CHUNK)
    rc = sqlite3_blob_write (blob, data + done, (int) MIN (size - done, MESSAGE_CHUNK), (int) done);
  sqlite3_blob_close (blob);
  if (rc != SQLITE_OK) {
    gw_queue_set_sqlite_error (error, w->db, rc, "write message");
    return FALSE;
  }
  return TRUE;
}

GBytes *
gw_queue_read_message (GwQueueWriter *w,
                       gint64         job_id,
                       const char   **why,
                       GError       **error)
{
  g_autofree guint8 *data = NULL;
  sqlite3_blob *blob = NULL;
  int rc = sqlite3_blob_open (w->db, "main", "jobs", "message", job_id, 0, &blob);
  int size = 0;

  if (rc == SQLITE_OK) {
    size = sqlite3_blob_bytes (blob);
    data = g_malloc (MAX (size, 1));
  }
  for (int done = 0; rc == SQLITE_OK && done < size; done += MESSAGE_CHUNK)
    rc = sqlite3_blob_read (blob, data + done, MIN (size - done, MESSAGE_CHUNK), done);
  sqlite3_blob_close (blob);
  if (rc == SQLITE_OK && size > 0)
    return g_bytes_new_take (g_steal_pointer (&data), (gsize) size);
  switch (rc & 0xff) {
  case SQLITE_OK:
  case SQLITE_CORRUPT:
  case SQLITE_NOTADB:
  case SQLITE_FORMAT:
  case SQLITE_TOOBIG:
  case SQLITE_MISMATCH:
  case SQLITE_ERROR:   /* not a blob or text (a damaged row) */
    *why = _("the message is empty or unreadable");
    return NULL;
  default:
    gw_queue_set_sqlite_error (error, w->db, rc, "read message");
    return NULL;
  }
}
