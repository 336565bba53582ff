/* herald-delivery.c: the state and history of one notification */
#define G_LOG_DOMAIN "herald-delivery"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-attempt.h"
#include "herald-delivery.h"
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
 */
struct _HeraldDelivery {
  GObject              parent_instance;

  GVariant            *dict;
  char                *id;
  HeraldDeliveryState  state;
  char                *profile;
  char                *subject;
  char                *app_name;
  char                *category;
  HeraldUrgency        urgency;
  guint                attempts;
  GDateTime           *next_attempt;
  GDateTime           *created;
  GDateTime           *updated;
  char                *reply;
  char                *reason;
  char                *message_id;
  GPtrArray           *recipients;
  GStrv                profiles;
  GPtrArray           *log;
  char                *summary;
};

G_DEFINE_FINAL_TYPE (HeraldDelivery, herald_delivery, G_TYPE_OBJECT)

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

  object_class->finalize = herald_delivery_finalize;
  herald_i18n_init ();
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

/**
 * herald_delivery_get_id:
 * @self: a #HeraldDelivery
 *
 * Gets the delivery id that `Send` returned.
 *
 * Returns: (transfer none): the delivery id that `Send` returned
 */
const char *
herald_delivery_get_id (HeraldDelivery *self)
{
  g_return_val_if_fail (HERALD_IS_DELIVERY (self), NULL);
  return self->id;
}

/**
 * herald_delivery_get_state:
 * @self: a #HeraldDelivery
 *
 * Gets the state of the delivery.
 *
 * Returns: the state of the delivery
 */
HeraldDeliveryState
herald_delivery_get_state (HeraldDelivery *self)
{
  g_return_val_if_fail (HERALD_IS_DELIVERY (self), HERALD_DELIVERY_STATE_QUEUED);
  return self->state;
}

/**
 * herald_delivery_is_final:
 * @self: a #HeraldDelivery
 *
 * Checks whether the delivery is sent, failed or cancelled.
 *
 * Returns: %TRUE if the delivery is sent, failed or cancelled
 */
gboolean
herald_delivery_is_final (HeraldDelivery *self)
{
  g_return_val_if_fail (HERALD_IS_DELIVERY (self), FALSE);
  return herald_delivery_state_is_final (self->state);
}

/**
 * herald_delivery_get_profile:
 * @self: a #HeraldDelivery
 *
 * Gets the name of the profile the notification was routed to.
 *
 * Returns: (transfer none) (nullable): the name of the profile the
 *   notification was routed to
 */
const char *
herald_delivery_get_profile (HeraldDelivery *self)
{
  g_return_val_if_fail (HERALD_IS_DELIVERY (self), NULL);
  return self->profile;
}

/**
 * herald_delivery_get_subject:
 * @self: a #HeraldDelivery
 *
 * Gets the subject of the notification.
 *
 * Returns: (transfer none) (nullable): the subject of the notification
 */
const char *
herald_delivery_get_subject (HeraldDelivery *self)
{
  g_return_val_if_fail (HERALD_IS_DELIVERY (self), NULL);
  return self->subject;
}

/**
 * herald_delivery_get_app_name:
 * @self: a #HeraldDelivery
 *
 * Gets the application that sent the notification.
 *
 * Returns: (transfer none) (nullable): the application that sent the
 *   notification
 */
const char *
herald_delivery_get_app_name (HeraldDelivery *self)
{
  g_return_val_if_fail (HERALD_IS_DELIVERY (self), NULL);
  return self->app_name;
}

/**
 * herald_delivery_get_category:
 * @self: a #HeraldDelivery
 *
 * Gets the category of the notification.
 *
 * Returns: (transfer none) (nullable): the category of the notification
 */
const char *
herald_delivery_get_category (HeraldDelivery *self)
{
  g_return_val_if_fail (HERALD_IS_DELIVERY (self), NULL);
  return self->category;
}

/**
 * herald_delivery_get_urgency:
 * @self: a #HeraldDelivery
 *
 * Gets the urgency of the notification.
 *
 * Returns: the urgency of the notification
 */
HeraldUrgency
herald_delivery_get_urgency (HeraldDelivery *self)
{
  g_return_val_if_fail (HERALD_IS_DELIVERY (self), HERALD_URGENCY_NORMAL);
  return self->urgency;
}

/**
 * herald_delivery_get_attempts:
 * @self: a #HeraldDelivery
 *
 * Gets the number of delivery attempts made so far.
 *
 * Returns: the number of delivery attempts made so far
 */
guint
herald_delivery_get_attempts (HeraldDelivery *self)
{
  g_return_val_if_fail (HERALD_IS_DELIVERY (self), 0);
  return self->attempts;
}

/**
 * herald_delivery_get_next_attempt:
 * @self: a #HeraldDelivery
 *
 * Gets when the next attempt of a deferred delivery is due (UTC), or %NULL
 * if none is planned.
 *
 * Returns: (transfer none) (nullable): when the next attempt of a
 *   deferred delivery is due (UTC), or %NULL if none is planned
 */
GDateTime *
herald_delivery_get_next_attempt (HeraldDelivery *self)
{
  g_return_val_if_fail (HERALD_IS_DELIVERY (self), NULL);
  return self->next_attempt;
}

/**
 * herald_delivery_get_created:
 * @self: a #HeraldDelivery
 *
 * Gets when the notification was accepted (UTC).
 *
 * Returns: (transfer none) (nullable): when the notification was
 *   accepted (UTC)
 */
