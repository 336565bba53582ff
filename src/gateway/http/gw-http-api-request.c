/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-http-api-request.c: request bodies of the HTTP door as notifications
 *
 * The JSON of POST /v1/notifications is turned into the a{sv} of Send and
 * goes through gw_notification_new_from_variant(), so it meets exactly the
 * checks a D-Bus caller meets; attachments (base64 in the JSON, or parts
 * of a multipart/form-data body) then go through
 * gw_notification_add_attachment() with Send's limits.
 */
#define G_LOG_DOMAIN "gw-http-api"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-http-api-private.h"
#include "gw-json-parse.h"

/* An attachment on its way from the request to the notification. */
typedef struct {
  char   *name;
  char   *content_type;
  GBytes *data;
} Attachment;

static void
attachment_free (Attachment *attachment)
{
  g_free (attachment->name);
  g_free (attachment->content_type);
  g_clear_pointer (&attachment->data, g_bytes_unref);
  g_free (attachment);
}

static gboolean
field_error (GError    **error,
             const char *field,
             const char *what)
{
  /* TRANSLATORS: "Field “to”: must be a string or an array of strings" */
  g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT, _("Field “%s”: %s"), field, what);
  return FALSE;
}

static gboolean
is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

/* A string, or an array of strings ("to": "a@example.org" is one). */
static gboolean
take_strings (const char   *field,
              JsonNode     *node,
              GVariantDict *dict,
              GError      **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) list = NULL;

  if (is_string (node)) {
    g_strv_builder_add (builder, json_node_get_string (node));
  } else if (JSON_NODE_HOLDS_ARRAY (node)) {
    JsonArray *array = json_node_get_array (node);

    for (guint i = 0; i < json_array_get_length (array); i++) {
      JsonNode *element = json_array_get_element (array, i);
      if (!is_string (element))
        return field_error (error, field, _("must be a string or an array of strings"));
      g_strv_builder_add (builder, json_node_get_string (element));
    }
  } else {
    return field_error (error, field, _("must be a string or an array of strings"));
  }
  list = g_strv_builder_end (builder);
  g_variant_dict_insert (dict, field, "^as", list);
  return TRUE;
}

static gboolean
take_headers (JsonNode     *node,
              GVariantDict *dict,
              GError      **error)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{ss}"));
  g_autoptr(GList) names = NULL;
  JsonObject *object;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return field_error (error, "headers", _("must be an object of strings"));
  object = json_node_get_object (node);
  names = json_object_get_members (object);
  for (GList *l = names; l != NULL; l = l->next) {
    JsonNode *value = json_object_get_member (object, l->data);
    if (!is_string (value))
      return field_error (error, "headers", _("must be an object of strings"));
    g_variant_builder_add (&builder, "{ss}", (const char *) l->data, json_node_get_string (value));
  }
  g_variant_dict_insert_value (dict, "headers", g_variant_builder_end (&builder));
  return TRUE;
}

static gboolean
take_urgency (JsonNode     *node,
              GVariantDict *dict,
              GError      **error)
{
  static const char * const names[] = { "low", "normal", "critical" };

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64) {
    gint64 value = json_node_get_int (node);
    if (value >= 0 && value <= 2) {
      g_variant_dict_insert (dict, "urgency", "y", (guint8) value);
      return TRUE;
    }
  } else if (is_string (node)) {
    for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
      if (g_str_equal (json_node_get_string (node), names[i])) {
        g_variant_dict_insert (dict, "urgency", "y", (guint8) i);
        return TRUE;
      }
    }
  }
  return field_error (error, "urgency", _("must be 0, 1, 2, “low”, “normal” or “critical”"));
}

GBytes *
gw_http_api_decode_base64 (const char *text,
                           const char *what,
                           GError    **error)
{
  g_autoptr(GString) clean = g_string_sized_new (strlen (text));
  guint padding = 0;
  gsize length = 0;
  guchar *data;

  for (const char *p = text; *p != '\0'; p++) {
    if (*p == '\r' || *p == '\n')
      continue;
    if (*p == '=') {
      padding++;
    } else if (padding > 0 || !(g_ascii_isalnum (*p) || *p == '+' || *p == '/')) {
      field_error (error, what, _("is not base64"));
      return NULL;
    }
    g_string_append_c (clean, *p);
  }
  if (clean->len % 4 != 0 || padding > 2) {
    field_error (error, what, _("is not base64"));
    return NULL;
  }
  if (clean->len == 0)
    return g_bytes_new (NULL, 0);
  data = g_base64_decode (clean->str, &length);
  return g_bytes_new_take (data, length);
}

