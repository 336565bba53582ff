/* gw-service-routes.c: routing of the D-Bus service: GetRoutes, SetRoutes,
 * CheckRoute, and the plan Send and CheckRoute share */
#define G_LOG_DOMAIN "gw-service"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "gw-composer.h"
#include "gw-notification.h"
#include "gw-recipient-kinds.h"
#include "gw-service-private.h"

void
gw_planned_job_free (GwPlannedJob *job)
{
  if (job == NULL)
    return;
  gw_route_free (job->route);
  g_clear_object (&job->envelope);
  g_free (job);
}

static const char *
probe_profile (const char *name,
               gpointer    user_data,
               GError    **error)
{
  GwService *self = GW_SERVICE (user_data);
  GwProfile *profile = gw_profile_store_lookup (self->profiles, name);
  const char *transport;

  if (profile == NULL) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_NO_SUCH_PROFILE, _("No profile is named “%s”"),
                 name);
    return NULL;
  }
  transport = gw_profile_get_transport (profile);
  if (gw_plugin_loader_lookup (self->plugins, transport) == NULL) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_TRANSPORT_UNAVAILABLE,
                 _("Profile “%s” uses transport “%s”, which is not installed"), name, transport);
    return NULL;
  }
  return transport;
}

gboolean
gw_service_open_router (GwService *self,
                        GError   **error)
{
  g_autofree char *path = g_build_filename (gw_config_get_config_dir (self->config),
                                            "routes.json", NULL);

  self->router = gw_router_new (path, probe_profile, self);
  return gw_router_load (self->router, error);
}

/* Composes @n for @route's profile with the route's recipients. The
 * notification lends everything else and gets its own recipients back. */
static GwEnvelope *
compose_for_route (GwProfile         *profile,
                   GwNotification    *n,
                   GwRoute           *route,
                   GwAttachmentLinks *links,
                   GError           **error)
{
  GStrv own[] = { n->to, n->cc, n->bcc };
  GHashTable *own_others = n->others;
  g_autoptr(GHashTable) route_others = g_hash_table_new (g_str_hash, g_str_equal);
  const char *kind = gw_recipient_kinds_of_transport (route->transport);
  GwEnvelope *envelope;

  if (kind != NULL && route->others != NULL)
    g_hash_table_insert (route_others, (gpointer) kind, route->others);
  n->to = route->to;
  n->cc = route->cc;
  n->bcc = route->bcc;
  n->others = route_others;
  envelope = gw_composer_compose_full (profile, n, links, error);
  n->to = own[0];
  n->cc = own[1];
  n->bcc = own[2];
  n->others = own_others;
  return envelope;
}

GPtrArray *
gw_service_plan (GwService      *self,
                 GwNotification *n,
                 GError        **error)
{
  g_autoptr(GPtrArray) routes = NULL;
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) gw_planned_job_free);

  routes = gw_router_route (self->router, n, gw_config_get_default_profile (self->config), error);
  if (routes == NULL)
    return NULL;
  for (guint i = 0; i < routes->len; i++) {
    GwRoute *route = g_ptr_array_index (routes, i);
    GwProfile *profile = gw_profile_store_lookup (self->profiles, route->profile);
    g_autoptr(GwEnvelope) envelope = NULL;
    GwPlannedJob *job;

    /* the router just probed it */
    g_assert (profile != NULL);
    envelope = compose_for_route (profile, n, route, self->links, error);
    if (envelope == NULL)
      return NULL;
    /* Each transport checks what it is given (a transport of documents,
     * their types): issue 12 moves this call into the intake pipeline. */
    if (!gw_transport_check_content (gw_plugin_loader_lookup (self->plugins, route->transport),
                                     profile, envelope, error))
      return NULL;
    job = g_new0 (GwPlannedJob, 1);
    job->envelope = g_steal_pointer (&envelope);
    job->expire_at = g_get_real_time () +
                     (gint64) gw_profile_get_uint (profile, "expire-after") * G_USEC_PER_SEC;
    /* the routes array gives up its element */
    job->route = route;
    routes->pdata[i] = NULL;
    g_ptr_array_add (jobs, job);
  }
  return g_steal_pointer (&jobs);
}

/* ---- D-Bus ---- */

gboolean
gw_service_handle_get_routes (GwDBusGateway1        *object,
                              GDBusMethodInvocation *invocation)
{
  GwService *self = GW_SERVICE (object);
  g_autofree char *json = NULL;

  gw_service_touch (self);
  json = gw_router_dup_json (self->router);
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
  if (!gw_router_set_json (self->router, routes, &error)) {
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
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GError) error = NULL;

  gw_service_touch (self);
  /* Routing does not depend on attachments, and no descriptors came. */
  g_variant_dict_remove (&dict, "attachments");
  sample = g_variant_ref_sink (g_variant_dict_end (&dict));
  n = gw_notification_new_from_variant (sample, NULL, &error);
  if (n == NULL)
    return gw_service_return_error (invocation, error);
  jobs = gw_service_plan (self, n, &error);
  if (jobs == NULL)
    return gw_service_return_error (invocation, error);
  for (guint i = 0; i < jobs->len; i++)
    g_variant_builder_add_value (&builder,
                                 route_to_variant (((GwPlannedJob *) g_ptr_array_index (jobs, i))->route));
  gw_dbus_gateway1_complete_check_route (object, invocation, g_variant_builder_end (&builder));
  return TRUE;
}
