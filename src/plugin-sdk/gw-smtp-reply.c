/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-smtp-reply.c: one SMTP reply, read with bounded memory
 *
 * Replies are parsed straight from the GBufferedInputStream's buffer rather
 * than with a line reader: a server sending a megabyte without a newline,
 * or an endless "250-" continuation, must fail as soon as a limit is passed,
 * with memory bounded by the buffer size.
 */
#define G_LOG_DOMAIN "gw-smtp-reply"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "gw-smtp-reply-private.h"

G_DEFINE_BOXED_TYPE (GwSmtpReply, gw_smtp_reply, gw_smtp_reply_copy, gw_smtp_reply_free)

/**
 * gw_smtp_reply_new:
 * @code: the reply code, 200–599
 * @lines: (array zero-terminated=1): the text of each line, at least one
 *
 * Returns: (transfer full): a new reply, without an enhanced code
 */
GwSmtpReply *
gw_smtp_reply_new (guint               code,
                   const char * const *lines)
{
  GwSmtpReply *reply = g_new0 (GwSmtpReply, 1);
  const char * const empty[] = { "", NULL };

  reply->code = code;
  reply->lines = g_strdupv ((char **) (lines != NULL && lines[0] != NULL ? lines : empty));
  return reply;
}

/**
 * gw_smtp_reply_copy:
 * @reply: a reply
 *
 * Returns: (transfer full): a copy
 */
GwSmtpReply *
gw_smtp_reply_copy (const GwSmtpReply *reply)
{
  GwSmtpReply *copy;

  g_return_val_if_fail (reply != NULL, NULL);

  copy = gw_smtp_reply_new (reply->code, (const char * const *) reply->lines);
  copy->enhanced_code = g_strdup (reply->enhanced_code);
  return copy;
}

/**
 * gw_smtp_reply_free:
 * @reply: (nullable): a reply
 *
 * Frees a reply.
 */
void
gw_smtp_reply_free (GwSmtpReply *reply)
{
  if (reply == NULL)
    return;
  g_strfreev (reply->lines);
  g_free (reply->enhanced_code);
  g_free (reply);
}

/* Length of "D.DDD.DDD" at the start of @text (RFC 3463), or 0. */
static gsize
enhanced_code_length (const char *text)
{
  const char *p = text;

  for (guint part = 0; part < 3; part++) {
    guint digits = 0;

    while (g_ascii_isdigit (*p) && digits < 4) {
      p++;
      digits++;
    }
    if (digits == 0 || digits > 3 || (part == 0 && digits != 1))
      return 0;
    if (part < 2) {
      if (*p != '.')
        return 0;
      p++;
    }
  }
  if (*p != '\0' && *p != ' ')
    return 0;
  return (gsize) (p - text);
}

/**
 * gw_smtp_reply_parse_enhanced:
 * @reply: a reply
 *
 * Sets @reply's enhanced_code from its first line if the line starts with
 * one whose class matches the reply code.
 */
void
gw_smtp_reply_parse_enhanced (GwSmtpReply *reply)
{
  const char *first;
  gsize len;

  g_return_if_fail (reply != NULL);

  first = reply->lines[0];
  len = enhanced_code_length (first);
  /* "2.0.0" belongs to a 2xx reply only; a mismatch is not trusted. */
  if (len > 0 && first[0] == '0' + (char) (reply->code / 100)) {
    g_free (reply->enhanced_code);
    reply->enhanced_code = g_strndup (first, len);
  }
}

/**
 * gw_smtp_reply_dup_text:
 * @reply: a reply
 *
 * Returns: (transfer full): the text without the code, lines joined by spaces
 */
char *
gw_smtp_reply_dup_text (const GwSmtpReply *reply)
{
  g_return_val_if_fail (reply != NULL, NULL);

  return g_strstrip (g_strjoinv (" ", reply->lines));
}

/**
 * gw_smtp_reply_to_string:
 * @reply: a reply
 *
 * Returns: (transfer full): "550 5.1.1 <x@example.org>: user unknown", the
 *   lines joined by spaces
 */
char *
gw_smtp_reply_to_string (const GwSmtpReply *reply)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (reply != NULL, NULL);

  text = gw_smtp_reply_dup_text (reply);
  if (*text == '\0')
    return g_strdup_printf ("%u", reply->code);
  return g_strdup_printf ("%u %s", reply->code, text);
}

