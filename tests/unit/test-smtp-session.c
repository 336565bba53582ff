/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-smtp-session.c: GwSmtpSession against a scripted SMTP server on loopback
 *
 * The server runs in a thread with blocking GIO calls, so the session under
 * test runs in the main context exactly as in the daemon. The server records
 * what it received, and notes a "violation" when a client that was not
 * offered PIPELINING sends a command before the previous reply.
 */
#define G_LOG_DOMAIN "test-smtp-session"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "gw-smtp-data.h"
#include "gw-smtp-session.h"
#include "gw-stored-profile.h"
#include "gw-transport.h"
#include "herald-test-util.h"
#include "transport-test-util.h"

typedef enum {
  MODE_NORMAL,
  MODE_HUGE_LINE,      /* EHLO answered by a 1 MB line */
  MODE_ENDLESS,        /* EHLO answered by 250- lines forever */
  MODE_SILENT,         /* EHLO never answered */
  MODE_INJECT,         /* extra bytes after the 220 to STARTTLS */
  MODE_DRIBBLE,        /* every reply a byte at a time */
  MODE_STALL_DATA,     /* after the 354, reads nothing more */
  MODE_SLOW_DOT,       /* answers a message after 600 ms */
  MODE_GROUPED,        /* replies held until no command waits, as Postfix does */
} Mode;

typedef struct {
  Mode             mode;
  const char      *caps;         /* "PIPELINING,SIZE 1000" */
  gboolean         offer_starttls;
  GTlsCertificate *certificate;  /* for STARTTLS */

  GSocket         *listener;
  guint16          port;
  GThread         *thread;
  GMutex           lock;
  GPtrArray       *commands;     /* lines received */
  GPtrArray       *violations;
  GPtrArray       *messages;     /* GBytes: raw DATA up to "." */
  gboolean         grouped;      /* MAIL arrived with RCPT right behind it */
  guint            ahead;        /* messages whose "." had the next command behind it */
  GString         *held;         /* MODE_GROUPED: replies not written yet */
} Server;

static void
server_record (Server *srv, GPtrArray *list, gpointer item)
{
  g_mutex_lock (&srv->lock);
  g_ptr_array_add (list, item);
  g_mutex_unlock (&srv->lock);
}

static gboolean
server_has_cap (Server *srv, const char *name)
{
  g_auto(GStrv) caps = g_strsplit (srv->caps, ",", -1);

  for (guint i = 0; caps[i] != NULL; i++) {
    if (g_str_has_prefix (caps[i], name))
      return TRUE;
  }
  return FALSE;
}

static gboolean
send_text (GIOStream *stream, const char *text)
{
  return g_output_stream_write_all (g_io_stream_get_output_stream (stream), text, strlen (text),
                                    NULL, NULL, NULL);
}

/* A reply as the mode has it: whole, or a byte per write with a pause, so
 * that the client reads it in pieces (a multi-line reply across many
 * reads, a line cut anywhere). */
static gboolean
send_reply (Server *srv, GIOStream *stream, const char *text)
{
  if (srv->mode == MODE_GROUPED) {
    g_string_append (srv->held, text);
    return TRUE;
  }
  if (srv->mode != MODE_DRIBBLE)
    return send_text (stream, text);
  for (const char *p = text; *p != '\0'; p++) {
    if (!g_output_stream_write_all (g_io_stream_get_output_stream (stream), p, 1, NULL, NULL, NULL))
      return FALSE;
    g_usleep (200);
  }
  return TRUE;
}

/* MODE_GROUPED: the replies held, in one write, once no command waits. */
static void
flush_replies (Server *srv, GIOStream *stream, GDataInputStream *in, GSocket *socket)
{
  if (srv->mode != MODE_GROUPED || srv->held->len == 0 ||
      g_buffered_input_stream_get_available (G_BUFFERED_INPUT_STREAM (in)) > 0 ||
      g_socket_get_available_bytes (socket) > 0)
    return;
  send_text (stream, srv->held->str);
  g_string_truncate (srv->held, 0);
}

/* Whether more input is waiting right after a command. */
static gboolean
more_input (GDataInputStream *in, GSocket *socket)
{
  if (g_buffered_input_stream_get_available (G_BUFFERED_INPUT_STREAM (in)) > 0)
    return TRUE;
  return g_socket_condition_timed_wait (socket, G_IO_IN, 30000, NULL, NULL);
}

