/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-smtp-session-auth.c: SMTP AUTH (RFC 4954) for a GwSmtpSession
 *
 * The mechanisms themselves live in GwSaslClient; this file runs the
 * "AUTH MECH [initial]" / 334 loop. EXTERNAL runs without a user name
 * (then it asks for the identity of the client certificate). Every failure is temporary: a wrong
 * password or an expired refresh token is fixed by the administrator, and
 * the queue should then drain without anyone resubmitting anything.
 *
 * No mechanism runs without TLS, the challenge ones (CRAM-MD5, SCRAM, NTLM)
 * included: a man in the middle who strips STARTTLS chooses the mechanism
 * and cracks the answer offline. The one exception is a profile whose
 * administrator chose both plaintext (security=none) and the mechanism.
 */
#define G_LOG_DOMAIN "gw-smtp-session"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "gw-oauth2.h"
#include "gw-sasl-client.h"
#include "gw-secret.h"
#include "gw-smtp-session-private.h"
#include "gw-tls-client.h"
#include "gw-transport.h"

#define MAX_AUTH_STEPS 16

typedef struct {
  char         *username;
  char         *mechanism;
  char         *secret;    /* password or access token; wiped */
  GwSaslClient *sasl;
  gboolean      oauth;
  gboolean      retried;   /* a fresh OAuth token was tried already */
  guint         steps;
} AuthData;

static void
auth_data_free (AuthData *data)
{
  g_free (data->username);
  g_free (data->mechanism);
  gw_secret_free (data->secret);
  g_clear_object (&data->sasl);
  g_free (data);
}

/* Consumes @task. */
static void
auth_fail (GTask      *task,
           const char *format,
           ...) G_GNUC_PRINTF (2, 3);

static void
auth_fail (GTask      *task,
           const char *format,
           ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY, "%s", message);
  g_object_unref (task);
}

static void fetch_secret (GTask *task);

static void
auth_reply_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GwSmtpSession *self = GW_SMTP_SESSION (source);
  GTask *task = G_TASK (user_data);
  AuthData *data = g_task_get_task_data (task);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) replies = NULL;
  const GwSmtpReply *reply;
  g_autofree char *text = NULL;

  replies = gw_smtp_session_exchange_finish (self, result, &local_error);
  if (replies == NULL) {
    g_task_return_error (task, g_steal_pointer (&local_error));
    g_object_unref (task);
    return;
  }
  reply = replies->pdata[0];

  if (reply->code == 235) {
    /* SCRAM proves the server knows the password too; a success without
     * that proof could come from anyone in the middle. */
    if (g_str_has_prefix (data->mechanism, "SCRAM-") && !gw_sasl_client_is_complete (data->sasl)) {
      self->broken = TRUE;
      auth_fail (task, _("%s accepted %s without proving it knows the password"),
                 self->host, data->mechanism);
      return;
    }
    g_clear_pointer (&data->secret, gw_secret_free);
    g_debug ("Authenticated to %s as %s with %s", self->host, data->username, data->mechanism);
    g_task_return_boolean (task, TRUE);
    g_object_unref (task);
    return;
  }

  if (reply->code == 334) {
    g_autoptr(GwSecret) response = NULL;
    const char *challenge = g_strstrip (reply->lines[0]);

    if (++data->steps > MAX_AUTH_STEPS) {
      self->broken = TRUE;
      auth_fail (task, _("%s did not end the %s exchange after %u steps"),
                 self->host, data->mechanism, MAX_AUTH_STEPS);
      return;
    }
    response = gw_sasl_client_step (data->sasl, challenge, &local_error);
    if (response == NULL) {
      /* The server waits for a response we cannot give: not in sync. */
      self->broken = TRUE;
      auth_fail (task, _("Authentication to %s failed: %s"), self->host, local_error->message);
      return;
    }
    {
      const char * const commands[] = { response, NULL };
      gw_smtp_session_exchange_async (self, commands, NULL, 1, "the reply to AUTH",
                                      g_task_get_cancellable (task), auth_reply_cb, task);
    }
    return;
  }

  /* An access token may have been revoked or expired early: one fresh
   * token is worth a try before giving up. */
  if (data->oauth && !data->retried && reply->code >= 500 && !self->broken) {
    data->retried = TRUE;
    gw_oauth2_forget (gw_oauth2_get_default (), gw_profile_get_name (self->profile));
    g_debug ("%s refused the OAuth token (%u): fetching a fresh one", self->host, reply->code);
    fetch_secret (task);
    return;
  }

  /* The server's words, and for the well-known provider replies what
   * they mean and what to do (gw-smtp-reply-advice.c). */
  text = gw_smtp_reply_describe (reply, gw_profile_get_name (self->profile), data->oauth);
  if (g_str_equal (data->mechanism, "EXTERNAL")) {
    g_autofree char *presented =
      gw_tls_client_certificate_describe (gw_tls_policy_get_client_certificate (self->tls_policy));

    auth_fail (task, _("Authentication to %s with EXTERNAL (the client certificate %s) failed: %s"),
               self->host, presented, text);
    return;
  }
  auth_fail (task, _("Authentication to %s as “%s” with %s failed: %s"),
             self->host, data->username, data->mechanism, text);
}

