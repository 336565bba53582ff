/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-smtp-session-io.c: command groups, replies and timers of a GwSmtpSession
 *
 * One exchange is one write of a command group (or of the message) and the
 * replies it calls for. Each wait has its own timer: conversation-timeout
 * applies per command, not to the whole session.
 */
#define G_LOG_DOMAIN "gw-smtp-session"

#include "config.h"

#include <string.h>

#include <gnutls/gnutls.h>
#include <glib/gi18n-lib.h>

#include "gw-smtp-data.h"
#include "gw-smtp-session-private.h"
#include "gw-socket-watch.h"
#include "gw-transport.h"

#define READ_BUFFER_SIZE 8192
/* A longest line, its CR LF and more fit: a full buffer without a newline
 * is a line too long, so a read always has room (receive()). */
G_STATIC_ASSERT (READ_BUFFER_SIZE > 2 * (GW_SMTP_REPLY_MAX_LINE + 2));
/* The message goes out in large writes; the timer restarts for each. */
#define BODY_CHUNK (1024 * 1024)
/* A message from a source is read in pieces of this size. */
#define BODY_PIECE (256 * 1024)

/* ---- deadlines ---- */

static gboolean
deadline_fired_cb (gpointer user_data)
{
  GwDeadline *deadline = user_data;

  /* Paused, or started again since the source was set: look again then. */
  if (deadline->due == 0 || g_get_monotonic_time () < deadline->due) {
    g_source_set_ready_time (deadline->timer, deadline->due == 0 ? -1 : deadline->due);
    return G_SOURCE_CONTINUE;
  }
  deadline->fired = TRUE;
  g_cancellable_cancel (deadline->cancellable);
  return G_SOURCE_REMOVE;
}

static void
cancel_inner_cb (GCancellable *outer,
                 gpointer      inner)
{
  g_cancellable_cancel (G_CANCELLABLE (inner));
}

static gboolean
deadline_dispatch (GSource    *source,
                   GSourceFunc callback,
                   gpointer    user_data)
{
  return callback (user_data);
}

static GSourceFuncs deadline_funcs = { .dispatch = deadline_dispatch };

void
gw_deadline_start (GwDeadline   *deadline,
                   GCancellable *outer,
                   guint         seconds)
{
  gint64 due = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;

  /* Running for the same caller: only the time moves. (A cancellable and
   * a timer made for each wait cost more than the wait under load.) The
   * source is left at the earlier time it may have, and looks again then
   * (deadline_fired_cb()): setting a source's time wakes its main context,
   * a system call for each wait. */
  if (deadline->timer != NULL && !deadline->fired && deadline->outer == outer &&
      !g_source_is_destroyed (deadline->timer) && !g_cancellable_is_cancelled (deadline->cancellable)) {
    deadline->due = due;
    if (g_source_get_ready_time (deadline->timer) == -1)
      g_source_set_ready_time (deadline->timer, due);
    return;
  }
  gw_deadline_stop (deadline);
  deadline->fired = FALSE;
  deadline->due = due;
  deadline->cancellable = g_cancellable_new ();
  if (outer != NULL) {
    deadline->outer = g_object_ref (outer);
    deadline->outer_id = g_cancellable_connect (outer, G_CALLBACK (cancel_inner_cb),
                                                g_object_ref (deadline->cancellable),
                                                g_object_unref);
  }
  deadline->timer = g_source_new (&deadline_funcs, sizeof (GSource));
  g_source_set_ready_time (deadline->timer, due);
  g_source_set_callback (deadline->timer, deadline_fired_cb, deadline, NULL);
  g_source_set_static_name (deadline->timer, "[herald] SMTP deadline");
  g_source_attach (deadline->timer, g_main_context_get_thread_default ());
}

void
gw_deadline_pause (GwDeadline *deadline)
{
  /* The source stays set: when it fires, it finds the pause. */
  deadline->due = 0;
}

