/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-alertmanager.c: webhooks of Alertmanager and Grafana as notifications
 *
 * The payloads in tests/unit/alertmanager/ are what Debian's
 * prometheus-alertmanager 0.25 sent to a webhook receiver (firing, one of
 * two alerts resolved, the group resolved), and a Grafana contact point's
 * document in the form Grafana's documentation gives.
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "herald-error.h"
#include "gw-alertmanager.h"
#include "gw-notification.h"

static char *
load (const char *name,
      gsize      *length)
{
  g_autoptr(GError) error = NULL;
  char *data = NULL;

  g_file_get_contents (g_test_get_filename (G_TEST_DIST, "alertmanager", name, NULL),
                       &data, length, &error);
  g_assert_no_error (error);
  return data;
}

static GVariant *
convert_text (const char *text)
{
  g_autoptr(GError) error = NULL;
  GVariant *result = gw_alertmanager_convert (text, strlen (text), &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
  return result;
}

static GVariant *
convert_file (const char *name)
{
  gsize            length;
  g_autofree char *data = load (name, &length);

  return convert_text (data);
}

static char *
lookup_string (GVariant   *dict,
               const char *key)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (dict, key, G_VARIANT_TYPE_STRING);

  g_assert_nonnull (value);
  return g_variant_dup_string (value, NULL);
}

/* What Send makes of it, with a recipient added: every conversion must
 * pass the checks any notification passes. */
static void
assert_sendable (GVariant *converted)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (converted);
  const char * const to[] = { "ops@example.org", NULL };
  g_autoptr(GVariant) request = NULL;
  g_autoptr(GwNotification) n = NULL;
  g_autoptr(GError) error = NULL;

  g_variant_dict_insert (&dict, "to", "^as", to);
  request = g_variant_ref_sink (g_variant_dict_end (&dict));
  n = gw_notification_new_from_variant (request, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (n);
}

static void
test_firing (void)
{
  g_autoptr(GVariant) result = convert_file ("am-firing.json");
  g_autofree char        *subject = lookup_string (result, "subject");
  g_autofree char        *body = lookup_string (result, "body");
  g_autofree char        *category = lookup_string (result, "category");
  g_autofree char        *app = lookup_string (result, "app-name");
  g_autofree char        *key = lookup_string (result, "idempotency-key");
  g_autofree const char **tags = NULL;
  guint8                  urgency = 9;

  g_assert_cmpstr (subject, ==, "[FIRING:2] HighLatency api (critical)");
  g_assert_cmpstr (category, ==, "alertmanager");
  g_assert_cmpstr (app, ==, "alertmanager");
  g_assert_true (g_variant_lookup (result, "urgency", "y", &urgency));
  g_assert_cmpuint (urgency, ==, 2);
  g_assert_true (g_variant_lookup (result, "tags", "^a&s", &tags));
  g_assert_cmpstrv (tags, ((const char * const[]){ "alertname=HighLatency", "service=api",
                                                   "severity=critical", NULL }));
  g_assert_true (g_str_has_prefix (key, "alertmanager:"));
  g_assert_cmpuint (strlen (key), ==, strlen ("alertmanager:") + 64);

  /* Each alert with its annotations, labels, times and source. */
  g_assert_nonnull (strstr (body, "2 firing, 0 resolved (receiver “herald”)."));
  g_assert_nonnull (strstr (body, "FIRING HighLatency\n  Summary:     Latency above 500 ms\n"
                                  "  Description: p99 latency of api-1 is 730 ms.\n"
                                  "               Check the database.\n"
                                  "  Started:     2026-12-04 20:59:11 UTC\n"
                                  "  Labels:      alertname=HighLatency, instance=api-1:9100, "
                                  "service=api, severity=critical\n"
                                  "  Annotations: runbook_url=https://runbooks.example.org/latency\n"
                                  "  Source:      http://prometheus.example.org:9090/graph?g0.expr=latency\n"));
  g_assert_nonnull (strstr (body, "instance=api-2:9100"));
  g_assert_null (strstr (body, "Ended:"));
  g_assert_nonnull (strstr (body, "Alertmanager:  http://127.0.0.1:51447\n"));
  g_assert_nonnull (strstr (body, "Group:         {}:{alertname=\"HighLatency\", service=\"api\"}\n"));
  assert_sendable (result);
}

