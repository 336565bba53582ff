/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-smtp-data.c: what goes on the wire in an SMTP transaction
 *
 * A bare CR or LF in the body is never sent as is: a server and the next
 * hop may disagree on where a line, or the message, ends (SMTP smuggling).
 * So every line end is rewritten to CRLF before dot-stuffing.
 */
#define G_LOG_DOMAIN "gw-smtp-data"

#include "config.h"

#include <string.h>

#include "gw-smtp-data.h"
#include "gw-smtp-session-private.h"

void
gw_smtp_data_encoder_init (GwSmtpDataEncoder *enc,
                           GBytes            *message)
{
  enc->message = message != NULL ? g_bytes_ref (message) : NULL;
  enc->in = 0;
  enc->line_start = TRUE;
  enc->finished = FALSE;
}

void
gw_smtp_data_encoder_clear (GwSmtpDataEncoder *enc)
{
  g_clear_pointer (&enc->message, g_bytes_unref);
}

gsize
gw_smtp_data_encoder_fill (GwSmtpDataEncoder *enc,
                           guint8            *out,
                           gsize              size)
{
  gsize len = 0, o = 0;
  const guint8 *in = enc->message != NULL ? g_bytes_get_data (enc->message, &len) : NULL;

  g_return_val_if_fail (size >= 5, 0);
  /* Each byte of input makes at most two of output. */
  while (enc->in < len && o + 2 <= size) {
    guint8 c = in[enc->in++];

    if (c == '\r' || c == '\n') {
      if (c == '\r' && enc->in < len && in[enc->in] == '\n')
        enc->in++;
      out[o++] = '\r';
      out[o++] = '\n';
      enc->line_start = TRUE;
      continue;
    }
    if (enc->line_start && c == '.')
      out[o++] = '.';
    out[o++] = c;
    enc->line_start = FALSE;
  }
  if (enc->in == len && !enc->finished && o + 5 <= size) {
    if (!enc->line_start) {
      out[o++] = '\r';
      out[o++] = '\n';
    }
    memcpy (out + o, ".\r\n", 3);
    o += 3;
    enc->finished = TRUE;
  }
  return o;
}

gsize
gw_smtp_data_encoded_size (GBytes *message)
{
  GwSmtpDataEncoder enc;
  guint8 scratch[4096];
  gsize total = 0, n;

  gw_smtp_data_encoder_init (&enc, message);
  while ((n = gw_smtp_data_encoder_fill (&enc, scratch, sizeof scratch)) > 0)
    total += n;
  gw_smtp_data_encoder_clear (&enc);
  return total;
}

GBytes *
gw_smtp_data_encode (GBytes *message)
{
  GwSmtpDataEncoder enc;
  gsize len = message != NULL ? g_bytes_get_size (message) : 0;
  /* Worst case: every byte is a bare line end ("\n" → "\r\n") or a dot at
   * a line start ("." → ".."), doubling; plus the final CRLF and ".\r\n". */
  gsize max = len * 2 + 5, o;
  guint8 *out = g_malloc (max);

  gw_smtp_data_encoder_init (&enc, message);
  o = gw_smtp_data_encoder_fill (&enc, out, max);
  g_assert (enc.finished);
  gw_smtp_data_encoder_clear (&enc);
  return g_bytes_new_take (g_realloc (out, o), o);
}

gboolean
gw_smtp_data_has_8bit (GBytes *message)
{
  gsize len = 0;
  const guint8 *p = message != NULL ? g_bytes_get_data (message, &len) : NULL;

  for (gsize i = 0; i < len; i++) {
    if (p[i] & 0x80)
      return TRUE;
  }
  return FALSE;
}

/* The offset of the body: after the first empty line (LF or CRLF), or the
 * end when there is none. */
static gsize
body_offset (const guint8 *p,
             gsize         len)
{
  gboolean line_start = TRUE;

  for (gsize i = 0; i < len; i++) {
    if (line_start && p[i] == '\n')
      return i + 1;
    if (line_start && p[i] == '\r' && i + 1 < len && p[i + 1] == '\n')
      return i + 2;
    line_start = p[i] == '\n';
  }
  return len;
}

static gboolean
range_has_8bit (const guint8 *p,
                gsize         from,
                gsize         to)
{
  for (gsize i = from; i < to; i++) {
    if (p[i] & 0x80)
      return TRUE;
  }
  return FALSE;
}

gboolean
gw_smtp_data_header_has_8bit (GBytes *message)
{
  gsize len = 0;
  const guint8 *p = message != NULL ? g_bytes_get_data (message, &len) : NULL;

  return range_has_8bit (p, 0, body_offset (p, len));
}

gboolean
gw_smtp_data_body_has_8bit (GBytes *message)
{
  gsize len = 0;
  const guint8 *p = message != NULL ? g_bytes_get_data (message, &len) : NULL;

  return range_has_8bit (p, body_offset (p, len), len);
}

gboolean
gw_smtp_data_is_ascii (const char *text)
{
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++) {
    if (*p & 0x80)
      return FALSE;
  }
  return TRUE;
}

gboolean
gw_smtp_data_address_is_safe (const char *address)
{
  gsize len;

  if (address == NULL)
    return FALSE;
  len = strlen (address);
  if (len == 0 || len > 998)
    return FALSE;
  for (const guchar *p = (const guchar *) address; *p != '\0'; p++) {
    if (*p <= ' ' || *p == 0x7f || *p == '<' || *p == '>')
      return FALSE;
  }
  return TRUE;
}

char *
gw_smtp_data_xtext (const char *text)
{
  GString *out = g_string_sized_new (strlen (text));

  for (const guchar *p = (const guchar *) text; *p != '\0'; p++) {
    if (*p >= '!' && *p <= '~' && *p != '+' && *p != '=')
      g_string_append_c (out, (char) *p);
    else
      g_string_append_printf (out, "+%02X", *p);
  }
  return g_string_free (out, FALSE);
}
