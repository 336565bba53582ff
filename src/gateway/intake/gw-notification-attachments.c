/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-notification-attachments.c: a Send()'s attachments, each a file
 * descriptor of a regular file, read without moving the caller's offset
 * and checked (name, content type, count, total size). A large one is
 * copied into a file of our own rather than into memory (issue 18: three
 * 40 MiB attachments were 84 MiB of the peak of three concurrent Sends). */
#define G_LOG_DOMAIN "gw-notification"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-message-file.h"
#include "gw-notification.h"

/* The piece of a copy through a buffer. */
#define COPY_PIECE (256 * 1024)

gsize
gw_attachment_get_size (const GwAttachment *attachment)
{
  if (attachment->file != NULL)
    return gw_message_source_get_size (attachment->file);
  return g_bytes_get_size (attachment->data);
}

GInputStream *
gw_attachment_open (const GwAttachment *attachment,
                    GError            **error)
{
  if (attachment->file != NULL)
    return gw_message_source_open (attachment->file, error);
  return g_memory_input_stream_new_from_bytes (attachment->data);
}

static void
set_read_error (GError    **error,
                const char *name,
                int         errno_value)
{
  g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
               _("Cannot read attachment “%s”: %s"), name, g_strerror (errno_value));
}

/* @size bytes of @fd into memory. pread: the caller's file offset is not
 * ours to move. */
static GBytes *
read_into_memory (const char *name,
                  int         fd,
                  gsize       size,
                  GError    **error)
{
  g_autofree guint8 *data = g_malloc (size + 1);
  gsize done = 0;

  while (done < size) {
    ssize_t n = pread (fd, data + done, size - done, (off_t) done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      set_read_error (error, name, errno);
      return NULL;
    }
    if (n == 0)
      break;
    done += (gsize) n;
  }
  return g_bytes_new_take (g_steal_pointer (&data), done);
}

/* @size bytes of @fd copied into a file with no name in @spool_dir, by the
 * kernel where it can (copy_file_range(2) with an offset of our own leaves
 * the caller's alone). The copy is also a snapshot: the caller may change
 * its file once Send has returned. */
static GwMessageSource *
copy_into_file (const char *name,
                int         fd,
                gsize       size,
                const char *spool_dir,
                GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  int out = gw_message_file_create (spool_dir, &local_error);
  g_autofree guint8 *buffer = NULL;
  gsize done = 0;

  if (out < 0) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE, _("Cannot keep attachment “%s”: %s"),
                 name, local_error->message);
    return NULL;
  }
  while (done < size) {
    off_t from = (off_t) done;
    ssize_t n = buffer == NULL ? copy_file_range (fd, &from, out, NULL, size - done, 0) : -1;
    gboolean write_failed = FALSE;

    if (n < 0 && buffer == NULL && errno != EINTR) {
      /* Not between these two file systems: through a buffer (which also
       * tells the caller's read errors from our write errors). */
      buffer = g_malloc (COPY_PIECE);
    }
    if (buffer != NULL) {
      n = pread (fd, buffer, MIN (COPY_PIECE, size - done), (off_t) done);
      errno = n < 0 ? errno : 0;
      if (n > 0 && write (out, buffer, (gsize) n) != n) {
        write_failed = TRUE;
        if (errno == 0)
          errno = ENOSPC;  /* a short write */
        n = -1;
      }
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int saved_errno = errno;

      close (out);
      /* Our disk full is ours to report, not the caller's bad input. */
      if (write_failed)
        g_set_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE, _("Cannot keep attachment “%s”: %s"), name,
                     g_strerror (saved_errno));
      else
        set_read_error (error, name, saved_errno);
      return NULL;
    }
    if (n == 0)
      break;
    done += (gsize) n;
  }
  return gw_message_file_new (out, done);
}

/* The attachment in @fd: its bytes, or (@spool_dir given and it is large)
 * a file of our own holding them. */
static gboolean
read_attachment_fd (const char       *name,
                    int               fd,
                    guint64           budget,
                    const char       *spool_dir,
                    GBytes          **data,
                    GwMessageSource **file,
                    GError          **error)
{
  struct stat st;

  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                 _("Attachment “%s” must be passed as a regular file"), name);
    return FALSE;
  }
  if ((guint64) st.st_size > budget) {
    g_autofree char *limit = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                              (guint64) GW_NOTIFICATION_MAX_ATTACHMENTS_SIZE);
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE,
                 _("Attachments are larger than the gateway's limit of %s bytes"), limit);
    return FALSE;
  }
  if (spool_dir != NULL && st.st_size >= GW_ATTACHMENT_FILE_MIN) {
    *file = copy_into_file (name, fd, (gsize) st.st_size, spool_dir, error);
    return *file != NULL;
  }
  *data = read_into_memory (name, fd, (gsize) st.st_size, error);
  return *data != NULL;
}

