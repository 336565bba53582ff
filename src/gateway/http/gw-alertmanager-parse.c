/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-alertmanager-parse.c: the webhook document, checked and unpacked
 *
 * Every field Herald reads is checked for its JSON type, its size and,
 * for times, its form; an error names the field ("alerts[3].startsAt").
 * Fields Herald does not read (Grafana's values, silenceURL, ...) are
 * left alone, so newer senders that add fields still work.
 */
#define G_LOG_DOMAIN "gw-alertmanager"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-alertmanager-private.h"
#include "gw-json-parse.h"

#define MAX_FINGERPRINT 256
/* The text of a Grafana message is body text: up to Send's limit. */
#define MAX_MESSAGE     (1024 * 1024)

static void
pair_free (GwAmPair *pair)
{
  g_free (pair->name);
  g_free (pair->value);
  g_free (pair);
}

static void
alert_free (GwAmAlert *alert)
{
  g_clear_pointer (&alert->labels, g_ptr_array_unref);
  g_clear_pointer (&alert->annotations, g_ptr_array_unref);
  g_free (alert->generator_url);
  g_free (alert->fingerprint);
  g_free (alert);
}

void
gw_am_payload_free (GwAmPayload *payload)
{
  g_free (payload->group_key);
  g_free (payload->receiver);
  g_clear_pointer (&payload->group_labels, g_ptr_array_unref);
  g_clear_pointer (&payload->common_labels, g_ptr_array_unref);
  g_clear_pointer (&payload->common_annotations, g_ptr_array_unref);
  g_free (payload->external_url);
  g_clear_pointer (&payload->alerts, g_ptr_array_unref);
  g_free (payload->title);
  g_free (payload->message);
  g_free (payload);
}

const char *
gw_am_pairs_lookup (GwAmPairs  *pairs,
                    const char *name)
{
  for (guint i = 0; i < pairs->len; i++) {
    GwAmPair *pair = g_ptr_array_index (pairs, i);
    if (g_str_equal (pair->name, name))
      return pair->value;
  }
  return NULL;
}

/* Alertmanager's SortedPairs: alertname first, then by name. */
static gint
compare_pairs (gconstpointer a,
               gconstpointer b)
{
  const GwAmPair *x = *(GwAmPair * const *) a;
  const GwAmPair *y = *(GwAmPair * const *) b;
  gboolean x_first = g_str_equal (x->name, "alertname");
  gboolean y_first = g_str_equal (y->name, "alertname");

  if (x_first != y_first)
    return x_first ? -1 : 1;
  return strcmp (x->name, y->name);
}

static gboolean
fail (GError    **error,
      HeraldError code,
      const char *path,
      const char *what)
{
  /* TRANSLATORS: "alerts[3].startsAt: must be a string" */
  g_set_error (error, HERALD_ERROR, code, _("Webhook field %s: %s"), path, what);
  return FALSE;
}

static gboolean
has_control (const char *text)
{
  for (const char *p = text; *p != '\0'; p++) {
    if ((guchar) *p < 0x20 || *p == 0x7f)
      return TRUE;
  }
  return FALSE;
}

/* A string of at most @max bytes; absent or null is NULL when optional. */
static gboolean
get_string (JsonObject  *object,
            const char  *member,
            const char  *path,
            gboolean     required,
            gsize        max,
            char       **out,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);
  const char *text;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node)) {
    if (required)
      return fail (error, HERALD_ERROR_INVALID_ARGUMENT, path, _("is missing"));
    return TRUE;
  }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return fail (error, HERALD_ERROR_INVALID_ARGUMENT, path, _("must be a string"));
  text = json_node_get_string (node);
  if (strlen (text) > max)
    return fail (error, HERALD_ERROR_TOO_LARGE, path, _("is too long"));
  if (!g_utf8_validate (text, -1, NULL))
    return fail (error, HERALD_ERROR_INVALID_ARGUMENT, path, _("is not UTF-8 text"));
  *out = g_strdup (text);
  return TRUE;
}

static gboolean
get_pairs (JsonObject  *object,
           const char  *member,
           const char  *path,
           gboolean     required,
           GwAmPairs  **out,
           GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);
  g_autoptr(GPtrArray) pairs = g_ptr_array_new_with_free_func ((GDestroyNotify) pair_free);
  g_autoptr(GList) names = NULL;
  JsonObject *set;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node)) {
    if (required)
      return fail (error, HERALD_ERROR_INVALID_ARGUMENT, path, _("is missing"));
    *out = g_steal_pointer (&pairs);
    return TRUE;
  }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, HERALD_ERROR_INVALID_ARGUMENT, path, _("must be an object of strings"));
  set = json_node_get_object (node);
  if (json_object_get_size (set) > GW_ALERTMANAGER_MAX_LABELS)
    return fail (error, HERALD_ERROR_TOO_LARGE, path, _("has too many entries"));
  names = json_object_get_members (set);
  for (GList *l = names; l != NULL; l = l->next) {
    const char *name = l->data;
    g_autofree char *entry = g_strdup_printf ("%s.%s", path, name);
    GwAmPair *pair;
    char *value = NULL;

    if (*name == '\0' || strlen (name) > GW_ALERTMANAGER_MAX_NAME || has_control (name) ||
        !g_utf8_validate (name, -1, NULL))
      return fail (error, HERALD_ERROR_INVALID_ARGUMENT, path,
                   _("has a name that is empty, too long or not text"));
    if (!get_string (set, name, entry, TRUE, GW_ALERTMANAGER_MAX_VALUE, &value, error))
      return FALSE;
    pair = g_new0 (GwAmPair, 1);
    pair->name = g_strdup (name);
    pair->value = value;
    g_ptr_array_add (pairs, pair);
  }
  g_ptr_array_sort (pairs, compare_pairs);
  *out = g_steal_pointer (&pairs);
  return TRUE;
}

