/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-delivery.c: the state and history of one notification */
#define G_LOG_DOMAIN "herald-delivery"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-attempt.h"
#include "herald-delivery-private.h"
#include "herald-enum-types.h"
#include "herald-error.h"
#include "herald-private.h"
#include "herald-recipient.h"

/**
 * HeraldDelivery:
 *
 * What became of one notification: its state, the profile it went to, how
 * many attempts were made, the server's last reply and its recipients.
 *
 * Deliveries are snapshots: get a fresh one with
 * herald_client_get_delivery(), or follow changes with the
 * #HeraldClient::delivery-changed signal and herald_client_wait_for_delivery().
 * The deliveries passed with #HeraldClient::delivery-changed carry only the
 * keys of the signal (id, state, profile, attempts, next attempt, reply and
 * reason).
 *
 * Since: 0.1
 */

G_DEFINE_FINAL_TYPE (HeraldDelivery, herald_delivery, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_STATE,
  PROP_FINAL,
  PROP_SUMMARY,
  PROP_PROFILE,
  PROP_PROFILES,
  PROP_SUBJECT,
  PROP_APP_NAME,
  PROP_CATEGORY,
  PROP_URGENCY,
  PROP_ATTEMPTS,
  PROP_NEXT_ATTEMPT,
  PROP_CREATED,
  PROP_UPDATED,
  PROP_REPLY,
  PROP_REASON,
  PROP_MESSAGE_ID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
herald_delivery_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  HeraldDelivery *self = HERALD_DELIVERY (object);

  switch (prop_id) {
  case PROP_ID:
    g_value_set_string (value, self->id);
    break;
  case PROP_STATE:
    g_value_set_enum (value, self->state);
    break;
  case PROP_FINAL:
    g_value_set_boolean (value, herald_delivery_is_final (self));
    break;
  case PROP_SUMMARY:
    g_value_set_string (value, self->summary);
    break;
  case PROP_PROFILE:
    g_value_set_string (value, self->profile);
    break;
  case PROP_PROFILES:
    g_value_set_boxed (value, self->profiles);
    break;
  case PROP_SUBJECT:
    g_value_set_string (value, self->subject);
    break;
  case PROP_APP_NAME:
    g_value_set_string (value, self->app_name);
    break;
  case PROP_CATEGORY:
    g_value_set_string (value, self->category);
    break;
  case PROP_URGENCY:
    g_value_set_enum (value, self->urgency);
    break;
  case PROP_ATTEMPTS:
    g_value_set_uint (value, self->attempts);
    break;
  case PROP_NEXT_ATTEMPT:
    g_value_set_boxed (value, self->next_attempt);
    break;
  case PROP_CREATED:
    g_value_set_boxed (value, self->created);
    break;
  case PROP_UPDATED:
    g_value_set_boxed (value, self->updated);
    break;
  case PROP_REPLY:
    g_value_set_string (value, self->reply);
    break;
  case PROP_REASON:
    g_value_set_string (value, self->reason);
    break;
  case PROP_MESSAGE_ID:
    g_value_set_string (value, self->message_id);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
herald_delivery_finalize (GObject *object)
{
  HeraldDelivery *self = HERALD_DELIVERY (object);

  g_clear_pointer (&self->dict, g_variant_unref);
  g_free (self->id);
  g_free (self->profile);
  g_free (self->subject);
  g_free (self->app_name);
  g_free (self->category);
  g_clear_pointer (&self->next_attempt, g_date_time_unref);
  g_clear_pointer (&self->created, g_date_time_unref);
  g_clear_pointer (&self->updated, g_date_time_unref);
  g_free (self->reply);
  g_free (self->reason);
  g_free (self->message_id);
  g_ptr_array_unref (self->recipients);
  g_strfreev (self->profiles);
  g_ptr_array_unref (self->log);
  g_free (self->summary);

  G_OBJECT_CLASS (herald_delivery_parent_class)->finalize (object);
}

static void
herald_delivery_class_init (HeraldDeliveryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = herald_delivery_get_property;
  object_class->finalize = herald_delivery_finalize;
  herald_i18n_init ();

  /**
   * HeraldDelivery:id:
   *
   * The delivery id that `Send` returned.
   *
   * Since: 0.1
   */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldDelivery:state:
   *
   * The state of the delivery.
   *
   * Since: 0.1
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, HERALD_TYPE_DELIVERY_STATE, HERALD_DELIVERY_STATE_QUEUED,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldDelivery:final:
   *
   * Whether the delivery is sent, partly sent, failed or cancelled.
   *
   * Since: 0.1
   */
  properties[PROP_FINAL] =
    g_param_spec_boolean ("final", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldDelivery:summary:
   *
   * One line for people on what became of a final delivery, see herald_delivery_get_summary().
   *
   * Since: 0.1
   */
  properties[PROP_SUMMARY] =
    g_param_spec_string ("summary", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldDelivery:profile:
   *
   * The profile the notification was routed to (the first job's).
   *
   * Since: 0.1
   */
  properties[PROP_PROFILE] =
    g_param_spec_string ("profile", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldDelivery:profiles:
   *
   * Every profile the notification was routed to, one per job.
   *
   * Since: 0.1
   */
  properties[PROP_PROFILES] =
    g_param_spec_boxed ("profiles", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldDelivery:subject:
   *
   * The subject of the notification.
   *
   * Since: 0.1
   */
  properties[PROP_SUBJECT] =
    g_param_spec_string ("subject", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldDelivery:app-name:
   *
   * The application that sent the notification.
   *
   * Since: 0.1
   */
  properties[PROP_APP_NAME] =
    g_param_spec_string ("app-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldDelivery:category:
   *
   * The category of the notification.
   *
   * Since: 0.1
   */
  properties[PROP_CATEGORY] =
    g_param_spec_string ("category", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldDelivery:urgency:
   *
   * The urgency of the notification.
   *
   * Since: 0.1
   */
  properties[PROP_URGENCY] =
    g_param_spec_enum ("urgency", NULL, NULL, HERALD_TYPE_URGENCY, HERALD_URGENCY_NORMAL,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldDelivery:attempts:
   *
   * The number of delivery attempts made so far.
   *
   * Since: 0.1
   */
  properties[PROP_ATTEMPTS] =
    g_param_spec_uint ("attempts", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldDelivery:next-attempt:
   *
   * When the next attempt of a deferred delivery is due (UTC), or %NULL.
   *
   * Since: 0.1
   */
  properties[PROP_NEXT_ATTEMPT] =
    g_param_spec_boxed ("next-attempt", NULL, NULL, G_TYPE_DATE_TIME,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldDelivery:created:
   *
   * When the notification was accepted (UTC).
   *
   * Since: 0.1
   */
  properties[PROP_CREATED] =
    g_param_spec_boxed ("created", NULL, NULL, G_TYPE_DATE_TIME,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldDelivery:updated:
   *
   * When the delivery last changed (UTC).
   *
   * Since: 0.1
   */
  properties[PROP_UPDATED] =
    g_param_spec_boxed ("updated", NULL, NULL, G_TYPE_DATE_TIME,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldDelivery:reply:
   *
   * The server's last reply.
   *
   * Since: 0.1
   */
  properties[PROP_REPLY] =
    g_param_spec_string ("reply", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldDelivery:reason:
   *
   * Why the delivery was deferred, failed or was cancelled.
   *
   * Since: 0.1
   */
  properties[PROP_REASON] =
    g_param_spec_string ("reason", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldDelivery:message-id:
   *
   * The Message-ID of the composed message.
   *
   * Since: 0.1
   */
  properties[PROP_MESSAGE_ID] =
    g_param_spec_string ("message-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
herald_delivery_init (HeraldDelivery *self)
{
  self->state = HERALD_DELIVERY_STATE_QUEUED;
  self->urgency = HERALD_URGENCY_NORMAL;
  self->recipients = g_ptr_array_new_with_free_func (g_object_unref);
  self->log = g_ptr_array_new_with_free_func (g_object_unref);
}

static gboolean
parse_recipients (HeraldDelivery  *self,
                  GVariant        *list,
                  GError         **error)
{
  GVariantIter iter;
  GVariant *child;

  g_variant_iter_init (&iter, list);
  while ((child = g_variant_iter_next_value (&iter)) != NULL) {
    g_autoptr(GVariant) owned = child;
    HeraldRecipient *recipient = herald_recipient_new_from_variant (owned, error);

    if (recipient == NULL)
      return FALSE;
    g_ptr_array_add (self->recipients, recipient);
  }
  return TRUE;
}

static gboolean
parse_log (HeraldDelivery  *self,
           GVariant        *list,
           GError         **error)
{
  GVariantIter iter;
  GVariant *child;

  g_variant_iter_init (&iter, list);
  while ((child = g_variant_iter_next_value (&iter)) != NULL) {
    g_autoptr(GVariant) owned = child;
    HeraldAttempt *attempt = herald_attempt_new_from_variant (owned, error);

    if (attempt == NULL)
      return FALSE;
    g_ptr_array_add (self->log, attempt);
  }
  return TRUE;
}

/**
 * herald_delivery_new_from_variant:
 * @delivery: an `a{sv}` dictionary as returned by `GetDelivery`: at least
 *   `id` and `state`
 * @error: return location for a #GError
 *
 * Creates a delivery from its D-Bus form. Keys that are missing keep
 * their empty value; unknown keys are ignored but kept in
 * herald_delivery_to_variant().
 *
 * Returns: (transfer full): a new #HeraldDelivery, or %NULL if @delivery
 *   lacks an id or has an unknown state
 *
 * Since: 0.1
 */
HeraldDelivery *
herald_delivery_new_from_variant (GVariant  *delivery,
                                  GError   **error)
{
  g_autoptr(HeraldDelivery) self = NULL;
  g_autoptr(GVariant) recipients = NULL;
  g_autoptr(GVariant) log = NULL;
  const char *state = NULL;
  guint8 urgency = HERALD_URGENCY_NORMAL;

  g_return_val_if_fail (delivery != NULL, NULL);
  g_return_val_if_fail (g_variant_is_of_type (delivery, G_VARIANT_TYPE_VARDICT), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (HERALD_TYPE_DELIVERY, NULL);
  self->dict = g_variant_ref_sink (delivery);

  if (!g_variant_lookup (delivery, "id", "s", &self->id)) {
    g_set_error_literal (error, HERALD_ERROR, HERALD_ERROR_FAILED,
                         _("The gateway sent a delivery without an id"));
    return NULL;
  }
  if (!g_variant_lookup (delivery, "state", "&s", &state) ||
      !herald_delivery_state_from_string (state, &self->state)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_FAILED,
                 _("The gateway sent an unknown state for delivery %s"), self->id);
    return NULL;
  }

  g_variant_lookup (delivery, "profile", "s", &self->profile);
  g_variant_lookup (delivery, "subject", "s", &self->subject);
  g_variant_lookup (delivery, "app-name", "s", &self->app_name);
  g_variant_lookup (delivery, "category", "s", &self->category);
  g_variant_lookup (delivery, "reply", "s", &self->reply);
  g_variant_lookup (delivery, "reason", "s", &self->reason);
  g_variant_lookup (delivery, "message-id", "s", &self->message_id);
  g_variant_lookup (delivery, "attempts", "u", &self->attempts);
  if (g_variant_lookup (delivery, "urgency", "y", &urgency) &&
      urgency <= HERALD_URGENCY_CRITICAL)
    self->urgency = (HeraldUrgency) urgency;
  self->next_attempt = herald_variant_lookup_time (delivery, "next-attempt");
  self->created = herald_variant_lookup_time (delivery, "created");
  self->updated = herald_variant_lookup_time (delivery, "updated");

  recipients = g_variant_lookup_value (delivery, "recipients", G_VARIANT_TYPE ("aa{sv}"));
  if (recipients != NULL && !parse_recipients (self, recipients, error))
    return NULL;
  log = g_variant_lookup_value (delivery, "log", G_VARIANT_TYPE ("aa{sv}"));
  if (log != NULL && !parse_log (self, log, error))
    return NULL;
  if (!g_variant_lookup (delivery, "profiles", "^as", &self->profiles)) {
    const char *one[] = { self->profile, NULL };
    self->profiles = g_strdupv ((char **) (self->profile != NULL ? one : one + 1));
  }
  self->summary = herald_delivery_summarize (self->state, self->reason, self->reply,
                                             self->recipients);

  return g_steal_pointer (&self);
}