static void
serve_one (Server *srv, GSocketConnection *connection)
{
  g_autoptr(GIOStream) stream = G_IO_STREAM (g_object_ref (connection));
  g_autoptr(GDataInputStream) in = g_data_input_stream_new (g_io_stream_get_input_stream (stream));
  GSocket *socket = g_socket_connection_get_socket (connection);
  gboolean tls = FALSE;

  g_data_input_stream_set_newline_type (in, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (in), FALSE);
  send_reply (srv, stream, "220 test ESMTP\r\n");

  for (;;) {
    g_autofree char *line = NULL;
    g_autofree char *upper = NULL;

    flush_replies (srv, stream, in, socket);
    line = g_data_input_stream_read_line (in, NULL, NULL, NULL);
    if (line == NULL)
      return;
    upper = g_ascii_strup (line, -1);
    server_record (srv, srv->commands, g_strdup (line));
    if (!server_has_cap (srv, "PIPELINING") && more_input (in, socket))
      server_record (srv, srv->violations, g_strdup_printf ("pipelined after %s", line));

    if (g_str_has_prefix (upper, "EHLO")) {
      g_auto(GStrv) caps = g_strsplit (srv->caps, ",", -1);
      g_autoptr(GString) reply = g_string_new ("250-test\r\n");

      if (srv->mode == MODE_HUGE_LINE) {
        g_autofree char *huge = g_strnfill (1024 * 1024, 'A');
        g_autofree char *text = g_strdup_printf ("250 %s\r\n", huge);
        send_reply (srv, stream, text);
        continue;
      }
      if (srv->mode == MODE_ENDLESS) {
        while (send_reply (srv, stream, "250-more\r\n250-more\r\n250-more\r\n250-more\r\n"))
          ;
        return;
      }
      if (srv->mode == MODE_SILENT) {
        g_usleep (2 * G_USEC_PER_SEC);
        return;
      }
      for (guint i = 0; caps[i] != NULL; i++)
        g_string_append_printf (reply, "250-%s\r\n", caps[i]);
      if (srv->offer_starttls && !tls)
        g_string_append (reply, "250-STARTTLS\r\n");
      g_string_append (reply, "250 HELP\r\n");
      send_reply (srv, stream, reply->str);
    } else if (g_str_equal (upper, "STARTTLS")) {
      g_autoptr(GIOStream) tls_stream = NULL;

      if (srv->mode == MODE_INJECT) {
        send_reply (srv, stream, "220 go ahead\r\n250 injected\r\n");
        g_usleep (G_USEC_PER_SEC);
        return;
      }
      send_reply (srv, stream, "220 go ahead\r\n");
      tls_stream = g_tls_server_connection_new (G_IO_STREAM (connection), srv->certificate, NULL);
      if (tls_stream == NULL || !g_tls_connection_handshake (G_TLS_CONNECTION (tls_stream), NULL, NULL))
        return;
      tls = TRUE;
      g_set_object (&stream, tls_stream);
      g_clear_object (&in);
      in = g_data_input_stream_new (g_io_stream_get_input_stream (stream));
      g_data_input_stream_set_newline_type (in, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
    } else if (g_str_has_prefix (upper, "AUTH")) {
      send_reply (srv, stream, "235 2.7.0 ok\r\n");
    } else if (g_str_has_prefix (upper, "MAIL")) {
      if (more_input (in, socket))
        srv->grouped = TRUE;
      send_reply (srv, stream, "250 2.1.0 ok\r\n");
    } else if (g_str_has_prefix (upper, "RCPT")) {
      if (strstr (line, "closing") != NULL) {
        send_reply (srv, stream, "421 4.3.2 shutting down\r\n");
        return;
      }
      if (strstr (line, "bad") != NULL)
        send_reply (srv, stream, "550 5.1.1 no such user\r\n");
      else if (strstr (line, "busy") != NULL)
        send_reply (srv, stream, "451 4.2.1 mailbox busy\r\n");
      else
        send_reply (srv, stream, "250 2.1.5 ok\r\n");
    } else if (g_str_equal (upper, "DATA")) {
      g_autoptr(GByteArray) raw = g_byte_array_new ();

      send_reply (srv, stream, "354 go\r\n");
      flush_replies (srv, stream, in, socket);
      if (srv->mode == MODE_STALL_DATA) {
        g_usleep (3 * G_USEC_PER_SEC);
        return;
      }
      /* Raw bytes, so that a bare CR or LF would show. */
      for (;;) {
        guint8 c;
        if (g_input_stream_read (G_INPUT_STREAM (in), &c, 1, NULL, NULL) != 1)
          return;
        g_byte_array_append (raw, &c, 1);
        if (raw->len >= 3 && memcmp (raw->data + raw->len - 3, ".\r\n", 3) == 0 &&
            (raw->len == 3 || (raw->len >= 5 && memcmp (raw->data + raw->len - 5, "\r\n", 2) == 0)))
          break;
      }
      g_byte_array_set_size (raw, raw->len - 3);
      server_record (srv, srv->messages, g_byte_array_free_to_bytes (g_steal_pointer (&raw)));
      /* Already there, not after the reply: sent in the message's write. */
      if (g_buffered_input_stream_get_available (G_BUFFERED_INPUT_STREAM (in)) > 0 ||
          g_socket_get_available_bytes (socket) > 0)
        srv->ahead++;
      if (srv->mode == MODE_SLOW_DOT)
        g_usleep (600 * 1000);
      send_reply (srv, stream, "250 2.0.0 queued\r\n");
    } else if (g_str_equal (upper, "RSET")) {
      send_reply (srv, stream, "250 2.0.0 ok\r\n");
    } else if (g_str_equal (upper, "QUIT")) {
      send_reply (srv, stream, "221 2.0.0 bye\r\n");
      return;
    } else {
      send_reply (srv, stream, "502 5.5.2 unknown\r\n");
    }
  }
}

static gpointer
server_thread (gpointer user_data)
{
  Server *srv = user_data;
  g_autoptr(GSocket) client = g_socket_accept (srv->listener, NULL, NULL);
  g_autoptr(GSocketConnection) connection = NULL;

  if (client == NULL)
    return NULL;
  connection = g_socket_connection_factory_create_connection (client);
  serve_one (srv, connection);
  /* MODE_GROUPED: what was held when the session ended (the reply to QUIT). */
  if (srv->held->len > 0)
    send_text (G_IO_STREAM (connection), srv->held->str);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return NULL;
}

static Server *
server_start (Mode mode, const char *caps)
{
  Server *srv = g_new0 (Server, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  srv->mode = mode;
  srv->caps = caps;
  srv->commands = g_ptr_array_new_with_free_func (g_free);
  srv->violations = g_ptr_array_new_with_free_func (g_free);
  srv->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  srv->held = g_string_new (NULL);
  g_mutex_init (&srv->lock);
  srv->listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (srv->listener, address, TRUE, &error);
  g_assert_no_error (error);
  g_socket_listen (srv->listener, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (srv->listener, &error);
  g_assert_no_error (error);
  srv->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return srv;
}

static void
server_run (Server *srv)
{
  srv->thread = g_thread_new ("smtp-server", server_thread, srv);
}

static void
server_free (Server *srv)
{
  g_socket_close (srv->listener, NULL);
  if (srv->thread != NULL)
    g_thread_join (srv->thread);
  g_object_unref (srv->listener);
  g_clear_object (&srv->certificate);
  g_ptr_array_unref (srv->commands);
  g_ptr_array_unref (srv->violations);
  g_ptr_array_unref (srv->messages);
  g_string_free (srv->held, TRUE);
  g_mutex_clear (&srv->lock);
  g_free (srv);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Server, server_free)

/* ---- the client side ---- */

static void
store_result_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

/* make_profile (srv, key, value, ..., NULL) */
static GwProfile *
make_profile (Server *srv, ...) G_GNUC_NULL_TERMINATED;

static GwProfile *
make_profile (Server *srv, ...)
{
  GwProfile *profile = gw_stored_profile_new ("test", NULL);
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GError) error = NULL;
  va_list args;

  g_variant_dict_insert (&dict, "host", "s", "localhost");
  g_variant_dict_insert (&dict, "port", "u", (guint) srv->port);
  g_variant_dict_insert (&dict, "security", "s", "none");
  g_variant_dict_insert (&dict, "helo-name", "s", "client.example");
  va_start (args, srv);
  for (const char *key = va_arg (args, const char *); key != NULL; key = va_arg (args, const char *))
    g_variant_dict_insert (&dict, key, "s", va_arg (args, const char *));
  va_end (args);
  gw_stored_profile_apply (profile, g_variant_dict_end (&dict), &error);
  g_assert_no_error (error);
  return profile;
}

static gboolean
session_open (GwSmtpSession *session, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  gw_smtp_session_open_async (session, NULL, store_result_cb, &result);
  return gw_smtp_session_open_finish (session, wait_result (&result), error);
}

static gboolean
session_send (GwSmtpSession *session, GwEnvelope *envelope, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  gw_smtp_session_send_async (session, envelope, NULL, store_result_cb, &result);
  return gw_smtp_session_send_finish (session, wait_result (&result), error);
}

static void
session_close (GwSmtpSession *session)
{
  g_autoptr(GAsyncResult) result = NULL;

  gw_smtp_session_close_async (session, NULL, store_result_cb, &result);
  g_assert_true (gw_smtp_session_close_finish (session, wait_result (&result), NULL));
}

static GwEnvelope *
make_envelope (const char *body, const char * const *recipients)
{
  g_autoptr(GBytes) message = g_bytes_new (body, strlen (body));
  GwEnvelope *envelope = gw_envelope_new ("job-1", "sender@example.org", "<m@example.org>", message);

  for (guint i = 0; recipients[i] != NULL; i++)
    gw_envelope_add_recipient (envelope, recipients[i], "to");
  return envelope;
}

static gboolean
commands_contain_text (Server *srv, const char *text)
{
  for (guint i = 0; i < srv->commands->len; i++) {
    if (strstr (srv->commands->pdata[i], text) != NULL)
      return TRUE;
  }
  return FALSE;
}

static guint
count_commands (Server *srv, const char *prefix)
{
  guint count = 0;

  for (guint i = 0; i < srv->commands->len; i++)
    count += g_str_has_prefix (srv->commands->pdata[i], prefix);
  return count;
}

static gboolean
commands_contain (Server *srv, const char *prefix)
{
  return count_commands (srv, prefix) > 0;
}

/* The results of a message to good@, bad@ (550) and busy@ (451). */
static void
assert_mixed_results (GwEnvelope *envelope)
{
  g_assert_cmpint (gw_envelope_get_recipient (envelope, 0)->status, ==, GW_RECIPIENT_SENT);
  g_assert_cmpstr (gw_envelope_get_recipient (envelope, 0)->reply, ==, "250 2.0.0 queued");
  g_assert_cmpstr (gw_envelope_get_recipient (envelope, 0)->enhanced_code, ==, "2.0.0");
  g_assert_cmpint (gw_envelope_get_recipient (envelope, 1)->status, ==, GW_RECIPIENT_PERMFAIL);
  g_assert_cmpstr (gw_envelope_get_recipient (envelope, 1)->reply, ==, "550 5.1.1 no such user");
  g_assert_cmpstr (gw_envelope_get_recipient (envelope, 1)->enhanced_code, ==, "5.1.1");
  g_assert_cmpint (gw_envelope_get_recipient (envelope, 2)->status, ==, GW_RECIPIENT_TEMPFAIL);
}

/* ---- tests ---- */

static void
check_transactions (gboolean pipelining)
{
  g_autoptr(Server) srv = server_start (MODE_NORMAL, pipelining ? "PIPELINING,ENHANCEDSTATUSCODES"
                                                               : "ENHANCEDSTATUSCODES");
  g_autoptr(GwProfile) profile = make_profile (srv, NULL);
  g_autoptr(GwSmtpSession) session = gw_smtp_session_new (profile, FALSE);
  const char * const rcpts[] = { "good@example.org", "bad@example.org", "busy@example.org", NULL };
  g_autoptr(GError) error = NULL;

  server_run (srv);
  g_assert_true (session_open (session, &error));
  g_assert_no_error (error);
  g_assert_null (gw_smtp_session_get_tls_description (session));

  for (guint n = 0; n < 2; n++) {
    g_autoptr(GwEnvelope) envelope = make_envelope ("Subject: x\r\n\r\nhello\r\n", rcpts);

    g_assert_true (session_send (session, envelope, &error));
    g_assert_no_error (error);
    assert_mixed_results (envelope);
    g_assert_true (gw_smtp_session_is_usable (session));
  }
  session_close (session);
  g_thread_join (g_steal_pointer (&srv->thread));

  g_assert_cmpuint (srv->messages->len, ==, 2);
  g_assert_true (commands_contain (srv, "RSET"));
  g_assert_cmpstr (srv->commands->pdata[srv->commands->len - 1], ==, "QUIT");
  g_assert_cmpuint (srv->violations->len, ==, 0);
  g_assert_true (srv->grouped == pipelining);
}

static void
test_pipelining (void)
{
  check_transactions (TRUE);
}

static void
test_no_pipelining (void)
{
  check_transactions (FALSE);
}

/* Sends @envelope with @next announced as the one after it. */
static gboolean
session_send_announcing (GwSmtpSession *session, GwEnvelope *envelope, GwEnvelope *next, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  /* As heraldd does: announced first, the next transaction can go out
   * with this message even when its replies are in already. */
  if (next != NULL)
    gw_smtp_session_announce_next (session, next);
  gw_smtp_session_send_async (session, envelope, NULL, store_result_cb, &result);
  return gw_smtp_session_send_finish (session, wait_result (&result), error);
}

static GwEnvelope *
make_numbered_envelope (guint n, const char * const *recipients)
{
  g_autofree char *body = g_strdup_printf ("Subject: %u\r\n\r\nmessage %u\r\n", n, n);

  return make_envelope (body, recipients);
}

/* Polls of the default main context that its own wakeup (an eventfd)
 * ended: a wait on a plain socket makes none (gw-socket-watch.c). */
static guint eventfd_wakeups;

static gboolean
is_eventfd (int fd)
{
  g_autofree char *link = g_strdup_printf ("/proc/self/fd/%d", fd);
  g_autofree char *target = g_file_read_link (link, NULL);

  return target != NULL && strstr (target, "eventfd") != NULL;
}

static gint
counting_poll (GPollFD *fds, guint n_fds, gint timeout)
{
  gint n = g_poll (fds, n_fds, timeout);

  for (guint i = 0; i < n_fds; i++) {
    if (fds[i].revents != 0 && is_eventfd (fds[i].fd))
      eventfd_wakeups++;
  }
  return n;
}

/* With the next envelope announced, its transaction goes out in the write
 * that ends the message before; each recipient still gets its own reply. */
static void
check_send_ahead (gboolean pipelining)
{
  g_autoptr(Server) srv = server_start (MODE_NORMAL, pipelining ? "PIPELINING,ENHANCEDSTATUSCODES"
                                                               : "ENHANCEDSTATUSCODES");
  g_autoptr(GwProfile) profile = make_profile (srv, NULL);
  g_autoptr(GwSmtpSession) session = gw_smtp_session_new (profile, FALSE);
  const char * const rcpts[] = { "good@example.org", "bad@example.org", "busy@example.org", NULL };
  GwEnvelope *envelopes[3];
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (envelopes); i++)
    envelopes[i] = make_numbered_envelope (i, rcpts);
  server_run (srv);
  g_assert_true (session_open (session, &error));
  g_assert_no_error (error);

  eventfd_wakeups = 0;
  g_main_context_set_poll_func (NULL, counting_poll);
  for (guint i = 0; i < G_N_ELEMENTS (envelopes); i++) {
    GwEnvelope *next = i + 1 < G_N_ELEMENTS (envelopes) ? envelopes[i + 1] : NULL;

    g_assert_true (session_send_announcing (session, envelopes[i], next, &error));
    g_assert_no_error (error);
    g_assert_true (next == NULL || gw_smtp_session_has_sent_ahead (session, next) == pipelining);
    assert_mixed_results (envelopes[i]);
    g_assert_true (gw_smtp_session_is_usable (session));
  }
  g_main_context_set_poll_func (NULL, g_poll);
  /* Each wait for the server made six before (a source per wait); now
   * none does. (A late answer of the resolver's thread to the opening may
   * still land here: fewer than one per message.) */
  g_assert_cmpuint (eventfd_wakeups, <, G_N_ELEMENTS (envelopes));
  session_close (session);
  g_thread_join (g_steal_pointer (&srv->thread));

  g_assert_cmpuint (srv->messages->len, ==, 3);
  for (guint i = 0; i < srv->messages->len; i++) {
    g_autofree char *expected = g_strdup_printf ("Subject: %u\r\n\r\nmessage %u\r\n", i, i);
    g_assert_cmpmem (g_bytes_get_data (srv->messages->pdata[i], NULL), g_bytes_get_size (srv->messages->pdata[i]),
                     expected, strlen (expected));
  }
  g_assert_cmpuint (srv->ahead, ==, pipelining ? 2 : 0);
  g_assert_cmpuint (count_commands (srv, "MAIL"), ==, 3);
  g_assert_cmpuint (count_commands (srv, "RSET"), ==, 2);
  g_assert_cmpstr (srv->commands->pdata[srv->commands->len - 1], ==, "QUIT");
  g_assert_cmpuint (srv->violations->len, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (envelopes); i++)
    g_object_unref (envelopes[i]);
}

static void
test_send_ahead (void)
{
  check_send_ahead (TRUE);
}

static void
test_send_ahead_needs_pipelining (void)
{
  check_send_ahead (FALSE);
}

/* The messages the server has, read under its lock. */
static guint
server_n_messages (Server *srv)
{
  guint n;

  g_mutex_lock (&srv->lock);
  n = srv->messages->len;
  g_mutex_unlock (&srv->lock);
  return n;
}

/* A server that answers a pipelined group in one write (as Postfix does)
 * sends the replies to the next transaction with the reply to the message
 * before: they are read with it, and that transaction's message goes out
 * within gw_smtp_session_send_async(), without waiting for a main loop
 * iteration (none runs here until the server has it). */
static void
test_send_ahead_at_once (void)
{
  g_autoptr(Server) srv = server_start (MODE_GROUPED, "PIPELINING,ENHANCEDSTATUSCODES");
  g_autoptr(GwProfile) profile = make_profile (srv, NULL);
  g_autoptr(GwSmtpSession) session = gw_smtp_session_new (profile, FALSE);
  const char * const rcpts[] = { "good@example.org", NULL };
  g_autoptr(GwEnvelope) first = make_numbered_envelope (0, rcpts);
  g_autoptr(GwEnvelope) second = make_numbered_envelope (1, rcpts);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gint64 deadline;

  server_run (srv);
  g_assert_true (session_open (session, &error));
  g_assert_no_error (error);
  g_assert_true (session_send_announcing (session, first, second, &error));
  g_assert_no_error (error);
  g_assert_true (gw_smtp_session_has_sent_ahead (session, second));

  gw_smtp_session_send_async (session, second, NULL, store_result_cb, &result);
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (server_n_messages (srv) < 2 && g_get_monotonic_time () < deadline)
    g_usleep (1000);
  g_assert_cmpuint (server_n_messages (srv), ==, 2);

  g_assert_true (gw_smtp_session_send_finish (session, wait_result (&result), &error));
  g_assert_no_error (error);
  g_assert_cmpint (gw_envelope_get_recipient (second, 0)->status, ==, GW_RECIPIENT_SENT);
  session_close (session);
  g_thread_join (g_steal_pointer (&srv->thread));
  g_assert_cmpuint (srv->ahead, ==, 1);
}

/* Announced one envelope, sent another: the server may be waiting in DATA
 * for the first, so the session is not used for the second, and nothing
 * reaches the server as a message by mistake. */
static void
test_send_ahead_other_envelope (void)
{
  g_autoptr(Server) srv = server_start (MODE_NORMAL, "PIPELINING,ENHANCEDSTATUSCODES");
  g_autoptr(GwProfile) profile = make_profile (srv, NULL);
  g_autoptr(GwSmtpSession) session = gw_smtp_session_new (profile, FALSE);
  const char * const rcpts[] = { "good@example.org", NULL };
  g_autoptr(GwEnvelope) first = make_numbered_envelope (1, rcpts);
  g_autoptr(GwEnvelope) announced = make_numbered_envelope (2, rcpts);
  g_autoptr(GwEnvelope) other = make_numbered_envelope (3, rcpts);
  g_autoptr(GError) error = NULL;

  server_run (srv);
  g_assert_true (session_open (session, &error));
  g_assert_true (session_send_announcing (session, first, announced, &error));
  g_assert_no_error (error);
  g_assert_true (gw_smtp_session_has_sent_ahead (session, announced));
  g_assert_false (gw_smtp_session_has_sent_ahead (session, other));

  g_assert_false (session_send (session, other, &error));
  g_assert_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY);
  g_assert_false (gw_smtp_session_is_usable (session));
  g_assert_cmpint (gw_envelope_get_recipient (other, 0)->status, ==, GW_RECIPIENT_PENDING);
  session_close (session);
  g_thread_join (g_steal_pointer (&srv->thread));

  g_assert_cmpuint (srv->messages->len, ==, 1);
  g_assert_false (commands_contain (srv, "QUIT"));
}

