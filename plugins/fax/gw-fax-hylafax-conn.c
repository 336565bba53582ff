/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-fax-hylafax-conn.c: a conversation with hfaxd (RFC 959 style)
 *
 * Blocking I/O in a worker thread with the profile's timeouts: connect and
 * log in (USER, PASS when asked), commands and their replies, and document
 * uploads (PASV + STOT: the server names the temporary file).
 *
 * Every value written into a command line went through
 * gw_fax_check_line_value() (no CR, LF, control characters or quotes):
 * the protocol is line based and a line break would start a new command.
 *
 * What the server sends is bounded: a reply line is at most MAX_LINE
 * bytes, a reply at most MAX_REPLY_LINES lines, and an exchange (the
 * greeting, or a command and its whole reply) must be over within
 * conversation-timeout, however the bytes trickle in. A document upload
 * must move each UPLOAD_BLOCK within conversation-timeout.
 */
#define G_LOG_DOMAIN "gw-fax"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "gw-fax-backend.h"
#include "gw-fax-hylafax.h"

#define MAX_REPLY_LINES 64
#define MAX_LINE        2048
#define MAX_VALUE       256
#define UPLOAD_BLOCK    (64 * 1024)

struct _GwHylafaxConn {
  GSocketConnection *connection;
  GInputStream      *input;
  GOutputStream     *output;
  GCancellable      *cancellable;
  GByteArray        *pending;   /* received, not yet a whole line */
  char              *host;
  guint              timeout;   /* conversation-timeout, seconds */
  guint              connect_timeout;
  gint64             deadline;  /* monotonic µs: the current exchange ends */
  guint              code;
  char              *reply;     /* last line of the last reply */
};

void
gw_hylafax_conn_free (GwHylafaxConn *conn)
{
  if (conn->connection != NULL)
    g_io_stream_close (G_IO_STREAM (conn->connection), NULL, NULL);
  g_clear_pointer (&conn->pending, g_byte_array_unref);
  g_clear_object (&conn->connection);
  g_clear_object (&conn->cancellable);
  g_free (conn->host);
  g_free (conn->reply);
  g_free (conn);
}

const char *
gw_hylafax_conn_get_reply (GwHylafaxConn *conn)
{
  return conn->reply;
}

static gboolean
fail_io (GError **error,
         GError  *io_error,
         const char *what)
{
  if (g_error_matches (io_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_propagate_error (error, io_error);
    return FALSE;
  }
  g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
               _("HylaFAX server: %s: %s"), what, io_error->message);
  g_error_free (io_error);
  return FALSE;
}

/* The time left of the current exchange, as the socket's timeout (at
 * least a second); FALSE when it is over. */
static gboolean
time_left (GwHylafaxConn *conn,
           GSocket       *socket)
{
  gint64 left = conn->deadline - g_get_monotonic_time ();

  if (left <= 0)
    return FALSE;
  g_socket_set_timeout (socket, (guint) MAX ((left + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC, 1));
  return TRUE;
}

static gboolean
fail_slow (GwHylafaxConn *conn,
           GError       **error)
{
  g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
               _("HylaFAX server: no complete reply within %u s"), conn->timeout);
  return FALSE;
}

/* One line without its LF, at most MAX_LINE bytes, before the deadline. */
static char *
read_line (GwHylafaxConn *conn,
           GError       **error)
{
  GSocket *socket = g_socket_connection_get_socket (conn->connection);

  for (;;) {
    /* An empty GByteArray has no data at all: memchr must not see it. */
    guint8 *newline = conn->pending->len > 0 ? memchr (conn->pending->data, '\n', conn->pending->len) : NULL;
    guint8 block[1024];
    GError *io_error = NULL;
    gssize n;

    if (newline != NULL) {
      gsize length = (gsize) (newline - conn->pending->data);
      char *line = g_strndup ((const char *) conn->pending->data, length);

      g_byte_array_remove_range (conn->pending, 0, (guint) length + 1);
      return line;
    }
    if (conn->pending->len > MAX_LINE) {
      g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                   _("HylaFAX server: a reply line longer than %d bytes"), MAX_LINE);
      return NULL;
    }
    if (!time_left (conn, socket)) {
      fail_slow (conn, error);
      return NULL;
    }
    n = g_input_stream_read (conn->input, block, sizeof block, conn->cancellable, &io_error);
    if (n < 0 && g_error_matches (io_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) &&
        g_get_monotonic_time () >= conn->deadline) {
      g_error_free (io_error);
      fail_slow (conn, error);
      return NULL;
    }
    if (n <= 0) {
      fail_io (error, io_error != NULL ? io_error
               : g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                      _("the server closed the connection")),
               _("reading a reply"));
      return NULL;
    }
    g_byte_array_append (conn->pending, block, (guint) n);
  }
}