static void
begin_exchange (GTask *task)
{
  GwSmtpSession *self = g_task_get_source_object (task);
  AuthData *data = g_task_get_task_data (task);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GwSecret) command = NULL;
  const char *commands[] = { NULL, NULL };

  g_clear_object (&data->sasl);
  data->steps = 0;
  data->sasl = gw_sasl_client_new (data->mechanism, data->username, data->secret,
                                   "smtp", self->host, &local_error);
  if (data->sasl == NULL) {
    auth_fail (task, _("Cannot authenticate to %s: %s"), self->host, local_error->message);
    return;
  }
  if (gw_sasl_client_has_initial_response (data->sasl)) {
    g_autoptr(GwSecret) initial = gw_sasl_client_step (data->sasl, NULL, &local_error);

    if (initial == NULL) {
      auth_fail (task, _("Cannot authenticate to %s: %s"), self->host, local_error->message);
      return;
    }
    /* RFC 4954: an empty initial response is sent as "=". */
    command = g_strdup_printf ("AUTH %s %s", data->mechanism, *initial != '\0' ? initial : "=");
  } else {
    command = g_strdup_printf ("AUTH %s", data->mechanism);
  }
  commands[0] = command;
  gw_smtp_session_exchange_async (self, commands, NULL, 1, "the reply to AUTH",
                                  g_task_get_cancellable (task), auth_reply_cb, task);
}

static void
token_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  GTask *task = G_TASK (user_data);
  GwSmtpSession *self = g_task_get_source_object (task);
  AuthData *data = g_task_get_task_data (task);
  g_autoptr(GError) local_error = NULL;

  gw_secret_free (data->secret);
  data->secret = gw_oauth2_get_token_finish (GW_OAUTH2 (source), result, &local_error);
  if (data->secret == NULL) {
    if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_task_return_error (task, g_steal_pointer (&local_error));
      g_object_unref (task);
      return;
    }
    auth_fail (task, _("Cannot get an OAuth 2.0 access token for %s: %s"),
               self->host, local_error->message);
    return;
  }
  begin_exchange (task);
}

static void
fetch_secret (GTask *task)
{
  GwSmtpSession *self = g_task_get_source_object (task);
  AuthData *data = g_task_get_task_data (task);
  g_autoptr(GError) local_error = NULL;

  /* EXTERNAL's credential is the certificate the handshake presented. */
  if (g_str_equal (data->mechanism, "EXTERNAL")) {
    begin_exchange (task);
    return;
  }
  if (data->oauth) {
    gw_oauth2_get_token_async (gw_oauth2_get_default (), self->profile, data->retried,
                               g_task_get_cancellable (task), token_cb, task);
    return;
  }
  gw_secret_free (data->secret);
  data->secret = gw_profile_dup_secret (self->profile, "password", &local_error);
  if (data->secret == NULL) {
    if (local_error != NULL)
      auth_fail (task, _("Cannot read the password of profile “%s”: %s"),
                 gw_profile_get_name (self->profile), local_error->message);
    else
      auth_fail (task, _("Profile “%s” has a user name but no password"),
                 gw_profile_get_name (self->profile));
    return;
  }
  begin_exchange (task);
}

