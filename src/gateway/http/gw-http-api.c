/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-http-api.c: Herald's HTTP door: routes, tokens, answers, health
 *
 * The notification routes are in gw-http-api-notifications.c, the
 * parsing of request bodies in gw-http-api-request.c and the way into the
 * pipeline in gw-http-api-submit.c. This file registers the routes, checks
 * bearer tokens, writes answers and serves /metrics, /healthz, /readyz
 * and the OpenAPI document.
 */
#define G_LOG_DOMAIN "gw-http-api"

#include "config.h"

#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-alertmanager.h"
#include "gw-http-api-private.h"
#include "gw-metrics-hooks.h"
#include "gw-service-private.h"

#define OPENAPI_RESOURCE "/org/herald/gateway/openapi.yaml"
/* GET requests carry no body worth the name. */
#define SMALL_BODY       (64 * 1024)

G_DEFINE_FINAL_TYPE (GwHttpApi, gw_http_api, G_TYPE_OBJECT)

static void
gw_http_api_finalize (GObject *object)
{
  GwHttpApi *self = GW_HTTP_API (object);

  g_clear_object (&self->server);
  g_clear_object (&self->tokens);
  g_clear_pointer (&self->openapi, g_bytes_unref);
  g_free (self->state_dir);
  G_OBJECT_CLASS (gw_http_api_parent_class)->finalize (object);
}

static void
gw_http_api_class_init (GwHttpApiClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_http_api_finalize;
}

static void
gw_http_api_init (GwHttpApi *self)
{
}

/* ---- requests answered later ---- */

GwHttpApiRequest *
gw_http_api_request_new (GwHttpApi         *api,
                         SoupServerMessage *msg,
                         GwApiToken        *token)
{
  GwHttpApiRequest *request = g_new0 (GwHttpApiRequest, 1);

  request->api = g_object_ref (api);
  request->msg = g_object_ref (msg);
  request->token = token != NULL ? gw_api_token_ref (token) : NULL;
  soup_server_message_pause (msg);
  return request;
}

void
gw_http_api_request_finish (GwHttpApiRequest *request)
{
  soup_server_message_unpause (request->msg);
  g_object_unref (request->msg);
  g_object_unref (request->api);
  g_clear_pointer (&request->token, gw_api_token_unref);
  g_free (request);
}

/* ---- answers ---- */

void
gw_http_api_respond_json (SoupServerMessage *msg,
                          guint              status,
                          JsonNode          *node)
{
  g_autoptr(JsonNode) owned = node;
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  gsize length;
  char *text;

  json_generator_set_root (generator, owned);
  text = json_generator_to_data (generator, &length);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, length);
}

guint
gw_http_api_status_for_error (const GError *error)
{
  if (error->domain != HERALD_ERROR)
    return SOUP_STATUS_INTERNAL_SERVER_ERROR;
  switch ((HeraldError) error->code) {
  case HERALD_ERROR_INVALID_ARGUMENT:
  case HERALD_ERROR_INVALID_SETTING:
  case HERALD_ERROR_INVALID_ADDRESS:
  case HERALD_ERROR_NO_RECIPIENTS:
  case HERALD_ERROR_NO_SUCH_PROFILE:
  case HERALD_ERROR_INVALID_MESSAGE:
    return SOUP_STATUS_BAD_REQUEST;
  case HERALD_ERROR_TOO_LARGE:
    return SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE;
  case HERALD_ERROR_NOT_AUTHORIZED:
    return SOUP_STATUS_FORBIDDEN;
  case HERALD_ERROR_NO_SUCH_DELIVERY:
    return SOUP_STATUS_NOT_FOUND;
  case HERALD_ERROR_INVALID_STATE:
    return SOUP_STATUS_CONFLICT;
  case HERALD_ERROR_TRANSPORT_UNAVAILABLE:
  case HERALD_ERROR_NOT_SUPPORTED:
    return SOUP_STATUS_UNPROCESSABLE_ENTITY;
  case HERALD_ERROR_STORAGE:
    return SOUP_STATUS_SERVICE_UNAVAILABLE;
  case HERALD_ERROR_QUOTA_EXCEEDED:  /* the daemon's uid is over a [quotas] limit */
    return GW_HTTP_STATUS_TOO_MANY_REQUESTS;
  case HERALD_ERROR_FAILED:
  case HERALD_ERROR_PROFILE_EXISTS:
  case HERALD_ERROR_SECRET_STORE:
  case HERALD_ERROR_NO_SUCH_TOKEN:
  case HERALD_ERROR_TOKEN_EXISTS:
  case HERALD_ERROR_SIGN_IN_FAILED:
  case HERALD_ERROR_LAST:
  default:
    return SOUP_STATUS_INTERNAL_SERVER_ERROR;
  }
}

