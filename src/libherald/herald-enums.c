/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-enums.c: string forms of the Herald enumerations */
#define G_LOG_DOMAIN "herald-enums"

#include "config.h"

#include "herald-enums.h"

static const char * const delivery_state_names[] = {
  [HERALD_DELIVERY_STATE_QUEUED] = "queued",
  [HERALD_DELIVERY_STATE_SENDING] = "sending",
  [HERALD_DELIVERY_STATE_SENT] = "sent",
  [HERALD_DELIVERY_STATE_DEFERRED] = "deferred",
  [HERALD_DELIVERY_STATE_FAILED] = "failed",
  [HERALD_DELIVERY_STATE_CANCELLED] = "cancelled",
  [HERALD_DELIVERY_STATE_SUBMITTED] = "submitted",
  [HERALD_DELIVERY_STATE_PARTIAL] = "partial",
};

static const char * const urgency_names[] = {
  [HERALD_URGENCY_LOW] = "low",
  [HERALD_URGENCY_NORMAL] = "normal",
  [HERALD_URGENCY_CRITICAL] = "critical",
};

/**
 * herald_delivery_state_to_string:
 * @state: a #HeraldDeliveryState
 *
 * Gets the D-Bus string form of @state, such as `deferred`.
 *
 * Returns: (transfer none) (nullable): the name of @state, or %NULL if
 *   @state is not a valid value
 *
 * Since: 0.1
 */
const char *
herald_delivery_state_to_string (HeraldDeliveryState state)
{
  if ((guint) state >= G_N_ELEMENTS (delivery_state_names))
    return NULL;
  return delivery_state_names[state];
}

/**
 * herald_delivery_state_from_string:
 * @str: a state name such as `sent`
 * @state: (out) (optional): return location for the state
 *
 * Parses the D-Bus string form of a delivery state.
 *
 * Returns: %TRUE if @str names a state
 *
 * Since: 0.1
 */
gboolean
herald_delivery_state_from_string (const char          *str,
                                   HeraldDeliveryState *state)
{
  g_return_val_if_fail (str != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (delivery_state_names); i++) {
    if (g_strcmp0 (str, delivery_state_names[i]) == 0) {
      if (state != NULL)
        *state = (HeraldDeliveryState) i;
      return TRUE;
    }
  }
  return FALSE;
}

/**
 * herald_delivery_state_is_final:
 * @state: a #HeraldDeliveryState
 *
 * Whether @state is final: a delivery that is sent, partly sent, failed or
 * cancelled changes state again only when herald_client_retry() asks for
 * another attempt.
 *
 * Returns: %TRUE for %HERALD_DELIVERY_STATE_SENT,
 *   %HERALD_DELIVERY_STATE_PARTIAL, %HERALD_DELIVERY_STATE_FAILED and
 *   %HERALD_DELIVERY_STATE_CANCELLED
 *
 * Since: 0.1
 */
gboolean
herald_delivery_state_is_final (HeraldDeliveryState state)
{
  return state == HERALD_DELIVERY_STATE_SENT ||
         state == HERALD_DELIVERY_STATE_PARTIAL ||
         state == HERALD_DELIVERY_STATE_FAILED ||
         state == HERALD_DELIVERY_STATE_CANCELLED;
}

/**
 * herald_urgency_to_string:
 * @urgency: a #HeraldUrgency
 *
 * Gets the name of @urgency: `low`, `normal` or `critical`.
 *
 * Returns: (transfer none) (nullable): the name of @urgency, or %NULL if
 *   @urgency is not a valid value
 *
 * Since: 0.1
 */
const char *
herald_urgency_to_string (HeraldUrgency urgency)
{
  if ((guint) urgency >= G_N_ELEMENTS (urgency_names))
    return NULL;
  return urgency_names[urgency];
}

/**
 * herald_urgency_from_string:
 * @str: `low`, `normal` or `critical`
 * @urgency: (out) (optional): return location for the urgency
 *
 * Parses the name of an urgency.
 *
 * Returns: %TRUE if @str names an urgency
 *
 * Since: 0.1
 */
gboolean
herald_urgency_from_string (const char    *str,
                            HeraldUrgency *urgency)
{
  g_return_val_if_fail (str != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (urgency_names); i++) {
    if (g_strcmp0 (str, urgency_names[i]) == 0) {
      if (urgency != NULL)
        *urgency = (HeraldUrgency) i;
      return TRUE;
    }
  }
  return FALSE;
}
