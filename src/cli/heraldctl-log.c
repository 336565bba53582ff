/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* heraldctl-log.c: heraldctl log, the outgoing log one attempt a line */
#define G_LOG_DOMAIN "heraldctl"

#include "config.h"

#include <stdlib.h>

#include <glib/gi18n.h>

#include "heraldctl.h"
#include "gw-units.h"

#define LIMIT_DEFAULT 100
#define LIMIT_MAX     10000

/* A time given on the command line: ISO 8601 ("2026-11-22T08:00:00Z", or
 * without zone in local time), "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]",
 * "now", "today", "yesterday", or a span ago such as "90s", "30m", "2h",
 * "7d", "2w". */
GDateTime *
heraldctl_parse_time (const char *text)
{
  g_autoptr(GTimeZone) local = g_time_zone_new_local ();
  g_autoptr(GDateTime) now = g_date_time_new_now (local);
  g_autofree char *iso = NULL;
  guint64 seconds;

  if (g_str_equal (text, "now"))
    return g_date_time_ref (now);
  if (g_str_equal (text, "today") || g_str_equal (text, "yesterday")) {
    g_autoptr(GDateTime) midnight = g_date_time_new (local, g_date_time_get_year (now),
                                                     g_date_time_get_month (now),
                                                     g_date_time_get_day_of_month (now), 0, 0, 0);
    return g_date_time_add_days (midnight, text[0] == 'y' ? -1 : 0);
  }
  /* a span ago, in the grammar of every Herald duration (gw-units.c) */
  if (gw_units_parse_duration (text, GW_UNIT_SECOND, &seconds, NULL))
    return seconds < G_MAXINT32 ? g_date_time_add_seconds (now, -(gdouble) seconds) : NULL;
  /* the date alone, or without seconds */
  if (strlen (text) == 10)
    iso = g_strconcat (text, "T00:00:00", NULL);
  else if (strlen (text) == 16)
    iso = g_strconcat (text, ":00", NULL);
  else
    iso = g_strdup (text);
  g_strdelimit (iso, " ", 'T');
  return g_date_time_new_from_iso8601 (iso, local);
}

