/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-http-server-conn.c: one HTTP connection, bounded from accept to close
 *
 * The server accepts connections itself and hands each one to libsoup
 * (soup_server_accept_iostream), so that it can count them and time them:
 *
 * - more than max-connections open: the new one is answered 503 and closed;
 * - the request headers (and the TLS handshake before them) must arrive
 *   within header-timeout of the accept, the body within body-timeout of
 *   the headers: totals, so that a client trickling a byte now and then
 *   (slowloris) is cut off all the same;
 * - idle-timeout, the socket's own timeout, ends a connection on which no
 *   byte moves either way (a client that stops reading a download);
 * - a body over the route's cap is refused with 413 before it is buffered:
 *   by its Content-Length at the headers, or, chunked, as soon as the
 *   bytes received pass the cap. The connection is taken from libsoup, the
 *   413 written, and what the client still sends is read and dropped for a
 *   moment (so it sees the answer, not a reset) before the close.
 *
 * A timed-out connection is shut down at the socket: libsoup sees the end
 * of the stream and cleans up as after any disconnect. The bookkeeping
 * lives as long as the socket connection does.
 */
#define G_LOG_DOMAIN "gw-http-server"

#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "gw-http-server-private.h"
#include "gw-metrics-hooks.h"

#define CONN_KEY           "gw-http-conn"
#define LINGER_MS          2000
#define BUSY_LOG_INTERVAL  (60 * G_USEC_PER_SEC)
#define DRAIN_ROUNDS       16

struct _GwHttpConn {
  GwHttpServer   *server;        /* NULL once the server has gone */
  GSocket        *socket;        /* owned by the connection this belongs to */
  GSocketAddress *remote;        /* carries a pointer back here for messages */
  char           *peer;          /* for log lines */
  guint           deadline_id;
  const char     *waiting_for;   /* "headers", "body" or NULL */
  guint64         body_cap;
  guint64         body_received;
  gboolean        refused;
};

typedef struct {
  GIOStream    *stream;          /* the connection, taken from libsoup */
  GSocket      *socket;
  GCancellable *cancellable;
  GSource      *drain;
  guint         linger_id;
  gboolean      writing;
  char         *response;
} Refusal;

static void
conn_free (gpointer data)
{
  GwHttpConn *conn = data;

  g_clear_handle_id (&conn->deadline_id, g_source_remove);
  if (conn->server != NULL)
    g_hash_table_remove (conn->server->conns, conn);
  g_object_set_data (G_OBJECT (conn->remote), CONN_KEY, NULL);
  g_object_unref (conn->remote);
  g_free (conn->peer);
  g_free (conn);
}

static GwHttpConn *
conn_of (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  return remote != NULL ? g_object_get_data (G_OBJECT (remote), CONN_KEY) : NULL;
}

static gboolean
deadline_cb (gpointer user_data)
{
  GwHttpConn *conn = user_data;

  conn->deadline_id = 0;
  g_debug ("Closing the HTTP connection from %s: the request %s did not arrive in time",
           conn->peer, conn->waiting_for);
  /* libsoup reads the end of the stream and drops the connection. */
  g_socket_shutdown (conn->socket, TRUE, TRUE, NULL);
  return G_SOURCE_REMOVE;
}

/* Gives the client @seconds from now for @what; 0 seconds: no deadline. */
static void
conn_arm (GwHttpConn *conn,
          guint       seconds,
          const char *what)
{
  g_clear_handle_id (&conn->deadline_id, g_source_remove);
  conn->waiting_for = what;
  if (seconds > 0)
    conn->deadline_id = g_timeout_add ((guint) MIN ((guint64) seconds * 1000, G_MAXUINT),
                                       deadline_cb, conn);
}

/* ---- 413: answered outside libsoup, then a lingering close ---- */

static void
refusal_end (Refusal *refusal)
{
  g_clear_handle_id (&refusal->linger_id, g_source_remove);
  if (refusal->drain != NULL) {
    g_source_destroy (refusal->drain);
    g_clear_pointer (&refusal->drain, g_source_unref);
  }
  g_io_stream_close (refusal->stream, NULL, NULL);
  g_object_unref (refusal->stream);
  g_object_unref (refusal->socket);
  g_object_unref (refusal->cancellable);
  g_free (refusal->response);
  g_free (refusal);
}

/* Reads and drops what the client still sends, until it stops or the
 * linger time is over; memory stays one buffer. */
