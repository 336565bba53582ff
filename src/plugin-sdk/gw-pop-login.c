/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-pop-login.c: POP-before-SMTP, a POP3 login that reads nothing
 *
 * A small state machine over async GIO streams: greeting, STLS (when
 * pop-security=stls) or implicit TLS, USER, PASS, QUIT. Replies are read
 * through our own bounded buffer, one line of at most MAX_LINE bytes at a
 * time, which also shows whether the server sent anything after its +OK to
 * STLS (bytes that would otherwise be read as if they came over TLS).
 * The TCP connection has connect-timeout; every wait for the server after
 * it (a TLS handshake, the greeting, each reply) has conversation-timeout,
 * as in the SMTP session.
 */
#define G_LOG_DOMAIN "gw-pop-login"

#include "config.h"

#include <string.h>

#include <gnutls/gnutls.h>
#include <glib/gi18n-lib.h>

#include "gw-pop-login.h"
#include "gw-pop-login-private.h"
#include "gw-secret.h"
#include "gw-tls-policy.h"
#include "gw-transport.h"

#define MAX_LINE    1024  /* bytes per reply line, CRLF included */
#define MAX_SHOWN   200

typedef enum {
  STEP_GREETING,
  STEP_STLS,
  STEP_USER,
  STEP_PASS,
  STEP_QUIT,
} Step;

typedef struct {
  char               *host;
  guint16             port;
  char               *security;     /* none, stls, tls */
  char               *username;
  char               *password;     /* wiped */
  guint               connect_timeout;
  guint               conversation_timeout;
  GwTlsPolicy        *policy;       /* nullable */
  GSocketConnection  *connection;
  GIOStream          *stream;       /* the connection, or TLS over it */
  gboolean            tls_active;
  Step                step;
  GByteArray         *input;        /* received, not yet consumed */
  guint8              chunk[MAX_LINE];
  char               *command;      /* being written; wiped */
  gsize               command_len;
  GCancellable       *cancellable;  /* ours: cancelled by the caller's or a timeout */
  GCancellable       *caller_cancellable;
  gulong              caller_handler;
  GSource            *timer;
  gboolean            timed_out;
  guint               timer_seconds;
} PopLogin;

static void
wipe_command (PopLogin *login)
{
  if (login->command != NULL)
    gnutls_memset (login->command, 0, login->command_len);
  g_clear_pointer (&login->command, g_free);
  login->command_len = 0;
}

static void
stop_timer (PopLogin *login)
{
  if (login->timer != NULL) {
    g_source_destroy (login->timer);
    g_clear_pointer (&login->timer, g_source_unref);
  }
}

static void
pop_login_free (PopLogin *login)
{
  stop_timer (login);
  if (login->caller_cancellable != NULL) {
    g_cancellable_disconnect (login->caller_cancellable, login->caller_handler);
    g_object_unref (login->caller_cancellable);
  }
  wipe_command (login);
  g_clear_object (&login->stream);
  g_clear_object (&login->connection);
  g_clear_object (&login->policy);
  g_clear_object (&login->cancellable);
  if (login->input != NULL) {
    if (login->input->len > 0)
      gnutls_memset (login->input->data, 0, login->input->len);
    g_byte_array_unref (login->input);
  }
  gnutls_memset (login->chunk, 0, sizeof login->chunk);
  gw_secret_free (login->password);
  g_free (login->username);
  g_free (login->security);
  g_free (login->host);
  g_free (login);
}

static gboolean
on_timeout (gpointer user_data)
{
  PopLogin *login = user_data;

  login->timed_out = TRUE;
  g_clear_pointer (&login->timer, g_source_unref);
  g_cancellable_cancel (login->cancellable);
  return G_SOURCE_REMOVE;
}

static void
start_timer (GTask *task, guint seconds)
{
  PopLogin *login = g_task_get_task_data (task);

  stop_timer (login);
  login->timer_seconds = seconds;
  login->timer = g_timeout_source_new_seconds (seconds);
  g_source_set_callback (login->timer, on_timeout, login, NULL);
  g_source_attach (login->timer, g_task_get_context (task));
}

