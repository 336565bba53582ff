/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-http-limits.c: GwHttpServer's limits against a raw socket client
 *
 * The server runs on this thread's main context; each client is a thread
 * with a blocking socket that sends what the case says (all at once, or a
 * piece at a time) and records what comes back until the server closes.
 * Durations are asserted only against generous bounds.
 */
#define G_LOG_DOMAIN "test-http-limits"

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "herald-error.h"
#include "herald-test-util.h"
#include "gw-config.h"
#include "gw-http-server.h"

#define CAP          4096
#define BOUND_S      30    /* no client runs longer than this */

typedef struct {
  guint16     port;
  const char *head;        /* sent at once */
  const char *piece;       /* then sent @pieces times, @interval_ms apart */
  guint       pieces;
  guint       interval_ms;
  /* results */
  GString    *reply;
  gdouble     seconds;     /* from connecting to the server's close */
  gboolean    closed;      /* the server closed (not our BOUND_S) */
  gint        done;
} Client;

typedef struct {
  guint   calls;
  GBytes *body;
} Seen;

static gpointer
client_thread (gpointer data)
{
  Client *c = data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  GSocket *socket;
  gint64 start = g_get_monotonic_time ();
  gint64 next_piece = start;
  guint sent = 0;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", c->port, NULL, &error);
  g_assert_no_error (error);
  socket = g_socket_connection_get_socket (connection);
  if (c->head != NULL)
    g_socket_send (socket, c->head, strlen (c->head), NULL, NULL);
  while (g_get_monotonic_time () - start < BOUND_S * G_USEC_PER_SEC) {
    gint64 wait = c->piece != NULL && sent < c->pieces ? MAX (next_piece - g_get_monotonic_time (), 0) : 100000;

    if (g_socket_condition_timed_wait (socket, G_IO_IN, wait, NULL, NULL)) {
      char buffer[4096];
      gssize n = g_socket_receive (socket, buffer, sizeof buffer, NULL, NULL);

      if (n <= 0) {
        c->closed = TRUE;
        break;
      }
      g_string_append_len (c->reply, buffer, n);
      continue;
    }
    if (c->piece != NULL && sent < c->pieces && g_get_monotonic_time () >= next_piece) {
      /* A refused send means the server closed on us. */
      if (g_socket_send (socket, c->piece, strlen (c->piece), NULL, NULL) < 0) {
        c->closed = TRUE;
        break;
      }
      sent++;
      next_piece = g_get_monotonic_time () + (gint64) c->interval_ms * 1000;
    }
  }
  c->seconds = (gdouble) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  g_atomic_int_set (&c->done, 1);
  g_main_context_wakeup (NULL);
  return NULL;
}

/* Runs @c to its end while the server turns. */
static void
run_client (GwHttpServer *server,
            Client       *c)
{
  GThread *thread;

  c->port = (guint16) gw_http_server_get_port (server);
  c->reply = g_string_new (NULL);
  thread = g_thread_new ("client", client_thread, c);
  while (!g_atomic_int_get (&c->done))
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
  g_test_message ("reply after %.1f s: %.60s", c->seconds, c->reply->str);
}

static void
client_clear (Client *c)
{
  g_string_free (c->reply, TRUE);
}

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Turns the loop until @server has @count connections (or 10 s pass). */
static void
wait_connections (GwHttpServer *server,
                  guint         count)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  guint tick = g_timeout_add (50, tick_cb, NULL);

  while (gw_http_server_get_connection_count (server) != count && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  g_assert_cmpuint (gw_http_server_get_connection_count (server), ==, count);
}

/* Every connection is gone from the books once its socket is. */
static void
wait_no_connections (GwHttpServer *server)
{
  wait_connections (server, 0);
}

static void
echo_cb (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  Seen *seen = user_data;

  seen->calls++;
  g_clear_pointer (&seen->body, g_bytes_unref);
  seen->body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "ok", 2);
}

static GwHttpServer *
make_server (guint header_timeout,
             guint body_timeout,
             guint max_connections,
             Seen *seen)
{
  g_autoptr(GError) error = NULL;
  GwHttpLimits limits;
  GwHttpRouteLimits small = { .max_body_size = CAP };
  GwHttpServer *server;

  gw_http_limits_init (&limits);
  limits.header_timeout = header_timeout;
  limits.body_timeout = body_timeout;
  limits.max_connections = max_connections;
  server = gw_http_server_new_full ("127.0.0.1", 0, NULL, NULL, &limits, &error);
  g_assert_no_error (error);
  g_assert_true (gw_http_server_add_route (server, "/small", &small, echo_cb, seen, NULL));
  g_assert_true (gw_http_server_add_handler (server, "/default", echo_cb, seen, NULL));
  return server;
}

/* A body within the cap reaches the handler; one over it, by its
 * Content-Length or chunked, is 413 and never does. */
