/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-fax.c: fax numbers and fax documents
 *
 * Numbers are checked at Send (check_recipient), before anything is
 * queued, and normalised only by the backend that dials them, since the
 * country code is a setting of the fax profile. Documents are limited to
 * what fax servers and fax APIs take without converting (PDF, PostScript,
 * TIFF, text), also checked at Send (check_content).
 */
#define G_LOG_DOMAIN "gw-fax"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-fax.h"
#include "gw-fax-gmime.h"

static const char * const fax_separators = " -.()/";

static const struct {
  const char *mime_type;
  const char *aliases[4];
} document_types[] = {
  { "application/pdf", { "application/x-pdf", NULL } },
  { "application/postscript", { "application/x-postscript", NULL } },
  { "image/tiff", { "image/tif", "image/x-tiff", NULL } },
  { "text/plain", { NULL } },
};

gboolean
gw_fax_number_check (const char *number,
                     GError    **error)
{
  guint digits = 0;

  for (const char *p = number; *p != '\0'; p++) {
    if (g_ascii_isdigit (*p)) {
      digits++;
    } else if (*p == '+' && p == number) {
      continue;
    } else if (strchr (fax_separators, *p) == NULL) {
      /* Do not echo control characters back. */
      if (g_ascii_isprint (*p))
        g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ADDRESS,
                     _("Fax number “%s” may contain only digits, a leading + and the separators - . ( ) /"),
                     number);
      else
        g_set_error_literal (error, HERALD_ERROR, HERALD_ERROR_INVALID_ADDRESS,
                             _("A fax number contains a control character or a non-ASCII character"));
      return FALSE;
    }
  }
  if (digits < GW_FAX_NUMBER_MIN_DIGITS || digits > GW_FAX_NUMBER_MAX_DIGITS) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ADDRESS,
                 _("Fax number “%s” must have between %d and %d digits"),
                 number, GW_FAX_NUMBER_MIN_DIGITS, GW_FAX_NUMBER_MAX_DIGITS);
    return FALSE;
  }
  return TRUE;
}

char *
gw_fax_number_normalize (const char *number,
                         const char *default_country_code,
                         GError    **error)
{
  g_autoptr(GString) digits = g_string_new (NULL);
  gboolean international = number[0] == '+';
  const char *rest;

  if (!gw_fax_number_check (number, error))
    return NULL;
  for (const char *p = number; *p != '\0'; p++) {
    if (g_ascii_isdigit (*p))
      g_string_append_c (digits, *p);
  }
  if (international)
    return g_string_free (g_steal_pointer (&digits), FALSE);
  /* "00" is the international call prefix almost everywhere but NANP. */
  if (g_str_has_prefix (digits->str, "00"))
    return g_strdup (digits->str + 2);
  if (default_country_code == NULL || *default_country_code == '\0')
    return g_string_free (g_steal_pointer (&digits), FALSE);
  if (default_country_code[0] == '+')
    default_country_code++;
  /* NANP numbers may be written with their country code and no '+'. */
  if (g_str_equal (default_country_code, "1") && digits->len == 11 && digits->str[0] == '1')
    return g_string_free (g_steal_pointer (&digits), FALSE);
  rest = digits->str[0] == '0' ? digits->str + 1 : digits->str;
  return g_strconcat (default_country_code, rest, NULL);
}

char *
gw_fax_document_type (const char *name,
                      const char *content_type,
                      GBytes     *data,
                      GError    **error)
{
  g_autofree char *mime_type = NULL;

  if (content_type != NULL && *content_type != '\0') {
    g_autofree char *lower = g_ascii_strdown (content_type, -1);
    char *semicolon = strchr (lower, ';');

    if (semicolon != NULL)
      *semicolon = '\0';
    mime_type = g_strdup (g_strstrip (lower));
  } else {
    gsize size = 0;
    const guchar *bytes = data != NULL ? g_bytes_get_data (data, &size) : NULL;
    g_autofree char *guessed = g_content_type_guess (name, bytes, size, NULL);

    mime_type = g_content_type_get_mime_type (guessed);
  }
  for (guint i = 0; mime_type != NULL && i < G_N_ELEMENTS (document_types); i++) {
    if (g_str_equal (mime_type, document_types[i].mime_type) ||
        g_strv_contains (document_types[i].aliases, mime_type))
      return g_strdup (document_types[i].mime_type);
  }
  g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
               _("Attachment “%s” is %s; a fax takes PDF, PostScript, TIFF or plain text"),
               name != NULL ? name : "", mime_type != NULL ? mime_type : _("of unknown type"));
  return NULL;
}

