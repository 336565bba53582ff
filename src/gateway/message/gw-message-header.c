/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-message-header.c: the header section of a complete message, split and
 * checked before anything else reads it
 *
 * Header injection is refused here, on the raw bytes, before GMime (which
 * is lenient by design) sees the message: no NUL, no bare CR, no line over
 * 998 octets, no bytes that are not UTF-8, and bounded counts and sizes.
 */
#define G_LOG_DOMAIN "gw-message"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-message-header.h"

void
gw_header_section_clear (GwHeaderSection *section)
{
  g_clear_pointer (&section->fields, g_array_unref);
}

/* The length of the field name that starts @line, or 0 if @line is not a
 * header field (no ":" after a run of printable ASCII). */
static gsize
field_name_length (const char *line,
                   gsize       len)
{
  for (gsize i = 0; i < len; i++) {
    guchar c = (guchar) line[i];

    if (c == ':')
      return i;
    if (c < 33 || c > 126)
      return 0;
  }
  return 0;
}

static gboolean
check_line (const char *line,
            gsize       len,
            guint       number,
            GError    **error)
{
  if (len > GW_MESSAGE_MAX_LINE) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_MESSAGE,
                 _("Header line %u is longer than %d octets"), number, GW_MESSAGE_MAX_LINE);
    return FALSE;
  }
  if (memchr (line, '\0', len) != NULL) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_MESSAGE,
                 _("Header line %u holds a NUL byte"), number);
    return FALSE;
  }
  if (memchr (line, '\r', len) != NULL) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_MESSAGE,
                 _("Header line %u holds a carriage return that does not end the line"), number);
    return FALSE;
  }
  if (!g_utf8_validate_len (line, len, NULL)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_MESSAGE,
                 _("Header line %u holds 8-bit bytes that are not UTF-8"), number);
    return FALSE;
  }
  return TRUE;
}

static gboolean
line_is_ascii (const char *line,
               gsize       len)
{
  for (gsize i = 0; i < len; i++) {
    if ((guchar) line[i] & 0x80)
      return FALSE;
  }
  return TRUE;
}

gboolean
gw_header_section_scan (const char      *data,
                        gsize            len,
                        GwHeaderSection *section,
                        GError         **error)
{
  gsize p = 0;
  guint number = 0;

  memset (section, 0, sizeof *section);
  section->fields = g_array_new (FALSE, FALSE, sizeof (GwHeaderField));
  section->body_start = len;
  while (p < len) {
    const char *nl = memchr (data + p, '\n', len - p);
    gsize eol = nl != NULL ? (gsize) (nl - data) : len;
    gsize next = nl != NULL ? eol + 1 : len;
    gsize content_end = eol;
    const char *line = data + p;
    gsize line_len;
    gsize name_len;

    /* CRLF: the CR belongs to the line end, not to the line. */
    if (nl != NULL && content_end > p && data[content_end - 1] == '\r')
      content_end--;
    line_len = content_end - p;
    number++;

    if (line_len == 0) {
      section->blank_line = TRUE;
      section->body_start = next;
      return TRUE;
    }
    if (line[0] == ' ' || line[0] == '\t') {
      GwHeaderField *field;

      if (section->fields->len == 0) {
        section->body_start = p;
        return TRUE;
      }
      if (!check_line (line, line_len, number, error))
        return FALSE;
      field = &g_array_index (section->fields, GwHeaderField, section->fields->len - 1);
      field->end = next;
      if (field->end - field->start > GW_MESSAGE_MAX_FIELD_SIZE) {
        g_set_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE,
                     _("Header field “%.*s” is longer than %d bytes"), (int) field->name_len,
                     data + field->start, GW_MESSAGE_MAX_FIELD_SIZE);
        return FALSE;
      }
    } else {
      GwHeaderField field = { p, next, 0 };

      name_len = field_name_length (line, line_len);
      if (name_len == 0) {
        /* Not a header field: the body starts here, without an empty line. */
        section->body_start = p;
        return TRUE;
      }
      if (!check_line (line, line_len, number, error))
        return FALSE;
      if (section->fields->len >= GW_MESSAGE_MAX_HEADER_FIELDS) {
        g_set_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE,
                     _("The message has more than %d header fields"), GW_MESSAGE_MAX_HEADER_FIELDS);
        return FALSE;
      }
      field.name_len = name_len;
      g_array_append_val (section->fields, field);
    }
    section->utf8 = section->utf8 || !line_is_ascii (line, line_len);
    p = next;
    if (p > GW_MESSAGE_MAX_HEADER_SIZE) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE,
                   _("The message's header is larger than %d bytes"), GW_MESSAGE_MAX_HEADER_SIZE);
      return FALSE;
    }
  }
  section->body_start = len;
  return TRUE;
}

gboolean
gw_header_field_is (const char          *data,
                    const GwHeaderField *field,
                    const char          *name)
{
  return strlen (name) == field->name_len &&
         g_ascii_strncasecmp (data + field->start, name, field->name_len) == 0;
}

const GwHeaderField *
gw_header_section_find (const GwHeaderSection *section,
                        const char            *data,
                        const char            *name)
{
  for (guint i = 0; i < section->fields->len; i++) {
    const GwHeaderField *field = &g_array_index (section->fields, GwHeaderField, i);

    if (gw_header_field_is (data, field, name))
      return field;
  }
  return NULL;
}

char *
gw_header_field_dup_value (const char          *data,
                           const GwHeaderField *field)
{
  GString *value = g_string_sized_new (field->end - field->start);

  /* the scan refused NUL and bare CR: every CR and LF is a line end */
  for (gsize i = field->start + field->name_len + 1; i < field->end; i++) {
    if (data[i] != '\r' && data[i] != '\n')
      g_string_append_c (value, data[i]);
  }
  return g_strstrip (g_string_free (value, FALSE));
}
