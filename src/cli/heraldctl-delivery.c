/* heraldctl-delivery.c: heraldctl delivery show|list|cancel|wait */
#define G_LOG_DOMAIN "heraldctl"

#include "config.h"

#include <glib/gi18n.h>

#include "heraldctl.h"

/* Parses the one ID argument of show, cancel and wait. */
static gboolean
parse_id_command (HeraldCtl    *ctl,
                  const char   *command,
                  const char   *summary,
                  int          *argc,
                  char       ***argv)
{
  g_autoptr(GOptionContext) context = NULL;

  context = heraldctl_option_context_new (ctl, command, _("ID"), summary, NULL);
  if (!heraldctl_parse_options (context, argc, argv))
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

  if (!parse_id_command (ctl, "delivery show", _("Show a delivery."), &argc, &argv))
    return HERALDCTL_EXIT_USAGE;
  client = heraldctl_connect (ctl, &status);
  if (client == NULL)
    return status;
  delivery = herald_client_get_delivery_sync (client, argv[1], NULL, &error);
  if (delivery == NULL)
    return heraldctl_fail (ctl, error);

  if (ctl->json) {
    g_autoptr(JsonNode) root = heraldctl_delivery_to_json (delivery);
    heraldctl_print_json (root);
  } else {
    heraldctl_print_delivery (delivery);
  }
  return HERALDCTL_EXIT_OK;
}

static int
delivery_list (HeraldCtl  *ctl,
               int         argc,
               char      **argv)
{
  g_autoptr(GOptionContext) context = NULL;
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
      N_("Only deliveries in this state: queued, sending, sent, deferred, failed or "
         "cancelled"), N_("STATE") },
    { "profile", 'p', 0, G_OPTION_ARG_STRING, &profile,
      N_("Only deliveries through this profile"), N_("NAME") },
    { "app-name", 0, 0, G_OPTION_ARG_STRING, &app_name,
      N_("Only notifications from this application"), N_("NAME") },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &limit,
      N_("List at most N deliveries, 1 to 10000 (default 100)"), N_("N") },
    { NULL }
  };

  context = heraldctl_option_context_new (ctl, "delivery list", NULL,
                                          _("List deliveries, newest first."), entries);
  if (!heraldctl_parse_options (context, &argc, &argv))
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

  client = heraldctl_connect (ctl, &status);
  if (client == NULL)
    return status;
  deliveries = herald_client_list_deliveries_sync (client, filter, NULL, &error);
  if (deliveries == NULL)
    return heraldctl_fail (ctl, error);

  if (ctl->json) {
    g_autoptr(JsonArray) array = json_array_new ();
    g_autoptr(JsonNode) root = json_node_new (JSON_NODE_ARRAY);

    for (guint i = 0; i < deliveries->len; i++)
      json_array_add_element (array, heraldctl_delivery_to_json (g_ptr_array_index (deliveries, i)));
    json_node_set_array (root, array);
    heraldctl_print_json (root);
  } else {
    heraldctl_print_deliveries (deliveries);
  }
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
                         _("Cancel a delivery that is queued or deferred."), &argc, &argv))
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
  if (!parse_id_command (ctl, "delivery wait",
                         _("Wait until a delivery is sent, failed or cancelled."),
                         &argc, &argv))
    return HERALDCTL_EXIT_USAGE;
  return heraldctl_follow_delivery (ctl, argv[1]);
}

static const char *
delivery_actions (void)
{
  return _("Usage:\n"
           "  heraldctl delivery show ID\n"
           "  heraldctl delivery list [--state STATE] [--profile NAME] [--app-name NAME] "
           "[--limit N]\n"
           "  heraldctl delivery cancel ID\n"
           "  heraldctl delivery wait ID\n");
}

static int
delivery_usage (const char *action)
{
  if (action == NULL)
    heraldctl_usage_error (_("“delivery” needs an action"));
  else
    heraldctl_usage_error (_("unknown delivery action “%s”"), action);
  g_printerr ("%s", delivery_actions ());
  return HERALDCTL_EXIT_USAGE;
}

int
heraldctl_delivery (HeraldCtl  *ctl,
                    int         argc,
                    char      **argv)
{
  const char *action = argc > 1 ? argv[1] : NULL;

  if (action == NULL)
    return delivery_usage (NULL);
  if (g_strcmp0 (action, "--help") == 0 || g_strcmp0 (action, "-h") == 0) {
    g_print ("%s", delivery_actions ());
    return HERALDCTL_EXIT_OK;
  }
  argc--;
  argv++;
  if (g_strcmp0 (action, "show") == 0)
    return delivery_show (ctl, argc, argv);
  if (g_strcmp0 (action, "list") == 0)
    return delivery_list (ctl, argc, argv);
  if (g_strcmp0 (action, "cancel") == 0)
    return delivery_cancel (ctl, argc, argv);
  if (g_strcmp0 (action, "wait") == 0)
    return delivery_wait (ctl, argc, argv);
  return delivery_usage (action);
}