static void
on_caller_cancelled (GCancellable *cancellable, gpointer user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

/* Server text for messages: printable ASCII, bounded, the password masked
 * should the server echo it. */
static char *
sanitize (PopLogin *login, const char *text)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (const char *p = text; *p != '\0' && out->len < MAX_SHOWN; p++)
    g_string_append_c (out, (*p >= 0x20 && *p < 0x7f) ? *p : '?');
  if (login->password != NULL && strlen (login->password) >= 4)
    g_string_replace (out, login->password, "(hidden)", 0);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Ends the task with @error (consumed), turning our own cancellation by a
 * timeout into a temporary failure that says so. */
static void
fail (GTask *task, GError *error)
{
  PopLogin *login = g_task_get_task_data (task);

  stop_timer (login);
  if (login->timed_out && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_error_free (error);
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                             _("The POP3 server %s:%u did not answer within %u s"),
                             login->host, (guint) login->port, login->timer_seconds);
    return;
  }
  g_task_return_error (task, error);
}

static void
fail_with (GTask *task, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
fail_with (GTask *task, const char *format, ...)
{
  va_list args;
  GError *error;

  va_start (args, format);
  error = g_error_new_valist (GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY, format, args);
  va_end (args);
  fail (task, error);
}

/* ---- reading replies ---- */

static void handle_line (GTask *task, const char *line);
static void read_line (GTask *task);

static void
on_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  PopLogin *login = g_task_get_task_data (task);
  GError *error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (n < 0) {
    fail (task, error);
    return;
  }
  if (n == 0) {
    fail_with (task, _("The POP3 server %s:%u closed the connection"), login->host, (guint) login->port);
    return;
  }
  g_byte_array_append (login->input, login->chunk, n);
  read_line (task);
}

/* Hands the next complete line to handle_line(), reading as needed. */
static void
read_line (GTask *task)
{
  PopLogin *login = g_task_get_task_data (task);
  guint8 *newline = login->input->len > 0 ? memchr (login->input->data, '\n', login->input->len) : NULL;
  g_autofree char *line = NULL;
  gsize len;

  if (newline == NULL && login->input->len < MAX_LINE) {
    g_input_stream_read_async (g_io_stream_get_input_stream (login->stream),
                               login->chunk, MIN (sizeof login->chunk, MAX_LINE - login->input->len),
                               G_PRIORITY_DEFAULT, login->cancellable, on_read, g_object_ref (task));
    return;
  }
  len = newline != NULL ? (gsize) (newline - login->input->data) + 1 : login->input->len;
  if (newline == NULL || len > MAX_LINE) {
    fail_with (task, _("The POP3 server %s:%u sent a line longer than %u bytes"),
               login->host, (guint) login->port, (guint) MAX_LINE);
    return;
  }

  line = g_strndup ((const char *) login->input->data, len);
  g_byte_array_remove_range (login->input, 0, len);
  g_strchomp (line);
  handle_line (task, line);
}

/* ---- writing commands ---- */

static void
on_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  PopLogin *login = g_task_get_task_data (task);
  GError *error = NULL;

  wipe_command (login);
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error)) {
    fail (task, error);
    return;
  }
  read_line (task);
}

/* Sends "@verb[ @argument]\r\n" and then reads the reply. The argument of
 * PASS never reaches a log. */
static void
send_command (GTask *task, Step step, const char *verb, const char *argument)
{
  PopLogin *login = g_task_get_task_data (task);
  GString *command = g_string_sized_new (GW_POP_MAX_COMMAND + 1);

  g_string_append (command, verb);
  if (argument != NULL) {
    g_string_append_c (command, ' ');
    g_string_append (command, argument);
  }
  g_string_append (command, "\r\n");
  if (step == STEP_PASS) {
    g_debug ("C: PASS ********");
  } else {
    g_autofree char *bare = g_strndup (command->str, command->len - 2);
    g_autofree char *shown = sanitize (login, bare);
    g_debug ("C: %s", shown);
  }

  login->step = step;
  login->command_len = command->len;
  login->command = g_string_free (command, FALSE);
  start_timer (task, login->conversation_timeout);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (login->stream),
                                   login->command, login->command_len, G_PRIORITY_DEFAULT,
                                   login->cancellable, on_written, g_object_ref (task));
}

/* ---- the conversation ---- */

static void
on_closed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;

  /* The login is done; a failed close changes nothing. */
  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
  g_task_return_boolean (task, TRUE);
}

static void
succeed (GTask *task)
{
  PopLogin *login = g_task_get_task_data (task);

  stop_timer (login);
  g_debug ("POP3 login to %s:%u done", login->host, (guint) login->port);
  g_io_stream_close_async (login->stream, G_PRIORITY_DEFAULT, NULL, on_closed, g_object_ref (task));
}

static void
send_user (GTask *task)
{
  PopLogin *login = g_task_get_task_data (task);

  send_command (task, STEP_USER, "USER", login->username);
}