void
gw_deadline_stop (GwDeadline *deadline)
{
  if (deadline->timer != NULL) {
    g_source_destroy (deadline->timer);
    g_clear_pointer (&deadline->timer, g_source_unref);
  }
  deadline->due = 0;
  if (deadline->outer != NULL) {
    g_cancellable_disconnect (deadline->outer, deadline->outer_id);
    deadline->outer_id = 0;
    g_clear_object (&deadline->outer);
  }
  g_clear_object (&deadline->cancellable);
}

/* ---- stream and names ---- */

void
gw_smtp_session_set_stream (GwSmtpSession *self,
                            GIOStream     *stream)
{
  GInputStream *input = g_io_stream_get_input_stream (stream);
  GOutputStream *output = g_io_stream_get_output_stream (stream);

  g_set_object (&self->stream, stream);
  g_clear_pointer (&self->watch, gw_socket_watch_free);
  g_clear_object (&self->input);
  g_clear_object (&self->output);
  /* Sockets and TLS over them can; a stream that cannot is unusable. */
  if (G_IS_POLLABLE_INPUT_STREAM (input) && g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (input)) &&
      G_IS_POLLABLE_OUTPUT_STREAM (output) && g_pollable_output_stream_can_poll (G_POLLABLE_OUTPUT_STREAM (output))) {
    self->input = g_object_ref (G_POLLABLE_INPUT_STREAM (input));
    self->output = g_object_ref (G_POLLABLE_OUTPUT_STREAM (output));
  }
  if (self->received == NULL)
    self->received = g_malloc (READ_BUFFER_SIZE);
  self->received_start = 0;
  self->received_len = 0;
  gw_smtp_session_drop_ahead (self);
}

static gboolean
is_plain_host_name (const char *name)
{
  if (name == NULL || *name == '\0' || strlen (name) > 253)
    return FALSE;
  for (const char *p = name; *p != '\0'; p++) {
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.')
      return FALSE;
  }
  return TRUE;
}

const char *
gw_smtp_session_helo_name (GwSmtpSession *self)
{
  const char *configured;
  g_autoptr(GSocketAddress) local = NULL;

  if (self->helo != NULL)
    return self->helo;

  configured = gw_profile_get_string (self->profile, "helo-name");
  if (configured != NULL) {
    self->helo = g_strdup (configured);
  } else if (is_plain_host_name (g_get_host_name ())) {
    self->helo = g_strdup (g_get_host_name ());
  } else if (self->connection != NULL &&
             (local = g_socket_connection_get_local_address (self->connection, NULL)) != NULL &&
             G_IS_INET_SOCKET_ADDRESS (local)) {
    /* An address literal is what RFC 5321 4.1.3 asks for without a name. */
    GInetAddress *inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local));
    g_autofree char *text = g_inet_address_to_string (inet);

    if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
      self->helo = g_strdup_printf ("[IPv6:%s]", text);
    else
      self->helo = g_strdup_printf ("[%s]", text);
  } else {
    self->helo = g_strdup ("localhost");
  }
  return self->helo;
}

/* ---- exchanges ---- */

typedef struct {
  GBytes     *payload;   /* commands; after a body, those that follow it */
  gsize       offset;    /* into @payload, or into @chunk */
  /* A body is encoded as it is written, from @body or from @body_stream
   * read a piece at a time. */
  gboolean    encoding;
  GwSmtpDataEncoder encoder;
  GBytes     *body;
  GInputStream *body_stream;
  guint8     *piece;     /* @body_stream: the piece read last */
  const guint8 *in;      /* the input being encoded */
  gsize       in_len;
  gsize       in_pos;
  gboolean    in_done;   /* no input after @in */
  gboolean    finished;  /* the terminator (and @payload after it) is in @chunk */
  guint8     *chunk;     /* the piece of the payload being written */
  gsize       chunk_size; /* for the message; @chunk has room for @payload besides */
  gsize       chunk_len;
  guint       n_replies;
  GPtrArray  *replies;
  char       *what;      /* nullable: derived from @verbs */
  GPtrArray  *verbs;     /* the command word of each line sent */
  GwSmtpReplyParser parser; /* the reply being read */
  GSource    *wait;      /* nullable: for the socket to be ready */
  gboolean    writing;
} Exchange;

