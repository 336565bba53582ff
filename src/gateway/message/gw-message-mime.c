/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-message-mime.c: the MIME structure of a complete message: its
 * attachments, and the parts that must be re-encoded to travel */
#define G_LOG_DOMAIN "gw-message"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-gmime.h"
#include "gw-message-private.h"

typedef struct {
  GwMessage *result;
  gboolean   fix;
  gboolean   changed;
} Walk;

/* Lines starting "Content-Type:" anywhere: an upper bound of the parts
 * (and so of the nesting GMime's parser recurses through). */
static guint
count_content_types (const guint8 *data,
                     gsize         len)
{
  static const char name[] = "content-type:";
  guint count = 0;

  for (gsize i = 0; i + sizeof name - 1 <= len; i++) {
    if ((i == 0 || data[i - 1] == '\n') &&
        g_ascii_strncasecmp ((const char *) data + i, name, sizeof name - 1) == 0)
      count++;
  }
  return count;
}

/* The content of @part as it would be written (still encoded). */
static GByteArray *
raw_content (GMimePart *part)
{
  GMimeDataWrapper *content = g_mime_part_get_content (part);
  g_autoptr(GMimeStream) copy = g_mime_stream_mem_new ();
  GMimeStream *stream;

  if (content == NULL || (stream = g_mime_data_wrapper_get_stream (content)) == NULL)
    return g_byte_array_new ();
  g_mime_stream_reset (stream);
  g_mime_stream_write_to_stream (stream, copy);
  g_mime_stream_reset (stream);
  /* the array outlives the stream */
  g_mime_stream_mem_set_owner (GMIME_STREAM_MEM (copy), FALSE);
  return g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (copy));
}

static guint64
decoded_size (GMimePart *part)
{
  GMimeDataWrapper *content = g_mime_part_get_content (part);
  g_autoptr(GMimeStream) null = g_mime_stream_null_new ();

  if (content == NULL)
    return 0;
  g_mime_data_wrapper_write_to_stream (content, null);
  return GMIME_STREAM_NULL (null)->written;
}

/* Re-encodes @part: its decoded content becomes new content that GMime
 * encodes on writing, quoted-printable for text and base64 otherwise. A
 * text part without a charset gets one, so its 8-bit text is still read
 * as it was meant. */
static void
reencode (GMimePart *part)
{
  GMimeDataWrapper *content = g_mime_part_get_content (part);
  GMimeContentType *type = g_mime_object_get_content_type (GMIME_OBJECT (part));
  gboolean text = type == NULL || g_mime_content_type_is_type (type, "text", "*");
  g_autoptr(GMimeStream) decoded = g_mime_stream_mem_new ();
  g_autoptr(GMimeDataWrapper) replacement = NULL;
  GByteArray *bytes;

  if (content != NULL)
    g_mime_data_wrapper_write_to_stream (content, decoded);
  g_mime_stream_reset (decoded);
  bytes = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (decoded));
  if (text && (type == NULL || g_mime_content_type_get_parameter (type, "charset") == NULL)) {
    gboolean eight_bit = FALSE;

    for (guint i = 0; i < bytes->len && !eight_bit; i++)
      eight_bit = bytes->data[i] & 0x80;
    if (eight_bit)
      g_mime_object_set_content_type_parameter (GMIME_OBJECT (part), "charset",
        g_utf8_validate_len ((const char *) bytes->data, bytes->len, NULL) ? "utf-8" : "unknown-8bit");
  }
  replacement = g_mime_data_wrapper_new_with_stream (decoded, GMIME_CONTENT_ENCODING_DEFAULT);
  g_mime_part_set_content (part, replacement);
  g_mime_part_set_content_encoding (part, text ? GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE
                                               : GMIME_CONTENT_ENCODING_BASE64);
}

