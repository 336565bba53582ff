/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* heraldctl-token.c: heraldctl token add|list|remove
 *
 * Bearer tokens of the gateway's HTTP API. "token add" prints the token
 * once: the gateway keeps only its SHA-256.
 */
#define G_LOG_DOMAIN "heraldctl"

#include "config.h"

#include <glib/gi18n.h>

#include "heraldctl.h"

static void
add_strv (JsonBuilder        *builder,
          const char         *name,
          const char * const *values)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; values[i] != NULL; i++)
    json_builder_add_string_value (builder, values[i]);
  json_builder_end_array (builder);
}

static void
add_time (JsonBuilder *builder,
          const char  *name,
          GDateTime   *time)
{
  g_autofree char *text = time != NULL ? g_date_time_format_iso8601 (time) : NULL;

  json_builder_set_member_name (builder, name);
  if (text == NULL)
    json_builder_add_null_value (builder);
  else
    json_builder_add_string_value (builder, text);
}

static JsonNode *
tokens_to_json (GPtrArray *tokens)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_array (builder);
  for (guint i = 0; i < tokens->len; i++) {
    HeraldToken *token = g_ptr_array_index (tokens, i);

    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "name");
    json_builder_add_string_value (builder, herald_token_get_name (token));
    add_strv (builder, "profiles", herald_token_get_profiles (token));
    add_strv (builder, "tags", herald_token_get_tags (token));
    add_strv (builder, "allowed-tags", herald_token_get_allowed_tags (token));
    json_builder_set_member_name (builder, "rate");
    json_builder_add_int_value (builder, herald_token_get_rate (token));
    add_time (builder, "created", herald_token_get_created (token));
    add_time (builder, "last-used", herald_token_get_last_used (token));
    json_builder_end_object (builder);
  }
  json_builder_end_array (builder);
  return json_builder_get_root (builder);
}

static char *
join_or_dash (const char * const *values,
              const char         *none)
{
  g_autofree char *joined = g_strjoinv (",", (char **) values);

  return heraldctl_sanitize (*joined != '\0' ? joined : none);
}

static void
print_tokens (GPtrArray *tokens)
{
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);

  if (tokens->len == 0) {
    g_print ("%s\n", _("No tokens."));
    return;
  }
  g_ptr_array_add (cells, g_strdup (_("NAME")));
  g_ptr_array_add (cells, g_strdup (_("PROFILES")));
  g_ptr_array_add (cells, g_strdup (_("TAGS")));
  g_ptr_array_add (cells, g_strdup (_("ALLOWED TAGS")));
  g_ptr_array_add (cells, g_strdup (_("RATE/MIN")));
  g_ptr_array_add (cells, g_strdup (_("CREATED")));
  g_ptr_array_add (cells, g_strdup (_("LAST USED")));
  for (guint i = 0; i < tokens->len; i++) {
    HeraldToken *token = g_ptr_array_index (tokens, i);
    GDateTime *last_used = herald_token_get_last_used (token);

    g_ptr_array_add (cells, heraldctl_sanitize (herald_token_get_name (token)));
    /* TRANSLATORS: a token without profiles is routed by the routing rules */
    g_ptr_array_add (cells, join_or_dash (herald_token_get_profiles (token), _("(routes)")));
    g_ptr_array_add (cells, join_or_dash (herald_token_get_tags (token), "-"));
    g_ptr_array_add (cells, join_or_dash (herald_token_get_allowed_tags (token), "-"));
    g_ptr_array_add (cells, herald_token_get_rate (token) > 0
                            ? g_strdup_printf ("%u", herald_token_get_rate (token))
                            : g_strdup (_("no limit")));
    g_ptr_array_add (cells, heraldctl_format_time (herald_token_get_created (token)));
    g_ptr_array_add (cells, last_used != NULL ? heraldctl_format_time (last_used)
                                              : g_strdup (_("never")));
  }
  heraldctl_print_table (cells, 7);
}

