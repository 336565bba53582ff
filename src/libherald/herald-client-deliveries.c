/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-client-deliveries.c: HeraldClient's send and delivery methods */
#define G_LOG_DOMAIN "herald-client"

#include "config.h"

#include "herald-client-private.h"

#define ID_TYPE            G_VARIANT_TYPE ("(s)")
#define DELIVERY_TYPE      G_VARIANT_TYPE ("(a{sv})")
#define DELIVERY_LIST_TYPE G_VARIANT_TYPE ("(aa{sv})")
#define PARSE_DELIVERY     ((HeraldParseFunc) herald_delivery_new_from_variant)

static char *
parse_id (GVariant *reply)
{
  char *id = NULL;

  g_variant_get (reply, "(s)", &id);
  return id;
}

static GVariant *
filter_parameters (HeraldDeliveryFilter *filter)
{
  g_autoptr(GVariant) dict = NULL;

  if (filter == NULL)
    return g_variant_new ("(a{sv})", NULL);
  dict = herald_delivery_filter_to_variant (filter);
  return g_variant_new ("(@a{sv})", dict);
}

/**
 * herald_client_send:
 * @self: a #HeraldClient
 * @notification: the notification
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Hands @notification to the gateway. The gateway replies once the
 * notification is validated, composed, routed and committed to disk; the
 * delivery itself happens afterwards. Finish with herald_client_send_finish().
 *
 * Since: 0.1
 */
void
herald_client_send (HeraldClient        *self,
                    HeraldNotification  *notification,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GUnixFDList) fd_list = NULL;
  g_autoptr(GVariant) dict = NULL;
  GError *error = NULL;

  g_return_if_fail (HERALD_IS_CLIENT (self));
  g_return_if_fail (HERALD_IS_NOTIFICATION (notification));

  task = herald_client_task_new (self, herald_client_send, cancellable, callback, user_data);
  dict = herald_notification_to_variant (notification, &fd_list, &error);
  if (dict == NULL) {
    g_task_return_error (task, error);
    return;
  }
  herald_client_call (self, "Send", g_variant_new ("(@a{sv})", dict), ID_TYPE, fd_list,
                      g_steal_pointer (&task));
}

/**
 * herald_client_send_finish:
 * @self: a #HeraldClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes an operation started with herald_client_send().
 *
 * Returns: (transfer full): the delivery id, or %NULL if the gateway
 *   refused the notification (%HERALD_ERROR_NO_RECIPIENTS,
 *   %HERALD_ERROR_INVALID_ADDRESS, %HERALD_ERROR_TOO_LARGE, ...)
 *
 * Since: 0.1
 */
char *
herald_client_send_finish (HeraldClient  *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);

  reply = herald_client_call_finish (self, result, herald_client_send, error);
  if (reply == NULL)
    return NULL;
  return parse_id (reply);
}

/**
 * herald_client_send_sync:
 * @self: a #HeraldClient
 * @notification: the notification
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Hands @notification to the gateway, blocking until it is committed.
 *
 * Returns: (transfer full): the delivery id, or %NULL on error
 *
 * Since: 0.1
 */
char *
herald_client_send_sync (HeraldClient        *self,
                         HeraldNotification  *notification,
                         GCancellable        *cancellable,
                         GError             **error)
{
  g_autoptr(GUnixFDList) fd_list = NULL;
  g_autoptr(GVariant) dict = NULL;
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);
  g_return_val_if_fail (HERALD_IS_NOTIFICATION (notification), NULL);

  dict = herald_notification_to_variant (notification, &fd_list, error);
  if (dict == NULL)
    return NULL;
  reply = herald_client_call_sync (self, "Send", g_variant_new ("(@a{sv})", dict), ID_TYPE,
                                   fd_list, cancellable, error);
  if (reply == NULL)
    return NULL;
  return parse_id (reply);
}

/**
 * herald_client_get_delivery:
 * @self: a #HeraldClient
 * @id: a delivery id
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Gets the current state of a delivery. Finish with
 * herald_client_get_delivery_finish().
 *
 * Since: 0.1
 */
