/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-alertmanager.c: an Alertmanager (or Grafana) webhook as a notification
 *
 * The subject, body, tags, urgency and idempotency key of one alert
 * group; see gw-alertmanager.h for what each holds. Everything is put
 * together by plain concatenation of the document's values.
 */
#define G_LOG_DOMAIN "gw-alertmanager"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "gw-alertmanager-private.h"

/* What Send takes (gw-notification.c): a header line, body text. */
#define MAX_LINE  998
#define MAX_BODY  (1024 * 1024)
/* Room kept at the end of the body for the lines after the alerts. */
#define BODY_TAIL (3 * GW_ALERTMANAGER_MAX_VALUE + 256)

/* Text for a header or a tag: control characters become spaces. */
static void
append_single_line (GString    *out,
                    const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    g_string_append_c (out, ((guchar) *p < 0x20 || *p == 0x7f) ? ' ' : *p);
}

/* Body text: line breaks kept (CR LF and CR become LF), other control
 * characters but TAB become spaces; continuation lines are indented. */
static void
append_text (GString    *out,
             const char *text,
             const char *indent)
{
  for (const char *p = text; *p != '\0'; p++) {
    if (*p == '\r' && p[1] == '\n')
      continue;
    if (*p == '\n' || *p == '\r') {
      g_string_append_c (out, '\n');
      g_string_append (out, indent);
    } else if (((guchar) *p < 0x20 && *p != '\t') || *p == 0x7f) {
      g_string_append_c (out, ' ');
    } else {
      g_string_append_c (out, *p);
    }
  }
}

/* Cuts @text to @max bytes on a character boundary, ending in "…". */
static void
truncate_utf8 (GString *text,
               gsize    max)
{
  static const char ellipsis[] = "…";
  const char *cut;

  if (text->len <= max)
    return;
  cut = text->str + max - (sizeof ellipsis - 1);
  /* back to the start of the character the cut falls in */
  while (cut > text->str && ((guchar) *cut & 0xc0) == 0x80)
    cut--;
  g_string_truncate (text, (gsize) (cut - text->str));
  g_string_append (text, ellipsis);
}

static guint
count_firing (GwAmPayload *payload)
{
  guint firing = 0;

  for (guint i = 0; i < payload->alerts->len; i++)
    firing += ((GwAmAlert *) g_ptr_array_index (payload->alerts, i))->firing ? 1 : 0;
  return firing;
}

/* Alertmanager's default title: [STATUS(:FIRING)] group values (other
 * common values). */
static char *
make_subject (GwAmPayload *payload)
{
  g_autoptr(GString) subject = g_string_new (NULL);
  guint extra = 0;

  if (payload->title != NULL && *payload->title != '\0') {
    append_single_line (subject, payload->title);
    truncate_utf8 (subject, MAX_LINE);
    return g_string_free (g_steal_pointer (&subject), FALSE);
  }
  if (payload->firing)
    g_string_append_printf (subject, "[FIRING:%u]", count_firing (payload));
  else
    g_string_append (subject, "[RESOLVED]");
  for (guint i = 0; i < payload->group_labels->len; i++) {
    g_string_append_c (subject, ' ');
    append_single_line (subject, ((GwAmPair *) g_ptr_array_index (payload->group_labels, i))->value);
  }
  for (guint i = 0; i < payload->common_labels->len; i++) {
    GwAmPair *pair = g_ptr_array_index (payload->common_labels, i);

    if (gw_am_pairs_lookup (payload->group_labels, pair->name) != NULL)
      continue;
    g_string_append (subject, extra++ == 0 ? " (" : " ");
    append_single_line (subject, pair->value);
  }
  if (extra > 0)
    g_string_append_c (subject, ')');
  truncate_utf8 (subject, MAX_LINE);
  return g_string_free (g_steal_pointer (&subject), FALSE);
}

static void
append_time (GString    *out,
             const char *label,
             gint64      usec)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  g_autofree char *text = time != NULL ? g_date_time_format (time, "%Y-%m-%d %H:%M:%S UTC") : NULL;

  if (text != NULL)
    g_string_append_printf (out, "  %-13s%s\n", label, text);
}

static void
append_pairs (GString    *out,
              const char *label,
              GwAmPairs  *pairs,
              gboolean    skip_described)
{
  gboolean any = FALSE;

  for (guint i = 0; i < pairs->len; i++) {
    GwAmPair *pair = g_ptr_array_index (pairs, i);

    if (skip_described && (g_str_equal (pair->name, "summary") ||
                           g_str_equal (pair->name, "description")))
      continue;
    g_string_append_printf (out, any ? ", " : "  %-13s", label);
    any = TRUE;
    append_single_line (out, pair->name);
    g_string_append_c (out, '=');
    append_single_line (out, pair->value);
  }
  if (any)
    g_string_append_c (out, '\n');
}

