/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-notification.c: a notification to send */
#define G_LOG_DOMAIN "herald-notification"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "herald-notification.h"
#include "herald-private.h"

/**
 * HeraldNotification:
 *
 * A notification to hand to the gateway with herald_client_send():
 * recipients, subject, body, attachments and the hints routing rules match
 * on (category, urgency, application name, tags).
 *
 * Attachments are held as open file descriptors from the moment they are
 * added and passed to the gateway as descriptors, never as paths, so the
 * gateway reads exactly the file the caller could read.
 *
 * Only what is set is sent; the gateway fills in the rest from the
 * profile (the sender address, for example).
 */

typedef struct {
  char *name;
  char *content_type;
  int   fd;
} Attachment;

struct _HeraldNotification {
  GObject        parent_instance;

  GPtrArray     *to;
  GPtrArray     *cc;
  GPtrArray     *bcc;
  GPtrArray     *fax;
  GPtrArray     *tags;
  GHashTable    *headers;
  GArray        *attachments;
  char          *subject;
  char          *body;
  char          *html;
  char          *from;
  char          *reply_to;
  char          *category;
  char          *app_name;
  char          *profile;
  char          *idempotency_key;
  gboolean       has_urgency;
  HeraldUrgency  urgency;
};

G_DEFINE_FINAL_TYPE (HeraldNotification, herald_notification, G_TYPE_OBJECT)

static void
attachment_clear (gpointer data)
{
  Attachment *attachment = data;

  g_free (attachment->name);
  g_free (attachment->content_type);
  if (attachment->fd >= 0)
    g_close (attachment->fd, NULL);
}

static void
herald_notification_finalize (GObject *object)
{
  HeraldNotification *self = HERALD_NOTIFICATION (object);

  g_ptr_array_unref (self->to);
  g_ptr_array_unref (self->cc);
  g_ptr_array_unref (self->bcc);
  g_ptr_array_unref (self->fax);
  g_ptr_array_unref (self->tags);
  g_hash_table_unref (self->headers);
  g_array_unref (self->attachments);
  g_free (self->subject);
  g_free (self->body);
  g_free (self->html);
  g_free (self->from);
  g_free (self->reply_to);
  g_free (self->category);
  g_free (self->app_name);
  g_free (self->profile);
  g_free (self->idempotency_key);

  G_OBJECT_CLASS (herald_notification_parent_class)->finalize (object);
}

static void
herald_notification_class_init (HeraldNotificationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = herald_notification_finalize;
  herald_i18n_init ();
}

static void
herald_notification_init (HeraldNotification *self)
{
  self->to = g_ptr_array_new_with_free_func (g_free);
  self->cc = g_ptr_array_new_with_free_func (g_free);
  self->bcc = g_ptr_array_new_with_free_func (g_free);
  self->fax = g_ptr_array_new_with_free_func (g_free);
  self->tags = g_ptr_array_new_with_free_func (g_free);
  self->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->attachments = g_array_new (FALSE, FALSE, sizeof (Attachment));
  g_array_set_clear_func (self->attachments, attachment_clear);
  self->urgency = HERALD_URGENCY_NORMAL;
}

/**
 * herald_notification_new:
 *
 * Creates an empty notification.
 *
 * Returns: (transfer full): a new #HeraldNotification
 */
HeraldNotification *
herald_notification_new (void)
{
  return g_object_new (HERALD_TYPE_NOTIFICATION, NULL);
}

/**
 * herald_notification_add_to:
 * @self: a #HeraldNotification
 * @address: an e-mail address, optionally with a display name
 *   (`Ops <ops@example.com>`)
 *
 * Adds a `To` recipient.
 */
void
herald_notification_add_to (HeraldNotification *self,
                            const char         *address)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  g_return_if_fail (address != NULL);
  g_ptr_array_add (self->to, g_strdup (address));
}

/**
 * herald_notification_add_cc:
 * @self: a #HeraldNotification
 * @address: an e-mail address
 *
 * Adds a `Cc` recipient.
 */
void
herald_notification_add_cc (HeraldNotification *self,
                            const char         *address)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  g_return_if_fail (address != NULL);
  g_ptr_array_add (self->cc, g_strdup (address));
}

/**
 * herald_notification_add_bcc:
 * @self: a #HeraldNotification
 * @address: an e-mail address
 *
 * Adds a blind-copy recipient, who appears in no header.
 */
void
herald_notification_add_bcc (HeraldNotification *self,
                             const char         *address)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  g_return_if_fail (address != NULL);
  g_ptr_array_add (self->bcc, g_strdup (address));
}

/**
 * herald_notification_add_fax:
 * @self: a #HeraldNotification
 * @number: a fax number; the fax transport normalises it
 *
 * Adds a fax recipient, for profiles with the `fax` transport.
 */