/* Reads one reply (continuation lines "NNN-" up to "NNN "). */
static gboolean
read_reply (GwHylafaxConn *conn,
            GError       **error)
{
  for (guint n = 0; n < MAX_REPLY_LINES; n++) {
    g_autofree char *line = read_line (conn, error);
    gsize len;

    if (line == NULL)
      return FALSE;
    len = strlen (line);
    if (len > 0 && line[len - 1] == '\r')
      line[--len] = '\0';
    if (len >= 4 && g_ascii_isdigit (line[0]) && g_ascii_isdigit (line[1]) &&
        g_ascii_isdigit (line[2]) && line[3] == ' ') {
      conn->code = (guint) atoi (line);
      g_free (conn->reply);
      /* Replies are shown to people: keep printable text only. */
      conn->reply = g_strcanon (g_steal_pointer (&line),
                                " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~", '?');
      return TRUE;
    }
  }
  g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
               _("HylaFAX server: a reply longer than %d lines"), MAX_REPLY_LINES);
  return FALSE;
}

/* An error carrying the server's own reply: 5xx is for good, 4xx and
 * anything unexpected may heal. */
static gboolean
fail_reply (GwHylafaxConn *conn,
            GError       **error)
{
  g_set_error (error, GW_TRANSPORT_ERROR,
               conn->code >= 500 ? GW_TRANSPORT_ERROR_PERMANENT : GW_TRANSPORT_ERROR_TEMPORARY,
               "hfaxd: %s", conn->reply);
  return FALSE;
}

gboolean
gw_hylafax_conn_command (GwHylafaxConn *conn,
                         const char    *line,
                         guint          expect,
                         GError       **error)
{
  g_autofree char *wire = g_strconcat (line, "\r\n", NULL);
  GError *io_error = NULL;

  /* The last line of defence: values were checked, the line is too. */
  g_return_val_if_fail (strpbrk (line, "\r\n") == NULL, FALSE);
  conn->deadline = g_get_monotonic_time () + (gint64) conn->timeout * G_USEC_PER_SEC;
  if (!time_left (conn, g_socket_connection_get_socket (conn->connection)))
    return fail_slow (conn, error);
  if (!g_output_stream_write_all (conn->output, wire, strlen (wire), NULL, conn->cancellable, &io_error))
    return fail_io (error, io_error, _("sending a command"));
  if (!read_reply (conn, error))
    return FALSE;
  if (expect != 0 && conn->code / 100 != expect)
    return fail_reply (conn, error);
  return TRUE;
}

gboolean
gw_hylafax_conn_command_quoted (GwHylafaxConn *conn,
                                const char    *keyword,
                                const char    *what,
                                const char    *value,
                                guint          expect,
                                GError       **error)
{
  g_autofree char *line = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!gw_fax_check_line_value (what, value, MAX_VALUE, &local_error)) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT, "%s", local_error->message);
    return FALSE;
  }
  line = g_strdup_printf ("%s \"%s\"", keyword, value);
  return gw_hylafax_conn_command (conn, line, expect, error);
}

GwHylafaxConn *
gw_hylafax_conn_open (GwProfile    *profile,
                      GCancellable *cancellable,
                      GError      **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  const char *host = gw_profile_get_string (profile, "fax-host");
  const char *user = gw_profile_get_string (profile, "fax-username");
  guint16 port = (guint16) gw_profile_get_uint (profile, "fax-port");
  GwHylafaxConn *conn = g_new0 (GwHylafaxConn, 1);
  g_autoptr(GError) io_error = NULL;
  GSocket *socket;

  conn->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  conn->host = g_strdup (host);
  conn->pending = g_byte_array_new ();
  conn->timeout = (guint) gw_profile_get_uint (profile, "conversation-timeout");
  conn->connect_timeout = (guint) gw_profile_get_uint (profile, "connect-timeout");
  g_socket_client_set_timeout (client, conn->connect_timeout);
  conn->connection = g_socket_client_connect_to_host (client, host, port, cancellable, &io_error);
  if (conn->connection == NULL) {
    fail_io (error, g_steal_pointer (&io_error), _("connecting"));
    gw_hylafax_conn_free (conn);
    return NULL;
  }
  socket = g_socket_connection_get_socket (conn->connection);
  g_socket_set_timeout (socket, conn->timeout);
  conn->input = g_io_stream_get_input_stream (G_IO_STREAM (conn->connection));
  conn->output = g_io_stream_get_output_stream (G_IO_STREAM (conn->connection));
  /* The greeting is a reply like any other (issue 17, item 4). */
  conn->deadline = g_get_monotonic_time () + (gint64) conn->timeout * G_USEC_PER_SEC;
  if (!read_reply (conn, error) ||
      (conn->code != 220 && !fail_reply (conn, error)) ||
      !gw_hylafax_conn_command_quoted (conn, "USER", _("HylaFAX user name"), user != NULL ? user : "herald", 0, error)) {
    gw_hylafax_conn_free (conn);
    return NULL;
  }
  if (conn->code == 331) {
    g_autofree char *password = gw_profile_dup_secret (profile, "fax-password", NULL);
    g_autofree char *line = NULL;
    gboolean sent;

    /* Sent unquoted: quotes are fine, line breaks and controls are not. */
    if (password == NULL || strpbrk (password, "\r\n") != NULL || strlen (password) > MAX_VALUE) {
      g_set_error_literal (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                           password == NULL
                           ? _("The HylaFAX server asks for a password and the profile has no “fax-password”")
                           : _("The HylaFAX password contains a line break or is too long"));
      gw_hylafax_conn_free (conn);
      return NULL;
    }
    /* Unquoted, as hfaxd reads the rest of the line as the password. */
    line = g_strconcat ("PASS ", password, NULL);
    sent = gw_hylafax_conn_command (conn, line, 0, error);
    memset (line, 0, strlen (line));
    memset (password, 0, strlen (password));
    if (!sent) {
      gw_hylafax_conn_free (conn);
      return NULL;
    }
  }
  if (conn->code != 230) {
    fail_reply (conn, error);
    gw_hylafax_conn_free (conn);
    return NULL;
  }
  return conn;
}

