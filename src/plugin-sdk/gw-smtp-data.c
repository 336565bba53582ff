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
gw_smtp_data_encoder_init (GwSmtpDataEncoder *enc)
{
  enc->line_start = TRUE;
  enc->after_cr = FALSE;
}

/* A run is looked for in windows of this many bytes, so that text with
 * only one kind of line end is not searched to its end for the other. */
#define RUN_WINDOW 256

/* The length of the run at @in (at most @len bytes, at least 1) before its
 * first CR or LF: memchr is vectorised, a byte loop is not (issue 18). */
static gsize
plain_run (const guint8 *in,
           gsize         len)
{
  gsize window = MIN (len, RUN_WINDOW);
  const guint8 *lf = memchr (in, '\n', window);
  gsize end = lf != NULL ? (gsize) (lf - in) : window;
  const guint8 *cr = memchr (in, '\r', end);

  return cr != NULL ? (gsize) (cr - in) : end;
}

gsize
gw_smtp_data_encoder_encode (GwSmtpDataEncoder *enc,
                             const guint8      *in,
                             gsize              in_len,
                             gsize             *consumed,
                             guint8            *out,
                             gsize              out_size)
{
  gsize i = 0, o = 0;

  g_return_val_if_fail (out_size >= 2, 0);
  /* Each byte of input makes at most two of output: one is taken only
   * while two bytes of room are left. */
  while (i < in_len && o + 2 <= out_size) {
    guint8 c = in[i];
    gsize run;

    if (c == '\n' && enc->after_cr) {
      enc->after_cr = FALSE;  /* the second half of a CRLF already written */
      i++;
      continue;
    }
    enc->after_cr = c == '\r';
    if (c == '\r' || c == '\n') {
      out[o++] = '\r';
      out[o++] = '\n';
      enc->line_start = TRUE;
      i++;
      continue;
    }
    if (enc->line_start && c == '.') {
      out[o++] = '.';
      out[o++] = '.';
      enc->line_start = FALSE;
      i++;
      continue;
    }
    enc->line_start = FALSE;
    /* The rest of the line as it is, as far as the room allows. */
    run = plain_run (in + i, MIN (in_len - i, out_size - o - 1));
    memcpy (out + o, in + i, run);
    o += run;
    i += run;
  }
  *consumed = i;
  return o;
}

gsize
gw_smtp_data_encoder_finish (GwSmtpDataEncoder *enc,
                             guint8            *out)
{
  gsize o = 0;

  if (!enc->line_start) {
    out[o++] = '\r';
    out[o++] = '\n';
  }
  memcpy (out + o, ".\r\n", 3);
  enc->line_start = TRUE;
  return o + 3;
}

void
gw_smtp_data_facts_init (GwSmtpDataFacts *facts)
{
  memset (facts, 0, sizeof *facts);
  gw_smtp_data_encoder_init (&facts->encoder);
  facts->line_start = TRUE;
}

/* The body is checked for 8-bit bytes a chunk at a time. */
#define EIGHT_BIT_CHUNK 4096

/* Whether any of @len bytes has its top bit set: the bytes are OR-ed
 * together without a branch, which the compiler vectorises. */
static gboolean
has_8bit (const guint8 *p,
          gsize         len)
{
  guint64 bits = 0;
  gsize i = 0;

  for (; i + sizeof bits <= len; i += sizeof bits) {
    guint64 word;

    memcpy (&word, p + i, sizeof word);
    bits |= word;
  }
  for (; i < len; i++)
    bits |= p[i];
  return (bits & G_GUINT64_CONSTANT (0x8080808080808080)) != 0;
}

/* The header ends at its first empty line: an LF, or a CRLF, at a line's
 * start. */
static void
facts_scan (GwSmtpDataFacts *facts,
            const guint8    *p,
            gsize            len)
{
  gsize i = 0;

  while (i < len && !facts->in_body) {
    guint8 c = p[i++];
    gboolean empty_line = (facts->line_start || facts->cr_at_line_start) && c == '\n';

    if (empty_line) {
      facts->in_body = TRUE;
      break;
    }
    facts->cr_at_line_start = facts->line_start && c == '\r';
    if (c & 0x80)
      facts->header_8bit = TRUE;
    facts->line_start = c == '\n';
  }
  while (i < len && !facts->body_8bit) {
    gsize n = MIN (len - i, EIGHT_BIT_CHUNK);

    facts->body_8bit = has_8bit (p + i, n);
    i += n;
  }
}

