/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-transport.c: base class of transport plugins
 *
 * What a class declares (settings, recipient kind, HTTP routes) is in
 * gw-transport-class.c.
 */
#define G_LOG_DOMAIN "gw-transport"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "gw-transport-private.h"

/**
 * GwTransport:
 *
 * The base class of every transport. A transport is a GIO module in
 * Herald's plugin directory: it holds policy (which settings, which
 * checks, how a message reaches its server) and uses the engines of this
 * SDK (#GwSmtpSession, #GwOAuth2, #GwTlsPolicy) for the protocols. One
 * instance serves every profile of its transport, from the main context.
 */

typedef struct {
  GwTransportProfileLookupFunc  lookup;
  gpointer                      lookup_data;
  GDestroyNotify                lookup_destroy;
  char                         *http_base_url;
} GwTransportPrivate;

/**
 * gw_transport_error_quark:
 *
 * Returns: the #GW_TRANSPORT_ERROR domain
 */
/* A type macro, not a call, kept as written */
/* clang-format off */
G_DEFINE_QUARK (gw-transport-error-quark, gw_transport_error)
/* clang-format on */

/**
 * gw_transport_error_for_message_read:
 * @read_error: why reading a #GwMessageSource's stream failed
 *
 * A source says that its message is damaged for good with
 * %G_IO_ERROR_INVALID_DATA; any other failure may pass (a busy disk, a
 * job deleted meanwhile).
 *
 * Returns: %GW_TRANSPORT_ERROR_MESSAGE_DAMAGED or
 *   %GW_TRANSPORT_ERROR_TEMPORARY, the code to fail the delivery with
 */
GwTransportError
gw_transport_error_for_message_read (const GError *read_error)
{
  if (g_error_matches (read_error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA))
    return GW_TRANSPORT_ERROR_MESSAGE_DAMAGED;
  return GW_TRANSPORT_ERROR_TEMPORARY;
}

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (GwTransport, gw_transport, G_TYPE_OBJECT)

static gboolean
gw_transport_real_validate_profile (GwTransport *self,
                                    GwProfile   *profile,
                                    GError     **error)
{
  return TRUE;
}

static char *
gw_transport_real_describe (GwTransport *self,
                            GwProfile   *profile)
{
  return g_strdup (gw_transport_get_name (self));
}

static gboolean
gw_transport_real_check_content (GwTransport *self,
                                 GwProfile   *profile,
                                 GwEnvelope  *envelope,
                                 GError     **error)
{
  return TRUE;
}

static gboolean
gw_transport_real_check_recipient (GwTransport *self,
                                   const char  *address,
                                   GError     **error)
{
  return TRUE;
}

/* ---- default test: one delivery over a fresh session ---- */

typedef struct {
  GwProfile  *profile;
  GwEnvelope *envelope;
  GObject    *session;
} TestData;

static void
test_data_free (TestData *data)
{
  g_clear_object (&data->profile);
  g_clear_object (&data->envelope);
  g_clear_object (&data->session);
  g_free (data);
}

/**
 * gw_transport_build_test_result:
 * @envelope: the envelope the test sent
 * @error_text: (nullable): why the test failed before any recipient, or %NULL
 * @reply: (nullable): the server's last reply, used when the recipient has none
 * @enhanced_code: (nullable): its enhanced status code
 * @tls: (nullable): the TLS in use, "TLSv1.3 TLS_AES_256_GCM_SHA384"
 * @certificate: (nullable): details of a refused certificate (see
 *   gw_tls_policy_get_failure())
 * @transcript: (nullable) (array zero-terminated=1): the conversation,
 *   secrets masked
 *
 * Builds the a{sv} TestProfile returns (ok, reply, enhanced-code, tls,
 * transcript, error, certificate) from the first recipient's result of
 * @envelope.
 *
 * Returns: (transfer full): the result, not floating
 */
