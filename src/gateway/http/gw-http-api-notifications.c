/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-http-api-notifications.c: /v1/notifications and /v1/alertmanager
 *
 * Every check comes before gw_http_api_submit(): the token (401, 429),
 * the body's size (413), its form and content (400, 413, 415), the
 * token's scope (403). The answer 202 waits for the commit.
 */
#define G_LOG_DOMAIN "gw-http-api"

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-alertmanager.h"
#include "gw-http-api-private.h"
#include "gw-service-private.h"

#define PATH_PREFIX "/v1/notifications"
#define UUID_LENGTH 36

static void
submitted_cb (const char   *delivery_id,
              const GError *error,
              gpointer      user_data)
{
  GwHttpApiRequest *request = user_data;

  if (delivery_id == NULL) {
    gw_http_api_respond_error (request->msg, error);
  } else {
    g_autoptr(JsonBuilder) builder = json_builder_new ();
    g_autofree char *location = g_strconcat (PATH_PREFIX "/", delivery_id, NULL);

    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "id");
    json_builder_add_string_value (builder, delivery_id);
    json_builder_end_object (builder);
    soup_message_headers_replace (soup_server_message_get_response_headers (request->msg),
                                  "Location", location);
    gw_http_api_respond_json (request->msg, SOUP_STATUS_ACCEPTED, json_builder_get_root (builder));
  }
  gw_http_api_request_finish (request);
}

/* Scope, owner key, then the pipeline; answers @msg in any case. Takes
 * @n. */
static void
check_and_submit (GwHttpApi         *self,
                  SoupServerMessage *msg,
                  GwApiToken        *token,
                  GwNotification    *n,
                  const char        *client_key)
{
  g_autoptr(GwNotification) owned = n;
  g_autoptr(GError) error = NULL;

  if (!gw_api_token_apply_scope (token, owned, &error) ||
      !gw_http_api_set_owner_key (owned, token, client_key, &error)) {
    gw_http_api_respond_error (msg, error);
    return;
  }
  gw_http_api_submit (self, g_steal_pointer (&owned), token, submitted_cb,
                      gw_http_api_request_new (self, msg, token));
}

/* The Idempotency-Key header, or the body's key; both must agree. */
static gboolean
client_key_of (SoupServerMessage  *msg,
               GwNotification     *n,
               char              **key,
               GError            **error)
{
  const char *header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Idempotency-Key");

  if (header != NULL && n->idempotency_key != NULL && !g_str_equal (header, n->idempotency_key)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                 _("The Idempotency-Key header and the body's idempotency-key differ"));
    return FALSE;
  }
  *key = g_strdup (header != NULL ? header : n->idempotency_key);
  return TRUE;
}

static void
post_notification (GwHttpApi         *self,
                   SoupServerMessage *msg)
{
  g_autoptr(GwApiToken) token = gw_http_api_authenticate (self, msg);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GwNotification) n = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *client_key = NULL;

  if (token == NULL)
    return;
  body = gw_http_api_take_body (msg, self->settings.max_body_size);
  if (body == NULL)
    return;
  n = gw_http_api_parse_notification (soup_server_message_get_request_headers (msg), body, &error);
  if (n == NULL || !client_key_of (msg, n, &client_key, &error)) {
    gw_http_api_respond_error (msg, error);
    /* a body of another type: 415 rather than NotSupported's 422 */
    if (n == NULL && g_error_matches (error, HERALD_ERROR, HERALD_ERROR_NOT_SUPPORTED))
      soup_server_message_set_status (msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, NULL);
    return;
  }
  check_and_submit (self, msg, token, g_steal_pointer (&n), client_key);
}

/* Whether @token sent delivery @id: the daemon's own uid (the HTTP
 * door's, gw-http-api-submit.c) and the token's key prefix, which a
 * D-Bus caller of another uid cannot borrow. Answers 404 (the same as
 * for an id that does not exist) when not. */