static void
test_body_cap (void)
{
  Seen seen = { 0 };
  g_autoptr(GwHttpServer) server = make_server (10, 10, 8, &seen);
  g_autofree char *filler = g_strnfill (0x400, 'c');
  g_autofree char *chunk = g_strdup_printf ("400\r\n%s\r\n", filler);
  Client fits = { .head = "POST /small/x HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello" };
  Client declared = { .head = "POST /small/x HTTP/1.1\r\nHost: t\r\nContent-Length: 300000000\r\n\r\n",
                      .piece = filler, .pieces = 20, .interval_ms = 1 };
  Client chunked = { .head = "POST /small/x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n",
                     .piece = chunk, .pieces = 200, .interval_ms = 1 };
  Client expect = { .head = "POST /small/x HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n"
                            "Expect: 100-continue\r\n\r\n" };
  /* The server-wide default (1 MiB) lets the same 5000 bytes through. */
  Client default_cap = { .head = "POST /default/x HTTP/1.1\r\nHost: t\r\nContent-Length: 5120\r\n\r\n",
                         .piece = filler, .pieces = 5, .interval_ms = 1 };

  run_client (server, &fits);
  g_assert_true (g_str_has_prefix (fits.reply->str, "HTTP/1.1 200"));
  g_assert_cmpuint (seen.calls, ==, 1);
  g_assert_cmpmem (g_bytes_get_data (seen.body, NULL), g_bytes_get_size (seen.body), "hello", 5);

  run_client (server, &declared);
  g_assert_true (g_str_has_prefix (declared.reply->str, "HTTP/1.1 413"));
  g_assert_nonnull (strstr (declared.reply->str, "Connection: close"));
  g_assert_true (declared.closed);

  run_client (server, &chunked);
  g_assert_true (g_str_has_prefix (chunked.reply->str, "HTTP/1.1 413"));
  g_assert_true (chunked.closed);

  run_client (server, &expect);
  g_assert_true (g_str_has_prefix (expect.reply->str, "HTTP/1.1 413"));
  g_assert_null (strstr (expect.reply->str, "100 Continue"));
  g_assert_cmpuint (seen.calls, ==, 1);

  run_client (server, &default_cap);
  g_assert_true (g_str_has_prefix (default_cap.reply->str, "HTTP/1.1 200"));
  g_assert_cmpuint (seen.calls, ==, 2);
  g_assert_cmpuint (g_bytes_get_size (seen.body), ==, 5 * 0x400);

  wait_no_connections (server);
  client_clear (&fits);
  client_clear (&declared);
  client_clear (&chunked);
  client_clear (&expect);
  client_clear (&default_cap);
  g_clear_pointer (&seen.body, g_bytes_unref);
}

/* Trickling headers, a trickled body and silence are cut off by the
 * totals, although each byte comes well within the idle timeout. */
static void
test_slow_clients (void)
{
  Seen seen = { 0 };
  g_autoptr(GwHttpServer) server = make_server (1, 2, 8, &seen);
  Client slow_headers = { .head = "POST /small/x HTTP/1.1\r\n", .piece = "X-A: b\r\n",
                          .pieces = 1000, .interval_ms = 200 };
  Client slow_body = { .head = "POST /small/x HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n",
                       .piece = "b", .pieces = 1000, .interval_ms = 200 };
  Client silent = { 0 };

  run_client (server, &slow_headers);
  g_assert_true (slow_headers.closed);
  g_assert_cmpfloat (slow_headers.seconds, <, BOUND_S - 5);
  run_client (server, &slow_body);
  g_assert_true (slow_body.closed);
  g_assert_cmpfloat (slow_body.seconds, <, BOUND_S - 5);
  run_client (server, &silent);
  g_assert_true (silent.closed);
  g_assert_cmpfloat (silent.seconds, <, BOUND_S - 5);
  g_assert_cmpuint (seen.calls, ==, 0);
  wait_no_connections (server);
  client_clear (&slow_headers);
  client_clear (&slow_body);
  client_clear (&silent);
}

/* max-connections open: the next is answered 503 at once; when one
 * closes, a new one is served again. */
static void
test_max_connections (void)
{
  Seen seen = { 0 };
  g_autoptr(GwHttpServer) server = make_server (20, 20, 3, &seen);
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  GSocketConnection *held[3];
  Client over = { 0 };
  Client served = { .head = "GET /small/x HTTP/1.1\r\nHost: t\r\n\r\n" };

  for (guint i = 0; i < G_N_ELEMENTS (held); i++) {
    g_autoptr(GError) error = NULL;

    /* Connecting blocks on nothing: the kernel completes it. */
    held[i] = g_socket_client_connect_to_host (socket_client, "127.0.0.1",
                                               (guint16) gw_http_server_get_port (server), NULL, &error);
    g_assert_no_error (error);
  }
  wait_connections (server, 3);

  run_client (server, &over);
  g_assert_true (g_str_has_prefix (over.reply->str, "HTTP/1.1 503"));
  g_assert_true (over.closed);
  g_assert_cmpuint (gw_http_server_get_connection_count (server), ==, 3);

  g_io_stream_close (G_IO_STREAM (held[0]), NULL, NULL);
  g_clear_object (&held[0]);
  wait_connections (server, 2);
  run_client (server, &served);
  g_assert_true (g_str_has_prefix (served.reply->str, "HTTP/1.1 200"));
  g_assert_cmpuint (seen.calls, ==, 1);

  for (guint i = 1; i < G_N_ELEMENTS (held); i++) {
    g_io_stream_close (G_IO_STREAM (held[i]), NULL, NULL);
    g_clear_object (&held[i]);
  }
  wait_no_connections (server);
  client_clear (&over);
  client_clear (&served);
  g_clear_pointer (&seen.body, g_bytes_unref);
}

