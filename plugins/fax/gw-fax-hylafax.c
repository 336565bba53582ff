/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-fax-hylafax.c: HylaFAX client protocol (hfaxd, RFC 959 style)
 *
 * One conversation per delivery, in a worker thread with blocking I/O and
 * the profile's timeouts: USER/PASS, TYPE I, then for each number the
 * documents are uploaded (PASV + STOT: the server names the temporary
 * file), a job is made (JNEW), parameterised (JPARM) and submitted
 * (JSUBM). The server's job id is kept as the recipient's remote id; the
 * job is then HylaFAX's to send, so the recipient is "submitted" and
 * followed with JOB/JPARM STATE until it is done, failed or cancelled.
 *
 * Every value written into a command line went through
 * gw_fax_check_line_value() (no CR, LF, control characters or quotes):
 * the protocol is line based and a line break would start a new command.
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
#define MAX_VALUE 256

struct _GwHylafaxConn {
  GSocketConnection *connection;
  GDataInputStream  *input;
  GOutputStream     *output;
  GCancellable      *cancellable;
  char              *host;
  guint              timeout;
  guint              code;
  char              *reply;     /* last line of the last reply */
};

void
gw_hylafax_conn_free (GwHylafaxConn *conn)
{
  if (conn->connection != NULL)
    g_io_stream_close (G_IO_STREAM (conn->connection), NULL, NULL);
  g_clear_object (&conn->input);
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

/* Reads one reply (continuation lines "NNN-" up to "NNN "). */
static gboolean
read_reply (GwHylafaxConn *conn,
            GError       **error)
{
  for (guint n = 0; n < MAX_REPLY_LINES; n++) {
    GError *io_error = NULL;
    g_autofree char *line = g_data_input_stream_read_line (conn->input, NULL, conn->cancellable,
                                                           &io_error);
    gsize len;

    if (line == NULL)
      return fail_io (error, io_error != NULL ? io_error
                      : g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                             _("the server closed the connection")),
                      _("reading a reply"));
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
  if (!g_output_stream_write_all (conn->output, wire, strlen (wire), NULL, conn->cancellable, &io_error))
    return fail_io (error, io_error, _("sending a command"));
  if (!read_reply (conn, error))
    return FALSE;
  if (expect != 0 && conn->code / 100 != expect)
    return fail_reply (conn, error);
  return TRUE;
}

/* Sends KEYWORD "value" after checking the value. */
static gboolean
command_quoted (GwHylafaxConn *conn,
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
  g_socket_client_set_timeout (client, (guint) gw_profile_get_uint (profile, "connect-timeout"));
  conn->connection = g_socket_client_connect_to_host (client, host, port, cancellable, &io_error);
  if (conn->connection == NULL) {
    fail_io (error, g_steal_pointer (&io_error), _("connecting"));
    gw_hylafax_conn_free (conn);
    return NULL;
  }
  socket = g_socket_connection_get_socket (conn->connection);
  g_socket_set_timeout (socket, (guint) gw_profile_get_uint (profile, "conversation-timeout"));
  conn->input = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (conn->connection)));
  g_data_input_stream_set_newline_type (conn->input, G_DATA_STREAM_NEWLINE_TYPE_LF);
  conn->output = g_io_stream_get_output_stream (G_IO_STREAM (conn->connection));
  if (!read_reply (conn, error) ||
      (conn->code != 220 && !fail_reply (conn, error)) ||
      !command_quoted (conn, "USER", _("HylaFAX user name"), user != NULL ? user : "herald", 0, error)) {
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

/* Uploads @data with PASV + STOT; returns the server's file name. */
static char *
upload (GwHylafaxConn *conn,
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
  g_socket_client_set_timeout (client, 30);
  data_conn = g_socket_client_connect_to_host (client, conn->host, (guint16) (p1 * 256 + p2),
                                               conn->cancellable, &io_error);
  if (data_conn == NULL) {
    fail_io (error, g_steal_pointer (&io_error), _("opening the data connection"));
    return NULL;
  }
  if (!gw_hylafax_conn_command (conn, "STOT", 1, error))
    return NULL;
  if (!g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (data_conn)),
                                  bytes, size, NULL, conn->cancellable, &io_error) ||
      !g_io_stream_close (G_IO_STREAM (data_conn), conn->cancellable, &io_error)) {
    fail_io (error, g_steal_pointer (&io_error), _("uploading a document"));
    return NULL;
  }
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