void
gw_http_api_respond_error (SoupServerMessage *msg,
                           const GError      *error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  HeraldError code = error->domain == HERALD_ERROR ? (HeraldError) error->code : HERALD_ERROR_FAILED;
  guint status = gw_http_api_status_for_error (error);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, herald_error_to_dbus_name (code));
  json_builder_set_member_name (builder, "message");
  /* Internal failures are logged, not shown: they may name files. */
  json_builder_add_string_value (builder, status == SOUP_STATUS_INTERNAL_SERVER_ERROR
                                          ? _("The gateway failed; see its log")
                                          : error->message);
  json_builder_end_object (builder);
  if (status == SOUP_STATUS_INTERNAL_SERVER_ERROR)
    g_warning ("HTTP API request failed: %s", error->message);
  gw_http_api_respond_json (msg, status, json_builder_get_root (builder));
}

void
gw_http_api_respond_status (SoupServerMessage *msg,
                            guint              status,
                            const char        *message)
{
  soup_server_message_set_status (msg, status, NULL);
  if (message != NULL)
    soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY,
                                      message, strlen (message));
}

/* ---- tokens ---- */

/* "Bearer TOKEN" (the scheme in any case, RFC 9110 section 11.1), or NULL. */
static const char *
bearer_of (const char *authorization)
{
  if (authorization == NULL || g_ascii_strncasecmp (authorization, "Bearer ", 7) != 0)
    return NULL;
  authorization += 7;
  while (*authorization == ' ')
    authorization++;
  return authorization;
}

GwApiToken *
gw_http_api_authenticate (GwHttpApi         *self,
                          SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autoptr(GwApiToken) token = NULL;
  gint64 retry_after = 0;
  GwApiTokenVerdict verdict;

  verdict = gw_api_tokens_verify (self->tokens,
                                  bearer_of (soup_message_headers_get_one (headers, "Authorization")),
                                  g_get_monotonic_time (), &token, &retry_after);
  if (verdict == GW_API_TOKEN_VALID)
    return g_steal_pointer (&token);
  if (verdict == GW_API_TOKEN_RATE_LIMITED) {
    g_autofree char *seconds = g_strdup_printf ("%" G_GINT64_FORMAT,
                                                MAX (1, (retry_after + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC));

    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", seconds);
    gw_http_api_respond_status (msg, GW_HTTP_STATUS_TOO_MANY_REQUESTS, NULL);
    g_info ("HTTP API: token %s is over its rate of %u a minute", token->name, token->rate);
    return NULL;
  }
  /* No detail: a missing, malformed, unknown and removed token look alike. */
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "WWW-Authenticate",
                                "Bearer realm=\"herald\"");
  gw_http_api_respond_status (msg, SOUP_STATUS_UNAUTHORIZED, NULL);
  return NULL;
}

GBytes *
gw_http_api_take_body (SoupServerMessage *msg,
                       guint64            max_size)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  /* The HTTP server's route cap (add_route()) refuses a larger body
   * before it is read; this check keeps the promise on its own. */
  if (body->length < 0 || (guint64) body->length > max_size) {
    g_autoptr(GError) error = g_error_new (HERALD_ERROR, HERALD_ERROR_TOO_LARGE,
                                           _("The request body is larger than %" G_GUINT64_FORMAT " bytes"),
                                           max_size);
    gw_http_api_respond_error (msg, error);
    return NULL;
  }
  return soup_message_body_flatten (body);
}

/* ---- /healthz, /readyz, /metrics, /v1/openapi.yaml ---- */

static gboolean
method_is (SoupServerMessage *msg,
           const char        *allowed)
{
  const char *method = soup_server_message_get_method (msg);

  if (g_str_equal (method, allowed) || (g_str_equal (allowed, "GET") && g_str_equal (method, "HEAD")))
    return TRUE;
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", allowed);
  gw_http_api_respond_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
  return FALSE;
}

static void
healthz_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  if (method_is (msg, "GET"))
    gw_http_api_respond_status (msg, SOUP_STATUS_OK, "ok\n");
}

/* The queue can take work: it is open and its database answers, its
 * files can be written, and the disk has room left. */
static gboolean
check_ready (GwHttpApi  *self,
             char      **reason)
{
  g_autofree char *queue_path = g_build_filename (self->state_dir, "queue.db", NULL);
  g_autoptr(GVariant) counts = NULL;
  struct statvfs st;

  if (self->service == NULL || self->service->queue == NULL) {
    *reason = g_strdup ("shutting down");
    return FALSE;
  }
  counts = gw_queue_count_by_state (self->service->queue, NULL);
  if (counts == NULL) {
    *reason = g_strdup ("the queue cannot be read");
    return FALSE;
  }
  if (access (queue_path, W_OK) != 0 || access (self->state_dir, W_OK | X_OK) != 0) {
    *reason = g_strdup ("the queue is not writable");
    return FALSE;
  }
  if (statvfs (self->state_dir, &st) != 0 ||
      (guint64) st.f_bavail * (guint64) st.f_frsize < self->settings.min_free_space) {
    *reason = g_strdup ("the disk is full");
    return FALSE;
  }
  return TRUE;
}

