/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-fax-http.c: a JSON fax API over HTTPS (libsoup 3)
 *
 * Shaped after the common providers' documented send-fax requests: POST
 * a JSON object with to/from/media/connection_id/webhook_url to
 * fax-api-url with "Authorization: Bearer <fax-api-key>"; the answer's
 * data.id is the provider's fax id and data.status its state. The state
 * is then read with GET fax-api-url/ID (and pushed by the provider's
 * webhook, gw-fax-webhook.c), a fax is cancelled with POST
 * fax-api-url/ID/actions/cancel. The field names live in the tables
 * below and nowhere else.
 *
 * 2xx: submitted (or sent/failed as the status says); 4xx: failed for
 * good with the provider's message; 429, 5xx, timeouts and connection
 * failures: retried. Redirects are not followed: the API key must not
 * travel to a host the profile does not name.
 *
 * Calls run in the dispatcher's worker threads with a session of their
 * own and blocking I/O bounded by the profile's timeouts. TLS is judged
 * as for SMTP (gw-http-client-guard.c: the profile's verify-certificates,
 * ca-file, pinned-keys, TLS 1.2 or newer) before the key is sent.
 */
#define G_LOG_DOMAIN "gw-fax"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "gw-fax-http.h"
#include "gw-http-client-guard.h"
#include "gw-json-text.h"

/* Answers are read up to this size and no further (an error page, not a
 * fax id): the status stands, the body counts as absent. */
#define MAX_RESPONSE (256 * 1024)

typedef enum {
  FIELD_TO,            /* the number, "+" and digits */
  FIELD_FROM,          /* fax-from-number */
  FIELD_CONNECTION_ID, /* fax-connection-id */
  FIELD_WEBHOOK_URL,   /* fax-webhook-url */
  FIELD_MEDIA,         /* the document, base64 */
  FIELD_MEDIA_TYPE,    /* its MIME type */
  FIELD_MEDIA_NAME,    /* its file name */
  FIELD_COVER_TEXT,    /* the body */
  FIELD_SUBJECT,
} FieldSource;

/* The send-fax request. Empty values are left out. */
static const struct {
  const char *name;
  FieldSource source;
} send_fields[] = {
  { "to", FIELD_TO },
  { "from", FIELD_FROM },
  { "connection_id", FIELD_CONNECTION_ID },
  { "webhook_url", FIELD_WEBHOOK_URL },
  { "media_base64", FIELD_MEDIA },
  { "media_type", FIELD_MEDIA_TYPE },
  { "media_name", FIELD_MEDIA_NAME },
  { "cover_text", FIELD_COVER_TEXT },
  { "subject", FIELD_SUBJECT },
};

/* Where the answers keep the fax id and status: tried in order. */
static const char * const id_paths[] = { "data.id", "id", "data.fax_id", "fax_id", NULL };
static const char * const status_paths[] = { "data.status", "status", NULL };
static const char * const message_paths[] = { "errors.0.detail", "errors.0.title", "error.message",
                                              "error", "message", "detail", NULL };

/* "data.id", "errors.0.detail": a string (or number) member, or NULL. */
static char *
lookup_path (JsonNode   *root,
             const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, ".", -1);
  JsonNode *node = root;

  for (guint i = 0; node != NULL && parts[i] != NULL; i++) {
    if (JSON_NODE_HOLDS_OBJECT (node)) {
      JsonObject *object = json_node_get_object (node);
      node = json_object_has_member (object, parts[i]) ? json_object_get_member (object, parts[i]) : NULL;
    } else if (JSON_NODE_HOLDS_ARRAY (node) && g_ascii_isdigit (parts[i][0])) {
      JsonArray *array = json_node_get_array (node);
      guint index = (guint) g_ascii_strtoull (parts[i], NULL, 10);
      node = index < json_array_get_length (array) ? json_array_get_element (array, index) : NULL;
    } else {
      node = NULL;
    }
  }
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  return NULL;
}

static char *
lookup_first (JsonNode           *root,
              const char * const *paths)
{
  for (guint i = 0; root != NULL && paths[i] != NULL; i++) {
    char *value = lookup_path (root, paths[i]);
    if (value != NULL)
      return value;
  }
  return NULL;
}

/* Provider texts go into replies and logs: printable, bounded. */
static char *
clean_text (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  g_autoptr(GString) out = g_string_new (NULL);

  for (const char *p = valid; *p != '\0' && out->len < 300; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);
    if (g_unichar_iscntrl (c))
      g_string_append_c (out, ' ');
    else
      g_string_append_unichar (out, c);
  }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

