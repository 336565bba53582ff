/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-client-routes.c: HeraldClient's routing methods */
#define G_LOG_DOMAIN "herald-client"

#include "config.h"

#include "herald-client-private.h"

#define ROUTES_TYPE     G_VARIANT_TYPE ("(s)")
#define ROUTE_LIST_TYPE G_VARIANT_TYPE ("(aa{sv})")
#define PARSE_ROUTE     ((HeraldParseFunc) herald_route_new_from_variant)

static char *
parse_routes (GVariant *reply)
{
  char *routes = NULL;

  g_variant_get (reply, "(s)", &routes);
  return routes;
}

/**
 * herald_client_get_routes:
 * @self: a #HeraldClient
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Gets the gateway's routing rules. Finish with
 * herald_client_get_routes_finish().
 *
 * Since: 0.1
 */
void
herald_client_get_routes (HeraldClient        *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_return_if_fail (HERALD_IS_CLIENT (self));

  herald_client_call (self, "GetRoutes", NULL, ROUTES_TYPE, NULL,
                      herald_client_task_new (self, herald_client_get_routes,
                                              cancellable, callback, user_data));
}

/**
 * herald_client_get_routes_finish:
 * @self: a #HeraldClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes an operation started with herald_client_get_routes().
 *
 * Returns: (transfer full): the routing rules as a JSON document
 *   (`{"version": 1, "rules": [...]}`), or %NULL on error
 *
 * Since: 0.1
 */
char *
herald_client_get_routes_finish (HeraldClient  *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);

  reply = herald_client_call_finish (self, result, herald_client_get_routes, error);
  if (reply == NULL)
    return NULL;
  return parse_routes (reply);
}

/**
 * herald_client_get_routes_sync:
 * @self: a #HeraldClient
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Gets the gateway's routing rules, blocking.
 *
 * Returns: (transfer full): the routing rules as a JSON document, or
 *   %NULL on error
 *
 * Since: 0.1
 */
char *
herald_client_get_routes_sync (HeraldClient  *self,
                               GCancellable  *cancellable,
                               GError       **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);

  reply = herald_client_call_sync (self, "GetRoutes", NULL, ROUTES_TYPE, NULL,
                                   cancellable, error);
  if (reply == NULL)
    return NULL;
  return parse_routes (reply);
}

/**
 * herald_client_set_routes:
 * @self: a #HeraldClient
 * @routes: the routing rules as a JSON document
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Replaces the gateway's routing rules. The gateway checks the whole
 * document first and keeps its old rules if anything is wrong; see the
 * `SetRoutes` method of `org.herald.Gateway1` for the format. Finish with
 * herald_client_set_routes_finish().
 *
 * Since: 0.1
 */
void
herald_client_set_routes (HeraldClient        *self,
                          const char          *routes,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_return_if_fail (HERALD_IS_CLIENT (self));
  g_return_if_fail (routes != NULL);

  herald_client_call_void (self, "SetRoutes", g_variant_new ("(s)", routes),
                           herald_client_set_routes, cancellable, callback, user_data);
}

/**
 * herald_client_set_routes_finish:
 * @self: a #HeraldClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes an operation started with herald_client_set_routes().
 *
 * Returns: %TRUE if the rules were stored and are in use; %FALSE with
 *   %HERALD_ERROR_INVALID_ARGUMENT (a message naming the rule and the
 *   field at fault), %HERALD_ERROR_NO_SUCH_PROFILE or another error
 *
 * Since: 0.1
 */
gboolean
herald_client_set_routes_finish (HeraldClient  *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (HERALD_IS_CLIENT (self), FALSE);

  return herald_client_call_void_finish (self, result, herald_client_set_routes, error);
}

/**
 * herald_client_set_routes_sync:
 * @self: a #HeraldClient
 * @routes: the routing rules as a JSON document
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Replaces the gateway's routing rules, blocking.
 *
 * Returns: %TRUE if the rules were stored and are in use
 *
 * Since: 0.1
 */
gboolean
herald_client_set_routes_sync (HeraldClient  *self,
                               const char    *routes,
                               GCancellable  *cancellable,
                               GError       **error)
{
  g_return_val_if_fail (HERALD_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (routes != NULL, FALSE);

  return herald_client_call_void_sync (self, "SetRoutes", g_variant_new ("(s)", routes),
                                       cancellable, error);
}

/* The notification without file descriptors: routing ignores attachments. */
static GVariant *
check_parameters (HeraldNotification  *notification,
                  GError             **error)
{
  g_autoptr(GUnixFDList) fd_list = NULL;
  g_autoptr(GVariant) dict = herald_notification_to_variant (notification, &fd_list, error);

  if (dict == NULL)
    return NULL;
  return g_variant_new ("(@a{sv})", dict);
}

/**
 * herald_client_check_route:
 * @self: a #HeraldClient
 * @notification: a sample notification
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Asks where @notification would go: the gateway routes and composes it as
 * herald_client_send() would, with the same errors, but queues nothing.
 * Attachments are not sent. Finish with herald_client_check_route_finish().
 *
 * Since: 0.1
 */
void
herald_client_check_route (HeraldClient        *self,
                           HeraldNotification  *notification,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GVariant *parameters;
  GError *error = NULL;

  g_return_if_fail (HERALD_IS_CLIENT (self));
  g_return_if_fail (HERALD_IS_NOTIFICATION (notification));

  task = herald_client_task_new (self, herald_client_check_route, cancellable, callback, user_data);
  parameters = check_parameters (notification, &error);
  if (parameters == NULL) {
    g_task_return_error (task, error);
    return;
  }
  herald_client_call (self, "CheckRoute", parameters, ROUTE_LIST_TYPE, NULL,
                      g_steal_pointer (&task));
}

/**
 * herald_client_check_route_finish:
 * @self: a #HeraldClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes an operation started with herald_client_check_route().
 *
 * Returns: (transfer container) (element-type HeraldRoute): one route per
 *   job the notification would be queued as, or %NULL with the error
 *   herald_client_send() would give
 *
 * Since: 0.1
 */
GPtrArray *
herald_client_check_route_finish (HeraldClient  *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);

  reply = herald_client_call_finish (self, result, herald_client_check_route, error);
  if (reply == NULL)
    return NULL;
  return herald_client_parse_list (reply, PARSE_ROUTE, error);
}

/**
 * herald_client_check_route_sync:
 * @self: a #HeraldClient
 * @notification: a sample notification
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Asks where @notification would go, blocking.
 *
 * Returns: (transfer container) (element-type HeraldRoute): one route per
 *   job, or %NULL on error
 *
 * Since: 0.1
 */
GPtrArray *
herald_client_check_route_sync (HeraldClient        *self,
                                HeraldNotification  *notification,
                                GCancellable        *cancellable,
                                GError             **error)
{
  g_autoptr(GVariant) reply = NULL;
  GVariant *parameters;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);
  g_return_val_if_fail (HERALD_IS_NOTIFICATION (notification), NULL);

  parameters = check_parameters (notification, error);
  if (parameters == NULL)
    return NULL;
  reply = herald_client_call_sync (self, "CheckRoute", parameters, ROUTE_LIST_TYPE, NULL,
                                   cancellable, error);
  if (reply == NULL)
    return NULL;
  return herald_client_parse_list (reply, PARSE_ROUTE, error);
}
