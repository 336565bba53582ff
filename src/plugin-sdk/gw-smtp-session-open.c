/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-smtp-session-open.c: opening a GwSmtpSession
 *
 * Connect (after POP-before-SMTP when the profile asks), greeting, EHLO
 * (HELO fallback), STARTTLS as the security mode requires, EHLO again, AUTH.
 * connect-timeout bounds the TCP connection only; every wait for the server
 * after it (a TLS handshake, the greeting, each reply) has the
 * conversation-timeout, as in Postfix.
 */
#define G_LOG_DOMAIN "gw-smtp-session"

#include "config.h"

#include <string.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <glib/gi18n-lib.h>

#include "gw-pop-login.h"
#include "gw-smtp-session.h"
#include "gw-smtp-session-private.h"
#include "gw-tls-client.h"
#include "gw-tls-policy.h"
#include "gw-transport.h"

typedef struct {
  GwDeadline    deadline;    /* connect-timeout, then conversation-timeout for a handshake */
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

/* A TLS handshake, implicit or after STARTTLS, waits for the server like
 * any reply: conversation-timeout. */
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

  gw_deadline_stop (&data->deadline);
  tls = gw_tls_policy_handshake_finish (GW_TLS_POLICY (source), result, &local_error);
  if (tls == NULL) {
    self->broken = TRUE;
    if (fired)
      open_fail (task, g_error_new (GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                                    _("%s:%u: timed out waiting for the TLS handshake (%u s)"),
                                    self->host, self->port, self->conversation_timeout));
    else
      open_fail (task, g_steal_pointer (&local_error));
    return;
  }

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
  if (self->client_certificate != NULL) {
    g_autofree char *described = gw_tls_client_certificate_describe (self->client_certificate);
    g_autofree char *note = g_strdup_printf ("client certificate offered: %s", described);

    gw_smtp_session_note (self, note);
    gw_tls_policy_set_client_certificate (self->tls_policy, self->client_certificate);
  }
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

/*
 * The connection stays without TLS: @refusal is the server's reply to
 * STARTTLS, or NULL when it did not offer it. security=starttls stops here;
 * starttls-if-available goes on, but AUTH then refuses to run
 * (gw-smtp-session-auth.c), so only a profile without credentials sends.
 * Consumes @task.
 */
static void
go_on_without_tls (GTask      *task,
                   const char *refusal)
{
  GwSmtpSession *self = g_task_get_source_object (task);
  const char *name = gw_profile_get_name (self->profile);

  g_free (self->starttls_refusal);
  self->starttls_refusal = g_strdup (refusal);
  if (g_str_equal (self->security, "starttls")) {
    if (refusal != NULL)
      open_fail (task, g_error_new (GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TLS_REQUIRED,
                                    _("Profile “%s”: %s:%u refused STARTTLS, which the profile "
                                      "requires (security=starttls): %s; no credentials or mail "
                                      "were sent"),
                                    name, self->host, self->port, refusal));
    else
      open_fail (task, g_error_new (GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TLS_REQUIRED,
                                    _("Profile “%s”: %s:%u does not offer STARTTLS, which the "
                                      "profile requires (security=starttls); no credentials or "
                                      "mail were sent"),
                                    name, self->host, self->port));
    g_object_unref (task);
    return;
  }
  g_debug ("%s:%u %s: going on without TLS as the profile allows", self->host, self->port,
           refusal != NULL ? "refused STARTTLS" : "does not offer STARTTLS");
  gw_smtp_session_auth_async (self, g_task_get_cancellable (task), auth_done_cb, task);
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

  reply = open_reply (self, result, task, &replies);
  if (reply == NULL)
    return;
  if (reply->code != 220) {
    g_autofree char *text = gw_smtp_reply_to_string (reply);

    go_on_without_tls (g_steal_pointer (&task), text);
    return;
  }

  /* A legitimate server sends nothing after its 220 until our ClientHello.
   * Bytes already there were injected into the plaintext stream and would be
   * taken as replies once TLS is up (CVE-2011-0411 and kin). */
  socket = g_socket_connection_get_socket (self->connection);
  if (self->received_len > 0 || g_socket_get_available_bytes (socket) > 0) {
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
    go_on_without_tls (task, NULL);
    return;
  }
  gw_smtp_session_exchange_async (self, starttls, NULL, 1, "the reply to STARTTLS",
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

    gw_smtp_session_exchange_async (self, commands, NULL, 1, "the reply to HELO",
                                    cancellable, helo_cb, g_steal_pointer (&task));
    return;
  }
  {
    g_autofree char *text = gw_smtp_reply_to_string (reply);

    /* A server that wants a client certificate (Postfix's
     * smtpd_tls_req_ccert) says so here, in its first reply over TLS. */
    if (data->after_tls)
      open_fail (task, g_error_new (GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                                    _("%s refused the session after TLS: %s"), self->host, text));
    else
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

  gw_smtp_session_exchange_async (self, commands, NULL, 1, "the reply to EHLO",
                                  g_task_get_cancellable (task), ehlo_cb, task);
}

static void
greeting_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GwSmtpSession *self = GW_SMTP_SESSION (source);
  g_autoptr(GTask) task = G_TASK (user_data);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) replies = NULL;
  const GwSmtpReply *reply;

  replies = gw_smtp_session_exchange_finish (self, result, &local_error);
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

  /* The greeting is a server reply: conversation-timeout, not the
   * connect-timeout (a server that accepts and stays silent is not slow
   * to connect). */
  gw_smtp_session_exchange_async (self, NULL, NULL, 1, "the greeting",
                                  g_task_get_cancellable (task), greeting_cb, task);
}

/* GLib's error reads "Could not connect to HOST: REASON"; ours names the
 * host and port already, so only the reason is kept. */
static const char *
connect_failure_reason (const char *message,
                        const char *host)
{
  g_autofree char *prefix = g_strconcat (host, ": ", NULL);
  const char *at = strstr (message, prefix);

  return at != NULL ? at + strlen (prefix) : message;
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
  gw_deadline_stop (&data->deadline);
  if (connection == NULL) {
    if (data->deadline.fired)
      open_fail (task, g_error_new (GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                                    _("%s:%u: timed out connecting (%u s)"),
                                    self->host, self->port, self->connect_timeout));
    else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      open_fail (task, g_steal_pointer (&local_error));
    else
      open_fail (task, g_error_new (GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                                    _("Cannot connect to %s:%u: %s"), self->host, self->port,
                                    connect_failure_reason (local_error->message, self->host)));
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
  GwSmtpSession *self = g_task_get_source_object (task);
  g_autoptr(GError) local_error = NULL;

  if (!gw_pop_login_finish (result, &local_error)) {
    g_clear_pointer (&self->pop_tls_failure, g_variant_unref);
    self->pop_tls_failure = gw_pop_login_dup_tls_failure (result);
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
  g_autoptr(GError) local_error = NULL;

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
  /* Read at each connection, before it is made: a renewed certificate is
   * used at once, a key file is checked (owner, mode) each time it is
   * opened, and a profile whose certificate or key cannot be used fails
   * without touching the network. */
  g_clear_object (&self->client_certificate);
  self->client_certificate = gw_tls_client_certificate_load (self->profile, &local_error);
  if (local_error != NULL) {
    open_fail (task, g_steal_pointer (&local_error));
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
