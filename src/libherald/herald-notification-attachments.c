/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-notification-attachments.c: a notification's attachments
 *
 * Attachments are held as open file descriptors from the moment they are
 * added, and reach the gateway as descriptors, never as paths: the gateway
 * reads exactly what the caller could read. A GFile without a local path
 * and a GBytes are copied into a sealed memory file (memfd) first.
 */
#define G_LOG_DOMAIN "herald-notification"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gunixoutputstream.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "herald-notification-private.h"

void
herald_notification_attachment_clear (gpointer data)
{
  HeraldAttachment *attachment = data;

  g_free (attachment->name);
  g_free (attachment->content_type);
  if (attachment->fd >= 0)
    g_close (attachment->fd, NULL);
}

void
herald_notification_append_attachment (HeraldNotification *self,
                                       const char         *name,
                                       const char         *content_type,
                                       int                 fd)
{
  HeraldAttachment attachment = {
    .name = g_strdup (name),
    .content_type = g_strdup (content_type != NULL ? content_type : ""),
    .fd = fd,
  };

  g_array_append_val (self->attachments, attachment);
  herald_notification_notify (self, HERALD_NOTIFICATION_PROP_N_ATTACHMENTS);
}

static void
set_memory_error (GError     **error,
                  int          saved_errno,
                  const char  *name)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               _("Cannot hold attachment “%s” in memory: %s"), name, g_strerror (saved_errno));
}

/* A sealed memory file holding what @write_func writes into it; -1 on
 * error. Sealed, so the gateway reads what was written, nothing else. */
static int
new_memory_file (const char  *name,
                 gboolean   (*write_func) (GOutputStream *out, gpointer data, GError **error),
                 gpointer     data,
                 GError     **error)
{
  g_autoptr(GOutputStream) out = NULL;
  int fd = memfd_create ("herald-attachment", MFD_CLOEXEC | MFD_ALLOW_SEALING);

  if (fd < 0) {
    set_memory_error (error, errno, name);
    return -1;
  }
  out = g_unix_output_stream_new (fd, FALSE);
  if (!write_func (out, data, error)) {
    g_close (fd, NULL);
    return -1;
  }
  if (fcntl (fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0 ||
      lseek (fd, 0, SEEK_SET) < 0) {
    set_memory_error (error, errno, name);
    g_close (fd, NULL);
    return -1;
  }
  return fd;
}

/**
 * herald_notification_add_attachment_fd:
 * @self: a #HeraldNotification
 * @name: (nullable): the file name shown to the recipient; `attachment`
 *   if %NULL
 * @content_type: (nullable): a MIME type, or %NULL to let the gateway
 *   guess
 * @fd: a readable file descriptor; it is duplicated, the caller keeps @fd
 * @error: return location for a #GError
 *
 * Adds an attachment read from @fd.
 *
 * Returns: %TRUE on success, %FALSE if @fd could not be duplicated
 *
 * Since: 0.1
 */
gboolean
herald_notification_add_attachment_fd (HeraldNotification  *self,
                                       const char          *name,
                                       const char          *content_type,
                                       int                  fd,
                                       GError             **error)
{
  int copy;

  g_return_val_if_fail (HERALD_IS_NOTIFICATION (self), FALSE);
  g_return_val_if_fail (fd >= 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  copy = fcntl (fd, F_DUPFD_CLOEXEC, 3);
  if (copy < 0) {
    int saved_errno = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                 _("Cannot use the attachment’s file descriptor: %s"),
                 g_strerror (saved_errno));
    return FALSE;
  }

  herald_notification_append_attachment (self, name != NULL ? name : "attachment",
                                         content_type, copy);
  return TRUE;
}

/**
 * herald_notification_add_attachment_path:
 * @self: a #HeraldNotification
 * @path: (type filename): a regular file
 * @name: (nullable): the file name shown to the recipient; the base name
 *   of @path if %NULL
 * @content_type: (nullable): a MIME type, or %NULL to let the gateway
 *   guess
 * @error: return location for a #GError
 *
 * Opens @path for reading now and adds it as an attachment. The file is
 * passed to the gateway as a descriptor, never as a path, so it does not
 * need to be readable by the gateway.
 *
 * Returns: %TRUE on success, %FALSE if @path cannot be opened or is not a
 *   regular file
 *
 * Since: 0.1
 */
gboolean
herald_notification_add_attachment_path (HeraldNotification  *self,
                                         const char          *path,
                                         const char          *name,
                                         const char          *content_type,
                                         GError             **error)
{
  g_autofree char *basename = NULL;
  g_autofree char *display = NULL;
  struct stat st;
  int fd;
  int flags;

  g_return_val_if_fail (HERALD_IS_NOTIFICATION (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  display = g_filename_display_name (path);
  /* O_NONBLOCK so that a FIFO does not block the open; cleared below */
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    int saved_errno = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                 _("Cannot open attachment “%s”: %s"), display, g_strerror (saved_errno));
    return FALSE;
  }
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode)) {
    g_close (fd, NULL);
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                 _("Attachment “%s” is not a regular file"), display);
    return FALSE;
  }
  flags = fcntl (fd, F_GETFL);
  if (flags >= 0)
    fcntl (fd, F_SETFL, flags & ~O_NONBLOCK);

  basename = g_path_get_basename (path);
  herald_notification_append_attachment (self, name != NULL ? name : basename, content_type, fd);
  return TRUE;
}

