/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-service-routes.c: routing of the D-Bus service: GetRoutes, SetRoutes,
 * CheckRoute (the routing itself is the intake's: gw-intake-plan.c) */
#define G_LOG_DOMAIN "gw-service"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "gw-notification.h"
#include "gw-recipient-kinds.h"
#include "gw-service-private.h"

/* ---- D-Bus ---- */

gboolean
gw_service_handle_get_routes (GwDBusGateway1        *object,
                              GDBusMethodInvocation *invocation)
{
  GwService *self = GW_SERVICE (object);
  g_autofree char *json = NULL;

  gw_service_touch (self);
  json = gw_router_dup_json (gw_intake_get_router (self->intake));
  gw_dbus_gateway1_complete_get_routes (object, invocation, json);
  return TRUE;
}

gboolean
gw_service_handle_set_routes (GwDBusGateway1        *object,
                              GDBusMethodInvocation *invocation,
                              const char            *routes)
{
  GwService *self = GW_SERVICE (object);
  g_autoptr(GError) error = NULL;

  gw_service_touch (self);
  if (!gw_router_set_json (gw_intake_get_router (self->intake), routes, &error)) {
    g_info ("Routing rules refused: %s", error->message);
    return gw_service_return_error (invocation, error);
  }
  gw_dbus_gateway1_complete_set_routes (object, invocation);
  return TRUE;
}

static void
add_strv (GStrvBuilder *builder,
          GStrv         list)
{
  if (list != NULL)
    g_strv_builder_addv (builder, (const char **) list);
}

static GVariant *
route_to_variant (GwRoute *route)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) recipients = NULL;
  const char * const empty[] = { NULL };

  add_strv (builder, route->to);
  add_strv (builder, route->cc);
  add_strv (builder, route->bcc);
  add_strv (builder, route->others);
  recipients = g_strv_builder_end (builder);
  g_variant_dict_insert (&dict, "profile", "s", route->profile);
  g_variant_dict_insert (&dict, "transport", "s", route->transport);
  g_variant_dict_insert (&dict, "rule", "s", route->rule);
  g_variant_dict_insert (&dict, "recipients", "^as", recipients);
  g_variant_dict_insert (&dict, "added", "^as", route->added != NULL ? (const char * const *) route->added : empty);
  g_variant_dict_insert (&dict, "skipped", "^as", route->skipped != NULL ? (const char * const *) route->skipped : empty);
  return g_variant_dict_end (&dict);
}

gboolean
gw_service_handle_check_route (GwDBusGateway1        *object,
                               GDBusMethodInvocation *invocation,
                               GVariant              *notification)
{
  GwService *self = GW_SERVICE (object);
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (notification);
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));
  g_autoptr(GVariant) sample = NULL;
  g_autoptr(GwNotification) n = NULL;
  g_autoptr(GPtrArray) routes = NULL;
  g_autoptr(GError) error = NULL;

  gw_service_touch (self);
  /* Routing does not depend on attachments, and no descriptors came. */
  g_variant_dict_remove (&dict, "attachments");
  sample = g_variant_ref_sink (g_variant_dict_end (&dict));
  n = gw_notification_new_from_variant (sample, NULL, &error);
  if (n == NULL)
    return gw_service_return_error (invocation, error);
  routes = gw_intake_check_route (self->intake, gw_authority_get_caller (invocation), n, &error);
  if (routes == NULL)
    return gw_service_return_error (invocation, error);
  for (guint i = 0; i < routes->len; i++)
    g_variant_builder_add_value (&builder, route_to_variant (g_ptr_array_index (routes, i)));
  gw_dbus_gateway1_complete_check_route (object, invocation, g_variant_builder_end (&builder));
  return TRUE;
}