static void
big_cb (SoupServer        *server,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           user_data)
{
  static const char zeros[32 * 1024 * 1024];

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_STATIC,
                                    zeros, sizeof zeros);
}

/* A client that asks for a large answer and stops reading: once nothing
 * moves for idle-timeout, the server drops it. */
static void
test_stalled_reader (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwHttpServer) server = NULL;
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  static const char request[] = "GET /big HTTP/1.1\r\nHost: t\r\n\r\n";
  GwHttpLimits limits;

  gw_http_limits_init (&limits);
  limits.idle_timeout = 1;
  server = gw_http_server_new_full ("127.0.0.1", 0, NULL, NULL, &limits, &error);
  g_assert_no_error (error);
  g_assert_true (gw_http_server_add_handler (server, "/big", big_cb, NULL, NULL));
  connection = g_socket_client_connect_to_host (socket_client, "127.0.0.1",
                                                (guint16) gw_http_server_get_port (server), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_socket_send (g_socket_connection_get_socket (connection), request,
                                  sizeof request - 1, NULL, &error), ==, sizeof request - 1);
  wait_connections (server, 1);
  /* Never read: the socket buffers fill, the writes stall, and then. */
  wait_no_connections (server);
}

/* heraldd.conf [http]: the limit keys, their defaults and ranges. */
static void
test_config (void)
{
  struct {
    const char *conf;
    gboolean    ok;
  } cases[] = {
    { "[http]\nport=0\n", TRUE },
    { "[http]\nport=0\nmax-connections=5\nheader-timeout=3\nbody-timeout=4\nidle-timeout=6\n"
      "max-body-size=65536\n", TRUE },
    { "[http]\nport=0\nmax-connections=0\n", FALSE },
    { "[http]\nport=0\nheader-timeout=0\n", FALSE },
    { "[http]\nport=0\nbody-timeout=3601\n", FALSE },
    { "[http]\nport=0\nidle-timeout=x\n", FALSE },
    { "[http]\nport=0\nmax-body-size=100\n", FALSE },
    { "[http]\nport=0\nmax-body-size=-1\n", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *dir = herald_test_make_tmpdir ("herald-http-limits-XXXXXX");
    g_autofree char *path = g_build_filename (dir, "heraldd.conf", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GwConfig) config = NULL;
    const GwHttpLimits *limits;

    g_test_message ("case %u: %s", i, cases[i].conf);
    g_assert_true (g_file_set_contents (path, cases[i].conf, -1, NULL));
    config = gw_config_new (FALSE, dir, dir, &error);
    herald_test_rm_rf (dir);
    if (!cases[i].ok) {
      g_assert_null (config);
      g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING);
      continue;
    }
    g_assert_no_error (error);
    limits = gw_config_get_http_limits (config);
    if (i == 0) {
      g_assert_cmpuint (limits->max_connections, ==, GW_HTTP_DEFAULT_MAX_CONNECTIONS);
      g_assert_cmpuint (limits->header_timeout, ==, GW_HTTP_DEFAULT_HEADER_TIMEOUT);
      g_assert_cmpuint (limits->body_timeout, ==, GW_HTTP_DEFAULT_BODY_TIMEOUT);
      g_assert_cmpuint (limits->idle_timeout, ==, GW_HTTP_DEFAULT_IDLE_TIMEOUT);
      g_assert_cmpuint (limits->max_body_size, ==, GW_HTTP_DEFAULT_MAX_BODY_SIZE);
    } else {
      g_autoptr(GwHttpServer) server = gw_http_server_new_from_config (config, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (limits->max_connections, ==, 5);
      g_assert_cmpuint (limits->header_timeout, ==, 3);
      g_assert_cmpuint (limits->body_timeout, ==, 4);
      g_assert_cmpuint (limits->idle_timeout, ==, 6);
      g_assert_cmpuint (limits->max_body_size, ==, 65536);
      g_assert_cmpuint (gw_http_server_get_limits (server)->max_body_size, ==, 65536);
    }
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/http-limits/config", test_config);
  g_test_add_func ("/http-limits/body-cap", test_body_cap);
  g_test_add_func ("/http-limits/slow-clients", test_slow_clients);
  g_test_add_func ("/http-limits/max-connections", test_max_connections);
  g_test_add_func ("/http-limits/stalled-reader", test_stalled_reader);
  return g_test_run ();
}
