/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-composer.c: turns a notification into the final MIME message: the
 * checks, the header block (gw-header-block.c), and the message written
 * with its body (gw-composer-text.c, gw-composer-attachments.c)
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
#include "gw-message-file.h"
#include "gw-message-id.h"
#include "gw-composer-private.h"
#include "gw-header-block.h"
#include "gw-message-private.h"

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

/* @mailboxes: display name (or NULL) and address pairs. */
static void
list_add_mailbox (GPtrArray  *mailboxes,
                  const char *name,
                  const char *addr)
{
  g_ptr_array_add (mailboxes, g_strdup (name));
  g_ptr_array_add (mailboxes, g_strdup (addr));
}

static gboolean
add_mailboxes (GPtrArray           *list,
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

/* user@host, the host in ASCII: the address goes into the header as it
 * is (gw-header-block.c) and into MAIL FROM. */
static char *
default_sender (void)
{
  static char *host;

  if (g_once_init_enter (&host)) {
    char *ascii = g_hostname_to_ascii (g_get_host_name ());

    g_once_init_leave (&host, ascii != NULL ? ascii : g_strdup ("localhost"));
  }
  return g_strdup_printf ("%s@%s", g_get_user_name (), host);
}

static gboolean
set_from (GPtrArray      *list,
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
  list_add_mailbox (list, name, addr);
  *sender = g_steal_pointer (&addr);
  return TRUE;
}

static void
add_herald_headers (GString        *head,
                    GwNotification *n)
{
  static const char * const urgencies[] = { "low", "normal", "critical" };

  /* RFC 3834: automatic mail, so vacation responders stay quiet. */
  gw_header_block_append_text (head, "Auto-Submitted", "auto-generated", NULL);
  if (n->app_name != NULL)
    gw_header_block_append_text (head, "X-Herald-App", n->app_name, "utf-8");
  if (n->category != NULL)
    gw_header_block_append_text (head, "X-Herald-Category", n->category, "utf-8");
  gw_header_block_append_text (head, "X-Herald-Urgency", urgencies[MIN (n->urgency, 2)], NULL);
}

/* The message as a GMimeMessage writes it: @head (LF line ends), then
 * @body's own headers, a blank line and its content, with CRLF line ends
 * throughout. */
static gboolean
write_message (GString     *head,
               GMimeObject *body,
               GMimeStream *stream)
{
  g_autoptr(GMimeFormatOptions) options = g_mime_format_options_new ();
  g_autoptr(GByteArray) head_crlf = g_byte_array_sized_new ((guint) head->len + 64);

  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  gw_message_append_crlf (head_crlf, head->str, head->len);
  return g_mime_stream_write (stream, (const char *) head_crlf->data, head_crlf->len) >= 0 &&
         g_mime_header_list_write_to_stream (g_mime_object_get_header_list (body), options, stream) >= 0 &&
         g_mime_stream_write_string (stream, "\r\n") >= 0 &&
         g_mime_object_write_content_to_stream (body, options, stream) >= 0;
}

/* A GMimeMessage ends its body with a line end (a text part's content
 * may have none). */
static void
end_with_line_end (GByteArray *message)
{
  if (message->len == 0 || message->data[message->len - 1] != '\n')
    g_byte_array_append (message, (const guint8 *) "\r\n", 2);
}

static GBytes *
serialize (GString     *head,
           GMimeObject *body)
{
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new ();

  /* A memory stream's writes do not fail. */
  write_message (head, body, stream);
  end_with_line_end (g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream)));
  return gw_mime_stream_mem_steal_bytes (GMIME_STREAM_MEM (stream));
}

/* The common notification: 7-bit plain text in UTF-8, composed without a
 * GMime part. NULL if GMime would encode the text. */
static GBytes *
serialize_plain_text (GString    *head,
                      const char *text)
{
  g_autoptr(GByteArray) message = g_byte_array_sized_new ((guint) (head->len + strlen (text)) + 128);

  gw_message_append_crlf (message, head->str, head->len);
  g_byte_array_append (message, (const guint8 *) GW_COMPOSER_PLAIN_TEXT_HEADERS,
                       sizeof GW_COMPOSER_PLAIN_TEXT_HEADERS - 1);
  if (!gw_composer_append_plain_text (message, text))
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&message));
}

/* The message in a file of its own (gw-message-file.c), or NULL. Its
 * body is a multipart, which ends with a line end. */
