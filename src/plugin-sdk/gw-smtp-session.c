/* gw-smtp-session.c: one SMTP client connection, for every transport that speaks SMTP
 *
 * Everything is asynchronous on GIO streams. Each command group is built
 * into one buffer and goes out in one write (with TCP_NODELAY, so a small
 * command is not held back by Nagle's algorithm waiting for an ACK), and
 * every wait for a reply has its own timer that cancels the wait.
 *
 * Any I/O error, timeout or protocol error leaves the conversation in an
 * unknown state: the session is then "broken" and only good for closing.
 */
#define G_LOG_DOMAIN "gw-smtp-session"

#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "gw-pop-login.h"
#include "gw-smtp-data.h"
#include "gw-smtp-session.h"
#include "gw-smtp-session-private.h"
#include "gw-tls-policy.h"
#include "gw-transport.h"

G_DEFINE_TYPE (GwSmtpSession, gw_smtp_session, G_TYPE_OBJECT)

static void
gw_smtp_session_dispose (GObject *object)
{
  GwSmtpSession *self = GW_SMTP_SESSION (object);

  /* Closing the socket is immediate; a TLS close_notify is not worth a
   * blocking write here. */
  if (self->connection != NULL && !g_io_stream_is_closed (G_IO_STREAM (self->connection)))
    g_io_stream_close (G_IO_STREAM (self->connection), NULL, NULL);
  g_clear_object (&self->input);
  g_clear_object (&self->stream);
  g_clear_object (&self->connection);
  g_clear_object (&self->tls_policy);
  g_clear_object (&self->transcript);
  G_OBJECT_CLASS (gw_smtp_session_parent_class)->dispose (object);
}

static void
gw_smtp_session_finalize (GObject *object)
{
  GwSmtpSession *self = GW_SMTP_SESSION (object);

  g_clear_object (&self->profile);
  g_free (self->host);
  g_free (self->security);
  g_clear_pointer (&self->caps, g_hash_table_unref);
  g_free (self->tls_description);
  g_free (self->helo);
  g_clear_pointer (&self->last_reply, gw_smtp_reply_free);
  G_OBJECT_CLASS (gw_smtp_session_parent_class)->finalize (object);
}

static void
gw_smtp_session_class_init (GwSmtpSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gw_smtp_session_dispose;
  object_class->finalize = gw_smtp_session_finalize;
}