/**
 * gw_smtp_reply_is_positive:
 * @reply: a reply
 *
 * Returns: whether the code is 2xx or 3xx
 */
gboolean
gw_smtp_reply_is_positive (const GwSmtpReply *reply)
{
  return reply != NULL && reply->code >= 200 && reply->code < 400;
}

/**
 * gw_smtp_reply_is_transient:
 * @reply: a reply
 *
 * Returns: whether the code is 4xx
 */
gboolean
gw_smtp_reply_is_transient (const GwSmtpReply *reply)
{
  return reply != NULL && reply->code >= 400 && reply->code < 500;
}

/**
 * gw_smtp_reply_parse_capabilities:
 * @reply: the reply to EHLO
 *
 * Returns: (transfer full): upper-case keyword → its parameters (the rest of
 *   the line, "" when none), from every line after the first
 */
GHashTable *
gw_smtp_reply_parse_capabilities (const GwSmtpReply *reply)
{
  GHashTable *caps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_return_val_if_fail (reply != NULL, caps);

  for (guint i = 1; reply->lines[i] != NULL; i++) {
    const char *line = reply->lines[i];
    gsize kw_len = strcspn (line, " =");
    const char *params = line + kw_len;

    if (kw_len == 0)
      continue;
    /* "AUTH=LOGIN PLAIN" is an old form some servers still send. */
    while (*params == ' ' || *params == '=')
      params++;
    g_hash_table_replace (caps, g_ascii_strup (line, kw_len), g_strdup (params));
  }
  return caps;
}

/**
 * gw_smtp_reply_has_pending_input:
 * @stream: the server's input
 *
 * Returns: whether bytes the server sent are buffered and not yet read (after
 *   the 220 to STARTTLS: a response injection)
 */
gboolean
gw_smtp_reply_has_pending_input (GBufferedInputStream *stream)
{
  g_return_val_if_fail (G_IS_BUFFERED_INPUT_STREAM (stream), FALSE);

  return g_buffered_input_stream_get_available (stream) > 0;
}

/* ---- reading ---- */

typedef struct {
  int               io_priority;
  GwSmtpReplyParser parser;
} ReadData;

static void
read_data_free (ReadData *data)
{
  gw_smtp_reply_parser_clear (&data->parser);
  g_free (data);
}

/* Server text goes into logs, errors and D-Bus replies: make it valid
 * UTF-8 without control characters. */
static char *
sanitize_text (const char *text,
               gsize       len)
{
  char *out = g_utf8_make_valid (text, (gssize) len);

  for (char *p = out; *p != '\0'; p++) {
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = '?';
  }
  return out;
}

void
gw_smtp_reply_parser_init (GwSmtpReplyParser *parser,
                           gboolean           enhanced)
{
  parser->enhanced = enhanced;
  parser->code = 0;
  parser->lines = g_ptr_array_new_with_free_func (g_free);
}

void
gw_smtp_reply_parser_clear (GwSmtpReplyParser *parser)
{
  g_clear_pointer (&parser->lines, g_ptr_array_unref);
}

static gboolean
take_line (GwSmtpReplyParser *parser,
           const char        *line,
           gsize              len,
           gboolean          *last,
           GError           **error)
{
  guint code;

  if (len < 3 || !g_ascii_isdigit (line[0]) || !g_ascii_isdigit (line[1]) ||
      !g_ascii_isdigit (line[2]) || line[0] < '2' || line[0] > '5' ||
      (len > 3 && line[3] != ' ' && line[3] != '-')) {
    g_autofree char *shown = sanitize_text (line, MIN (len, 80));
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 _("The server sent a malformed reply line: “%s”"), shown);
    return FALSE;
  }
  code = (guint) ((line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0'));
  if (parser->lines->len > 0 && code != parser->code) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 _("The server changed the reply code within a reply (%u, then %u)"),
                 parser->code, code);
    return FALSE;
  }
  parser->code = code;
  *last = len == 3 || line[3] == ' ';
  if (!*last && parser->lines->len + 1 >= GW_SMTP_REPLY_MAX_LINES) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 _("The server sent a reply of more than %u lines"), GW_SMTP_REPLY_MAX_LINES);
    return FALSE;
  }
  g_ptr_array_add (parser->lines, len > 4 ? sanitize_text (line + 4, len - 4) : g_strdup (""));
  return TRUE;
}

