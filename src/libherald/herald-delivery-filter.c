/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-delivery-filter.c: which deliveries to list */
#define G_LOG_DOMAIN "herald-delivery-filter"

#include "config.h"

#include "herald-delivery-filter.h"
#include "herald-enum-types.h"
#include "herald-private.h"

/**
 * HeraldDeliveryFilter:
 *
 * Criteria for herald_client_list_deliveries(). Every criterion is
 * optional; an empty filter lists the newest deliveries up to the
 * gateway's default limit (100).
 *
 * Since: 0.1
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

enum {
  PROP_0,
  PROP_STATE,
  PROP_PROFILE,
  PROP_APP_NAME,
  PROP_SINCE,
  PROP_UNTIL,
  PROP_LIMIT,
  PROP_INCLUDE_LOG,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
herald_delivery_filter_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  HeraldDeliveryFilter *self = HERALD_DELIVERY_FILTER (object);

  switch (prop_id) {
  case PROP_STATE:
    g_value_set_enum (value, self->state);
    break;
  case PROP_PROFILE:
    g_value_set_string (value, self->profile);
    break;
  case PROP_APP_NAME:
    g_value_set_string (value, self->app_name);
    break;
  case PROP_SINCE:
    g_value_set_boxed (value, self->since);
    break;
  case PROP_UNTIL:
    g_value_set_boxed (value, self->until);
    break;
  case PROP_LIMIT:
    g_value_set_uint (value, self->limit);
    break;
  case PROP_INCLUDE_LOG:
    g_value_set_boolean (value, self->include_log);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
herald_delivery_filter_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  HeraldDeliveryFilter *self = HERALD_DELIVERY_FILTER (object);

  switch (prop_id) {
  case PROP_STATE:
    herald_delivery_filter_set_state (self, g_value_get_enum (value));
    break;
  case PROP_PROFILE:
    herald_delivery_filter_set_profile (self, g_value_get_string (value));
    break;
  case PROP_APP_NAME:
    herald_delivery_filter_set_app_name (self, g_value_get_string (value));
    break;
  case PROP_SINCE:
    herald_delivery_filter_set_since (self, g_value_get_boxed (value));
    break;
  case PROP_UNTIL:
    herald_delivery_filter_set_until (self, g_value_get_boxed (value));
    break;
  case PROP_LIMIT:
    herald_delivery_filter_set_limit (self, g_value_get_uint (value));
    break;
  case PROP_INCLUDE_LOG:
    herald_delivery_filter_set_include_log (self, g_value_get_boolean (value));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

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

  object_class->get_property = herald_delivery_filter_get_property;
  object_class->set_property = herald_delivery_filter_set_property;
  object_class->finalize = herald_delivery_filter_finalize;
  herald_i18n_init ();

  /**
   * HeraldDeliveryFilter:state:
   *
   * List only deliveries in this state; no state is matched until it is set.
   *
   * Since: 0.1
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, HERALD_TYPE_DELIVERY_STATE, HERALD_DELIVERY_STATE_QUEUED,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldDeliveryFilter:profile:
   *
   * List only deliveries routed to this profile, or any if %NULL.
   *
   * Since: 0.1
   */
  properties[PROP_PROFILE] =
    g_param_spec_string ("profile", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldDeliveryFilter:app-name:
   *
   * List only notifications sent by this application, or any if %NULL.
   *
   * Since: 0.1
   */
  properties[PROP_APP_NAME] =
    g_param_spec_string ("app-name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldDeliveryFilter:since:
   *
   * List only deliveries created at or after this time.
   *
   * Since: 0.1
   */
  properties[PROP_SINCE] =
    g_param_spec_boxed ("since", NULL, NULL, G_TYPE_DATE_TIME,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldDeliveryFilter:until:
   *
   * List only deliveries created at or before this time.
   *
   * Since: 0.1
   */
  properties[PROP_UNTIL] =
    g_param_spec_boxed ("until", NULL, NULL, G_TYPE_DATE_TIME,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldDeliveryFilter:limit:
   *
   * The most deliveries to list; 0 for the default (100).
   *
   * Since: 0.1
   */
  properties[PROP_LIMIT] =
    g_param_spec_uint ("limit", NULL, NULL, 0, 10000, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldDeliveryFilter:include-log:
   *
   * Whether each delivery comes with its outgoing log.
   *
   * Since: 0.1
   */
  properties[PROP_INCLUDE_LOG] =
    g_param_spec_boolean ("include-log", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
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
 *
 * Since: 0.1
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
 *
 * Since: 0.1
 */
void
herald_delivery_filter_set_state (HeraldDeliveryFilter *self,
                                  HeraldDeliveryState   state)
{
  g_return_if_fail (HERALD_IS_DELIVERY_FILTER (self));
  g_return_if_fail (herald_delivery_state_to_string (state) != NULL);

  self->has_state = TRUE;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/**
 * herald_delivery_filter_set_profile:
 * @self: a #HeraldDeliveryFilter
 * @profile: (nullable): a profile name, or %NULL for any
 *
 * Lists only deliveries routed to @profile.
 *
 * Since: 0.1
 */
void
herald_delivery_filter_set_profile (HeraldDeliveryFilter *self,
                                    const char           *profile)
{
  g_return_if_fail (HERALD_IS_DELIVERY_FILTER (self));

  g_free (self->profile);
  self->profile = g_strdup (profile);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROFILE]);
}

/**
 * herald_delivery_filter_set_app_name:
 * @self: a #HeraldDeliveryFilter
 * @app_name: (nullable): an application name, or %NULL for any
 *
 * Lists only notifications sent by @app_name.
 *
 * Since: 0.1
 */
void
herald_delivery_filter_set_app_name (HeraldDeliveryFilter *self,
                                     const char           *app_name)
{
  g_return_if_fail (HERALD_IS_DELIVERY_FILTER (self));

  g_free (self->app_name);
  self->app_name = g_strdup (app_name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_APP_NAME]);
}

/**
 * herald_delivery_filter_set_since:
 * @self: a #HeraldDeliveryFilter
 * @since: (nullable): the earliest creation time, or %NULL
 *
 * Lists only deliveries created at or after @since.
 *
 * Since: 0.1
 */
void
herald_delivery_filter_set_since (HeraldDeliveryFilter *self,
                                  GDateTime            *since)
{
  g_return_if_fail (HERALD_IS_DELIVERY_FILTER (self));

  g_clear_pointer (&self->since, g_date_time_unref);
  if (since != NULL)
    self->since = g_date_time_ref (since);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SINCE]);
}

/**
 * herald_delivery_filter_set_until:
 * @self: a #HeraldDeliveryFilter
 * @until: (nullable): the latest creation time, or %NULL
 *
 * Lists only deliveries created at or before @until.
 *
 * Since: 0.1
 */
void
herald_delivery_filter_set_until (HeraldDeliveryFilter *self,
                                  GDateTime            *until)
{
  g_return_if_fail (HERALD_IS_DELIVERY_FILTER (self));

  g_clear_pointer (&self->until, g_date_time_unref);
  if (until != NULL)
    self->until = g_date_time_ref (until);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNTIL]);
}

/**
 * herald_delivery_filter_set_limit:
 * @self: a #HeraldDeliveryFilter
 * @limit: the most deliveries to list, 1 to 10000; 0 for the gateway's
 *   default
 *
 * Limits how many deliveries are listed, newest first.
 *
 * Since: 0.1
 */
void
herald_delivery_filter_set_limit (HeraldDeliveryFilter *self,
                                  guint                 limit)
{
  g_return_if_fail (HERALD_IS_DELIVERY_FILTER (self));

  self->limit = limit;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LIMIT]);
}

/**
 * herald_delivery_filter_set_include_log:
 * @self: a #HeraldDeliveryFilter
 * @include_log: whether to include each delivery's attempt log
 *
 * Asks the gateway to send each listed delivery with its outgoing log, as
 * herald_delivery_get_log() returns it. Off by default, since the log makes
 * the list larger.
 *
 * Since: 0.1
 */
void
herald_delivery_filter_set_include_log (HeraldDeliveryFilter *self,
                                        gboolean              include_log)
{
  g_return_if_fail (HERALD_IS_DELIVERY_FILTER (self));

  self->include_log = !!include_log;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INCLUDE_LOG]);
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
 *
 * Since: 0.1
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