/* The server answers the next transaction's RCPT with 421 and closes: the
 * message before is sent, the next one fails for now, with that reply. */
static void
test_send_ahead_421 (void)
{
  g_autoptr(Server) srv = server_start (MODE_NORMAL, "PIPELINING,ENHANCEDSTATUSCODES");
  g_autoptr(GwProfile) profile = make_profile (srv, NULL);
  g_autoptr(GwSmtpSession) session = gw_smtp_session_new (profile, FALSE);
  const char * const good[] = { "good@example.org", NULL };
  const char * const closing[] = { "closing@example.org", NULL };
  g_autoptr(GwEnvelope) first = make_numbered_envelope (1, good);
  g_autoptr(GwEnvelope) next = make_numbered_envelope (2, closing);
  g_autoptr(GError) error = NULL;

  server_run (srv);
  g_assert_true (session_open (session, &error));
  g_assert_true (session_send_announcing (session, first, next, &error));
  g_assert_no_error (error);
  g_assert_cmpint (gw_envelope_get_recipient (first, 0)->status, ==, GW_RECIPIENT_SENT);

  g_assert_false (session_send (session, next, &error));
  g_assert_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY);
  g_assert_nonnull (strstr (error->message, "421 4.3.2 shutting down"));
  g_assert_cmpint (gw_envelope_get_recipient (next, 0)->status, ==, GW_RECIPIENT_TEMPFAIL);
  g_assert_cmpstr (gw_envelope_get_recipient (next, 0)->reply, ==, "421 4.3.2 shutting down");
  g_assert_false (gw_smtp_session_is_usable (session));
  g_thread_join (g_steal_pointer (&srv->thread));
  g_assert_cmpuint (srv->messages->len, ==, 1);
}

