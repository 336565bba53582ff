/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-smtp-reply.c: libFuzzer target for gw_smtp_reply_read_async()
 *
 * Input: one byte whose low bit says whether the server offered
 * ENHANCEDSTATUSCODES, then what a server sends. Replies are read until an
 * error or the end, each checked against the reader's promises: a code of
 * 200-599, 1 to GW_SMTP_REPLY_MAX_LINES lines of at most
 * GW_SMTP_REPLY_MAX_LINE bytes with no CR, LF or NUL. The EHLO
 * capabilities and the reply's text are derived from each reply as well.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw-smtp-reply.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
read_cb (GObject      *source,
         GAsyncResult *res,
         gpointer      user_data)
{
  GwSmtpReply **out = user_data;

  *out = gw_smtp_reply_read_finish (G_BUFFERED_INPUT_STREAM (source), res, NULL);
  if (*out == NULL)
    *out = GINT_TO_POINTER (1);   /* done: error or end */
}

static void
check_reply (const GwSmtpReply *reply)
{
  g_autoptr(GHashTable) capabilities = NULL;
  g_autofree char *text = NULL;
  g_autofree char *whole = NULL;
  guint n;

  if (reply->code < 200 || reply->code > 599 || reply->lines == NULL)
    abort ();
  n = g_strv_length (reply->lines);
  if (n < 1 || n > GW_SMTP_REPLY_MAX_LINES)
    abort ();
  for (guint i = 0; i < n; i++) {
    if (strlen (reply->lines[i]) > GW_SMTP_REPLY_MAX_LINE || strpbrk (reply->lines[i], "\r\n") != NULL)
      abort ();
  }
  capabilities = gw_smtp_reply_parse_capabilities (reply);
  text = gw_smtp_reply_dup_text (reply);
  whole = gw_smtp_reply_to_string (reply);
  if (strpbrk (whole, "\r\n") != NULL)
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GInputStream) memory = NULL;
  g_autoptr(GInputStream) buffered = NULL;
  gboolean enhanced;

  if (size < 1 || size > 65536)
    return 0;
  enhanced = data[0] & 1;
  memory = g_memory_input_stream_new_from_data (g_memdup2 (data + 1, size - 1), (gssize) size - 1, g_free);
  buffered = g_buffered_input_stream_new (memory);
  for (guint replies = 0; replies < 1000; replies++) {
    GwSmtpReply *reply = NULL;

    gw_smtp_reply_read_async (G_BUFFERED_INPUT_STREAM (buffered), enhanced, G_PRIORITY_DEFAULT, NULL,
                              read_cb, &reply);
    while (reply == NULL)
      g_main_context_iteration (NULL, TRUE);
    if (reply == GINT_TO_POINTER (1))
      break;
    check_reply (reply);
    gw_smtp_reply_free (reply);
  }
  return 0;
}