/* Whether credentials may cross this connection, which has no TLS. */
static gboolean
check_auth_without_tls (GwSmtpSession  *self,
                        const char     *configured,
                        GError        **error)
{
  const char *name = gw_profile_get_name (self->profile);
  g_autofree char *mechanism = NULL;

  if (!g_str_equal (self->security, "none")) {
    gw_smtp_session_note (self, "not authenticating: the connection has no TLS");
    if (self->starttls_refusal != NULL)
      g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TLS_REQUIRED,
                   _("Profile “%s”: %s:%u refused STARTTLS (%s), and the profile's credentials "
                     "are never sent without TLS (security=%s); no credentials or mail were sent"),
                   name, self->host, self->port, self->starttls_refusal, self->security);
    else
      g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TLS_REQUIRED,
                   _("Profile “%s”: %s:%u does not offer STARTTLS, and the profile's credentials "
                     "are never sent without TLS (security=%s); no credentials or mail were sent"),
                   name, self->host, self->port, self->security);
    return FALSE;
  }
  if (g_ascii_strcasecmp (configured, "auto") == 0) {
    gw_smtp_session_note (self, "not authenticating: auth=auto never runs without TLS");
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TLS_REQUIRED,
                 _("Profile “%s” has security=none and auth=auto: auto never authenticates "
                   "without TLS. To send the credentials in plaintext, name the mechanism in "
                   "“auth”; no credentials or mail were sent"), name);
    return FALSE;
  }
  /* The administrator's explicit choice, said again on every connection. */
  mechanism = g_ascii_strup (configured, -1);
  gw_smtp_session_note (self, "authenticating without TLS (security=none)");
  g_warning ("Profile %s authenticates to %s:%u with %s without TLS (security=none): "
             "anyone on the network path can read, replay or crack its credentials",
             name, self->host, self->port, mechanism);
  return TRUE;
}

/* auth=external: the server learns who we are from the certificate we
 * presented in the TLS handshake, so there must have been one. */
static gboolean
check_external (GwSmtpSession  *self,
                GError        **error)
{
  const char *name = gw_profile_get_name (self->profile);

  if (self->tls_description == NULL) {
    gw_smtp_session_note (self, "not authenticating: auth=external needs TLS");
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TLS_REQUIRED,
                 _("Profile “%s”: auth=external runs only over TLS with the profile's client "
                   "certificate, and the connection to %s:%u has no TLS; no mail was sent"),
                 name, self->host, self->port);
    return FALSE;
  }
  if (gw_tls_policy_get_client_certificate (self->tls_policy) == NULL) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("Profile “%s” has auth=external but no tls-client-certificate: EXTERNAL "
                   "authenticates with the TLS client certificate"),
                 name);
    return FALSE;
  }
  return TRUE;
}

void
gw_smtp_session_auth_async (GwSmtpSession       *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  AuthData *data = g_new0 (AuthData, 1);
  const char *username = gw_profile_get_string (self->profile, "username");
  const char *configured = gw_profile_get_string (self->profile, "auth");
  const char *offered_text = g_hash_table_lookup (self->caps, "AUTH");
  g_auto(GStrv) offered = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean external;

  g_task_set_source_tag (task, gw_smtp_session_auth_async);
  g_task_set_task_data (task, data, (GDestroyNotify) auth_data_free);

  external = g_strcmp0 (configured, "external") == 0;
  if ((!external && (username == NULL || *username == '\0')) || g_strcmp0 (configured, "none") == 0) {
    g_task_return_boolean (task, TRUE);
    g_object_unref (task);
    return;
  }
  if (configured == NULL)
    configured = "auto";
  if (external && !check_external (self, &local_error)) {
    g_task_return_error (task, g_steal_pointer (&local_error));
    g_object_unref (task);
    return;
  }
  if (self->tls_description == NULL && !check_auth_without_tls (self, configured, &local_error)) {
    g_task_return_error (task, g_steal_pointer (&local_error));
    g_object_unref (task);
    return;
  }
  data->username = g_strdup (username != NULL ? username : "");
  offered = g_strsplit_set (offered_text != NULL ? offered_text : "", " ", -1);
  data->mechanism = gw_sasl_choose_mechanism (configured,
                                              (const char * const *) offered,
                                              self->tls_description != NULL,
                                              g_str_equal (self->security, "none"),
                                              &local_error);
  if (data->mechanism == NULL) {
    auth_fail (task, _("Cannot authenticate to %s: %s"), self->host, local_error->message);
    return;
  }
  data->oauth = g_ascii_strcasecmp (data->mechanism, "XOAUTH2") == 0 ||
                g_ascii_strcasecmp (data->mechanism, "OAUTHBEARER") == 0;
  fetch_secret (task);
}

gboolean
gw_smtp_session_auth_finish (GwSmtpSession *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