static void
test_crlf_body (void)
{
  g_autoptr(Server) srv = server_start (MODE_NORMAL, "PIPELINING");
  g_autoptr(GwProfile) profile = make_profile (srv, NULL);
  g_autoptr(GwSmtpSession) session = gw_smtp_session_new (profile, FALSE);
  const char * const rcpts[] = { "a@example.org", NULL };
  g_autoptr(GwEnvelope) envelope = make_envelope ("Subject: x\n\nbare LF\nbare CR\r.\n..\r\n\r\r\nend", rcpts);
  const char expected[] = "Subject: x\r\n\r\nbare LF\r\nbare CR\r\n..\r\n...\r\n\r\n\r\nend\r\n";
  g_autoptr(GError) error = NULL;

  server_run (srv);
  g_assert_true (session_open (session, &error));
  g_assert_true (session_send (session, envelope, &error));
  g_assert_no_error (error);
  session_close (session);
  g_thread_join (g_steal_pointer (&srv->thread));
  g_assert_cmpuint (srv->messages->len, ==, 1);
  {
    gsize len;
    const char *got = g_bytes_get_data (srv->messages->pdata[0], &len);
    g_assert_cmpmem (got, len, expected, sizeof expected - 1);
  }
}

/* A body of several MiB is encoded piece by piece as it is written (bare
 * line ends, dots at line starts and CR LF pairs fall on every piece
 * boundary sooner or later): the server gets what the whole-message
 * encoder makes, and SIZE= announced its size. The next transaction, sent
 * ahead, follows the message's last piece. */
