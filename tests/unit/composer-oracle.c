/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* composer-oracle.c: a notification composed as a GMimeMessage, the way
 * gw-composer.c did before issue 18, for test-composer and fuzz-compose
 *
 * The composer now formats each header with the GMime function a
 * GMimeMessage uses for it and writes 7-bit plain text itself. This is the
 * reference it must match byte for byte: the same values given to a
 * GMimeMessage, which GMime orders, folds, encodes and writes.
 */
#define G_LOG_DOMAIN "composer-oracle"

#include "config.h"

#include <string.h>

#include "composer-oracle.h"
#include "gw-address.h"
#include "gw-gmime.h"

/* Set when GMime would not write an address as given: it decodes an IDNA
 * domain and encodes it again, and writes the decoded form when libidn2
 * cannot encode it (found by fuzz-compose: UTF-8 in a header, or another
 * domain). The composer writes the ASCII form it was given; only that
 * difference is allowed. */
static gboolean gmime_alters_domain;

static void
note_altered_domain (InternetAddress *mailbox,
                     const char      *addr)
{
  const char *written = internet_address_mailbox_get_idn_addr (INTERNET_ADDRESS_MAILBOX (mailbox));

  gmime_alters_domain |= g_strcmp0 (written, addr) != 0;
}

/* Every domain in the header block @data..@end is ASCII. */
static gboolean
domains_are_ascii (const char *data,
                   const char *end)
{
  for (const char *p = data; p < end; p++) {
    if (*p != '@')
      continue;
    for (p++; p < end && strchr (">, \t\r\n", *p) == NULL; p++) {
      if ((guchar) *p >= 0x80)
        return FALSE;
    }
  }
  return TRUE;
}

static void
add_mailbox (InternetAddressList *list,
             const char          *entry,
             gboolean             strict)
{
  g_autofree char *name = NULL;
  g_autofree char *addr = NULL;
  g_autoptr(InternetAddress) mailbox = NULL;

  /* The composer accepted it, so it parses. */
  if (!gw_address_parse ("to", entry, strict, &name, &addr, NULL))
    g_assert_not_reached ();
  mailbox = internet_address_mailbox_new (name, addr);
  note_altered_domain (mailbox, addr);
  internet_address_list_add (list, mailbox);
}

static void
set_from (GMimeMessage   *message,
          GwProfile      *profile,
          GwNotification *n,
          GwEnvelope     *composed)
{
  gboolean strict = gw_profile_get_boolean (profile, "strict-addresses");
  g_autoptr(InternetAddress) mailbox = NULL;

  if (n->from != NULL) {
    add_mailbox (g_mime_message_get_from (message), n->from, strict);
    return;
  }
  mailbox = internet_address_mailbox_new (gw_profile_get_string (profile, "from-name"),
                                          gw_envelope_get_sender (composed));
  note_altered_domain (mailbox, gw_envelope_get_sender (composed));
  internet_address_list_add (g_mime_message_get_from (message), mailbox);
}

/* The old make_text_part(). */
static GMimeObject *
text_part (const char *subtype,
           const char *raw_text,
           const char *charset)
{
  g_autoptr(GMimeTextPart) part = g_mime_text_part_new_with_subtype (subtype);
  GString *text = g_string_new (NULL);
  g_autofree char *normal = NULL;

  for (const char *p = raw_text; *p != '\0'; p++) {
    g_string_append_c (text, *p == '\r' ? '\n' : *p);
    if (p[0] == '\r' && p[1] == '\n')
      p++;
  }
  normal = g_string_free (text, FALSE);
  if (charset == NULL || g_ascii_strcasecmp (charset, "utf-8") == 0) {
    g_mime_text_part_set_text (part, normal);
    g_mime_text_part_set_charset (part, "utf-8");
  } else {
    gsize len = 0;
    g_autofree char *converted = g_convert (normal, -1, charset, "UTF-8", NULL, &len, NULL);
    g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer (converted, len);
    g_autoptr(GMimeDataWrapper) content =
      g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);

    g_assert_nonnull (converted);
    g_mime_part_set_content (GMIME_PART (part), content);
    g_mime_text_part_set_charset (part, charset);
  }
  g_mime_part_set_content_encoding (GMIME_PART (part),
    g_mime_part_get_best_content_encoding (GMIME_PART (part), GMIME_ENCODING_CONSTRAINT_7BIT));
  return GMIME_OBJECT (g_steal_pointer (&part));
}

static GMimeObject *
body (GwProfile      *profile,
      GwNotification *n)
{
  const char *charset = gw_profile_get_string (profile, "charset");
  g_autofree char *generated = NULL;
  const char *text = n->body;
  g_autoptr(GMimeObject) plain = NULL;
  g_autoptr(GMimeObject) html = NULL;
  GMimeMultipart *alternative;

  if (text == NULL && n->html != NULL)
    text = generated = gw_composer_html_to_text (n->html);
  plain = text_part ("plain", text != NULL ? text : "", charset);
  if (n->html == NULL || gw_profile_get_boolean (profile, "plain-text-only"))
    return g_steal_pointer (&plain);
  html = text_part ("html", n->html, charset);
  alternative = g_mime_multipart_new_with_subtype ("alternative");
  g_mime_multipart_add (alternative, plain);
  g_mime_multipart_add (alternative, html);
  return GMIME_OBJECT (alternative);
}