static void
append_alert (GString   *out,
              GwAmAlert *alert)
{
  const char *name = gw_am_pairs_lookup (alert->labels, "alertname");
  const char *summary = gw_am_pairs_lookup (alert->annotations, "summary");
  const char *description = gw_am_pairs_lookup (alert->annotations, "description");

  g_string_append (out, alert->firing ? "FIRING " : "RESOLVED ");
  append_single_line (out, name != NULL ? name : alert->fingerprint);
  g_string_append_c (out, '\n');
  if (summary != NULL) {
    g_string_append_printf (out, "  %-13s", _("Summary:"));
    append_text (out, summary, "               ");
    g_string_append_c (out, '\n');
  }
  if (description != NULL) {
    g_string_append_printf (out, "  %-13s", _("Description:"));
    append_text (out, description, "               ");
    g_string_append_c (out, '\n');
  }
  append_time (out, _("Started:"), alert->starts_at);
  if (alert->ends_at != 0)
    append_time (out, _("Ended:"), alert->ends_at);
  append_pairs (out, _("Labels:"), alert->labels, FALSE);
  append_pairs (out, _("Annotations:"), alert->annotations, TRUE);
  if (alert->generator_url != NULL && *alert->generator_url != '\0') {
    g_string_append_printf (out, "  %-13s", _("Source:"));
    append_single_line (out, alert->generator_url);
    g_string_append_c (out, '\n');
  }
  g_string_append_c (out, '\n');
}

static char *
make_body (GwAmPayload *payload)
{
  g_autoptr(GString) body = g_string_new (NULL);
  guint firing = count_firing (payload);
  guint left_out = 0;

  if (payload->message != NULL && *payload->message != '\0') {
    append_text (body, payload->message, "");
    truncate_utf8 (body, MAX_BODY);
    return g_string_free (g_steal_pointer (&body), FALSE);
  }
  g_string_append_printf (body, _("%u firing, %u resolved"), firing, payload->alerts->len - firing);
  if (payload->receiver != NULL) {
    g_autoptr(GString) receiver = g_string_new (NULL);

    append_single_line (receiver, payload->receiver);
    g_string_append (body, " (");
    g_string_append_printf (body, _("receiver “%s”"), receiver->str);
    g_string_append_c (body, ')');
  }
  g_string_append (body, ".\n\n");
  /* Firing first, as Alertmanager's own templates list them. */
  for (guint pass = 0; pass < 2; pass++) {
    for (guint i = 0; i < payload->alerts->len; i++) {
      GwAmAlert *alert = g_ptr_array_index (payload->alerts, i);
      g_autoptr(GString) entry = NULL;

      if (alert->firing != (pass == 0))
        continue;
      entry = g_string_new (NULL);
      append_alert (entry, alert);
      if (body->len + entry->len > MAX_BODY - BODY_TAIL) {
        left_out++;
        continue;
      }
      g_string_append_len (body, entry->str, (gssize) entry->len);
    }
  }
  if (left_out > 0 || payload->truncated_alerts > 0) {
    guint64 unlisted = (guint64) left_out + (guint64) payload->truncated_alerts;
    g_autofree char *count = g_strdup_printf ("%" G_GUINT64_FORMAT, unlisted);

    /* TRANSLATORS: %s is a number of alerts */
    g_string_append_printf (body, _("Alerts not listed here: %s"), count);
    g_string_append (body, "\n\n");
  }
  if (payload->external_url != NULL && *payload->external_url != '\0') {
    g_string_append_printf (body, "%-15s", "Alertmanager:");
    append_single_line (body, payload->external_url);
    g_string_append_c (body, '\n');
  }
  g_string_append_printf (body, "%-15s", _("Group:"));
  append_single_line (body, payload->group_key);
  g_string_append_c (body, '\n');
  truncate_utf8 (body, MAX_BODY);
  return g_string_free (g_steal_pointer (&body), FALSE);
}

static void
add_tags (GStrvBuilder *tags,
          GHashTable   *seen,
          GwAmPairs    *pairs)
{
  for (guint i = 0; i < pairs->len; i++) {
    GwAmPair *pair = g_ptr_array_index (pairs, i);
    g_autoptr(GString) tag = g_string_new (NULL);

    append_single_line (tag, pair->name);
    g_string_append_c (tag, '=');
    append_single_line (tag, pair->value);
    /* A tag too long for Send is left out rather than cut: a cut value
     * would match rules it should not. */
    if (tag->len > MAX_LINE || g_hash_table_contains (seen, tag->str))
      continue;
    g_hash_table_add (seen, g_strdup (tag->str));
    g_strv_builder_add (tags, tag->str);
  }
}