static void
exchange_free (Exchange *ex)
{
  if (ex->wait != NULL)
    g_source_destroy (ex->wait);
  g_clear_pointer (&ex->wait, g_source_unref);
  gw_smtp_reply_parser_clear (&ex->parser);
  g_clear_pointer (&ex->payload, g_bytes_unref);
  g_clear_pointer (&ex->body, g_bytes_unref);
  if (ex->body_stream != NULL)
    g_input_stream_close (ex->body_stream, NULL, NULL);
  g_clear_object (&ex->body_stream);
  g_free (ex->piece);
  g_free (ex->chunk);
  g_ptr_array_unref (ex->replies);
  g_free (ex->what);
  g_ptr_array_unref (ex->verbs);
  g_free (ex);
}

/* Command groups may hold SASL responses: wipe them once sent. */
static void
wipe_and_free (gpointer data)
{
  GString *buffer = data;

  gnutls_memset (buffer->str, 0, buffer->allocated_len);
  g_string_free (buffer, TRUE);
}

/* What the exchange is waiting for now, for messages: "the reply to RCPT". */
static char *
exchange_waiting_for (Exchange *ex)
{
  guint i;

  if (ex->what != NULL)
    return g_strdup (ex->what);
  if (ex->verbs->len == 0)
    return g_strdup ("a reply");
  i = MIN (ex->replies->len, ex->verbs->len - 1);
  return g_strdup_printf ("the reply to %s", (const char *) ex->verbs->pdata[i]);
}

static void
exchange_fail (GTask  *task,
               GError *error)
{
  GwSmtpSession *self = g_task_get_source_object (task);
  Exchange *ex = g_task_get_task_data (task);
  g_autoptr(GError) owned = error;
  GCancellable *outer = g_task_get_cancellable (task);
  gboolean fired = self->exchange_deadline.fired;
  g_autofree char *what = exchange_waiting_for (ex);
  g_autoptr(GError) refusal = NULL;

  gw_deadline_pause (&self->exchange_deadline);
  self->broken = TRUE;
  self->busy = FALSE;
  if (fired && ex->writing)
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                             _("%s:%u: timed out sending data to the server (%u s)"),
                             self->host, self->port, self->conversation_timeout);
  else if (fired)
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                             _("%s:%u: timed out waiting for %s (%u s)"),
                             self->host, self->port, what, self->conversation_timeout);
  else if (outer != NULL && g_cancellable_is_cancelled (outer))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Operation was cancelled"));
  else if (!self->tls_answered && self->tls_policy != NULL &&
           (refusal = gw_tls_policy_client_refusal_error (self->tls_policy, owned)) != NULL)
    /* With TLS 1.3 the server judges our certificate after our side of
     * the handshake is done: its alert comes with the first read. */
    g_task_return_error (task, g_steal_pointer (&refusal));
  else if (g_error_matches (owned, G_IO_ERROR, G_IO_ERROR_INVALID_DATA))
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                             _("Protocol error from %s:%u while waiting for %s: %s"),
                             self->host, self->port, what, owned->message);
  else if (g_error_matches (owned, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                             _("%s:%u closed the connection while we waited for %s"),
                             self->host, self->port, what);
  else
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                             _("Connection to %s:%u failed while waiting for %s: %s"),
                             self->host, self->port, what, owned->message);
  g_object_unref (task);
}