static gboolean
drain_cb (GSocket      *socket,
          GIOCondition  condition,
          gpointer      user_data)
{
  Refusal *refusal = user_data;
  char buffer[16384];

  for (guint i = 0; i < DRAIN_ROUNDS; i++) {
    g_autoptr(GError) error = NULL;
    gssize n = g_socket_receive_with_blocking (socket, buffer, sizeof buffer, FALSE, NULL, &error);

    if (n > 0)
      continue;
    if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
      return G_SOURCE_CONTINUE;
    /* The client closed, or the socket failed: done. */
    g_clear_pointer (&refusal->drain, g_source_unref);
    refusal_end (refusal);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

static void
refusal_written_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Refusal *refusal = user_data;

  refusal->writing = FALSE;
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL)) {
    refusal_end (refusal);
    return;
  }
  /* The answer is out; the client reads it up to our end of the stream. */
  g_socket_shutdown (refusal->socket, FALSE, TRUE, NULL);
  refusal->drain = g_socket_create_source (refusal->socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (refusal->drain, G_SOURCE_FUNC (drain_cb), refusal, NULL);
  g_source_attach (refusal->drain, NULL);
}

static gboolean
linger_cb (gpointer user_data)
{
  Refusal *refusal = user_data;

  refusal->linger_id = 0;
  if (refusal->writing)
    g_cancellable_cancel (refusal->cancellable);  /* refusal_written_cb ends it */
  else
    refusal_end (refusal);
  return G_SOURCE_REMOVE;
}

static void
conn_refuse (GwHttpConn        *conn,
             SoupServerMessage *msg,
             guint              status,
             const char        *text)
{
  g_autoptr(GIOStream) stream = NULL;
  Refusal *refusal;

  if (conn->refused)
    return;
  conn->refused = TRUE;
  conn_arm (conn, 0, NULL);
  g_debug ("Refusing the HTTP request from %s: %u %s", conn->peer, status, text);
  gw_metrics_count_http_request (status);
  stream = soup_server_message_steal_connection (msg);
  if (stream == NULL) {
    g_socket_shutdown (conn->socket, TRUE, TRUE, NULL);
    return;
  }
  refusal = g_new0 (Refusal, 1);
  refusal->stream = g_steal_pointer (&stream);
  refusal->socket = g_object_ref (conn->socket);
  refusal->cancellable = g_cancellable_new ();
  refusal->response = g_strdup_printf ("HTTP/1.1 %u %s\r\nServer: herald\r\nConnection: close\r\n"
                                       "Content-Type: text/plain; charset=utf-8\r\n"
                                       "Content-Length: %zu\r\n\r\n%s\n",
                                       status, soup_status_get_phrase (status),
                                       strlen (text) + 1, text);
  refusal->writing = TRUE;
  refusal->linger_id = g_timeout_add (LINGER_MS, linger_cb, refusal);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (refusal->stream),
                                   refusal->response, strlen (refusal->response),
                                   G_PRIORITY_DEFAULT, refusal->cancellable,
                                   refusal_written_cb, refusal);
}

/* ---- the request as libsoup reads it ---- */

static void
got_headers_cb (SoupServerMessage *msg,
                gpointer           user_data)
{
  GwHttpConn *conn = conn_of (msg);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupEncoding encoding = soup_message_headers_get_encoding (headers);
  guint body_timeout = 0;
  gboolean has_body;

  if (conn == NULL || conn->server == NULL)
    return;
  gw_http_server_route_limits (conn->server, g_uri_get_path (soup_server_message_get_uri (msg)),
                               &conn->body_cap, &body_timeout);
  conn->body_received = 0;
  /* One request per connection: nothing waits idle between requests. */
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
  if (encoding == SOUP_ENCODING_CONTENT_LENGTH &&
      (guint64) soup_message_headers_get_content_length (headers) > conn->body_cap) {
    conn_refuse (conn, msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "request body too large");
    return;
  }
  has_body = encoding == SOUP_ENCODING_CHUNKED || encoding == SOUP_ENCODING_EOF ||
             (encoding == SOUP_ENCODING_CONTENT_LENGTH && soup_message_headers_get_content_length (headers) > 0);
  conn_arm (conn, has_body ? body_timeout : 0, has_body ? "body" : NULL);
}

static void
got_chunk_cb (SoupServerMessage *msg,
              GBytes            *chunk,
              gpointer           user_data)
{
  GwHttpConn *conn = conn_of (msg);

  if (conn == NULL)
    return;
  /* libsoup has appended this chunk (at most 8 KiB) already; no more. */
  conn->body_received += g_bytes_get_size (chunk);
  if (conn->body_received > conn->body_cap)
    conn_refuse (conn, msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "request body too large");
}