static gboolean
check_owner (GwHttpApi         *self,
             SoupServerMessage *msg,
             GwApiToken        *token,
             const char        *id)
{
  g_autofree char *prefix = g_strconcat (GW_HTTP_API_KEY_PREFIX, token->id, "/", NULL);
  g_autofree char *key = NULL;
  g_autoptr(GError) error = NULL;

  if (strlen (id) == UUID_LENGTH && g_uuid_string_is_valid (id))
    key = gw_queue_get_idempotency_key (self->service->queue, id, getuid (), &error);
  if (key != NULL && g_str_has_prefix (key, prefix))
    return TRUE;
  if (key == NULL && error != NULL && !g_error_matches (error, HERALD_ERROR, HERALD_ERROR_NO_SUCH_DELIVERY)) {
    gw_http_api_respond_error (msg, error);
    return FALSE;
  }
  g_clear_error (&error);
  g_set_error (&error, HERALD_ERROR, HERALD_ERROR_NO_SUCH_DELIVERY, _("No delivery has the id “%s”"), id);
  gw_http_api_respond_error (msg, error);
  return FALSE;
}

static void
get_notification (GwHttpApi         *self,
                  SoupServerMessage *msg,
                  GwApiToken        *token,
                  const char        *id)
{
  g_autoptr(GVariant) delivery = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  if (!check_owner (self, msg, token, id))
    return;
  delivery = gw_service_get_delivery (self->service, id, &error);
  if (delivery == NULL) {
    gw_http_api_respond_error (msg, error);
    return;
  }
  /* The uid is the daemon's own for every HTTP delivery: nothing to say. */
  g_variant_dict_init (&dict, delivery);
  g_variant_dict_remove (&dict, "caller-uid");
  gw_http_api_respond_json (msg, SOUP_STATUS_OK, json_gvariant_serialize (g_variant_dict_end (&dict)));
}

static void
cancelled_cb (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  GwHttpApiRequest *request = user_data;
  g_autoptr(GError) error = NULL;

  if (!gw_service_cancel_finish (GW_SERVICE (source), res, &error))
    gw_http_api_respond_error (request->msg, error);
  else
    soup_server_message_set_status (request->msg, SOUP_STATUS_NO_CONTENT, NULL);
  gw_http_api_request_finish (request);
}

static void
delete_notification (GwHttpApi         *self,
                     SoupServerMessage *msg,
                     GwApiToken        *token,
                     const char        *id)
{
  if (!check_owner (self, msg, token, id))
    return;
  gw_service_cancel_async (self->service, id, cancelled_cb, gw_http_api_request_new (self, msg, token));
}

void
gw_http_api_handle_notifications (SoupServer        *server,
                                  SoupServerMessage *msg,
                                  const char        *path,
                                  GHashTable        *query,
                                  gpointer           user_data)
{
  GwHttpApi *self = GW_HTTP_API (user_data);
  const char *method = soup_server_message_get_method (msg);
  g_autoptr(GwApiToken) token = NULL;
  const char *id;

  if (self->service == NULL) {
    gw_http_api_respond_status (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
    return;
  }
  if (g_str_equal (path, PATH_PREFIX) || g_str_equal (path, PATH_PREFIX "/")) {
    if (!g_str_equal (method, "POST")) {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "POST");
      gw_http_api_respond_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }
    post_notification (self, msg);
    return;
  }
  id = path + strlen (PATH_PREFIX "/");
  if (!g_str_has_prefix (path, PATH_PREFIX "/") || strchr (id, '/') != NULL) {
    gw_http_api_respond_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
    return;
  }
  if (!g_str_equal (method, "GET") && !g_str_equal (method, "HEAD") && !g_str_equal (method, "DELETE")) {
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "GET, DELETE");
    gw_http_api_respond_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
    return;
  }
  token = gw_http_api_authenticate (self, msg);
  if (token == NULL)
    return;
  if (g_str_equal (method, "DELETE"))
    delete_notification (self, msg, token, id);
  else
    get_notification (self, msg, token, id);
}

/* ---- POST /v1/alertmanager ---- */

/* The recipients and profile of the webhook URL's query: Alertmanager's
 * receiver says where its alerts go ("?to=ops@example.org&to=..."). */
