/* gw-transport.c: base class of transport plugins */
#define G_LOG_DOMAIN "gw-transport"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "gw-transport.h"

G_DEFINE_QUARK (gw-transport-error-quark, gw_transport_error)

G_DEFINE_ABSTRACT_TYPE (GwTransport, gw_transport, G_TYPE_OBJECT)

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

static void
gw_transport_class_init (GwTransportClass *klass)
{
  klass->validate_profile = gw_transport_real_validate_profile;
  klass->describe = gw_transport_real_describe;
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