static void
record_reply (GwSmtpSession     *self,
              const GwSmtpReply *reply)
{
  g_clear_pointer (&self->last_reply, gw_smtp_reply_free);
  self->last_reply = gw_smtp_reply_copy (reply);
  if (self->tls_description != NULL)
    self->tls_answered = TRUE;
  if (self->transcript == NULL)
    return;
  for (guint i = 0; reply->lines[i] != NULL; i++) {
    gboolean last = reply->lines[i + 1] == NULL;
    g_autofree char *line = NULL;

    if (last && *reply->lines[i] == '\0')
      line = g_strdup_printf ("%u", reply->code);
    else
      line = g_strdup_printf ("%u%c%s", reply->code, last ? ' ' : '-', reply->lines[i]);
    gw_transcript_add_server (self->transcript, line);
  }
}

static void read_next (GTask *task);
static void write_next (GTask *task);

static void
take_reply (GwSmtpSession *self,
            Exchange      *ex,
            GwSmtpReply   *reply)
{
  record_reply (self, reply);
  g_ptr_array_add (ex->replies, reply);
  /* 421: the server is closing the connection (RFC 5321 3.8); no more
   * replies will come, the caller gets the ones read so far. */
  if (reply->code == 421) {
    self->broken = TRUE;
    ex->n_replies = ex->replies->len;
  }
}

/* ---- waiting for the socket ---- */

static void
stream_ready (GTask *task)
{
  GwSmtpSession *self = g_task_get_source_object (task);
  Exchange *ex = g_task_get_task_data (task);
  g_autoptr(GError) local_error = NULL;

  /* The deadline fired, or the caller cancelled. */
  if (g_cancellable_set_error_if_cancelled (self->exchange_deadline.cancellable, &local_error))
    exchange_fail (task, g_steal_pointer (&local_error));
  else if (ex->writing)
    write_next (task);
  else
    read_next (task);
}

static gboolean
stream_ready_cb (GObject  *stream,
                 gpointer  user_data)
{
  GTask *task = G_TASK (user_data);
  Exchange *ex = g_task_get_task_data (task);

  g_clear_pointer (&ex->wait, g_source_unref);
  stream_ready (task);
  return G_SOURCE_REMOVE;
}

static void
socket_ready_cb (gpointer user_data)
{
  stream_ready (G_TASK (user_data));
}

/* Waits, under the conversation timeout, until the server has sent more
 * (or, @writing, until the socket takes more). */
static void
wait_for_stream (GTask   *task,
                 gboolean writing)
{
  GwSmtpSession *self = g_task_get_source_object (task);
  Exchange *ex = g_task_get_task_data (task);
  GMainContext *context = g_main_context_get_thread_default ();

  ex->writing = writing;
  gw_deadline_start (&self->exchange_deadline, g_task_get_cancellable (task), self->conversation_timeout);
  /* A plain socket keeps one watch for all its waits (gw-socket-watch.c);
   * TLS may have read ahead, or need to write to read: its own source knows. */
  if (G_IS_SOCKET_CONNECTION (self->stream)) {
    if (context == NULL)
      context = g_main_context_default ();
    if (self->watch != NULL && gw_socket_watch_get_context (self->watch) != context)
      g_clear_pointer (&self->watch, gw_socket_watch_free);
    if (self->watch == NULL)
      self->watch = gw_socket_watch_new (g_socket_connection_get_socket (G_SOCKET_CONNECTION (self->stream)),
                                         context);
    gw_socket_watch_wait (self->watch, writing ? G_IO_OUT : G_IO_IN, self->exchange_deadline.cancellable,
                          socket_ready_cb, task);
    return;
  }
  ex->wait = writing ? g_pollable_output_stream_create_source (self->output, self->exchange_deadline.cancellable)
                     : g_pollable_input_stream_create_source (self->input, self->exchange_deadline.cancellable);
  g_source_set_callback (ex->wait, G_SOURCE_FUNC (stream_ready_cb), task, NULL);
  g_source_set_static_name (ex->wait, "[herald] SMTP I/O");
  g_source_attach (ex->wait, context);
}

