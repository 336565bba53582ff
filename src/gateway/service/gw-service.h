/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-service.h: the org.herald.Gateway1 D-Bus object */
#pragma once

#include "gw-config.h"
#include "gw-dbus-generated.h"

G_BEGIN_DECLS

#define GW_TYPE_SERVICE (gw_service_get_type ())
G_DECLARE_FINAL_TYPE (GwService, gw_service, GW, SERVICE, GwDBusGateway1Skeleton)

#define GW_SERVICE_OBJECT_PATH "/org/herald/Gateway1"
#define GW_SERVICE_BUS_NAME    "org.herald.Gateway1"

/* @plugin_dir: one directory or several separated by ':'.
 * Opens the secret store, profiles (creating the default profile "local"
 * on first start), plugins and queue, and starts the dispatcher. */
GwService *gw_service_new               (GwConfig        *config,
                                         const char      *plugin_dir,
                                         GError         **error);
gboolean   gw_service_export            (GwService       *self,
                                         GDBusConnection *connection,
                                         GError         **error);
/* Stops the dispatcher and closes the queue. */
void       gw_service_shutdown          (GwService       *self);

/* For --idle-timeout: monotonic time of the last method call, and whether
 * anything is queued, deferred or being sent. */
gint64     gw_service_get_last_activity (GwService       *self);
gboolean   gw_service_is_busy           (GwService       *self);

G_END_DECLS
