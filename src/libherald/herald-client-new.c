/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-client-new.c: making a HeraldClient (it is a GInitable and a
 * GAsyncInitable; these are the usual constructors) */
#define G_LOG_DOMAIN "herald-client"

#include "config.h"

#include "herald-client-private.h"

/**
 * herald_client_new:
 * @bus_type: %G_BUS_TYPE_SESSION or %G_BUS_TYPE_SYSTEM
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the client is ready
 * @user_data: data for @callback
 *
 * Connects to the gateway on @bus_type. Finish with
 * herald_client_new_finish().
 *
 * Since: 0.1
 */
void
herald_client_new (GBusType             bus_type,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_return_if_fail (bus_type == G_BUS_TYPE_SESSION || bus_type == G_BUS_TYPE_SYSTEM ||
                    bus_type == G_BUS_TYPE_STARTER);

  g_async_initable_new_async (HERALD_TYPE_CLIENT, G_PRIORITY_DEFAULT, cancellable,
                              callback, user_data, "bus-type", bus_type, NULL);
}

static HeraldClient *
client_new_finish (GAsyncResult  *result,
                   GError       **error)
{
  g_autoptr(GObject) source = g_async_result_get_source_object (result);

  return HERALD_CLIENT (g_async_initable_new_finish (G_ASYNC_INITABLE (source),
                                                     result, error));
}

/**
 * herald_client_new_finish:
 * @result: the #GAsyncResult passed to the callback of herald_client_new()
 * @error: return location for a #GError
 *
 * Finishes an operation started with herald_client_new().
 *
 * Returns: (transfer full): a new #HeraldClient, or %NULL if the bus
 *   cannot be reached
 *
 * Since: 0.1
 */
HeraldClient *
herald_client_new_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);
  return client_new_finish (result, error);
}

/**
 * herald_client_new_sync:
 * @bus_type: %G_BUS_TYPE_SESSION or %G_BUS_TYPE_SYSTEM
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Connects to the gateway on @bus_type, blocking.
 *
 * Returns: (transfer full): a new #HeraldClient, or %NULL if the bus
 *   cannot be reached
 *
 * Since: 0.1
 */
HeraldClient *
herald_client_new_sync (GBusType       bus_type,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_return_val_if_fail (bus_type == G_BUS_TYPE_SESSION || bus_type == G_BUS_TYPE_SYSTEM ||
                          bus_type == G_BUS_TYPE_STARTER,
                        NULL);

  return g_initable_new (HERALD_TYPE_CLIENT, cancellable, error,
                         "bus-type", bus_type, NULL);
}

/**
 * herald_client_new_for_connection:
 * @connection: a #GDBusConnection to a bus, for example a private test bus
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the client is ready
 * @user_data: data for @callback
 *
 * Connects to the gateway on the bus of @connection. Finish with
 * herald_client_new_for_connection_finish().
 *
 * Since: 0.1
 */
void
herald_client_new_for_connection (GDBusConnection     *connection,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (G_IS_DBUS_CONNECTION (connection));

  g_async_initable_new_async (HERALD_TYPE_CLIENT, G_PRIORITY_DEFAULT, cancellable,
                              callback, user_data, "connection", connection, NULL);
}

/**
 * herald_client_new_for_connection_finish:
 * @result: the #GAsyncResult passed to the callback of
 *   herald_client_new_for_connection()
 * @error: return location for a #GError
 *
 * Finishes an operation started with herald_client_new_for_connection().
 *
 * Returns: (transfer full): a new #HeraldClient, or %NULL on error
 *
 * Since: 0.1
 */
HeraldClient *
herald_client_new_for_connection_finish (GAsyncResult  *result,
                                         GError       **error)
{
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);
  return client_new_finish (result, error);
}

/**
 * herald_client_new_for_connection_sync:
 * @connection: a #GDBusConnection
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Connects to the gateway on the bus of @connection, blocking.
 *
 * Returns: (transfer full): a new #HeraldClient, or %NULL on error
 *
 * Since: 0.1
 */
HeraldClient *
herald_client_new_for_connection_sync (GDBusConnection  *connection,
                                       GCancellable     *cancellable,
                                       GError          **error)
{
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);

  return g_initable_new (HERALD_TYPE_CLIENT, cancellable, error,
                         "connection", connection, NULL);
}