static gboolean
take_attachments (JsonNode   *node,
                  GPtrArray  *attachments,
                  GError    **error)
{
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return field_error (error, "attachments", _("must be an array of objects"));
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++) {
    JsonNode *element = json_array_get_element (array, i);
    g_autofree char *field = g_strdup_printf ("attachments[%u]", i);
    Attachment *attachment;
    JsonObject *object;
    JsonNode *name, *type, *data;

    if (!JSON_NODE_HOLDS_OBJECT (element))
      return field_error (error, field, _("must be an object with name, content-type and data"));
    object = json_node_get_object (element);
    name = json_object_get_member (object, "name");
    type = json_object_get_member (object, "content-type");
    data = json_object_get_member (object, "data");
    if (name == NULL || !is_string (name) || data == NULL || !is_string (data) ||
        (type != NULL && !is_string (type)) || json_object_get_size (object) > (type != NULL ? 3u : 2u))
      return field_error (error, field, _("must be an object with name, content-type and data"));
    attachment = g_new0 (Attachment, 1);
    g_ptr_array_add (attachments, attachment);
    attachment->name = g_strdup (json_node_get_string (name));
    attachment->content_type = type != NULL ? g_strdup (json_node_get_string (type)) : NULL;
    attachment->data = gw_http_api_decode_base64 (json_node_get_string (data), field, error);
    if (attachment->data == NULL)
      return FALSE;
  }
  return TRUE;
}

GVariant *
gw_http_api_json_to_variant (JsonObject  *object,
                             GPtrArray   *attachments,
                             GError     **error)
{
  static const char * const lists[] = { "to", "cc", "bcc", "fax", "tags" };
  static const char * const strings[] = {
    "subject", "body", "html", "from", "reply-to", "category", "app-name", "profile",
    "idempotency-key"
  };
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GList) members = json_object_get_members (object);

  for (GList *l = members; l != NULL; l = l->next) {
    const char *field = l->data;
    JsonNode *node = json_object_get_member (object, field);
    gboolean done = FALSE;

    for (guint i = 0; i < G_N_ELEMENTS (lists) && !done; i++) {
      if (!g_str_equal (field, lists[i]))
        continue;
      if (!take_strings (field, node, &dict, error))
        return NULL;
      done = TRUE;
    }
    for (guint i = 0; i < G_N_ELEMENTS (strings) && !done; i++) {
      if (!g_str_equal (field, strings[i]))
        continue;
      if (!is_string (node)) {
        field_error (error, field, _("must be a string"));
        return NULL;
      }
      g_variant_dict_insert (&dict, field, "s", json_node_get_string (node));
      done = TRUE;
    }
    if (done)
      continue;
    if (g_str_equal (field, "headers")) {
      if (!take_headers (node, &dict, error))
        return NULL;
    } else if (g_str_equal (field, "urgency")) {
      if (!take_urgency (node, &dict, error))
        return NULL;
    } else if (g_str_equal (field, "attachments") && attachments != NULL) {
      if (!take_attachments (node, attachments, error))
        return NULL;
    } else {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                   _("Unknown notification key “%s”"), field);
      return NULL;
    }
  }
  return g_variant_ref_sink (g_variant_dict_end (&dict));
}

static JsonObject *
parse_object (GBytes     *bytes,
              JsonNode  **root,
              GError    **error)
{
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);

  *root = gw_json_parse_bounded (data != NULL ? data : "", length, GW_JSON_MAX_DEPTH,
                                 _("The notification"), error);
  if (*root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (*root)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                 _("The notification must be a JSON object"));
    return NULL;
  }
  return json_node_get_object (*root);
}

/* A multipart/form-data body: the "notification" part, and a part with a
 * file name for each attachment. */