gboolean
gw_smtp_reply_parser_take (GwSmtpReplyParser *parser,
                           const char        *buf,
                           gsize              avail,
                           gsize             *consumed,
                           GwSmtpReply      **out,
                           GError           **error)
{
  *consumed = 0;
  *out = NULL;
  for (;;) {
    const char *line = buf + *consumed;
    gsize left = avail - *consumed;
    const char *nl = left > 0 ? memchr (line, '\n', left) : NULL;
    gsize len;
    gboolean last = FALSE;

    if (nl == NULL) {
      /* The limit plus a CR: anything more without a newline is too long. */
      if (left > GW_SMTP_REPLY_MAX_LINE + 1) {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                     _("The server sent a reply line longer than %u bytes"), GW_SMTP_REPLY_MAX_LINE);
        return FALSE;
      }
      return TRUE;
    }
    len = (gsize) (nl - line);
    if (len > 0 && line[len - 1] == '\r')
      len--;
    if (len > GW_SMTP_REPLY_MAX_LINE) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The server sent a reply line longer than %u bytes"), GW_SMTP_REPLY_MAX_LINE);
      return FALSE;
    }
    if (!take_line (parser, line, len, &last, error))
      return FALSE;
    *consumed += (gsize) (nl - line) + 1;
    if (last) {
      g_ptr_array_add (parser->lines, NULL);
      *out = gw_smtp_reply_new (parser->code, (const char * const *) parser->lines->pdata);
      if (parser->enhanced)
        gw_smtp_reply_parse_enhanced (*out);
      g_ptr_array_set_size (parser->lines, 0);
      return TRUE;
    }
  }
}

static void read_step (GTask *task);

static void
fill_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = G_TASK (user_data);
  g_autoptr(GError) local_error = NULL;
  gssize n;

  n = g_buffered_input_stream_fill_finish (G_BUFFERED_INPUT_STREAM (source), result, &local_error);
  if (n < 0) {
    g_task_return_error (task, g_steal_pointer (&local_error));
    return;
  }
  if (n == 0) {
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                             _("The server closed the connection"));
    return;
  }
  read_step (g_steal_pointer (&task));
}

/* Takes every complete line already buffered, up to the reply's last: FALSE
 * with @error when the stream is unusable, *@out NULL when the reply is not
 * complete in the buffer. */
static gboolean
take_buffered_lines (GBufferedInputStream *stream,
                     GwSmtpReplyParser    *parser,
                     GwSmtpReply         **out,
                     GError              **error)
{
  g_autoptr(GError) local_error = NULL;
  gsize avail = 0;
  const char *buf = g_buffered_input_stream_peek_buffer (stream, &avail);
  gsize consumed = 0;

  if (!gw_smtp_reply_parser_take (parser, buf, avail, &consumed, out, error))
    return FALSE;
  /* Only buffered bytes are skipped: this never blocks. */
  if (consumed > 0 &&
      g_input_stream_skip (G_INPUT_STREAM (stream), consumed, NULL, &local_error) != (gssize) consumed) {
    g_clear_pointer (out, gw_smtp_reply_free);
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot consume the server's reply: %s"),
                 local_error != NULL ? local_error->message : "short skip");
    return FALSE;
  }
  return TRUE;
}

/* Fills the buffer until the reply is complete. Consumes @task. */
static void
read_step (GTask *task)
{
  GBufferedInputStream *stream = g_task_get_source_object (task);
  ReadData *data = g_task_get_task_data (task);
  GwSmtpReply *reply = NULL;
  GError *error = NULL;

  if (!take_buffered_lines (stream, &data->parser, &reply, &error))
    g_task_return_error (task, error);
  else if (reply != NULL)
    g_task_return_pointer (task, reply, (GDestroyNotify) gw_smtp_reply_free);
  else {
    g_buffered_input_stream_fill_async (stream, -1, data->io_priority, g_task_get_cancellable (task),
                                        fill_cb, task);
    return;
  }
  g_object_unref (task);
}

/* Whether a whole reply (up to its last line) is in the buffer, by a look
 * that consumes nothing. */