/* LASTTIME is "DDHHMM" from now: how long HylaFAX may keep trying. */
static char *
last_time (GwProfile *profile)
{
  guint64 seconds = gw_profile_get_uint (profile, "expire-after");
  guint64 days = MIN (seconds / 86400, 99);

  return g_strdup_printf ("%02u%02u%02u", (guint) days, (guint) (seconds % 86400 / 3600),
                          (guint) (seconds % 3600 / 60));
}

/* Submits one job for @number; returns the job id. */
static char *
submit_job (GwHylafaxConn *conn,
            GwProfile     *profile,
            GwFaxContent  *content,
            const char    *number,
            const char    *to_user,
            GError       **error)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *lasttime = last_time (profile);
  g_autofree char *maxdials = g_strdup_printf ("JPARM MAXDIALS %u", (guint) gw_profile_get_uint (profile, "fax-max-dials"));
  g_autofree char *maxtries = g_strdup_printf ("JPARM MAXTRIES %u", (guint) gw_profile_get_uint (profile, "fax-max-tries"));
  g_autofree char *lastline = g_strconcat ("JPARM LASTTIME ", lasttime, NULL);
  const char *notify = gw_profile_get_string (profile, "fax-notify-address");
  const char *user = gw_profile_get_string (profile, "fax-username");
  const char *jobid;

  if (content->cover_text != NULL) {
    g_autoptr(GBytes) text = g_bytes_new (content->cover_text, strlen (content->cover_text));
    char *name = upload (conn, text, error);
    if (name == NULL)
      return NULL;
    g_ptr_array_add (files, name);
  }
  for (guint i = 0; i < content->documents->len; i++) {
    GwFaxDocument *document = g_ptr_array_index (content->documents, i);
    char *name = upload (conn, document->data, error);
    if (name == NULL)
      return NULL;
    g_ptr_array_add (files, name);
  }
  if (files->len == 0) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("The fax has neither text nor documents"));
    return NULL;
  }
  if (!gw_hylafax_conn_command (conn, "JNEW", 2, error))
    return NULL;
  /* "200 New job created: jobid: 12 groupid: 12." */
  jobid = strstr (conn->reply, "jobid: ");
  if (jobid == NULL) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                 _("HylaFAX server: no job id in “%s”"), conn->reply);
    return NULL;
  }
  jobid += strlen ("jobid: ");
  {
    g_autofree char *id = g_strndup (jobid, strspn (jobid, "0123456789"));

    if (*id == '\0' ||
        !command_quoted (conn, "JPARM FROMUSER", _("HylaFAX user name"), user != NULL ? user : "herald", 2, error) ||
        !command_quoted (conn, "JPARM DIALSTRING", _("fax number"), number, 2, error) ||
        !command_quoted (conn, "JPARM TOUSER", _("fax number"), to_user, 2, error) ||
        !gw_hylafax_conn_command (conn, maxdials, 2, error) ||
        !gw_hylafax_conn_command (conn, maxtries, 2, error) ||
        !gw_hylafax_conn_command (conn, lastline, 2, error))
      return NULL;
    if (notify != NULL) {
      if (!command_quoted (conn, "JPARM NOTIFYADDR", _("notification address"), notify, 2, error) ||
          !gw_hylafax_conn_command (conn, "JPARM NOTIFY \"done+requeue\"", 2, error))
        return NULL;
    } else if (!gw_hylafax_conn_command (conn, "JPARM NOTIFY \"none\"", 2, error)) {
      return NULL;
    }
    for (guint i = 0; i < files->len; i++) {
      if (!command_quoted (conn, "JPARM DOCUMENT", _("document name"), g_ptr_array_index (files, i), 2, error))
        return NULL;
    }
    if (!gw_hylafax_conn_command (conn, "JSUBM", 2, error))
      return NULL;
    return g_steal_pointer (&id);
  }
}

static gboolean
hylafax_validate_profile (GwTransport *transport,
                          GwProfile   *profile,
                          GError     **error)
{
  return gw_fax_require_key (profile, "fax-host", error);
}