void
gw_smtp_data_facts_add (GwSmtpDataFacts *facts,
                        const guint8    *data,
                        gsize            len)
{
  guint8 scratch[4096];
  gsize done = 0;

  facts_scan (facts, data, len);
  while (done < len) {
    gsize consumed = 0;

    facts->payload_size += gw_smtp_data_encoder_encode (&facts->encoder, data + done, len - done,
                                                        &consumed, scratch, sizeof scratch);
    done += consumed;
  }
}

void
gw_smtp_data_facts_end (GwSmtpDataFacts *facts)
{
  guint8 end[5];

  facts->payload_size += gw_smtp_data_encoder_finish (&facts->encoder, end);
}

void
gw_smtp_data_facts_of_bytes (GwSmtpDataFacts *facts,
                             GBytes          *message)
{
  gsize len = 0;
  const guint8 *data = message != NULL ? g_bytes_get_data (message, &len) : NULL;

  gw_smtp_data_facts_init (facts);
  gw_smtp_data_facts_add (facts, data, len);
  gw_smtp_data_facts_end (facts);
}

/* A source is read for its facts in pieces of this size. */
#define FACTS_PIECE (256 * 1024)

typedef struct {
  GInputStream    *stream;
  guint8          *piece;
  GwSmtpDataFacts  facts;
} FactsRead;

static void
facts_read_free (FactsRead *read)
{
  if (read->stream != NULL)
    g_input_stream_close (read->stream, NULL, NULL);
  g_clear_object (&read->stream);
  g_free (read->piece);
  g_free (read);
}

static void
facts_piece_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = G_TASK (user_data);
  FactsRead *read = g_task_get_task_data (task);
  GCancellable *cancellable;
  GError *error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (n < 0) {
    g_task_return_error (task, error);
    return;
  }
  if (n == 0) {
    gw_smtp_data_facts_end (&read->facts);
    g_task_return_boolean (task, TRUE);
    return;
  }
  gw_smtp_data_facts_add (&read->facts, read->piece, (gsize) n);
  cancellable = g_task_get_cancellable (task);
  g_input_stream_read_async (read->stream, read->piece, FACTS_PIECE, G_PRIORITY_DEFAULT,
                             cancellable, facts_piece_cb, g_steal_pointer (&task));
}

void
gw_smtp_data_facts_read_async (GwMessageSource     *source,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  FactsRead *read = g_new0 (FactsRead, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, gw_smtp_data_facts_read_async);
  g_task_set_task_data (task, read, (GDestroyNotify) facts_read_free);
  gw_smtp_data_facts_init (&read->facts);
  read->stream = gw_message_source_open (source, &error);
  if (read->stream == NULL) {
    g_task_return_error (task, error);
    return;
  }
  read->piece = g_malloc (FACTS_PIECE);
  g_input_stream_read_async (read->stream, read->piece, FACTS_PIECE, G_PRIORITY_DEFAULT,
                             cancellable, facts_piece_cb, g_steal_pointer (&task));
}

gboolean
gw_smtp_data_facts_read_finish (GAsyncResult     *result,
                                GwSmtpDataFacts  *facts,
                                GError          **error)
{
  FactsRead *read = g_task_get_task_data (G_TASK (result));

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  *facts = read->facts;
  return TRUE;
}

gsize
gw_smtp_data_encoded_size (GBytes *message)
{
  GwSmtpDataFacts facts;

  gw_smtp_data_facts_of_bytes (&facts, message);
  return facts.payload_size;
}

GBytes *
gw_smtp_data_encode (GBytes *message)
{
  GwSmtpDataEncoder enc;
  gsize len = 0;
  const guint8 *in = message != NULL ? g_bytes_get_data (message, &len) : NULL;
  /* Worst case: every byte is a bare line end ("\n" → "\r\n") or a dot at
   * a line start ("." → ".."), doubling; plus the final CRLF and ".\r\n". */
  gsize max = len * 2 + 5, o, consumed = 0;
  guint8 *out = g_malloc (max);

  gw_smtp_data_encoder_init (&enc);
  o = gw_smtp_data_encoder_encode (&enc, in, len, &consumed, out, max);
  g_assert (consumed == len);
  o += gw_smtp_data_encoder_finish (&enc, out + o);
  return g_bytes_new_take (g_realloc (out, o), o);
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
