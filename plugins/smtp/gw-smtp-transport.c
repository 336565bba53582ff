/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-smtp-transport.c: what the smtp and smtps transports share
 *
 * Policy only: the engine is GwSmtpSession in the plugin SDK. The two
 * transports (gw-smtp-module.c) differ in their name, their defaults and
 * whether TLS starts with the first byte.
 */
#define G_LOG_DOMAIN "gw-smtp-transport"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "gw-smtp-session.h"
#include "gw-smtp-transport.h"

/* A type macro, not a call, kept as written */
/* clang-format off */
G_DEFINE_DYNAMIC_TYPE_EXTENDED (GwSmtpTransport, gw_smtp_transport, GW_TYPE_TRANSPORT,
                                G_TYPE_FLAG_ABSTRACT, {})
/* clang-format on */

static gboolean
require_keys (GwProfile          *profile,
              const char * const *keys,
              const char         *why,
              GError            **error)
{
  for (guint i = 0; keys[i] != NULL; i++) {
    if (gw_profile_get_string (profile, keys[i]) == NULL) {
      g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                   _("Profile “%s” needs “%s” %s"), gw_profile_get_name (profile), keys[i], why);
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
gw_smtp_transport_validate_profile (GwTransport *transport,
                                    GwProfile   *profile,
                                    GError     **error)
{
  GwSmtpTransportClass *klass = GW_SMTP_TRANSPORT_GET_CLASS (transport);
  const char *security = gw_profile_get_string (profile, "security");
  const char *auth = gw_profile_get_string (profile, "auth");

  if (!require_keys (profile, (const char *[]){ "host", NULL }, _("for SMTP"), error))
    return FALSE;
  if (klass->implicit_tls && g_strcmp0 (security, "tls") != 0) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("An smtps profile always uses implicit TLS: “security” must be “tls”, not “%s” "
                   "(use transport smtp for STARTTLS)"),
                 security);
    return FALSE;
  }
  if ((g_strcmp0 (auth, "xoauth2") == 0 || g_strcmp0 (auth, "oauthbearer") == 0) &&
      !require_keys (profile, (const char *[]){ "username", "oauth2-token-url", NULL },
                     _("for OAuth 2.0 authentication"), error))
    return FALSE;
  /* EXTERNAL authenticates with the certificate of the TLS handshake. */
  if (g_strcmp0 (auth, "external") == 0) {
    if (!require_keys (profile, (const char *[]){ "tls-client-certificate", NULL },
                       _("for auth=external (SASL EXTERNAL authenticates with the TLS client "
                         "certificate)"),
                       error))
      return FALSE;
    if (g_strcmp0 (security, "starttls") != 0 && g_strcmp0 (security, "tls") != 0) {
      g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                   _("auth=external runs only over TLS: “security” must be “starttls” or “tls”, "
                     "not “%s”"),
                   security);
      return FALSE;
    }
  }
  if (gw_profile_get_boolean (profile, "pop-before-smtp") &&
      !require_keys (profile, (const char *[]){ "pop-host", "pop-username", NULL },
                     _("for POP-before-SMTP"), error))
    return FALSE;
  return TRUE;
}

static char *
gw_smtp_transport_describe (GwTransport *transport,
                            GwProfile   *profile)
{
  return g_strdup_printf ("%s %s:%" G_GUINT64_FORMAT " (%s)", gw_transport_get_name (transport),
                          gw_profile_get_string (profile, "host"),
                          gw_profile_get_uint (profile, "port"),
                          gw_profile_get_string (profile, "security"));
}

static void
gw_smtp_transport_open_session (GwTransport        *transport,
                                GwProfile          *profile,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (transport, cancellable, callback, user_data);
  gboolean implicit_tls = GW_SMTP_TRANSPORT_GET_CLASS (transport)->implicit_tls ||
                          g_strcmp0 (gw_profile_get_string (profile, "security"), "tls") == 0;

  g_task_set_source_tag (task, gw_smtp_transport_open_session);
  g_task_return_pointer (task, gw_smtp_session_new (profile, implicit_tls), g_object_unref);
}

