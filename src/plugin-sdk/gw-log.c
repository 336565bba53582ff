/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-log.c: logging helpers for transports */
#define G_LOG_DOMAIN "gw-log"

#include "config.h"

#include "gw-log.h"

/**
 * gw_log_escape:
 * @text: text from outside: a server's reply, a caller's value
 * @max_bytes: roughly how long the result may grow: once it holds this
 *   many bytes, the rest is cut and "…" ends it (0: no limit)
 *
 * Makes @text safe to put into a log line or an error message: invalid
 * UTF-8 is replaced, control characters (C0, DEL and C1) are written as
 * `\xNN`, so the text cannot start a new log line or inject a header.
 * Never pass a secret: escaping does not hide it.
 *
 * Returns: (transfer full): the escaped text
 */
char *
gw_log_escape (const char *text,
               gsize       max_bytes)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);
  GString *out = g_string_new (NULL);

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    if (max_bytes > 0 && out->len >= max_bytes) {
      g_string_append (out, "…");
      break;
    }
    if (c < 0x20 || (c >= 0x7f && c < 0xa0))
      g_string_append_printf (out, "\\x%02x", c);
    else
      g_string_append_unichar (out, c);
  }
  return g_string_free (out, FALSE);
}