static void
test_crlf_body_large (void)
{
  g_autoptr(Server) srv = server_start (MODE_NORMAL, "PIPELINING,SIZE 0");
  g_autoptr(GwProfile) profile = make_profile (srv, NULL);
  g_autoptr(GwSmtpSession) session = gw_smtp_session_new (profile, FALSE);
  const char * const rcpts[] = { "a@example.org", NULL };
  const char * const pieces[] = { "\r\n", "\n", "\r", ".", "..", "\r\n.", "x", "line of text" };
  g_autoptr(GString) body = g_string_new ("Subject: large\r\n\r\n");
  g_autoptr(GRand) rand = g_rand_new_with_seed (18);
  g_autoptr(GwEnvelope) envelope = NULL;
  g_autoptr(GBytes) message = NULL;
  g_autoptr(GBytes) expected = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *size_param = NULL;
  g_autoptr(GwEnvelope) next = make_numbered_envelope (2, rcpts);

  while (body->len < 2 * 1024 * 1024 + 7)
    g_string_append (body, pieces[g_rand_int_range (rand, 0, G_N_ELEMENTS (pieces))]);
  message = g_bytes_new (body->str, body->len);
  envelope = gw_envelope_new ("job-1", "sender@example.org", "<m@example.org>", message);
  gw_envelope_add_recipient (envelope, rcpts[0], "to");
  expected = gw_smtp_data_encode (message);

  server_run (srv);
  g_assert_true (session_open (session, &error));
  /* The next transaction follows the last of the message's writes. */
  g_assert_true (session_send_announcing (session, envelope, next, &error));
  g_assert_no_error (error);
  g_assert_true (gw_smtp_session_has_sent_ahead (session, next));
  g_assert_true (session_send (session, next, &error));
  g_assert_no_error (error);
  session_close (session);
  g_thread_join (g_steal_pointer (&srv->thread));
  g_assert_cmpuint (srv->messages->len, ==, 2);
  g_assert_cmpuint (srv->ahead, ==, 1);
  g_assert_cmpmem (g_bytes_get_data (srv->messages->pdata[1], NULL), g_bytes_get_size (srv->messages->pdata[1]),
                   "Subject: 2\r\n\r\nmessage 2\r\n", strlen ("Subject: 2\r\n\r\nmessage 2\r\n"));
  /* The server keeps what came before the terminating ".\r\n". */
  g_assert_cmpmem (g_bytes_get_data (srv->messages->pdata[0], NULL),
                   g_bytes_get_size (srv->messages->pdata[0]),
                   g_bytes_get_data (expected, NULL), g_bytes_get_size (expected) - 3);
  size_param = g_strdup_printf ("SIZE=%" G_GSIZE_FORMAT, g_bytes_get_size (expected) - 3);
  g_assert_true (commands_contain_text (srv, size_param));
}

/* A message source that hands its bytes out in uneven small pieces, as a
 * stream from the queue's database would in larger ones. */
G_DECLARE_FINAL_TYPE (TestPieceStream, test_piece_stream, TEST, PIECE_STREAM, GInputStream)

struct _TestPieceStream {
  GInputStream parent_instance;
  GBytes      *bytes;
  gsize        offset;
  gsize        fail_at;   /* 0: never; else the read at this offset fails */
  gboolean     damaged;   /* it fails as damaged storage, not a passing error */
};

G_DEFINE_FINAL_TYPE (TestPieceStream, test_piece_stream, G_TYPE_INPUT_STREAM)

static gssize
test_piece_stream_read (GInputStream *stream, void *buffer, gsize count, GCancellable *cancellable, GError **error)
{
  TestPieceStream *self = (TestPieceStream *) stream;
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (self->bytes, &len);
  gsize n = MIN (count, 1 + self->offset % 7919);

  if (self->fail_at > 0 && self->offset >= self->fail_at) {
    if (self->damaged)
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "the disk went away for good");
    else
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the disk went away");
    return -1;
  }

  n = MIN (n, len - self->offset);
  memcpy (buffer, data + self->offset, n);
  self->offset += n;
  return (gssize) n;
}

static void
test_piece_stream_finalize (GObject *object)
{
  g_bytes_unref (((TestPieceStream *) object)->bytes);
  G_OBJECT_CLASS (test_piece_stream_parent_class)->finalize (object);
}

static void
test_piece_stream_class_init (TestPieceStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_piece_stream_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = test_piece_stream_read;
}

static void
test_piece_stream_init (TestPieceStream *self)
{
}

G_DECLARE_FINAL_TYPE (TestSource, test_source, TEST, SOURCE, GwMessageSource)

struct _TestSource {
  GwMessageSource parent_instance;
  GBytes         *bytes;
  guint           opened;
  guint           failing_open;  /* 0: none; else the stream of this open fails midway */
  gboolean        damaged;       /* as damaged storage (G_IO_ERROR_INVALID_DATA) */
};

G_DEFINE_FINAL_TYPE (TestSource, test_source, GW_TYPE_MESSAGE_SOURCE)

static GInputStream *
test_source_open (GwMessageSource *source, GError **error)
{
  TestSource *self = (TestSource *) source;
  TestPieceStream *stream = g_object_new (test_piece_stream_get_type (), NULL);

  self->opened++;
  stream->bytes = g_bytes_ref (self->bytes);
  if (self->opened == self->failing_open)
    stream->fail_at = g_bytes_get_size (self->bytes) / 2;
  stream->damaged = self->damaged;
  return G_INPUT_STREAM (stream);
}

static void
test_source_finalize (GObject *object)
{
  g_bytes_unref (((TestSource *) object)->bytes);
  G_OBJECT_CLASS (test_source_parent_class)->finalize (object);
}

static void
test_source_class_init (TestSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_source_finalize;
  GW_MESSAGE_SOURCE_CLASS (klass)->open = test_source_open;
}

static void
test_source_init (TestSource *self)
{
}

/* A message that is not held in memory is read from its source twice: once
 * for SIZE= and its 8-bit content before MAIL, once as DATA is written.
 * The server gets what the whole-message encoder makes, however the pieces
 * fall. */