typedef struct {
  int        status;       /* HTTP status, 0: no answer */
  JsonNode  *json;         /* parsed body, or NULL */
  char      *message;      /* for people: status and the provider's words */
} Answer;

static void
answer_clear (Answer *answer)
{
  g_clear_pointer (&answer->json, json_node_unref);
  g_clear_pointer (&answer->message, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Answer, answer_clear)

static gboolean
url_is_allowed (GUri *uri)
{
  const char *host = g_uri_get_host (uri);

  return host != NULL && *host != '\0' && g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0;
}

/* The answer's body, read under the cap: FALSE only when the connection
 * failed. A body too large, or still trickling after conversation-timeout,
 * is not read further: the status stands and the body counts as absent. */
static gboolean
read_answer (GwProfile     *profile,
             GInputStream  *stream,
             GCancellable  *cancellable,
             GBytes       **body,
             char         **problem,
             GError       **error)
{
  gint64 deadline = g_get_monotonic_time () +
                    (gint64) gw_profile_get_uint (profile, "conversation-timeout") * G_USEC_PER_SEC;
  g_autoptr(GError) local_error = NULL;

  *body = gw_http_read_capped (stream, MAX_RESPONSE, deadline, cancellable, &local_error);
  g_input_stream_close (stream, NULL, NULL);
  if (*body != NULL)
    return TRUE;
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE) ||
      g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
    *problem = g_strdup (local_error->message);
    return TRUE;
  }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* One request. FALSE (GW_TRANSPORT_ERROR) when there was no usable HTTP
 * answer: connection, TLS, timeout (temporary), bad URL (permanent). */
static gboolean
call_api (GwProfile    *profile,
          const char   *method,
          const char   *url,
          GBytes       *body,
          GCancellable *cancellable,
          Answer       *answer,
          GError      **error)
{
  g_autoptr(GUri) uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GwHttpClientGuard) guard = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GBytes) response = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *key = gw_profile_dup_secret (profile, "fax-api-key", NULL);
  g_autofree char *authorization = NULL;
  g_autofree char *provider_text = NULL;
  g_autofree char *problem = NULL;

  if (uri == NULL || !url_is_allowed (uri)) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("The fax API URL must be an https URL"));
    return FALSE;
  }
  if (key == NULL) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("The profile has no “fax-api-key”"));
    return FALSE;
  }
  /* verify-certificates, ca-file, pinned-keys and TLS 1.2, as for SMTP */
  guard = gw_http_client_guard_new (profile, uri, error);
  if (guard == NULL)
    return FALSE;
  session = gw_http_client_session_new (profile);
  message = gw_http_client_guard_new_message (guard, method, uri);
  authorization = g_strconcat ("Bearer ", key, NULL);
  soup_message_headers_replace (soup_message_get_request_headers (message), "Authorization", authorization);
  memset (authorization, 0, strlen (authorization));
  memset (key, 0, strlen (key));
  if (body != NULL)
    soup_message_set_request_body_from_bytes (message, "application/json", body);

  stream = soup_session_send (session, message, cancellable, &local_error);
  if (stream == NULL || !read_answer (profile, stream, cancellable, &response, &problem, &local_error)) {
    if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
    if (gw_http_client_guard_explain (guard, local_error, error))
      return FALSE;
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                 _("Fax API %s: %s"), g_uri_get_host (uri), local_error->message);
    return FALSE;
  }
  answer->status = (int) soup_message_get_status (message);
  if (response != NULL && g_bytes_get_size (response) > 0) {
    g_autoptr(JsonParser) parser = json_parser_new ();
    gsize size;
    const char *data = g_bytes_get_data (response, &size);

    /* Checked first: json-glib recurses into every bracket (gw-json-text.c). */
    if (gw_json_text_check (data, size, GW_JSON_TEXT_MAX_DEPTH) == GW_JSON_TEXT_OK &&
        json_parser_load_from_data (parser, data, (gssize) size, NULL))
      answer->json = json_node_ref (json_parser_get_root (parser));
  }
  provider_text = lookup_first (answer->json, message_paths);
  if (problem != NULL) {
    answer->message = g_strdup_printf ("HTTP %d %s: %s", answer->status,
                                       soup_message_get_reason_phrase (message), problem);
  } else if (provider_text != NULL) {
    g_autofree char *clean = clean_text (provider_text);
    answer->message = g_strdup_printf ("HTTP %d %s: %s", answer->status,
                                       soup_message_get_reason_phrase (message), clean);
  } else {
    answer->message = g_strdup_printf ("HTTP %d %s", answer->status,
                                       soup_message_get_reason_phrase (message));
  }
  return TRUE;
}