/* "type/subtype" of RFC 2045 tokens, optionally followed by parameters. */
static gboolean
content_type_is_valid (const char *content_type)
{
  static const char tspecials[] = "()<>@,;:\\\"/[]?= ";
  const char *p = content_type;
  guint slashes = 0;
  gsize token = 0;

  for (; *p != '\0' && *p != ';'; p++) {
    if (*p == '/') {
      if (token == 0 || ++slashes > 1)
        return FALSE;
      token = 0;
      continue;
    }
    if ((guchar) *p <= 32 || (guchar) *p >= 127 || strchr (tspecials, *p) != NULL)
      return FALSE;
    token++;
  }
  return slashes == 1 && token > 0;
}

/* A plain file name and a content type of type/subtype, or none. */
static gboolean
check_attachment_meta (const char *name,
                       const char *content_type,
                       GError    **error)
{
  if (*name == '\0' || strchr (name, '/') != NULL || !gw_check_header_text ("attachments", name, error)) {
    if (error != NULL && *error == NULL)
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                   _("Attachment name “%s” must be a plain file name"), name);
    return FALSE;
  }
  if (content_type != NULL && *content_type != '\0' &&
      !gw_check_header_text ("attachments", content_type, error))
    return FALSE;
  if (content_type != NULL && *content_type != '\0' && !content_type_is_valid (content_type)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                 _("Attachment “%s” has the content type “%s”; give type/subtype "
                   "(such as application/pdf) or an empty string to detect it"),
                 name, content_type);
    return FALSE;
  }
  return TRUE;
}

/* Takes @data or @file (one of them) once the checks pass. */
static gboolean
add_attachment (GwNotification  *self,
                const char      *name,
                const char      *content_type,
                GBytes          *data,
                GwMessageSource *file,
                GError         **error)
{
  GwAttachment *attachment;
  gsize size = file != NULL ? gw_message_source_get_size (file) : g_bytes_get_size (data);

  if (!check_attachment_meta (name, content_type, error))
    return FALSE;
  if (self->attachments->len >= GW_NOTIFICATION_MAX_ATTACHMENTS) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE,
                 _("A notification may carry at most %d attachments"), GW_NOTIFICATION_MAX_ATTACHMENTS);
    return FALSE;
  }
  if (size > GW_NOTIFICATION_MAX_ATTACHMENTS_SIZE - self->attachments_size) {
    g_autofree char *limit = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                              (guint64) GW_NOTIFICATION_MAX_ATTACHMENTS_SIZE);
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE,
                 _("Attachments are larger than the gateway's limit of %s bytes"), limit);
    return FALSE;
  }
  attachment = g_new0 (GwAttachment, 1);
  attachment->name = g_strdup (name);
  attachment->content_type = content_type != NULL && *content_type != '\0' ? g_strdup (content_type) : NULL;
  attachment->data = data != NULL ? g_bytes_ref (data) : NULL;
  attachment->file = file != NULL ? g_object_ref (file) : NULL;
  self->attachments_size += size;
  g_ptr_array_add (self->attachments, attachment);
  return TRUE;
}

gboolean
gw_notification_add_attachment (GwNotification *self,
                                const char     *name,
                                const char     *content_type,
                                GBytes         *data,
                                GError        **error)
{
  return add_attachment (self, name, content_type, data, NULL, error);
}

gboolean
gw_notification_take_attachments (GwNotification *self,
                                  GVariant       *value,
                                  GUnixFDList    *fd_list,
                                  const char     *spool_dir,
                                  GError        **error)
{
  GVariantIter iter;
  const char *name, *content_type;
  gint32 handle;

  g_return_val_if_fail (g_variant_is_of_type (value, G_VARIANT_TYPE ("a(ssh)")), FALSE);
  /* Counted over every "attachments" key: a repeated key adds up. */
  if (self->attachments->len + g_variant_n_children (value) > GW_NOTIFICATION_MAX_ATTACHMENTS) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE,
                 _("A notification may carry at most %d attachments"), GW_NOTIFICATION_MAX_ATTACHMENTS);
    return FALSE;
  }
  g_variant_iter_init (&iter, value);
  while (g_variant_iter_next (&iter, "(&s&sh)", &name, &content_type, &handle)) {
    g_autoptr(GError) fd_error = NULL;
    g_autoptr(GBytes) data = NULL;
    g_autoptr(GwMessageSource) file = NULL;
    gboolean read;
    int fd;

    if (!check_attachment_meta (name, content_type, error))
      return FALSE;
    if (fd_list == NULL || handle < 0 || handle >= g_unix_fd_list_get_length (fd_list)) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                   _("Attachment “%s” refers to a file descriptor that was not sent"), name);
      return FALSE;
    }
    fd = g_unix_fd_list_get (fd_list, handle, &fd_error);
    if (fd < 0) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                   _("Attachment “%s”: %s"), name, fd_error->message);
      return FALSE;
    }
    read = read_attachment_fd (name, fd, GW_NOTIFICATION_MAX_ATTACHMENTS_SIZE - self->attachments_size,
                               spool_dir, &data, &file, error);
    close (fd);
    if (!read || !add_attachment (self, name, content_type, data, file, error))
      return FALSE;
  }
  return TRUE;
}
