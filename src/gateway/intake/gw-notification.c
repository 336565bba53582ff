/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-notification.c: a Send() request, checked and unpacked */
#define G_LOG_DOMAIN "gw-notification"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-notification.h"
#include "gw-recipient-kinds.h"

#define MAX_TEXT_LENGTH      (1024 * 1024)
#define MAX_HEADER_LENGTH    998
#define MAX_LIST_LENGTH      1000
#define MAX_HEADERS          100
#define ATTACHMENT_READERS   4

static void
gw_attachment_free (GwAttachment *attachment)
{
  g_free (attachment->name);
  g_free (attachment->content_type);
  g_clear_pointer (&attachment->data, g_bytes_unref);
  g_clear_object (&attachment->file);
  g_free (attachment);
}

void
gw_notification_free (GwNotification *self)
{
  g_strfreev (self->to);
  g_strfreev (self->cc);
  g_strfreev (self->bcc);
  g_hash_table_unref (self->others);
  g_free (self->subject);
  g_free (self->body);
  g_free (self->html);
  g_free (self->from);
  g_free (self->reply_to);
  g_ptr_array_unref (self->headers);
  g_ptr_array_unref (self->attachments);
  g_free (self->category);
  g_free (self->app_name);
  g_strfreev (self->tags);
  g_free (self->profile);
  g_free (self->idempotency_key);
  g_strfreev (self->local_recipients);
  g_free (self);
}

gboolean
gw_check_header_text (const char *what,
                      const char *value,
                      GError    **error)
{
  for (const char *p = value; *p != '\0'; p++) {
    guchar c = (guchar) *p;

    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                   c == '\r' || c == '\n'
                   ? _("“%s” must not contain a line break (CR or LF)")
                   : _("“%s” must not contain control characters"), what);
      return FALSE;
    }
  }
  if (!g_utf8_validate (value, -1, NULL)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                 _("“%s” is not valid UTF-8"), what);
    return FALSE;
  }
  return TRUE;
}

static gboolean
expect_type (const char         *key,
             GVariant           *value,
             const GVariantType *type,
             GError            **error)
{
  if (g_variant_is_of_type (value, type))
    return TRUE;
  g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
               _("“%s” must be of D-Bus type %s, not %s"), key,
               g_variant_type_peek_string (type), g_variant_get_type_string (value));
  return FALSE;
}

/* Body text: any length up to the limit, newlines and tabs allowed. */
static gboolean
take_text (const char *key,
           GVariant   *value,
           char      **out,
           GError    **error)
{
  const char *text;
  gsize length;

  if (!expect_type (key, value, G_VARIANT_TYPE_STRING, error))
    return FALSE;
  text = g_variant_get_string (value, &length);
  if (length > MAX_TEXT_LENGTH) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE,
                 _("“%s” is longer than %d bytes"), key, MAX_TEXT_LENGTH);
    return FALSE;
  }
  /* No UTF-8 check: a GVariant string is UTF-8 by construction, and
   * g_variant_get_string() gives "" for one from untrusted data that is
   * not (GDBus has checked a Send's strings twice already). */
  g_free (*out);
  *out = g_strndup (text, length);
  return TRUE;
}

/* A single-line value that may end up in a header or a protocol line. */
static gboolean
take_line (const char *key,
           GVariant   *value,
           char      **out,
           GError    **error)
{
  const char *text;

  if (!expect_type (key, value, G_VARIANT_TYPE_STRING, error))
    return FALSE;
  text = g_variant_get_string (value, NULL);
  if (strlen (text) > MAX_HEADER_LENGTH) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE,
                 _("“%s” is longer than %d bytes"), key, MAX_HEADER_LENGTH);
    return FALSE;
  }
  if (!gw_check_header_text (key, text, error))
    return FALSE;
  g_free (*out);
  *out = g_strdup (text);
  return TRUE;
}

static gboolean
take_lines (const char *key,
            GVariant   *value,
            GStrv      *out,
            GError    **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GVariantIter iter;
  const char *item;

  if (!expect_type (key, value, G_VARIANT_TYPE_STRING_ARRAY, error))
    return FALSE;
  if (g_variant_n_children (value) > MAX_LIST_LENGTH) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE,
                 _("“%s” has more than %d entries"), key, MAX_LIST_LENGTH);
    return FALSE;
  }
  g_variant_iter_init (&iter, value);
  while (g_variant_iter_next (&iter, "&s", &item)) {
    if (strlen (item) > MAX_HEADER_LENGTH) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE,
                   _("An entry of “%s” is longer than %d bytes"), key, MAX_HEADER_LENGTH);
      return FALSE;
    }
    if (!gw_check_header_text (key, item, error))
      return FALSE;
    g_strv_builder_add (builder, item);
  }
  g_strfreev (*out);
  *out = g_strv_builder_end (builder);
  return TRUE;
}

/* Custom headers: counted over every "headers" key of the request, and each
 * "Name: value" line at most 998 octets (RFC 5322 2.1.1) so that it is never
 * emitted longer, whether or not it could be folded. */
