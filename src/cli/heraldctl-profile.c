/* heraldctl-profile.c: heraldctl profile list|show|add|set|remove|set-password */
#define G_LOG_DOMAIN "heraldctl"

#include "config.h"

#include <glib/gi18n.h>

#include "heraldctl.h"

/* Keys whose values must never appear on a command line. */
static const char * const secret_keys[] = {
  "password",
  "oauth2-client-secret",
  "oauth2-refresh-token",
  "pop-password",
  "fax-password",
  "fax-api-key",
  "fax-webhook-secret",
  NULL
};

static int
profile_list (HeraldCtl  *ctl,
              int         argc,
              char      **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GPtrArray) profiles = NULL;
  g_autoptr(GError) error = NULL;
  HeraldClient *client;
  int status = HERALDCTL_EXIT_OK;

  context = heraldctl_option_context_new (ctl, "profile list", NULL,
                                          _("List the profiles."), NULL);
  if (!heraldctl_parse_options (context, &argc, &argv))
    return HERALDCTL_EXIT_USAGE;
  if (argc != 1)
    return heraldctl_usage_error (_("“profile list” takes no arguments"));

  client = heraldctl_connect (ctl, &status);
  if (client == NULL)
    return status;
  profiles = herald_client_list_profiles_sync (client, NULL, &error);
  if (profiles == NULL)
    return heraldctl_fail (ctl, error);

  if (ctl->json) {
    g_autoptr(JsonArray) array = json_array_new ();
    g_autoptr(JsonNode) root = json_node_new (JSON_NODE_ARRAY);

    for (guint i = 0; i < profiles->len; i++)
      json_array_add_element (array, heraldctl_profile_to_json (g_ptr_array_index (profiles, i)));
    json_node_set_array (root, array);
    heraldctl_print_json (root);
  } else {
    heraldctl_print_profiles (profiles);
  }
  return HERALDCTL_EXIT_OK;
}

