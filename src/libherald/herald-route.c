/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-route.c: one job a notification would be routed to */
#define G_LOG_DOMAIN "herald-route"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "herald-private.h"
#include "herald-route.h"

/**
 * HeraldRoute:
 *
 * One job that the gateway would queue for a notification, as
 * herald_client_check_route() reports it: the profile, the routing rule
 * that chose it, and the recipients that job would go to, including those
 * the rules add.
 *
 * A notification routed by a fan-out rule, or by several rules that do
 * not stop, has several routes.
 *
 * Since: 0.1
 */
struct _HeraldRoute {
  GObject   parent_instance;

  GVariant *dict;
  char     *profile;
  char     *transport;
  char     *rule;
  GStrv     recipients;
  GStrv     added;
  GStrv     skipped;
};

G_DEFINE_FINAL_TYPE (HeraldRoute, herald_route, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PROFILE,
  PROP_TRANSPORT,
  PROP_RULE,
  PROP_RECIPIENTS,
  PROP_ADDED,
  PROP_SKIPPED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
herald_route_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  HeraldRoute *self = HERALD_ROUTE (object);

  switch (prop_id) {
  case PROP_PROFILE:
    g_value_set_string (value, herald_route_get_profile (self));
    break;
  case PROP_TRANSPORT:
    g_value_set_string (value, herald_route_get_transport (self));
    break;
  case PROP_RULE:
    g_value_set_string (value, herald_route_get_rule (self));
    break;
  case PROP_RECIPIENTS:
    g_value_set_boxed (value, herald_route_get_recipients (self));
    break;
  case PROP_ADDED:
    g_value_set_boxed (value, herald_route_get_added (self));
    break;
  case PROP_SKIPPED:
    g_value_set_boxed (value, herald_route_get_skipped (self));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
herald_route_finalize (GObject *object)
{
  HeraldRoute *self = HERALD_ROUTE (object);

  g_clear_pointer (&self->dict, g_variant_unref);
  g_free (self->profile);
  g_free (self->transport);
  g_free (self->rule);
  g_strfreev (self->recipients);
  g_strfreev (self->added);
  g_strfreev (self->skipped);

  G_OBJECT_CLASS (herald_route_parent_class)->finalize (object);
}

static void
herald_route_class_init (HeraldRouteClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = herald_route_get_property;
  object_class->finalize = herald_route_finalize;
  herald_i18n_init ();

  /**
   * HeraldRoute:profile:
   *
   * The profile of the job.
   *
   * Since: 0.1
   */
  properties[PROP_PROFILE] =
    g_param_spec_string ("profile", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldRoute:transport:
   *
   * The transport of that profile.
   *
   * Since: 0.1
   */
  properties[PROP_TRANSPORT] =
    g_param_spec_string ("transport", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldRoute:rule:
   *
   * The rule that chose it: its name, `rule N`, `default` or `explicit`.
   *
   * Since: 0.1
   */
  properties[PROP_RULE] =
    g_param_spec_string ("rule", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldRoute:recipients:
   *
   * The recipients of the job.
   *
   * Since: 0.1
   */
  properties[PROP_RECIPIENTS] =
    g_param_spec_boxed ("recipients", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldRoute:added:
   *
   * The recipients the rules added.
   *
   * Since: 0.1
   */
  properties[PROP_ADDED] =
    g_param_spec_boxed ("added", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldRoute:skipped:
   *
   * The profiles passed over as unusable.
   *
   * Since: 0.1
   */
  properties[PROP_SKIPPED] =
    g_param_spec_boxed ("skipped", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
herald_route_init (HeraldRoute *self)
{
}

static GStrv
lookup_strv (GVariant   *dict,
             const char *key)
{
  GStrv strv = NULL;

  if (!g_variant_lookup (dict, key, "^as", &strv))
    strv = g_new0 (char *, 1);
  return strv;
}

/**
 * herald_route_new_from_variant:
 * @route: an `a{sv}` dictionary as returned by `CheckRoute`: `profile`,
 *   `transport`, `rule`, `recipients`, `added` and `skipped`
 * @error: return location for a #GError
 *
 * Creates a route from its D-Bus form. Unknown keys are kept in
 * herald_route_to_variant().
 *
 * Returns: (transfer full): a new #HeraldRoute, or %NULL if @route lacks
 *   a profile
 *
 * Since: 0.1
 */
HeraldRoute *
herald_route_new_from_variant (GVariant  *route,
                               GError   **error)
{
  g_autoptr(HeraldRoute) self = NULL;

  g_return_val_if_fail (route != NULL, NULL);
  g_return_val_if_fail (g_variant_is_of_type (route, G_VARIANT_TYPE_VARDICT), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (HERALD_TYPE_ROUTE, NULL);
  self->dict = g_variant_ref_sink (route);
  self->profile = herald_variant_lookup_string (route, "profile");
  if (self->profile == NULL) {
    g_set_error_literal (error, HERALD_ERROR, HERALD_ERROR_FAILED,
                         _("The gateway sent a route without a profile"));
    return NULL;
  }
  self->transport = herald_variant_lookup_string (route, "transport");
  self->rule = herald_variant_lookup_string (route, "rule");
  self->recipients = lookup_strv (route, "recipients");
  self->added = lookup_strv (route, "added");
  self->skipped = lookup_strv (route, "skipped");

  return g_steal_pointer (&self);
}

/**
 * herald_route_get_profile:
 * @self: a #HeraldRoute
 *
 * Gets the profile this job would go through.
 *
 * Returns: (transfer none): the profile this job would go through
 *
 * Since: 0.1
 */
const char *
herald_route_get_profile (HeraldRoute *self)
{
  g_return_val_if_fail (HERALD_IS_ROUTE (self), NULL);
  return self->profile;
}

/**
 * herald_route_get_transport:
 * @self: a #HeraldRoute
 *
 * Gets the transport of the profile, such as `smtp` or `fax`.
 *
 * Returns: (transfer none) (nullable): the transport of the profile, such
 *   as `smtp` or `fax`
 *
 * Since: 0.1
 */
const char *
herald_route_get_transport (HeraldRoute *self)
{
  g_return_val_if_fail (HERALD_IS_ROUTE (self), NULL);
  return self->transport;
}

/**
 * herald_route_get_rule:
 * @self: a #HeraldRoute
 *
 * Gets what chose the profile: the name of the routing rule (`rule N`
 * for an unnamed rule, numbered from 1), `explicit` when the notification
 * named its profile, or `default` when no rule chose one.
 *
 * Returns: (transfer none) (nullable): the rule
 *
 * Since: 0.1
 */
const char *
herald_route_get_rule (HeraldRoute *self)
{
  g_return_val_if_fail (HERALD_IS_ROUTE (self), NULL);
  return self->rule;
}

/**
 * herald_route_get_recipients:
 * @self: a #HeraldRoute
 *
 * Gets the job's recipients (to, cc, bcc) and fax numbers, those added by
 * rules included.
 *
 * Returns: (transfer none) (array zero-terminated=1): the job's
 *   recipients (to, cc, bcc) and fax numbers, those added by rules
 *   included
 *
 * Since: 0.1
 */
const char * const *
herald_route_get_recipients (HeraldRoute *self)
{
  g_return_val_if_fail (HERALD_IS_ROUTE (self), NULL);
  return (const char * const *) self->recipients;
}

/**
 * herald_route_get_added:
 * @self: a #HeraldRoute
 *
 * Gets the recipients and fax numbers that routing rules added, possibly
 * none.
 *
 * Returns: (transfer none) (array zero-terminated=1): the recipients and
 *   fax numbers that routing rules added, possibly none
 *
 * Since: 0.1
 */
const char * const *
herald_route_get_added (HeraldRoute *self)
{
  g_return_val_if_fail (HERALD_IS_ROUTE (self), NULL);
  return (const char * const *) self->added;
}

/**
 * herald_route_get_skipped:
 * @self: a #HeraldRoute
 *
 * Gets the profiles of the rule that were passed over before this one
 * because they do not exist or their transport is not installed.
 *
 * Returns: (transfer none) (array zero-terminated=1): the skipped
 *   profiles, possibly none
 *
 * Since: 0.1
 */
const char * const *
herald_route_get_skipped (HeraldRoute *self)
{
  g_return_val_if_fail (HERALD_IS_ROUTE (self), NULL);
  return (const char * const *) self->skipped;
}

/**
 * herald_route_to_variant:
 * @self: a #HeraldRoute
 *
 * Gets the dictionary the route was made from, including keys this
 * version of the library does not know.
 *
 * Returns: (transfer full): an `a{sv}` #GVariant
 *
 * Since: 0.1
 */
GVariant *
herald_route_to_variant (HeraldRoute *self)
{
  g_return_val_if_fail (HERALD_IS_ROUTE (self), NULL);
  return g_variant_ref (self->dict);
}