static void
test_body_from_source (void)
{
  g_autoptr(Server) srv = server_start (MODE_NORMAL, "PIPELINING,SIZE 0,8BITMIME");
  g_autoptr(GwProfile) profile = make_profile (srv, NULL);
  g_autoptr(GwSmtpSession) session = gw_smtp_session_new (profile, FALSE);
  const char * const pieces[] = { "\r\n", "\n", "\r", ".", "..", "\r\n.", "x", "caf\xc3\xa9" };
  g_autoptr(GString) body = g_string_new ("Subject: streamed\r\n\r\n");
  g_autoptr(GRand) rand = g_rand_new_with_seed (180);
  g_autoptr(GwEnvelope) envelope = NULL;
  g_autoptr(GBytes) message = NULL;
  g_autoptr(GBytes) expected = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *size_param = NULL;
  TestSource *source;

  while (body->len < 3 * 1024 * 1024 + 11)
    g_string_append (body, pieces[g_rand_int_range (rand, 0, G_N_ELEMENTS (pieces))]);
  message = g_bytes_new (body->str, body->len);
  source = g_object_new (test_source_get_type (), "size", (guint64) body->len, NULL);
  source->bytes = g_bytes_ref (message);
  envelope = gw_envelope_new_from_source ("job-1", "sender@example.org", "<m@example.org>",
                                          GW_MESSAGE_SOURCE (source));
  gw_envelope_add_recipient (envelope, "a@example.org", "to");
  expected = gw_smtp_data_encode (message);

  server_run (srv);
  g_assert_true (session_open (session, &error));
  g_assert_true (session_send (session, envelope, &error));
  g_assert_no_error (error);
  session_close (session);
  g_thread_join (g_steal_pointer (&srv->thread));
  g_assert_cmpuint (source->opened, ==, 2);
  g_assert_cmpuint (srv->messages->len, ==, 1);
  g_assert_cmpmem (g_bytes_get_data (srv->messages->pdata[0], NULL),
                   g_bytes_get_size (srv->messages->pdata[0]),
                   g_bytes_get_data (expected, NULL), g_bytes_get_size (expected) - 3);
  size_param = g_strdup_printf ("SIZE=%" G_GSIZE_FORMAT, g_bytes_get_size (expected) - 3);
  g_assert_true (commands_contain_text (srv, size_param));
  g_assert_true (commands_contain_text (srv, "BODY=8BITMIME"));
  g_object_unref (source);
}

/* A source that cannot be read: before MAIL (its facts), the transaction
 * never starts and the connection stays usable; during DATA, the server
 * has half a message, so the connection is given up. Either way the
 * delivery fails for now, not for good, unless the source says that its
 * message is damaged: then no later attempt can send it either. */
static void
test_body_source_fails (void)
{
  for (guint run = 0; run < 4; run++) {
    guint failing_open = 1 + run % 2;
    gboolean damaged = run >= 2;
    GwTransportError expected = damaged ? GW_TRANSPORT_ERROR_MESSAGE_DAMAGED : GW_TRANSPORT_ERROR_TEMPORARY;
    g_autoptr(Server) srv = server_start (MODE_NORMAL, "PIPELINING,SIZE 0");
    g_autoptr(GwProfile) profile = make_profile (srv, NULL);
    g_autoptr(GwSmtpSession) session = gw_smtp_session_new (profile, FALSE);
    g_autofree char *body = g_strnfill (600 * 1024, 'x');
    g_autofree char *text = g_strconcat ("Subject: x\r\n\r\n", body, NULL);
    g_autoptr(GwEnvelope) envelope = NULL;
    g_autoptr(GError) error = NULL;
    TestSource *source = g_object_new (test_source_get_type (), "size", (guint64) strlen (text), NULL);

    source->bytes = g_bytes_new (text, strlen (text));
    source->failing_open = failing_open;
    source->damaged = damaged;
    envelope = gw_envelope_new_from_source ("job-1", "sender@example.org", "<m@example.org>",
                                            GW_MESSAGE_SOURCE (source));
    gw_envelope_add_recipient (envelope, "a@example.org", "to");
    server_run (srv);
    g_assert_true (session_open (session, &error));
    g_assert_false (session_send (session, envelope, &error));
    g_assert_error (error, GW_TRANSPORT_ERROR, expected);
    g_assert_nonnull (strstr (error->message, "Cannot read the message to send"));
    g_assert_nonnull (strstr (error->message, "the disk went away"));
    g_assert_cmpint (gw_smtp_session_is_usable (session), ==, failing_open == 1);
    session_close (session);
    g_thread_join (g_steal_pointer (&srv->thread));
    g_assert_cmpint (commands_contain (srv, "MAIL"), ==, failing_open == 2);
    g_assert_cmpuint (srv->messages->len, ==, 0);
    g_object_unref (source);
  }
}

static void
check_open_fails (Mode mode, const char *expected_text)
{
  g_autoptr(Server) srv = server_start (mode, "PIPELINING");
  g_autoptr(GwProfile) profile = make_profile (srv, "conversation-timeout", "1", NULL);
  g_autoptr(GwSmtpSession) session = gw_smtp_session_new (profile, FALSE);
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  server_run (srv);
  g_assert_false (session_open (session, &error));
  g_assert_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY);
  g_assert_nonnull (strstr (error->message, expected_text));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
  g_assert_false (gw_smtp_session_is_usable (session));
  session_close (session);
}

/* Replies that come a byte at a time are read whole: a multi-line EHLO
 * reply, pipelined replies, the reply to the message. */
static void
test_replies_in_pieces (void)
{
  g_autoptr(Server) srv = server_start (MODE_DRIBBLE, "PIPELINING,ENHANCEDSTATUSCODES,SIZE 100000");
  g_autoptr(GwProfile) profile = make_profile (srv, NULL);
  g_autoptr(GwSmtpSession) session = gw_smtp_session_new (profile, FALSE);
  const char * const rcpts[] = { "good@example.org", "bad@example.org", NULL };
  g_autoptr(GwEnvelope) envelope = make_envelope ("Subject: x\r\n\r\nhello\r\n", rcpts);
  g_autoptr(GError) error = NULL;

  server_run (srv);
  g_assert_true (session_open (session, &error));
  g_assert_no_error (error);
  g_assert_true (session_send (session, envelope, &error));
  g_assert_no_error (error);
  g_assert_cmpint (gw_envelope_get_recipient (envelope, 0)->status, ==, GW_RECIPIENT_SENT);
  g_assert_cmpstr (gw_envelope_get_recipient (envelope, 0)->reply, ==, "250 2.0.0 queued");
  g_assert_cmpint (gw_envelope_get_recipient (envelope, 1)->status, ==, GW_RECIPIENT_PERMFAIL);
  g_assert_cmpstr (gw_envelope_get_recipient (envelope, 1)->enhanced_code, ==, "5.1.1");
  g_assert_true (gw_smtp_session_is_usable (session));
  session_close (session);
  g_thread_join (g_steal_pointer (&srv->thread));
  g_assert_cmpuint (srv->messages->len, ==, 1);
}

/* A server that stops reading in the middle of a message: the socket
 * fills, the session waits for room, and the conversation timeout ends
 * the wait with an error that says so. */