static gboolean
add_query (GVariantDict      *dict,
           SoupServerMessage *msg,
           GError           **error)
{
  static const char * const lists[] = { "to", "cc", "bcc", "fax" };
  const char *query = g_uri_get_query (soup_server_message_get_uri (msg));
  g_autoptr(GPtrArray) to = NULL;
  g_autoptr(GPtrArray) cc = NULL;
  g_autoptr(GPtrArray) bcc = NULL;
  g_autoptr(GPtrArray) fax = NULL;
  GPtrArray **values[] = { &to, &cc, &bcc, &fax };
  g_autoptr(GError) local_error = NULL;
  GUriParamsIter iter;
  char *name, *value;

  if (query == NULL)
    return TRUE;
  g_uri_params_iter_init (&iter, query, -1, "&", G_URI_PARAMS_NONE);
  while (g_uri_params_iter_next (&iter, &name, &value, &local_error)) {
    G_GNUC_UNUSED g_autofree char *owned_name = name;
    g_autofree char *owned_value = value;
    gboolean known = FALSE;

    for (guint i = 0; i < G_N_ELEMENTS (lists) && !known; i++) {
      if (!g_str_equal (name, lists[i]))
        continue;
      if (*values[i] == NULL)
        *values[i] = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (*values[i], g_steal_pointer (&owned_value));
      known = TRUE;
    }
    if (!known && g_str_equal (name, "profile")) {
      g_variant_dict_insert (dict, "profile", "s", owned_value);
      known = TRUE;
    }
    if (!known) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                   _("Unknown query parameter “%s”: use to, cc, bcc, fax or profile"), name);
      return FALSE;
    }
  }
  if (local_error != NULL) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                 _("The query of the URL cannot be read: %s"), local_error->message);
    return FALSE;
  }
  for (guint i = 0; i < G_N_ELEMENTS (lists); i++) {
    if (*values[i] == NULL)
      continue;
    g_ptr_array_add (*values[i], NULL);
    g_variant_dict_insert (dict, lists[i], "^as", (*values[i])->pdata);
  }
  return TRUE;
}

void
gw_http_api_handle_alertmanager (SoupServer        *server,
                                 SoupServerMessage *msg,
                                 const char        *path,
                                 GHashTable        *query,
                                 gpointer           user_data)
{
  GwHttpApi *self = GW_HTTP_API (user_data);
  g_autoptr(GwApiToken) token = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GVariant) converted = NULL;
  g_autoptr(GVariant) request = NULL;
  g_autoptr(GwNotification) n = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autofree char *key = NULL;
  const char *data;
  gsize length;

  if (self->service == NULL) {
    gw_http_api_respond_status (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
    return;
  }
  if (!g_str_equal (path, "/v1/alertmanager")) {
    gw_http_api_respond_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
    return;
  }
  if (!g_str_equal (soup_server_message_get_method (msg), "POST")) {
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "POST");
    gw_http_api_respond_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
    return;
  }
  token = gw_http_api_authenticate (self, msg);
  if (token == NULL)
    return;
  body = gw_http_api_take_body (msg, GW_ALERTMANAGER_MAX_PAYLOAD);
  if (body == NULL)
    return;
  data = g_bytes_get_data (body, &length);
  converted = gw_alertmanager_convert (data != NULL ? data : "", length, &error);
  if (converted != NULL) {
    g_variant_dict_init (&dict, converted);
    if (add_query (&dict, msg, &error)) {
      request = g_variant_ref_sink (g_variant_dict_end (&dict));
      n = gw_notification_new_from_variant (request, NULL, &error);
    }
  }
  if (n == NULL) {
    g_info ("HTTP API: webhook of token %s refused: %s", token->name, error->message);
    gw_http_api_respond_error (msg, error);
    return;
  }
  /* The key of the alert group's state: a retried webhook is absorbed. */
  key = g_strdup (n->idempotency_key);
  check_and_submit (self, msg, token, g_steal_pointer (&n), key);
}