void
herald_notification_add_fax (HeraldNotification *self,
                             const char         *number)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  g_return_if_fail (number != NULL);
  g_ptr_array_add (self->fax, g_strdup (number));
}

static void
replace_string (char       **field,
                const char  *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

/**
 * herald_notification_set_subject:
 * @self: a #HeraldNotification
 * @subject: (nullable): the subject, or %NULL to unset it
 *
 * Sets the subject.
 */
void
herald_notification_set_subject (HeraldNotification *self,
                                 const char         *subject)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  replace_string (&self->subject, subject);
}

/**
 * herald_notification_set_body:
 * @self: a #HeraldNotification
 * @body: (nullable): the plain-text body, or %NULL to unset it
 *
 * Sets the plain-text body.
 */
void
herald_notification_set_body (HeraldNotification *self,
                              const char         *body)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  replace_string (&self->body, body);
}

/**
 * herald_notification_set_html:
 * @self: a #HeraldNotification
 * @html: (nullable): an HTML body, or %NULL to unset it
 *
 * Sets an HTML alternative to the plain-text body. Profiles with
 * `plain-text-only` drop it.
 */
void
herald_notification_set_html (HeraldNotification *self,
                              const char         *html)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  replace_string (&self->html, html);
}

/**
 * herald_notification_set_from:
 * @self: a #HeraldNotification
 * @from: (nullable): a sender address, or %NULL for the profile's
 *
 * Overrides the profile's sender address, where the profile allows it.
 */
void
herald_notification_set_from (HeraldNotification *self,
                              const char         *from)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  replace_string (&self->from, from);
}

/**
 * herald_notification_set_reply_to:
 * @self: a #HeraldNotification
 * @reply_to: (nullable): an address for replies, or %NULL
 *
 * Sets the `Reply-To` address.
 */
void
herald_notification_set_reply_to (HeraldNotification *self,
                                  const char         *reply_to)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  replace_string (&self->reply_to, reply_to);
}

/**
 * herald_notification_set_header:
 * @self: a #HeraldNotification
 * @name: a header name such as `X-Ticket`
 * @value: (nullable): the header value, or %NULL to remove the header
 *
 * Sets an extra message header. The gateway refuses headers it composes
 * itself and values with line breaks.
 */
void
herald_notification_set_header (HeraldNotification *self,
                                const char         *name,
                                const char         *value)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  g_return_if_fail (name != NULL);

  if (value == NULL)
    g_hash_table_remove (self->headers, name);
  else
    g_hash_table_replace (self->headers, g_strdup (name), g_strdup (value));
}

/**
 * herald_notification_set_category:
 * @self: a #HeraldNotification
 * @category: (nullable): a category such as `device.error`, or %NULL
 *
 * Sets the category, which routing rules may match.
 */
void
herald_notification_set_category (HeraldNotification *self,
                                  const char         *category)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  replace_string (&self->category, category);
}

/**
 * herald_notification_set_urgency:
 * @self: a #HeraldNotification
 * @urgency: a #HeraldUrgency
 *
 * Sets the urgency, which routing rules may match. Unless set, the
 * gateway assumes %HERALD_URGENCY_NORMAL.
 */
void
herald_notification_set_urgency (HeraldNotification *self,
                                 HeraldUrgency       urgency)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  g_return_if_fail (herald_urgency_to_string (urgency) != NULL);

  self->has_urgency = TRUE;
  self->urgency = urgency;
}

/**
 * herald_notification_set_app_name:
 * @self: a #HeraldNotification
 * @app_name: (nullable): the sending application's name, or %NULL
 *
 * Sets the name of the sending application.
 */
void
herald_notification_set_app_name (HeraldNotification *self,
                                  const char         *app_name)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  replace_string (&self->app_name, app_name);
}

/**
 * herald_notification_add_tag:
 * @self: a #HeraldNotification
 * @tag: a free-form tag
 *
 * Adds a tag, which routing rules may match.
 */
void
herald_notification_add_tag (HeraldNotification *self,
                             const char         *tag)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  g_return_if_fail (tag != NULL);
  g_ptr_array_add (self->tags, g_strdup (tag));
}

/**
 * herald_notification_set_profile:
 * @self: a #HeraldNotification
 * @profile: (nullable): a profile name, or %NULL to let the router decide
 *
 * Forces the notification to a profile, bypassing the routing rules.
 */
void
herald_notification_set_profile (HeraldNotification *self,
                                 const char         *profile)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  replace_string (&self->profile, profile);
}