void
herald_client_get_delivery (HeraldClient        *self,
                            const char          *id,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (HERALD_IS_CLIENT (self));
  g_return_if_fail (id != NULL);

  herald_client_call (self, "GetDelivery", g_variant_new ("(s)", id), DELIVERY_TYPE, NULL,
                      herald_client_task_new (self, herald_client_get_delivery,
                                              cancellable, callback, user_data));
}

/**
 * herald_client_get_delivery_finish:
 * @self: a #HeraldClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes an operation started with herald_client_get_delivery().
 *
 * Returns: (transfer full): the delivery, or %NULL with
 *   %HERALD_ERROR_NO_SUCH_DELIVERY or another error
 *
 * Since: 0.1
 */
HeraldDelivery *
herald_client_get_delivery_finish (HeraldClient  *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);

  reply = herald_client_call_finish (self, result, herald_client_get_delivery, error);
  if (reply == NULL)
    return NULL;
  return herald_client_parse_object (reply, PARSE_DELIVERY, error);
}

/**
 * herald_client_get_delivery_sync:
 * @self: a #HeraldClient
 * @id: a delivery id
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Gets the current state of a delivery, blocking.
 *
 * Returns: (transfer full): the delivery, or %NULL on error
 *
 * Since: 0.1
 */
HeraldDelivery *
herald_client_get_delivery_sync (HeraldClient  *self,
                                 const char    *id,
                                 GCancellable  *cancellable,
                                 GError       **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  reply = herald_client_call_sync (self, "GetDelivery", g_variant_new ("(s)", id),
                                   DELIVERY_TYPE, NULL, cancellable, error);
  if (reply == NULL)
    return NULL;
  return herald_client_parse_object (reply, PARSE_DELIVERY, error);
}

/**
 * herald_client_list_deliveries:
 * @self: a #HeraldClient
 * @filter: (nullable): which deliveries to list, or %NULL for the newest
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Lists deliveries, newest first. Finish with
 * herald_client_list_deliveries_finish().
 *
 * Since: 0.1
 */
void
herald_client_list_deliveries (HeraldClient         *self,
                               HeraldDeliveryFilter *filter,
                               GCancellable         *cancellable,
                               GAsyncReadyCallback   callback,
                               gpointer              user_data)
{
  g_return_if_fail (HERALD_IS_CLIENT (self));
  g_return_if_fail (filter == NULL || HERALD_IS_DELIVERY_FILTER (filter));

  herald_client_call (self, "ListDeliveries", filter_parameters (filter),
                      DELIVERY_LIST_TYPE, NULL,
                      herald_client_task_new (self, herald_client_list_deliveries,
                                              cancellable, callback, user_data));
}

/**
 * herald_client_list_deliveries_finish:
 * @self: a #HeraldClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes an operation started with herald_client_list_deliveries().
 *
 * Returns: (transfer container) (element-type HeraldDelivery): the
 *   deliveries, newest first, or %NULL on error
 *
 * Since: 0.1
 */
GPtrArray *
herald_client_list_deliveries_finish (HeraldClient  *self,
                                      GAsyncResult  *result,
                                      GError       **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);

  reply = herald_client_call_finish (self, result, herald_client_list_deliveries, error);
  if (reply == NULL)
    return NULL;
  return herald_client_parse_list (reply, PARSE_DELIVERY, error);
}

/**
 * herald_client_list_deliveries_sync:
 * @self: a #HeraldClient
 * @filter: (nullable): which deliveries to list, or %NULL for the newest
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Lists deliveries, newest first, blocking.
 *
 * Returns: (transfer container) (element-type HeraldDelivery): the
 *   deliveries, or %NULL on error
 *
 * Since: 0.1
 */
