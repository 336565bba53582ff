/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-composer.c: turns a notification into the final MIME message (GMime)
 *
 * The queue stores the composed message, so a retry sends the same bytes
 * with the same Message-ID.
 */
#define G_LOG_DOMAIN "gw-composer"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "herald-error.h"
#include "gw-address.h"
#include "gw-attachment-links.h"
#include "gw-message-file.h"
#include "gw-message-id.h"
#include "gw-composer.h"
#include "gw-gmime.h"

/* Headers the composer owns; custom headers cannot replace them. */
static const char * const reserved_headers[] = {
  "from", "to", "cc", "bcc", "date", "message-id", "mime-version", "subject",
  "reply-to", "sender", "return-path", "received", NULL
};

static gboolean
header_name_is_valid (const char *name)
{
  gsize len = strlen (name);

  if (len == 0 || len > 76)
    return FALSE;
  for (const char *p = name; *p != '\0'; p++) {
    if (*p < 33 || *p > 126 || *p == ':')
      return FALSE;
  }
  return TRUE;
}

static gboolean
check_custom_header (const char *name,
                     GError    **error)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);

  if (!header_name_is_valid (name)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                 _("“%s” is not a valid header name"), name);
    return FALSE;
  }
  if (g_strv_contains (reserved_headers, lower) || g_str_has_prefix (lower, "content-") ||
      g_str_has_prefix (lower, "resent-")) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                 _("Header “%s” is set by the gateway and cannot be given in “headers”"), name);
    return FALSE;
  }
  return TRUE;
}

/* "p" of "<p class=x>", "/p" of "</p>", "br" of "<br/>" (lower case). */
static char *
tag_name (const char *tag,
          gsize       len)
{
  gsize n = tag[0] == '/' ? 1 : 0;

  while (n < len && (g_ascii_isalnum (tag[n])))
    n++;
  return g_ascii_strdown (tag, n);
}

/* &#NNN; or &#xHH;: the character, or nothing for controls and invalid
 * code points (never a NUL). Returns the length consumed, 0 if none. */
static gsize
numeric_entity (const char *p,
                GString    *out)
{
  gboolean hex;
  const char *digits;
  char *end = NULL;
  guint64 value;

  /* p[1] first: "&" may end the text, and p[2] is then past it. */
  if (p[1] != '#')
    return 0;
  hex = p[2] == 'x' || p[2] == 'X';
  digits = p + (hex ? 3 : 2);
  if (!g_ascii_isxdigit (*digits))
    return 0;
  value = g_ascii_strtoull (digits, &end, hex ? 16 : 10);
  if (end == NULL || *end != ';' || end - digits > 8)
    return 0;
  if (value <= 0x10FFFF && g_unichar_validate ((gunichar) value) &&
      (value >= 0x20 || value == '\t' || value == '\n') && value != 0x7f)
    g_string_append_unichar (out, (gunichar) value);
  return (gsize) (end - p) + 1;
}

char *
gw_composer_html_to_text (const char *html)
{
  static const struct { const char *entity; const char *text; } entities[] = {
    { "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" }, { "&quot;", "\"" },
    { "&apos;", "'" }, { "&nbsp;", " " },
  };
  /* Tags that end a line, and elements whose content is not text. */
  static const char * const breaks[] = {
    "br", "/p", "/div", "/h1", "/h2", "/h3", "/h4", "/h5", "/h6", "/li", "/tr", "/table",
    "/ul", "/ol", "/blockquote", "/pre", "hr", NULL
  };
  static const char * const hidden[] = { "head", "script", "style", "title", NULL };
  GString *out = g_string_new (NULL);
  const char *p = html;

  while (*p != '\0') {
    if (*p == '<') {
      const char *end = strchr (p, '>');
      g_autofree char *name = NULL;

      if (end == NULL)
        break;
      name = tag_name (p + 1, (gsize) (end - p - 1));
      if (g_strv_contains (breaks, name))
        g_string_append_c (out, '\n');
      p = end + 1;
      if (g_strv_contains (hidden, name)) {
        /* Skip to the element's end tag, or to the end: what is skipped
         * is never scanned again, so this stays linear. */
        const char *close = p;
        const char *after = NULL;

        while ((close = strchr (close, '<')) != NULL) {
          if (close[1] == '/' && g_ascii_strncasecmp (close + 2, name, strlen (name)) == 0)
            break;
          close++;
        }
        if (close != NULL)
          after = strchr (close, '>');
        p = after != NULL ? after + 1 : p + strlen (p);
      }
      continue;
    }
    if (*p == '&') {
      gsize consumed = numeric_entity (p, out);
      gboolean matched = consumed > 0;

      p += consumed;
      for (guint i = 0; !matched && i < G_N_ELEMENTS (entities); i++) {
        gsize len = strlen (entities[i].entity);
        if (g_ascii_strncasecmp (p, entities[i].entity, len) == 0) {
          g_string_append (out, entities[i].text);
          p += len;
          matched = TRUE;
        }
      }
      if (matched)
        continue;
    }
    g_string_append_c (out, *p++);
  }
  return g_string_free (out, FALSE);
}