static int
profile_show (HeraldCtl  *ctl,
              int         argc,
              char      **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(HeraldProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  HeraldClient *client;
  int status = HERALDCTL_EXIT_OK;

  context = heraldctl_option_context_new (ctl, "profile show", _("NAME"),
                                          _("Show the settings of a profile. Secrets are "
                                            "never shown, only whether they are set."),
                                          NULL);
  if (!heraldctl_parse_options (context, &argc, &argv))
    return HERALDCTL_EXIT_USAGE;
  if (argc != 2)
    return heraldctl_usage_error (_("“profile show” takes one profile name"));

  client = heraldctl_connect (ctl, &status);
  if (client == NULL)
    return status;
  profile = herald_client_get_profile_sync (client, argv[1], NULL, &error);
  if (profile == NULL)
    return heraldctl_fail (ctl, error);

  if (ctl->json) {
    g_autoptr(JsonNode) root = heraldctl_profile_to_json (profile);
    heraldctl_print_json (root);
  } else {
    heraldctl_print_profile (profile);
  }
  return HERALDCTL_EXIT_OK;
}

/* Fills @profile from KEY=VALUE arguments; returns FALSE after a usage error. */
static gboolean
parse_settings (HeraldProfile  *profile,
                char          **args)
{
  for (guint i = 0; args[i] != NULL; i++) {
    const char *equals = strchr (args[i], '=');
    g_autofree char *key = NULL;

    if (equals == NULL || equals == args[i]) {
      heraldctl_usage_error (_("“%s” is not of the form KEY=VALUE"), args[i]);
      return FALSE;
    }
    key = g_strndup (args[i], equals - args[i]);
    if (g_strv_contains (secret_keys, key)) {
      heraldctl_usage_error (_("“%s” is a secret and is not accepted on the command line; "
                               "use “heraldctl profile set-password %s --key %s”"),
                             key, herald_profile_get_name (profile), key);
      return FALSE;
    }
    herald_profile_set_setting (profile, key, equals + 1);
  }
  return TRUE;
}

static int
profile_add_or_set (HeraldCtl  *ctl,
                    int         argc,
                    char      **argv,
                    gboolean    add)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(HeraldProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  HeraldClient *client;
  int status = HERALDCTL_EXIT_OK;
  gboolean ok;

  if (add)
    context = heraldctl_option_context_new (ctl, "profile add", _("NAME [KEY=VALUE…]"),
                                            _("Add a profile. Keys not given take their "
                                              "defaults; set secrets with “profile "
                                              "set-password”."),
                                            NULL);
  else
    context = heraldctl_option_context_new (ctl, "profile set", _("NAME KEY=VALUE…"),
                                            _("Change settings of a profile. “KEY=” with "
                                              "an empty value resets KEY to its default."),
                                            NULL);
  if (!heraldctl_parse_options (context, &argc, &argv))
    return HERALDCTL_EXIT_USAGE;
  if (argc < 2)
    return heraldctl_usage_error (_("no profile name given"));
  if (!add && argc < 3)
    return heraldctl_usage_error (_("“profile set” needs at least one KEY=VALUE"));

  profile = herald_profile_new (argv[1]);
  if (!parse_settings (profile, argv + 2))
    return HERALDCTL_EXIT_USAGE;

  client = heraldctl_connect (ctl, &status);
  if (client == NULL)
    return status;
  if (add)
    ok = herald_client_add_profile_sync (client, profile, NULL, &error);
  else
    ok = herald_client_update_profile_sync (client, profile, NULL, &error);
  if (!ok)
    return heraldctl_fail (ctl, error);
  return HERALDCTL_EXIT_OK;
}

static int
profile_remove (HeraldCtl  *ctl,
                int         argc,
                char      **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  HeraldClient *client;
  int status = HERALDCTL_EXIT_OK;

  context = heraldctl_option_context_new (ctl, "profile remove", _("NAME"),
                                          _("Remove a profile and its secrets."), NULL);
  if (!heraldctl_parse_options (context, &argc, &argv))
    return HERALDCTL_EXIT_USAGE;
  if (argc != 2)
    return heraldctl_usage_error (_("“profile remove” takes one profile name"));

  client = heraldctl_connect (ctl, &status);
  if (client == NULL)
    return status;
  if (!herald_client_remove_profile_sync (client, argv[1], NULL, &error))
    return heraldctl_fail (ctl, error);
  return HERALDCTL_EXIT_OK;
}

static int
profile_set_password (HeraldCtl  *ctl,
                      int         argc,
                      char      **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  g_autofree char *prompt = NULL;
  gboolean clear = FALSE;
  HeraldClient *client;
  char *secret;
  int status = HERALDCTL_EXIT_OK;
  gboolean ok;
  const GOptionEntry entries[] = {
    { "key", 'k', 0, G_OPTION_ARG_STRING, &key,
      N_("The secret to set: password (the default), oauth2-client-secret, "
         "oauth2-refresh-token, pop-password, fax-password, fax-api-key or "
         "fax-webhook-secret"), N_("KEY") },
    { "clear", 0, 0, G_OPTION_ARG_NONE, &clear,
      N_("Remove the secret instead of setting it"), NULL },
    { NULL }
  };

  context = heraldctl_option_context_new (ctl, "profile set-password", _("NAME"),
                                          _("Set a secret of a profile. The secret is read "
                                            "from the terminal without echo, or from "
                                            "standard input when it is not a terminal; "
                                            "it is never taken from the command line."),
                                          entries);
  if (!heraldctl_parse_options (context, &argc, &argv))
    return HERALDCTL_EXIT_USAGE;
  if (argc != 2)
    return heraldctl_usage_error (_("“profile set-password” takes one profile name"));
  if (key == NULL)
    key = g_strdup ("password");
  if (!g_strv_contains (secret_keys, key))
    return heraldctl_usage_error (_("“%s” is not a secret key"), key);

  client = heraldctl_connect (ctl, &status);
  if (client == NULL)
    return status;
  if (clear)
    return herald_client_set_secret_sync (client, argv[1], key, "", NULL, &error) ?
           HERALDCTL_EXIT_OK : heraldctl_fail (ctl, error);

  /* TRANSLATORS: the first %s is a secret key such as "password", the second a profile name */
  prompt = g_strdup_printf (_("New %s for profile %s: "), key, argv[1]);
  secret = heraldctl_read_secret (prompt, &error);
  if (secret == NULL)
    return heraldctl_fail (ctl, error);
  ok = herald_client_set_secret_sync (client, argv[1], key, secret, NULL, &error);
  heraldctl_free_secret (secret);
  if (!ok)
    return heraldctl_fail (ctl, error);
  return HERALDCTL_EXIT_OK;
}

static const char *
profile_actions (void)
{
  return _("Usage:\n"
           "  heraldctl profile list\n"
           "  heraldctl profile show NAME\n"
           "  heraldctl profile add NAME [KEY=VALUE…]\n"
           "  heraldctl profile set NAME KEY=VALUE…\n"
           "  heraldctl profile remove NAME\n"
           "  heraldctl profile set-password NAME [--key KEY] [--clear]\n");
}

static int
profile_usage (const char *action)
{
  if (action == NULL)
    heraldctl_usage_error (_("“profile” needs an action"));
  else
    heraldctl_usage_error (_("unknown profile action “%s”"), action);
  g_printerr ("%s", profile_actions ());
  return HERALDCTL_EXIT_USAGE;
}

int
heraldctl_profile (HeraldCtl  *ctl,
                   int         argc,
                   char      **argv)
{
  const char *action = argc > 1 ? argv[1] : NULL;

  if (action == NULL)
    return profile_usage (NULL);
  if (g_strcmp0 (action, "--help") == 0 || g_strcmp0 (action, "-h") == 0) {
    g_print ("%s", profile_actions ());
    return HERALDCTL_EXIT_OK;
  }
  /* the action becomes argv[0] of its own option parsing */
  argc--;
  argv++;
  if (g_strcmp0 (action, "list") == 0)
    return profile_list (ctl, argc, argv);
  if (g_strcmp0 (action, "show") == 0)
    return profile_show (ctl, argc, argv);
  if (g_strcmp0 (action, "add") == 0)
    return profile_add_or_set (ctl, argc, argv, TRUE);
  if (g_strcmp0 (action, "set") == 0)
    return profile_add_or_set (ctl, argc, argv, FALSE);
  if (g_strcmp0 (action, "remove") == 0)
    return profile_remove (ctl, argc, argv);
  if (g_strcmp0 (action, "set-password") == 0)
    return profile_set_password (ctl, argc, argv);
  return profile_usage (action);
}
