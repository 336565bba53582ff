/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-composer-text.c: the text a notification's message carries: plain
 * text made from HTML, line ends, the text parts, and the common 7-bit
 * plain text written without a GMime part */
#define G_LOG_DOMAIN "gw-composer"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-composer-private.h"

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
  gboolean    hex;
  const char *digits;
  char       *end = NULL;
  guint64     value;

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
  static const struct {
    const char *entity;
    const char *text;
  } entities[] = {
    { "&amp;", "&" },
    { "&lt;", "<" },
    { "&gt;", ">" },
    { "&quot;", "\"" },
    { "&apos;", "'" },
    { "&nbsp;", " " },
  };
  /* Tags that end a line, and elements whose content is not text. */
  static const char * const breaks[] = {
    "br", "/p", "/div", "/h1", "/h2", "/h3", "/h4", "/h5", "/h6", "/li", "/tr", "/table",
    "/ul", "/ol", "/blockquote", "/pre", "hr", NULL
  };
  static const char * const hidden[] = { "head", "script", "style", "title", NULL };
  GString                  *out = g_string_new (NULL);
  const char               *p = html;

  while (*p != '\0') {
    if (*p == '<') {
      const char      *end = strchr (p, '>');
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
      gsize    consumed = numeric_entity (p, out);
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
  gsize            converted_len = 0;

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
                   _ ("The text cannot be written in the profile's charset %s"), charset);
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
  const char      *end = g_strrstr (lower, "</body");

  if (end == NULL)
    return g_strconcat (html, extra, NULL);
  return g_strdup_printf ("%.*s%s%s", (int) (end - lower), html, extra, html + (end - lower));
}

/* The text and the HTML (NULL: none, or plain-text-only) the recipient
 * reads, with the attachment links (@links_text, @links_html, or NULL)
 * appended. */
void
gw_composer_body_texts (GwProfile      *profile,
                        GwNotification *n,
                        const char     *links_text,
                        const char     *links_html,
                        char          **text,
                        char          **html)
{
  g_autofree char *generated = NULL;
  const char      *own = n->body;

  if (own == NULL && n->html != NULL)
    own = generated = gw_composer_html_to_text (n->html);
  *text = g_strconcat (own != NULL ? own : "", links_text, NULL);
  *html = NULL;
  if (n->html != NULL && !gw_profile_get_boolean (profile, "plain-text-only"))
    *html = links_html != NULL ? html_with_extra (n->html, links_html) : g_strdup (n->html);
}

GMimeObject *
gw_composer_make_body (const char *text,
                       const char *html,
                       const char *charset,
                       GError    **error)
{
  g_autoptr(GMimeObject) text_part = make_text_part ("plain", text, charset, error);
  g_autoptr(GMimeObject) html_part = NULL;
  GMimeMultipart *alternative;

  if (text_part == NULL)
    return NULL;
  if (html == NULL)
    return g_steal_pointer (&text_part);
  html_part = make_text_part ("html", html, charset, error);
  if (html_part == NULL)
    return NULL;
  alternative = g_mime_multipart_new_with_subtype ("alternative");
  g_mime_multipart_add (alternative, text_part);
  g_mime_multipart_add (alternative, html_part);
  return GMIME_OBJECT (alternative);
}

/* The bytes that end a run of plain text: the end, a line end, an 8-bit
 * byte. */
static const guint8 run_ends[256] = {
  [0] = 1, ['\r'] = 1, ['\n'] = 1, [0x80 ... 0xff] = 1
};

/* Appends the body of a text/plain part that GMime would send as it is
 * (7-bit: no 8-bit byte, no line over 998 octets, no line starting
 * "From "), with CRLF line ends, and one at its end unless it is empty, as
 * GMime's message writes it. FALSE, with @out as it was, if GMime would
 * encode it. One pass: the text is copied as it is checked, a line at a
 * time (a byte at a time was a fifth of composing, issue 18). */
gboolean
gw_composer_append_plain_text (GByteArray *out,
                               const char *text)
{
  guint       start = out->len;
  const char *line = text;
  const char *p = text;

  for (;;) {
    if (strncmp (line, "From ", 5) == 0)
      break;
    while (!run_ends[(guchar) *p])
      p++;
    if (p - line > 998 || (guchar) *p >= 0x80)
      break;
    g_byte_array_append (out, (const guint8 *) line, (guint) (p - line));
    if (*p == '\0') {
      if (p != text && p[-1] != '\r' && p[-1] != '\n')
        g_byte_array_append (out, (const guint8 *) "\r\n", 2);
      return TRUE;
    }
    /* CR, LF and CRLF each end a line (normalize_line_ends). */
    g_byte_array_append (out, (const guint8 *) "\r\n", 2);
    if (p[0] == '\r' && p[1] == '\n')
      p++;
    line = ++p;
  }
  g_byte_array_set_size (out, start);
  return FALSE;
}
