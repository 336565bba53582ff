/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-message-reader.c: libFuzzer target for the complete-message reader
 * (SendMessage, herald-sendmail, the maildrop)
 *
 * Input: one byte of flags, then the bytes. Flag 1: extract recipients
 * (-t); flag 2: add a From when missing; flag 4: the bytes are a maildrop
 * file (envelope first, hs_maildrop_envelope_parse()), else a message.
 * Beyond "no crash, no leak, no UB", an accepted message is CRLF-only with
 * no NUL, no line over 998 octets and no Bcc field, has a Message-ID,
 * parses back with GMime, and reading it again changes nothing.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw-gmime.h"
#include "gw-message-reader.h"
#include "hs-maildrop-file.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_mime_init ();
  return 0;
}

static void
check_message (GBytes *message)
{
  gsize len;
  const char *p = g_bytes_get_data (message, &len);
  gsize line = 0;
  gboolean in_header = TRUE;
  gboolean line_start = TRUE;
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  g_autoptr(GMimeMessage) parsed = NULL;

  for (gsize i = 0; i < len; i++) {
    if (p[i] == '\0')
      abort ();
    if (p[i] == '\r') {
      if (i + 1 >= len || p[i + 1] != '\n')
        abort ();
      continue;
    }
    if (p[i] == '\n') {
      if (i == 0 || p[i - 1] != '\r')
        abort ();
      if (line == 0)
        in_header = FALSE;
      line = 0;
      line_start = TRUE;
      continue;
    }
    if (in_header && line_start && len - i >= 4 && g_ascii_strncasecmp (p + i, "bcc:", 4) == 0)
      abort ();
    line_start = FALSE;
    if (++line > 998)
      abort ();
  }
  stream = g_mime_stream_mem_new_with_buffer (p, len);
  parser = g_mime_parser_new_with_stream (stream);
  parsed = g_mime_parser_construct_message (parser, NULL);
  if (parsed == NULL || g_mime_message_get_message_id (parsed) == NULL)
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  GwMessageReadOptions options = { FALSE, NULL, NULL };
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GwMessage) message = NULL;
  g_autoptr(GwMessage) again = NULL;
  HsMaildropEnvelope envelope;
  size_t header_len = 0;
  uint8_t flags;

  if (size < 1 || size > 256 * 1024)
    return 0;
  flags = data[0];
  data++;
  size--;
  options.extract_recipients = flags & 1;
  if (flags & 2) {
    options.from_address = "fuzz@example.org";
    options.from_name = "Fuzz \"Name\", Jr";
  }
  if (flags & 4) {
    if (hs_maildrop_envelope_parse ((const char *) data, size, &envelope, &header_len) != NULL)
      return 0;
    if (header_len > size)
      abort ();
    for (size_t i = 0; i < envelope.n_recipients; i++) {
      if (*envelope.recipients[i] == '\0' || strpbrk (envelope.recipients[i], "\r\n") != NULL)
        abort ();
    }
    hs_maildrop_envelope_clear (&envelope);
    data += header_len;
    size -= header_len;
  }
  raw = g_bytes_new (data, size);
  message = gw_message_read (raw, &options, NULL);
  if (message == NULL)
    return 0;
  check_message (message->message);
  if (message->message_id == NULL || *message->message_id == '\0' ||
      strpbrk (message->message_id, "\r\n") != NULL)
    abort ();
  if (message->subject != NULL && !g_utf8_validate (message->subject, -1, NULL))
    abort ();
  for (GStrv *list = (GStrv[]) { message->to, message->cc, message->bcc, NULL }; *list != NULL; list++) {
    for (guint i = 0; (*list)[i] != NULL; i++) {
      if (*(*list)[i] == '\0' || strpbrk ((*list)[i], "\r\n") != NULL)
        abort ();
    }
  }
  /* a fixed point: nothing left to add, remove or re-encode */
  again = gw_message_read (message->message, &options, NULL);
  if (again == NULL || again->n_reencoded != 0 || !g_bytes_equal (again->message, message->message))
    abort ();
  return 0;
}
