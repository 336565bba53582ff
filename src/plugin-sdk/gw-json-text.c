/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-json-text.c: whether a JSON text is UTF-8, how deep it nests, and
 * whether its escapes are JSON's, before a parser sees it (plugin SDK)
 *
 * json-glib parses arrays and objects recursively, so a hostile document of
 * a few thousand brackets costs stack and time in proportion. This scan
 * counts the nesting of "[" and "{" outside strings in one pass and with
 * no allocation; a text it passes may still be invalid JSON, which the
 * parser then reports.
 *
 * json-glib (GScanner underneath) also takes escapes that JSON does not
 * have: "\222" becomes the byte 0x92, which is not UTF-8, in a string the
 * rest of Herald takes for UTF-8 text (the fuzzer found one in a routes
 * document). The same pass refuses them before the parser runs.
 */
#define G_LOG_DOMAIN "gw-json-text"

#include "config.h"

#include <string.h>

#include "gw-json-text.h"

/* Whether the escape after the backslash at @text[*i] is one of JSON's
 * (and not \u0000); moves *i to its last character. */
static gboolean
escape_is_json (const char *text,
                gsize       n,
                gsize      *i)
{
  char c;

  /* (A backslash at the very end is the parser's error to report.) */
  if (++*i >= n)
    return TRUE;
  c = text[*i];
  if (c != '\0' && strchr ("\"\\/bfnrt", c) != NULL)
    return TRUE;
  if (c != 'u' || n - *i <= 4)
    return FALSE;
  for (gsize k = 1; k <= 4; k++) {
    if (!g_ascii_isxdigit (text[*i + k]))
      return FALSE;
  }
  if (strncmp (text + *i + 1, "0000", 4) == 0)
    return FALSE;
  *i += 4;
  return TRUE;
}

/**
 * gw_json_text_check:
 * @text: (array length=length) (nullable): the text, not necessarily
 *   NUL-terminated; %NULL only with a @length of 0
 * @length: its length in bytes
 * @max_depth: the deepest nesting of arrays and objects allowed
 *
 * Checks a JSON text from the network before json-glib parses it. Every
 * JSON reader of Herald calls it first: the daemon's doors and the
 * answers of the web services a transport talks to (a token endpoint,
 * Microsoft Graph, a fax API). One pass, no allocation.
 *
 * Returns: the first problem found, or %GW_JSON_TEXT_OK (also for an
 *   empty text, which the parser then refuses)
 */
GwJsonTextProblem
gw_json_text_check (const char *text,
                    gsize       length,
                    guint       max_depth)
{
  gboolean in_string = FALSE;
  guint depth = 0;

  /* (memchr() may not be given NULL, even for no bytes: found by
   * fuzz-fax-webhook under UBSan, for an empty body.) */
  if (length == 0)
    return GW_JSON_TEXT_OK;
  if (memchr (text, '\0', length) != NULL || !g_utf8_validate (text, (gssize) length, NULL))
    return GW_JSON_TEXT_NOT_UTF8;
  for (gsize i = 0; i < length; i++) {
    char c = text[i];

    if (in_string) {
      if (c == '\\' && !escape_is_json (text, length, &i))
        return GW_JSON_TEXT_BAD_ESCAPE;
      else if (c == '"')
        in_string = FALSE;
      continue;
    }
    if (c == '"') {
      in_string = TRUE;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth)
        return GW_JSON_TEXT_TOO_DEEP;
    } else if ((c == ']' || c == '}') && depth > 0) {
      depth--;
    }
  }
  return GW_JSON_TEXT_OK;
}