/* 0 low, 1 normal, 2 critical */
static guint8
urgency_of (const char *severity)
{
  if (severity == NULL)
    return 1;
  if (g_ascii_strcasecmp (severity, "critical") == 0)
    return 2;
  if (g_ascii_strcasecmp (severity, "info") == 0)
    return 0;
  return 1;
}

/* The highest urgency among the alerts; low only when every alert says
 * info. */
static guint8
group_urgency (GwAmPayload *payload)
{
  guint8 urgency = 0;

  for (guint i = 0; i < payload->alerts->len; i++) {
    GwAmAlert *alert = g_ptr_array_index (payload->alerts, i);
    const char *severity = gw_am_pairs_lookup (alert->labels, "severity");

    if (severity == NULL)
      severity = gw_am_pairs_lookup (payload->common_labels, "severity");
    urgency = MAX (urgency, urgency_of (severity));
  }
  return urgency;
}

static gint
compare_alerts (gconstpointer a,
                gconstpointer b)
{
  const GwAmAlert *x = *(GwAmAlert * const *) a;
  const GwAmAlert *y = *(GwAmAlert * const *) b;
  int order = strcmp (x->fingerprint, y->fingerprint);

  if (order != 0)
    return order;
  return x->starts_at < y->starts_at ? -1 : x->starts_at > y->starts_at;
}

static void
checksum_add (GChecksum  *sum,
              const char *text)
{
  /* with its NUL, so that no two sequences of strings hash alike */
  g_checksum_update (sum, (const guchar *) text, (gssize) strlen (text) + 1);
}

/* The same group, status and alerts (by fingerprint, status, start and
 * end) give the same key whatever order the alerts come in. */
static char *
make_key (GwAmPayload *payload)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  /* a view without a free function: the payload owns the alerts */
  g_autoptr(GPtrArray) alerts = g_ptr_array_sized_new (payload->alerts->len);

  for (guint i = 0; i < payload->alerts->len; i++)
    g_ptr_array_add (alerts, g_ptr_array_index (payload->alerts, i));
  g_ptr_array_sort (alerts, compare_alerts);
  checksum_add (sum, payload->group_key);
  checksum_add (sum, payload->firing ? "firing" : "resolved");
  for (guint i = 0; i < alerts->len; i++) {
    GwAmAlert *alert = g_ptr_array_index (alerts, i);
    g_autofree char *times = g_strdup_printf ("%" G_GINT64_FORMAT " %" G_GINT64_FORMAT,
                                              alert->starts_at, alert->ends_at);

    checksum_add (sum, alert->fingerprint);
    checksum_add (sum, alert->firing ? "firing" : "resolved");
    checksum_add (sum, times);
  }
  return g_strconcat (GW_ALERTMANAGER_CATEGORY ":", g_checksum_get_string (sum), NULL);
}

GVariant *
gw_alertmanager_convert (const char *data,
                         gsize       length,
                         GError    **error)
{
  g_autoptr(GwAmPayload) payload = gw_am_payload_parse (data, length, error);
  g_autoptr(GStrvBuilder) tags = g_strv_builder_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto(GStrv) tag_list = NULL;
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autofree char *subject = NULL;
  g_autofree char *body = NULL;
  g_autofree char *key = NULL;

  if (payload == NULL)
    return NULL;
  subject = make_subject (payload);
  body = make_body (payload);
  key = make_key (payload);
  add_tags (tags, seen, payload->group_labels);
  add_tags (tags, seen, payload->common_labels);
  tag_list = g_strv_builder_end (tags);

  g_variant_dict_insert (&dict, "subject", "s", subject);
  g_variant_dict_insert (&dict, "body", "s", body);
  if (tag_list[0] != NULL)
    g_variant_dict_insert (&dict, "tags", "^as", tag_list);
  g_variant_dict_insert (&dict, "urgency", "y", group_urgency (payload));
  g_variant_dict_insert (&dict, "category", "s", GW_ALERTMANAGER_CATEGORY);
  g_variant_dict_insert (&dict, "app-name", "s", payload->grafana ? "grafana" : "alertmanager");
  g_variant_dict_insert (&dict, "idempotency-key", "s", key);
  return g_variant_ref_sink (g_variant_dict_end (&dict));
}