GVariant *
gw_transport_build_test_result (GwEnvelope         *envelope,
                                const char         *error_text,
                                const char         *reply,
                                const char         *enhanced_code,
                                const char         *tls,
                                GVariant           *certificate,
                                const char * const *transcript)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  GwRecipient *recipient = gw_envelope_get_n_recipients (envelope) > 0
                           ? gw_envelope_get_recipient (envelope, 0) : NULL;
  gboolean ok = error_text == NULL && recipient != NULL && recipient->status == GW_RECIPIENT_SENT;
  const char * const no_lines[] = { NULL };

  /* The recipient's own reply is the most precise; the session's last
   * reply explains failures that happened before any recipient. */
  if (recipient != NULL && recipient->reply != NULL)
    reply = recipient->reply;
  if (recipient != NULL && recipient->enhanced_code != NULL)
    enhanced_code = recipient->enhanced_code;

  g_variant_dict_insert (&dict, "ok", "b", ok);
  if (reply != NULL)
    g_variant_dict_insert (&dict, "reply", "s", reply);
  if (enhanced_code != NULL)
    g_variant_dict_insert (&dict, "enhanced-code", "s", enhanced_code);
  if (tls != NULL)
    g_variant_dict_insert (&dict, "tls", "s", tls);
  if (!ok)
    g_variant_dict_insert (&dict, "error", "s",
                           error_text != NULL ? error_text
                           : reply != NULL ? reply : _("The message was not accepted"));
  if (certificate != NULL)
    g_variant_dict_insert_value (&dict, "certificate", certificate);
  g_variant_dict_insert (&dict, "transcript", "^as", transcript != NULL ? transcript : no_lines);
  return g_variant_ref_sink (g_variant_dict_end (&dict));
}

static void
test_return (GTask      *task,
             GwEnvelope *envelope,
             const char *error_text)
{
  g_task_return_pointer (task,
                         gw_transport_build_test_result (envelope, error_text, NULL, NULL, NULL, NULL, NULL),
                         (GDestroyNotify) g_variant_unref);
}

static void
test_deliver_cb (GObject      *source,
                 GAsyncResult *res,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TestData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  gw_transport_deliver_finish (GW_TRANSPORT (source), res, &error);
  gw_transport_close_session (GW_TRANSPORT (source), g_steal_pointer (&data->session));
  test_return (task, data->envelope, error != NULL ? error->message : NULL);
}

static void
test_open_cb (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TestData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  data->session = gw_transport_open_session_finish (GW_TRANSPORT (source), res, &error);
  if (error != NULL) {
    test_return (task, data->envelope, error->message);
    return;
  }
  gw_transport_deliver (GW_TRANSPORT (source), data->profile, data->session, data->envelope,
                        g_task_get_cancellable (task), test_deliver_cb, g_object_ref (task));
}

static void
gw_transport_real_test (GwTransport        *self,
                        GwProfile          *profile,
                        GwEnvelope         *envelope,
                        GCancellable       *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  TestData *data = g_new0 (TestData, 1);

  data->profile = g_object_ref (profile);
  data->envelope = g_object_ref (envelope);
  g_task_set_task_data (task, data, (GDestroyNotify) test_data_free);
  g_task_set_source_tag (task, gw_transport_real_test);
  gw_transport_open_session (self, profile, cancellable, test_open_cb, g_steal_pointer (&task));
}

static GVariant *
gw_transport_real_test_finish (GwTransport  *self,
                               GAsyncResult *result,
                               GError      **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
gw_transport_finalize (GObject *object)
{
  GwTransportPrivate *priv = gw_transport_get_instance_private (GW_TRANSPORT (object));

  if (priv->lookup_destroy != NULL)
    priv->lookup_destroy (priv->lookup_data);
  g_free (priv->http_base_url);
  G_OBJECT_CLASS (gw_transport_parent_class)->finalize (object);
}

static void
gw_transport_class_init (GwTransportClass *klass)
{
  klass->validate_profile = gw_transport_real_validate_profile;
  klass->describe = gw_transport_real_describe;
  klass->test = gw_transport_real_test;
  klass->test_finish = gw_transport_real_test_finish;
  klass->check_content = gw_transport_real_check_content;
  klass->check_recipient = gw_transport_real_check_recipient;
  G_OBJECT_CLASS (klass)->finalize = gw_transport_finalize;
}

static void
gw_transport_init (GwTransport *self)
{
}

/**
 * gw_transport_get_name:
 * @self: a transport
 *
 * Returns: the transport's name (the class's @name)
 */
const char *
gw_transport_get_name (GwTransport *self)
{
  g_return_val_if_fail (GW_IS_TRANSPORT (self), NULL);
  return GW_TRANSPORT_GET_CLASS (self)->name;
}

/**
 * gw_transport_validate_profile:
 * @self: a transport
 * @profile: a profile of this transport, as it would be after a change
 * @error: return location for a #GW_TRANSPORT_ERROR error
 *
 * Returns: whether the profile can be used; when not, the change is refused
 */
gboolean
gw_transport_validate_profile (GwTransport *self,
                               GwProfile   *profile,
                               GError     **error)
{
  g_return_val_if_fail (GW_IS_TRANSPORT (self), FALSE);
  return GW_TRANSPORT_GET_CLASS (self)->validate_profile (self, profile, error);
}

/**
 * gw_transport_open_session:
 * @self: a transport
 * @profile: the profile to deliver for
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the session is open
 * @user_data: data for @callback
 *
 * Opens a session for several deliveries (a connection), or gives a %NULL
 * session for transports without them.
 */
void
gw_transport_open_session (GwTransport        *self,
                           GwProfile          *profile,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  GwTransportClass *klass = GW_TRANSPORT_GET_CLASS (self);
  g_autoptr(GTask) task = NULL;

  if (klass->open_session != NULL) {
    klass->open_session (self, profile, cancellable, callback, user_data);
    return;
  }
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gw_transport_open_session);
  g_task_return_pointer (task, NULL, NULL);
}

