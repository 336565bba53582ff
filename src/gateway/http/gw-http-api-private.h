/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-http-api-private.h: shared by the parts of the HTTP door */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "gw-http-api.h"
#include "gw-http-api-settings.h"
#include "gw-metrics.h"
#include "gw-notification.h"

G_BEGIN_DECLS

/* RFC 6585; libsoup 3.2 names no constant for it. */
#define GW_HTTP_STATUS_TOO_MANY_REQUESTS 429

/* The owner's prefix of a token's idempotency keys: "http/" ID "/". */
#define GW_HTTP_API_KEY_PREFIX "http/"
/* The longest Idempotency-Key a client may give (the prefix and it stay
 * within a header line). */
#define GW_HTTP_API_MAX_CLIENT_KEY 200

struct _GwHttpApi {
  GObject            parent_instance;
  GwService         *service;      /* not a reference; NULL once unregistered */
  GwHttpServer      *server;
  GwApiTokens       *tokens;
  GwMetrics         *metrics;
  GwHttpApiSettings  settings;
  char              *state_dir;
  GBytes            *openapi;
};

/* A request answered later (after the commit): the message is paused and
 * both are referenced until gw_http_api_request_finish(). */
typedef struct {
  GwHttpApi         *api;
  SoupServerMessage *msg;
  GwApiToken        *token;
} GwHttpApiRequest;

GwHttpApiRequest *gw_http_api_request_new    (GwHttpApi         *api,
                                              SoupServerMessage *msg,
                                              GwApiToken        *token);
/* Unpauses the message (answered by then) and frees @request. */
void              gw_http_api_request_finish (GwHttpApiRequest  *request);

/* gw-http-api.c: answers */

void       gw_http_api_respond_json  (SoupServerMessage *msg,
                                      guint              status,
                                      JsonNode          *node);   /* takes @node */
/* A HeraldError as its HTTP status and {"error": D-Bus name, "message"}. */
void       gw_http_api_respond_error (SoupServerMessage *msg,
                                      const GError      *error);
void       gw_http_api_respond_status (SoupServerMessage *msg,
                                       guint              status,
                                       const char        *message);
guint      gw_http_api_status_for_error (const GError    *error);
/* Checks the bearer token; without a valid one answers 401 (or 429) and
 * returns NULL. (transfer full) */
GwApiToken *gw_http_api_authenticate (GwHttpApi         *self,
                                      SoupServerMessage *msg);
/* The request body, or NULL after answering 413 when it is larger than
 * @max_size. (transfer full) */
GBytes    *gw_http_api_take_body     (SoupServerMessage *msg,
                                      guint64            max_size);

/* gw-http-api-request.c: request bodies as notifications */

/*
 * A POST /v1/notifications body: application/json, or multipart/form-data
 * with a "notification" part (JSON) and a part with a file name for each
 * attachment. The JSON has Send's keys; see docs/openapi.yaml.
 * HERALD_ERROR_INVALID_ARGUMENT naming the field, HERALD_ERROR_TOO_LARGE,
 * HERALD_ERROR_NOT_SUPPORTED for another content type (415).
 */
GwNotification *gw_http_api_parse_notification (SoupMessageHeaders *headers,
                                                GBytes             *body,
                                                GError            **error);
/* The JSON object's fields as Send's a{sv} (attachments apart: @n gets
 * them when not NULL, after the rest was checked). */
GVariant       *gw_http_api_json_to_variant    (JsonObject         *object,
                                                GPtrArray          *attachments,
                                                GError            **error);
/* Strict base64 (RFC 4648 section 4; line breaks allowed): NULL with
 * HERALD_ERROR_INVALID_ARGUMENT for anything else. */
GBytes         *gw_http_api_decode_base64      (const char         *text,
                                                const char         *what,
                                                GError            **error);
/* Sets @n's idempotency key to the token's owner prefix and @client_key
 * (NULL: a random one). HERALD_ERROR_INVALID_ARGUMENT for a key that is
 * too long or not one line. */
gboolean        gw_http_api_set_owner_key      (GwNotification     *n,
                                                GwApiToken         *token,
                                                const char         *client_key,
                                                GError            **error);

/* gw-http-api-notifications.c */

void gw_http_api_handle_notifications (SoupServer        *server,
                                       SoupServerMessage *msg,
                                       const char        *path,
                                       GHashTable        *query,
                                       gpointer           user_data);
void gw_http_api_handle_alertmanager  (SoupServer        *server,
                                       SoupServerMessage *msg,
                                       const char        *path,
                                       GHashTable        *query,
                                       gpointer           user_data);

/* gw-http-api-submit.c: the one way from the HTTP door into the pipeline */

/* Called once with the delivery id, or NULL and the error. */
typedef void (*GwHttpApiSubmitFunc) (const char   *delivery_id,
                                     const GError *error,
                                     gpointer      user_data);
void gw_http_api_submit (GwHttpApi          *self,
                         GwNotification     *notification,
                         GwApiToken         *token,
                         GwHttpApiSubmitFunc done,
                         gpointer            user_data);

G_END_DECLS
