/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-bridge-markup.c: libFuzzer target for the desktop bridge's reading
 * of notification body markup, hb_markup_convert() (src/bridge)
 *
 * Input: the body as a desktop application sends it. Beyond sanitizers:
 * both results are valid UTF-8, and every tag of the HTML is one of the
 * few the bridge keeps, so no script, style or event attribute can reach a
 * mail.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hb-markup.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Every tag of the HTML is one the bridge means to keep: <b> <i> <u> (and
 * their ends), <br>, </a>, or <a href="..."> whose target is an http(s) or
 * mailto link with no quote or angle bracket in it. */
static void
check_html (const char *html)
{
  static const char * const plain_tags[] = {
    "<b>", "</b>", "<i>", "</i>", "<u>", "</u>", "<br>", "</a>", "<a href=\"\">", NULL
  };

  for (const char *p = strchr (html, '<'); p != NULL; p = strchr (p + 1, '<')) {
    const char *close = strchr (p, '>');
    g_autofree char *tag = NULL;

    if (close == NULL)
      abort ();
    tag = g_strndup (p, close - p + 1);
    if (g_strv_contains (plain_tags, tag))
      continue;
    if (!g_str_has_prefix (tag, "<a href=\"") || !g_str_has_suffix (tag, "\">"))
      abort ();
    {
      g_autofree char *url = g_strndup (tag + 9, strlen (tag) - 11);
      if (strpbrk (url, "\"<>") != NULL ||
          (!g_str_has_prefix (url, "http://") && !g_str_has_prefix (url, "https://") &&
           !g_str_has_prefix (url, "mailto:")))
        abort ();
    }
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *body = NULL;
  g_autofree char *text = NULL;
  g_autofree char *html = NULL;

  if (size > 65536)
    return 0;
  body = g_strndup ((const char *) data, size);
  if (!g_utf8_validate (body, -1, NULL))
    return 0;           /* D-Bus strings are UTF-8 */
  hb_markup_convert (body, &text, &html);
  if (text == NULL || html == NULL || !g_utf8_validate (text, -1, NULL) || !g_utf8_validate (html, -1, NULL))
    abort ();
  check_html (html);
  return 0;
}