static char *
hylafax_describe (GwProfile *profile)
{
  return g_strdup_printf ("fax hylafax %s:%" G_GUINT64_FORMAT,
                          gw_profile_get_string (profile, "fax-host"),
                          gw_profile_get_uint (profile, "fax-port"));
}

typedef struct {
  GwProfile    *profile;
  GwEnvelope   *envelope;
  GwFaxContent *content;
} HylafaxJob;

static void
hylafax_job_free (HylafaxJob *job)
{
  g_clear_object (&job->profile);
  g_clear_object (&job->envelope);
  g_free (job);
}

/* HylaFAX wants the number as the dial rules expect it: "+" and the
 * international digits when they are known. */
static char *
dial_string (GwProfile  *profile,
             GwEnvelope *envelope,
             guint       index)
{
  g_autofree char *digits = gw_fax_recipient_number (profile, envelope, index);
  const char *address = gw_envelope_get_recipient (envelope, index)->address;

  if (digits == NULL)
    return NULL;
  if (address[0] == '+' || gw_profile_get_string (profile, "fax-default-country-code") != NULL)
    return g_strconcat ("+", digits, NULL);
  return g_steal_pointer (&digits);
}

/* hfaxd numbers jobs under a lock file and answers a JNEW that meets the
 * lock of another client with "503 Unable to open sequence number file":
 * submissions from this process go one at a time. */
static GMutex submit_lock;

static void
hylafax_deliver_thread (GTask        *task,
                        gpointer      source_object,
                        gpointer      task_data,
                        GCancellable *cancellable)
{
  HylafaxJob *job = g_object_get_data (G_OBJECT (task), "fax-hylafax");
  g_autoptr(GError) error = NULL;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&submit_lock);
  GwHylafaxConn *conn = gw_hylafax_conn_open (job->profile, cancellable, &error);

  if (conn == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  if (!gw_hylafax_conn_command (conn, "TYPE I", 2, &error)) {
    gw_hylafax_conn_free (conn);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  for (int i = gw_fax_next_pending (job->envelope, 0); i >= 0;
       i = gw_fax_next_pending (job->envelope, (guint) i + 1)) {
    g_autofree char *number = dial_string (job->profile, job->envelope, (guint) i);
    g_autofree char *id = NULL;
    g_autofree char *reply = NULL;

    if (number == NULL)
      continue;
    id = submit_job (conn, job->profile, job->content, number,
                     gw_envelope_get_recipient (job->envelope, (guint) i)->address, &error);
    if (id == NULL) {
      gboolean permanent = g_error_matches (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT);

      if (!permanent) {
        /* The conversation is in an unknown state: stop here. */
        gw_hylafax_conn_free (conn);
        g_task_return_error (task, g_steal_pointer (&error));
        return;
      }
      gw_envelope_set_result (job->envelope, (guint) i, GW_RECIPIENT_PERMFAIL, error->message, NULL);
      g_clear_error (&error);
      continue;
    }
    reply = g_strdup_printf (_("HylaFAX job %s submitted (%s)"), id, conn->reply);
    gw_envelope_set_remote_id (job->envelope, (guint) i, id);
    gw_envelope_set_result (job->envelope, (guint) i, GW_RECIPIENT_SUBMITTED, reply, NULL);
  }
  gw_hylafax_conn_quit (conn);
  g_task_return_boolean (task, TRUE);
}

static void
hylafax_deliver (GwTransport  *transport,
                 GwProfile    *profile,
                 GwEnvelope   *envelope,
                 GwFaxContent *content,
                 GTask        *task)
{
  HylafaxJob *job = g_new0 (HylafaxJob, 1);

  job->profile = g_object_ref (profile);
  job->envelope = g_object_ref (envelope);
  job->content = content;
  g_object_set_data_full (G_OBJECT (task), "fax-hylafax", job, (GDestroyNotify) hylafax_job_free);
  g_task_run_in_thread (task, hylafax_deliver_thread);
  g_object_unref (task);
}

const GwFaxBackend gw_fax_hylafax_backend = {
  .name = "hylafax",
  .validate_profile = hylafax_validate_profile,
  .describe = hylafax_describe,
  .deliver = hylafax_deliver,
  .poll = gw_fax_hylafax_poll,
  .cancel = gw_fax_hylafax_cancel,
};