/* What an HTTP status means for a fax, when it is not a success. */
static GwRecipientStatus
status_for_http (int status)
{
  if (status == 408 || status == 425 || status == 429 || status >= 500)
    return GW_RECIPIENT_TEMPFAIL;
  return GW_RECIPIENT_PERMFAIL;
}

static const char *
field_value (FieldSource    source,
             GwProfile     *profile,
             GwFaxContent  *content,
             GwFaxDocument *document,
             const char    *number,
             const char    *webhook_url,
             char         **owned)
{
  switch (source) {
  case FIELD_TO:
    return number;
  case FIELD_FROM:
    return gw_profile_get_string (profile, "fax-from-number");
  case FIELD_CONNECTION_ID:
    return gw_profile_get_string (profile, "fax-connection-id");
  case FIELD_WEBHOOK_URL:
    return webhook_url;
  case FIELD_MEDIA:
    if (document == NULL)
      return NULL;
    *owned = g_base64_encode (g_bytes_get_data (document->data, NULL), g_bytes_get_size (document->data));
    return *owned;
  case FIELD_MEDIA_TYPE:
    return document != NULL ? document->content_type : NULL;
  case FIELD_MEDIA_NAME:
    return document != NULL ? document->name : NULL;
  case FIELD_COVER_TEXT:
    return content->cover_text;
  case FIELD_SUBJECT:
    return content->subject;
  default:
    return NULL;
  }
}

static GBytes *
build_request (GwProfile    *profile,
               GwFaxContent *content,
               const char   *number,
               const char   *webhook_url)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  /* One document per request: the providers' send-fax takes one medium;
   * several attachments would need their merging, which we do not do. */
  GwFaxDocument *document = content->documents->len > 0 ? g_ptr_array_index (content->documents, 0) : NULL;
  char *text;

  json_builder_begin_object (builder);
  for (guint i = 0; i < G_N_ELEMENTS (send_fields); i++) {
    g_autofree char *owned = NULL;
    const char *value = field_value (send_fields[i].source, profile, content, document, number,
                                     webhook_url, &owned);

    if (value == NULL || *value == '\0')
      continue;
    json_builder_set_member_name (builder, send_fields[i].name);
    json_builder_add_string_value (builder, value);
  }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  return g_bytes_new_take (text, strlen (text));
}

static gboolean
http_validate_profile (GwTransport *transport,
                       GwProfile   *profile,
                       GError     **error)
{
  /* fax-api-key is a secret, set after the profile exists (SetSecret);
   * sending without it fails with a message that names it. */
  return gw_fax_require_key (profile, "fax-api-url", error);
}

static char *
http_describe (GwProfile *profile)
{
  return g_strdup_printf ("fax http %s", gw_profile_get_string (profile, "fax-api-url"));
}

/* Sends one fax; sets recipient @index's result. FALSE when the API could
 * not be reached at all (the caller stops and retries later). */
static gboolean
send_one (GwProfile    *profile,
          GwEnvelope   *envelope,
          GwFaxContent *content,
          guint         index,
          const char   *number,
          const char   *webhook_url,
          GCancellable *cancellable,
          GError      **error)
{
  g_auto(Answer) answer = { 0 };
  g_autoptr(GBytes) request = build_request (profile, content, number, webhook_url);
  g_autofree char *id = NULL;
  g_autofree char *status = NULL;
  g_autofree char *reply = NULL;
  GwRecipientStatus result;

  if (!call_api (profile, SOUP_METHOD_POST, gw_profile_get_string (profile, "fax-api-url"),
                 request, cancellable, &answer, error))
    return FALSE;
  if (!SOUP_STATUS_IS_SUCCESSFUL (answer.status)) {
    gw_envelope_set_result (envelope, index, status_for_http (answer.status), answer.message, NULL);
    return TRUE;
  }
  id = lookup_first (answer.json, id_paths);
  status = lookup_first (answer.json, status_paths);
  if (id == NULL || !gw_fax_check_line_value ("fax id", id, 128, NULL)) {
    /* Accepted, but we cannot follow it: say so rather than guess. */
    g_autofree char *text = g_strdup_printf (_("Accepted by the fax API, which gave no fax id to follow (%s)"),
                                             answer.message);
    gw_envelope_set_result (envelope, index, GW_RECIPIENT_SENT, text, NULL);
    return TRUE;
  }
  result = gw_fax_http_map_status (status);
  {
    g_autofree char *clean_status = status != NULL ? clean_text (status) : g_strdup ("queued");
    reply = g_strdup_printf (_("Fax API fax %s: %s (%s)"), id, clean_status, answer.message);
  }
  gw_envelope_set_remote_id (envelope, index, id);
  gw_envelope_set_result (envelope, index, result, reply, NULL);
  return TRUE;
}

