/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-http-api.h: Herald's HTTP door
 *
 *   POST   /v1/notifications        a notification (JSON, or multipart/form-data
 *                                   with attachments); 202 with its delivery id
 *   GET    /v1/notifications/{id}   a delivery the token sent
 *   DELETE /v1/notifications/{id}   cancels it
 *   POST   /v1/alertmanager         an Alertmanager or Grafana webhook
 *   GET    /v1/openapi.yaml         the OpenAPI document (docs/openapi.yaml)
 *   GET    /metrics                 Prometheus text format
 *   GET    /healthz, /readyz        the process is up; the queue can take work
 *
 * Served on the daemon's GwHttpServer when heraldd.conf sets [http]
 * api=true. Requests under /v1/ (and /metrics with metrics-require-token)
 * carry "Authorization: Bearer hrld_..." (gw-api-tokens.h): a missing or
 * unknown token is 401 with no detail, a request out of the token's scope
 * 403, one over its rate 429 with Retry-After; every check is made before
 * anything is stored, and 202 comes only after the commit.
 *
 * A token owns the deliveries it sent: GET and DELETE of another's (or of
 * one sent over D-Bus) answer 404. Ownership is kept in the delivery's
 * idempotency key, which the API always sets to "http/TOKEN-ID/" and the
 * client's Idempotency-Key (or a random one): so a client's keys are per
 * token, as Send's are per caller, within the queue's 24 hours.
 */
#pragma once

#include "gw-api-tokens.h"
#include "gw-http-server.h"
#include "gw-service.h"

G_BEGIN_DECLS

#define GW_TYPE_HTTP_API (gw_http_api_get_type ())
G_DECLARE_FINAL_TYPE (GwHttpApi, gw_http_api, GW, HTTP_API, GObject)

/* Registers the routes on @server. @service is not referenced: it owns the
 * API and drops it (gw_http_api_unregister()) before it goes. */
GwHttpApi *gw_http_api_new        (GwService    *service,
                                   GwConfig     *config,
                                   GwHttpServer *server,
                                   GwApiTokens  *tokens);
/* Removes the routes; requests in flight are answered 503. */
void       gw_http_api_unregister (GwHttpApi    *self);

G_END_DECLS