static void
test_resolved (void)
{
  g_autoptr(GVariant) firing = convert_file ("am-firing.json");
  g_autoptr(GVariant) partly = convert_file ("am-partly-resolved.json");
  g_autoptr(GVariant) resolved = convert_file ("am-resolved.json");
  g_autofree char *partly_subject = lookup_string (partly, "subject");
  g_autofree char *partly_body = lookup_string (partly, "body");
  g_autofree char *subject = lookup_string (resolved, "subject");
  g_autofree char *body = lookup_string (resolved, "body");
  g_autofree char *firing_key = lookup_string (firing, "idempotency-key");
  g_autofree char *partly_key = lookup_string (partly, "idempotency-key");
  g_autofree char *resolved_key = lookup_string (resolved, "idempotency-key");

  /* One of two resolved: the group still fires, the resolved one last. */
  g_assert_cmpstr (partly_subject, ==, "[FIRING:1] HighLatency api (critical)");
  g_assert_true (strstr (partly_body, "FIRING HighLatency") < strstr (partly_body, "RESOLVED HighLatency"));
  g_assert_nonnull (strstr (partly_body, "  Ended:       2026-12-04 20:59:15 UTC\n"));
  /* The group resolved: its common labels now hold the instance. */
  g_assert_cmpstr (subject, ==, "[RESOLVED] HighLatency api (api-2:9100 critical)");
  g_assert_nonnull (strstr (body, "0 firing, 1 resolved"));
  /* Each change is a notification of its own. */
  g_assert_cmpstr (firing_key, !=, partly_key);
  g_assert_cmpstr (partly_key, !=, resolved_key);
  g_assert_cmpstr (firing_key, !=, resolved_key);
  assert_sendable (partly);
  assert_sendable (resolved);
}

/* Replaces the first @from in @text by @to. */
static char *
replace (const char *text,
         const char *from,
         const char *to)
{
  const char *at = strstr (text, from);

  g_assert_nonnull (at);
  return g_strdup_printf ("%.*s%s%s", (int) (at - text), text, to, at + strlen (from));
}

/* The document with its alerts in reverse order. */
static char *
reverse_alerts (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  JsonObject *root;
  JsonArray  *alerts;
  g_autoptr(JsonArray) reversed = json_array_new ();

  g_assert_true (json_parser_load_from_data (parser, text, -1, NULL));
  root = json_node_get_object (json_parser_get_root (parser));
  alerts = json_object_get_array_member (root, "alerts");
  for (guint i = json_array_get_length (alerts); i > 0; i--)
    json_array_add_element (reversed, json_node_copy (json_array_get_element (alerts, i - 1)));
  json_object_set_array_member (root, "alerts", json_array_ref (reversed));
  json_generator_set_root (generator, json_parser_get_root (parser));
  return json_generator_to_data (generator, NULL);
}

