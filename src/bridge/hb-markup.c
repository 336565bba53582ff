/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hb-markup.c: desktop notification body markup → plain text and safe HTML
 *
 * Notification bodies are written for a small Pango-like markup subset, but
 * many applications send plain text with a bare "&" or "<" in it, so a
 * strict XML parser would refuse half of them. This is a forgiving
 * tokenizer: a "<" that does not start a tag we know is text. */
#define G_LOG_DOMAIN "hb-markup"

#include "hb-markup.h"

#include <string.h>

/* the tags kept in the HTML part; everything else is reduced to its text */
static const char *const kept_tags[] = { "b", "i", "u", "br", "a", NULL };

/* Decodes the entity at @p (after the "&"); returns its length including
 * the ";" and appends the character, or 0 when it is not an entity. */
static gsize
decode_entity (const char *p,
               GString    *out)
{
  static const struct { const char *name; gunichar c; } named[] = {
    { "amp;", '&' }, { "lt;", '<' }, { "gt;", '>' }, { "quot;", '"' },
    { "apos;", '\'' }, { "nbsp;", 0xa0 },
  };
  const char *semi = strchr (p, ';');

  if (semi == NULL || semi - p > 10)
    return 0;
  for (guint i = 0; i < G_N_ELEMENTS (named); i++) {
    gsize len = strlen (named[i].name);
    if (strncmp (p, named[i].name, len) == 0) {
      g_string_append_unichar (out, named[i].c);
      return len;
    }
  }
  if (p[0] == '#') {
    gboolean hex = p[1] == 'x' || p[1] == 'X';
    g_autofree char *digits = g_strndup (p + (hex ? 2 : 1), semi - p - (hex ? 2 : 1));
    char *end = NULL;
    guint64 value = g_ascii_strtoull (digits, &end, hex ? 16 : 10);

    if (*digits == '\0' || *end != '\0' || value == 0 || !g_unichar_validate ((gunichar) value) ||
        value > 0x10ffff)
      return 0;
    g_string_append_unichar (out, (gunichar) value);
    return semi - p + 1;
  }
  return 0;
}

static gboolean
tag_is_kept (const char *name)
{
  return g_strv_contains (kept_tags, name);
}

/* The href of an <a> tag, when it is a link a mail reader may show. */
static char *
link_target (const char *attributes)
{
  const char *href = strstr (attributes, "href=");
  char quote;
  const char *end;
  g_autofree char *url = NULL;

  if (href == NULL)
    return NULL;
  href += strlen ("href=");
  quote = *href;
  if (quote != '"' && quote != '\'')
    return NULL;
  end = strchr (href + 1, quote);
  if (end == NULL)
    return NULL;
  url = g_strndup (href + 1, end - href - 1);
  if (!g_str_has_prefix (url, "https://") && !g_str_has_prefix (url, "http://") &&
      !g_str_has_prefix (url, "mailto:"))
    return NULL;
  return g_steal_pointer (&url);
}

/* Handles a tag starting at @p ("<"); returns its length or 0 when it is
 * not a tag we recognise (then "<" is text). */
static gsize
convert_tag (const char *p,
             GString    *text,
             GString    *html)
{
  const char *close = strchr (p, '>');
  gboolean end_tag = p[1] == '/';
  const char *name_start = p + (end_tag ? 2 : 1);
  gsize name_len = strspn (name_start, "abcdefghijklmnopqrstuvwxyz");
  g_autofree char *name = NULL;

  if (close == NULL || name_len == 0 || name_len > 4)
    return 0;
  name = g_strndup (name_start, name_len);
  if (!tag_is_kept (name) && g_strcmp0 (name, "img") != 0 && g_strcmp0 (name, "span") != 0 &&
      g_strcmp0 (name, "s") != 0 && g_strcmp0 (name, "tt") != 0)
    return 0;

  if (g_str_equal (name, "br")) {
    g_string_append_c (text, '\n');
    g_string_append (html, "<br>");
  } else if (g_str_equal (name, "img")) {
    /* an image has no place in a mail body; its alt text does */
    g_autofree char *attributes = g_strndup (name_start + name_len, close - name_start - name_len);
    const char *alt = strstr (attributes, "alt=\"");
    if (alt != NULL) {
      const char *alt_end = strchr (alt + 5, '"');
      if (alt_end != NULL) {
        g_autofree char *alt_text = g_strndup (alt + 5, alt_end - alt - 5);
        g_autofree char *escaped = g_markup_escape_text (alt_text, -1);
        g_string_append (text, alt_text);
        g_string_append (html, escaped);
      }
    }
  } else if (g_str_equal (name, "a")) {
    if (end_tag) {
      g_string_append (html, "</a>");
    } else {
      g_autofree char *attributes = g_strndup (name_start + name_len, close - name_start - name_len);
      g_autofree char *url = link_target (attributes);
      g_autofree char *escaped = g_markup_escape_text (url != NULL ? url : "", -1);
      /* an unsafe link keeps its text but loses its target */
      g_string_append_printf (html, "<a href=\"%s\">", escaped);
    }
  } else if (tag_is_kept (name)) {
    g_string_append_printf (html, end_tag ? "</%s>" : "<%s>", name);
  }
  return close - p + 1;
}

void
hb_markup_convert (const char *body,
                   char      **text,
                   char      **html)
{
  g_autoptr(GString) plain = g_string_new (NULL);
  g_autoptr(GString) rich = g_string_new (NULL);

  for (const char *p = body; *p != '\0';) {
    gsize used = 0;

    if (*p == '<') {
      used = convert_tag (p, plain, rich);
    } else if (*p == '&') {
      gsize before = plain->len;
      used = decode_entity (p + 1, plain);
      if (used > 0) {
        g_autofree char *escaped = g_markup_escape_text (plain->str + before, -1);
        g_string_append (rich, escaped);
        used++;
      }
    }
    if (used == 0) {
      const char *next = g_utf8_next_char (p);
      g_autofree char *escaped = NULL;

      g_string_append_len (plain, p, next - p);
      if (*p == '\n') {
        g_string_append (rich, "<br>\n");
      } else {
        escaped = g_markup_escape_text (p, next - p);
        g_string_append (rich, escaped);
      }
      used = next - p;
    }
    p += used;
  }
  *text = g_string_free (g_steal_pointer (&plain), FALSE);
  *html = g_string_free (g_steal_pointer (&rich), FALSE);
}