static gboolean
get_status (JsonObject *object,
            const char *path,
            gboolean    required,
            gboolean   *present,
            gboolean   *firing,
            GError    **error)
{
  g_autofree char *status = NULL;

  if (!get_string (object, "status", path, required, 16, &status, error))
    return FALSE;
  *present = status != NULL;
  if (status == NULL)
    return TRUE;
  if (!g_str_equal (status, "firing") && !g_str_equal (status, "resolved"))
    return fail (error, HERALD_ERROR_INVALID_ARGUMENT, path, _("must be “firing” or “resolved”"));
  *firing = g_str_equal (status, "firing");
  return TRUE;
}

/* An RFC 3339 time as µs since the epoch; Go's zero time (year 1), which
 * Alertmanager sends as the end of an alert still firing, is 0. */
static gboolean
get_time (JsonObject  *object,
          const char  *member,
          const char  *path,
          gboolean     required,
          gint64      *out,
          GError     **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GDateTime) time = NULL;
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();

  *out = 0;
  if (!get_string (object, member, path, required, 64, &text, error))
    return FALSE;
  if (text == NULL)
    return TRUE;
  time = g_date_time_new_from_iso8601 (text, utc);
  if (time == NULL || strchr (text, 'T') == NULL)
    return fail (error, HERALD_ERROR_INVALID_ARGUMENT, path, _("is not an RFC 3339 time"));
  if (g_date_time_get_year (time) > 1)
    *out = g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
  return TRUE;
}

/* The labels' own fingerprint for an alert that came without one. */
static char *
fingerprint_of (GwAmPairs *labels)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);

  for (guint i = 0; i < labels->len; i++) {
    GwAmPair *pair = g_ptr_array_index (labels, i);
    g_checksum_update (sum, (const guchar *) pair->name, (gssize) strlen (pair->name) + 1);
    g_checksum_update (sum, (const guchar *) pair->value, (gssize) strlen (pair->value) + 1);
  }
  return g_strndup (g_checksum_get_string (sum), 16);
}

static GwAmAlert *
parse_alert (JsonNode   *node,
             guint       index,
             GError    **error)
{
  g_autofree char *path = g_strdup_printf ("alerts[%u]", index);
  g_autofree char *status_path = g_strconcat (path, ".status", NULL);
  g_autofree char *labels_path = g_strconcat (path, ".labels", NULL);
  g_autofree char *annotations_path = g_strconcat (path, ".annotations", NULL);
  g_autofree char *starts_path = g_strconcat (path, ".startsAt", NULL);
  g_autofree char *ends_path = g_strconcat (path, ".endsAt", NULL);
  g_autofree char *url_path = g_strconcat (path, ".generatorURL", NULL);
  g_autofree char *fingerprint_path = g_strconcat (path, ".fingerprint", NULL);
  GwAmAlert *alert;
  JsonObject *object;
  gboolean present;

  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    fail (error, HERALD_ERROR_INVALID_ARGUMENT, path, _("must be an object"));
    return NULL;
  }
  object = json_node_get_object (node);
  alert = g_new0 (GwAmAlert, 1);
  if (!get_status (object, status_path, TRUE, &present, &alert->firing, error) ||
      !get_pairs (object, "labels", labels_path, TRUE, &alert->labels, error) ||
      !get_pairs (object, "annotations", annotations_path, FALSE, &alert->annotations, error) ||
      !get_time (object, "startsAt", starts_path, TRUE, &alert->starts_at, error) ||
      !get_time (object, "endsAt", ends_path, FALSE, &alert->ends_at, error) ||
      !get_string (object, "generatorURL", url_path, FALSE, GW_ALERTMANAGER_MAX_VALUE,
                   &alert->generator_url, error) ||
      !get_string (object, "fingerprint", fingerprint_path, FALSE, MAX_FINGERPRINT,
                   &alert->fingerprint, error)) {
    alert_free (alert);
    return NULL;
  }
  if (alert->fingerprint == NULL || *alert->fingerprint == '\0') {
    g_free (alert->fingerprint);
    alert->fingerprint = fingerprint_of (alert->labels);
  }
  return alert;
}

