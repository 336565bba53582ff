/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-notification-attachments.c: a Send()'s attachments, each a file
 * descriptor of a regular file, read without moving the caller's offset
 * and checked (name, content type, count, total size) */
#define G_LOG_DOMAIN "gw-notification"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-notification.h"

static GBytes *
read_attachment_fd (const char *name,
                    int         fd,
                    guint64     budget,
                    GError    **error)
{
  struct stat st;
  g_autofree guint8 *data = NULL;
  gsize done = 0;

  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                 _("Attachment “%s” must be passed as a regular file"), name);
    return NULL;
  }
  if ((guint64) st.st_size > budget) {
    g_autofree char *limit = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                              (guint64) GW_NOTIFICATION_MAX_ATTACHMENTS_SIZE);
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE,
                 _("Attachments are larger than the gateway's limit of %s bytes"), limit);
    return NULL;
  }
  data = g_malloc ((gsize) st.st_size + 1);
  while (done < (gsize) st.st_size) {
    /* pread: the caller's file offset is not ours to move. */
    ssize_t n = pread (fd, data + done, (gsize) st.st_size - done, (off_t) done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int saved_errno = errno;
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                   _("Cannot read attachment “%s”: %s"), name, g_strerror (saved_errno));
      return NULL;
    }
    if (n == 0)
      break;
    done += (gsize) n;
  }
  return g_bytes_new_take (g_steal_pointer (&data), done);
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

gboolean
gw_notification_add_attachment (GwNotification *self,
                                const char     *name,
                                const char     *content_type,
                                GBytes         *data,
                                GError        **error)
{
  GwAttachment *attachment;

  if (!check_attachment_meta (name, content_type, error))
    return FALSE;
  if (self->attachments->len >= GW_NOTIFICATION_MAX_ATTACHMENTS) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE,
                 _("A notification may carry at most %d attachments"), GW_NOTIFICATION_MAX_ATTACHMENTS);
    return FALSE;
  }
  if (g_bytes_get_size (data) > GW_NOTIFICATION_MAX_ATTACHMENTS_SIZE - self->attachments_size) {
    g_autofree char *limit = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                              (guint64) GW_NOTIFICATION_MAX_ATTACHMENTS_SIZE);
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE,
                 _("Attachments are larger than the gateway's limit of %s bytes"), limit);
    return FALSE;
  }
  attachment = g_new0 (GwAttachment, 1);
  attachment->name = g_strdup (name);
  attachment->content_type = content_type != NULL && *content_type != '\0' ? g_strdup (content_type) : NULL;
  attachment->data = g_bytes_ref (data);
  self->attachments_size += g_bytes_get_size (data);
  g_ptr_array_add (self->attachments, attachment);
  return TRUE;
}

gboolean
gw_notification_take_attachments (GwNotification *self,
                                  GVariant       *value,
                                  GUnixFDList    *fd_list,
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
    data = read_attachment_fd (name, fd, GW_NOTIFICATION_MAX_ATTACHMENTS_SIZE - self->attachments_size, error);
    close (fd);
    if (data == NULL || !gw_notification_add_attachment (self, name, content_type, data, error))
      return FALSE;
  }
  return TRUE;
}
