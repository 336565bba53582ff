/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* heraldctl-quota.c: heraldctl quota — a user's usage against its quotas */
#define G_LOG_DOMAIN "heraldctl"

#include "config.h"

#include <glib/gi18n.h>

#include "heraldctl.h"

static JsonNode *
quota_to_json (HeraldQuota *quota)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "uid");
  json_builder_add_int_value (builder, herald_quota_get_uid (quota));
  json_builder_set_member_name (builder, "queued-deliveries");
  json_builder_add_int_value (builder, (gint64) herald_quota_get_queued_deliveries (quota));
  json_builder_set_member_name (builder, "max-queued-deliveries");
  json_builder_add_int_value (builder, (gint64) herald_quota_get_max_queued_deliveries (quota));
  json_builder_set_member_name (builder, "stored-bytes");
  json_builder_add_int_value (builder, (gint64) herald_quota_get_stored_bytes (quota));
  json_builder_set_member_name (builder, "queue-bytes");
  json_builder_add_int_value (builder, (gint64) herald_quota_get_queue_bytes (quota));
  json_builder_set_member_name (builder, "spool-bytes");
  json_builder_add_int_value (builder, (gint64) herald_quota_get_spool_bytes (quota));
  json_builder_set_member_name (builder, "max-stored-bytes");
  json_builder_add_int_value (builder, (gint64) herald_quota_get_max_stored_bytes (quota));
  json_builder_set_member_name (builder, "sends-available");
  /* without a limit: null, not 2^64 - 1 */
  if (herald_quota_get_max_sends_per_minute (quota) == 0)
    json_builder_add_null_value (builder);
  else
    json_builder_add_int_value (builder, (gint64) herald_quota_get_sends_available (quota));
  json_builder_set_member_name (builder, "max-sends-per-minute");
  json_builder_add_int_value (builder, herald_quota_get_max_sends_per_minute (quota));
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* "N of LIMIT", or "N (no limit)". (A format macro inside _() would cut
 * the message for xgettext.) */
static char *
count_of (guint64 count,
          guint64 limit)
{
  g_autofree char *count_text = g_strdup_printf ("%" G_GUINT64_FORMAT, count);
  g_autofree char *limit_text = g_strdup_printf ("%" G_GUINT64_FORMAT, limit);

  if (limit == 0)
    /* TRANSLATORS: a count or size that has no limit */
    return g_strdup_printf (_("%s (no limit)"), count_text);
  /* TRANSLATORS: a count or size and its limit, such as "3 of 10000" */
  return g_strdup_printf (_("%s of %s"), count_text, limit_text);
}

static char *
bytes_of (guint64 bytes,
          guint64 limit)
{
  g_autofree char *held = g_format_size_full (bytes, G_FORMAT_SIZE_IEC_UNITS);
  g_autofree char *max = NULL;

  if (limit == 0)
    return g_strdup_printf (_("%s (no limit)"), held);
  max = g_format_size_full (limit, G_FORMAT_SIZE_IEC_UNITS);
  return g_strdup_printf (_("%s of %s"), held, max);
}

static char *
sends_text (guint   rate,
            guint64 available)
{
  g_autofree char *available_text = g_strdup_printf ("%" G_GUINT64_FORMAT, available);

  /* TRANSLATORS: the limit a minute, then how many calls may be made now */
  return g_strdup_printf (_("%u a minute, %s available now"), rate, available_text);
}

static void
print_quota (HeraldQuota *quota)
{
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *queue = g_format_size_full (herald_quota_get_queue_bytes (quota),
                                               G_FORMAT_SIZE_IEC_UNITS);
  g_autofree char *spool = g_format_size_full (herald_quota_get_spool_bytes (quota),
                                               G_FORMAT_SIZE_IEC_UNITS);
  g_autofree char *stored = bytes_of (herald_quota_get_stored_bytes (quota),
                                      herald_quota_get_max_stored_bytes (quota));
  guint rate = herald_quota_get_max_sends_per_minute (quota);

  g_ptr_array_add (cells, g_strdup (_("user")));
  g_ptr_array_add (cells, g_strdup_printf ("%u", herald_quota_get_uid (quota)));
  g_ptr_array_add (cells, g_strdup (_("queued deliveries")));
  g_ptr_array_add (cells, count_of (herald_quota_get_queued_deliveries (quota),
                                    herald_quota_get_max_queued_deliveries (quota)));
  g_ptr_array_add (cells, g_strdup (_("stored")));
  /* TRANSLATORS: the bytes held, then what they are made of */
  g_ptr_array_add (cells, g_strdup_printf (_("%s (queue %s, attachment spool %s)"),
                                           stored, queue, spool));
  g_ptr_array_add (cells, g_strdup (_("Send calls")));
  if (rate == 0)
    g_ptr_array_add (cells, g_strdup (_("no limit")));
  else
    g_ptr_array_add (cells, sends_text (rate, herald_quota_get_sends_available (quota)));
  heraldctl_print_table (cells, 2);
}

int
heraldctl_quota (HeraldCtl  *ctl,
                 int         argc,
                 char      **argv)
{
  g_autoptr(HeraldQuota) quota = NULL;
  g_autoptr(GError) error = NULL;
  HeraldClient *client;
  int status = HERALDCTL_EXIT_OK;
  gint64 uid = -1;
  int uid_option = -1;
  const GOptionEntry entries[] = {
    { "uid", 'u', 0, G_OPTION_ARG_INT, &uid_option,
      N_("Show the quota of this user instead of one's own (needs the read-log authorisation)"),
      N_("UID") },
    { NULL }
  };

  if (!heraldctl_parse_command (ctl, "quota", NULL,
                                _("Show a user's usage against the per-caller quotas of "
                                  "heraldd.conf: deliveries not final yet, bytes held in the "
                                  "queue and the attachment spool, and Send calls a minute."),
                                entries, &argc, &argv))
    return HERALDCTL_EXIT_USAGE;
  if (argc > 1)
    return heraldctl_usage_error (_("unexpected argument “%s”"), argv[1]);
  if (uid_option != -1) {
    if (uid_option < 0)
      return heraldctl_usage_error (_("--uid must be a user id, 0 or more"));
    uid = uid_option;
  }
  client = heraldctl_connect (ctl, &status);
  if (client == NULL)
    return status;
  quota = herald_client_get_quota_sync (client, uid, NULL, &error);
  if (quota == NULL)
    return heraldctl_fail (ctl, error);
  if (ctl->json)
    heraldctl_print_json (quota_to_json (quota));
  else
    print_quota (quota);
  return HERALDCTL_EXIT_OK;
}
