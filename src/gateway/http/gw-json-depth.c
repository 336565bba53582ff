/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-json-depth.c: how deep a JSON text nests, before a parser sees it
 *
 * json-glib parses arrays and objects recursively, so a hostile document of
 * a few thousand brackets costs stack and time in proportion. This scan
 * counts the nesting of "[" and "{" outside strings in one pass and with
 * no allocation; a text it passes may still be invalid JSON, which the
 * parser then reports.
 */
#define G_LOG_DOMAIN "gw-json-depth"

#include "config.h"

#include <string.h>

#include "gw-json-depth.h"

gboolean
gw_json_depth_within (const char *text,
                      gssize      length,
                      guint       max_depth)
{
  gsize n = length < 0 ? strlen (text) : (gsize) length;
  gboolean in_string = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < n; i++) {
    char c = text[i];

    if (in_string) {
      if (c == '\\')
        i++;            /* the escaped character cannot end the string */
      else if (c == '"')
        in_string = FALSE;
      continue;
    }
    if (c == '"') {
      in_string = TRUE;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth)
        return FALSE;
    } else if ((c == ']' || c == '}') && depth > 0) {
      depth--;
    }
  }
  return TRUE;
}
