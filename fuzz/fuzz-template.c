/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-template.c: libFuzzer target for the template expander
 * (gw_template_check(), gw_template_expand())
 *
 * Input: the administrator's template, then a NUL, then the caller's value
 * for {subject}. Beyond sanitizers: a template that passes the check
 * expands; the secret {pin} appears in the result exactly as often as the
 * template itself names {pin}, whatever the caller's value holds; and a
 * template with no placeholder expands to itself (braces unescaped).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw-template.h"

/* Bytes no input holds: the PIN, and the marker that counts {pin}. */
#define PIN "\x02"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static guint
count (const char *haystack,
       const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

/* How often the template names {pin}: counted by expanding it with a
 * marker the other values cannot contain. */
static guint
pin_uses (const char *tmpl)
{
  const GwTemplateValue marker[] = {
    { "subject", "" }, { "number", "" }, { "pin", "\x01" }, { NULL, NULL }
  };
  g_autofree char *text = gw_template_expand (tmpl, marker, NULL);

  return text != NULL ? count (text, "\x01") : 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const char * const names[] = { "subject", "number", "pin", NULL };
  g_autofree char *input = NULL;
  g_autofree char *text = NULL;
  const char *tmpl, *subject;
  gsize tmpl_length;

  if (size > 16384)
    return 0;
  input = g_malloc (size + 2);
  memcpy (input, data, size);
  input[size] = input[size + 1] = '\0';
  tmpl = input;
  tmpl_length = strlen (tmpl);
  subject = tmpl_length < size ? input + tmpl_length + 1 : "";
  if (strpbrk (tmpl, "\x01\x02") != NULL || strpbrk (subject, "\x01\x02") != NULL)
    return 0;

  {
    const GwTemplateValue values[] = {
      { "subject", subject }, { "number", "4930123456" }, { "pin", PIN }, { NULL, NULL }
    };
    gboolean valid = gw_template_check (tmpl, names, NULL);

    text = gw_template_expand (tmpl, values, NULL);
    if (valid != (text != NULL))
      abort ();
    if (text == NULL)
      return 0;
    if (count (text, PIN) != pin_uses (tmpl))
      abort ();
    if (strchr (tmpl, '{') == NULL && strchr (tmpl, '}') == NULL && strcmp (text, tmpl) != 0)
      abort ();
  }
  return 0;
}
