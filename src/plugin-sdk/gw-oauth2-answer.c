/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-oauth2-answer.c: what an OAuth 2.0 token endpoint answered
 *
 * RFC 6749 section 5: access_token, token_type, expires_in and perhaps a
 * rotated refresh_token on success; error and error_description on
 * failure. Credentials in the parsed answer are wiped before it is freed;
 * the endpoint's own words reach an error message only sanitized.
 */
#define G_LOG_DOMAIN "gw-oauth2"

#include "config.h"

#include <string.h>

#include <gnutls/gnutls.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <glib/gi18n-lib.h>

#include "gw-json-text.h"
#include "gw-oauth2-private.h"
#include "gw-secret.h"

JsonObject *
gw_oauth2_parse_object (JsonParser *parser,
                        GBytes     *body)
{
  gsize size = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &size) : NULL;

  /* Checked first: json-glib recurses into every bracket (gw-json-text.c). */
  if (size > 0 && gw_json_text_check (data, size, GW_JSON_TEXT_MAX_DEPTH) == GW_JSON_TEXT_OK &&
      json_parser_load_from_data (parser, data, (gssize) size, NULL) &&
      json_parser_get_root (parser) != NULL && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return json_node_get_object (json_parser_get_root (parser));
  return NULL;
}

const char *
gw_oauth2_get_string_member (JsonObject *object,
                             const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

void
gw_oauth2_wipe_member (JsonObject *object,
                       const char *member)
{
  const char *value = gw_oauth2_get_string_member (object, member);

  if (value != NULL)
    gnutls_memset ((char *) value, 0, strlen (value));
}

gint64
gw_oauth2_get_int_member (JsonObject *object,
                          const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;
  guint64 value = 0;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return -1;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return CLAMP (json_node_get_int (node), 0, G_MAXINT32);
  if (json_node_get_value_type (node) == G_TYPE_STRING &&
      g_ascii_string_to_unsigned (json_node_get_string (node), 10, 0, G_MAXINT32, &value, NULL))
    return (gint64) value;
  return -1;
}

char *
gw_oauth2_mask (const char         *text,
                const char * const *secrets)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (const char *p = text; *p != '\0' && out->len < GW_OAUTH2_MAX_SHOWN; p++)
    g_string_append_c (out, (*p >= 0x20 && *p < 0x7f) ? *p : '?');
  for (guint i = 0; secrets != NULL && secrets[i] != NULL; i++) {
    if (strlen (secrets[i]) >= 4)
      g_string_replace (out, secrets[i], "(hidden)", 0);
  }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Stores a rotated refresh token back as the profile's secret: the
 * secret store writes it atomically (a new file renamed over the old,
 * 0600), so a crash leaves the old token or the new one, never neither. */
static gboolean
store_refresh_token (GwOAuth2Refresh *refresh, const char *rotated)
{
  g_autoptr(GError) error = NULL;

  if (!gw_profile_store_secret (refresh->profile, "oauth2-refresh-token", rotated, &error)) {
    g_warning ("Cannot store the rotated OAuth 2.0 refresh token of profile “%s”: %s",
               refresh->name, error->message);
    return FALSE;
  }
  g_debug ("Stored the rotated refresh token of profile “%s”", refresh->name);
  return TRUE;
}

const char *
gw_oauth2_cache_token (GwOAuth2   *self,
                       const char *name,
                       const char *source,
                       const char *token,
                       gint64      expires_in)
{
  gint64 lifetime = expires_in < 0 ? GW_OAUTH2_DEFAULT_LIFETIME_S : expires_in;
  GwOAuth2CachedToken *cached;

  lifetime = lifetime > 2 * GW_OAUTH2_EXPIRY_MARGIN_S ? lifetime - GW_OAUTH2_EXPIRY_MARGIN_S : lifetime / 2;
  cached = g_new0 (GwOAuth2CachedToken, 1);
  cached->token = g_strdup (token);
  cached->expires_at = g_get_monotonic_time () + lifetime * G_USEC_PER_SEC;
  cached->source = g_strdup (source);
  g_hash_table_replace (self->cache, g_strdup (name), cached);
  /* A token came: whatever needed a sign-in does not any more. */
  g_hash_table_remove (self->sign_in, name);
  g_debug ("New access token for profile “%s”, cached for %" G_GINT64_FORMAT " s", name, lifetime);
  return cached->token;
}

static void
handle_success (GwOAuth2Refresh *refresh, JsonObject *object)
{
  const char *access_token = gw_oauth2_get_string_member (object, "access_token");
  const char *token_type = gw_oauth2_get_string_member (object, "token_type");
  const char *rotated = gw_oauth2_get_string_member (object, "refresh_token");
  const char *token;

  if (access_token == NULL || *access_token == '\0') {
    gw_oauth2_refresh_fail (refresh, GW_TRANSPORT_ERROR_TEMPORARY,
                  _("The OAuth 2.0 token endpoint (%s) answered without an access token"),
                  refresh->host);
    return;
  }
  if (token_type != NULL && g_ascii_strcasecmp (token_type, "bearer") != 0) {
    g_autofree char *shown = gw_oauth2_sanitize (token_type, refresh);
    gw_oauth2_refresh_fail (refresh, GW_TRANSPORT_ERROR_PERMANENT,
                  _("The OAuth 2.0 token endpoint (%s) issued a token of type “%s”, not a bearer token"),
                  refresh->host, shown);
    return;
  }

  /* Client credentials have no refresh token to rotate. */
  if (!refresh->client_credentials && rotated != NULL && *rotated != '\0' &&
      g_strcmp0 (rotated, refresh->refresh_token) != 0 && store_refresh_token (refresh, rotated)) {
    g_autofree char *url = g_strdup (gw_profile_get_string (refresh->profile, "oauth2-token-url"));
    const char *client_id = gw_profile_get_string (refresh->profile, "oauth2-client-id");
    g_free (refresh->source);
    refresh->source = gw_oauth2_make_source (url, client_id, rotated);
  }

  token = gw_oauth2_cache_token (refresh->self, refresh->name, refresh->source, access_token,
                                 gw_oauth2_get_int_member (object, "expires_in"));
  gw_oauth2_refresh_finish (refresh, token, NULL);
}

static void
handle_failure (GwOAuth2Refresh *refresh, guint status, JsonObject *object)
{
  const char *code = gw_oauth2_get_string_member (object, "error");
  const char *description = gw_oauth2_get_string_member (object, "error_description");
  g_autofree char *joined = g_strjoin (": ", code != NULL ? code : soup_status_get_phrase (status),
                                       description, NULL);
  g_autofree char *shown = gw_oauth2_sanitize (joined != NULL ? joined : "", refresh);
  /* Overload and timeouts pass; other client errors (invalid_client, ...)
   * need a person. */
  gboolean temporary = status >= 500 || status == SOUP_STATUS_REQUEST_TIMEOUT || status == 429;

  if (status >= 300 && status < 400) {
    gw_oauth2_refresh_fail (refresh, GW_TRANSPORT_ERROR_PERMANENT,
                  _("The OAuth 2.0 token endpoint (%s) answered with a redirect (HTTP %u); "
                    "redirects are not followed with credentials"), refresh->host, status);
  } else if (!refresh->client_credentials && g_strcmp0 (code, "invalid_grant") == 0) {
    /* The refresh token is expired or revoked: only a person signing in
     * again gets a new one. Deliveries wait for that. */
    g_autofree char *reason = g_strdup_printf ("%s (HTTP %u)", shown, status);
    gw_oauth2_refresh_needs_sign_in (refresh, reason);
  } else {
    gw_oauth2_refresh_fail (refresh, temporary ? GW_TRANSPORT_ERROR_TEMPORARY : GW_TRANSPORT_ERROR_PERMANENT,
                  _("The OAuth 2.0 token endpoint (%s) refused the request: %s (HTTP %u)"),
                  refresh->host, shown, status);
  }
}

void
gw_oauth2_answer (GwOAuth2Refresh *refresh, guint status, const char *body, gsize size)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GBytes) bytes = g_bytes_new_static (body, size);
  JsonObject *object = gw_oauth2_parse_object (parser, bytes);

  if (status >= 200 && status < 300 && object == NULL)
    gw_oauth2_refresh_fail (refresh, GW_TRANSPORT_ERROR_TEMPORARY,
                            _("The OAuth 2.0 token endpoint (%s) did not answer with a JSON object"),
                            refresh->host);
  else if (status >= 200 && status < 300)
    handle_success (refresh, object);
  else
    handle_failure (refresh, status, object);

  gw_oauth2_wipe_member (object, "access_token");
  gw_oauth2_wipe_member (object, "refresh_token");
}