static void
visit_part (Walk      *walk,
            GMimePart *part)
{
  if (g_mime_part_is_attachment (part) || g_mime_part_get_filename (part) != NULL) {
    walk->result->n_attachments++;
    walk->result->attachments_size += decoded_size (part);
  }
  if (walk->fix) {
    g_autoptr(GByteArray) raw = raw_content (part);
    gboolean ignored = FALSE;

    if (gw_message_needs_fix (raw->data, raw->len, &ignored)) {
      reencode (part);
      walk->result->n_reencoded++;
      walk->changed = TRUE;
    }
  }
}

static void
visit (Walk        *walk,
       GMimeObject *object)
{
  if (GMIME_IS_MULTIPART (object)) {
    GMimeMultipart *multipart = GMIME_MULTIPART (object);

    for (int i = 0; i < g_mime_multipart_get_count (multipart); i++)
      visit (walk, g_mime_multipart_get_part (multipart, i));
  } else if (GMIME_IS_MESSAGE_PART (object)) {
    GMimeMessage *inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (object));

    if (inner != NULL && g_mime_message_get_mime_part (inner) != NULL)
      visit (walk, g_mime_message_get_mime_part (inner));
  } else if (GMIME_IS_PART (object)) {
    visit_part (walk, GMIME_PART (object));
  }
}

static GBytes *
serialize (GMimeMessage *message)
{
  g_autoptr(GMimeFormatOptions) options = g_mime_format_options_new ();
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new ();
  GByteArray *written;
  GByteArray *out;
  gsize len;

  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  g_mime_object_write_to_stream (GMIME_OBJECT (message), options, stream);
  written = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
  /* GMime ends with one LF more than the message had. */
  len = written->len;
  if (len >= 3 && memcmp (written->data + len - 3, "\r\n\n", 3) == 0)
    len--;
  out = g_byte_array_sized_new (len + 64);
  gw_message_append_crlf (out, (const char *) written->data, len);
  /* ... or one less (a part written without its last line end) */
  if (out->len > 0 && out->data[out->len - 1] != '\n')
    g_byte_array_append (out, (const guint8 *) "\r\n", 2);
  return g_byte_array_free_to_bytes (out);
}

gboolean
gw_message_mime_walk (GBytes    **message,
                      gboolean    fix,
                      GwMessage  *result,
                      GError    **error)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (*message, &len);
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  g_autoptr(GMimeMessage) parsed = NULL;
  GMimeObject *top;
  Walk walk = { result, fix, FALSE };
  gboolean ignored = FALSE;

  if (count_content_types (data, len) > GW_MESSAGE_MAX_PARTS) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE,
                 _("The message has more than %d MIME parts"), GW_MESSAGE_MAX_PARTS);
    return FALSE;
  }
  stream = g_mime_stream_mem_new_with_buffer ((const char *) data, len);
  parser = g_mime_parser_new_with_stream (stream);
  parsed = g_mime_parser_construct_message (parser, NULL);
  if (parsed == NULL || (top = g_mime_message_get_mime_part (parsed)) == NULL) {
    g_set_error_literal (error, HERALD_ERROR, HERALD_ERROR_INVALID_MESSAGE,
                         _("The message cannot be parsed as MIME"));
    return FALSE;
  }
  visit (&walk, top);
  if (!fix)
    return TRUE;
  if (walk.changed) {
    GMimeHeaderList *headers = g_mime_object_get_header_list (GMIME_OBJECT (parsed));

    /* A plain RFC 5322 body just became a MIME part. */
    if (!g_mime_header_list_contains (headers, "MIME-Version"))
      g_mime_object_set_header (GMIME_OBJECT (parsed), "MIME-Version", "1.0", NULL);
    g_bytes_unref (*message);
    *message = serialize (parsed);
    data = g_bytes_get_data (*message, &len);
  }
  if (gw_message_needs_fix (data, len, &ignored)) {
    g_set_error_literal (error, HERALD_ERROR, HERALD_ERROR_INVALID_MESSAGE,
                         _("The message has a line over 998 octets, a NUL or a bare carriage "
                           "return outside the content of any MIME part"));
    return FALSE;
  }
  return TRUE;
}