static gboolean
parse_alerts (JsonObject  *root,
              GwAmPayload *payload,
              GError     **error)
{
  JsonNode *node = json_object_get_member (root, "alerts");
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return fail (error, HERALD_ERROR_INVALID_ARGUMENT, "alerts", _("must be an array"));
  array = json_node_get_array (node);
  if (json_array_get_length (array) == 0)
    return fail (error, HERALD_ERROR_INVALID_ARGUMENT, "alerts", _("is empty"));
  if (json_array_get_length (array) > GW_ALERTMANAGER_MAX_ALERTS)
    return fail (error, HERALD_ERROR_TOO_LARGE, "alerts", _("has too many entries"));
  payload->alerts = g_ptr_array_new_with_free_func ((GDestroyNotify) alert_free);
  for (guint i = 0; i < json_array_get_length (array); i++) {
    GwAmAlert *alert = parse_alert (json_array_get_element (array, i), i, error);
    if (alert == NULL)
      return FALSE;
    g_ptr_array_add (payload->alerts, alert);
  }
  return TRUE;
}

static gboolean
parse_truncated (JsonObject  *root,
                 GwAmPayload *payload,
                 GError     **error)
{
  JsonNode *node = json_object_get_member (root, "truncatedAlerts");

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
      json_node_get_int (node) < 0)
    return fail (error, HERALD_ERROR_INVALID_ARGUMENT, "truncatedAlerts",
                 _("must be a whole number, 0 or more"));
  payload->truncated_alerts = json_node_get_int (node);
  return TRUE;
}

/* Grafana's "state" where a sender gives no "status". */
static gboolean
status_from_state (JsonObject  *root,
                   GwAmPayload *payload,
                   GError     **error)
{
  g_autofree char *state = NULL;

  if (!get_string (root, "state", "state", FALSE, 32, &state, error))
    return FALSE;
  if (state == NULL)
    return fail (error, HERALD_ERROR_INVALID_ARGUMENT, "status", _("is missing"));
  payload->firing = !g_str_equal (state, "ok");
  return TRUE;
}

GwAmPayload *
gw_am_payload_parse (const char *data,
                     gsize       length,
                     GError    **error)
{
  g_autoptr(GwAmPayload) payload = g_new0 (GwAmPayload, 1);
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *version = NULL;
  JsonObject *root;
  gboolean present = FALSE;

  if (length > GW_ALERTMANAGER_MAX_PAYLOAD) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE,
                 _("The webhook payload is larger than %d bytes"), GW_ALERTMANAGER_MAX_PAYLOAD);
    return NULL;
  }
  node = gw_json_parse_bounded (data, length, GW_JSON_MAX_DEPTH, _("The webhook payload"), error);
  if (node == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                 _("The webhook payload must be a JSON object"));
    return NULL;
  }
  root = json_node_get_object (node);
  if (!get_string (root, "version", "version", TRUE, 16, &version, error))
    return NULL;
  if (!g_str_equal (version, "4") && !g_str_equal (version, "1")) {
    fail (error, HERALD_ERROR_INVALID_ARGUMENT, "version",
          _("must be “4” (Alertmanager) or “1” (Grafana)"));
    return NULL;
  }
  payload->grafana = g_str_equal (version, "1");
  if (!get_status (root, "status", !payload->grafana, &present, &payload->firing, error) ||
      (!present && !status_from_state (root, payload, error)) ||
      !get_string (root, "groupKey", "groupKey", TRUE, GW_ALERTMANAGER_MAX_VALUE,
                   &payload->group_key, error) ||
      !get_string (root, "receiver", "receiver", FALSE, GW_ALERTMANAGER_MAX_VALUE,
                   &payload->receiver, error) ||
      !get_pairs (root, "groupLabels", "groupLabels", FALSE, &payload->group_labels, error) ||
      !get_pairs (root, "commonLabels", "commonLabels", FALSE, &payload->common_labels, error) ||
      !get_pairs (root, "commonAnnotations", "commonAnnotations", FALSE,
                  &payload->common_annotations, error) ||
      !get_string (root, "externalURL", "externalURL", FALSE, GW_ALERTMANAGER_MAX_VALUE,
                   &payload->external_url, error) ||
      !parse_truncated (root, payload, error) ||
      !parse_alerts (root, payload, error))
    return NULL;
  if (payload->grafana &&
      (!get_string (root, "title", "title", FALSE, GW_ALERTMANAGER_MAX_VALUE, &payload->title, error) ||
       !get_string (root, "message", "message", FALSE, MAX_MESSAGE, &payload->message, error)))
    return NULL;
  if (*payload->group_key == '\0') {
    fail (error, HERALD_ERROR_INVALID_ARGUMENT, "groupKey", _("is empty"));
    return NULL;
  }
  return g_steal_pointer (&payload);
}