/* Reads what the server has sent, without blocking. FALSE (and the
 * exchange failed) when the stream is unusable; *@would_block when nothing
 * is there yet. */
static gboolean
receive (GTask    *task,
         gboolean *would_block)
{
  GwSmtpSession *self = g_task_get_source_object (task);
  g_autoptr(GError) local_error = NULL;
  gssize n;

  *would_block = FALSE;
  if (self->received_start > 0) {
    memmove (self->received, self->received + self->received_start, self->received_len);
    self->received_start = 0;
  }
  /* (Never full here: a buffer's worth without a newline is a line too long.) */
  n = g_pollable_input_stream_read_nonblocking (self->input, self->received + self->received_len,
                                                READ_BUFFER_SIZE - self->received_len, NULL, &local_error);
  if (n > 0) {
    self->received_len += (gsize) n;
    return TRUE;
  }
  if (n == 0) {
    exchange_fail (task, g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                      _("The server closed the connection")));
    return FALSE;
  }
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
    *would_block = TRUE;
    return TRUE;
  }
  exchange_fail (task, g_steal_pointer (&local_error));
  return FALSE;
}

static void
read_next (GTask *task)
{
  GwSmtpSession *self = g_task_get_source_object (task);
  Exchange *ex = g_task_get_task_data (task);

  /* Pipelined replies mostly come together: those already read are taken
   * at once. */
  while (ex->replies->len < ex->n_replies) {
    g_autoptr(GError) local_error = NULL;
    GwSmtpReply *reply = NULL;
    gsize consumed = 0;
    gboolean would_block = FALSE;

    if (!gw_smtp_reply_parser_take (&ex->parser, self->received + self->received_start,
                                    self->received_len, &consumed, &reply, &local_error)) {
      exchange_fail (task, g_steal_pointer (&local_error));
      return;
    }
    self->received_start += consumed;
    self->received_len -= consumed;
    if (reply != NULL) {
      take_reply (self, ex, reply);
      continue;
    }
    if (!receive (task, &would_block))
      return;
    if (would_block) {
      wait_for_stream (task, FALSE);
      return;
    }
  }
  gw_deadline_pause (&self->exchange_deadline);
  self->busy = FALSE;
  g_task_return_pointer (task, g_ptr_array_ref (ex->replies), (GDestroyNotify) g_ptr_array_unref);
  g_object_unref (task);
}

GPtrArray *
gw_smtp_session_take_received_replies (GwSmtpSession *self,
                                       guint          n_replies)
{
  g_autoptr(GPtrArray) replies = g_ptr_array_new_with_free_func ((GDestroyNotify) gw_smtp_reply_free);
  GwSmtpReplyParser parser;
  gsize start = self->received_start;
  gsize len = self->received_len;

  if (self->busy || self->broken || self->received == NULL)
    return NULL;
  gw_smtp_reply_parser_init (&parser, g_hash_table_contains (self->caps, "ENHANCEDSTATUSCODES"));
  while (replies->len < n_replies) {
    GwSmtpReply *reply = NULL;
    gsize consumed = 0;

    if (!gw_smtp_reply_parser_take (&parser, self->received + start, len, &consumed, &reply, NULL))
      break;
    start += consumed;
    len -= consumed;
    if (reply == NULL)
      break;
    g_ptr_array_add (replies, reply);
    if (reply->code == 421)
      break;
  }
  gw_smtp_reply_parser_clear (&parser);
  /* A reply still coming, a 421 or a malformed reply: the exchange that
   * reads them again deals with it, and names it in its errors. */
  if (replies->len < n_replies || ((GwSmtpReply *) replies->pdata[replies->len - 1])->code == 421)
    return NULL;
  self->received_start = start;
  self->received_len = len;
  for (guint i = 0; i < replies->len; i++)
    record_reply (self, replies->pdata[i]);
  return g_steal_pointer (&replies);
}

