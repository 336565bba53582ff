/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-client.h: a connection to the Herald gateway */
#pragma once

#include <gio/gio.h>

#include "herald-delivery.h"
#include "herald-delivery-filter.h"
#include "herald-enums.h"
#include "herald-notification.h"
#include "herald-profile.h"
#include "herald-route.h"
#include "herald-test-result.h"

G_BEGIN_DECLS

#define HERALD_TYPE_CLIENT (herald_client_get_type ())
G_DECLARE_FINAL_TYPE (HeraldClient, herald_client, HERALD, CLIENT, GObject)

/**
 * HERALD_DBUS_NAME:
 *
 * The well-known bus name of the gateway.
 *
 * Since: 0.1
 */
#define HERALD_DBUS_NAME "org.herald.Gateway1"

/**
 * HERALD_DBUS_PATH:
 *
 * The object path of the gateway.
 *
 * Since: 0.1
 */
#define HERALD_DBUS_PATH "/org/herald/Gateway1"

/**
 * HERALD_DBUS_INTERFACE:
 *
 * The D-Bus interface of the gateway.
 *
 * Since: 0.1
 */
#define HERALD_DBUS_INTERFACE "org.herald.Gateway1"

/* construction */
void             herald_client_new                          (GBusType              bus_type,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
HeraldClient    *herald_client_new_finish                   (GAsyncResult         *result,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
HeraldClient    *herald_client_new_sync                     (GBusType              bus_type,
                                                             GCancellable         *cancellable,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
void             herald_client_new_for_connection           (GDBusConnection      *connection,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
HeraldClient    *herald_client_new_for_connection_finish    (GAsyncResult         *result,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
HeraldClient    *herald_client_new_for_connection_sync      (GDBusConnection      *connection,
                                                             GCancellable         *cancellable,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;

/* properties */
GDBusConnection *herald_client_get_connection               (HeraldClient         *self);
const char      *herald_client_get_version                  (HeraldClient         *self);
const char * const *herald_client_get_transports            (HeraldClient         *self);
gboolean         herald_client_get_gateway_running          (HeraldClient         *self);

/* profiles */
void             herald_client_list_profiles                (HeraldClient         *self,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
GPtrArray       *herald_client_list_profiles_finish         (HeraldClient         *self,
                                                             GAsyncResult         *result,
                                                             GError              **error);
GPtrArray       *herald_client_list_profiles_sync           (HeraldClient         *self,
                                                             GCancellable         *cancellable,
                                                             GError              **error);
void             herald_client_get_profile                  (HeraldClient         *self,
                                                             const char           *name,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
HeraldProfile   *herald_client_get_profile_finish           (HeraldClient         *self,
                                                             GAsyncResult         *result,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
HeraldProfile   *herald_client_get_profile_sync             (HeraldClient         *self,
                                                             const char           *name,
                                                             GCancellable         *cancellable,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
void             herald_client_get_profile_keys             (HeraldClient         *self,
                                                             const char           *transport,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
GVariant        *herald_client_get_profile_keys_finish      (HeraldClient         *self,
                                                             GAsyncResult         *result,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
GVariant        *herald_client_get_profile_keys_sync        (HeraldClient         *self,
                                                             const char           *transport,
                                                             GCancellable         *cancellable,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
void             herald_client_add_profile                  (HeraldClient         *self,
                                                             HeraldProfile        *profile,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
gboolean         herald_client_add_profile_finish           (HeraldClient         *self,
                                                             GAsyncResult         *result,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean         herald_client_add_profile_sync             (HeraldClient         *self,
                                                             HeraldProfile        *profile,
                                                             GCancellable         *cancellable,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
void             herald_client_update_profile               (HeraldClient         *self,
                                                             HeraldProfile        *profile,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
gboolean         herald_client_update_profile_finish        (HeraldClient         *self,
                                                             GAsyncResult         *result,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean         herald_client_update_profile_sync          (HeraldClient         *self,
                                                             HeraldProfile        *profile,
                                                             GCancellable         *cancellable,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
void             herald_client_remove_profile               (HeraldClient         *self,
                                                             const char           *name,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
gboolean         herald_client_remove_profile_finish        (HeraldClient         *self,
                                                             GAsyncResult         *result,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean         herald_client_remove_profile_sync          (HeraldClient         *self,
                                                             const char           *name,
                                                             GCancellable         *cancellable,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
void             herald_client_set_secret                   (HeraldClient         *self,
                                                             const char           *profile,
                                                             const char           *key,
                                                             const char           *value,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
gboolean         herald_client_set_secret_finish            (HeraldClient         *self,
                                                             GAsyncResult         *result,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean         herald_client_set_secret_sync              (HeraldClient         *self,
                                                             const char           *profile,
                                                             const char           *key,
                                                             const char           *value,
                                                             GCancellable         *cancellable,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
void             herald_client_test_profile                 (HeraldClient         *self,
                                                             const char           *profile,
                                                             const char           *recipient,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
HeraldTestResult *herald_client_test_profile_finish         (HeraldClient         *self,
                                                             GAsyncResult         *result,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
HeraldTestResult *herald_client_test_profile_sync           (HeraldClient         *self,
                                                             const char           *profile,
                                                             const char           *recipient,
                                                             GCancellable         *cancellable,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
/* OAuth 2.0 sign-in (herald-client-sign-in.c) */
void             herald_client_sign_in                      (HeraldClient         *self,
                                                             const char           *profile,
                                                             HeraldSignInFlow      flow,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
gboolean         herald_client_sign_in_finish               (HeraldClient         *self,
                                                             GAsyncResult         *result,
                                                             GError              **error);
gboolean         herald_client_sign_in_sync                 (HeraldClient         *self,
                                                             const char           *profile,
                                                             HeraldSignInFlow      flow,
                                                             GCancellable         *cancellable,
                                                             GError              **error);
void             herald_client_cancel_sign_in               (HeraldClient         *self,
                                                             const char           *profile,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
gboolean         herald_client_cancel_sign_in_finish        (HeraldClient         *self,
                                                             GAsyncResult         *result,
                                                             GError              **error);
gboolean         herald_client_cancel_sign_in_sync          (HeraldClient         *self,
                                                             const char           *profile,
                                                             GCancellable         *cancellable,
                                                             GError              **error);

/* deliveries */
void             herald_client_send                         (HeraldClient         *self,
                                                             HeraldNotification   *notification,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
char            *herald_client_send_finish                  (HeraldClient         *self,
                                                             GAsyncResult         *result,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
char            *herald_client_send_sync                    (HeraldClient         *self,
                                                             HeraldNotification   *notification,
                                                             GCancellable         *cancellable,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
/* complete messages (herald-client-message.c) */
void             herald_client_send_message                 (HeraldClient         *self,
                                                             int                   message_fd,
                                                             const char           *sender,
                                                             const char * const   *recipients,
                                                             GVariant             *options,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
char            *herald_client_send_message_finish          (HeraldClient         *self,
                                                             GAsyncResult         *result,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
char            *herald_client_send_message_sync            (HeraldClient         *self,
                                                             int                   message_fd,
                                                             const char           *sender,
                                                             const char * const   *recipients,
                                                             GVariant             *options,
                                                             GCancellable         *cancellable,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
void             herald_client_get_delivery                 (HeraldClient         *self,
                                                             const char           *id,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
HeraldDelivery  *herald_client_get_delivery_finish          (HeraldClient         *self,
                                                             GAsyncResult         *result,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
HeraldDelivery  *herald_client_get_delivery_sync            (HeraldClient         *self,
                                                             const char           *id,
                                                             GCancellable         *cancellable,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
void             herald_client_list_deliveries              (HeraldClient         *self,
                                                             HeraldDeliveryFilter *filter,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
GPtrArray       *herald_client_list_deliveries_finish       (HeraldClient         *self,
                                                             GAsyncResult         *result,
                                                             GError              **error);
GPtrArray       *herald_client_list_deliveries_sync         (HeraldClient         *self,
                                                             HeraldDeliveryFilter *filter,
                                                             GCancellable         *cancellable,
                                                             GError              **error);
void             herald_client_cancel                       (HeraldClient         *self,
                                                             const char           *id,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
gboolean         herald_client_cancel_finish                (HeraldClient         *self,
                                                             GAsyncResult         *result,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean         herald_client_cancel_sync                  (HeraldClient         *self,
                                                             const char           *id,
                                                             GCancellable         *cancellable,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
void             herald_client_retry                        (HeraldClient         *self,
                                                             const char           *id,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
gboolean         herald_client_retry_finish                 (HeraldClient         *self,
                                                             GAsyncResult         *result,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean         herald_client_retry_sync                   (HeraldClient         *self,
                                                             const char           *id,
                                                             GCancellable         *cancellable,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
void             herald_client_wait_for_delivery            (HeraldClient         *self,
                                                             const char           *id,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
HeraldDelivery  *herald_client_wait_for_delivery_finish     (HeraldClient         *self,
                                                             GAsyncResult         *result,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
HeraldDelivery  *herald_client_wait_for_delivery_sync       (HeraldClient         *self,
                                                             const char           *id,
                                                             GCancellable         *cancellable,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;

/* routing */
void             herald_client_get_routes                   (HeraldClient         *self,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
char            *herald_client_get_routes_finish            (HeraldClient         *self,
                                                             GAsyncResult         *result,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
char            *herald_client_get_routes_sync              (HeraldClient         *self,
                                                             GCancellable         *cancellable,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
void             herald_client_set_routes                   (HeraldClient         *self,
                                                             const char           *routes,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
gboolean         herald_client_set_routes_finish            (HeraldClient         *self,
                                                             GAsyncResult         *result,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean         herald_client_set_routes_sync              (HeraldClient         *self,
                                                             const char           *routes,
                                                             GCancellable         *cancellable,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
void             herald_client_check_route                  (HeraldClient         *self,
                                                             HeraldNotification   *notification,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
GPtrArray       *herald_client_check_route_finish           (HeraldClient         *self,
                                                             GAsyncResult         *result,
                                                             GError              **error);
GPtrArray       *herald_client_check_route_sync             (HeraldClient         *self,
                                                             HeraldNotification   *notification,
                                                             GCancellable         *cancellable,
                                                             GError              **error);

G_END_DECLS