static gboolean
reply_is_buffered (GBufferedInputStream *stream)
{
  gsize avail = 0;
  const char *buf = g_buffered_input_stream_peek_buffer (stream, &avail);
  const char *end = buf + avail;

  for (const char *line = buf; line < end;) {
    const char *nl = memchr (line, '\n', (gsize) (end - line));
    gsize len;

    if (nl == NULL)
      return FALSE;
    len = (gsize) (nl - line);
    if (len > 0 && line[len - 1] == '\r')
      len--;
    /* "250 ..." or "250" ends a reply; "250-..." goes on. A malformed
     * line ends the look too: the read reports it. */
    if (len <= 3 || line[3] != '-')
      return TRUE;
    line = nl + 1;
  }
  return FALSE;
}

/**
 * gw_smtp_reply_read_buffered:
 * @stream: the server's input, as for gw_smtp_reply_read_async()
 * @enhanced: whether to parse the enhanced status code of the first line
 * @error: return location for %G_IO_ERROR_INVALID_DATA
 *
 * Reads a reply that is already whole in @stream's buffer, without I/O
 * and without waiting for the main loop: pipelined replies mostly arrive
 * together. Nothing is consumed when the reply's last line has not come
 * yet; then read it with gw_smtp_reply_read_async(). The same limits
 * apply as there.
 *
 * Returns: (transfer full) (nullable): the reply, or %NULL when it is not
 *   all buffered yet or, with @error set, malformed
 */
GwSmtpReply *
gw_smtp_reply_read_buffered (GBufferedInputStream *stream,
                             gboolean              enhanced,
                             GError              **error)
{
  GwSmtpReplyParser parser;
  GwSmtpReply *reply = NULL;

  g_return_val_if_fail (G_IS_BUFFERED_INPUT_STREAM (stream), NULL);
  if (!reply_is_buffered (stream))
    return NULL;
  gw_smtp_reply_parser_init (&parser, enhanced);
  /* (The reply is whole: no partial result.) */
  take_buffered_lines (stream, &parser, &reply, error);
  gw_smtp_reply_parser_clear (&parser);
  return reply;
}

/**
 * gw_smtp_reply_read_async:
 * @stream: the server's input, buffered beyond %GW_SMTP_REPLY_MAX_LINE + 2 bytes
 * @enhanced: whether to parse the enhanced status code of the first line
 * @io_priority: the I/O priority
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the reply
 * @user_data: data for @callback
 *
 * Reads one reply with bounded memory. A line over
 * %GW_SMTP_REPLY_MAX_LINE bytes, more than %GW_SMTP_REPLY_MAX_LINES lines,
 * a line that is not three digits and " " or "-", lines with different
 * codes, or the end of the stream are errors; the stream is then unusable.
 */
void
gw_smtp_reply_read_async (GBufferedInputStream *stream,
                          gboolean              enhanced,
                          int                   io_priority,
                          GCancellable         *cancellable,
                          GAsyncReadyCallback   callback,
                          gpointer              user_data)
{
  GTask *task;
  ReadData *data;

  g_return_if_fail (G_IS_BUFFERED_INPUT_STREAM (stream));
  g_return_if_fail (g_buffered_input_stream_get_buffer_size (stream) > GW_SMTP_REPLY_MAX_LINE + 2);

  task = g_task_new (stream, cancellable, callback, user_data);
  g_task_set_source_tag (task, gw_smtp_reply_read_async);
  data = g_new0 (ReadData, 1);
  data->io_priority = io_priority;
  gw_smtp_reply_parser_init (&data->parser, enhanced);
  g_task_set_task_data (task, data, (GDestroyNotify) read_data_free);
  read_step (task);
}

/**
 * gw_smtp_reply_read_finish:
 * @stream: the stream given to gw_smtp_reply_read_async()
 * @result: the result given to the callback
 * @error: return location for %G_IO_ERROR_INVALID_DATA,
 *   %G_IO_ERROR_CONNECTION_CLOSED or another #GIOError
 *
 * Returns: (transfer full) (nullable): the reply
 */
GwSmtpReply *
gw_smtp_reply_read_finish (GBufferedInputStream *stream,
                           GAsyncResult         *result,
                           GError              **error)
{
  g_return_val_if_fail (g_task_is_valid (result, stream), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