typedef struct {
  GwProfile    *profile;
  GwEnvelope   *envelope;
  GwFaxContent *content;
  char         *webhook_url;
} HttpJob;

static void
http_job_free (HttpJob *job)
{
  g_clear_object (&job->profile);
  g_clear_object (&job->envelope);
  g_free (job->webhook_url);
  g_free (job);
}

static void
http_deliver_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  HttpJob *job = g_object_get_data (G_OBJECT (task), "fax-http");

  for (int i = gw_fax_next_pending (job->envelope, 0); i >= 0;
       i = gw_fax_next_pending (job->envelope, (guint) i + 1)) {
    g_autofree char *digits = gw_fax_recipient_number (job->profile, job->envelope, (guint) i);
    g_autofree char *number = NULL;
    GError *error = NULL;

    if (digits == NULL)
      continue;
    number = g_strconcat ("+", digits, NULL);
    if (!send_one (job->profile, job->envelope, job->content, (guint) i, number,
                   job->webhook_url, cancellable, &error)) {
      g_task_return_error (task, error);
      return;
    }
  }
  g_task_return_boolean (task, TRUE);
}

static void
http_deliver (GwTransport  *transport,
              GwProfile    *profile,
              GwEnvelope   *envelope,
              GwFaxContent *content,
              GTask        *task)
{
  HttpJob *job = g_new0 (HttpJob, 1);

  job->profile = g_object_ref (profile);
  job->envelope = g_object_ref (envelope);
  job->content = content;
  job->webhook_url = gw_fax_webhook_url (transport, profile);
  g_object_set_data_full (G_OBJECT (task), "fax-http", job, (GDestroyNotify) http_job_free);
  g_task_run_in_thread (task, http_deliver_thread);
  g_object_unref (task);
}

static char *
fax_url (GwProfile  *profile,
         const char *id,
         const char *suffix)
{
  const char *base = gw_profile_get_string (profile, "fax-api-url");
  g_autofree char *escaped = g_uri_escape_string (id, NULL, FALSE);

  return g_strconcat (base, g_str_has_suffix (base, "/") ? "" : "/", escaped, suffix, NULL);
}

static GwRecipientStatus
http_poll (GwProfile    *profile,
           const char   *remote_id,
           GCancellable *cancellable,
           char        **reply,
           GError      **error)
{
  g_autofree char *url = fax_url (profile, remote_id, "");
  g_auto(Answer) answer = { 0 };
  g_autofree char *status = NULL;
  g_autofree char *clean = NULL;

  if (!call_api (profile, SOUP_METHOD_GET, url, NULL, cancellable, &answer, error))
    return GW_RECIPIENT_PENDING;
  if (!SOUP_STATUS_IS_SUCCESSFUL (answer.status)) {
    g_set_error (error, GW_TRANSPORT_ERROR,
                 status_for_http (answer.status) == GW_RECIPIENT_PERMFAIL
                 ? GW_TRANSPORT_ERROR_PERMANENT : GW_TRANSPORT_ERROR_TEMPORARY,
                 "%s", answer.message);
    return GW_RECIPIENT_PENDING;
  }
  status = lookup_first (answer.json, status_paths);
  clean = clean_text (status != NULL ? status : "unknown");
  *reply = g_strdup_printf (_("Fax API fax %s: %s"), remote_id, clean);
  return gw_fax_http_map_status (status);
}

static gboolean
http_cancel (GwProfile    *profile,
             const char   *remote_id,
             GCancellable *cancellable,
             GError      **error)
{
  g_autofree char *url = fax_url (profile, remote_id, "/actions/cancel");
  g_auto(Answer) answer = { 0 };
  g_autoptr(GBytes) empty = g_bytes_new_static ("{}", 2);

  if (!call_api (profile, SOUP_METHOD_POST, url, empty, cancellable, &answer, error))
    return FALSE;
  if (!SOUP_STATUS_IS_SUCCESSFUL (answer.status)) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT, "%s", answer.message);
    return FALSE;
  }
  return TRUE;
}

const GwFaxBackend gw_fax_http_backend = {
  .name = "http",
  .validate_profile = http_validate_profile,
  .describe = http_describe,
  .deliver = http_deliver,
  .poll = http_poll,
  .cancel = http_cancel,
};