/* CRLF and a lone CR become LF: the message is written with CRLF line
 * ends, and a bare CR must never reach the wire (found by fuzz-compose). */
static char *
normalize_line_ends (const char *text)
{
  GString *out = g_string_sized_new (strlen (text));

  for (const char *p = text; *p != '\0'; p++) {
    if (*p == '\r') {
      g_string_append_c (out, '\n');
      if (p[1] == '\n')
        p++;
      continue;
    }
    g_string_append_c (out, *p);
  }
  return g_string_free (out, FALSE);
}

static GMimeObject *
make_text_part (const char *subtype,
                const char *raw_text,
                const char *charset,
                GError    **error)
{
  g_autoptr(GMimeTextPart) part = g_mime_text_part_new_with_subtype (subtype);
  g_autofree char *text = normalize_line_ends (raw_text);
  g_autofree char *converted = NULL;
  gsize converted_len = 0;

  if (charset == NULL || g_ascii_strcasecmp (charset, "utf-8") == 0) {
    g_mime_text_part_set_text (part, text);
    /* The profile's charset, even for ASCII text (GMime would say us-ascii). */
    g_mime_text_part_set_charset (part, "utf-8");
    /* 7-bit safe (quoted-printable or base64 when needed): deliverable
     * through servers without 8BITMIME. */
    g_mime_part_set_content_encoding (GMIME_PART (part),
      g_mime_part_get_best_content_encoding (GMIME_PART (part), GMIME_ENCODING_CONSTRAINT_7BIT));
  } else {
    g_autoptr(GMimeStream) stream = NULL;
    g_autoptr(GMimeDataWrapper) content = NULL;

    converted = g_convert (text, -1, charset, "UTF-8", NULL, &converted_len, NULL);
    if (converted == NULL) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                   _("The text cannot be written in the profile's charset %s"), charset);
      return NULL;
    }
    stream = g_mime_stream_mem_new_with_buffer (converted, converted_len);
    content = g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);
    g_mime_part_set_content (GMIME_PART (part), content);
    g_mime_text_part_set_charset (part, charset);
    g_mime_part_set_content_encoding (GMIME_PART (part),
      g_mime_part_get_best_content_encoding (GMIME_PART (part), GMIME_ENCODING_CONSTRAINT_7BIT));
  }
  return GMIME_OBJECT (g_steal_pointer (&part));
}

/* @html with @extra inserted before its </body>, or appended. */
static char *
html_with_extra (const char *html,
                 const char *extra)
{
  g_autofree char *lower = g_ascii_strdown (html, -1);
  const char *end = g_strrstr (lower, "</body");

  if (end == NULL)
    return g_strconcat (html, extra, NULL);
  return g_strdup_printf ("%.*s%s%s", (int) (end - lower), html, extra, html + (end - lower));
}

/* @links_text and @links_html (or NULL): the attachment links, appended to
 * the body the recipient reads. */
static GMimeObject *
make_body (GwProfile      *profile,
           GwNotification *n,
           const char     *links_text,
           const char     *links_html,
           GError        **error)
{
  const char *charset = gw_profile_get_string (profile, "charset");
  g_autofree char *generated = NULL;
  g_autofree char *full_text = NULL;
  g_autofree char *full_html = NULL;
  const char *text = n->body;
  const char *html = n->html;
  g_autoptr(GMimeObject) text_part = NULL;
  g_autoptr(GMimeObject) html_part = NULL;
  GMimeMultipart *alternative;

  if (text == NULL && html != NULL)
    text = generated = gw_composer_html_to_text (html);
  if (links_text != NULL)
    text = full_text = g_strconcat (text != NULL ? text : "", links_text, NULL);
  if (html != NULL && links_html != NULL)
    html = full_html = html_with_extra (html, links_html);
  text_part = make_text_part ("plain", text != NULL ? text : "", charset, error);
  if (text_part == NULL)
    return NULL;
  if (html == NULL || gw_profile_get_boolean (profile, "plain-text-only"))
    return g_steal_pointer (&text_part);

  html_part = make_text_part ("html", html, charset, error);
  if (html_part == NULL)
    return NULL;
  alternative = g_mime_multipart_new_with_subtype ("alternative");
  g_mime_multipart_add (alternative, text_part);
  g_mime_multipart_add (alternative, html_part);
  return GMIME_OBJECT (alternative);
}

