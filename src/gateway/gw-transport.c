/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-transport.c: base class of transport plugins */
#define G_LOG_DOMAIN "gw-transport"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "gw-transport.h"

G_DEFINE_QUARK (gw-transport-error-quark, gw_transport_error)

G_DEFINE_ABSTRACT_TYPE (GwTransport, gw_transport, G_TYPE_OBJECT)

enum { SIGNAL_REMOTE_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

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
  const char *host = gw_profile_get_string (profile, "host");

  if (host == NULL)
    return g_strdup (gw_transport_get_name (self));
  return g_strdup_printf ("%s %s:%" G_GUINT64_FORMAT, gw_transport_get_name (self),
                          host, gw_profile_get_uint (profile, "port"));
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
gw_transport_class_init (GwTransportClass *klass)
{
  klass->validate_profile = gw_transport_real_validate_profile;
  klass->describe = gw_transport_real_describe;
  klass->test = gw_transport_real_test;
  klass->test_finish = gw_transport_real_test_finish;

  /* (profile, remote id), in the main context; see gw_transport_remote_changed(). */
  signals[SIGNAL_REMOTE_CHANGED] =
    g_signal_new ("remote-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
gw_transport_init (GwTransport *self)
{
}

const char *
gw_transport_get_name (GwTransport *self)
{
  g_return_val_if_fail (GW_IS_TRANSPORT (self), NULL);
  return GW_TRANSPORT_GET_CLASS (self)->name;
}

gboolean
gw_transport_validate_profile (GwTransport *self,
                               GwProfile   *profile,
                               GError     **error)
{
  g_return_val_if_fail (GW_IS_TRANSPORT (self), FALSE);
  return GW_TRANSPORT_GET_CLASS (self)->validate_profile (self, profile, error);
}

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

gboolean
gw_transport_deliver_finish (GwTransport  *self,
                             GAsyncResult *result,
                             GError      **error)
{
  if (g_async_result_is_tagged (result, gw_transport_deliver))
    return g_task_propagate_boolean (G_TASK (result), error);
  return GW_TRANSPORT_GET_CLASS (self)->deliver_finish (self, result, error);
}

char *
gw_transport_describe (GwTransport *self,
                       GwProfile   *profile)
{
  return GW_TRANSPORT_GET_CLASS (self)->describe (self, profile);
}

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

GVariant *
gw_transport_test_finish (GwTransport  *self,
                          GAsyncResult *result,
                          GError      **error)
{
  return GW_TRANSPORT_GET_CLASS (self)->test_finish (self, result, error);
}

/* ---- other profiles, remote jobs ---- */

void
gw_transport_set_profile_store (GwTransport    *self,
                                GwProfileStore *store)
{
  g_return_if_fail (GW_IS_TRANSPORT (self));
  /* Kept as object data: the instance struct is part of the plugin ABI. */
  g_object_set_data_full (G_OBJECT (self), "gw-profile-store",
                          store != NULL ? g_object_ref (store) : NULL, g_object_unref);
}

GwProfile *
gw_transport_lookup_profile (GwTransport *self,
                             const char  *name)
{
  GwProfileStore *store = g_object_get_data (G_OBJECT (self), "gw-profile-store");

  if (store == NULL || name == NULL)
    return NULL;
  return gw_profile_store_lookup (store, name);
}

gboolean
gw_transport_can_poll_remote (GwTransport *self)
{
  return GW_TRANSPORT_GET_CLASS (self)->poll_remote != NULL;
}

void
gw_transport_poll_remote (GwTransport        *self,
                          GwProfile          *profile,
                          const char         *remote_id,
                          GCancellable       *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer            user_data)
{
  GwTransportClass *klass = GW_TRANSPORT_GET_CLASS (self);

  if (klass->poll_remote == NULL) {
    g_task_report_new_error (self, callback, user_data, gw_transport_poll_remote,
                             GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                             _("Transport “%s” has no remote jobs to follow"), klass->name);
    return;
  }
  klass->poll_remote (self, profile, remote_id, cancellable, callback, user_data);
}

GwRecipientStatus
gw_transport_poll_remote_finish (GwTransport  *self,
                                 GAsyncResult *result,
                                 char        **reply,
                                 GError      **error)
{
  if (g_async_result_is_tagged (result, gw_transport_poll_remote)) {
    g_task_propagate_boolean (G_TASK (result), error);
    return GW_RECIPIENT_PENDING;
  }
  return GW_TRANSPORT_GET_CLASS (self)->poll_remote_finish (self, result, reply, error);
}

gboolean
gw_transport_can_cancel_remote (GwTransport *self)
{
  return GW_TRANSPORT_GET_CLASS (self)->cancel_remote != NULL;
}

void
gw_transport_cancel_remote (GwTransport        *self,
                            GwProfile          *profile,
                            const char         *remote_id,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  GwTransportClass *klass = GW_TRANSPORT_GET_CLASS (self);

  if (klass->cancel_remote == NULL) {
    g_task_report_new_error (self, callback, user_data, gw_transport_cancel_remote,
                             GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                             _("Transport “%s” cannot cancel a job its server accepted"),
                             klass->name);
    return;
  }
  klass->cancel_remote (self, profile, remote_id, cancellable, callback, user_data);
}

gboolean
gw_transport_cancel_remote_finish (GwTransport  *self,
                                   GAsyncResult *result,
                                   GError      **error)
{
  if (g_async_result_is_tagged (result, gw_transport_cancel_remote))
    return g_task_propagate_boolean (G_TASK (result), error);
  return GW_TRANSPORT_GET_CLASS (self)->cancel_remote_finish (self, result, error);
}

/* ---- the daemon's HTTP server ---- */

/* Kept as object data, so GwTransportClass and its ABI stay as they are. */
#define HTTP_SERVER_KEY "gw-transport-http-server"

GwHttpServer *
gw_transport_get_http_server (GwTransport *self)
{
  g_return_val_if_fail (GW_IS_TRANSPORT (self), NULL);
  return g_object_get_data (G_OBJECT (self), HTTP_SERVER_KEY);
}

void
gw_transport_set_http_server (GwTransport  *self,
                              GwHttpServer *server)
{
  g_return_if_fail (GW_IS_TRANSPORT (self));
  g_object_set_data_full (G_OBJECT (self), HTTP_SERVER_KEY,
                          server != NULL ? g_object_ref (server) : NULL, g_object_unref);
}

void
gw_transport_attached (GwTransport *self)
{
  GwTransportClass *klass = GW_TRANSPORT_GET_CLASS (self);

  if (klass->attached != NULL)
    klass->attached (self);
}

typedef struct {
  GwTransport *transport;
  char        *profile;
  char        *remote_id;
} RemoteChanged;

static gboolean
emit_remote_changed (gpointer user_data)
{
  RemoteChanged *rc = user_data;

  g_signal_emit (rc->transport, signals[SIGNAL_REMOTE_CHANGED], 0, rc->profile, rc->remote_id);
  g_object_unref (rc->transport);
  g_free (rc->profile);
  g_free (rc->remote_id);
  g_free (rc);
  return G_SOURCE_REMOVE;
}

void
gw_transport_remote_changed (GwTransport *self,
                             const char  *profile,
                             const char  *remote_id)
{
  RemoteChanged *rc = g_new0 (RemoteChanged, 1);

  g_return_if_fail (GW_IS_TRANSPORT (self));
  rc->transport = g_object_ref (self);
  rc->profile = g_strdup (profile);
  rc->remote_id = g_strdup (remote_id);
  /* The daemon's queue and dispatcher live in the main context. */
  g_main_context_invoke (NULL, emit_remote_changed, rc);
}