/* One attempt as JSON, with the id of its delivery. */
JsonNode *
heraldctl_attempt_to_json (HeraldAttempt *attempt,
                           const char    *delivery_id)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *started = g_date_time_format_iso8601 (herald_attempt_get_started (attempt));
  const char * const *recipients = herald_attempt_get_recipients (attempt);
  const struct { const char *name; const char *value; } strings[] = {
    { "profile", herald_attempt_get_profile (attempt) },
    { "result", herald_attempt_get_result (attempt) },
    { "reply", herald_attempt_get_reply (attempt) },
    { "enhanced-code", herald_attempt_get_enhanced_code (attempt) },
    { "tls", herald_attempt_get_tls (attempt) },
  };

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "time");
  json_builder_add_string_value (builder, started);
  if (delivery_id != NULL) {
    json_builder_set_member_name (builder, "delivery");
    json_builder_add_string_value (builder, delivery_id);
  }
  for (guint i = 0; i < G_N_ELEMENTS (strings); i++) {
    json_builder_set_member_name (builder, strings[i].name);
    if (strings[i].value != NULL)
      json_builder_add_string_value (builder, strings[i].value);
    else
      json_builder_add_null_value (builder);
  }
  json_builder_set_member_name (builder, "duration-ms");
  json_builder_add_int_value (builder, herald_attempt_get_duration_ms (attempt));
  json_builder_set_member_name (builder, "recipients");
  json_builder_begin_array (builder);
  for (guint i = 0; recipients[i] != NULL; i++)
    json_builder_add_string_value (builder, recipients[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* A time that heraldctl_parse_time() cannot read: says which forms it can. */
static int
time_error (const char *option,
            const char *text)
{
  /* TRANSLATORS: the first %s is an option such as --since, the second what was given */
  return heraldctl_usage_error (_("%s: cannot read the time “%s”. Use ISO 8601 "
                                  "(2026-11-22T08:00:00Z, or without a zone in local time), "
                                  "YYYY-MM-DD, “YYYY-MM-DD HH:MM[:SS]”, now, today, yesterday, "
                                  "or a span ago: a number and s, m, h, d or w, such as 90s, "
                                  "30m, 2h, 7d or 2w (“last week” is 1w)"), option, text);
}

static gint64
to_usec (GDateTime *time)
{
  return g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
}

/* An attempt and the delivery it belongs to. */
typedef struct {
  HeraldDelivery *delivery;
  HeraldAttempt  *attempt;
} Line;

static int
compare_lines (gconstpointer a,
               gconstpointer b)
{
  const Line *la = a, *lb = b;

  return g_date_time_compare (herald_attempt_get_started (la->attempt),
                              herald_attempt_get_started (lb->attempt));
}

/* Every attempt of @deliveries through @profile (or any), oldest first,
 * at most the @limit newest. */
static GArray *
collect_lines (GPtrArray  *deliveries,
               const char *profile,
               guint       limit)
{
  GArray *lines = g_array_new (FALSE, FALSE, sizeof (Line));

  for (guint i = 0; i < deliveries->len; i++) {
    HeraldDelivery *delivery = g_ptr_array_index (deliveries, i);
    GPtrArray *log = herald_delivery_get_log (delivery);

    for (guint j = 0; j < log->len; j++) {
      Line line = { delivery, g_ptr_array_index (log, j) };

      if (profile == NULL || g_strcmp0 (herald_attempt_get_profile (line.attempt), profile) == 0)
        g_array_append_val (lines, line);
    }
  }
  g_array_sort (lines, compare_lines);
  if (lines->len > limit)
    g_array_remove_range (lines, 0, lines->len - limit);
  return lines;
}

static JsonNode *
lines_to_json (GArray *lines)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_array (builder);
  for (guint i = 0; i < lines->len; i++) {
    Line *line = &g_array_index (lines, Line, i);

    json_builder_add_value (builder, heraldctl_attempt_to_json (line->attempt,
                                                                herald_delivery_get_id (line->delivery)));
  }
  json_builder_end_array (builder);
  return json_builder_get_root (builder);
}

static void
print_lines (GArray *lines)
{
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  const char *headers[] = {
    N_("TIME"), N_("DELIVERY"), N_("PROFILE"), N_("RECIPIENTS"), N_("RESULT"), N_("REPLY"),
    N_("CODE"), N_("DURATION"), N_("TLS"),
  };

  for (guint i = 0; i < G_N_ELEMENTS (headers); i++)
    g_ptr_array_add (cells, g_strdup (_(headers[i])));
  for (guint i = 0; i < lines->len; i++) {
    Line *line = &g_array_index (lines, Line, i);
    HeraldAttempt *attempt = line->attempt;
    g_autofree char *recipients = g_strjoinv (",", (char **) herald_attempt_get_recipients (attempt));
    const char *optional[] = {
      herald_attempt_get_profile (attempt), recipients, herald_attempt_get_result (attempt),
      herald_attempt_get_reply (attempt), herald_attempt_get_enhanced_code (attempt),
    };

    g_ptr_array_add (cells, heraldctl_format_time (herald_attempt_get_started (attempt)));
    g_ptr_array_add (cells, g_strdup (herald_delivery_get_id (line->delivery)));
    for (guint j = 0; j < G_N_ELEMENTS (optional); j++) {
      g_autofree char *flat = g_strdup (optional[j] != NULL && *optional[j] != '\0' ? optional[j] : "-");
      /* a multi-line reply stays on its line */
      g_ptr_array_add (cells, g_strdelimit (g_steal_pointer (&flat), "\r\n", ' '));
    }
    g_ptr_array_add (cells, g_strdup_printf ("%u ms", herald_attempt_get_duration_ms (attempt)));
    g_ptr_array_add (cells, g_strdup (herald_attempt_get_tls (attempt) != NULL
                                      ? herald_attempt_get_tls (attempt) : "-"));
  }
  heraldctl_print_table (cells, G_N_ELEMENTS (headers));
}

int
heraldctl_log (HeraldCtl  *ctl,
               int         argc,
               char      **argv)
{
  g_autoptr(HeraldDeliveryFilter) filter = herald_delivery_filter_new ();
  g_autoptr(GPtrArray) deliveries = NULL;
  g_autoptr(GArray) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) since = NULL;
  g_autoptr(GDateTime) until = NULL;
  g_autofree char *state_name = NULL;
  g_autofree char *profile = NULL;
  g_autofree char *app_name = NULL;
  g_autofree char *since_text = NULL;
  g_autofree char *until_text = NULL;
  HeraldDeliveryState state;
  HeraldClient *client;
  int limit = LIMIT_DEFAULT;
  int status = HERALDCTL_EXIT_OK;
  const GOptionEntry entries[] = {
    { "state", 0, 0, G_OPTION_ARG_STRING, &state_name,
      N_("Only deliveries now in this state: queued, sending, sent, deferred, failed, "
         "cancelled, submitted or partial"), N_("STATE") },
    { "profile", 'p', 0, G_OPTION_ARG_STRING, &profile,
      N_("Only attempts through this profile"), N_("NAME") },
    { "app-name", 0, 0, G_OPTION_ARG_STRING, &app_name,
      N_("Only notifications from this application"), N_("NAME") },
    { "since", 0, 0, G_OPTION_ARG_STRING, &since_text,
      N_("Only notifications accepted at or after TIME (ISO 8601, “YYYY-MM-DD HH:MM”, "
         "“today”, “yesterday”, or a span ago such as 30m, 2h, 7d)"), N_("TIME") },
    { "until", 0, 0, G_OPTION_ARG_STRING, &until_text,
      N_("Only notifications accepted before TIME"), N_("TIME") },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &limit,
      N_("Show the N newest attempts, 1 to 10000 (default 100)"), N_("N") },
    { NULL }
  };

  if (!heraldctl_parse_command (ctl, "log", NULL,
                                _("Show the outgoing log: one line per delivery attempt, oldest "
                                  "first, with its time, delivery, profile, recipients, result, "
                                  "server reply, enhanced status code, duration and TLS."),
                                entries, &argc, &argv))
    return HERALDCTL_EXIT_USAGE;
  if (argc > 1)
    return heraldctl_usage_error (_("unexpected argument “%s”"), argv[1]);
  if (state_name != NULL) {
    if (!herald_delivery_state_from_string (state_name, &state))
      return heraldctl_usage_error (_("unknown state “%s”"), state_name);
    herald_delivery_filter_set_state (filter, state);
  }
  if (limit < 1 || limit > LIMIT_MAX)
    return heraldctl_usage_error (_("--limit must be between 1 and 10000"));
  if (since_text != NULL && (since = heraldctl_parse_time (since_text)) == NULL)
    return time_error ("--since", since_text);
  if (until_text != NULL && (until = heraldctl_parse_time (until_text)) == NULL)
    return time_error ("--until", until_text);
  if (since != NULL && until != NULL && to_usec (since) >= to_usec (until))
    return heraldctl_usage_error (_("--since must be before --until"));
  herald_delivery_filter_set_since (filter, since);
  herald_delivery_filter_set_until (filter, until);
  herald_delivery_filter_set_profile (filter, profile);
  herald_delivery_filter_set_app_name (filter, app_name);
  /* each delivery has one attempt or more */
  herald_delivery_filter_set_limit (filter, (guint) limit);
  herald_delivery_filter_set_include_log (filter, TRUE);

  client = heraldctl_connect (ctl, &status);
  if (client == NULL)
    return status;
  deliveries = herald_client_list_deliveries_sync (client, filter, NULL, &error);
  if (deliveries == NULL)
    return heraldctl_fail (ctl, error);
  lines = collect_lines (deliveries, profile, (guint) limit);
  if (ctl->json)
    heraldctl_print_json (lines_to_json (lines));
  else
    print_lines (lines);
  return HERALDCTL_EXIT_OK;
}