static void
test_idempotency_key (void)
{
  gsize            length;
  g_autofree char *data = load ("am-firing.json", &length);
  g_autoptr(GVariant) first = convert_text (data);
  g_autoptr(GVariant) again = convert_text (data);
  g_autofree char *key = lookup_string (first, "idempotency-key");
  g_autofree char *same = lookup_string (again, "idempotency-key");
  g_autofree char *swapped = NULL;
  g_autofree char *refired = NULL;
  g_autofree char *other_group = NULL;
  g_autofree char *relabelled = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autofree char *text = NULL;

  /* Alertmanager retrying the same webhook: the same key. */
  g_assert_cmpstr (key, ==, same);

  /* The alerts in another order (and other text around them): the same. */
  swapped = reverse_alerts (data);
  text = replace (swapped, "\"receiver\":\"herald\"", "\"receiver\":\"herald-2\"");
  g_assert_cmpstr (text, !=, data);
  result = convert_text (text);
  g_clear_pointer (&same, g_free);
  same = lookup_string (result, "idempotency-key");
  g_assert_cmpstr (key, ==, same);
  g_clear_pointer (&result, g_variant_unref);

  /* Firing again after it resolved: a new start, a new key. */
  refired = replace (data, "\"startsAt\":\"2026-12-04T20:59:11Z\"", "\"startsAt\":\"2026-12-05T07:00:00Z\"");
  result = convert_text (refired);
  g_clear_pointer (&same, g_free);
  same = lookup_string (result, "idempotency-key");
  g_assert_cmpstr (key, !=, same);
  g_clear_pointer (&result, g_variant_unref);

  /* Another group, or another alert in it: another key. */
  other_group = replace (data, "\"groupKey\":\"{}:", "\"groupKey\":\"{}/{team=\\\"x\\\"}:");
  result = convert_text (other_group);
  g_clear_pointer (&same, g_free);
  same = lookup_string (result, "idempotency-key");
  g_assert_cmpstr (key, !=, same);
  g_clear_pointer (&result, g_variant_unref);
  relabelled = replace (data, "\"fingerprint\":\"33c701e5537d0c21\"", "\"fingerprint\":\"0000000000000001\"");
  result = convert_text (relabelled);
  g_clear_pointer (&same, g_free);
  same = lookup_string (result, "idempotency-key");
  g_assert_cmpstr (key, !=, same);
}

static void
test_grafana (void)
{
  g_autoptr(GVariant) result = convert_file ("grafana-firing.json");
  g_autofree char        *subject = lookup_string (result, "subject");
  g_autofree char        *body = lookup_string (result, "body");
  g_autofree char        *app = lookup_string (result, "app-name");
  g_autofree const char **tags = NULL;
  guint8                  urgency = 9;

  g_assert_cmpstr (subject, ==, "[FIRING:1] DiskFull (warning storage eu-2)");
  g_assert_true (g_str_has_prefix (body, "**Firing**\n\nValue: A=93.2\n"));
  g_assert_cmpstr (app, ==, "grafana");
  g_assert_true (g_variant_lookup (result, "urgency", "y", &urgency));
  g_assert_cmpuint (urgency, ==, 1);
  g_assert_true (g_variant_lookup (result, "tags", "^a&s", &tags));
  g_assert_true (g_strv_contains (tags, "team=storage"));
  assert_sendable (result);
}

static void
test_grafana_without_text (void)
{
  gsize            length;
  g_autofree char *data = load ("grafana-firing.json", &length);
  g_autofree char *plain = replace (data, "\"title\":", "\"x-title\":");
  g_autofree char *text = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *body = NULL;
  g_autoptr(GVariant) result = NULL;

  /* Without title and message, the same as from Alertmanager; "state"
   * stands in for a missing "status". */
  text = replace (plain, "\"message\":", "\"x-message\":");
  g_free (plain);
  plain = replace (text, "\"status\": \"firing\",\n  \"orgId\"", "\"orgId\"");
  result = convert_text (plain);
  subject = lookup_string (result, "subject");
  body = lookup_string (result, "body");
  g_assert_cmpstr (subject, ==, "[FIRING:1] DiskFull (warning storage eu-2)");
  g_assert_nonnull (strstr (body, "  Started:     2026-11-30 07:15:00 UTC\n"));
}