GPtrArray *
herald_client_list_deliveries_sync (HeraldClient          *self,
                                    HeraldDeliveryFilter  *filter,
                                    GCancellable          *cancellable,
                                    GError               **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);
  g_return_val_if_fail (filter == NULL || HERALD_IS_DELIVERY_FILTER (filter), NULL);

  reply = herald_client_call_sync (self, "ListDeliveries", filter_parameters (filter),
                                   DELIVERY_LIST_TYPE, NULL, cancellable, error);
  if (reply == NULL)
    return NULL;
  return herald_client_parse_list (reply, PARSE_DELIVERY, error);
}

/**
 * herald_client_cancel:
 * @self: a #HeraldClient
 * @id: a delivery that is queued or deferred
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Cancels a delivery that has not been sent. Finish with
 * herald_client_cancel_finish().
 *
 * Since: 0.1
 */
void
herald_client_cancel (HeraldClient        *self,
                      const char          *id,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_return_if_fail (HERALD_IS_CLIENT (self));
  g_return_if_fail (id != NULL);

  herald_client_call_void (self, "Cancel", g_variant_new ("(s)", id),
                           herald_client_cancel, cancellable, callback, user_data);
}

/**
 * herald_client_cancel_finish:
 * @self: a #HeraldClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes an operation started with herald_client_cancel().
 *
 * Returns: %TRUE if the delivery was cancelled; %FALSE with
 *   %HERALD_ERROR_INVALID_STATE if it is being sent or is already final,
 *   %HERALD_ERROR_NO_SUCH_DELIVERY or another error
 *
 * Since: 0.1
 */
gboolean
herald_client_cancel_finish (HeraldClient  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (HERALD_IS_CLIENT (self), FALSE);

  return herald_client_call_void_finish (self, result, herald_client_cancel, error);
}

/**
 * herald_client_cancel_sync:
 * @self: a #HeraldClient
 * @id: a delivery that is queued or deferred
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Cancels a delivery that has not been sent, blocking.
 *
 * Returns: %TRUE if the delivery was cancelled
 *
 * Since: 0.1
 */
gboolean
herald_client_cancel_sync (HeraldClient  *self,
                           const char    *id,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_return_val_if_fail (HERALD_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  return herald_client_call_void_sync (self, "Cancel", g_variant_new ("(s)", id),
                                       cancellable, error);
}

/**
 * herald_client_retry:
 * @self: a #HeraldClient
 * @id: a delivery that is deferred or failed
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Makes a deferred or failed delivery due now: the gateway queues its
 * deferred and failed jobs again, keeping their attempt count and counting
 * their expiry afresh, and tries its failed recipients again. Finish with
 * herald_client_retry_finish().
 *
 * Since: 0.1
 */
void
herald_client_retry (HeraldClient        *self,
                     const char          *id,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_return_if_fail (HERALD_IS_CLIENT (self));
  g_return_if_fail (id != NULL);

  herald_client_call_void (self, "Retry", g_variant_new ("(s)", id),
                           herald_client_retry, cancellable, callback, user_data);
}

/**
 * herald_client_retry_finish:
 * @self: a #HeraldClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes an operation started with herald_client_retry().
 *
 * Returns: %TRUE if the delivery is queued again; %FALSE with
 *   %HERALD_ERROR_INVALID_STATE if it is queued, being sent, sent or
 *   cancelled, %HERALD_ERROR_NO_SUCH_DELIVERY or another error
 *
 * Since: 0.1
 */
gboolean
herald_client_retry_finish (HeraldClient  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (HERALD_IS_CLIENT (self), FALSE);

  return herald_client_call_void_finish (self, result, herald_client_retry, error);
}

/**
 * herald_client_retry_sync:
 * @self: a #HeraldClient
 * @id: a delivery that is deferred or failed
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Makes a deferred or failed delivery due now, blocking.
 *
 * Returns: %TRUE if the delivery is queued again
 *
 * Since: 0.1
 */
gboolean
herald_client_retry_sync (HeraldClient  *self,
                          const char    *id,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_return_val_if_fail (HERALD_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  return herald_client_call_void_sync (self, "Retry", g_variant_new ("(s)", id),
                                       cancellable, error);
}
