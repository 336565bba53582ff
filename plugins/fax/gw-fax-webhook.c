/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-fax-webhook.c: checking and reading the fax API's status callbacks
 *
 * A webhook is only a hint: it is accepted when its HMAC-SHA256 signature,
 * keyed with the profile's fax-webhook-secret, matches and its time is
 * recent (no replay of an old callback). What it says still does not
 * change a delivery by itself; the daemon asks the API (GET) at once, so
 * even a leaked secret cannot make a fax look delivered.
 */
#define G_LOG_DOMAIN "gw-fax"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "gw-fax-http.h"
#include "gw-json-text.h"
#include "gw-remote-jobs.h"

/* Where the callback keeps the fax id and its status. */
static const char * const webhook_id_members[] = { "fax_id", "id", NULL };
static const char * const webhook_status_members[] = { "status", NULL };

/* Provider status words. Anything not listed means "still working". */
static const struct {
  const char       *status;
  GwRecipientStatus result;
} status_map[] = {
  { "delivered", GW_RECIPIENT_SENT },
  { "sent", GW_RECIPIENT_SENT },
  { "success", GW_RECIPIENT_SENT },
  { "failed", GW_RECIPIENT_PERMFAIL },
  { "failure", GW_RECIPIENT_PERMFAIL },
  { "canceled", GW_RECIPIENT_PERMFAIL },
  { "cancelled", GW_RECIPIENT_PERMFAIL },
};

GwRecipientStatus
gw_fax_http_map_status (const char *status)
{
  for (guint i = 0; status != NULL && i < G_N_ELEMENTS (status_map); i++) {
    if (g_ascii_strcasecmp (status, status_map[i].status) == 0)
      return status_map[i].result;
  }
  return GW_RECIPIENT_SUBMITTED;
}

static gboolean
equal_constant_time (const char *a,
                     const char *b)
{
  gsize len = strlen (a);
  guint8 diff = 0;

  if (len != strlen (b))
    return FALSE;
  for (gsize i = 0; i < len; i++)
    diff |= (guint8) (g_ascii_tolower (a[i]) ^ g_ascii_tolower (b[i]));
  return diff == 0;
}

/* "t=1700000000,v1=ab12..." */
static gboolean
parse_signature (const char *header,
                 gint64     *timestamp,
                 char      **signature)
{
  g_auto(GStrv) parts = g_strsplit (header, ",", 8);
  const char *t = NULL, *v1 = NULL;
  char *end = NULL;

  for (guint i = 0; parts[i] != NULL; i++) {
    char *item = g_strstrip (parts[i]);
    if (g_str_has_prefix (item, "t="))
      t = item + 2;
    else if (g_str_has_prefix (item, "v1="))
      v1 = item + 3;
  }
  if (t == NULL || v1 == NULL || *t == '\0' || strlen (v1) != 64 || strspn (v1, "0123456789abcdefABCDEF") != 64)
    return FALSE;
  *timestamp = g_ascii_strtoll (t, &end, 10);
  if (end == NULL || *end != '\0' || *timestamp <= 0)
    return FALSE;
  *signature = g_strdup (v1);
  return TRUE;
}

static char *
member_string (JsonObject         *object,
               const char * const *names)
{
  for (guint i = 0; object != NULL && names[i] != NULL; i++) {
    JsonNode *node = json_object_has_member (object, names[i]) ? json_object_get_member (object, names[i]) : NULL;
    if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
      return g_strdup (json_node_get_string (node));
  }
  return NULL;
}

char *
gw_fax_webhook_verify (const char *secret,
                       const char *signature_header,
                       GBytes     *body,
                       gint64      now,
                       char      **status,
                       GError    **error)
{
  g_autoptr(GHmac) hmac = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *signature = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *id = NULL;
  const char *expected;
  JsonNode *root;
  JsonObject *data = NULL, *payload = NULL;
  gint64 timestamp = 0;
  gsize size;
  const char *bytes = g_bytes_get_data (body, &size);

  if (secret == NULL || *secret == '\0' || signature_header == NULL ||
      !parse_signature (signature_header, &timestamp, &signature)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, _("The webhook is not signed"));
    return NULL;
  }
  if (ABS (now - timestamp) > GW_FAX_WEBHOOK_TOLERANCE) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                 _("The webhook's signature time is too far from now"));
    return NULL;
  }
  hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) secret, strlen (secret));
  prefix = g_strdup_printf ("%" G_GINT64_FORMAT ".", timestamp);
  g_hmac_update (hmac, (const guchar *) prefix, (gssize) strlen (prefix));
  g_hmac_update (hmac, (const guchar *) bytes, (gssize) size);
  expected = g_hmac_get_string (hmac);
  if (!equal_constant_time (expected, signature)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, _("The webhook's signature is wrong"));
    return NULL;
  }

  /* Checked first: json-glib recurses into every bracket (gw-json-text.c). */
  if (size == 0 || gw_json_text_check (bytes, size, GW_JSON_TEXT_MAX_DEPTH) != GW_JSON_TEXT_OK ||
      !json_parser_load_from_data (parser, bytes, (gssize) size, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The webhook is not a JSON object"));
    return NULL;
  }
  /* {"data": {"event_type": "fax.delivered", "payload": {"fax_id": ..., "status": ...}}} */
  if (json_object_has_member (json_node_get_object (root), "data") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (json_node_get_object (root), "data")))
    data = json_object_get_object_member (json_node_get_object (root), "data");
  if (data != NULL && json_object_has_member (data, "payload") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (data, "payload")))
    payload = json_object_get_object_member (data, "payload");
  id = member_string (payload, webhook_id_members);
  if (id == NULL || *id == '\0' || !gw_fax_check_line_value ("fax id", id, 128, NULL)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The webhook names no fax"));
    return NULL;
  }
  if (status != NULL)
    *status = member_string (payload, webhook_status_members);
  return g_steal_pointer (&id);
}

