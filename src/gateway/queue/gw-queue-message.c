/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-queue-message.c: a large message out of the database
 *
 * A small message comes out with its job's row. A large one (an attachment
 * of tens of MiB) would be copied whole twice on the way: SQLite reads a
 * column that spills onto overflow pages into a buffer of its own, and we
 * copied that out. So a large message is read straight into the one buffer
 * the dispatcher then holds, with SQLite's incremental blob I/O (issue 18).
 * (Writing it the same way does not pay: a zeroblob that is not the row's
 * last column is expanded in memory, and then the row built around it.)
 */
#define G_LOG_DOMAIN "gw-queue"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "gw-queue-private.h"

/* Chunk of the incremental reads. */
#define MESSAGE_CHUNK (256 * 1024)

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