GDateTime *
herald_delivery_get_created (HeraldDelivery *self)
{
  g_return_val_if_fail (HERALD_IS_DELIVERY (self), NULL);
  return self->created;
}

/**
 * herald_delivery_get_updated:
 * @self: a #HeraldDelivery
 *
 * Gets when the delivery last changed (UTC).
 *
 * Returns: (transfer none) (nullable): when the delivery last changed
 *   (UTC)
 */
GDateTime *
herald_delivery_get_updated (HeraldDelivery *self)
{
  g_return_val_if_fail (HERALD_IS_DELIVERY (self), NULL);
  return self->updated;
}

/**
 * herald_delivery_get_reply:
 * @self: a #HeraldDelivery
 *
 * Gets the server's last reply, such as `250 2.0.0 Ok: queued as 4XyZ`.
 *
 * Returns: (transfer none) (nullable): the server's last reply, such as
 *   `250 2.0.0 Ok: queued as 4XyZ`
 */
const char *
herald_delivery_get_reply (HeraldDelivery *self)
{
  g_return_val_if_fail (HERALD_IS_DELIVERY (self), NULL);
  return self->reply;
}

/**
 * herald_delivery_get_reason:
 * @self: a #HeraldDelivery
 *
 * Gets why the delivery was deferred, failed or was cancelled, in words
 * for people.
 *
 * Returns: (transfer none) (nullable): why the delivery was deferred,
 *   failed or was cancelled, in words for people
 */
const char *
herald_delivery_get_reason (HeraldDelivery *self)
{
  g_return_val_if_fail (HERALD_IS_DELIVERY (self), NULL);
  return self->reason;
}

/**
 * herald_delivery_get_message_id:
 * @self: a #HeraldDelivery
 *
 * Gets the Message-ID of the composed message; it stays the same across
 * attempts.
 *
 * Returns: (transfer none) (nullable): the Message-ID of the composed
 *   message; it stays the same across attempts
 */
const char *
herald_delivery_get_message_id (HeraldDelivery *self)
{
  g_return_val_if_fail (HERALD_IS_DELIVERY (self), NULL);
  return self->message_id;
}

/**
 * herald_delivery_get_recipients:
 * @self: a #HeraldDelivery
 *
 * Gets the recipients with their own results; empty when the gateway did
 * not send them.
 *
 * Returns: (transfer none) (element-type HeraldRecipient): the recipients
 *   with their own results; empty when the gateway did not send them
 */
GPtrArray *
herald_delivery_get_recipients (HeraldDelivery *self)
{
  g_return_val_if_fail (HERALD_IS_DELIVERY (self), NULL);
  return self->recipients;
}

/**
 * herald_delivery_get_profiles:
 * @self: a #HeraldDelivery
 *
 * Gets every profile the notification was routed to, one per job: a
 * fan-out routing rule sends one notification through several profiles.
 *
 * Returns: (transfer none) (array zero-terminated=1): the profile names,
 *   the one of herald_delivery_get_profile() first
 */
const char * const *
herald_delivery_get_profiles (HeraldDelivery *self)
{
  g_return_val_if_fail (HERALD_IS_DELIVERY (self), NULL);
  return (const char * const *) self->profiles;
}

/**
 * herald_delivery_get_log:
 * @self: a #HeraldDelivery
 *
 * Gets the outgoing log of the delivery: every attempt, oldest first. The
 * log comes with herald_client_get_delivery(), and with
 * herald_client_list_deliveries() when the filter asks for it with
 * herald_delivery_filter_set_include_log(); otherwise it is empty.
 *
 * Returns: (transfer none) (element-type HeraldAttempt): the attempts
 */
GPtrArray *
herald_delivery_get_log (HeraldDelivery *self)
{
  g_return_val_if_fail (HERALD_IS_DELIVERY (self), NULL);
  return self->log;
}

/**
 * herald_delivery_get_summary:
 * @self: a #HeraldDelivery
 *
 * Gets one line for people on what became of a final delivery, such as
 * `sent to 2 of 2`, `sent to 1 of 2; refused: bad@example.org 550 5.1.1
 * <bad@example.org>: Recipient address rejected` or `expired: no attempt
 * succeeded before the profile’s expire-after ran out; last reply: ...`.
 * It is built from the recipients' own results, so it is complete for
 * deliveries from herald_client_get_delivery(),
 * herald_client_wait_for_delivery() and herald_client_list_deliveries(); a
 * delivery passed with #HeraldClient::delivery-changed carries no
 * recipients, and its summary says less.
 *
 * Returns: (transfer none) (nullable): the summary, or %NULL while the
 *   delivery is not final
 *
 * Since: 0.1
 */
const char *
herald_delivery_get_summary (HeraldDelivery *self)
{
  g_return_val_if_fail (HERALD_IS_DELIVERY (self), NULL);
  return self->summary;
}

/**
 * herald_delivery_to_variant:
 * @self: a #HeraldDelivery
 *
 * Gets the dictionary the delivery was made from, including keys this
 * version of the library does not know.
 *
 * Returns: (transfer full): an `a{sv}` #GVariant
 */
GVariant *
herald_delivery_to_variant (HeraldDelivery *self)
{
  g_return_val_if_fail (HERALD_IS_DELIVERY (self), NULL);
  return g_variant_ref (self->dict);
}