/* The caller's content type, or one guessed from the name and the bytes. */
static char *
attachment_mime_type (GwAttachment *attachment)
{
  g_autofree char *guessed = NULL;
  g_autoptr(GInputStream) stream = NULL;
  guint8 head[4096];
  gsize size = 0;
  const guint8 *data = head;
  char *mime_type;

  if (attachment->content_type != NULL)
    return g_strdup (attachment->content_type);
  if (attachment->data != NULL) {
    data = g_bytes_get_data (attachment->data, &size);
  } else if ((stream = gw_attachment_open (attachment, NULL)) == NULL ||
             !g_input_stream_read_all (stream, head, sizeof head, &size, NULL, NULL)) {
    size = 0;  /* from its name alone */
  }
  guessed = g_content_type_guess (attachment->name, data, size, NULL);
  mime_type = g_content_type_get_mime_type (guessed);
  return mime_type != NULL ? mime_type : g_strdup ("application/octet-stream");
}

/* attachments-as-url: every attachment goes to the spool; the links, as
 * text and as HTML, replace the parts. */
static gboolean
store_links (GwAttachmentLinks *links,
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
                 _("Profile “%s” sends attachments as links (attachments-as-url), but Herald's "
                   "HTTP server is not enabled: set a port in the [http] group of heraldd.conf"),
                 gw_profile_get_name (profile));
    return FALSE;
  }
  expires = gw_attachment_links_get_default_expiry (links);
  until = g_date_time_new_from_unix_utc (expires);
  until_text = g_date_time_format (until, "%Y-%m-%d %H:%M UTC");
  g_string_append (text, "\n\n");
  g_string_append_printf (text, _("Attachments (download links valid until %s):"), until_text);
  g_string_append_c (text, '\n');
  {
    g_autofree char *title = g_markup_printf_escaped (_("Attachments (download links valid until %s):"),
                                                      until_text);
    g_string_append_printf (html, "<hr><p>%s</p><ul>", title);
  }
  for (guint i = 0; i < n->attachments->len; i++) {
    GwAttachment *attachment = g_ptr_array_index (n->attachments, i);
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

static GMimeObject *
make_attachment (GwAttachment *attachment)
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

/* The list takes its own reference. */
static void
list_add_mailbox (InternetAddressList *list,
                  const char          *name,
                  const char          *addr)
{
  g_autoptr(InternetAddress) mailbox = internet_address_mailbox_new (name, addr);

  internet_address_list_add (list, mailbox);
}

static gboolean
add_mailboxes (InternetAddressList *list,
               const char          *what,
               GStrv                entries,
               gboolean             strict,
               GPtrArray           *envelope_rcpts,
               GError             **error)
{
  for (guint i = 0; entries != NULL && entries[i] != NULL; i++) {
    g_autofree char *name = NULL;
    g_autofree char *addr = NULL;

    if (!gw_address_parse (what, entries[i], strict, &name, &addr, error))
      return FALSE;
    if (list != NULL)
      list_add_mailbox (list, name, addr);
    g_ptr_array_add (envelope_rcpts, g_strdup (addr));
    g_ptr_array_add (envelope_rcpts, g_strdup (what));
  }
  return TRUE;
}

static char *
default_sender (void)
{
  return g_strdup_printf ("%s@%s", g_get_user_name (), g_get_host_name ());
}

static gboolean
set_from (GMimeMessage   *message,
          GwProfile      *profile,
          GwNotification *n,
          gboolean        strict,
          char          **sender,
          GError        **error)
{
  g_autofree char *name = NULL;
  g_autofree char *addr = NULL;

  if (n->from != NULL) {
    if (!gw_profile_get_boolean (profile, "allow-from-override")) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED,
                   _("Profile “%s” does not allow the sender to be changed (allow-from-override is off)"),
                   gw_profile_get_name (profile));
      return FALSE;
    }
    if (!gw_address_parse ("from", n->from, strict, &name, &addr, error))
      return FALSE;
  } else {
    const char *from = gw_profile_get_string (profile, "from-address");

    /* Parsed like any address, for the ASCII form of an IDN domain. */
    if (from != NULL && !gw_address_parse ("from-address", from, FALSE, NULL, &addr, error))
      return FALSE;
    if (addr == NULL)
      addr = default_sender ();
    name = g_strdup (gw_profile_get_string (profile, "from-name"));
  }
  list_add_mailbox (g_mime_message_get_from (message), name, addr);
  *sender = g_steal_pointer (&addr);
  return TRUE;
}