/* ---- the handler on Herald's HTTP server ---- */

/* Checked against when the profile has no secret, so that an unknown
 * profile costs the same work as a bad signature; never accepted. */
#define DECOY_SECRET "herald-no-such-webhook"

static void
reply_text (SoupServerMessage *msg,
            guint              status,
            const char        *text)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY,
                                    text, strlen (text));
}

/* The profile's webhook secret, or NULL when @name is no http fax
 * profile with one. */
static char *
webhook_secret (GwTransport *transport,
                const char  *name)
{
  GwProfile *profile = name != NULL ? gw_transport_lookup_profile (transport, name) : NULL;

  if (profile == NULL || g_strcmp0 (gw_profile_get_transport (profile), "fax") != 0 ||
      g_strcmp0 (gw_profile_get_string (profile, "fax-backend"), "http") != 0)
    return NULL;
  return gw_profile_dup_secret (profile, "fax-webhook-secret", NULL);
}

void
gw_fax_webhook_serve (GwTransport       *transport,
                      SoupServerMessage *msg,
                      const char        *path,
                      GHashTable        *query)
{
  g_autofree char *name = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *status = NULL;
  g_autofree char *fax_id = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (soup_server_message_get_method (msg), SOUP_METHOD_POST) != 0) {
    reply_text (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "POST only\n");
    return;
  }
  name = g_uri_unescape_string (path + strlen (GW_FAX_WEBHOOK_PREFIX), "/");
  shown = g_strescape (name != NULL ? name : "?", NULL);
  secret = webhook_secret (transport, name);
  body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  fax_id = gw_fax_webhook_verify (secret != NULL ? secret : DECOY_SECRET,
                                  soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                                GW_FAX_WEBHOOK_SIGNATURE_HEADER),
                                  body, g_get_real_time () / G_USEC_PER_SEC, &status, &error);
  if (secret != NULL)
    memset (secret, 0, strlen (secret));
  /* An unknown profile, one without a secret and a bad signature get the
   * same answer: the webhook does not tell which profiles exist. */
  if (secret == NULL || (fax_id == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))) {
    g_info ("Fax webhook for “%s” refused: %s", shown,
            secret == NULL ? "no such http fax profile with a webhook secret" : error->message);
    reply_text (msg, SOUP_STATUS_UNAUTHORIZED, "webhook refused\n");
    return;
  }
  if (fax_id == NULL) {
    g_info ("Fax webhook for profile %s not understood: %s", shown, error->message);
    reply_text (msg, SOUP_STATUS_BAD_REQUEST, "bad request\n");
    return;
  }
  g_debug ("Fax webhook for profile %s: fax %s is %s", shown, fax_id, status != NULL ? status : "?");
  /* Only a hint: the daemon asks the API for the state now. */
  gw_remote_jobs_changed (GW_REMOTE_JOBS (transport), name, fax_id);
  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
}

char *
gw_fax_webhook_url (GwTransport *transport,
                    GwProfile   *profile)
{
  const char *configured = gw_profile_get_string (profile, "fax-webhook-url");
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;

  if (configured != NULL)
    return g_strdup (configured);
  if (!gw_profile_has_secret (profile, "fax-webhook-secret"))
    return NULL;
  escaped = g_uri_escape_string (gw_profile_get_name (profile), NULL, FALSE);
  path = g_strconcat (GW_FAX_WEBHOOK_PREFIX, escaped, NULL);
  /* NULL when Herald's HTTP server is off. */
  return gw_transport_dup_http_url (transport, path);
}
