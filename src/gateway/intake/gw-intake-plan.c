/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-intake-plan.c: where a notification goes and what each profile sends
 * (steps 4 and 6 of the intake) */
#define G_LOG_DOMAIN "gw-intake"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-composer.h"
#include "gw-intake-private.h"
#include "gw-recipient-kinds.h"

void
gw_intake_job_free (GwIntakeJob *job)
{
  if (job == NULL)
    return;
  gw_route_free (job->route);
  g_clear_object (&job->envelope);
  g_free (job);
}

const char *
gw_intake_probe_profile (const char *name,
                         gpointer    user_data,
                         GError    **error)
{
  GwIntake *self = GW_INTAKE (user_data);
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

GPtrArray *
gw_intake_route (GwIntake       *self,
                 GwNotification *notification,
                 GError        **error)
{
  return gw_router_route (self->router, notification,
                          gw_config_get_default_profile (self->config), error);
}

guint
gw_intake_count_link_routes (GwIntake       *self,
                             GwNotification *notification,
                             GPtrArray      *routes)
{
  guint count = 0;

  if (notification->attachments->len == 0)
    return 0;
  for (guint i = 0; i < routes->len; i++) {
    GwRoute *route = g_ptr_array_index (routes, i);
    GwProfile *profile = gw_profile_store_lookup (self->profiles, route->profile);

    if (profile != NULL && gw_profile_get_boolean (profile, "attachments-as-url"))
      count++;
  }
  return count;
}

/* Composes @n for @route's profile with the route's recipients. The
 * notification lends everything else and gets its own recipients back. */
static GwEnvelope *
compose_for_route (GwProfile         *profile,
                   GwNotification    *n,
                   GwRoute           *route,
                   GwAttachmentLinks *links,
                   const char        *spool_dir,
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
  envelope = gw_composer_compose_full (profile, n, links, spool_dir, error);
  n->to = own[0];
  n->cc = own[1];
  n->bcc = own[2];
  n->others = own_others;
  return envelope;
}

GPtrArray *
gw_intake_compose (GwIntake          *self,
                   GwNotification    *notification,
                   GPtrArray         *routes,
                   GwAttachmentLinks *links,
                   GError           **error)
{
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) gw_intake_job_free);

  for (guint i = 0; i < routes->len; i++) {
    GwRoute *route = g_ptr_array_index (routes, i);
    GwProfile *profile = gw_profile_store_lookup (self->profiles, route->profile);
    g_autoptr(GwEnvelope) envelope = NULL;
    GwIntakeJob *job;

    /* The router has just probed it. */
    if (profile == NULL) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_NO_SUCH_PROFILE,
                   _("No profile is named “%s”"), route->profile);
      return NULL;
    }
    envelope = compose_for_route (profile, notification, route, links,
                                  gw_config_get_state_dir (self->config), error);
    if (envelope == NULL)
      return NULL;
    /* Each transport checks what it is given (a transport of documents,
     * their types), before anything is queued. */
    if (!gw_transport_check_content (gw_plugin_loader_lookup (self->plugins, route->transport),
                                     profile, envelope, error))
      return NULL;
    job = g_new0 (GwIntakeJob, 1);
    job->envelope = g_steal_pointer (&envelope);
    job->expire_at = g_get_real_time () +
                     (gint64) gw_profile_get_uint (profile, "expire-after") * G_USEC_PER_SEC;
    /* The routes array gives up its element. */
    job->route = g_steal_pointer (&routes->pdata[i]);
    g_ptr_array_add (jobs, job);
  }
  return g_steal_pointer (&jobs);
}