static GObject *
gw_smtp_transport_open_session_finish (GwTransport  *transport,
                                       GAsyncResult *result,
                                       GError      **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
close_done_cb (GObject      *source,
               GAsyncResult *res,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!gw_smtp_session_close_finish (GW_SMTP_SESSION (source), res, &error))
    g_debug ("Closing an SMTP session: %s", error->message);
  g_object_unref (source);
}

static void
gw_smtp_transport_close_session (GwTransport *transport,
                                 GObject     *session)
{
  /* QUIT politely in the background; the reference keeps it alive. */
  gw_smtp_session_close_async (GW_SMTP_SESSION (g_object_ref (session)), NULL, close_done_cb, NULL);
}

typedef struct {
  GwSmtpSession *session;
  GwEnvelope    *envelope;
} DeliverData;

static void
deliver_data_free (DeliverData *data)
{
  g_clear_object (&data->session);
  g_clear_object (&data->envelope);
  g_free (data);
}

static GwRecipientStatus
status_for_error (const GError *error)
{
  if (g_error_matches (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT))
    return GW_RECIPIENT_PERMFAIL;
  return GW_RECIPIENT_TEMPFAIL;
}

static void
send_cb (GObject      *source,
         GAsyncResult *res,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DeliverData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gboolean sent = gw_smtp_session_send_finish (data->session, res, &error);

  gw_envelope_set_tls (data->envelope, gw_smtp_session_get_tls_description (data->session));
  if (sent) {
    g_task_return_boolean (task, TRUE);
    return;
  }
  /* The message failed but the session is fine (too large, 5xx to MAIL):
   * fail this message and keep the connection for the next. */
  if (gw_smtp_session_is_usable (data->session)) {
    const GwSmtpReply *reply = gw_smtp_session_get_last_reply (data->session);
    gw_envelope_set_pending_result (data->envelope, status_for_error (error), error->message,
                                    reply != NULL ? reply->enhanced_code : NULL);
    g_task_return_boolean (task, TRUE);
    return;
  }
  g_task_return_error (task, g_steal_pointer (&error));
}

static void
open_cb (GObject      *source,
         GAsyncResult *res,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DeliverData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!gw_smtp_session_open_finish (data->session, res, &error)) {
    g_autoptr(GVariant) certificate = gw_smtp_session_dup_tls_failure (data->session);

    if (certificate != NULL)
      gw_envelope_set_certificate_failure (data->envelope, certificate);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  gw_smtp_session_send_async (data->session, data->envelope, g_task_get_cancellable (task),
                              send_cb, g_object_ref (task));
}

static void
gw_smtp_transport_deliver (GwTransport        *transport,
                           GwProfile          *profile,
                           GObject            *session,
                           GwEnvelope         *envelope,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (transport, cancellable, callback, user_data);
  DeliverData *data = g_new0 (DeliverData, 1);

  g_task_set_source_tag (task, gw_smtp_transport_deliver);
  data->session = GW_SMTP_SESSION (g_object_ref (session));
  data->envelope = g_object_ref (envelope);
  g_task_set_task_data (task, data, (GDestroyNotify) deliver_data_free);
  if (gw_smtp_session_is_usable (data->session) || gw_smtp_session_has_sent_ahead (data->session, envelope))
    gw_smtp_session_send_async (data->session, envelope, cancellable, send_cb, g_steal_pointer (&task));
  else
    gw_smtp_session_open_async (data->session, cancellable, open_cb, g_steal_pointer (&task));
}

static void
gw_smtp_transport_announce_next (GwTransport *transport,
                                 GObject     *session,
                                 GwEnvelope  *envelope)
{
  gw_smtp_session_announce_next (GW_SMTP_SESSION (session), envelope);
}

