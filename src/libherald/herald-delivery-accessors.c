/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-delivery-accessors.c: what a HeraldDelivery holds */
#define G_LOG_DOMAIN "herald-delivery"

#include "config.h"

#include "herald-delivery-private.h"

/**
 * herald_delivery_get_id:
 * @self: a #HeraldDelivery
 *
 * Gets the delivery id that `Send` returned.
 *
 * Returns: (transfer none): the delivery id that `Send` returned
 *
 * Since: 0.1
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
 *
 * Since: 0.1
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
 *
 * Since: 0.1
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
 *
 * Since: 0.1
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
 *
 * Since: 0.1
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
 *
 * Since: 0.1
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
 *
 * Since: 0.1
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
 *
 * Since: 0.1
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
 *
 * Since: 0.1
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
 *
 * Since: 0.1
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
 *
 * Since: 0.1
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
 *
 * Since: 0.1
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
 *
 * Since: 0.1
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
 *
 * Since: 0.1
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
 *
 * Since: 0.1
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
 *
 * Since: 0.1
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
 *
 * Since: 0.1
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
 *
 * Since: 0.1
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
 *
 * Since: 0.1
 */
GVariant *
herald_delivery_to_variant (HeraldDelivery *self)
{
  g_return_val_if_fail (HERALD_IS_DELIVERY (self), NULL);
  return g_variant_ref (self->dict);
}