static int
token_add (HeraldCtl  *ctl,
           int         argc,
           char      **argv)
{
  g_auto(GStrv) profiles = NULL;
  g_auto(GStrv) tags = NULL;
  g_auto(GStrv) allowed = NULL;
  int rate = -1;
  const GOptionEntry entries[] = {
    { "profile", 'p', 0, G_OPTION_ARG_STRING_ARRAY, &profiles,
      N_("A profile the token may use; the first is used when a request names none "
         "(repeatable; without it the routing rules choose)"),
      N_("PROFILE") },
    { "tag", 't', 0, G_OPTION_ARG_STRING_ARRAY, &tags,
      N_("A tag every notification of the token carries (repeatable)"), N_("TAG") },
    { "allow-tag", 0, 0, G_OPTION_ARG_STRING_ARRAY, &allowed,
      N_("Tags a request may set itself, a pattern with * and ? (repeatable; "
         "without it none; Alertmanager labels are tags NAME=VALUE)"),
      N_("PATTERN") },
    { "rate", 'r', 0, G_OPTION_ARG_INT, &rate,
      N_("Requests a minute, 0 for no limit (default 600; bursts of one second’s worth)"), N_("N") },
    { NULL }
  };
  g_autoptr(HeraldToken) token = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *secret = NULL;
  HeraldClient *client;
  int status = HERALDCTL_EXIT_OK;

  if (!heraldctl_parse_command (ctl, "token add", _("NAME"),
                                _("Create a bearer token for the HTTP API. It is shown only "
                                  "once: the gateway keeps only its SHA-256."),
                                entries, &argc, &argv))
    return HERALDCTL_EXIT_USAGE;
  if (argc != 2)
    return heraldctl_usage_error (_("“token add” needs a name"));
  if (rate < -1 || rate == G_MININT)
    return heraldctl_usage_error (_("--rate must be 0 or more"));
  client = heraldctl_connect (ctl, &status);
  if (client == NULL)
    return status;
  token = herald_token_new (argv[1]);
  herald_token_set_profiles (token, (const char * const *) profiles);
  herald_token_set_tags (token, (const char * const *) tags);
  herald_token_set_allowed_tags (token, (const char * const *) allowed);
  if (rate >= 0)
    herald_token_set_rate (token, (guint) rate);
  secret = herald_client_add_token_sync (client, token, NULL, &error);
  if (secret == NULL)
    return heraldctl_fail (ctl, error);
  if (ctl->json) {
    g_autoptr(JsonBuilder) builder = json_builder_new ();

    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "name");
    json_builder_add_string_value (builder, argv[1]);
    json_builder_set_member_name (builder, "token");
    json_builder_add_string_value (builder, secret);
    json_builder_end_object (builder);
    heraldctl_print_json (json_builder_get_root (builder));
  } else {
    g_print ("%s\n", secret);
    g_printerr (_("Token “%s” created. Store it now: it cannot be shown again.\n"), argv[1]);
  }
  heraldctl_free_secret (g_steal_pointer (&secret));
  return HERALDCTL_EXIT_OK;
}

static int
token_list (HeraldCtl  *ctl,
            int         argc,
            char      **argv)
{
  g_autoptr(GPtrArray) tokens = NULL;
  g_autoptr(GError) error = NULL;
  HeraldClient *client;
  int status = HERALDCTL_EXIT_OK;

  if (!heraldctl_parse_command (ctl, "token list", "",
                                _("List the HTTP API's tokens (never the tokens themselves)."),
                                NULL, &argc, &argv))
    return HERALDCTL_EXIT_USAGE;
  if (argc > 1)
    return heraldctl_usage_error (_("unexpected argument “%s”"), argv[1]);
  client = heraldctl_connect (ctl, &status);
  if (client == NULL)
    return status;
  tokens = herald_client_list_tokens_sync (client, NULL, &error);
  if (tokens == NULL)
    return heraldctl_fail (ctl, error);
  if (ctl->json)
    heraldctl_print_json (tokens_to_json (tokens));
  else
    print_tokens (tokens);
  return HERALDCTL_EXIT_OK;
}

static int
token_remove (HeraldCtl  *ctl,
              int         argc,
              char      **argv)
{
  g_autoptr(GError) error = NULL;
  HeraldClient *client;
  int status = HERALDCTL_EXIT_OK;

  if (!heraldctl_parse_command (ctl, "token remove", _("NAME"),
                                _("Remove a token: requests with it are refused from now on."),
                                NULL, &argc, &argv))
    return HERALDCTL_EXIT_USAGE;
  if (argc != 2)
    return heraldctl_usage_error (_("“token remove” needs a name"));
  client = heraldctl_connect (ctl, &status);
  if (client == NULL)
    return status;
  if (!herald_client_remove_token_sync (client, argv[1], NULL, &error))
    return heraldctl_fail (ctl, error);
  if (!ctl->json)
    g_print (_("Token “%s” removed.\n"), argv[1]);
  return HERALDCTL_EXIT_OK;
}

int
heraldctl_token (HeraldCtl  *ctl,
                 int         argc,
                 char      **argv)
{
  static const HeraldCtlCommand actions[] = {
    { "add", token_add },
    { "list", token_list },
    { "remove", token_remove },
    { NULL }
  };

  return heraldctl_run_action (ctl, "token",
                               _("Usage:\n"
                                 "  heraldctl token add NAME [--profile PROFILE]… [--tag TAG]…\n"
                                 "                          [--allow-tag PATTERN]… [--rate N]\n"
                                 "  heraldctl token list\n"
                                 "  heraldctl token remove NAME\n"),
                               actions, argc, argv);
}