static gboolean
gw_smtp_transport_deliver_finish (GwTransport  *transport,
                                  GAsyncResult *result,
                                  GError      **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- TestProfile: the same path, with a transcript ---- */

static void
test_return (GTask         *task,
             GwSmtpSession *session,
             GwEnvelope    *envelope,
             const GError  *error)
{
  const GwSmtpReply *reply = gw_smtp_session_get_last_reply (session);
  g_autoptr(GVariant) certificate = gw_smtp_session_dup_tls_failure (session);
  g_auto(GStrv) transcript = gw_transcript_dup_lines (gw_smtp_session_get_transcript (session));
  g_autofree char *reply_text = NULL;

  if (reply != NULL) {
    g_autofree char *text = g_strjoinv ("\n", reply->lines);
    reply_text = g_strdup_printf ("%u %s", reply->code, text);
  }
  g_task_return_pointer (task,
                         gw_transport_build_test_result (envelope, error != NULL ? error->message : NULL,
                                                         reply_text,
                                                         reply != NULL ? reply->enhanced_code : NULL,
                                                         gw_smtp_session_get_tls_description (session),
                                                         certificate, (const char * const *) transcript),
                         (GDestroyNotify) g_variant_unref);
}

static void
test_deliver_cb (GObject      *source,
                 GAsyncResult *res,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DeliverData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  gw_transport_deliver_finish (GW_TRANSPORT (source), res, &error);
  test_return (task, data->session, data->envelope, error);
  gw_smtp_transport_close_session (GW_TRANSPORT (source), G_OBJECT (data->session));
}

static void
gw_smtp_transport_test (GwTransport        *transport,
                        GwProfile          *profile,
                        GwEnvelope         *envelope,
                        GCancellable       *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (transport, cancellable, callback, user_data);
  g_autoptr(GwTranscript) transcript = gw_transcript_new ();
  gboolean implicit_tls = GW_SMTP_TRANSPORT_GET_CLASS (transport)->implicit_tls ||
                          g_strcmp0 (gw_profile_get_string (profile, "security"), "tls") == 0;
  DeliverData *data = g_new0 (DeliverData, 1);

  data->session = gw_smtp_session_new (profile, implicit_tls);
  data->envelope = g_object_ref (envelope);
  gw_smtp_session_set_transcript (data->session, transcript);
  g_task_set_task_data (task, data, (GDestroyNotify) deliver_data_free);
  gw_smtp_transport_deliver (transport, profile, G_OBJECT (data->session), envelope, cancellable,
                             test_deliver_cb, g_steal_pointer (&task));
}

static GVariant *
gw_smtp_transport_test_finish (GwTransport  *transport,
                               GAsyncResult *result,
                               GError      **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
gw_smtp_transport_class_init (GwSmtpTransportClass *klass)
{
  GwTransportClass *transport_class = GW_TRANSPORT_CLASS (klass);

  transport_class->validate_profile = gw_smtp_transport_validate_profile;
  transport_class->describe = gw_smtp_transport_describe;
  transport_class->open_session = gw_smtp_transport_open_session;
  transport_class->open_session_finish = gw_smtp_transport_open_session_finish;
  transport_class->close_session = gw_smtp_transport_close_session;
  transport_class->deliver = gw_smtp_transport_deliver;
  transport_class->deliver_finish = gw_smtp_transport_deliver_finish;
  transport_class->announce_next = gw_smtp_transport_announce_next;
  transport_class->test = gw_smtp_transport_test;
  transport_class->test_finish = gw_smtp_transport_test_finish;
}

static void
gw_smtp_transport_class_finalize (GwSmtpTransportClass *klass)
{
}

static void
gw_smtp_transport_init (GwSmtpTransport *self)
{
}

void
gw_smtp_transport_register (GTypeModule *module)
{
  gw_smtp_transport_register_type (module);
}
