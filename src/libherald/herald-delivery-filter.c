/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-delivery-filter.c: which deliveries to list */
#define G_LOG_DOMAIN "herald-delivery-filter"

#include "config.h"

#include "herald-delivery-filter.h"
#include "herald-private.h"

/**
 * HeraldDeliveryFilter:
 *
 * Criteria for herald_client_list_deliveries(). Every criterion is
 * optional; an empty filter lists the newest deliveries up to the
 * gateway's default limit (100).
 */
struct _HeraldDeliveryFilter {
  GObject              parent_instance;

  gboolean             has_state;
  HeraldDeliveryState  state;
  char                *profile;
  char                *app_name;
  GDateTime           *since;
  GDateTime           *until;
  guint                limit;
  gboolean             include_log;
};

G_DEFINE_FINAL_TYPE (HeraldDeliveryFilter, herald_delivery_filter, G_TYPE_OBJECT)

static void
herald_delivery_filter_finalize (GObject *object)
{
  HeraldDeliveryFilter *self = HERALD_DELIVERY_FILTER (object);

  g_free (self->profile);
  g_free (self->app_name);
  g_clear_pointer (&self->since, g_date_time_unref);
  g_clear_pointer (&self->until, g_date_time_unref);

  G_OBJECT_CLASS (herald_delivery_filter_parent_class)->finalize (object);
}

static void
herald_delivery_filter_class_init (HeraldDeliveryFilterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = herald_delivery_filter_finalize;
  herald_i18n_init ();
}

static void
herald_delivery_filter_init (HeraldDeliveryFilter *self)
{
}

/**
 * herald_delivery_filter_new:
 *
 * Creates an empty filter, which matches every delivery.
 *
 * Returns: (transfer full): a new #HeraldDeliveryFilter
 */
HeraldDeliveryFilter *
herald_delivery_filter_new (void)
{
  return g_object_new (HERALD_TYPE_DELIVERY_FILTER, NULL);
}

/**
 * herald_delivery_filter_set_state:
 * @self: a #HeraldDeliveryFilter
 * @state: the state to match
 *
 * Lists only deliveries in @state.
 */
void
herald_delivery_filter_set_state (HeraldDeliveryFilter *self,
                                  HeraldDeliveryState   state)
{
  g_return_if_fail (HERALD_IS_DELIVERY_FILTER (self));
  g_return_if_fail (herald_delivery_state_to_string (state) != NULL);

  self->has_state = TRUE;
  self->state = state;
}

/**
 * herald_delivery_filter_set_profile:
 * @self: a #HeraldDeliveryFilter
 * @profile: (nullable): a profile name, or %NULL for any
 *
 * Lists only deliveries routed to @profile.
 */
void
herald_delivery_filter_set_profile (HeraldDeliveryFilter *self,
                                    const char           *profile)
{
  g_return_if_fail (HERALD_IS_DELIVERY_FILTER (self));

  g_free (self->profile);
  self->profile = g_strdup (profile);
}

/**
 * herald_delivery_filter_set_app_name:
 * @self: a #HeraldDeliveryFilter
 * @app_name: (nullable): an application name, or %NULL for any
 *
 * Lists only notifications sent by @app_name.
 */
void
herald_delivery_filter_set_app_name (HeraldDeliveryFilter *self,
                                     const char           *app_name)
{
  g_return_if_fail (HERALD_IS_DELIVERY_FILTER (self));

  g_free (self->app_name);
  self->app_name = g_strdup (app_name);
}

/**
 * herald_delivery_filter_set_since:
 * @self: a #HeraldDeliveryFilter
 * @since: (nullable): the earliest creation time, or %NULL
 *
 * Lists only deliveries created at or after @since.
 */
void
herald_delivery_filter_set_since (HeraldDeliveryFilter *self,
                                  GDateTime            *since)
{
  g_return_if_fail (HERALD_IS_DELIVERY_FILTER (self));

  g_clear_pointer (&self->since, g_date_time_unref);
  if (since != NULL)
    self->since = g_date_time_ref (since);
}

/**
 * herald_delivery_filter_set_until:
 * @self: a #HeraldDeliveryFilter
 * @until: (nullable): the latest creation time, or %NULL
 *
 * Lists only deliveries created at or before @until.
 */
void
herald_delivery_filter_set_until (HeraldDeliveryFilter *self,
                                  GDateTime            *until)
{
  g_return_if_fail (HERALD_IS_DELIVERY_FILTER (self));

  g_clear_pointer (&self->until, g_date_time_unref);
  if (until != NULL)
    self->until = g_date_time_ref (until);
}

/**
 * herald_delivery_filter_set_limit:
 * @self: a #HeraldDeliveryFilter
 * @limit: the most deliveries to list, 1 to 10000; 0 for the gateway's
 *   default
 *
 * Limits how many deliveries are listed, newest first.
 */
void
herald_delivery_filter_set_limit (HeraldDeliveryFilter *self,
                                  guint                 limit)
{
  g_return_if_fail (HERALD_IS_DELIVERY_FILTER (self));

  self->limit = limit;
}

/**
 * herald_delivery_filter_set_include_log:
 * @self: a #HeraldDeliveryFilter
 * @include_log: whether to include each delivery's attempt log
 *
 * Asks the gateway to send each listed delivery with its outgoing log, as
 * herald_delivery_get_log() returns it. Off by default, since the log makes
 * the list larger.
 */
void
herald_delivery_filter_set_include_log (HeraldDeliveryFilter *self,
                                        gboolean              include_log)
{
  g_return_if_fail (HERALD_IS_DELIVERY_FILTER (self));

  self->include_log = !!include_log;
}

static gint64
to_usec (GDateTime *dt)
{
  return g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
}

/**
 * herald_delivery_filter_to_variant:
 * @self: a #HeraldDeliveryFilter
 *
 * Builds the filter argument of `ListDeliveries`.
 *
 * Returns: (transfer full): an `a{sv}` #GVariant
 */
GVariant *
herald_delivery_filter_to_variant (HeraldDeliveryFilter *self)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  g_return_val_if_fail (HERALD_IS_DELIVERY_FILTER (self), NULL);

  if (self->has_state)
    g_variant_builder_add (&builder, "{sv}", "state",
                           g_variant_new_string (herald_delivery_state_to_string (self->state)));
  if (self->profile != NULL)
    g_variant_builder_add (&builder, "{sv}", "profile", g_variant_new_string (self->profile));
  if (self->app_name != NULL)
    g_variant_builder_add (&builder, "{sv}", "app-name", g_variant_new_string (self->app_name));
  if (self->since != NULL)
    g_variant_builder_add (&builder, "{sv}", "since", g_variant_new_int64 (to_usec (self->since)));
  if (self->until != NULL)
    g_variant_builder_add (&builder, "{sv}", "until", g_variant_new_int64 (to_usec (self->until)));
  if (self->limit > 0)
    g_variant_builder_add (&builder, "{sv}", "limit", g_variant_new_uint32 (self->limit));
  if (self->include_log)
    g_variant_builder_add (&builder, "{sv}", "log", g_variant_new_boolean (TRUE));

  return g_variant_ref_sink (g_variant_builder_end (&builder));
}
