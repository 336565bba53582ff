/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-queue-message-source.c: a large queued message, read as it is sent
 *
 * A message past GW_QUEUE_STREAMED_MESSAGE_MIN (an attachment of tens of
 * MiB) is not copied out of the database when it is claimed: its envelope
 * holds this source, and the transport reads it in pieces as it writes
 * them (issue 18: three 40 MiB Sends peaked at 3 × 57 MB of claimed
 * messages). Each stream has its own read-only connection, used by one
 * thread at a time (GInputStream runs a blocking read in a worker thread
 * when it is read asynchronously). Its blob handle stays open from piece
 * to piece: SQLite keeps a large blob's chain of overflow pages with the
 * handle, and a handle opened for each piece walked the chain from the
 * start every time (five times slower for 54 MB). It is reopened once it
 * is a second old, so a slow server does not hold a snapshot that keeps
 * the write-ahead log from being checkpointed. The row never changes once
 * written; a job deleted meanwhile (cancelled, pruned) is read on from the
 * snapshot, or ends the read with an error once the handle is renewed.
 */
#define G_LOG_DOMAIN "gw-queue"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "gw-queue-private.h"

#define GW_TYPE_QUEUE_MESSAGE_STREAM (gw_queue_message_stream_get_type ())
G_DECLARE_FINAL_TYPE (GwQueueMessageStream, gw_queue_message_stream, GW, QUEUE_MESSAGE_STREAM, GInputStream)

struct _GwQueueMessageStream {
  GInputStream  parent_instance;
  char         *path;
  gint64        job_id;
  gsize         size;
  gsize         offset;
  sqlite3      *db;    /* opened at the first read, in its thread */
  sqlite3_blob *blob;  /* and this with it */
  gint64        blob_opened;  /* monotonic µs */
};

/* The age at which the blob handle (and its read transaction) is renewed. */
#define BLOB_HANDLE_MAX_AGE_US G_USEC_PER_SEC

G_DEFINE_FINAL_TYPE (GwQueueMessageStream, gw_queue_message_stream, G_TYPE_INPUT_STREAM)

static gboolean
stream_fail (GwQueueMessageStream *self,
             int                   rc,
             GError              **error)
{
  /* Damaged pages read the same at every attempt: the transport gives up
   * on the job (gw_transport_error_for_message_read()). */
  if (gw_queue_rc_is_row_damage (rc))
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The queued message is damaged: %s"),
                 self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The queued message cannot be read: %s"),
                 self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
  return FALSE;
}

static gboolean
stream_open_db (GwQueueMessageStream *self,
                GError              **error)
{
  int rc = sqlite3_open_v2 (self->path, &self->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);

  if (rc != SQLITE_OK)
    return stream_fail (self, rc, error);
  sqlite3_busy_timeout (self->db, 5000);
  return TRUE;
}

static gssize
gw_queue_message_stream_read (GInputStream  *stream,
                              void          *buffer,
                              gsize          count,
                              GCancellable  *cancellable,
                              GError       **error)
{
  GwQueueMessageStream *self = GW_QUEUE_MESSAGE_STREAM (stream);
  gint64 now = g_get_monotonic_time ();
  int n;
  int rc = SQLITE_OK;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  if (self->offset >= self->size || count == 0)
    return 0;
  if (self->db == NULL && !stream_open_db (self, error))
    return -1;
  if (self->blob != NULL && now - self->blob_opened > BLOB_HANDLE_MAX_AGE_US)
    g_clear_pointer (&self->blob, sqlite3_blob_close);
  if (self->blob == NULL) {
    rc = sqlite3_blob_open (self->db, "main", "messages", "body", self->job_id, 0, &self->blob);
    self->blob_opened = now;
    if (rc == SQLITE_OK && (gsize) sqlite3_blob_bytes (self->blob) != self->size) {
      g_clear_pointer (&self->blob, sqlite3_blob_close);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("The queued message cannot be read: its length changed"));
      return -1;
    }
  }
  n = (int) MIN (MIN (count, self->size - self->offset), (gsize) G_MAXINT);
  if (rc == SQLITE_OK)
    rc = sqlite3_blob_read (self->blob, buffer, n, (int) self->offset);
  if (rc != SQLITE_OK) {
    stream_fail (self, rc, error);
    g_clear_pointer (&self->blob, sqlite3_blob_close);
    return -1;
  }
  self->offset += (gsize) n;
  return n;
}

static gboolean
gw_queue_message_stream_close (GInputStream  *stream,
                               GCancellable  *cancellable,
                               GError       **error)
{
  GwQueueMessageStream *self = GW_QUEUE_MESSAGE_STREAM (stream);

  g_clear_pointer (&self->blob, sqlite3_blob_close);
  g_clear_pointer (&self->db, sqlite3_close);
  return TRUE;
}

static void
gw_queue_message_stream_finalize (GObject *object)
{
  GwQueueMessageStream *self = GW_QUEUE_MESSAGE_STREAM (object);

  g_clear_pointer (&self->blob, sqlite3_blob_close);
  g_clear_pointer (&self->db, sqlite3_close);
  g_free (self->path);
  G_OBJECT_CLASS (gw_queue_message_stream_parent_class)->finalize (object);
}

static void
gw_queue_message_stream_class_init (GwQueueMessageStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_queue_message_stream_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = gw_queue_message_stream_read;
  G_INPUT_STREAM_CLASS (klass)->close_fn = gw_queue_message_stream_close;
}

static void
gw_queue_message_stream_init (GwQueueMessageStream *self)
{
}

/* ---- the source ---- */

struct _GwQueueMessageSource {
  GwMessageSource  parent_instance;
  char            *path;
  gint64           job_id;
};

G_DEFINE_FINAL_TYPE (GwQueueMessageSource, gw_queue_message_source, GW_TYPE_MESSAGE_SOURCE)

static GInputStream *
gw_queue_message_source_open (GwMessageSource *source,
                              GError         **error)
{
  GwQueueMessageSource *self = GW_QUEUE_MESSAGE_SOURCE (source);
  GwQueueMessageStream *stream = g_object_new (GW_TYPE_QUEUE_MESSAGE_STREAM, NULL);

  stream->path = g_strdup (self->path);
  stream->job_id = self->job_id;
  stream->size = gw_message_source_get_size (source);
  return G_INPUT_STREAM (stream);
}

static void
gw_queue_message_source_finalize (GObject *object)
{
  GwQueueMessageSource *self = GW_QUEUE_MESSAGE_SOURCE (object);

  g_free (self->path);
  G_OBJECT_CLASS (gw_queue_message_source_parent_class)->finalize (object);
}

static void
gw_queue_message_source_class_init (GwQueueMessageSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_queue_message_source_finalize;
  GW_MESSAGE_SOURCE_CLASS (klass)->open = gw_queue_message_source_open;
}

static void
gw_queue_message_source_init (GwQueueMessageSource *self)
{
}

GwMessageSource *
gw_queue_message_source_new (const char *path,
                             gint64      job_id,
                             gsize       size)
{
  GwQueueMessageSource *self = g_object_new (GW_TYPE_QUEUE_MESSAGE_SOURCE, "size", (guint64) size, NULL);

  self->path = g_strdup (path);
  self->job_id = job_id;
  return GW_MESSAGE_SOURCE (self);
}