static void
gw_smtp_session_init (GwSmtpSession *self)
{
  self->caps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

GwSmtpSession *
gw_smtp_session_new (GwProfile *profile,
                     gboolean   implicit_tls)
{
  GwSmtpSession *self;
  const char *security;

  g_return_val_if_fail (GW_IS_PROFILE (profile), NULL);

  self = g_object_new (GW_TYPE_SMTP_SESSION, NULL);
  self->profile = g_object_ref (profile);
  self->host = g_strdup (gw_profile_get_string (profile, "host"));
  self->port = (guint16) gw_profile_get_uint (profile, "port");
  security = gw_profile_get_string (profile, "security");
  self->security = g_strdup (security != NULL ? security : "starttls");
  self->implicit_tls = implicit_tls || g_str_equal (self->security, "tls");
  self->connect_timeout = (guint) CLAMP (gw_profile_get_uint (profile, "connect-timeout"), 1, 300);
  self->conversation_timeout = (guint) CLAMP (gw_profile_get_uint (profile, "conversation-timeout"), 1, 300);
  return self;
}

void
gw_smtp_session_set_transcript (GwSmtpSession *self,
                                GwTranscript  *transcript)
{
  g_return_if_fail (GW_IS_SMTP_SESSION (self));
  g_return_if_fail (transcript == NULL || GW_IS_TRANSCRIPT (transcript));

  g_set_object (&self->transcript, transcript);
}

GwTranscript *
gw_smtp_session_get_transcript (GwSmtpSession *self)
{
  g_return_val_if_fail (GW_IS_SMTP_SESSION (self), NULL);

  return self->transcript;
}

gboolean
gw_smtp_session_is_usable (GwSmtpSession *self)
{
  g_return_val_if_fail (GW_IS_SMTP_SESSION (self), FALSE);

  return self->opened && !self->broken && !self->closed;
}

const char *
gw_smtp_session_get_tls_description (GwSmtpSession *self)
{
  g_return_val_if_fail (GW_IS_SMTP_SESSION (self), NULL);

  return self->tls_description;
}

const GwSmtpReply *
gw_smtp_session_get_last_reply (GwSmtpSession *self)
{
  g_return_val_if_fail (GW_IS_SMTP_SESSION (self), NULL);

  return self->last_reply;
}

GVariant *
gw_smtp_session_dup_tls_failure (GwSmtpSession *self)
{
  g_return_val_if_fail (GW_IS_SMTP_SESSION (self), NULL);

  return self->tls_policy != NULL ? gw_tls_policy_get_failure (self->tls_policy) : NULL;
}

gboolean
gw_smtp_session_has_capability (GwSmtpSession *self,
                                const char    *keyword)
{
  g_return_val_if_fail (GW_IS_SMTP_SESSION (self), FALSE);

  return g_hash_table_contains (self->caps, keyword);
}

void
gw_smtp_session_note (GwSmtpSession *self,
                      const char    *note)
{
  if (self->transcript != NULL)
    gw_transcript_add_note (self->transcript, note);
}

/* ---- open: connect, greeting, EHLO, STARTTLS ---- */

typedef struct {
  GwDeadline    deadline;    /* connect-timeout, then the STARTTLS handshake */
  gboolean      after_tls;   /* the EHLO being sent is the one after STARTTLS */
} OpenData;

static void
open_data_free (OpenData *data)
{
  gw_deadline_stop (&data->deadline);
  g_free (data);
}

static void send_ehlo (GTask *task);
static void read_greeting (GTask *task);

/* The session is marked broken where the conversation is out of step
 * (I/O errors do it in the exchange); after a clean refusal such as a 535
 * or a missing STARTTLS, closing still says QUIT. */
static void
open_fail (GTask  *task,
           GError *error)
{
  g_task_return_error (task, error);
}

/* The first reply of a finished exchange during open, or NULL after
 * failing @task with the error. @replies owns the reply. */
static const GwSmtpReply *
open_reply (GwSmtpSession *self,
            GAsyncResult  *result,
            GTask         *task,
            GPtrArray    **replies)
{
  g_autoptr(GError) error = NULL;

  *replies = gw_smtp_session_exchange_finish (self, result, &error);
  if (*replies == NULL) {
    open_fail (task, g_steal_pointer (&error));
    return NULL;
  }
  return (*replies)->pdata[0];
}

/* The STARTTLS handshake gets its own conversation-timeout; an implicit
 * TLS handshake runs under the connect-timeout. */
static void
tls_handshake_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = G_TASK (user_data);
  GwSmtpSession *self = g_task_get_source_object (task);
  OpenData *data = g_task_get_task_data (task);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GIOStream) tls = NULL;
  g_autofree char *note = NULL;
  gboolean fired = data->deadline.fired;

  tls = gw_tls_policy_handshake_finish (GW_TLS_POLICY (source), result, &local_error);
  if (tls == NULL) {
    self->broken = TRUE;
    if (fired)
      open_fail (task, g_error_new (GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                                    _("%s:%u: timed out waiting for the TLS handshake (%u s)"),
                                    self->host, self->port,
                                    self->implicit_tls ? self->connect_timeout : self->conversation_timeout));
    else
      open_fail (task, g_steal_pointer (&local_error));
    return;
  }
  if (!self->implicit_tls)
    gw_deadline_stop (&data->deadline);

  gw_smtp_session_set_stream (self, tls);
  self->tls_description = gw_tls_describe_connection (G_TLS_CONNECTION (tls));
  note = g_strdup_printf ("TLS started: %s", self->tls_description);
  gw_smtp_session_note (self, note);
  g_debug ("%s:%u: %s", self->host, self->port, note);
  /* Nothing learnt before TLS can be trusted (RFC 3207 4.2). */
  g_hash_table_remove_all (self->caps);

  if (self->implicit_tls) {
    read_greeting (g_steal_pointer (&task));
  } else {
    data->after_tls = TRUE;
    send_ehlo (g_steal_pointer (&task));
  }
}

static void
start_tls (GTask *task)
{
  GwSmtpSession *self = g_task_get_source_object (task);
  OpenData *data = g_task_get_task_data (task);
  g_autoptr(GError) local_error = NULL;

  self->tls_policy = gw_tls_policy_new (self->profile, self->host, self->port, &local_error);
  if (self->tls_policy == NULL) {
    self->broken = TRUE;
    open_fail (task, g_steal_pointer (&local_error));
    g_object_unref (task);
    return;
  }
  if (!self->implicit_tls)
    gw_deadline_start (&data->deadline, g_task_get_cancellable (task), self->conversation_timeout);
  gw_tls_policy_handshake_async (self->tls_policy, G_IO_STREAM (self->connection),
                                 data->deadline.cancellable, tls_handshake_cb, task);
}