void
gw_hylafax_conn_quit (GwHylafaxConn *conn)
{
  gw_hylafax_conn_command (conn, "QUIT", 0, NULL);
  gw_hylafax_conn_free (conn);
}

/* Writes @data to the data connection, each UPLOAD_BLOCK within
 * conversation-timeout: a server that reads a byte now and then does not
 * hold the upload open. */
static gboolean
send_document (GwHylafaxConn     *conn,
               GSocketConnection *data_conn,
               const guint8      *bytes,
               gsize              size,
               GError           **error)
{
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (data_conn));
  GSocket *socket = g_socket_connection_get_socket (data_conn);
  gsize offset = 0;

  while (offset < size) {
    gsize block_end = MIN (size, offset + UPLOAD_BLOCK);

    conn->deadline = g_get_monotonic_time () + (gint64) conn->timeout * G_USEC_PER_SEC;
    while (offset < block_end) {
      GError *io_error = NULL;
      gssize n;

      if (!time_left (conn, socket)) {
        g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                     _("HylaFAX server: the upload stalled for %u s"), conn->timeout);
        return FALSE;
      }
      n = g_output_stream_write (output, bytes + offset, block_end - offset, conn->cancellable, &io_error);
      if (n < 0)
        return fail_io (error, io_error, _("uploading a document"));
      offset += (gsize) n;
    }
  }
  return TRUE;
}

char *
gw_hylafax_conn_upload (GwHylafaxConn *conn,
                        GBytes        *data,
                        GError       **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) data_conn = NULL;
  g_autoptr(GError) io_error = NULL;
  guint h[4], p1, p2;
  const char *open_paren, *file;
  gsize size;
  const guint8 *bytes = g_bytes_get_data (data, &size);
  char *name;

  if (!gw_hylafax_conn_command (conn, "PASV", 2, error))
    return NULL;
  open_paren = strchr (conn->reply, '(');
  if (open_paren == NULL ||
      sscanf (open_paren, "(%u,%u,%u,%u,%u,%u)", &h[0], &h[1], &h[2], &h[3], &p1, &p2) != 6 ||
      p1 > 255 || p2 > 255) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                 _("HylaFAX server: cannot read the passive address in “%s”"), conn->reply);
    return NULL;
  }
  /* Connect to the control connection's host, never to an address the
   * reply names (it could point us anywhere). */
  g_socket_client_set_timeout (client, conn->connect_timeout);
  data_conn = g_socket_client_connect_to_host (client, conn->host, (guint16) (p1 * 256 + p2),
                                               conn->cancellable, &io_error);
  if (data_conn == NULL) {
    fail_io (error, g_steal_pointer (&io_error), _("opening the data connection"));
    return NULL;
  }
  if (!gw_hylafax_conn_command (conn, "STOT", 1, error))
    return NULL;
  if (!send_document (conn, data_conn, bytes, size, error))
    return NULL;
  if (!g_io_stream_close (G_IO_STREAM (data_conn), conn->cancellable, &io_error)) {
    fail_io (error, g_steal_pointer (&io_error), _("uploading a document"));
    return NULL;
  }
  /* "226 Transfer complete" is the answer to the upload. */
  conn->deadline = g_get_monotonic_time () + (gint64) conn->timeout * G_USEC_PER_SEC;
  if (!read_reply (conn, error))
    return NULL;
  if (conn->code / 100 != 2) {
    fail_reply (conn, error);
    return NULL;
  }
  /* "226 Transfer complete (FILE: /tmp/doc7.pdf)." */
  file = strstr (conn->reply, "FILE: ");
  if (file == NULL) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                 _("HylaFAX server: no file name in “%s”"), conn->reply);
    return NULL;
  }
  file += strlen ("FILE: ");
  name = g_strndup (file, strcspn (file, ")"));
  return name;
}
