/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* heraldctl-delivery.c: heraldctl delivery show|list|cancel|wait|retry */
#define G_LOG_DOMAIN "heraldctl"

#include "config.h"

#include <glib/gi18n.h>

#include "heraldctl.h"

/* Parses the one ID argument of show, cancel, wait and retry. */
static gboolean
parse_id_command (HeraldCtl           *ctl,
                  const char          *command,
                  const char          *summary,
                  const GOptionEntry  *entries,
                  int                 *argc,
                  char              ***argv)
{
  if (!heraldctl_parse_command (ctl, command, _("ID"), summary, entries, argc, argv))
    return FALSE;
  if (*argc != 2) {
    heraldctl_usage_error (_("“%s” takes one delivery id"), command);
    return FALSE;
  }
  return TRUE;
}

static int
delivery_show (HeraldCtl  *ctl,
               int         argc,
               char      **argv)
{
  g_autoptr(HeraldDelivery) delivery = NULL;
  g_autoptr(GError) error = NULL;
  HeraldClient *client;
  int status = HERALDCTL_EXIT_OK;

  if (!parse_id_command (ctl, "delivery show", _("Show a delivery."), NULL, &argc, &argv))
    return HERALDCTL_EXIT_USAGE;
  client = heraldctl_connect (ctl, &status);
  if (client == NULL)
    return status;
  delivery = herald_client_get_delivery_sync (client, argv[1], NULL, &error);
  if (delivery == NULL)
    return heraldctl_fail (ctl, error);

  if (ctl->json)
    heraldctl_print_json (heraldctl_delivery_to_json (delivery));
  else
    heraldctl_print_delivery (delivery);
  return HERALDCTL_EXIT_OK;
}

static int
delivery_list (HeraldCtl  *ctl,
               int         argc,
               char      **argv)
{
  g_autoptr(HeraldDeliveryFilter) filter = herald_delivery_filter_new ();
  g_autoptr(GPtrArray) deliveries = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *state_name = NULL;
  g_autofree char *profile = NULL;
  g_autofree char *app_name = NULL;
  HeraldDeliveryState state;
  HeraldClient *client;
  int limit = -1;  /* not given */
  int status = HERALDCTL_EXIT_OK;
  const GOptionEntry entries[] = {
    { "state", 0, 0, G_OPTION_ARG_STRING, &state_name,
      N_("Only deliveries in this state: queued, sending, sent, deferred, failed, "
         "cancelled, submitted or partial"), N_("STATE") },
    { "profile", 'p', 0, G_OPTION_ARG_STRING, &profile,
      N_("Only deliveries through this profile"), N_("NAME") },
    { "app-name", 0, 0, G_OPTION_ARG_STRING, &app_name,
      N_("Only notifications from this application"), N_("NAME") },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &limit,
      N_("List at most N deliveries, 1 to 10000 (default 100)"), N_("N") },
    { NULL }
  };

  if (!heraldctl_parse_command (ctl, "delivery list", NULL, _("List deliveries, newest first."),
                                entries, &argc, &argv))
    return HERALDCTL_EXIT_USAGE;
  if (argc > 1)
    return heraldctl_usage_error (_("unexpected argument “%s”"), argv[1]);
  if (state_name != NULL) {
    if (!herald_delivery_state_from_string (state_name, &state))
      return heraldctl_usage_error (_("unknown state “%s”"), state_name);
    herald_delivery_filter_set_state (filter, state);
  }
  if (limit != -1 && (limit < 1 || limit > 10000))
    return heraldctl_usage_error (_("--limit must be between 1 and 10000"));
  if (limit != -1)
    herald_delivery_filter_set_limit (filter, limit);
  herald_delivery_filter_set_profile (filter, profile);
  herald_delivery_filter_set_app_name (filter, app_name);
  /* JSON carries each delivery whole, as delivery show --json does */
  herald_delivery_filter_set_include_log (filter, ctl->json);

  client = heraldctl_connect (ctl, &status);
  if (client == NULL)
    return status;
  deliveries = herald_client_list_deliveries_sync (client, filter, NULL, &error);
  if (deliveries == NULL)
    return heraldctl_fail (ctl, error);

  if (ctl->json)
    heraldctl_print_json (heraldctl_deliveries_to_json (deliveries));
  else
    heraldctl_print_deliveries (deliveries);
  return HERALDCTL_EXIT_OK;
}

static int
delivery_cancel (HeraldCtl  *ctl,
                 int         argc,
                 char      **argv)
{
  g_autoptr(GError) error = NULL;
  HeraldClient *client;
  int status = HERALDCTL_EXIT_OK;

  if (!parse_id_command (ctl, "delivery cancel",
                         _("Cancel a delivery that is queued or deferred."), NULL, &argc, &argv))
    return HERALDCTL_EXIT_USAGE;
  client = heraldctl_connect (ctl, &status);
  if (client == NULL)
    return status;
  if (!herald_client_cancel_sync (client, argv[1], NULL, &error))
    return heraldctl_fail (ctl, error);
  return HERALDCTL_EXIT_OK;
}

static int
delivery_wait (HeraldCtl  *ctl,
               int         argc,
               char      **argv)
{
  g_autofree char *timeout_text = NULL;
  guint timeout = 0;
  const GOptionEntry entries[] = {
    { "timeout", 0, 0, G_OPTION_ARG_STRING, &timeout_text,
      N_("Stop waiting after DURATION (90, 90s, 5m, 2h, 1d; exit status 6); the delivery "
         "goes on"),
      N_("DURATION") },
    { NULL }
  };

  if (!parse_id_command (ctl, "delivery wait",
                         _("Wait until a delivery is sent, partly sent, failed or cancelled; "
                           "progress goes to standard error."),
                         entries, &argc, &argv))
    return HERALDCTL_EXIT_USAGE;
  if (!heraldctl_parse_duration ("--timeout", timeout_text, &timeout))
    return HERALDCTL_EXIT_USAGE;
  return heraldctl_follow_delivery (ctl, argv[1], timeout);
}

static int
delivery_retry (HeraldCtl  *ctl,
                int         argc,
                char      **argv)
{
  g_autoptr(GError) error = NULL;
  HeraldClient *client;
  int status = HERALDCTL_EXIT_OK;

  if (!parse_id_command (ctl, "delivery retry",
                         _("Make a deferred, failed or partly sent delivery due now (only "
                           "the recipients that did not get it)."), NULL, &argc, &argv))
    return HERALDCTL_EXIT_USAGE;
  client = heraldctl_connect (ctl, &status);
  if (client == NULL)
    return status;
  if (!herald_client_retry_sync (client, argv[1], NULL, &error))
    return heraldctl_fail (ctl, error);
  return HERALDCTL_EXIT_OK;
}

int
heraldctl_delivery (HeraldCtl  *ctl,
                    int         argc,
                    char      **argv)
{
  static const HeraldCtlCommand actions[] = {
    { "show", delivery_show },
    { "list", delivery_list },
    { "cancel", delivery_cancel },
    { "wait", delivery_wait },
    { "retry", delivery_retry },
    { NULL }
  };

  return heraldctl_run_action (ctl, "delivery",
                               _("Usage:\n"
                                 "  heraldctl delivery show ID\n"
                                 "  heraldctl delivery list [--state STATE] [--profile NAME] "
                                 "[--app-name NAME] [--limit N]\n"
                                 "  heraldctl delivery cancel ID\n"
                                 "  heraldctl delivery wait ID [--timeout DURATION]\n"
                                 "  heraldctl delivery retry ID\n"),
                               actions, argc, argv);
}
