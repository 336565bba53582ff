/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-message-envelope.h: a complete message on its way to one routed
 * profile (what the composer is for a notification) */
#pragma once

#include "gw-envelope.h"
#include "gw-message-reader.h"
#include "gw-profile.h"
#include "gw-router.h"

G_BEGIN_DECLS

/*
 * The envelope that carries @message, unchanged, to @route's recipients
 * through @profile. The envelope sender is @sender (sendmail -f) when the
 * profile has allow-from-override, else the profile's from-address, else
 * @default_sender. Recipients are parsed with the profile's
 * strict-addresses and each is named once.
 * Errors: HERALD_ERROR_TOO_LARGE (the MIME attachments exceed the
 * profile's max-attachment-size), HERALD_ERROR_INVALID_ADDRESS,
 * HERALD_ERROR_NO_RECIPIENTS, HERALD_ERROR_NOT_SUPPORTED (the route's
 * transport takes recipients of its own kind: a complete message goes by
 * mail only).
 */
GwEnvelope *gw_message_envelope_new (GwProfile  *profile,
                                     GwMessage  *message,
                                     GwRoute    *route,
                                     const char *sender,
                                     const char *default_sender,
                                     GError    **error);

G_END_DECLS