static void
gw_fax_document_free (GwFaxDocument *document)
{
  g_free (document->name);
  g_free (document->content_type);
  g_clear_pointer (&document->data, g_bytes_unref);
  g_free (document);
}

void
gw_fax_content_free (GwFaxContent *content)
{
  g_free (content->subject);
  g_free (content->cover_text);
  g_ptr_array_unref (content->documents);
  g_free (content);
}

static GBytes *
part_decoded_bytes (GMimePart *part)
{
  GMimeDataWrapper *wrapper = g_mime_part_get_content (part);
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new ();
  GByteArray *buffer;

  if (wrapper == NULL)
    return g_bytes_new (NULL, 0);
  g_mime_data_wrapper_write_to_stream (wrapper, stream);
  buffer = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
  return g_bytes_new (buffer->data, buffer->len);
}

/* The first text/plain part that is not an attachment is the cover text;
 * every attachment is a document. */
static gboolean
collect_part (GwFaxContent *content,
              GMimeObject  *object,
              GError      **error)
{
  GMimePart *part;
  GwFaxDocument *document;
  g_autofree char *type = NULL;
  g_autofree char *declared = NULL;
  g_autoptr(GBytes) data = NULL;

  if (GMIME_IS_MULTIPART (object)) {
    GMimeMultipart *multipart = GMIME_MULTIPART (object);

    for (int i = 0; i < g_mime_multipart_get_count (multipart); i++) {
      if (!collect_part (content, g_mime_multipart_get_part (multipart, i), error))
        return FALSE;
    }
    return TRUE;
  }
  if (!GMIME_IS_PART (object))
    return TRUE;
  part = GMIME_PART (object);
  if (!g_mime_part_is_attachment (part)) {
    if (content->cover_text == NULL && GMIME_IS_TEXT_PART (part) &&
        g_mime_content_type_is_type (g_mime_object_get_content_type (object), "text", "plain"))
      content->cover_text = g_mime_text_part_get_text (GMIME_TEXT_PART (part));
    return TRUE;
  }
  data = part_decoded_bytes (part);
  declared = g_mime_content_type_get_mime_type (g_mime_object_get_content_type (object));
  type = gw_fax_document_type (g_mime_part_get_filename (part), declared, data, error);
  if (type == NULL)
    return FALSE;
  document = g_new0 (GwFaxDocument, 1);
  document->name = g_strdup (g_mime_part_get_filename (part));
  document->content_type = g_steal_pointer (&type);
  document->data = g_steal_pointer (&data);
  g_ptr_array_add (content->documents, document);
  return TRUE;
}

GwFaxContent *
gw_fax_content_new_from_envelope (GwEnvelope *envelope,
                                  GError    **error)
{
  g_autoptr(GBytes) message_bytes = gw_envelope_load_message (envelope, error);
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GwFaxContent) content = g_new0 (GwFaxContent, 1);
  gsize size;
  const char *data;

  if (message_bytes == NULL)
    return NULL;
  data = g_bytes_get_data (message_bytes, &size);
  stream = g_mime_stream_mem_new_with_buffer (data, size);
  parser = g_mime_parser_new_with_stream (stream);
  message = g_mime_parser_construct_message (parser, NULL);
  content->documents = g_ptr_array_new_with_free_func ((GDestroyNotify) gw_fax_document_free);
  if (message == NULL) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                 _("The queued message cannot be read back"));
    return NULL;
  }
  content->subject = g_strdup (g_mime_message_get_subject (message));
  if (!collect_part (content, g_mime_message_get_mime_part (message), error))
    return NULL;
  if (content->cover_text != NULL && *g_strstrip (content->cover_text) == '\0')
    g_clear_pointer (&content->cover_text, g_free);
  return g_steal_pointer (&content);
}

gboolean
gw_fax_check_line_value (const char *what,
                         const char *value,
                         gsize       max_len,
                         GError    **error)
{
  if (strlen (value) > max_len) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                 _("The %s is longer than %u bytes"), what, (guint) max_len);
    return FALSE;
  }
  for (const char *p = value; *p != '\0'; p++) {
    if ((guchar) *p < 0x20 || *p == 0x7f || *p == '"') {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                   _("The %s contains a control character or a quote"), what);
      return FALSE;
    }
  }
  return TRUE;
}
