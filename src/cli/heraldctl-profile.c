/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* heraldctl-profile.c: heraldctl profile list|show|add|set|remove|set-password */
#define G_LOG_DOMAIN "heraldctl"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "heraldctl.h"

/* The user name a password is used with ("password" with "username",
 * "pop-password" with "pop-username"): a password alone is never sent. */
static char *
username_key_of (const char *key)
{
  if (g_str_equal (key, "password"))
    return g_strdup ("username");
  if (g_str_has_suffix (key, "-password"))
    return g_strdup_printf ("%.*s-username", (int) (strlen (key) - strlen ("-password")), key);
  return NULL;
}

/* Warns when @key is a password that @profile has no user name for. */
static void
warn_without_username (HeraldProfile *profile,
                       const char    *key)
{
  g_autofree char *username_key = username_key_of (key);
  const char *username;

  if (username_key == NULL)
    return;
  username = herald_profile_get_string (profile, username_key);
  if (username != NULL && *username != '\0')
    return;
  /* TRANSLATORS: the first %s is a profile name, the second and fourth
   * a key such as "username", the third a secret key such as "password" */
  g_printerr (_("heraldctl: warning: profile “%s” has no %s, so its %s is not used "
                "until one is set: heraldctl profile set %s %s=NAME\n"),
              herald_profile_get_name (profile), username_key, key,
              herald_profile_get_name (profile), username_key);
}

/* Says what set-password did: on standard output, or as JSON. */
static void
report_secret (HeraldCtl  *ctl,
               const char *profile,
               const char *key,
               gboolean    set)
{
  if (ctl->json) {
    g_autoptr(JsonBuilder) builder = json_builder_new ();

    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "profile");
    json_builder_add_string_value (builder, profile);
    json_builder_set_member_name (builder, "key");
    json_builder_add_string_value (builder, key);
    json_builder_set_member_name (builder, "set");
    json_builder_add_boolean_value (builder, set);
    json_builder_end_object (builder);
    heraldctl_print_json (json_builder_get_root (builder));
  } else if (set) {
    /* TRANSLATORS: the first %s is a secret key such as "password", the second a profile */
    g_print (_("Stored the %s of profile “%s” (encrypted; it is never shown).\n"), key, profile);
  } else {
    /* TRANSLATORS: the first %s is a secret key such as "password", the second a profile */
    g_print (_("Removed the %s of profile “%s”.\n"), key, profile);
  }
}

static int
profile_list (HeraldCtl  *ctl,
              int         argc,
              char      **argv)
{
  g_autoptr(GPtrArray) profiles = NULL;
  g_autoptr(GError) error = NULL;
  HeraldClient *client;
  int status = HERALDCTL_EXIT_OK;

  if (!heraldctl_parse_command (ctl, "profile list", NULL, _("List the profiles."), NULL,
                                &argc, &argv))
    return HERALDCTL_EXIT_USAGE;
  if (argc != 1)
    return heraldctl_usage_error (_("“profile list” takes no arguments"));

  client = heraldctl_connect (ctl, &status);
  if (client == NULL)
    return status;
  profiles = herald_client_list_profiles_sync (client, NULL, &error);
  if (profiles == NULL)
    return heraldctl_fail (ctl, error);

  if (ctl->json)
    heraldctl_print_json (heraldctl_profiles_to_json (profiles));
  else
    heraldctl_print_profiles (profiles);
  return HERALDCTL_EXIT_OK;
}

/* Fills @profile from KEY=VALUE arguments; returns FALSE after a usage error. */
/* Whether @key is a secret key, whose value must never appear on a
 * command line. The plugin SDK makes every transport name its secret keys
 * this way and no other key (gw_setting_spec_new()): "password", or a
 * last word of "password", "secret", "token", "key" or "pin". */
static gboolean
named_like_secret (const char *key)
{
  static const char * const words[] = { "password", "secret", "token", "key", "pin", NULL };
  const char *last = strrchr (key, '-');

  return g_strv_contains (words, last != NULL ? last + 1 : key);
}

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
    if (named_like_secret (key)) {
      heraldctl_usage_error (_("“%s” is a secret and is not accepted on the command line; "
                               "use “heraldctl profile set-password %s --key %s”"),
                             key, herald_profile_get_name (profile), key);
      return FALSE;
    }
    herald_profile_set_setting (profile, key, equals + 1);
  }
  return TRUE;
}

/* After "profile add": which transport the profile got, and whether it
 * was the default because none was given. As JSON: an object saying so;
 * as text: a note on standard error, only when the default was taken. */