static void
readyz_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  g_autofree char *reason = NULL;
  g_autofree char *text = NULL;

  if (!method_is (msg, "GET"))
    return;
  if (check_ready (GW_HTTP_API (user_data), &reason)) {
    gw_http_api_respond_status (msg, SOUP_STATUS_OK, "ready\n");
    return;
  }
  text = g_strdup_printf ("not ready: %s\n", reason);
  gw_http_api_respond_status (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, text);
}

static void
metrics_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  GwHttpApi *self = GW_HTTP_API (user_data);
  g_autofree char *text = NULL;
  gsize length;

  if (!method_is (msg, "GET"))
    return;
  if (self->settings.metrics_require_token) {
    g_autoptr(GwApiToken) token = gw_http_api_authenticate (self, msg);
    if (token == NULL)
      return;
  }
  text = gw_metrics_render (self->metrics);
  length = strlen (text);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, GW_METRICS_CONTENT_TYPE, SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&text), length);
}

static void
openapi_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  GwHttpApi *self = GW_HTTP_API (user_data);
  gsize length;
  gconstpointer data;

  if (!method_is (msg, "GET"))
    return;
  data = g_bytes_get_data (self->openapi, &length);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/yaml", SOUP_MEMORY_COPY, data, length);
}

/* herald_queue_deliveries, read at each scrape. */
static void
collect_queue (GwMetrics *metrics,
               gpointer   user_data)
{
  GwHttpApi *self = GW_HTTP_API (user_data);
  GwMetricFamily *family = gw_metrics_get_queue_family ();
  g_autoptr(GVariant) counts = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter iter;
  const char *state;
  guint64 count;

  if (self->service == NULL || self->service->queue == NULL)
    return;
  counts = gw_queue_count_by_state (self->service->queue, &error);
  if (counts == NULL) {
    g_warning ("Cannot count the queue for /metrics: %s", error->message);
    return;
  }
  gw_metric_family_clear (family);
  g_variant_iter_init (&iter, counts);
  while (g_variant_iter_next (&iter, "{&st}", &state, &count))
    gw_metric_family_set (family, (const char * const[]){ state, NULL }, (double) count);
}

/* ---- routes ---- */

/* Every route declares its body cap: the server answers a larger body 413
 * before buffering it (gw-http-server-conn.c). */
static void
add_route (GwHttpApi          *self,
           const char         *prefix,
           guint64             max_body_size,
           SoupServerCallback  callback)
{
  GwHttpRouteLimits limits = { max_body_size, 0 };

  /* On failure the server does not take the reference. */
  if (!gw_http_server_add_route (self->server, prefix, &limits, callback, g_object_ref (self),
                                 g_object_unref)) {
    g_object_unref (self);
    g_warning ("The HTTP API cannot serve %s", prefix);
  }
}

static const char * const prefixes[] = {
  "/v1/notifications", "/v1/alertmanager", "/v1/openapi.yaml", "/metrics", "/healthz", "/readyz"
};

GwHttpApi *
gw_http_api_new (GwService    *service,
                 GwConfig     *config,
                 GwHttpServer *server,
                 GwApiTokens  *tokens)
{
  GwHttpApi *self = g_object_new (GW_TYPE_HTTP_API, NULL);

  self->service = service;
  self->server = g_object_ref (server);
  self->tokens = g_object_ref (tokens);
  self->metrics = gw_metrics_get_default ();
  self->settings = *gw_config_get_http_api_settings (config);
  self->state_dir = g_strdup (gw_config_get_state_dir (config));
  self->openapi = g_resources_lookup_data (OPENAPI_RESOURCE, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  if (self->openapi == NULL)
    self->openapi = g_bytes_new_static ("", 0);
  gw_metrics_add_collector (self->metrics, collect_queue, self, NULL);

  add_route (self, prefixes[0], self->settings.max_body_size, gw_http_api_handle_notifications);
  add_route (self, prefixes[1], GW_ALERTMANAGER_MAX_PAYLOAD, gw_http_api_handle_alertmanager);
  add_route (self, prefixes[2], SMALL_BODY, openapi_cb);
  add_route (self, prefixes[3], SMALL_BODY, metrics_cb);
  add_route (self, prefixes[4], SMALL_BODY, healthz_cb);
  add_route (self, prefixes[5], SMALL_BODY, readyz_cb);
  g_info ("HTTP API served under %s/v1/ (metrics %s a token)",
          gw_http_server_get_public_base_url (server),
          self->settings.metrics_require_token ? "need" : "do not need");
  return self;
}

void
gw_http_api_unregister (GwHttpApi *self)
{
  g_return_if_fail (GW_IS_HTTP_API (self));

  if (self->service == NULL)
    return;
  gw_metrics_remove_collector (self->metrics, self);
  for (guint i = 0; i < G_N_ELEMENTS (prefixes); i++)
    gw_http_server_remove_handler (self->server, prefixes[i]);
  self->service = NULL;
}