static gboolean
take_headers (GwNotification *self,
              GVariant       *value,
              GError        **error)
{
  GVariantIter iter;
  const char *name, *text;

  if (!expect_type ("headers", value, G_VARIANT_TYPE ("a{ss}"), error))
    return FALSE;
  if (self->headers->len / 2 + g_variant_n_children (value) > MAX_HEADERS) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE,
                 _("A notification may carry at most %d custom headers"), MAX_HEADERS);
    return FALSE;
  }
  g_variant_iter_init (&iter, value);
  while (g_variant_iter_next (&iter, "{&s&s}", &name, &text)) {
    if (strlen (name) + 2 + strlen (text) > MAX_HEADER_LENGTH) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE,
                   _("Header “%.40s” is longer than %d bytes with its name"), name, MAX_HEADER_LENGTH);
      return FALSE;
    }
    if (!gw_check_header_text ("headers", name, error) ||
        !gw_check_header_text (name, text, error))
      return FALSE;
    g_ptr_array_add (self->headers, g_strdup (name));
    g_ptr_array_add (self->headers, g_strdup (text));
  }
  return TRUE;
}

/* Recipients of a kind a transport declared ("sms"), each checked by it. */
static gboolean
take_others (GwNotification *self,
             const char     *kind,
             GVariant       *value,
             GError        **error)
{
  GStrv list = NULL;

  if (!take_lines (kind, value, &list, error))
    return FALSE;
  g_hash_table_replace (self->others, g_strdup (kind), list);
  return gw_recipient_kinds_check (kind, (const char * const *) list, error);
}

static gboolean
take_key (GwNotification *self,
          const char     *key,
          GVariant       *value,
          GUnixFDList    *fd_list,
          const char     *spool_dir,
          GError        **error)
{
  if (g_str_equal (key, "to"))
    return take_lines (key, value, &self->to, error);
  if (g_str_equal (key, "cc"))
    return take_lines (key, value, &self->cc, error);
  if (g_str_equal (key, "bcc"))
    return take_lines (key, value, &self->bcc, error);
  if (g_str_equal (key, "tags"))
    return take_lines (key, value, &self->tags, error);
  if (g_str_equal (key, "subject"))
    return take_line (key, value, &self->subject, error);
  if (g_str_equal (key, "body"))
    return take_text (key, value, &self->body, error);
  if (g_str_equal (key, "html"))
    return take_text (key, value, &self->html, error);
  if (g_str_equal (key, "from"))
    return take_line (key, value, &self->from, error);
  if (g_str_equal (key, "reply-to"))
    return take_line (key, value, &self->reply_to, error);
  if (g_str_equal (key, "category"))
    return take_line (key, value, &self->category, error);
  if (g_str_equal (key, "app-name"))
    return take_line (key, value, &self->app_name, error);
  if (g_str_equal (key, "profile"))
    return take_line (key, value, &self->profile, error);
  if (g_str_equal (key, "idempotency-key"))
    return take_line (key, value, &self->idempotency_key, error);
  if (g_str_equal (key, "headers"))
    return take_headers (self, value, error);
  if (g_str_equal (key, "attachments"))
    return expect_type (key, value, G_VARIANT_TYPE ("a(ssh)"), error) &&
           gw_notification_take_attachments (self, value, fd_list, spool_dir, error);
  if (g_str_equal (key, "urgency")) {
    if (!expect_type (key, value, G_VARIANT_TYPE_BYTE, error))
      return FALSE;
    self->urgency = g_variant_get_byte (value);
    if (self->urgency > 2) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                   _("“urgency” must be 0 (low), 1 (normal) or 2 (critical), not %u"),
                   self->urgency);
      return FALSE;
    }
    return TRUE;
  }
  if (gw_recipient_kinds_lookup (key) != NULL)
    return take_others (self, key, value, error);
  g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
               _("Unknown notification key “%s”"), key);
  return FALSE;
}

static guint
strv_length0 (GStrv strv)
{
  return strv != NULL ? g_strv_length (strv) : 0;
}

static guint
count_others (GwNotification *self)
{
  GHashTableIter iter;
  gpointer list;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->others);
  while (g_hash_table_iter_next (&iter, NULL, &list))
    n += strv_length0 (list);
  return n;
}

/* “to”, “cc”, “bcc” or “sms”: the keys that name recipients. */
char *
gw_notification_dup_recipient_keys (void)
{
  g_auto(GStrv) kinds = gw_recipient_kinds_dup_all ();
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  GString *text = g_string_new (NULL);
  const char *mail[] = { "to", "cc", "bcc" };

  for (guint i = 0; i < G_N_ELEMENTS (mail); i++)
    g_ptr_array_add (keys, g_strdup_printf ("“%s”", mail[i]));
  for (guint i = 0; kinds[i] != NULL; i++)
    g_ptr_array_add (keys, g_strdup_printf ("“%s”", kinds[i]));
  for (guint i = 0; i < keys->len; i++) {
    if (i > 0)
      g_string_append (text, i + 1 == keys->len ? _(" or ") : ", ");
    g_string_append (text, keys->pdata[i]);
  }
  return g_string_free (text, FALSE);
}