static void
add_herald_headers (GMimeObject    *object,
                    GwNotification *n)
{
  static const char * const urgencies[] = { "low", "normal", "critical" };

  /* RFC 3834: automatic mail, so vacation responders stay quiet. */
  g_mime_object_set_header (object, "Auto-Submitted", "auto-generated", NULL);
  if (n->app_name != NULL)
    g_mime_object_set_header (object, "X-Herald-App", n->app_name, "utf-8");
  if (n->category != NULL)
    g_mime_object_set_header (object, "X-Herald-Category", n->category, "utf-8");
  g_mime_object_set_header (object, "X-Herald-Urgency", urgencies[MIN (n->urgency, 2)], NULL);
}

static GBytes *
serialize (GMimeMessage *message)
{
  g_autoptr(GMimeFormatOptions) options = g_mime_format_options_new ();
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new ();

  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  g_mime_object_write_to_stream (GMIME_OBJECT (message), options, stream);
  return gw_mime_stream_mem_steal_bytes (GMIME_STREAM_MEM (stream));
}

/* @message in a file of its own (gw-message-file.c), or NULL. */
static GwMessageSource *
serialize_to_file (GMimeMessage *message,
                   const char   *dir,
                   GError      **error)
{
  g_autoptr(GMimeFormatOptions) options = g_mime_format_options_new ();
  g_autoptr(GMimeStream) file = NULL;
  g_autoptr(GMimeStream) buffered = NULL;
  int fd = gw_message_file_create (dir, error);
  struct stat st;

  if (fd < 0)
    return NULL;
  file = g_mime_stream_fs_new (fd);
  g_mime_stream_fs_set_owner (GMIME_STREAM_FS (file), FALSE);
  buffered = g_mime_stream_buffer_new (file, GMIME_STREAM_BUFFER_BLOCK_WRITE);
  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  errno = 0;
  if (g_mime_object_write_to_stream (GMIME_OBJECT (message), options, buffered) < 0 ||
      g_mime_stream_flush (buffered) < 0 || fstat (fd, &st) != 0) {
    int saved_errno = errno;

    g_close (fd, NULL);
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE, _("Cannot write the message to %s: %s"),
                 dir != NULL ? dir : g_get_tmp_dir (),
                 saved_errno != 0 ? g_strerror (saved_errno) : _("write failed"));
    return NULL;
  }
  return gw_message_file_new (fd, (gsize) st.st_size);
}

GwEnvelope *
gw_composer_compose (GwProfile      *profile,
                     GwNotification *n,
                     GError        **error)
{
  return gw_composer_compose_full (profile, n, NULL, NULL, error);
}

static void
add_others (GwNotification *n,
            GPtrArray      *rcpts)
{
  GList *kinds = g_list_sort (g_hash_table_get_keys (n->others), (GCompareFunc) g_strcmp0);

  for (GList *k = kinds; k != NULL; k = k->next) {
    GStrv list = g_hash_table_lookup (n->others, k->data);

    for (guint i = 0; list != NULL && list[i] != NULL; i++) {
      g_ptr_array_add (rcpts, g_strdup (list[i]));
      g_ptr_array_add (rcpts, g_strdup (k->data));
    }
  }
  g_list_free (kinds);
}