static void
piece_read_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = G_TASK (user_data);
  Exchange *ex = g_task_get_task_data (task);
  g_autoptr(GError) local_error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &local_error);

  if (n < 0 && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    exchange_fail (task, g_steal_pointer (&local_error));  /* timed out or cancelled */
    return;
  }
  if (n < 0) {
    GwSmtpSession *self = g_task_get_source_object (task);

    /* The server has part of the message: the session cannot be reused. */
    gw_deadline_pause (&self->exchange_deadline);
    self->broken = TRUE;
    self->busy = FALSE;
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, gw_transport_error_for_message_read (local_error),
                             _("Cannot read the message to send: %s"), local_error->message);
    g_object_unref (task);
    return;
  }
  ex->in = ex->piece;
  ex->in_len = (gsize) n;
  ex->in_pos = 0;
  ex->in_done = n == 0;
  write_next (task);
}

/* Encodes input into @chunk until it is full or the input runs out.
 * Returns FALSE when a piece must be read first. */
static gboolean
fill_chunk (Exchange *ex)
{
  ex->chunk_len = 0;
  ex->offset = 0;
  while (ex->chunk_len + 2 <= ex->chunk_size && ex->in_pos < ex->in_len) {
    gsize consumed = 0;

    ex->chunk_len += gw_smtp_data_encoder_encode (&ex->encoder, ex->in + ex->in_pos,
                                                  ex->in_len - ex->in_pos, &consumed,
                                                  ex->chunk + ex->chunk_len,
                                                  ex->chunk_size - ex->chunk_len);
    ex->in_pos += consumed;
  }
  if (ex->in_pos == ex->in_len && ex->in_done && ex->chunk_len + 5 <= ex->chunk_size) {
    ex->chunk_len += gw_smtp_data_encoder_finish (&ex->encoder, ex->chunk + ex->chunk_len);
    ex->finished = TRUE;
  }
  /* The commands after the message go in the same write. */
  if (ex->finished && ex->payload != NULL) {
    memcpy (ex->chunk + ex->chunk_len, g_bytes_get_data (ex->payload, NULL), g_bytes_get_size (ex->payload));
    ex->chunk_len += g_bytes_get_size (ex->payload);
  }
  return ex->chunk_len > 0 || ex->in_pos < ex->in_len || ex->in_done;
}

/* Writes what the socket takes now; waits only when it is full. */
static void
write_next (GTask *task)
{
  GwSmtpSession *self = g_task_get_source_object (task);
  Exchange *ex = g_task_get_task_data (task);

  for (;;) {
    g_autoptr(GError) local_error = NULL;
    gsize len = 0;
    const guint8 *data;
    gssize n;

    if (ex->encoding && ex->offset == ex->chunk_len) {
      if (ex->finished)
        break;
      if (!fill_chunk (ex)) {
        gw_deadline_start (&self->exchange_deadline, g_task_get_cancellable (task), self->conversation_timeout);
        g_input_stream_read_async (ex->body_stream, ex->piece, BODY_PIECE, G_PRIORITY_DEFAULT,
                                   self->exchange_deadline.cancellable, piece_read_cb, task);
        return;
      }
      continue;
    }
    if (ex->encoding) {
      data = ex->chunk;
      len = ex->chunk_len;
    } else {
      data = g_bytes_get_data (ex->payload, &len);
      if (ex->offset == len)
        break;
    }
    ex->writing = TRUE;
    n = g_pollable_output_stream_write_nonblocking (self->output, data + ex->offset,
                                                    MIN (BODY_CHUNK, len - ex->offset), NULL, &local_error);
    if (n > 0) {
      ex->offset += (gsize) n;
    } else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
      wait_for_stream (task, TRUE);
      return;
    } else {
      exchange_fail (task, local_error != NULL ? g_steal_pointer (&local_error)
                                               : g_error_new_literal (G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE,
                                                                      _("Nothing could be written")));
      return;
    }
  }
  ex->writing = FALSE;
  read_next (task);
}