guint
gw_notification_count_recipients (GwNotification *self)
{
  return strv_length0 (self->to) + strv_length0 (self->cc) + strv_length0 (self->bcc) +
         count_others (self);
}

GStrv
gw_notification_get_others (GwNotification *self,
                            const char     *kind)
{
  return kind != NULL ? g_hash_table_lookup (self->others, kind) : NULL;
}

GwNotification *
gw_notification_new (void)
{
  GwNotification *self = g_new0 (GwNotification, 1);

  self->urgency = 1;
  self->others = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_strfreev);
  self->headers = g_ptr_array_new_with_free_func (g_free);
  self->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) gw_attachment_free);
  return self;
}

static GwNotification *
parse_variant (GVariant    *dict,
               GUnixFDList *fd_list,
               const char  *spool_dir,
               GError     **error)
{
  g_autoptr(GwNotification) self = gw_notification_new ();
  gsize n = g_variant_n_children (dict);

  /* By child values rather than g_variant_iter_next() and a format
   * string, which is parsed again for every entry (issue 18). */
  for (gsize i = 0; i < n; i++) {
    g_autoptr(GVariant) entry = g_variant_get_child_value (dict, i);
    g_autoptr(GVariant) key = g_variant_get_child_value (entry, 0);
    g_autoptr(GVariant) boxed = g_variant_get_child_value (entry, 1);
    g_autoptr(GVariant) value = g_variant_get_variant (boxed);

    if (!take_key (self, g_variant_get_string (key, NULL), value, fd_list, spool_dir, error))
      return NULL;
  }
  if (gw_notification_count_recipients (self) == 0) {
    g_autofree char *keys = gw_notification_dup_recipient_keys ();
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_NO_RECIPIENTS,
                 _("The notification has no recipient: give %s"), keys);
    return NULL;
  }
  return g_steal_pointer (&self);
}

GwNotification *
gw_notification_new_from_variant (GVariant    *dict,
                                  GUnixFDList *fd_list,
                                  GError     **error)
{
  return parse_variant (dict, fd_list, NULL, error);
}

/* ---- reading attachments off the main thread ---- */

typedef struct {
  GVariant    *dict;
  GUnixFDList *fd_list;
  char        *spool_dir;
} ParseData;

static void
parse_data_free (ParseData *data)
{
  g_variant_unref (data->dict);
  g_clear_object (&data->fd_list);
  g_free (data->spool_dir);
  g_free (data);
}

static void
parse_in_thread (gpointer task_data,
                 gpointer pool_data)
{
  g_autoptr(GTask) task = task_data;
  ParseData *data = g_task_get_task_data (task);
  GError *error = NULL;
  GwNotification *n = parse_variant (data->dict, data->fd_list, data->spool_dir, &error);

  if (n == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, n, (GDestroyNotify) gw_notification_free);
}

static gboolean
has_attachments (GVariant *dict)
{
  gsize n = g_variant_n_children (dict);

  for (gsize i = 0; i < n; i++) {
    g_autoptr(GVariant) entry = g_variant_get_child_value (dict, i);
    g_autoptr(GVariant) key = g_variant_get_child_value (entry, 0);

    if (g_str_equal (g_variant_get_string (key, NULL), "attachments"))
      return TRUE;
  }
  return FALSE;
}

/**
 * gw_notification_new_from_variant_async:
 *
 * As gw_notification_new_from_variant(), but the attachments are read by
 * a small pool of threads of its own, a large one copied into a file with
 * no name in @spool_dir (NULL: into memory): a file on a hung network mount holds
 * one of them and never the main loop (nor GIO's shared worker threads).
 * A request without attachments is checked at once.
 */
void
gw_notification_new_from_variant_async (GVariant           *dict,
                                        GUnixFDList        *fd_list,
                                        const char         *spool_dir,
                                        GAsyncReadyCallback callback,
                                        gpointer            user_data)
{
  static GThreadPool *readers;
  static gsize readers_ready;
  g_autoptr(GTask) task = g_task_new (NULL, NULL, callback, user_data);
  ParseData *data;

  g_task_set_source_tag (task, gw_notification_new_from_variant_async);
  if (!has_attachments (dict)) {
    GError *error = NULL;
    GwNotification *n = gw_notification_new_from_variant (dict, fd_list, &error);

    if (n == NULL)
      g_task_return_error (task, error);
    else
      g_task_return_pointer (task, n, (GDestroyNotify) gw_notification_free);
    return;
  }
  if (g_once_init_enter (&readers_ready)) {
    readers = g_thread_pool_new (parse_in_thread, NULL, ATTACHMENT_READERS, FALSE, NULL);
    g_once_init_leave (&readers_ready, 1);
  }
  data = g_new0 (ParseData, 1);
  data->dict = g_variant_ref (dict);
  data->fd_list = fd_list != NULL ? g_object_ref (fd_list) : NULL;
  data->spool_dir = g_strdup (spool_dir);
  g_task_set_task_data (task, data, (GDestroyNotify) parse_data_free);
  g_thread_pool_push (readers, g_steal_pointer (&task), NULL);
}

GwNotification *
gw_notification_new_from_variant_finish (GAsyncResult *result,
                                         GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
