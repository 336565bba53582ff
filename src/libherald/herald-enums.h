/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-enums.h: enumerations of the Herald client library */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * HeraldDeliveryState:
 * @HERALD_DELIVERY_STATE_QUEUED: accepted and waiting for its first attempt
 * @HERALD_DELIVERY_STATE_SENDING: an attempt is in progress
 * @HERALD_DELIVERY_STATE_SENT: delivered; final
 * @HERALD_DELIVERY_STATE_DEFERRED: an attempt failed temporarily; another
 *   attempt follows at the delivery's next-attempt time
 * @HERALD_DELIVERY_STATE_FAILED: failed permanently or expired; final
 * @HERALD_DELIVERY_STATE_CANCELLED: cancelled before it was sent; final
 * @HERALD_DELIVERY_STATE_SUBMITTED: accepted by a server that sends it
 *   later (a fax server or fax API), not yet sent; Herald asks the server
 *   for its state until it is sent or failed
 * @HERALD_DELIVERY_STATE_PARTIAL: sent to some recipients while the others
 *   were refused for good or expired; final (Since: 0.1). Each recipient's
 *   own result is in herald_delivery_get_recipients(), a line for people
 *   in herald_delivery_get_summary(). herald_client_retry() tries the
 *   refused recipients again.
 *
 * The state of a delivery. On D-Bus each state is a lower-case string, see
 * herald_delivery_state_to_string(); its nick in the #GEnumClass is the same
 * string. Clients should treat a state string they do not know as final
 * and ask for the delivery again.
 *
 * Since: 0.1
 */
typedef enum {
  HERALD_DELIVERY_STATE_QUEUED,
  HERALD_DELIVERY_STATE_SENDING,
  HERALD_DELIVERY_STATE_SENT,
  HERALD_DELIVERY_STATE_DEFERRED,
  HERALD_DELIVERY_STATE_FAILED,
  HERALD_DELIVERY_STATE_CANCELLED,
  HERALD_DELIVERY_STATE_SUBMITTED,
  HERALD_DELIVERY_STATE_PARTIAL,
} HeraldDeliveryState;

/**
 * HeraldUrgency:
 * @HERALD_URGENCY_LOW: low urgency
 * @HERALD_URGENCY_NORMAL: normal urgency, the default
 * @HERALD_URGENCY_CRITICAL: critical urgency
 *
 * The urgency of a notification, as in the desktop notification
 * specification. Routing rules may match on it.
 *
 * Since: 0.1
 */
typedef enum {
  HERALD_URGENCY_LOW,
  HERALD_URGENCY_NORMAL,
  HERALD_URGENCY_CRITICAL,
} HeraldUrgency;

/**
 * HeraldSignInFlow:
 * @HERALD_SIGN_IN_FLOW_DEVICE: the device authorisation grant (RFC 8628):
 *   the person opens a verification URI on any device and enters a code
 * @HERALD_SIGN_IN_FLOW_BROWSER: the authorisation code grant with PKCE:
 *   the person opens a URL in a browser on the gateway's machine, which
 *   redirects to the gateway's listener on 127.0.0.1
 *
 * How a person signs a profile in to its OAuth 2.0 provider
 * (herald_client_sign_in()).
 *
 * Since: 0.1
 */
typedef enum {
  HERALD_SIGN_IN_FLOW_DEVICE,
  HERALD_SIGN_IN_FLOW_BROWSER,
} HeraldSignInFlow;

const char  *herald_delivery_state_to_string   (HeraldDeliveryState  state);
gboolean     herald_delivery_state_from_string (const char          *str,
                                                HeraldDeliveryState *state);
gboolean     herald_delivery_state_is_final    (HeraldDeliveryState  state);

const char  *herald_urgency_to_string          (HeraldUrgency        urgency);
gboolean     herald_urgency_from_string        (const char          *str,
                                                HeraldUrgency       *urgency);

G_END_DECLS
