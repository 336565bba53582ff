/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-graph-answer.c: what Microsoft Graph answered
 *
 * Graph's errors are JSON: {"error": {"code": "ErrorSendAsDenied",
 * "message": "...", "innerError": {...}}}. The code and message go into the
 * delivery's reason, cleaned of control characters and bounded; nothing
 * else of the body is kept. Retry-After (429, 503) is a number of seconds
 * or an HTTP date (RFC 9110, section 10.2.3).
 */
#define G_LOG_DOMAIN "gw-graph"

#include "config.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "gw-graph.h"
#include "gw-json-text.h"

/* Text shown to people is printable and at most this many characters. */
#define MAX_SHOWN 300

void
gw_graph_answer_clear (GwGraphAnswer *answer)
{
  g_clear_pointer (&answer->reason_phrase, g_free);
  g_clear_pointer (&answer->error_code, g_free);
  g_clear_pointer (&answer->error_message, g_free);
  answer->status = 0;
  answer->retry_after = 0;
}

static char *
clean_text (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  g_autoptr(GString) out = g_string_new (NULL);
  guint shown = 0;

  for (const char *p = valid; *p != '\0' && shown < MAX_SHOWN; p = g_utf8_next_char (p), shown++) {
    gunichar c = g_utf8_get_char (p);

    if (g_unichar_iscntrl (c))
      g_string_append_c (out, ' ');
    else
      g_string_append_unichar (out, c);
  }
  return g_strstrip (g_string_free (g_steal_pointer (&out), FALSE));
}

static char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return clean_text (json_node_get_string (node));
}

void
gw_graph_answer_parse_body (GwGraphAnswer *answer,
                            const char    *body,
                            gsize          length)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root, *error_node;
  JsonObject *error;

  /* Checked first: json-glib recurses into every bracket (gw-json-text.c). */
  if (body == NULL || length == 0 || gw_json_text_check (body, length, GW_JSON_TEXT_MAX_DEPTH) != GW_JSON_TEXT_OK ||
      !json_parser_load_from_data (parser, body, (gssize) length, NULL))
    return;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return;
  error_node = json_object_get_member (json_node_get_object (root), "error");
  if (error_node == NULL || !JSON_NODE_HOLDS_OBJECT (error_node))
    return;
  error = json_node_get_object (error_node);
  g_free (answer->error_code);
  answer->error_code = string_member (error, "code");
  g_free (answer->error_message);
  answer->error_message = string_member (error, "message");
}

guint
gw_graph_parse_retry_after (const char *value,
                            GDateTime  *now)
{
  g_autoptr(GDateTime) when = NULL;
  const char *end = NULL;
  guint64 seconds;
  GTimeSpan span;

  if (value == NULL)
    return 0;
  while (g_ascii_isspace (*value))
    value++;
  if (g_ascii_isdigit (*value)) {
    seconds = g_ascii_strtoull (value, (char **) &end, 10);
    while (end != NULL && g_ascii_isspace (*end))
      end++;
    if (end == NULL || *end != '\0')
      return 0;
    return (guint) CLAMP (seconds, 1, GW_GRAPH_MAX_RETRY_AFTER);
  }
  when = soup_date_time_new_from_http_string (value);
  if (when == NULL)
    return 0;
  span = g_date_time_difference (when, now);
  if (span <= 0)
    return 1;
  /* a date in the middle of a second still waits for all of it */
  seconds = (guint64) ((span + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
  return (guint) CLAMP (seconds, 1, GW_GRAPH_MAX_RETRY_AFTER);
}

char *
gw_graph_answer_describe (const GwGraphAnswer *answer)
{
  g_autoptr(GString) text = g_string_new (NULL);

  g_string_append_printf (text, "HTTP %u", answer->status);
  if (answer->reason_phrase != NULL && *answer->reason_phrase != '\0')
    g_string_append_printf (text, " %s", answer->reason_phrase);
  if (answer->error_code != NULL && answer->error_message != NULL)
    g_string_append_printf (text, ": %s: %s", answer->error_code, answer->error_message);
  else if (answer->error_code != NULL)
    g_string_append_printf (text, ": %s", answer->error_code);
  else if (answer->error_message != NULL)
    g_string_append_printf (text, ": %s", answer->error_message);
  return g_string_free (g_steal_pointer (&text), FALSE);
}