typedef struct {
  GInputStream *in;
  GCancellable *cancellable;
} SpliceData;

static gboolean
splice_into (GOutputStream  *out,
             gpointer        user_data,
             GError        **error)
{
  SpliceData *data = user_data;

  return g_output_stream_splice (out, data->in, G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE,
                                 data->cancellable, error) >= 0;
}

/**
 * herald_notification_add_attachment_file:
 * @self: a #HeraldNotification
 * @file: a #GFile to read
 * @name: (nullable): the file name shown to the recipient; the base name
 *   of @file if %NULL
 * @content_type: (nullable): a MIME type, or %NULL to let the gateway
 *   guess
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Adds @file as an attachment. A file with a local path is opened now, as
 * herald_notification_add_attachment_path() does; any other (a
 * `resource://` URI, a location of a GVfs backend) is read now, into a
 * sealed memory file that is passed to the gateway as a descriptor.
 *
 * Returns: %TRUE on success, %FALSE if @file cannot be read
 *
 * Since: 0.1
 */
gboolean
herald_notification_add_attachment_file (HeraldNotification  *self,
                                         GFile               *file,
                                         const char          *name,
                                         const char          *content_type,
                                         GCancellable        *cancellable,
                                         GError             **error)
{
  g_autofree char *path = NULL;
  g_autofree char *basename = NULL;
  g_autoptr(GFileInputStream) in = NULL;
  SpliceData data = { NULL, cancellable };
  int fd;

  g_return_val_if_fail (HERALD_IS_NOTIFICATION (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  path = g_file_get_path (file);
  basename = g_file_get_basename (file);
  if (name == NULL)
    name = basename != NULL ? basename : "attachment";
  if (path != NULL)
    return herald_notification_add_attachment_path (self, path, name, content_type, error);

  in = g_file_read (file, cancellable, error);
  if (in == NULL)
    return FALSE;
  data.in = G_INPUT_STREAM (in);
  fd = new_memory_file (name, splice_into, &data, error);
  if (fd < 0)
    return FALSE;
  herald_notification_append_attachment (self, name, content_type, fd);
  return TRUE;
}

static gboolean
write_bytes (GOutputStream  *out,
             gpointer        user_data,
             GError        **error)
{
  gsize size = 0;
  const guint8 *contents = g_bytes_get_data (user_data, &size);

  return size == 0 || g_output_stream_write_all (out, contents, size, NULL, NULL, error);
}

/**
 * herald_notification_add_attachment_bytes:
 * @self: a #HeraldNotification
 * @bytes: the contents
 * @name: the file name shown to the recipient
 * @content_type: (nullable): a MIME type, or %NULL to let the gateway
 *   guess
 * @error: return location for a #GError
 *
 * Adds an attachment made in memory, such as a report a script has just
 * written. The contents are copied into a sealed memory file that is passed
 * to the gateway as a descriptor.
 *
 * Returns: %TRUE on success, %FALSE if no memory file could be made
 *
 * Since: 0.1
 */
gboolean
herald_notification_add_attachment_bytes (HeraldNotification  *self,
                                          GBytes              *bytes,
                                          const char          *name,
                                          const char          *content_type,
                                          GError             **error)
{
  int fd;

  g_return_val_if_fail (HERALD_IS_NOTIFICATION (self), FALSE);
  g_return_val_if_fail (bytes != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  fd = new_memory_file (name, write_bytes, bytes, error);
  if (fd < 0)
    return FALSE;
  herald_notification_append_attachment (self, name, content_type, fd);
  return TRUE;
}

/**
 * herald_notification_get_n_attachments:
 * @self: a #HeraldNotification
 *
 * Gets the number of attachments added.
 *
 * Returns: the number of attachments added
 *
 * Since: 0.1
 */
guint
herald_notification_get_n_attachments (HeraldNotification *self)
{
  g_return_val_if_fail (HERALD_IS_NOTIFICATION (self), 0);
  return self->attachments->len;
}

/* The attachments as `a(ssh)`, their descriptors duplicated into @fds. */
GVariant *
herald_notification_attachments_variant (HeraldNotification  *self,
                                         GUnixFDList         *fds,
                                         GError             **error)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a(ssh)"));

  for (guint i = 0; i < self->attachments->len; i++) {
    HeraldAttachment *attachment = &g_array_index (self->attachments, HeraldAttachment, i);
    int index = g_unix_fd_list_append (fds, attachment->fd, error);

    if (index < 0)
      return NULL;
    g_variant_builder_add (&builder, "(ssh)", attachment->name,
                           attachment->content_type, index);
  }
  return g_variant_builder_end (&builder);
}