static void
open_done (GTask *task)
{
  GwSmtpSession *self = g_task_get_source_object (task);

  self->opened = TRUE;
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
auth_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = G_TASK (user_data);
  g_autoptr(GError) local_error = NULL;

  if (!gw_smtp_session_auth_finish (GW_SMTP_SESSION (source), result, &local_error)) {
    open_fail (task, g_steal_pointer (&local_error));
    return;
  }
  open_done (g_steal_pointer (&task));
}

static void
starttls_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GwSmtpSession *self = GW_SMTP_SESSION (source);
  g_autoptr(GTask) task = G_TASK (user_data);
  g_autoptr(GPtrArray) replies = NULL;
  const GwSmtpReply *reply;
  GSocket *socket;
  GCancellable *cancellable;

  reply = open_reply (self, result, task, &replies);
  if (reply == NULL)
    return;
  if (reply->code != 220) {
    g_autofree char *text = gw_smtp_reply_to_string (reply);

    if (g_str_equal (self->security, "starttls")) {
      open_fail (task, g_error_new (GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                                    _("%s refused STARTTLS, which the profile requires: %s"),
                                    self->host, text));
      return;
    }
    g_debug ("%s refused STARTTLS (%s): going on without TLS as the profile allows", self->host, text);
    /* (cancellable fetched first: argument evaluation order is unspecified) */
    cancellable = g_task_get_cancellable (task);
    gw_smtp_session_auth_async (self, cancellable, auth_done_cb, g_steal_pointer (&task));
    return;
  }

  /* A legitimate server sends nothing after its 220 until our ClientHello.
   * Bytes already there were injected into the plaintext stream and would be
   * taken as replies once TLS is up (CVE-2011-0411 and kin). */
  socket = g_socket_connection_get_socket (self->connection);
  if (gw_smtp_reply_has_pending_input (self->input) || g_socket_get_available_bytes (socket) > 0) {
    gw_smtp_session_note (self, "protocol error: data after the 220 reply to STARTTLS");
    self->broken = TRUE;
    open_fail (task, g_error_new (GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                                  _("Protocol error from %s: it sent more data after its 220 reply "
                                    "to STARTTLS (possible response injection); the session was aborted"),
                                  self->host));
    return;
  }
  start_tls (g_steal_pointer (&task));
}

static void
after_ehlo (GTask *task)
{
  GwSmtpSession *self = g_task_get_source_object (task);
  const char * const starttls[] = { "STARTTLS", NULL };

  if (self->tls_description != NULL || g_str_equal (self->security, "none")) {
    gw_smtp_session_auth_async (self, g_task_get_cancellable (task), auth_done_cb, task);
    return;
  }
  if (!g_hash_table_contains (self->caps, "STARTTLS")) {
    if (g_str_equal (self->security, "starttls")) {
      open_fail (task, g_error_new (GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                                    _("%s does not offer STARTTLS, which the profile requires "
                                      "(security=starttls); no credentials or mail were sent"),
                                    self->host));
      g_object_unref (task);
      return;
    }
    g_debug ("%s does not offer STARTTLS: going on without TLS as the profile allows", self->host);
    gw_smtp_session_auth_async (self, g_task_get_cancellable (task), auth_done_cb, task);
    return;
  }
  gw_smtp_session_exchange_async (self, starttls, NULL, 1, "the reply to STARTTLS", NULL,
                                  g_task_get_cancellable (task), starttls_cb, task);
}

static void
helo_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GwSmtpSession *self = GW_SMTP_SESSION (source);
  g_autoptr(GTask) task = G_TASK (user_data);
  g_autoptr(GPtrArray) replies = NULL;
  const GwSmtpReply *reply;

  reply = open_reply (self, result, task, &replies);
  if (reply == NULL)
    return;
  if (reply->code != 250) {
    g_autofree char *text = gw_smtp_reply_to_string (reply);
    open_fail (task, g_error_new (GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                                  _("%s refused HELO: %s"), self->host, text));
    return;
  }
  g_hash_table_remove_all (self->caps);
  after_ehlo (g_steal_pointer (&task));
}