/**
 * herald_notification_set_idempotency_key:
 * @self: a #HeraldNotification
 * @key: (nullable): a key unique to this notification, or %NULL
 *
 * Sets a key that makes sending idempotent: a second notification with the
 * same key returns the first one's delivery id instead of sending again.
 */
void
herald_notification_set_idempotency_key (HeraldNotification *self,
                                         const char         *key)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  replace_string (&self->idempotency_key, key);
}

static void
append_attachment (HeraldNotification *self,
                   const char         *name,
                   const char         *content_type,
                   int                 fd)
{
  Attachment attachment = {
    .name = g_strdup (name),
    .content_type = g_strdup (content_type != NULL ? content_type : ""),
    .fd = fd,
  };

  g_array_append_val (self->attachments, attachment);
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

  append_attachment (self, name != NULL ? name : "attachment", content_type, copy);
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
  append_attachment (self, name != NULL ? name : basename, content_type, fd);
  return TRUE;
}

/**
 * herald_notification_get_n_attachments:
 * @self: a #HeraldNotification
 *
 * Gets the number of attachments added.
 *
 * Returns: the number of attachments added
 */
guint
herald_notification_get_n_attachments (HeraldNotification *self)
{
  g_return_val_if_fail (HERALD_IS_NOTIFICATION (self), 0);
  return self->attachments->len;
}

static void
add_strv (GVariantBuilder *builder,
          const char      *key,
          GPtrArray       *array)
{
  if (array->len == 0)
    return;
  g_variant_builder_add (builder, "{sv}", key,
                         g_variant_new_strv ((const char * const *) array->pdata, array->len));
}

static void
add_string (GVariantBuilder *builder,
            const char      *key,
            const char      *value)
{
  if (value != NULL)
    g_variant_builder_add (builder, "{sv}", key, g_variant_new_string (value));
}

static GVariant *
headers_to_variant (GHashTable *headers)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{ss}"));
  GHashTableIter iter;
  const char *name;
  const char *value;

  g_hash_table_iter_init (&iter, headers);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, (gpointer *) &value))
    g_variant_builder_add (&builder, "{ss}", name, value);
  return g_variant_builder_end (&builder);
}

static GVariant *
attachments_to_variant (HeraldNotification  *self,
                        GUnixFDList         *fds,
                        GError             **error)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a(ssh)"));

  for (guint i = 0; i < self->attachments->len; i++) {
    Attachment *attachment = &g_array_index (self->attachments, Attachment, i);
    int index = g_unix_fd_list_append (fds, attachment->fd, error);

    if (index < 0)
      return NULL;
    g_variant_builder_add (&builder, "(ssh)", attachment->name,
                           attachment->content_type, index);
  }
  return g_variant_builder_end (&builder);
}

/**
 * herald_notification_to_variant:
 * @self: a #HeraldNotification
 * @fd_list: (out) (transfer full) (optional): return location for the file
 *   descriptors of the attachments, to pass with the message
 * @error: return location for a #GError
 *
 * Builds the argument of `Send`. The attachments' descriptors are
 * duplicated into a new @fd_list each time, so a notification can be sent
 * more than once.
 *
 * Returns: (transfer full): an `a{sv}` #GVariant, or %NULL if a descriptor
 *   could not be duplicated
 */
GVariant *
herald_notification_to_variant (HeraldNotification  *self,
                                GUnixFDList        **fd_list,
                                GError             **error)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();

  g_return_val_if_fail (HERALD_IS_NOTIFICATION (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  add_strv (&builder, "to", self->to);
  add_strv (&builder, "cc", self->cc);
  add_strv (&builder, "bcc", self->bcc);
  add_strv (&builder, "fax", self->fax);
  add_string (&builder, "subject", self->subject);
  add_string (&builder, "body", self->body);
  add_string (&builder, "html", self->html);
  add_string (&builder, "from", self->from);
  add_string (&builder, "reply-to", self->reply_to);
  add_string (&builder, "category", self->category);
  add_string (&builder, "app-name", self->app_name);
  add_string (&builder, "profile", self->profile);
  add_string (&builder, "idempotency-key", self->idempotency_key);
  add_strv (&builder, "tags", self->tags);
  if (self->has_urgency)
    g_variant_builder_add (&builder, "{sv}", "urgency", g_variant_new_byte (self->urgency));
  if (g_hash_table_size (self->headers) > 0)
    g_variant_builder_add (&builder, "{sv}", "headers", headers_to_variant (self->headers));
  if (self->attachments->len > 0) {
    GVariant *attachments = attachments_to_variant (self, fds, error);

    if (attachments == NULL)
      return NULL;
    g_variant_builder_add (&builder, "{sv}", "attachments", attachments);
  }

  if (fd_list != NULL)
    *fd_list = g_steal_pointer (&fds);
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}