static void
got_body_cb (SoupServerMessage *msg,
             gpointer           user_data)
{
  GwHttpConn *conn = conn_of (msg);

  /* From here the handler answers; idle-timeout guards the writing. */
  if (conn != NULL)
    conn_arm (conn, 0, NULL);
}

void
gw_http_conn_watch_message (GwHttpServer      *self,
                            SoupServerMessage *msg)
{
  GwHttpConn *conn = conn_of (msg);

  if (conn == NULL)
    return;
  /* A later request on the connection (none while each ends it) gets
   * its own time for the headers. */
  if (conn->waiting_for == NULL)
    conn_arm (conn, self->limits.header_timeout, "headers");
  g_signal_connect (msg, "got-headers", G_CALLBACK (got_headers_cb), NULL);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk_cb), NULL);
  g_signal_connect (msg, "got-body", G_CALLBACK (got_body_cb), NULL);
}

/* ---- accepting ---- */

static char *
describe_peer (GSocketAddress *address)
{
  g_autofree char *ip = NULL;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return g_strdup ("?");
  ip = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
  return g_strdup_printf ("%s port %u", ip, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
}

/* Over max-connections: a short 503 (plain HTTP) and the close, without
 * reading anything. */
static void
refuse_busy (GwHttpServer      *self,
             GSocketConnection *connection)
{
  static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nServer: herald\r\n"
                             "Connection: close\r\nRetry-After: 5\r\nContent-Length: 0\r\n\r\n";
  GSocket *socket = g_socket_connection_get_socket (connection);
  gint64 now = g_get_monotonic_time ();

  gw_metrics_count_http_request (SOUP_STATUS_SERVICE_UNAVAILABLE);
  if (now - self->busy_logged > BUSY_LOG_INTERVAL || self->busy_logged == 0) {
    self->busy_logged = now;
    g_message ("The HTTP server has %u connections open (max-connections); refusing more",
               g_hash_table_size (self->conns));
  }
  if (self->certificate == NULL) {
    g_socket_set_blocking (socket, FALSE);
    g_socket_send (socket, busy, sizeof busy - 1, NULL, NULL);
  }
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
}

void
gw_http_conn_accept (GwHttpServer      *self,
                     GSocketConnection *connection)
{
  GSocket *socket = g_socket_connection_get_socket (connection);
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocketAddress) remote = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  GwHttpConn *conn;

  if (g_hash_table_size (self->conns) >= self->limits.max_connections) {
    refuse_busy (self, connection);
    return;
  }
  local = g_socket_connection_get_local_address (connection, NULL);
  remote = g_socket_connection_get_remote_address (connection, NULL);
  if (local == NULL || remote == NULL) {
    g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
    return;
  }
  g_socket_set_timeout (socket, self->limits.idle_timeout);
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);

  conn = g_new0 (GwHttpConn, 1);
  conn->server = self;
  conn->socket = socket;
  conn->remote = g_object_ref (remote);
  conn->peer = describe_peer (remote);
  g_object_set_data (G_OBJECT (remote), CONN_KEY, conn);
  g_object_set_data_full (G_OBJECT (connection), CONN_KEY, conn, conn_free);
  g_hash_table_add (self->conns, conn);
  conn_arm (conn, self->limits.header_timeout, "headers");

  if (self->certificate != NULL) {
    stream = g_tls_server_connection_new (G_IO_STREAM (connection), self->certificate, &error);
    if (stream == NULL) {
      g_warning ("Cannot start TLS for the HTTP connection from %s: %s", conn->peer, error->message);
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return;
    }
    g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (stream), FALSE);
  } else {
    stream = g_object_ref (G_IO_STREAM (connection));
  }
  if (!soup_server_accept_iostream (self->server, stream, local, remote, &error)) {
    g_warning ("Cannot serve the HTTP connection from %s: %s", conn->peer, error->message);
    g_io_stream_close (stream, NULL, NULL);
  }
}

static void
forget (gpointer key,
        gpointer value,
        gpointer user_data)
{
  ((GwHttpConn *) key)->server = NULL;
}

void
gw_http_conn_forget_server (GwHttpServer *self)
{
  g_hash_table_foreach (self->conns, forget, NULL);
  g_hash_table_remove_all (self->conns);
}