static void
test_write_stall_timeout (void)
{
  g_autoptr(Server) srv = server_start (MODE_STALL_DATA, "PIPELINING");
  g_autoptr(GwProfile) profile = make_profile (srv, "conversation-timeout", "1", NULL);
  g_autoptr(GwSmtpSession) session = gw_smtp_session_new (profile, FALSE);
  const char * const rcpts[] = { "a@example.org", NULL };
  /* Larger than what loopback buffers take on both sides. */
  gsize size = 64 * 1024 * 1024;
  g_autofree char *body = g_malloc (size + 1);
  g_autoptr(GwEnvelope) envelope = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;

  memset (body, 'a', size);
  for (gsize i = 76; i < size; i += 78) {
    body[i] = '\r';
    body[i + 1] = '\n';
  }
  body[size] = '\0';
  envelope = make_envelope (body, rcpts);
  server_run (srv);
  g_assert_true (session_open (session, &error));
  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  g_assert_false (session_send (session, envelope, &error));
  g_assert_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY);
  g_assert_nonnull (strstr (error->message, "timed out sending data to the server (1 s)"));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
  g_assert_false (gw_smtp_session_is_usable (session));
  session_close (session);
}

/* Runs the default main context for @ms milliseconds. */
static void
idle_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end) {
    g_main_context_iteration (NULL, FALSE);
    g_usleep (1000);
  }
}

/* The conversation timeout is per wait: it is paused between exchanges,
 * and a wait that starts later ends later (the timer's source, left at
 * the earlier time, looks again then). With a timeout of 1 s: a session
 * idle for 1.5 s between messages is still usable, and a message sent
 * 0.7 s after the last, answered 0.6 s later (past the first wait's end,
 * within its own), is sent. (A reply that does not come in time still
 * times out: conversation-timeout, write-stall-timeout.) */
static void
test_timeout_per_wait (void)
{
  g_autoptr(Server) srv = server_start (MODE_SLOW_DOT, "PIPELINING");
  g_autoptr(GwProfile) profile = make_profile (srv, "conversation-timeout", "1", NULL);
  g_autoptr(GwSmtpSession) session = gw_smtp_session_new (profile, FALSE);
  const char * const rcpts[] = { "a@example.org", NULL };
  g_autoptr(GError) error = NULL;

  server_run (srv);
  g_assert_true (session_open (session, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 3; i++) {
    g_autoptr(GwEnvelope) envelope = make_envelope ("Subject: x\r\n\r\nhello\r\n", rcpts);

    idle_for (i == 1 ? 1500 : 700);
    g_test_message ("message %u", i);
    g_assert_true (session_send (session, envelope, &error));
    g_assert_no_error (error);
    g_assert_cmpint (gw_envelope_get_recipient (envelope, 0)->status, ==, GW_RECIPIENT_SENT);
    g_assert_true (gw_smtp_session_is_usable (session));
  }
  session_close (session);
  g_thread_join (g_steal_pointer (&srv->thread));
  g_assert_cmpuint (srv->messages->len, ==, 3);
}

static void
test_huge_reply_line (void)
{
  check_open_fails (MODE_HUGE_LINE, "longer than");
}

static void
test_endless_continuation (void)
{
  check_open_fails (MODE_ENDLESS, "more than");
}

static void
test_conversation_timeout (void)
{
  check_open_fails (MODE_SILENT, "timed out waiting for the reply to EHLO");
}

static void
test_starttls_injection (void)
{
  g_autoptr(Server) srv = server_start (MODE_INJECT, "PIPELINING,AUTH PLAIN");
  g_autoptr(GwProfile) profile = make_profile (srv, "security", "starttls", NULL);
  g_autoptr(GwSmtpSession) session = gw_smtp_session_new (profile, FALSE);
  g_autoptr(GError) error = NULL;

  srv->offer_starttls = TRUE;
  server_run (srv);
  g_assert_false (session_open (session, &error));
  g_assert_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY);
  g_assert_nonnull (strstr (error->message, "injection"));
  session_close (session);
  g_thread_join (g_steal_pointer (&srv->thread));
  g_assert_cmpuint (srv->commands->len, ==, 2); /* EHLO, STARTTLS: nothing after */
}

static void
test_starttls_required_missing (void)
{
  g_autoptr(Server) srv = server_start (MODE_NORMAL, "PIPELINING,AUTH PLAIN");
  g_autoptr(GwProfile) profile = make_profile (srv, "security", "starttls", "username", "bob", NULL);
  g_autoptr(GwSmtpSession) session = gw_smtp_session_new (profile, FALSE);
  g_autoptr(GError) error = NULL;

  server_run (srv);
  g_assert_false (session_open (session, &error));
  g_assert_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TLS_REQUIRED);
  g_assert_nonnull (strstr (error->message, "Profile “test”"));
  session_close (session);
  g_thread_join (g_steal_pointer (&srv->thread));
  g_assert_false (commands_contain (srv, "AUTH"));
  g_assert_false (commands_contain (srv, "MAIL"));
}

static void
test_size_limit (void)
{
  g_autoptr(Server) srv = server_start (MODE_NORMAL, "PIPELINING,SIZE 100");
  g_autoptr(GwProfile) profile = make_profile (srv, NULL);
  g_autoptr(GwSmtpSession) session = gw_smtp_session_new (profile, FALSE);
  const char * const rcpts[] = { "a@example.org", NULL };
  g_autofree char *body = g_strnfill (500, 'x');
  g_autoptr(GwEnvelope) envelope = make_envelope (body, rcpts);
  g_autoptr(GError) error = NULL;

  server_run (srv);
  g_assert_true (session_open (session, &error));
  g_assert_false (session_send (session, envelope, &error));
  g_assert_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT);
  g_assert_nonnull (strstr (error->message, "502"));
  g_assert_nonnull (strstr (error->message, "100"));
  session_close (session);
  g_thread_join (g_steal_pointer (&srv->thread));
  g_assert_false (commands_contain (srv, "MAIL"));
}

/* A certificate for "localhost" made with certtool, or NULL to skip. */
static GTlsCertificate *
make_certificate (const char *dir)
{
  g_autofree char *key = g_build_filename (dir, "key.pem", NULL);
  g_autofree char *cert = g_build_filename (dir, "cert.pem", NULL);
  g_autofree char *tmpl = g_build_filename (dir, "cert.tmpl", NULL);
  g_autofree char *certtool = g_find_program_in_path ("certtool");
  g_autoptr(GError) error = NULL;
  const char *template_text = "cn = \"localhost\"\ndns_name = \"localhost\"\ntls_www_server\n"
                              "signing_key\nencryption_key\nexpiration_days = 2\n";
  const char *argv_key[] = { certtool, "--generate-privkey", "--key-type=ecdsa", "--outfile", key, NULL };
  const char *argv_cert[] = { certtool, "--generate-self-signed", "--load-privkey", key,
                              "--template", tmpl, "--outfile", cert, NULL };
  GTlsCertificate *certificate;

  if (certtool == NULL)
    return NULL;
  g_file_set_contents (tmpl, template_text, -1, &error);
  g_assert_no_error (error);
  if (!g_spawn_sync (NULL, (char **) argv_key, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, NULL, NULL) ||
      !g_spawn_sync (NULL, (char **) argv_cert, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, NULL, NULL))
    return NULL;
  certificate = g_tls_certificate_new_from_files (cert, key, &error);
  g_assert_no_error (error);
  return certificate;
}