static void
on_handshake (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  PopLogin *login = g_task_get_task_data (task);
  GError *error = NULL;
  GIOStream *tls = gw_tls_policy_handshake_finish (GW_TLS_POLICY (source), result, &error);

  if (tls == NULL) {
    fail (task, error);
    return;
  }
  g_clear_object (&login->stream);
  login->stream = tls;
  login->tls_active = TRUE;
  stop_timer (login);
  if (login->step == STEP_GREETING) {
    /* implicit TLS: the greeting comes over TLS */
    start_timer (task, login->conversation_timeout);
    read_line (task);
  } else {
    send_user (task);   /* after STLS: no greeting again */
  }
}

static void
start_tls (GTask *task)
{
  PopLogin *login = g_task_get_task_data (task);
  GError *error = NULL;

  login->policy = gw_tls_policy_new (g_task_get_source_object (task), login->host, login->port, &error);
  if (login->policy == NULL) {
    fail (task, error);
    return;
  }
  start_timer (task, login->conversation_timeout);
  gw_tls_policy_handshake_async (login->policy, login->stream, login->cancellable,
                                 on_handshake, g_object_ref (task));
}

static void
handle_line (GTask *task, const char *line)
{
  PopLogin *login = g_task_get_task_data (task);
  gboolean ok = g_str_has_prefix (line, "+OK");
  g_autofree char *shown = sanitize (login, line);

  stop_timer (login);
  g_debug ("S: %s", shown);

  if (!ok && login->step == STEP_QUIT) {
    succeed (task);   /* logged in already */
    return;
  }
  if (!ok) {
    const char *text = g_str_has_prefix (shown, "-ERR") ? g_strchug (shown + 4) : shown;
    switch (login->step) {
    case STEP_GREETING:
      fail_with (task, _("The POP3 server %s:%u refused the connection: %s"), login->host, (guint) login->port, text);
      return;
    case STEP_STLS:
      fail_with (task, _("The POP3 server %s:%u refused STLS, which pop-security=stls requires: %s"),
                 login->host, (guint) login->port, text);
      return;
    case STEP_USER:
    case STEP_PASS:
    case STEP_QUIT:
    default:
      fail_with (task, _("POP3 login to %s:%u failed: %s"), login->host, (guint) login->port, text);
      return;
    }
  }

  switch (login->step) {
  case STEP_GREETING:
    if (g_str_equal (login->security, "stls") && !login->tls_active)
      send_command (task, STEP_STLS, "STLS", NULL);
    else
      send_user (task);
    return;
  case STEP_STLS:
    /* Anything after the +OK was sent before TLS: an injection attempt. */
    if (login->input->len > 0) {
      fail_with (task, _("The POP3 server %s:%u sent data after its reply to STLS; "
                         "the connection is abandoned"), login->host, (guint) login->port);
      return;
    }
    start_tls (task);
    return;
  case STEP_USER:
    if (!login->tls_active && !g_str_equal (login->security, "none")) {
      fail_with (task, _("Refusing to send the POP3 password to %s:%u without TLS"),
                 login->host, (guint) login->port);
      return;
    }
    /* the administrator's choice, said on every login (as SMTP does) */
    if (!login->tls_active)
      g_warning ("POP3 login to %s:%u sends the password without TLS (pop-security=none): "
                 "anyone on the network path can read it", login->host, (guint) login->port);
    send_command (task, STEP_PASS, "PASS", login->password);
    return;
  case STEP_PASS:
    send_command (task, STEP_QUIT, "QUIT", NULL);
    return;
  case STEP_QUIT:
  default:
    succeed (task);
    return;
  }
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  PopLogin *login = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  login->connection = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source), result, &error);
  if (login->connection == NULL) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      fail (task, g_steal_pointer (&error));
    else
      fail_with (task, _("Cannot connect to the POP3 server %s:%u: %s"),
                 login->host, (guint) login->port, error->message);
    return;
  }
  login->stream = g_object_ref (G_IO_STREAM (login->connection));
  login->step = STEP_GREETING;
  if (g_str_equal (login->security, "tls")) {
    start_tls (task);
    return;
  }
  start_timer (task, login->conversation_timeout);
  read_line (task);
}

/* ---- setup ---- */

