/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-queue-message.c: a job's message into and out of the database
 *
 * The bytes live in the table messages, apart from the job's row, so that
 * updates of the job never rewrite them (schema 8, issue 18). A small
 * message comes out with the job's row. A large one (an attachment of tens
 * of MiB) would be copied whole twice on the way: SQLite reads a column
 * that spills onto overflow pages into a buffer of its own, and we copied
 * that out. So a large message is read straight into the one buffer the
 * dispatcher then holds, with SQLite's incremental blob I/O, and written
 * the same way: a zeroblob (the row's only column besides its key, so it
 * is not expanded), then the bytes in chunks, with no record built in
 * memory around a copy of them.
 */
#define G_LOG_DOMAIN "gw-queue"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-error.h"
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
  int rc = sqlite3_blob_open (w->db, "main", "messages", "body", job_id, 0, &blob);
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

/* The next piece of @message into @chunk: from its bytes, or read from its
 * source (a composed message kept in a file). */
static gboolean
next_piece (GwEnvelope    *envelope,
            GInputStream  *stream,
            gsize          done,
            guint8        *chunk,
            gsize          n,
            const guint8 **piece,
            GError       **error)
{
  gsize got = 0;

  if (stream == NULL) {
    *piece = (const guint8 *) g_bytes_get_data (gw_envelope_get_message (envelope), NULL) + done;
    return TRUE;
  }
  if (!g_input_stream_read_all (stream, chunk, n, &got, NULL, error))
    return FALSE;
  if (got != n) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE,
                 _("The composed message is shorter than its recorded length"));
    return FALSE;
  }
  *piece = chunk;
  return TRUE;
}

gboolean
gw_queue_write_message (GwQueueWriter *w,
                        gint64         job_id,
                        GwEnvelope    *envelope,
                        GError       **error)
{
  gsize size = gw_envelope_get_message_size (envelope);
  g_autoptr(GInputStream) stream = NULL;
  g_autofree guint8 *chunk = NULL;
  sqlite3_stmt *stmt;
  sqlite3_blob *blob = NULL;
  int rc;

  if (size > G_MAXINT) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE,
                 _("The message is too large for the queue"));
    return FALSE;
  }
  if (gw_envelope_get_message (envelope) != NULL && size <= GW_QUEUE_INLINE_MESSAGE_MAX) {
    /* Bound in the statement: an incremental blob compiles a statement of
     * its own each time it is opened (a tenth of a Send's writing). */
    stmt = gw_queue_prepare (w, "INSERT INTO messages (job_id, body) VALUES (?, ?)", error);
    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, job_id);
    sqlite3_bind_blob (stmt, 2, g_bytes_get_data (gw_envelope_get_message (envelope), NULL),
                       (int) size, SQLITE_STATIC);
    return gw_queue_step_done (w, stmt, "insert message", error);
  }
  if (gw_envelope_get_message (envelope) == NULL) {
    stream = gw_message_source_open (gw_envelope_get_message_source (envelope), error);
    if (stream == NULL)
      return FALSE;
    chunk = g_malloc (MESSAGE_CHUNK);
  }
  stmt = gw_queue_prepare (w, "INSERT INTO messages (job_id, body) VALUES (?, zeroblob (?))", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, job_id);
  sqlite3_bind_int (stmt, 2, (int) size);
  if (!gw_queue_step_done (w, stmt, "insert message", error))
    return FALSE;
  rc = sqlite3_blob_open (w->db, "main", "messages", "body", job_id, 1, &blob);
  for (gsize done = 0; rc == SQLITE_OK && done < size; done += MESSAGE_CHUNK) {
    gsize n = MIN (size - done, MESSAGE_CHUNK);
    const guint8 *piece = NULL;

    if (!next_piece (envelope, stream, done, chunk, n, &piece, error)) {
      sqlite3_blob_close (blob);
      return FALSE;
    }
    rc = sqlite3_blob_write (blob, piece, (int) n, (int) done);
  }
  sqlite3_blob_close (blob);
  if (rc != SQLITE_OK) {
    gw_queue_set_sqlite_error (error, w->db, rc, "write message");
    return FALSE;
  }
  return TRUE;
}

/* The length of job @job_id's message when it is a blob too large to be
 * copied by SQL in one piece, or 0. */
static gboolean
large_blob_size (GwQueueWriter *w,
                 gint64         job_id,
                 int           *size,
                 GError       **error)
{
  sqlite3_stmt *stmt = gw_queue_prepare (w, "SELECT length (body) FROM messages WHERE job_id = ?"
                                            " AND typeof (body) = 'blob'",
                                         error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, job_id);
  rc = sqlite3_step (stmt);
  *size = rc == SQLITE_ROW ? sqlite3_column_int (stmt, 0) : 0;
  gw_queue_release (w, stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    gw_queue_set_sqlite_error (error, w->db, rc, "copy message");
    return FALSE;
  }
  if (*size <= GW_QUEUE_INLINE_MESSAGE_MAX)
    *size = 0;
  return TRUE;
}

/* A large message goes over in chunks: INSERT ... SELECT would hold the
 * whole of it in SQLite's memory. Anything else (a small or damaged one,
 * or none) is copied as it is, for the claim to judge. */
gboolean
gw_queue_copy_message (GwQueueWriter *w,
                       gint64         from_job_id,
                       gint64         to_job_id,
                       GError       **error)
{
  g_autofree guint8 *chunk = NULL;
  sqlite3_blob *from = NULL, *to = NULL;
  sqlite3_stmt *stmt;
  int size = 0;
  int rc;

  if (!large_blob_size (w, from_job_id, &size, error))
    return FALSE;
  if (size > 0)
    stmt = gw_queue_prepare (w, "INSERT INTO messages (job_id, body) VALUES (?1, zeroblob (?3))", error);
  else
    stmt = gw_queue_prepare (w, "INSERT INTO messages (job_id, body)"
                                " SELECT ?1, body FROM messages WHERE job_id = ?2",
                             error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, to_job_id);
  sqlite3_bind_int64 (stmt, 2, from_job_id);
  if (size > 0)
    sqlite3_bind_int (stmt, 3, size);
  if (!gw_queue_step_done (w, stmt, "copy message", error))
    return FALSE;
  if (size == 0)
    return TRUE;

  chunk = g_malloc (MESSAGE_CHUNK);
  rc = sqlite3_blob_open (w->db, "main", "messages", "body", from_job_id, 0, &from);
  if (rc == SQLITE_OK)
    rc = sqlite3_blob_open (w->db, "main", "messages", "body", to_job_id, 1, &to);
  for (int done = 0; rc == SQLITE_OK && done < size; done += MESSAGE_CHUNK) {
    int n = MIN (size - done, MESSAGE_CHUNK);

    rc = sqlite3_blob_read (from, chunk, n, done);
    if (rc == SQLITE_OK)
      rc = sqlite3_blob_write (to, chunk, n, done);
  }
  sqlite3_blob_close (from);
  sqlite3_blob_close (to);
  if (rc != SQLITE_OK) {
    gw_queue_set_sqlite_error (error, w->db, rc, "copy message");
    return FALSE;
  }
  return TRUE;
}