static void
test_starttls_certificates (void)
{
  g_autofree char *dir = herald_test_make_tmpdir ("herald-smtp-tls-XXXXXX");
  g_autoptr(GTlsCertificate) certificate = make_certificate (dir);
  g_autoptr(GVariant) failure = NULL;
  g_autofree char *pin = NULL;
  const char *errors_text = NULL;

  if (certificate == NULL) {
    g_test_skip ("certtool is not available");
    herald_test_rm_rf (dir);
    return;
  }
  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ())) {
    g_test_skip ("no TLS backend");
    herald_test_rm_rf (dir);
    return;
  }

  /* Self-signed: refused, with what an administrator needs to decide. */
  {
    g_autoptr(Server) srv = server_start (MODE_NORMAL, "PIPELINING");
    g_autoptr(GwProfile) profile = make_profile (srv, "security", "starttls", NULL);
    g_autoptr(GwSmtpSession) session = gw_smtp_session_new (profile, FALSE);
    g_autoptr(GError) error = NULL;
    g_autofree const char **errors = NULL;

    srv->offer_starttls = TRUE;
    srv->certificate = g_object_ref (certificate);
    server_run (srv);
    g_assert_false (session_open (session, &error));
    g_assert_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY);
    failure = gw_smtp_session_dup_tls_failure (session);
    g_assert_nonnull (failure);
    g_assert_true (g_variant_lookup (failure, "spki-pin", "s", &pin));
    g_assert_cmpuint (strlen (pin), ==, 64);
    g_assert_true (g_variant_lookup (failure, "errors", "^a&s", &errors));
    g_assert_true (g_strv_contains (errors, "unknown-ca"));
    g_assert_true (g_variant_lookup (failure, "subject", "&s", &errors_text));
    g_assert_cmpstr (errors_text, ==, "CN=localhost");
    session_close (session);
  }

  /* The same certificate with its key pinned: accepted. */
  {
    g_autoptr(Server) srv = server_start (MODE_NORMAL, "PIPELINING");
    g_autoptr(GwProfile) profile = make_profile (srv, "security", "starttls", "pinned-keys", pin, NULL);
    g_autoptr(GwSmtpSession) session = gw_smtp_session_new (profile, FALSE);
    g_autoptr(GError) error = NULL;

    srv->offer_starttls = TRUE;
    srv->certificate = g_object_ref (certificate);
    server_run (srv);
    g_assert_true (session_open (session, &error));
    g_assert_no_error (error);
    g_assert_true (g_str_has_prefix (gw_smtp_session_get_tls_description (session), "TLSv1."));
    session_close (session);
    g_thread_join (g_steal_pointer (&srv->thread));
    g_assert_cmpuint (srv->commands->len, ==, 4); /* EHLO, STARTTLS, EHLO, QUIT */
  }
  herald_test_rm_rf (dir);
}

static void
test_transcript_masks_auth (void)
{
  g_autofree char *dir = herald_test_make_tmpdir ("herald-smtp-auth-XXXXXX");
  g_autoptr(GwSecretStore) store = NULL;
  g_autoptr(Server) srv = server_start (MODE_NORMAL, "PIPELINING,AUTH PLAIN");
  g_autoptr(GwProfile) profile = NULL;
  g_autoptr(GwSmtpSession) session = NULL;
  g_autoptr(GwTranscript) transcript = gw_transcript_new ();
  g_auto(GStrv) lines = NULL;
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GError) error = NULL;
  gboolean masked = FALSE;

  g_chmod (dir, 0700);
  store = gw_secret_store_new (dir, &error);
  g_assert_no_error (error);
  profile = gw_stored_profile_new ("test", store);
  g_variant_dict_insert (&dict, "host", "s", "localhost");
  g_variant_dict_insert (&dict, "port", "u", (guint) srv->port);
  g_variant_dict_insert (&dict, "security", "s", "none");
  g_variant_dict_insert (&dict, "auth", "s", "plain");
  g_variant_dict_insert (&dict, "username", "s", "bob");
  g_variant_dict_insert (&dict, "password", "s", "hunter2-secret");
  gw_stored_profile_apply (profile, g_variant_dict_end (&dict), &error);
  g_assert_no_error (error);

  session = gw_smtp_session_new (profile, FALSE);
  gw_smtp_session_set_transcript (session, transcript);
  server_run (srv);
  /* plaintext AUTH, chosen explicitly: said on every connection */
  g_test_expect_message ("gw-smtp-session", G_LOG_LEVEL_WARNING, "*with PLAIN without TLS*");
  g_assert_true (session_open (session, &error));
  g_assert_no_error (error);
  g_test_assert_expected_messages ();
  session_close (session);
  g_thread_join (g_steal_pointer (&srv->thread));

  lines = gw_transcript_dup_lines (transcript);
  for (guint i = 0; lines[i] != NULL; i++) {
    g_assert_null (strstr (lines[i], "hunter2"));
    g_assert_null (strstr (lines[i], "AGJvYgBodW50ZXIy")); /* base64 of \0bob\0hunter2 */
    if (g_str_equal (lines[i], "C: AUTH PLAIN ****"))
      masked = TRUE;
  }
  g_assert_true (masked);
  g_assert_true (commands_contain (srv, "AUTH PLAIN AGJvYgBodW50ZXIy"));
  herald_test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  herald_test_load_transports ();

  g_test_add_func ("/smtp-session/pipelining", test_pipelining);
  g_test_add_func ("/smtp-session/no-pipelining", test_no_pipelining);
  g_test_add_func ("/smtp-session/send-ahead", test_send_ahead);
  g_test_add_func ("/smtp-session/send-ahead-needs-pipelining", test_send_ahead_needs_pipelining);
  g_test_add_func ("/smtp-session/send-ahead-at-once", test_send_ahead_at_once);
  g_test_add_func ("/smtp-session/send-ahead-other-envelope", test_send_ahead_other_envelope);
  g_test_add_func ("/smtp-session/send-ahead-421", test_send_ahead_421);
  g_test_add_func ("/smtp-session/crlf-body", test_crlf_body);
  g_test_add_func ("/smtp-session/crlf-body-large", test_crlf_body_large);
  g_test_add_func ("/smtp-session/body-from-source", test_body_from_source);
  g_test_add_func ("/smtp-session/body-source-fails", test_body_source_fails);
  g_test_add_func ("/smtp-session/replies-in-pieces", test_replies_in_pieces);
  g_test_add_func ("/smtp-session/write-stall-timeout", test_write_stall_timeout);
  g_test_add_func ("/smtp-session/timeout-per-wait", test_timeout_per_wait);
  g_test_add_func ("/smtp-session/huge-reply-line", test_huge_reply_line);
  g_test_add_func ("/smtp-session/endless-continuation", test_endless_continuation);
  g_test_add_func ("/smtp-session/conversation-timeout", test_conversation_timeout);
  g_test_add_func ("/smtp-session/starttls-injection", test_starttls_injection);
  g_test_add_func ("/smtp-session/starttls-required-missing", test_starttls_required_missing);
  g_test_add_func ("/smtp-session/size-limit", test_size_limit);
  g_test_add_func ("/smtp-session/starttls-certificates", test_starttls_certificates);
  g_test_add_func ("/smtp-session/transcript-masks-auth", test_transcript_masks_auth);
  return g_test_run ();
}
