/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-intake.h: the one way into the queue, whichever door a notification
 * comes by
 *
 * A door (D-Bus, the HTTP API, the maildrop of herald-sendmail) turns its
 * request into a GwNotification (or a complete message) and a GwCaller and
 * hands both here. The pipeline knows no door. In order:
 *
 *   1. authorise  the caller holds what GW_OPERATION_SEND needs (gw-caller.c)
 *   2. rate       one Send from the caller's allowance (gw-quota.c)
 *   3. validate   what a notification from any door must satisfy
 *   4. route      the routing rules pick the profiles (gw-intake-plan.c)
 *   5. quotas     deliveries, and the bytes known before composing
 *   6. compose    the final MIME message for each profile (gw-composer.c),
 *                 then each transport's check of its content
 *                 (gw_transport_check_content(), gw-intake-plan.c);
 *                 attachments for links go into a batch of the spool
 *   7. quotas     the bytes of the composed messages
 *   8. commit     one transaction of the queue; the answer comes after it
 *
 * Every failure is a HeraldError, and nothing is left stored by half:
 * attachments a refused notification put in the spool are taken back.
 *
 * A complete RFC 5322 message (SendMessage, the maildrop) takes the same
 * steps: 3 is reading and checking the message (GMime) with its local
 * names resolved through the aliases, 4 routes it by its recipients and
 * header as a notification of category "sendmail", and 6 keeps it as it
 * is (adding only what a submission server adds), then each transport's
 * content check. Steps 5, 7 and 8 work on the same list of GwIntakeJob
 * (gw-intake-private.h), whatever made the envelopes.
 */
#pragma once

#include <gio/gio.h>

#include "gw-attachment-links.h"
#include "gw-caller.h"
#include "gw-config.h"
#include "gw-message-request.h"
#include "gw-notification.h"
#include "gw-plugin-loader.h"
#include "gw-profile-store.h"
#include "gw-queue.h"
#include "gw-quota.h"
#include "gw-router.h"

G_BEGIN_DECLS

#define GW_TYPE_INTAKE (gw_intake_get_type ())
G_DECLARE_FINAL_TYPE (GwIntake, gw_intake, GW, INTAKE, GObject)

/*
 * Opens the routing rules (CONFIG_DIR/routes.json) and takes the quotas
 * from @config. @links (nullable): the attachment spool, when the HTTP
 * server runs. (The dispatcher learns of what is queued from the queue's
 * "work-queued".)
 */
GwIntake  *gw_intake_new              (GwConfig          *config,
                                       GwProfileStore    *profiles,
                                       GwPluginLoader    *plugins,
                                       GwQueue           *queue,
                                       GwAttachmentLinks *links,
                                       GError           **error);
/* (transfer none) The routing rules, for the doors that read and set them. */
GwRouter  *gw_intake_get_router       (GwIntake          *self);
/* (transfer none) */
GwQuota   *gw_intake_get_quota        (GwIntake          *self);

/*
 * Runs the pipeline for @notification (transfer full: the intake keeps it
 * until the end) sent by @caller. @cancellable stops the request before
 * the commit; once the queue has it, it completes.
 */
void       gw_intake_send_async       (GwIntake          *self,
                                       GwCaller          *caller,
                                       GwNotification    *notification,
                                       GCancellable      *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer           user_data);
/*
 * The id of the delivery that now holds the notification (one delivery
 * per notification, with a job per profile it was routed to; a repeated
 * idempotency key gives the first delivery's id and stores nothing), or
 * NULL with a HeraldError: NOT_AUTHORIZED, QUOTA_EXCEEDED, INVALID_*,
 * NO_RECIPIENTS, NO_SUCH_PROFILE, TRANSPORT_UNAVAILABLE, TOO_LARGE,
 * NOT_SUPPORTED, STORAGE.
 */
char      *gw_intake_send_finish      (GwIntake          *self,
                                       GAsyncResult      *result,
                                       GError           **error);

/* Steps 1 and 3 to 6 without storing anything (CheckRoute): (transfer
 * full) GPtrArray of GwRoute, at least one, or NULL with a HeraldError.
 * @notification should carry no attachments. */
GPtrArray *gw_intake_check_route      (GwIntake          *self,
                                       GwCaller          *caller,
                                       GwNotification    *notification,
                                       GError           **error);

/*
 * The usage of @uid against its quotas (GetQuota), an a{sv}: uid (u),
 * queued-deliveries (t), max-queued-deliveries (t), stored-bytes (t),
 * queue-bytes (t), spool-bytes (t), max-stored-bytes (t),
 * sends-available (t), max-sends-per-minute (u); a max of 0 means no
 * limit. Another user's needs GW_RIGHT_READ_LOG (NOT_AUTHORIZED).
 */
GVariant  *gw_intake_get_usage        (GwIntake          *self,
                                       GwCaller          *caller,
                                       guint              uid,
                                       GError           **error);

/*
 * Runs the pipeline for a complete message (@message, transfer full) from
 * @caller (gw-intake-message.c). The reply comes after the commit.
 */
void       gw_intake_send_message_async  (GwIntake          *self,
                                          GwCaller          *caller,
                                          GwMessageRequest  *message,
                                          GCancellable      *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer           user_data);
/*
 * The delivery id, or NULL with a HeraldError: NOT_AUTHORIZED,
 * QUOTA_EXCEEDED, INVALID_ARGUMENT (a bad header, sender or recipient),
 * NO_RECIPIENTS, NO_SUCH_PROFILE, TRANSPORT_UNAVAILABLE, TOO_LARGE,
 * NOT_SUPPORTED, STORAGE.
 */
char      *gw_intake_send_message_finish (GwIntake          *self,
                                          GAsyncResult      *result,
                                          GError           **error);

/*
 * TestProfile's message to @recipient through @profile_name (steps 1, 3
 * and 6; nothing is queued, gw-intake-test.c): the envelope, with the
 * profile and its transport in @profile and @transport (transfer none),
 * or NULL with a HeraldError: NOT_AUTHORIZED, INVALID_ARGUMENT,
 * NO_SUCH_PROFILE, TRANSPORT_UNAVAILABLE, INVALID_*.
 */
GwEnvelope *gw_intake_compose_test    (GwIntake          *self,
                                       GwCaller          *caller,
                                       const char        *profile_name,
                                       const char        *recipient,
                                       GwProfile        **profile,
                                       GwTransport      **transport,
                                       GError           **error);

/* Send requests between their start and their commit. */
guint      gw_intake_get_in_flight    (GwIntake          *self);

G_END_DECLS