static GwMessageSource *
serialize_to_file (GString     *head,
                   GMimeObject *body,
                   const char  *dir,
                   GError     **error)
{
  g_autoptr(GMimeStream) file = NULL;
  g_autoptr(GMimeStream) buffered = NULL;
  int fd = gw_message_file_create (dir, error);
  struct stat st;

  if (fd < 0)
    return NULL;
  file = g_mime_stream_fs_new (fd);
  g_mime_stream_fs_set_owner (GMIME_STREAM_FS (file), FALSE);
  buffered = g_mime_stream_buffer_new (file, GMIME_STREAM_BUFFER_BLOCK_WRITE);
  errno = 0;
  if (!write_message (head, body, buffered) || g_mime_stream_flush (buffered) < 0 ||
      fstat (fd, &st) != 0) {
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

/* The header block, up to and with MIME-Version, in the order a
 * GMimeMessage writes it (g_mime_message_new (TRUE) lists Date, From,
 * Reply-To, Subject, To and Cc first). */
static GString *
compose_head (GwNotification      *n,
              GPtrArray           *from,
              GPtrArray           *reply_to,
              GPtrArray           *to,
              GPtrArray           *cc,
              const char          *message_id)
{
  GString *head = g_string_sized_new (512);
  g_autoptr(GDateTime) now = gw_message_date_now ();
  g_autofree char *date = g_mime_utils_header_format_date (now);

  gw_header_block_set_text (head, "Date", date, NULL);
  gw_header_block_append_mailboxes (head, "From", from);
  gw_header_block_append_mailboxes (head, "Reply-To", reply_to);
  gw_header_block_set_text (head, "Subject", n->subject != NULL ? n->subject : _("Notification"), "utf-8");
  gw_header_block_append_mailboxes (head, "To", to);
  gw_header_block_append_mailboxes (head, "Cc", cc);
  gw_header_block_append_message_id (head, message_id);
  add_herald_headers (head, n);
  for (guint i = 0; i + 1 < n->headers->len; i += 2)
    gw_header_block_append_text (head, g_ptr_array_index (n->headers, i),
                                 g_ptr_array_index (n->headers, i + 1), "utf-8");
  gw_header_block_append_text (head, "MIME-Version", "1.0", NULL);
  return head;
}

/* The body after the header block: the text alone, text and HTML, and
 * the attachments, as GMime parts; the common 7-bit plain text in UTF-8
 * without them. */
static GwEnvelope *
compose_body (GwProfile         *profile,
              GwNotification    *n,
              GString           *head,
              const char        *links_text,
              const char        *links_html,
              const char        *spool_dir,
              const char        *sender,
              const char        *message_id,
              GError           **error)
{
  /* With attachments-as-url, the links replace the attachments' parts. */
  gboolean attach = n->attachments->len > 0 && links_text == NULL;
  const char *charset = gw_profile_get_string (profile, "charset");
  g_autofree char *text = NULL;
  g_autofree char *html = NULL;
  g_autoptr(GMimeObject) body = NULL;
  g_autoptr(GBytes) bytes = NULL;

  gw_composer_body_texts (profile, n, links_text, links_html, &text, &html);
  if (!attach && html == NULL && (charset == NULL || g_ascii_strcasecmp (charset, "utf-8") == 0))
    bytes = serialize_plain_text (head, text);
  if (bytes != NULL)
    return gw_envelope_new (NULL, sender, message_id, bytes);

  body = gw_composer_make_body (text, html, charset, error);
  if (body == NULL)
    return NULL;
  if (attach) {
    GMimeMultipart *mixed = g_mime_multipart_new_with_subtype ("mixed");

    g_mime_multipart_add (mixed, body);
    for (guint i = 0; i < n->attachments->len; i++) {
      g_autoptr(GMimeObject) part = gw_composer_make_attachment (g_ptr_array_index (n->attachments, i));
      g_mime_multipart_add (mixed, part);
    }
    g_object_unref (body);
    body = GMIME_OBJECT (mixed);
  }
  if (attach && n->attachments_size >= GW_COMPOSER_FILE_MIN) {
    g_autoptr(GwMessageSource) file = serialize_to_file (head, body, spool_dir, error);

    return file != NULL ? gw_envelope_new_from_source (NULL, sender, message_id, file) : NULL;
  }
  bytes = serialize (head, body);
  return gw_envelope_new (NULL, sender, message_id, bytes);
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
  g_autoptr(GPtrArray) from = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) reply_to = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) to = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) cc = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) rcpts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) head = NULL;
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
  if (!set_from (from, profile, n, strict, &sender, error))
    return NULL;
  if (!add_mailboxes (to, "to", n->to, strict, rcpts, error) ||
      !add_mailboxes (cc, "cc", n->cc, strict, rcpts, error) ||
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
    list_add_mailbox (reply_to, name, addr);
  }
  for (guint i = 0; i + 1 < n->headers->len; i += 2) {
    if (!check_custom_header (g_ptr_array_index (n->headers, i), error))
      return NULL;
  }

  message_id = gw_message_id_generate (gw_address_get_domain (sender));
  head = compose_head (n, from, reply_to, to, cc, message_id);
  /* Last, after every check: nothing is kept for a refused notification. */
  if (as_links && !gw_composer_store_links (links, profile, n, &links_text, &links_html, error))
    return NULL;
  envelope = compose_body (profile, n, head, links_text, links_html, spool_dir, sender, message_id, error);
  if (envelope == NULL)
    return NULL;
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
