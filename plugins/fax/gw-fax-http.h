/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-fax-http.h: the HTTP fax API backend's status words and webhooks */
#pragma once

#include "gw-fax-backend.h"

G_BEGIN_DECLS

/* A provider's fax status ("queued", "sending", "delivered", "failed", ...)
 * as a recipient status: SENT, PERMFAIL, or SUBMITTED while it works. */
GwRecipientStatus gw_fax_http_map_status      (const char *status);

/*
 * Checks a webhook request: @signature_header is the value of
 * GW_FAX_WEBHOOK_SIGNATURE_HEADER, "t=UNIX-SECONDS,v1=HEX", where HEX is
 * HMAC-SHA256 keyed with the profile's fax-webhook-secret over
 * "UNIX-SECONDS." followed by the raw body; the time must be within
 * GW_FAX_WEBHOOK_TOLERANCE seconds of @now (seconds since the epoch).
 * On success returns the fax id and sets @status from the body
 * ({"data": {"event_type": ..., "payload": {"fax_id": ..., "status": ...}}}).
 * Errors: G_IO_ERROR_PERMISSION_DENIED (signature), G_IO_ERROR_INVALID_DATA.
 */
#define GW_FAX_WEBHOOK_SIGNATURE_HEADER "X-Herald-Fax-Signature"
#define GW_FAX_WEBHOOK_TOLERANCE 300

char             *gw_fax_webhook_verify       (const char *secret,
                                               const char *signature_header,
                                               GBytes     *body,
                                               gint64      now,
                                               char      **status,
                                               GError    **error);

/* Webhooks arrive at BASE/fax/webhook/PROFILE-NAME on Herald's HTTP
 * server; without fax-webhook-url the send-fax request names that URL. */
#define GW_FAX_WEBHOOK_PREFIX "/fax/webhook/"
/* The route's body cap: the server answers 413 to a larger body before it
 * is read; the handler never sees one. */
#define GW_FAX_WEBHOOK_MAX_BODY (64 * 1024)

/* Serves a webhook (the transport's HTTP route at GW_FAX_WEBHOOK_PREFIX). */
void              gw_fax_webhook_serve        (GwTransport       *transport,
                                               SoupServerMessage *msg,
                                               const char        *path,
                                               GHashTable        *query);
/* The webhook URL for @profile: fax-webhook-url, or Herald's own. */
char             *gw_fax_webhook_url          (GwTransport *transport,
                                               GwProfile   *profile);

G_END_DECLS