static void
ehlo_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GwSmtpSession *self = GW_SMTP_SESSION (source);
  g_autoptr(GTask) task = G_TASK (user_data);
  OpenData *data = g_task_get_task_data (task);
  g_autoptr(GPtrArray) replies = NULL;
  const GwSmtpReply *reply;

  reply = open_reply (self, result, task, &replies);
  if (reply == NULL)
    return;
  if (reply->code == 250) {
    g_hash_table_unref (self->caps);
    self->caps = gw_smtp_reply_parse_capabilities (reply);
    after_ehlo (g_steal_pointer (&task));
    return;
  }
  /* An old server that does not know EHLO answers 5xx; HELO then, but
   * never after STARTTLS: the server spoke ESMTP before. */
  if (reply->code >= 500 && !data->after_tls) {
    g_autofree char *helo = g_strdup_printf ("HELO %s", gw_smtp_session_helo_name (self));
    const char * const commands[] = { helo, NULL };
    GCancellable *cancellable = g_task_get_cancellable (task);

    gw_smtp_session_exchange_async (self, commands, NULL, 1, "the reply to HELO", NULL,
                                    cancellable, helo_cb, g_steal_pointer (&task));
    return;
  }
  {
    g_autofree char *text = gw_smtp_reply_to_string (reply);
    open_fail (task, g_error_new (GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                                  _("%s refused EHLO: %s"), self->host, text));
  }
}

static void
send_ehlo (GTask *task)
{
  GwSmtpSession *self = g_task_get_source_object (task);
  g_autofree char *ehlo = g_strdup_printf ("EHLO %s", gw_smtp_session_helo_name (self));
  const char * const commands[] = { ehlo, NULL };

  gw_smtp_session_exchange_async (self, commands, NULL, 1, "the reply to EHLO", NULL,
                                  g_task_get_cancellable (task), ehlo_cb, task);
}

static void
greeting_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GwSmtpSession *self = GW_SMTP_SESSION (source);
  g_autoptr(GTask) task = G_TASK (user_data);
  OpenData *data = g_task_get_task_data (task);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) replies = NULL;
  const GwSmtpReply *reply;

  replies = gw_smtp_session_exchange_finish (self, result, &local_error);
  gw_deadline_stop (&data->deadline);
  if (replies == NULL) {
    open_fail (task, g_steal_pointer (&local_error));
    return;
  }
  reply = replies->pdata[0];
  if (reply->code != 220) {
    g_autofree char *text = gw_smtp_reply_to_string (reply);
    open_fail (task, g_error_new (GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                                  _("%s does not accept mail now: %s"), self->host, text));
    return;
  }
  send_ehlo (g_steal_pointer (&task));
}

static void
read_greeting (GTask *task)
{
  GwSmtpSession *self = g_task_get_source_object (task);
  OpenData *data = g_task_get_task_data (task);

  gw_smtp_session_exchange_async (self, NULL, NULL, 1, "the greeting", &data->deadline,
                                  g_task_get_cancellable (task), greeting_cb, task);
}

static void
connect_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = G_TASK (user_data);
  GwSmtpSession *self = g_task_get_source_object (task);
  OpenData *data = g_task_get_task_data (task);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GError) nodelay_error = NULL;
  g_autoptr(GSocketConnection) connection = NULL;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &local_error);
  if (connection == NULL) {
    if (data->deadline.fired)
      open_fail (task, g_error_new (GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                                    _("%s:%u: timed out connecting (%u s)"),
                                    self->host, self->port, self->connect_timeout));
    else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      open_fail (task, g_steal_pointer (&local_error));
    else
      open_fail (task, g_error_new (GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                                    _("Cannot connect to %s:%u: %s"),
                                    self->host, self->port, local_error->message));
    return;
  }
  /* Commands are written whole, one group at a time: Nagle would only add
   * a delayed-ACK wait (about 40 ms) to every exchange. */
  if (!g_socket_set_option (g_socket_connection_get_socket (connection),
                            IPPROTO_TCP, TCP_NODELAY, 1, &nodelay_error))
    g_debug ("Cannot set TCP_NODELAY: %s", nodelay_error->message);

  self->connection = g_object_ref (connection);
  gw_smtp_session_set_stream (self, G_IO_STREAM (connection));
  if (self->implicit_tls)
    start_tls (g_steal_pointer (&task));
  else
    read_greeting (g_steal_pointer (&task));
}