static void
exchange_start (GwSmtpSession       *self,
                const char * const  *commands,
                GBytes              *body,
                GInputStream        *body_stream,
                gsize                payload_size,
                guint                n_replies,
                const char          *what,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  GTask *task;
  Exchange *ex;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gw_smtp_session_exchange_async);
  ex = g_new0 (Exchange, 1);
  ex->n_replies = n_replies;
  ex->replies = g_ptr_array_new_with_free_func ((GDestroyNotify) gw_smtp_reply_free);
  ex->what = g_strdup (what);
  ex->verbs = g_ptr_array_new_with_free_func (g_free);
  g_task_set_task_data (task, ex, (GDestroyNotify) exchange_free);

  gw_smtp_reply_parser_init (&ex->parser, g_hash_table_contains (self->caps, "ENHANCEDSTATUSCODES"));
  if (self->busy || self->broken || self->stream == NULL || self->input == NULL) {
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                             _("The connection to %s:%u is not usable"), self->host, self->port);
    g_object_unref (task);
    return;
  }
  self->busy = TRUE;

  /* A message comes first; commands after it start the next transaction
   * (RFC 2920 3.1: the message may be the first "command" of a group). */
  if (body != NULL || body_stream != NULL) {
    g_ptr_array_add (ex->verbs, g_strdup ("the end of the message"));
    if (self->transcript != NULL)
      gw_transcript_add_message (self->transcript,
                                 body != NULL ? gw_smtp_data_encoded_size (body) : payload_size);
  }
  if (commands != NULL && commands[0] != NULL) {
    GString *buffer = g_string_sized_new (256);

    for (guint i = 0; commands[i] != NULL; i++) {
      g_string_append (buffer, commands[i]);
      g_string_append (buffer, "\r\n");
      if (what == NULL)
        g_ptr_array_add (ex->verbs, g_strndup (commands[i], strcspn (commands[i], " :")));
      if (self->transcript != NULL)
        gw_transcript_add_client (self->transcript, commands[i]);
    }
    ex->payload = g_bytes_new_with_free_func (buffer->str, buffer->len, wipe_and_free, buffer);
  }
  if (body != NULL || body_stream != NULL) {
    ex->encoding = TRUE;
    gw_smtp_data_encoder_init (&ex->encoder);
    if (body != NULL) {
      ex->body = g_bytes_ref (body);
      ex->in = g_bytes_get_data (body, &ex->in_len);
      ex->in_done = TRUE;
    } else {
      ex->body_stream = g_object_ref (body_stream);
      ex->piece = g_malloc (BODY_PIECE);
    }
    /* Without a size (a body in memory), its worst case: each byte two. */
    ex->chunk_size = MIN (BODY_CHUNK, body != NULL ? g_bytes_get_size (body) * 2 + 5 : payload_size + 5);
    ex->chunk = g_malloc (ex->chunk_size + (ex->payload != NULL ? g_bytes_get_size (ex->payload) : 0));
  }

  if (ex->payload != NULL || ex->encoding)
    write_next (task);
  else
    read_next (task);
}

void
gw_smtp_session_exchange_async (GwSmtpSession       *self,
                                const char * const  *commands,
                                GBytes              *body,
                                guint                n_replies,
                                const char          *what,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (GW_IS_SMTP_SESSION (self));

  exchange_start (self, commands, body, NULL, 0, n_replies, what, cancellable, callback, user_data);
}

void
gw_smtp_session_exchange_stream_async (GwSmtpSession       *self,
                                       GInputStream        *body,
                                       gsize                payload_size,
                                       const char          *what,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_return_if_fail (GW_IS_SMTP_SESSION (self));
  g_return_if_fail (G_IS_INPUT_STREAM (body));

  exchange_start (self, NULL, NULL, body, payload_size, 1, what, cancellable, callback, user_data);
}

GPtrArray *
gw_smtp_session_exchange_finish (GwSmtpSession *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