static void
test_severity (void)
{
  static const struct {
    const char *severity;
    guint8      urgency;
  } cases[] = {
    { "critical", 2 },
    { "CRITICAL", 2 },
    { "warning", 1 },
    { "info", 0 },
    { "page", 1 },
    { "", 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *text = g_strdup_printf (
      "{\"version\":\"4\",\"status\":\"firing\",\"groupKey\":\"{}:{}\","
      "\"alerts\":[{\"status\":\"firing\",\"labels\":{\"alertname\":\"A\",\"severity\":\"%s\"},"
      "\"startsAt\":\"2026-12-04T20:59:11Z\"}]}",
      cases[i].severity);
    g_autoptr(GVariant) result = convert_text (text);
    guint8 urgency = 9;

    g_assert_true (g_variant_lookup (result, "urgency", "y", &urgency));
    g_assert_cmpuint (urgency, ==, cases[i].urgency);
  }
  {
    /* The highest among the alerts; none is normal. */
    g_autoptr(GVariant) mixed = convert_text (
      "{\"version\":\"4\",\"status\":\"firing\",\"groupKey\":\"k\",\"alerts\":["
      "{\"status\":\"firing\",\"labels\":{\"severity\":\"info\"},\"startsAt\":\"2026-12-04T20:59:11Z\"},"
      "{\"status\":\"firing\",\"labels\":{\"severity\":\"critical\"},\"startsAt\":\"2026-12-04T20:59:11Z\"}]}");
    g_autoptr(GVariant) none = convert_text (
      "{\"version\":\"4\",\"status\":\"firing\",\"groupKey\":\"k\",\"alerts\":["
      "{\"status\":\"firing\",\"labels\":{},\"startsAt\":\"2026-12-04T20:59:11Z\"}]}");
    guint8 urgency = 9;

    g_assert_true (g_variant_lookup (mixed, "urgency", "y", &urgency));
    g_assert_cmpuint (urgency, ==, 2);
    g_assert_true (g_variant_lookup (none, "urgency", "y", &urgency));
    g_assert_cmpuint (urgency, ==, 1);
  }
}

/* Caller text with line breaks, control characters, a template and
 * something like a header: copied, never expanded, never a new line. */
static void
test_hostile_text (void)
{
  g_autoptr(GVariant) result = convert_text (
    "{\"version\":\"4\",\"status\":\"firing\",\"groupKey\":\"{}:{}\","
    "\"groupLabels\":{\"alertname\":\"A\\r\\nBcc: victim@example.org\"},"
    "\"commonLabels\":{\"alertname\":\"A\\r\\nBcc: victim@example.org\",\"x\":\"{pin} {{ .Status }}\\u0007\"},"
    "\"truncatedAlerts\":5,"
    "\"alerts\":[{\"status\":\"firing\",\"labels\":{\"alertname\":\"A\\r\\nBcc: victim@example.org\"},"
    "\"annotations\":{\"summary\":\"one\\r\\ntwo\\u001bthree\"},"
    "\"startsAt\":\"2026-12-04T20:59:11.123456+02:00\",\"endsAt\":\"0001-01-01T00:00:00Z\"}]}");
  g_autofree char        *subject = lookup_string (result, "subject");
  g_autofree char        *body = lookup_string (result, "body");
  g_autofree const char **tags = NULL;

  g_assert_cmpstr (subject, ==, "[FIRING:1] A  Bcc: victim@example.org ({pin} {{ .Status }} )");
  g_assert_true (g_variant_lookup (result, "tags", "^a&s", &tags));
  g_assert_cmpstr (tags[0], ==, "alertname=A  Bcc: victim@example.org");
  g_assert_cmpstr (tags[1], ==, "x={pin} {{ .Status }} ");
  g_assert_nonnull (strstr (body, "Summary:     one\n               two three\n"));
  g_assert_nonnull (strstr (body, "Started:     2026-12-04 18:59:11 UTC\n"));
  g_assert_nonnull (strstr (body, "Alerts not listed here: 5\n"));
  assert_sendable (result);
}

static void
test_limits (void)
{
  g_autoptr(GString) many = g_string_new ("{\"version\":\"4\",\"status\":\"firing\",\"groupKey\":\"g\",\"alerts\":[");
  g_autofree char *description = g_strnfill (3000, 'x');
  g_autofree char *long_value = g_strnfill (2000, 'v');
  g_autoptr(GVariant) result = NULL;
  g_autofree char        *body = NULL;
  g_autofree char        *subject = NULL;
  g_autofree char        *text = NULL;
  g_autofree const char **tags = NULL;

  /* 1000 alerts of 3 kB: the body stops near 1 MiB and says so. */
  for (guint i = 0; i < GW_ALERTMANAGER_MAX_ALERTS; i++)
    g_string_append_printf (many, "%s{\"status\":\"firing\",\"labels\":{\"alertname\":\"A%u\"},"
                                  "\"annotations\":{\"description\":\"%s\"},\"startsAt\":\"2026-12-04T20:59:11Z\"}",
                            i > 0 ? "," : "", i, description);
  g_string_append (many, "]}");
  result = convert_text (many->str);
  body = lookup_string (result, "body");
  g_assert_cmpuint (strlen (body), <=, 1024 * 1024);
  g_assert_nonnull (strstr (body, "Alerts not listed here: "));
  subject = lookup_string (result, "subject");
  g_assert_cmpstr (subject, ==, "[FIRING:1000]");
  assert_sendable (result);
  g_clear_pointer (&result, g_variant_unref);

  /* A subject longer than a header line is cut on a character; a tag is
   * left out rather than cut. */
  text = g_strdup_printf ("{\"version\":\"4\",\"status\":\"resolved\",\"groupKey\":\"g\","
                          "\"groupLabels\":{\"a\":\"ä%s\",\"b\":\"short\"},"
                          "\"alerts\":[{\"status\":\"resolved\",\"labels\":{},"
                          "\"startsAt\":\"2026-12-04T20:59:11Z\",\"endsAt\":\"2026-12-04T21:00:00Z\"}]}",
                          long_value);
  result = convert_text (text);
  g_clear_pointer (&subject, g_free);
  subject = lookup_string (result, "subject");
  g_assert_cmpuint (strlen (subject), <=, 998);
  g_assert_true (g_str_has_suffix (subject, "…"));
  g_assert_true (g_utf8_validate (subject, -1, NULL));
  g_assert_true (g_variant_lookup (result, "tags", "^a&s", &tags));
  g_assert_cmpstrv (tags, ((const char * const[]){ "b=short", NULL }));
  assert_sendable (result);
}

static void
test_bad_payloads (void)
{
  static const struct {
    const char *text;
    int         code;
    const char *mentions;
  } cases[] = {
    { "", HERALD_ERROR_INVALID_ARGUMENT, NULL },
    { "not json", HERALD_ERROR_INVALID_ARGUMENT, NULL },
    { "[]", HERALD_ERROR_INVALID_ARGUMENT, NULL },
    { "{}", HERALD_ERROR_INVALID_ARGUMENT, "version" },
    { "{\"version\":4}", HERALD_ERROR_INVALID_ARGUMENT, "version" },
    { "{\"version\":\"3\"}", HERALD_ERROR_INVALID_ARGUMENT, "version" },
    { "{\"version\":\"4\",\"groupKey\":\"g\",\"alerts\":[]}", HERALD_ERROR_INVALID_ARGUMENT, "status" },
    { "{\"version\":\"4\",\"status\":\"pending\"}", HERALD_ERROR_INVALID_ARGUMENT, "status" },
    { "{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[]}", HERALD_ERROR_INVALID_ARGUMENT, "groupKey" },
    { "{\"version\":\"4\",\"status\":\"firing\",\"groupKey\":\"\",\"alerts\":[{\"status\":\"firing\",\"labels\":{},"
      "\"startsAt\":\"2026-12-04T20:59:11Z\"}]}",
      HERALD_ERROR_INVALID_ARGUMENT, "groupKey" },
    { "{\"version\":\"4\",\"status\":\"firing\",\"groupKey\":\"g\",\"alerts\":[]}", HERALD_ERROR_INVALID_ARGUMENT, "alerts" },
    { "{\"version\":\"4\",\"status\":\"firing\",\"groupKey\":\"g\",\"alerts\":{}}", HERALD_ERROR_INVALID_ARGUMENT, "alerts" },
    { "{\"version\":\"4\",\"status\":\"firing\",\"groupKey\":\"g\",\"alerts\":[1]}", HERALD_ERROR_INVALID_ARGUMENT, "alerts[0]" },
    { "{\"version\":\"4\",\"status\":\"firing\",\"groupKey\":\"g\",\"alerts\":[{\"status\":\"firing\","
      "\"startsAt\":\"2026-12-04T20:59:11Z\"}]}",
      HERALD_ERROR_INVALID_ARGUMENT, "alerts[0].labels" },
    { "{\"version\":\"4\",\"status\":\"firing\",\"groupKey\":\"g\",\"alerts\":[{\"status\":\"firing\",\"labels\":"
      "{\"a\":1},\"startsAt\":\"2026-12-04T20:59:11Z\"}]}",
      HERALD_ERROR_INVALID_ARGUMENT, "alerts[0].labels.a" },
    { "{\"version\":\"4\",\"status\":\"firing\",\"groupKey\":\"g\",\"alerts\":[{\"status\":\"firing\",\"labels\":"
      "{\"\":\"x\"},\"startsAt\":\"2026-12-04T20:59:11Z\"}]}",
      HERALD_ERROR_INVALID_ARGUMENT, "alerts[0].labels" },
    { "{\"version\":\"4\",\"status\":\"firing\",\"groupKey\":\"g\",\"alerts\":[{\"status\":\"firing\",\"labels\":"
      "{\"a\\nb\":\"x\"},\"startsAt\":\"2026-12-04T20:59:11Z\"}]}",
      HERALD_ERROR_INVALID_ARGUMENT, "alerts[0].labels" },
    { "{\"version\":\"4\",\"status\":\"firing\",\"groupKey\":\"g\",\"alerts\":[{\"status\":\"firing\",\"labels\":{}}]}",
      HERALD_ERROR_INVALID_ARGUMENT, "alerts[0].startsAt" },
    { "{\"version\":\"4\",\"status\":\"firing\",\"groupKey\":\"g\",\"alerts\":[{\"status\":\"firing\",\"labels\":{},"
      "\"startsAt\":\"yesterday\"}]}",
      HERALD_ERROR_INVALID_ARGUMENT, "alerts[0].startsAt" },
    { "{\"version\":\"4\",\"status\":\"firing\",\"groupKey\":\"g\",\"alerts\":[{\"status\":\"firing\",\"labels\":{},"
      "\"startsAt\":\"2026-12-04\"}]}",
      HERALD_ERROR_INVALID_ARGUMENT, "alerts[0].startsAt" },
    { "{\"version\":\"4\",\"status\":\"firing\",\"groupKey\":\"g\",\"alerts\":[{\"status\":\"firing\",\"labels\":{},"
      "\"startsAt\":\"2026-12-04T20:59:11Z\",\"endsAt\":5}]}",
      HERALD_ERROR_INVALID_ARGUMENT, "alerts[0].endsAt" },
    { "{\"version\":\"4\",\"status\":\"firing\",\"groupKey\":\"g\",\"alerts\":[{\"status\":\"gone\",\"labels\":{},"
      "\"startsAt\":\"2026-12-04T20:59:11Z\"}]}",
      HERALD_ERROR_INVALID_ARGUMENT, "alerts[0].status" },
    { "{\"version\":\"4\",\"status\":\"firing\",\"groupKey\":\"g\",\"truncatedAlerts\":-1,\"alerts\":[]}",
      HERALD_ERROR_INVALID_ARGUMENT, "truncatedAlerts" },
    { "{\"version\":\"4\",\"status\":\"firing\",\"groupKey\":\"g\",\"groupLabels\":[],\"alerts\":[]}",
      HERALD_ERROR_INVALID_ARGUMENT, "groupLabels" },
    { "{\"version\":\"1\",\"groupKey\":\"g\",\"alerts\":[]}", HERALD_ERROR_INVALID_ARGUMENT, "status" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) result = gw_alertmanager_convert (cases[i].text, strlen (cases[i].text), &error);

    g_test_message ("case %u: %s", i, cases[i].text);
    g_assert_null (result);
    g_assert_error (error, HERALD_ERROR, cases[i].code);
    if (cases[i].mentions != NULL)
      g_assert_nonnull (strstr (error->message, cases[i].mentions));
  }
}

static void
test_bad_sizes (void)
{
  g_autoptr(GString) deep = g_string_new ("{\"version\":\"4\",\"x\":");
  g_autoptr(GString) alerts = g_string_new ("{\"version\":\"4\",\"status\":\"firing\",\"groupKey\":\"g\",\"alerts\":[");
  g_autoptr(GString) labels = g_string_new ("{\"version\":\"4\",\"status\":\"firing\",\"groupKey\":\"g\",\"groupLabels\":{");
  g_autofree char *huge = g_strnfill (GW_ALERTMANAGER_MAX_PAYLOAD + 1, ' ');
  g_autofree char *value = g_strnfill (GW_ALERTMANAGER_MAX_VALUE + 1, 'v');
  g_autofree char *long_value = g_strdup_printf ("{\"version\":\"4\",\"status\":\"firing\",\"groupKey\":\"%s\"}", value);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  g_assert_null (gw_alertmanager_convert (deep->str, deep->len, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_null (gw_alertmanager_convert (huge, strlen (huge), &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE);
  g_clear_error (&error);

  g_assert_null (gw_alertmanager_convert (long_value, strlen (long_value), &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE);
  g_clear_error (&error);

  for (guint i = 0; i <= GW_ALERTMANAGER_MAX_ALERTS; i++)
    g_string_append_printf (alerts, "%s{\"status\":\"firing\",\"labels\":{},\"startsAt\":\"2026-12-04T20:59:11Z\"}",
                            i > 0 ? "," : "");
  g_string_append (alerts, "]}");
  g_assert_null (gw_alertmanager_convert (alerts->str, alerts->len, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE);
  g_clear_error (&error);

  for (guint i = 0; i <= GW_ALERTMANAGER_MAX_LABELS; i++)
    g_string_append_printf (labels, "%s\"l%u\":\"v\"", i > 0 ? "," : "", i);
  g_string_append (labels, "},\"alerts\":[]}");
  g_assert_null (gw_alertmanager_convert (labels->str, labels->len, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE);

  /* A NUL byte or text that is not UTF-8 */
  g_clear_error (&error);
  g_assert_null (gw_alertmanager_convert ("{\"version\":\"4\"\0}", 16, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (gw_alertmanager_convert ("{\"version\":\"\xff\"}", 15, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/alertmanager/firing", test_firing);
  g_test_add_func ("/alertmanager/resolved", test_resolved);
  g_test_add_func ("/alertmanager/idempotency-key", test_idempotency_key);
  g_test_add_func ("/alertmanager/grafana", test_grafana);
  g_test_add_func ("/alertmanager/grafana-without-text", test_grafana_without_text);
  g_test_add_func ("/alertmanager/severity", test_severity);
  g_test_add_func ("/alertmanager/hostile-text", test_hostile_text);
  g_test_add_func ("/alertmanager/limits", test_limits);
  g_test_add_func ("/alertmanager/bad-payloads", test_bad_payloads);
  g_test_add_func ("/alertmanager/bad-sizes", test_bad_sizes);
  return g_test_run ();
}