static void
start_connect (GTask *task)
{
  GwSmtpSession *self = g_task_get_source_object (task);
  OpenData *data = g_task_get_task_data (task);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnectable) address = g_network_address_new (self->host, self->port);
  g_autofree char *note = g_strdup_printf ("connecting to %s:%u%s", self->host, self->port,
                                           self->implicit_tls ? " (implicit TLS)" : "");

  gw_smtp_session_note (self, note);
  /* Mail goes to the configured server, not through a proxy an
   * environment variable happens to name. */
  g_socket_client_set_enable_proxy (client, FALSE);
  gw_deadline_start (&data->deadline, g_task_get_cancellable (task), self->connect_timeout);
  g_socket_client_connect_async (client, address, data->deadline.cancellable, connect_cb, task);
}

static void
pop_login_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = G_TASK (user_data);
  g_autoptr(GError) local_error = NULL;

  if (!gw_pop_login_finish (result, &local_error)) {
    open_fail (task, g_steal_pointer (&local_error));
    return;
  }
  start_connect (g_steal_pointer (&task));
}

void
gw_smtp_session_open_async (GwSmtpSession       *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (GW_IS_SMTP_SESSION (self));
  g_return_if_fail (self->connection == NULL && !self->opened);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gw_smtp_session_open_async);
  g_task_set_task_data (task, g_new0 (OpenData, 1), (GDestroyNotify) open_data_free);

  if (self->host == NULL) {
    open_fail (task, g_error_new (GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                                  _("Profile “%s” has no “host”"),
                                  gw_profile_get_name (self->profile)));
    return;
  }
  if (gw_profile_get_boolean (self->profile, "pop-before-smtp")) {
    gw_smtp_session_note (self, "POP-before-SMTP login");
    gw_pop_login_async (self->profile, cancellable, pop_login_cb, g_steal_pointer (&task));
    return;
  }
  start_connect (g_steal_pointer (&task));
}

gboolean
gw_smtp_session_open_finish (GwSmtpSession *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- close ---- */

static void
close_stream_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = G_TASK (user_data);
  GwSmtpSession *self = g_task_get_source_object (task);
  g_autoptr(GError) local_error = NULL;

  if (!g_io_stream_close_finish (G_IO_STREAM (source), result, &local_error))
    g_debug ("Closing the connection to %s: %s", self->host, local_error->message);
  /* The TLS layer may have left the socket open after a failed close. */
  if (self->connection != NULL && !g_io_stream_is_closed (G_IO_STREAM (self->connection)))
    g_io_stream_close (G_IO_STREAM (self->connection), NULL, NULL);
  g_task_return_boolean (task, TRUE);
}

static void
close_stream (GTask *task)
{
  GwSmtpSession *self = g_task_get_source_object (task);
  GwDeadline *deadline = g_task_get_task_data (task);

  self->closed = TRUE;
  if (self->stream == NULL || g_io_stream_is_closed (self->stream)) {
    g_task_return_boolean (task, TRUE);
    g_object_unref (task);
    return;
  }
  /* Closing the socket itself is immediate; only a healthy TLS session
   * is worth a close_notify, and that write is bounded too. */
  if (self->broken || self->stream == G_IO_STREAM (self->connection)) {
    g_io_stream_close (G_IO_STREAM (self->connection), NULL, NULL);
    g_task_return_boolean (task, TRUE);
    g_object_unref (task);
    return;
  }
  gw_deadline_start (deadline, NULL, self->conversation_timeout);
  g_io_stream_close_async (self->stream, G_PRIORITY_DEFAULT, deadline->cancellable,
                           close_stream_cb, task);
}

static void
close_data_free (GwDeadline *deadline)
{
  gw_deadline_stop (deadline);
  g_free (deadline);
}

static void
quit_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = G_TASK (user_data);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) replies = NULL;

  replies = gw_smtp_session_exchange_finish (GW_SMTP_SESSION (source), result, &local_error);
  if (replies == NULL)
    g_debug ("QUIT: %s", local_error->message);
  close_stream (g_steal_pointer (&task));
}

void
gw_smtp_session_close_async (GwSmtpSession       *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task;
  const char * const quit[] = { "QUIT", NULL };

  g_return_if_fail (GW_IS_SMTP_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gw_smtp_session_close_async);
  g_task_set_task_data (task, g_new0 (GwDeadline, 1), (GDestroyNotify) close_data_free);
  if (self->stream != NULL && !self->broken && !self->closed && !self->busy) {
    gw_smtp_session_exchange_async (self, quit, NULL, 1, "the reply to QUIT", NULL,
                                    cancellable, quit_cb, task);
    return;
  }
  self->broken = TRUE;
  close_stream (task);
}

gboolean
gw_smtp_session_close_finish (GwSmtpSession *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