/* The Date the composer wrote: the first header. */
static GDateTime *
composed_date (const char *data,
               gsize       size)
{
  const char *end = memchr (data, '\r', size);
  g_autofree char *value = NULL;

  g_assert_true (size > 6 && strncmp (data, "Date: ", 6) == 0 && end != NULL);
  value = g_strndup (data + 6, (gsize) (end - data - 6));
  return g_mime_utils_header_decode_date (value);
}

static GByteArray *
write_message (GMimeMessage *message)
{
  g_autoptr(GMimeFormatOptions) options = g_mime_format_options_new ();
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new ();

  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  g_mime_object_write_to_stream (GMIME_OBJECT (message), options, stream);
  g_mime_stream_mem_set_owner (GMIME_STREAM_MEM (stream), FALSE);
  return g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
}

char *
herald_test_composer_oracle_diff (GwProfile      *profile,
                                  GwNotification *n,
                                  GwEnvelope     *composed)
{
  static const char * const urgencies[] = { "low", "normal", "critical" };
  gboolean strict = gw_profile_get_boolean (profile, "strict-addresses");
  g_autoptr(GBytes) bytes = gw_envelope_load_message (composed, NULL);
  gsize size = 0;
  const char *data = g_bytes_get_data (bytes, &size);
  g_autoptr(GMimeMessage) message = g_mime_message_new (TRUE);
  g_autoptr(GDateTime) date = composed_date (data, size);
  g_autoptr(GMimeObject) part = NULL;
  g_autoptr(GByteArray) expected = NULL;
  gsize compared = size;
  gsize at = 0;

  set_from (message, profile, n, composed);
  for (guint i = 0; n->to != NULL && n->to[i] != NULL; i++)
    add_mailbox (g_mime_message_get_addresses (message, GMIME_ADDRESS_TYPE_TO), n->to[i], strict);
  for (guint i = 0; n->cc != NULL && n->cc[i] != NULL; i++)
    add_mailbox (g_mime_message_get_addresses (message, GMIME_ADDRESS_TYPE_CC), n->cc[i], strict);
  if (n->reply_to != NULL)
    add_mailbox (g_mime_message_get_reply_to (message), n->reply_to, strict);
  g_mime_message_set_subject (message, n->subject != NULL ? n->subject : "Notification", "utf-8");
  g_mime_message_set_date (message, date);
  g_mime_message_set_message_id (message, gw_envelope_get_message_id (composed));
  g_mime_object_set_header (GMIME_OBJECT (message), "Auto-Submitted", "auto-generated", NULL);
  if (n->app_name != NULL)
    g_mime_object_set_header (GMIME_OBJECT (message), "X-Herald-App", n->app_name, "utf-8");
  if (n->category != NULL)
    g_mime_object_set_header (GMIME_OBJECT (message), "X-Herald-Category", n->category, "utf-8");
  g_mime_object_set_header (GMIME_OBJECT (message), "X-Herald-Urgency",
                            urgencies[MIN (n->urgency, 2)], NULL);
  for (guint i = 0; i + 1 < n->headers->len; i += 2)
    g_mime_object_append_header (GMIME_OBJECT (message), g_ptr_array_index (n->headers, i),
                                 g_ptr_array_index (n->headers, i + 1), "utf-8");
  if (gmime_alters_domain) {
    const char *end = g_strstr_len (data, (gssize) size, "\r\n\r\n");

    gmime_alters_domain = FALSE;
    if (end == NULL || !domains_are_ascii (data, end))
      return g_strdup_printf ("a domain not in ASCII:\n%.*s", (int) size, data);
    return NULL;
  }
  part = body (profile, n);
  if (GMIME_IS_MULTIPART (part)) {
    /* Boundaries are random: the composer's. */
    const char *boundary = g_strstr_len (data, (gssize) size, "boundary=\"");
    const char *end = boundary != NULL ? strchr (boundary + 10, '"') : NULL;

    if (end != NULL) {
      g_autofree char *value = g_strndup (boundary + 10, (gsize) (end - boundary - 10));

      g_mime_multipart_set_boundary (GMIME_MULTIPART (part), value);
    }
  }
  g_mime_message_set_mime_part (message, part);
  expected = write_message (message);

  if (n->attachments->len > 0) {
    const char *mime_version = g_strstr_len ((const char *) expected->data, expected->len,
                                             "\r\nMIME-Version: 1.0\r\n");

    g_assert_nonnull (mime_version);
    compared = (gsize) (mime_version - (const char *) expected->data) + 21;
    if (size < compared)
      return g_strdup_printf ("the message has %zu bytes, its headers %zu", size, compared);
  } else if (size != expected->len) {
    return g_strdup_printf ("%zu bytes, GMime wrote %u:\n%.*s\n--- GMime:\n%.*s", size,
                            expected->len, (int) size, data, (int) expected->len,
                            (const char *) expected->data);
  }
  while (at < compared && data[at] == (char) expected->data[at])
    at++;
  if (at == compared)
    return NULL;
  return g_strdup_printf ("differs at byte %zu:\n%.*s\n--- GMime:\n%.*s", at, (int) size, data,
                          (int) expected->len, (const char *) expected->data);
}