/**
 * gw_transport_open_session_finish:
 * @self: a transport
 * @result: the result given to the callback
 * @error: return location for a #GW_TRANSPORT_ERROR error
 *
 * Returns: (transfer full) (nullable): the session, or %NULL (with @error
 *   unset for transports without sessions)
 */
GObject *
gw_transport_open_session_finish (GwTransport  *self,
                                  GAsyncResult *result,
                                  GError      **error)
{
  GwTransportClass *klass = GW_TRANSPORT_GET_CLASS (self);

  if (g_async_result_is_tagged (result, gw_transport_open_session))
    return g_task_propagate_pointer (G_TASK (result), error);
  return klass->open_session_finish (self, result, error);
}

/**
 * gw_transport_close_session:
 * @self: a transport
 * @session: (nullable) (transfer full): a session from
 *   gw_transport_open_session_finish()
 *
 * Closes and drops a session.
 */
void
gw_transport_close_session (GwTransport *self,
                            GObject     *session)
{
  GwTransportClass *klass = GW_TRANSPORT_GET_CLASS (self);

  if (session == NULL)
    return;
  if (klass->close_session != NULL)
    klass->close_session (self, session);
  g_object_unref (session);
}

/**
 * gw_transport_deliver:
 * @self: a transport
 * @profile: the profile to deliver for
 * @session: (nullable): an open session, or %NULL
 * @envelope: the message and its recipients; each pending recipient gets a
 *   result
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Delivers @envelope.
 */
void
gw_transport_deliver (GwTransport        *self,
                      GwProfile          *profile,
                      GObject            *session,
                      GwEnvelope         *envelope,
                      GCancellable       *cancellable,
                      GAsyncReadyCallback callback,
                      gpointer            user_data)
{
  GwTransportClass *klass = GW_TRANSPORT_GET_CLASS (self);

  if (klass->deliver == NULL) {
    g_task_report_new_error (self, callback, user_data, gw_transport_deliver,
                             GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                             _("Transport “%s” cannot deliver messages"),
                             klass->name);
    return;
  }
  klass->deliver (self, profile, session, envelope, cancellable, callback, user_data);
}

/**
 * gw_transport_deliver_finish:
 * @self: a transport
 * @result: the result given to the callback
 * @error: return location for a #GW_TRANSPORT_ERROR error
 *
 * Returns: %FALSE when the session as a whole failed
 */
gboolean
gw_transport_deliver_finish (GwTransport  *self,
                             GAsyncResult *result,
                             GError      **error)
{
  if (g_async_result_is_tagged (result, gw_transport_deliver))
    return g_task_propagate_boolean (G_TASK (result), error);
  return GW_TRANSPORT_GET_CLASS (self)->deliver_finish (self, result, error);
}

/**
 * gw_transport_announce_next:
 * @self: a transport
 * @session: the session a delivery runs on
 * @envelope: the envelope delivered after that delivery on @session
 *
 * Tells the transport, while gw_transport_deliver() runs on @session or
 * just before it is called (heraldd does so), which envelope comes after
 * that delivery on it (see #GwTransportClass.announce_next).
 * The delivery after that one on @session must be for @envelope; to
 * deliver another one, close the session first. Does nothing for a
 * transport that does not look ahead.
 */
void
gw_transport_announce_next (GwTransport *self,
                            GObject     *session,
                            GwEnvelope  *envelope)
{
  GwTransportClass *klass;

  g_return_if_fail (GW_IS_TRANSPORT (self));
  g_return_if_fail (G_IS_OBJECT (session));
  g_return_if_fail (GW_IS_ENVELOPE (envelope));

  klass = GW_TRANSPORT_GET_CLASS (self);
  if (klass->announce_next != NULL)
    klass->announce_next (self, session, envelope);
}

/**
 * gw_transport_describe:
 * @self: a transport
 * @profile: a profile of this transport
 *
 * Returns: (transfer full): one line for people, such as
 *   "smtp mail.example.org:587 (starttls)"
 */
char *
gw_transport_describe (GwTransport *self,
                       GwProfile   *profile)
{
  return GW_TRANSPORT_GET_CLASS (self)->describe (self, profile);
}

