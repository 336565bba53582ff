/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-composer-attachments.c: a notification's attachments as MIME parts,
 * or as download links (attachments-as-url) */
#define G_LOG_DOMAIN "gw-composer"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-composer-private.h"
#include "gw-message-file.h"

/* The caller's content type, or one guessed from the name and the bytes. */
static char *
attachment_mime_type (GwAttachment *attachment)
{
  g_autofree char *guessed = NULL;
  g_autoptr(GInputStream) stream = NULL;
  guint8        head[4096];
  gsize         size = 0;
  const guint8 *data = head;
  char         *mime_type;

  if (attachment->content_type != NULL)
    return g_strdup (attachment->content_type);
  if (attachment->data != NULL) {
    data = g_bytes_get_data (attachment->data, &size);
  } else if ((stream = gw_attachment_open (attachment, NULL)) == NULL ||
             !g_input_stream_read_all (stream, head, sizeof head, &size, NULL, NULL)) {
    size = 0; /* from its name alone */
  }
  guessed = g_content_type_guess (attachment->name, data, size, NULL);
  mime_type = g_content_type_get_mime_type (guessed);
  return mime_type != NULL ? mime_type : g_strdup ("application/octet-stream");
}

/* attachments-as-url: every attachment goes to the spool; the links, as
 * text and as HTML, replace the parts. */
gboolean
gw_composer_store_links (GwAttachmentLinks *links,
                         GwProfile         *profile,
                         GwNotification    *n,
                         char             **links_text,
                         char             **links_html,
                         GError           **error)
{
  gint64 expires = 0;
  g_autoptr(GDateTime) until = NULL;
  g_autofree char *until_text = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GString) html = g_string_new (NULL);

  if (links == NULL) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_NOT_SUPPORTED,
                 _ ("Profile “%s” sends attachments as links (attachments-as-url), but Herald's "
                    "HTTP server is not enabled: set a port in the [http] group of heraldd.conf"),
                 gw_profile_get_name (profile));
    return FALSE;
  }
  expires = gw_attachment_links_get_default_expiry (links);
  until = g_date_time_new_from_unix_utc (expires);
  until_text = g_date_time_format (until, "%Y-%m-%d %H:%M UTC");
  g_string_append (text, "\n\n");
  g_string_append_printf (text, _ ("Attachments (download links valid until %s):"), until_text);
  g_string_append_c (text, '\n');
  {
    g_autofree char *title = g_markup_printf_escaped (_ ("Attachments (download links valid until %s):"),
                                                      until_text);
    g_string_append_printf (html, "<hr><p>%s</p><ul>", title);
  }
  for (guint i = 0; i < n->attachments->len; i++) {
    GwAttachment    *attachment = g_ptr_array_index (n->attachments, i);
    g_autofree char *mime_type = attachment_mime_type (attachment);
    g_autofree char *size = g_format_size (gw_attachment_get_size (attachment));
    g_autoptr(GInputStream) data = gw_attachment_open (attachment, error);
    g_autofree char *url = NULL;
    g_autofree char *item = NULL;

    if (data != NULL)
      url = gw_attachment_links_store_stream (links, attachment->name, mime_type, data,
                                              gw_attachment_get_size (attachment), expires, error);
    if (url == NULL)
      return FALSE;
    g_string_append_printf (text, "  %s (%s): %s\n", attachment->name, size, url);
    item = g_markup_printf_escaped ("<li><a href=\"%s\">%s</a> (%s)</li>", url, attachment->name, size);
    g_string_append (html, item);
  }
  g_string_append (html, "</ul>");
  *links_text = g_string_free (g_steal_pointer (&text), FALSE);
  *links_html = g_string_free (g_steal_pointer (&html), FALSE);
  return TRUE;
}

GMimeObject *
gw_composer_make_attachment (GwAttachment *attachment)
{
  g_autofree char *mime_type = attachment_mime_type (attachment);
  g_autoptr(GMimePart) part = g_mime_part_new_with_type ("application", "octet-stream");
  g_autoptr(GMimeContentType) content_type = g_mime_content_type_parse (NULL, mime_type);
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeDataWrapper) content = NULL;

  g_mime_object_set_content_type (GMIME_OBJECT (part), content_type);
  if (attachment->data != NULL) {
    stream = gw_mime_stream_new_for_bytes (attachment->data);
  } else {
    /* GMime reads our own copy as it writes the message: a description of
     * our own, so its seeks move nobody else's offset. */
    stream = g_mime_stream_fs_new_with_bounds (dup (gw_message_file_get_fd (GW_MESSAGE_FILE (attachment->file))),
                                               0, (gint64) gw_attachment_get_size (attachment));
  }
  content = g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);
  g_mime_part_set_content (part, content);
  /* GMime writes a non-ASCII or long name per RFC 2231 (filename*=). */
  g_mime_part_set_filename (part, attachment->name);
  g_mime_part_set_content_encoding (part, GMIME_CONTENT_ENCODING_BASE64);
  return GMIME_OBJECT (g_steal_pointer (&part));
}