static gboolean
read_settings (GwProfile *profile, PopLogin *login, GError **error)
{
  const char *security;
  const char *host = gw_pop_server_locate (profile, &security, &login->port);
  const char *username = gw_profile_get_string (profile, "pop-username");
  const char *password_key = "pop-password";
  g_autoptr(GError) local_error = NULL;

  /* Same account as SMTP unless said otherwise. */
  if (username == NULL) {
    username = gw_profile_get_string (profile, "username");
    if (!gw_profile_has_secret (profile, "pop-password"))
      password_key = "password";
  }
  login->security = g_strdup (security);
  login->connect_timeout = (guint) CLAMP (gw_profile_get_uint (profile, "connect-timeout"), 1, 300);
  login->conversation_timeout = (guint) CLAMP (gw_profile_get_uint (profile, "conversation-timeout"), 1, 300);

  if (host == NULL) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("POP-before-SMTP needs pop-host"));
    return FALSE;
  }
  login->host = g_strdup (host);
  if (username == NULL || !gw_pop_argument_is_safe (username)) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("POP-before-SMTP needs pop-username (printable, at most 248 bytes)"));
    return FALSE;
  }
  login->username = g_strdup (username);
  login->password = gw_profile_dup_secret (profile, password_key, &local_error);
  if (login->password == NULL) {
    if (local_error != NULL) {
      g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                   _("Cannot read the POP3 password: %s"), local_error->message);
      return FALSE;
    }
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("POP-before-SMTP needs pop-password"));
    return FALSE;
  }
  if (!gw_pop_argument_is_safe (login->password)) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("The POP3 password must be printable and at most 248 bytes"));
    return FALSE;
  }
  return TRUE;
}

/**
 * gw_pop_login_async:
 * @profile: a profile with the POP-before-SMTP keys
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * POP-before-SMTP: logs into the profile's POP3 server with USER and PASS,
 * then QUIT; only STLS, USER, PASS and QUIT are ever sent, no mail is read
 * or deleted. "pop-host" defaults to "host"; "pop-username" and
 * "pop-password" to "username" and "password" when "pop-username" is unset;
 * "pop-port" to 995 for pop-security=tls, else 110. pop-security=stls
 * requires STLS, and PASS goes in the clear only with pop-security=none.
 * "connect-timeout" bounds the connection and the TLS handshake,
 * "conversation-timeout" each reply.
 */
void
gw_pop_login_async (GwProfile           *profile,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GSocketClient) client = NULL;
  GError *error = NULL;
  PopLogin *login;

  g_return_if_fail (GW_IS_PROFILE (profile));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (profile, cancellable, callback, user_data);
  g_task_set_source_tag (task, gw_pop_login_async);
  login = g_new0 (PopLogin, 1);
  login->input = g_byte_array_new ();
  login->cancellable = g_cancellable_new ();
  g_task_set_task_data (task, login, (GDestroyNotify) pop_login_free);

  if (!read_settings (profile, login, &error)) {
    g_task_return_error (task, error);
    return;
  }
  if (cancellable != NULL) {
    login->caller_cancellable = g_object_ref (cancellable);
    login->caller_handler = g_cancellable_connect (cancellable, G_CALLBACK (on_caller_cancelled),
                                                   g_object_ref (login->cancellable), g_object_unref);
  }

  g_debug ("POP3 login to %s:%u (%s)", login->host, (guint) login->port, login->security);
  client = g_socket_client_new ();
  start_timer (task, login->connect_timeout);
  g_socket_client_connect_to_host_async (client, login->host, login->port, login->cancellable,
                                         on_connected, g_object_ref (task));
}

/**
 * gw_pop_login_dup_tls_failure:
 * @result: the result given to the callback of gw_pop_login_async()
 *
 * Returns: (transfer full) (nullable): when the login failed because the
 *   POP3 server's certificate was refused, its details (see
 *   gw_tls_policy_get_failure()); else %NULL
 */
GVariant *
gw_pop_login_dup_tls_failure (GAsyncResult *result)
{
  PopLogin *login;

  g_return_val_if_fail (g_async_result_is_tagged (result, gw_pop_login_async), NULL);
  login = g_task_get_task_data (G_TASK (result));
  return login != NULL && login->policy != NULL ? gw_tls_policy_get_failure (login->policy) : NULL;
}

/**
 * gw_pop_login_finish:
 * @result: the result given to the callback
 * @error: return location for an error: #GW_TRANSPORT_ERROR_TEMPORARY for
 *   connection, TLS, protocol and login failures (with the server's text),
 *   #GW_TRANSPORT_ERROR_PERMANENT for a profile without a host or
 *   credentials, %G_IO_ERROR_CANCELLED
 *
 * Returns: whether the login succeeded
 */
gboolean
gw_pop_login_finish (GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, gw_pop_login_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