static GBytes *
take_parts (SoupMessageHeaders *headers,
            GBytes             *body,
            GPtrArray          *attachments,
            GError            **error)
{
  g_autoptr(SoupMultipart) multipart = soup_multipart_new_from_message (headers, body);
  g_autoptr(GBytes) notification = NULL;

  if (multipart == NULL) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                 _("The request body is not multipart/form-data"));
    return NULL;
  }
  for (int i = 0; i < soup_multipart_get_length (multipart); i++) {
    SoupMessageHeaders *part_headers;
    GBytes *part_body;
    g_autofree char *disposition = NULL;
    g_autoptr(GHashTable) params = NULL;
    const char *name, *file_name;
    Attachment *attachment;

    soup_multipart_get_part (multipart, i, &part_headers, &part_body);
    if (!soup_message_headers_get_content_disposition (part_headers, &disposition, &params) ||
        g_ascii_strcasecmp (disposition, "form-data") != 0) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                   _("Part %d of the form has no Content-Disposition: form-data"), i + 1);
      return NULL;
    }
    name = g_hash_table_lookup (params, "name");
    file_name = g_hash_table_lookup (params, "filename");
    if (file_name == NULL && g_strcmp0 (name, "notification") == 0 && notification == NULL) {
      notification = g_bytes_ref (part_body);
      continue;
    }
    if (file_name == NULL) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                   _("Form field “%s” is neither the notification nor a file"), name != NULL ? name : "");
      return NULL;
    }
    attachment = g_new0 (Attachment, 1);
    attachment->name = g_path_get_basename (file_name);
    attachment->content_type = g_strdup (soup_message_headers_get_content_type (part_headers, NULL));
    /* what a browser or curl sends when it does not know: detect it */
    if (g_strcmp0 (attachment->content_type, "application/octet-stream") == 0)
      g_clear_pointer (&attachment->content_type, g_free);
    attachment->data = g_bytes_ref (part_body);
    g_ptr_array_add (attachments, attachment);
  }
  if (notification == NULL) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                 _("The form has no “notification” part"));
    return NULL;
  }
  return g_steal_pointer (&notification);
}

GwNotification *
gw_http_api_parse_notification (SoupMessageHeaders *headers,
                                GBytes             *body,
                                GError            **error)
{
  g_autoptr(GPtrArray) attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) attachment_free);
  g_autoptr(GwNotification) n = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GVariant) dict = NULL;
  g_autoptr(GBytes) json = NULL;
  const char *content_type = soup_message_headers_get_content_type (headers, NULL);
  JsonObject *object;

  /* media types are case-insensitive (RFC 9110 section 8.3.1) */
  if (content_type != NULL && g_ascii_strcasecmp (content_type, "application/json") == 0) {
    json = g_bytes_ref (body);
  } else if (content_type != NULL && g_ascii_strcasecmp (content_type, "multipart/form-data") == 0) {
    json = take_parts (headers, body, attachments, error);
    if (json == NULL)
      return NULL;
  } else {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_NOT_SUPPORTED,
                 _("Send the notification as application/json or multipart/form-data"));
    return NULL;
  }
  object = parse_object (json, &root, error);
  if (object == NULL)
    return NULL;
  dict = gw_http_api_json_to_variant (object, attachments, error);
  if (dict == NULL)
    return NULL;
  n = gw_notification_new_from_variant (dict, NULL, error);
  if (n == NULL)
    return NULL;
  for (guint i = 0; i < attachments->len; i++) {
    Attachment *attachment = g_ptr_array_index (attachments, i);

    if (!gw_notification_add_attachment (n, attachment->name, attachment->content_type,
                                         attachment->data, error))
      return NULL;
  }
  return g_steal_pointer (&n);
}

gboolean
gw_http_api_set_owner_key (GwNotification *n,
                           GwApiToken     *token,
                           const char     *client_key,
                           GError        **error)
{
  g_autofree char *random = NULL;
  g_autofree char *uuid = NULL;

  if (client_key != NULL && (*client_key == '\0' || strlen (client_key) > GW_HTTP_API_MAX_CLIENT_KEY ||
                             !gw_check_header_text ("Idempotency-Key", client_key, error))) {
    if (error != NULL && *error == NULL)
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                   _("An idempotency key is 1 to %d characters on one line"), GW_HTTP_API_MAX_CLIENT_KEY);
    return FALSE;
  }
  if (client_key == NULL) {
    /* "~" is the mark of a key the gateway made */
    uuid = g_uuid_string_random ();
    random = g_strconcat ("~", uuid, NULL);
  }
  g_free (n->idempotency_key);
  n->idempotency_key = g_strconcat (GW_HTTP_API_KEY_PREFIX, token->id, "/",
                                    client_key != NULL ? client_key : random, NULL);
  return TRUE;
}