/**
 * gw_transport_test:
 * @self: a transport
 * @profile: the profile to test
 * @envelope: a test message and its one recipient
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Sends @envelope now, outside the queue (TestProfile).
 */
void
gw_transport_test (GwTransport        *self,
                   GwProfile          *profile,
                   GwEnvelope         *envelope,
                   GCancellable       *cancellable,
                   GAsyncReadyCallback callback,
                   gpointer            user_data)
{
  GW_TRANSPORT_GET_CLASS (self)->test (self, profile, envelope, cancellable, callback, user_data);
}

/**
 * gw_transport_test_finish:
 * @self: a transport
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the a{sv} TestProfile returns, not floating
 */
GVariant *
gw_transport_test_finish (GwTransport  *self,
                          GAsyncResult *result,
                          GError      **error)
{
  return GW_TRANSPORT_GET_CLASS (self)->test_finish (self, result, error);
}

/**
 * gw_transport_check_content:
 * @self: a transport
 * @profile: the profile the envelope is for
 * @envelope: the composed message and its recipients, not yet queued
 * @error: return location for a #HeraldError
 *
 * Lets the transport refuse, at Send, what it could never deliver. The
 * daemon calls it for every job of a notification after composing it and
 * before committing anything.
 *
 * Returns: whether the transport takes @envelope
 */
gboolean
gw_transport_check_content (GwTransport *self,
                            GwProfile   *profile,
                            GwEnvelope  *envelope,
                            GError     **error)
{
  g_return_val_if_fail (GW_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (GW_IS_ENVELOPE (envelope), FALSE);
  return GW_TRANSPORT_GET_CLASS (self)->check_content (self, profile, envelope, error);
}

/**
 * gw_transport_check_recipient:
 * @self: a transport with a recipient kind
 * @address: one recipient of that kind, as the caller gave it
 * @error: return location for a %HERALD_ERROR_INVALID_ADDRESS error
 *
 * Returns: whether @address is a recipient the transport can take
 */
gboolean
gw_transport_check_recipient (GwTransport *self,
                              const char  *address,
                              GError     **error)
{
  g_return_val_if_fail (GW_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);
  return GW_TRANSPORT_GET_CLASS (self)->check_recipient (self, address, error);
}

/* ---- what the daemon offers ---- */

/**
 * gw_transport_lookup_profile:
 * @self: a transport
 * @name: a profile name
 *
 * Finds another profile, for transports that build on one (an
 * mail-to-SMS gateway reached through an SMTP profile). Use the result
 * within the current call only.
 *
 * Returns: (transfer none) (nullable): the profile, or %NULL
 */
GwProfile *
gw_transport_lookup_profile (GwTransport *self,
                             const char  *name)
{
  GwTransportPrivate *priv;

  g_return_val_if_fail (GW_IS_TRANSPORT (self), NULL);
  priv = gw_transport_get_instance_private (self);
  if (priv->lookup == NULL || name == NULL)
    return NULL;
  return priv->lookup (name, priv->lookup_data);
}

/**
 * gw_transport_dup_http_url:
 * @self: a transport
 * @path: a path below one of the transport's routes, starting with "/"
 *
 * Makes the URL peers reach @path at, from the HTTP server's public base
 * URL ("https://herald.example.org/webhook/provider/office").
 *
 * Returns: (transfer full) (nullable): the URL, or %NULL when Herald's
 *   HTTP server is off
 */
char *
gw_transport_dup_http_url (GwTransport *self,
                           const char  *path)
{
  GwTransportPrivate *priv;

  g_return_val_if_fail (GW_IS_TRANSPORT (self), NULL);
  g_return_val_if_fail (path != NULL && path[0] == '/', NULL);
  priv = gw_transport_get_instance_private (self);
  if (priv->http_base_url == NULL)
    return NULL;
  return g_strconcat (priv->http_base_url, path, NULL);
}

void
gw_transport_set_profile_lookup (GwTransport                  *self,
                                 GwTransportProfileLookupFunc  func,
                                 gpointer                      user_data,
                                 GDestroyNotify                destroy)
{
  GwTransportPrivate *priv;

  g_return_if_fail (GW_IS_TRANSPORT (self));
  priv = gw_transport_get_instance_private (self);
  if (priv->lookup_destroy != NULL)
    priv->lookup_destroy (priv->lookup_data);
  priv->lookup = func;
  priv->lookup_data = user_data;
  priv->lookup_destroy = destroy;
}

void
gw_transport_set_http_base_url (GwTransport *self,
                                const char  *base_url)
{
  GwTransportPrivate *priv;

  g_return_if_fail (GW_IS_TRANSPORT (self));
  priv = gw_transport_get_instance_private (self);
  g_free (priv->http_base_url);
  priv->http_base_url = g_strdup (base_url);
}
