/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-message-file.c: a composed message kept in an unlinked file
 *
 * A message with attachments of tens of MiB is serialised into a file
 * rather than into memory (issue 18: GMime's growing buffer, about
 * 1.2 bytes per byte of message, and the finished message waiting for the
 * queue were two thirds of the peak of three concurrent 40 MiB Sends).
 * The queue then copies it into its database in pieces. The file has no
 * name, so nothing is left behind if the daemon dies; each stream reads it
 * with pread(2) at its own offset.
 */
#define G_LOG_DOMAIN "gw-message"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "herald-error.h"
#include "gw-message-file.h"

struct _GwMessageFile {
  GwMessageSource parent_instance;
  int             fd;
};

G_DEFINE_FINAL_TYPE (GwMessageFile, gw_message_file, GW_TYPE_MESSAGE_SOURCE)

#define GW_TYPE_MESSAGE_FILE_STREAM (gw_message_file_stream_get_type ())
G_DECLARE_FINAL_TYPE (GwMessageFileStream, gw_message_file_stream, GW, MESSAGE_FILE_STREAM, GInputStream)

struct _GwMessageFileStream {
  GInputStream   parent_instance;
  GwMessageFile *file;
  gsize          offset;
};

G_DEFINE_FINAL_TYPE (GwMessageFileStream, gw_message_file_stream, G_TYPE_INPUT_STREAM)

static gssize
gw_message_file_stream_read (GInputStream  *stream,
                             void          *buffer,
                             gsize          count,
                             GCancellable  *cancellable,
                             GError       **error)
{
  GwMessageFileStream *self = GW_MESSAGE_FILE_STREAM (stream);
  gsize size = gw_message_source_get_size (GW_MESSAGE_SOURCE (self->file));
  ssize_t n;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  if (self->offset >= size)
    return 0;
  do
    n = pread (self->file->fd, buffer, MIN (count, size - self->offset), (off_t) self->offset);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    int saved_errno = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                 _("Cannot read the composed message: %s"), g_strerror (saved_errno));
    return -1;
  }
  if (n == 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                 _("Cannot read the composed message: it is shorter than written"));
    return -1;
  }
  self->offset += (gsize) n;
  return n;
}

static void
gw_message_file_stream_finalize (GObject *object)
{
  g_clear_object (&GW_MESSAGE_FILE_STREAM (object)->file);
  G_OBJECT_CLASS (gw_message_file_stream_parent_class)->finalize (object);
}

static void
gw_message_file_stream_class_init (GwMessageFileStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_message_file_stream_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = gw_message_file_stream_read;
}

static void
gw_message_file_stream_init (GwMessageFileStream *self)
{
}

static GInputStream *
gw_message_file_open (GwMessageSource *source,
                      GError         **error)
{
  GwMessageFileStream *stream = g_object_new (GW_TYPE_MESSAGE_FILE_STREAM, NULL);

  stream->file = g_object_ref (GW_MESSAGE_FILE (source));
  return G_INPUT_STREAM (stream);
}

static void
gw_message_file_finalize (GObject *object)
{
  GwMessageFile *self = GW_MESSAGE_FILE (object);

  if (self->fd >= 0)
    g_close (self->fd, NULL);
  G_OBJECT_CLASS (gw_message_file_parent_class)->finalize (object);
}

static void
gw_message_file_class_init (GwMessageFileClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_message_file_finalize;
  GW_MESSAGE_SOURCE_CLASS (klass)->open = gw_message_file_open;
}

static void
gw_message_file_init (GwMessageFile *self)
{
  self->fd = -1;
}

int
gw_message_file_create (const char  *dir,
                        GError     **error)
{
  g_autofree char *template = NULL;
  int fd;

  if (dir == NULL)
    dir = g_get_tmp_dir ();
  fd = open (dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0)
    return fd;
  /* A file system without O_TMPFILE: a named file, unlinked at once. */
  template = g_build_filename (dir, ".herald-message-XXXXXX", NULL);
  fd = g_mkstemp_full (template, O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) {
    g_unlink (template);
    return fd;
  }
  {
    int saved_errno = errno;

    g_set_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE,
                 _("Cannot make a file for the message in %s: %s"), dir, g_strerror (saved_errno));
  }
  return -1;
}

GwMessageSource *
gw_message_file_new (int   fd,
                     gsize size)
{
  GwMessageFile *self = g_object_new (GW_TYPE_MESSAGE_FILE, "size", (guint64) size, NULL);

  self->fd = fd;
  return GW_MESSAGE_SOURCE (self);
}

int
gw_message_file_get_fd (GwMessageFile *self)
{
  return self->fd;
}