static void
report_added (HeraldCtl    *ctl,
              HeraldClient *client,
              const char   *name)
{
  g_autoptr(HeraldProfile) added = herald_client_get_profile_sync (client, name, NULL, NULL);
  const char *transport = added != NULL ? herald_profile_get_transport (added) : NULL;
  gboolean defaulted = added != NULL && herald_profile_get_uses_default (added, "transport");

  if (transport == NULL)
    return;
  if (ctl->json) {
    g_autoptr(JsonBuilder) builder = json_builder_new ();

    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "profile");
    json_builder_add_string_value (builder, name);
    json_builder_set_member_name (builder, "transport");
    json_builder_add_string_value (builder, transport);
    json_builder_set_member_name (builder, "transport-default");
    json_builder_add_boolean_value (builder, defaulted);
    json_builder_end_object (builder);
    heraldctl_print_json (json_builder_get_root (builder));
  } else if (defaulted) {
    /* TRANSLATORS: the first %s is a profile name, the second a transport such as "smtp" */
    g_printerr (_("heraldctl: profile “%s” uses transport “%s”, the default, as no transport= "
                  "was given; “heraldctl profile keys %s” lists its keys\n"),
                name, transport, transport);
  }
}

static int
profile_add_or_set (HeraldCtl  *ctl,
                    int         argc,
                    char      **argv,
                    gboolean    add)
{
  g_autoptr(HeraldProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  HeraldClient *client;
  int status = HERALDCTL_EXIT_OK;
  gboolean parsed;
  gboolean ok;

  if (add)
    parsed = heraldctl_parse_command (ctl, "profile add", _("NAME [KEY=VALUE…]"),
                                      _("Add a profile. Keys not given take their "
                                        "defaults; without transport=, the default "
                                        "transport (smtp), which is then named on "
                                        "standard error. “heraldctl profile keys "
                                        "[TRANSPORT]” and herald-profile(5) list every "
                                        "key with its meaning, values, unit and default. "
                                        "Sizes take 1048576, 10M, 10MB or 10 MiB "
                                        "(multiples of 1024), durations 90, 90s, 5m, 2h "
                                        "or 1d. Set secrets with “profile "
                                        "set-password”."),
                                      NULL, &argc, &argv);
  else
    parsed = heraldctl_parse_command (ctl, "profile set", _("NAME KEY=VALUE…"),
                                      _("Change settings of a profile. “KEY=” with "
                                        "an empty value resets KEY to its default."),
                                      NULL, &argc, &argv);
  if (!parsed)
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
  if (add)
    report_added (ctl, client, argv[1]);
  return HERALDCTL_EXIT_OK;
}

static int
profile_add (HeraldCtl  *ctl,
             int         argc,
             char      **argv)
{
  return profile_add_or_set (ctl, argc, argv, TRUE);
}

static int
profile_set (HeraldCtl  *ctl,
             int         argc,
             char      **argv)
{
  return profile_add_or_set (ctl, argc, argv, FALSE);
}

static int
profile_remove (HeraldCtl  *ctl,
                int         argc,
                char      **argv)
{
  g_autoptr(GError) error = NULL;
  HeraldClient *client;
  int status = HERALDCTL_EXIT_OK;

  if (!heraldctl_parse_command (ctl, "profile remove", _("NAME"),
                                _("Remove a profile and its secrets."), NULL, &argc, &argv))
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
  g_autoptr(GError) error = NULL;
  g_autoptr(HeraldProfile) profile = NULL;
  g_autofree char *key = NULL;
  g_autofree char *prompt = NULL;
  gboolean clear = FALSE;
  HeraldClient *client;
  char *secret;
  int status = HERALDCTL_EXIT_OK;
  gboolean ok;
  const GOptionEntry entries[] = {
    { "key", 'k', 0, G_OPTION_ARG_STRING, &key,
      N_("The secret to set: password (the default) or another secret key of the "
          "profile's transport (“profile show” lists them as KEY-set)"),
      N_("KEY") },
    { "clear", 0, 0, G_OPTION_ARG_NONE, &clear,
      N_("Remove the secret instead of setting it"), NULL },
    { NULL }
  };

  if (!heraldctl_parse_command (ctl, "profile set-password", _("NAME"),
                                _("Set a secret of a profile. The secret is read from the "
                                  "terminal without echo, or from standard input when it "
                                  "is not a terminal; it is never taken from the command "
                                  "line."),
                                entries, &argc, &argv))
    return HERALDCTL_EXIT_USAGE;
  if (argc != 2)
    return heraldctl_usage_error (_("“profile set-password” takes one profile name"));
  if (key == NULL)
    key = g_strdup ("password");
  if (!named_like_secret (key))
    return heraldctl_usage_error (_("“%s” is not a secret key"), key);

  client = heraldctl_connect (ctl, &status);
  if (client == NULL)
    return status;
  /* before asking for the secret: the profile must exist */
  profile = herald_client_get_profile_sync (client, argv[1], NULL, &error);
  if (profile == NULL)
    return heraldctl_fail (ctl, error);
  if (clear) {
    if (!herald_client_set_secret_sync (client, argv[1], key, "", NULL, &error))
      return heraldctl_fail (ctl, error);
    report_secret (ctl, argv[1], key, FALSE);
    return HERALDCTL_EXIT_OK;
  }
  warn_without_username (profile, key);

  /* TRANSLATORS: the first %s is a secret key such as "password", the second a profile name */
  prompt = g_strdup_printf (_("New %s for profile %s: "), key, argv[1]);
  secret = heraldctl_read_secret (prompt, &error);
  if (secret == NULL)
    return heraldctl_fail (ctl, error);
  ok = herald_client_set_secret_sync (client, argv[1], key, secret, NULL, &error);
  heraldctl_free_secret (secret);
  if (!ok)
    return heraldctl_fail (ctl, error);
  report_secret (ctl, argv[1], key, TRUE);
  return HERALDCTL_EXIT_OK;
}

static int
profile_test (HeraldCtl  *ctl,
              int         argc,
              char      **argv)
{
  g_autoptr(HeraldTestResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *to = NULL;
  HeraldClient *client;
  int status = HERALDCTL_EXIT_OK;
  const GOptionEntry entries[] = {
    { "to", 't', 0, G_OPTION_ARG_STRING, &to,
      N_("The address the test message is sent to (required)"), N_("ADDRESS") },
    { NULL }
  };

  if (!heraldctl_parse_command (ctl, "profile test", _("NAME --to ADDRESS"),
                                _("Send a test message through a profile now, outside the "
                                  "queue, and report how it went: the server's own reply "
                                  "and enhanced status code, the TLS version and cipher, "
                                  "the session transcript with credentials masked and, when "
                                  "the server's certificate was refused, that certificate. "
                                  "Exits with status 3 when the test failed."),
                                entries, &argc, &argv))
    return HERALDCTL_EXIT_USAGE;
  if (argc != 2)
    return heraldctl_usage_error (_("“profile test” takes one profile name"));
  if (to == NULL || *to == '\0')
    return heraldctl_usage_error (_("“profile test” needs --to ADDRESS"));

  client = heraldctl_connect (ctl, &status);
  if (client == NULL)
    return status;
  result = herald_client_test_profile_sync (client, argv[1], to, NULL, &error);
  if (result == NULL)
    return heraldctl_fail (ctl, error);

  if (ctl->json)
    heraldctl_print_json (heraldctl_test_result_to_json (result, argv[1]));
  else
    heraldctl_print_test_result (result, argv[1]);
  return herald_test_result_get_ok (result) ? HERALDCTL_EXIT_OK : HERALDCTL_EXIT_DELIVERY_FAILED;
}

int
heraldctl_profile (HeraldCtl  *ctl,
                   int         argc,
                   char      **argv)
{
  static const HeraldCtlCommand actions[] = {
    { "list", profile_list },
    { "show", heraldctl_profile_show },
    { "keys", heraldctl_profile_keys },
    { "add", profile_add },
    { "set", profile_set },
    { "remove", profile_remove },
    { "set-password", profile_set_password },
    { "test", profile_test },
    { "sign-in", heraldctl_profile_sign_in },
    { NULL }
  };

  /* The sign-in came after the usage was translated: its own string. */
  g_autofree char *usage = g_strconcat (_("Usage:\n"
                                          "  heraldctl profile list\n"
                                          "  heraldctl profile show NAME\n"
                                          "  heraldctl profile keys [TRANSPORT]\n"
                                          "  heraldctl profile add NAME [KEY=VALUE…]\n"
                                          "  heraldctl profile set NAME KEY=VALUE…\n"
                                          "  heraldctl profile remove NAME\n"
                                          "  heraldctl profile set-password NAME [--key KEY] [--clear]\n"
                                          "  heraldctl profile test NAME --to ADDRESS\n"),
                                        _("  heraldctl profile sign-in NAME [--browser]\n"), NULL);

  return heraldctl_run_action (ctl, "profile", usage, actions, argc, argv);
}