GwEnvelope *
gw_composer_compose_full (GwProfile         *profile,
                          GwNotification    *n,
                          GwAttachmentLinks *links,
                          const char        *spool_dir,
                          GError           **error)
{
  gboolean as_links = n->attachments->len > 0 && gw_profile_get_boolean (profile, "attachments-as-url");
  g_autofree char *links_text = NULL;
  g_autofree char *links_html = NULL;
  gboolean strict = gw_profile_get_boolean (profile, "strict-addresses");
  guint64 limit = gw_profile_get_uint (profile, "max-attachment-size");
  g_autoptr(GMimeMessage) message = g_mime_message_new (TRUE);
  g_autoptr(GPtrArray) rcpts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GMimeObject) body = NULL;
  g_autoptr(GDateTime) now = gw_message_date_now ();
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *sender = NULL;
  g_autofree char *message_id = NULL;
  GwEnvelope *envelope;

  if (limit > 0 && n->attachments_size > limit) {
    g_autofree char *total_text = g_strdup_printf ("%" G_GUINT64_FORMAT, n->attachments_size);
    g_autofree char *limit_text = g_strdup_printf ("%" G_GUINT64_FORMAT, limit);
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE,
                 _("Attachments total %s bytes, more than the %s bytes profile “%s” allows"),
                 total_text, limit_text, gw_profile_get_name (profile));
    return NULL;
  }
  if (!set_from (message, profile, n, strict, &sender, error))
    return NULL;
  if (!add_mailboxes (g_mime_message_get_addresses (message, GMIME_ADDRESS_TYPE_TO), "to",
                      n->to, strict, rcpts, error) ||
      !add_mailboxes (g_mime_message_get_addresses (message, GMIME_ADDRESS_TYPE_CC), "cc",
                      n->cc, strict, rcpts, error) ||
      !add_mailboxes (NULL, "bcc", n->bcc, strict, rcpts, error))
    return NULL;
  /* Recipients of a transport's own kind go into the envelope as they
   * are; the transport checked them and checks the content (Send). */
  add_others (n, rcpts);
  if (rcpts->len == 0) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_NO_RECIPIENTS,
                 _("Profile “%s” delivers mail; the notification has no mail recipient"),
                 gw_profile_get_name (profile));
    return NULL;
  }
  if (n->reply_to != NULL) {
    g_autofree char *name = NULL;
    g_autofree char *addr = NULL;

    if (!gw_address_parse ("reply-to", n->reply_to, strict, &name, &addr, error))
      return NULL;
    list_add_mailbox (g_mime_message_get_reply_to (message), name, addr);
  }
  for (guint i = 0; i + 1 < n->headers->len; i += 2) {
    if (!check_custom_header (g_ptr_array_index (n->headers, i), error))
      return NULL;
  }

  g_mime_message_set_subject (message, n->subject != NULL ? n->subject : _("Notification"), "utf-8");
  g_mime_message_set_date (message, now);
  message_id = gw_message_id_generate (gw_address_get_domain (sender));
  g_mime_message_set_message_id (message, message_id);
  add_herald_headers (GMIME_OBJECT (message), n);
  for (guint i = 0; i + 1 < n->headers->len; i += 2)
    g_mime_object_append_header (GMIME_OBJECT (message), g_ptr_array_index (n->headers, i),
                                 g_ptr_array_index (n->headers, i + 1), "utf-8");

  /* Last, after every check: nothing is kept for a refused notification. */
  if (as_links && !store_links (links, profile, n, &links_text, &links_html, error))
    return NULL;
  body = make_body (profile, n, links_text, links_html, error);
  if (body == NULL)
    return NULL;
  if (n->attachments->len > 0 && !as_links) {
    g_autoptr(GMimeMultipart) mixed = g_mime_multipart_new_with_subtype ("mixed");

    g_mime_multipart_add (mixed, body);
    for (guint i = 0; i < n->attachments->len; i++) {
      g_autoptr(GMimeObject) part = make_attachment (g_ptr_array_index (n->attachments, i));
      g_mime_multipart_add (mixed, part);
    }
    g_mime_message_set_mime_part (message, GMIME_OBJECT (mixed));
  } else {
    g_mime_message_set_mime_part (message, body);
  }

  if (n->attachments->len > 0 && !as_links && n->attachments_size >= GW_COMPOSER_FILE_MIN) {
    g_autoptr(GwMessageSource) file = serialize_to_file (message, spool_dir, error);

    if (file == NULL)
      return NULL;
    envelope = gw_envelope_new_from_source (NULL, sender, message_id, file);
  } else {
    bytes = serialize (message);
    envelope = gw_envelope_new (NULL, sender, message_id, bytes);
  }
  /* One envelope recipient per address, even if named in To and Cc. */
  for (guint i = 0; i + 1 < rcpts->len; i += 2) {
    const char *addr = g_ptr_array_index (rcpts, i);
    gboolean seen = FALSE;

    for (guint j = 0; j < i && !seen; j += 2)
      seen = g_ascii_strcasecmp (addr, g_ptr_array_index (rcpts, j)) == 0;
    if (!seen)
      gw_envelope_add_recipient (envelope, addr, g_ptr_array_index (rcpts, i + 1));
  }
  return envelope;
}
