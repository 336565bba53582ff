/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* heraldctl-route.c: heraldctl route show|set|check */
#define G_LOG_DOMAIN "heraldctl"

#include "config.h"

#include <unistd.h>

#include <glib/gi18n.h>
#include <gio/gunixinputstream.h>

#include "heraldctl.h"

/* The largest routes document read from a file or standard input; the
 * gateway takes up to 1 MiB. */
#define MAX_DOCUMENT_SIZE (1024 * 1024)

static int
route_show (HeraldCtl  *ctl,
            int         argc,
            char      **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *routes = NULL;
  HeraldClient *client;
  JsonNode *root;
  int status = HERALDCTL_EXIT_OK;

  if (!heraldctl_parse_command (ctl, "route show", NULL,
                                _("Show the routing rules as JSON."), NULL, &argc, &argv))
    return HERALDCTL_EXIT_USAGE;
  if (argc > 1)
    return heraldctl_usage_error (_("unexpected argument “%s”"), argv[1]);
  client = heraldctl_connect (ctl, &status);
  if (client == NULL)
    return status;
  routes = herald_client_get_routes_sync (client, NULL, &error);
  if (routes == NULL)
    return heraldctl_fail (ctl, error);
  root = json_from_string (routes, &error);
  if (root == NULL)
    return heraldctl_fail (ctl, error);
  heraldctl_print_json (root);
  return HERALDCTL_EXIT_OK;
}

/* The contents of @path, or of standard input for "-". */
static char *
read_document (const char  *path,
               GError     **error)
{
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *text = NULL;
  gsize size;

  if (g_str_equal (path, "-")) {
    stream = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  } else {
    file = g_file_new_for_commandline_arg (path);
    stream = G_INPUT_STREAM (g_file_read (file, NULL, error));
    if (stream == NULL)
      return NULL;
  }
  bytes = g_input_stream_read_bytes (stream, MAX_DOCUMENT_SIZE + 1, NULL, error);
  if (bytes == NULL)
    return NULL;
  size = g_bytes_get_size (bytes);
  if (size > MAX_DOCUMENT_SIZE) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                 _("%s: the routes document is larger than %u KiB"),
                 path, MAX_DOCUMENT_SIZE / 1024);
    return NULL;
  }
  text = g_strndup (g_bytes_get_data (bytes, NULL), size);
  if (strlen (text) != size || !g_utf8_validate (text, -1, NULL)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 _("%s: the routes document is not UTF-8 text"), path);
    return NULL;
  }
  return g_steal_pointer (&text);
}

static int
route_set (HeraldCtl  *ctl,
           int         argc,
           char      **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *document = NULL;
  HeraldClient *client;
  int status = HERALDCTL_EXIT_OK;

  if (!heraldctl_parse_command (ctl, "route set", _("FILE|-"),
                                _("Replace the routing rules by the JSON document in FILE, or on "
                                  "standard input for “-”. The gateway checks the whole document "
                                  "and keeps its old rules when anything is wrong."),
                                NULL, &argc, &argv))
    return HERALDCTL_EXIT_USAGE;
  if (argc != 2)
    return heraldctl_usage_error (_("“route set” takes one file name, or “-” for standard input"));
  document = read_document (argv[1], &error);
  if (document == NULL)
    return heraldctl_fail (ctl, error);
  client = heraldctl_connect (ctl, &status);
  if (client == NULL)
    return status;
  if (!herald_client_set_routes_sync (client, document, NULL, &error))
    return heraldctl_fail (ctl, error);
  return HERALDCTL_EXIT_OK;
}

typedef struct {
  char **to;
  char **cc;
  char **bcc;
  char **fax;
  char **tags;
  char  *category;
  char  *urgency;
  char  *app_name;
  char  *profile;
} CheckOptions;

static void
check_options_clear (CheckOptions *options)
{
  g_strfreev (options->to);
  g_strfreev (options->cc);
  g_strfreev (options->bcc);
  g_strfreev (options->fax);
  g_strfreev (options->tags);
  g_free (options->category);
  g_free (options->urgency);
  g_free (options->app_name);
  g_free (options->profile);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CheckOptions, check_options_clear)

static void
add_each (HeraldNotification *notification,
          char              **values,
          void              (*add) (HeraldNotification *, const char *))
{
  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    add (notification, values[i]);
}

/* The sample notification, or NULL after a usage error. */
static HeraldNotification *
sample_notification (CheckOptions *options)
{
  g_autoptr(HeraldNotification) notification = herald_notification_new ();
  HeraldUrgency urgency;

  if (options->to == NULL && options->cc == NULL && options->bcc == NULL && options->fax == NULL) {
    heraldctl_usage_error (_("“route check” needs a recipient: --to, --cc, --bcc or --fax"));
    return NULL;
  }
  if (options->urgency != NULL) {
    if (!herald_urgency_from_string (options->urgency, &urgency)) {
      heraldctl_usage_error (_("unknown urgency “%s”: use low, normal or critical"),
                             options->urgency);
      return NULL;
    }
    herald_notification_set_urgency (notification, urgency);
  }
  add_each (notification, options->to, herald_notification_add_to);
  add_each (notification, options->cc, herald_notification_add_cc);
  add_each (notification, options->bcc, herald_notification_add_bcc);
  add_each (notification, options->fax, herald_notification_add_fax);
  add_each (notification, options->tags, herald_notification_add_tag);
  herald_notification_set_category (notification, options->category);
  herald_notification_set_app_name (notification, options->app_name);
  herald_notification_set_profile (notification, options->profile);
  return g_steal_pointer (&notification);
}

static void
add_strv_member (JsonBuilder        *builder,
                 const char         *name,
                 const char * const *values)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; values[i] != NULL; i++)
    json_builder_add_string_value (builder, values[i]);
  json_builder_end_array (builder);
}

JsonNode *
heraldctl_routes_to_json (GPtrArray *routes)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_array (builder);
  for (guint i = 0; i < routes->len; i++) {
    HeraldRoute *route = g_ptr_array_index (routes, i);
    const char *transport = herald_route_get_transport (route);
    const char *rule = herald_route_get_rule (route);

    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "profile");
    json_builder_add_string_value (builder, herald_route_get_profile (route));
    json_builder_set_member_name (builder, "transport");
    json_builder_add_string_value (builder, transport != NULL ? transport : "");
    json_builder_set_member_name (builder, "rule");
    json_builder_add_string_value (builder, rule != NULL ? rule : "");
    add_strv_member (builder, "recipients", herald_route_get_recipients (route));
    add_strv_member (builder, "added", herald_route_get_added (route));
    add_strv_member (builder, "skipped", herald_route_get_skipped (route));
    json_builder_end_object (builder);
  }
  json_builder_end_array (builder);
  return json_builder_get_root (builder);
}

/* "a, b (added)" */
static char *
format_recipients (HeraldRoute *route)
{
  const char * const *recipients = herald_route_get_recipients (route);
  const char * const *added = herald_route_get_added (route);
  GString *text = g_string_new (NULL);

  for (guint i = 0; recipients[i] != NULL; i++) {
    if (i > 0)
      g_string_append (text, ", ");
    g_string_append (text, recipients[i]);
    if (g_strv_contains (added, recipients[i]))
      /* TRANSLATORS: after a recipient that a routing rule added */
      g_string_append_printf (text, " %s", _("(added)"));
  }
  return g_string_free (text, FALSE);
}

void
heraldctl_print_routes (GPtrArray *routes)
{
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (cells, g_strdup (_("PROFILE")));
  g_ptr_array_add (cells, g_strdup (_("TRANSPORT")));
  g_ptr_array_add (cells, g_strdup (_("RULE")));
  g_ptr_array_add (cells, g_strdup (_("RECIPIENTS")));
  for (guint i = 0; i < routes->len; i++) {
    HeraldRoute *route = g_ptr_array_index (routes, i);
    const char * const *skipped = herald_route_get_skipped (route);
    const char *transport = herald_route_get_transport (route);
    const char *rule = herald_route_get_rule (route);

    g_ptr_array_add (cells, g_strdup (herald_route_get_profile (route)));
    g_ptr_array_add (cells, g_strdup (transport != NULL ? transport : "-"));
    if (skipped[0] != NULL) {
      g_autofree char *list = g_strjoinv (", ", (char **) skipped);
      /* TRANSLATORS: a routing rule, then the profiles it passed over */
      g_ptr_array_add (cells, g_strdup_printf (_("%s (skipped %s)"), rule != NULL ? rule : "-", list));
    } else {
      g_ptr_array_add (cells, g_strdup (rule != NULL ? rule : "-"));
    }
    g_ptr_array_add (cells, format_recipients (route));
  }
  heraldctl_print_table (cells, 4);
}

static int
route_check (HeraldCtl  *ctl,
             int         argc,
             char      **argv)
{
  g_auto(CheckOptions) options = { 0 };
  g_autoptr(HeraldNotification) notification = NULL;
  g_autoptr(GPtrArray) routes = NULL;
  g_autoptr(GError) error = NULL;
  HeraldClient *client;
  int status = HERALDCTL_EXIT_OK;
  const GOptionEntry entries[] = {
    { "to", 't', 0, G_OPTION_ARG_STRING_ARRAY, &options.to,
      N_("A recipient (repeatable)"), N_("ADDRESS") },
    { "cc", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options.cc,
      N_("A copy recipient (repeatable)"), N_("ADDRESS") },
    { "bcc", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options.bcc,
      N_("A blind copy recipient (repeatable)"), N_("ADDRESS") },
    { "fax", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options.fax,
      N_("A fax number (repeatable)"), N_("NUMBER") },
    { "category", 'c', 0, G_OPTION_ARG_STRING, &options.category,
      N_("The category"), N_("CATEGORY") },
    { "urgency", 'u', 0, G_OPTION_ARG_STRING, &options.urgency,
      N_("The urgency: low, normal or critical"), N_("URGENCY") },
    { "app-name", 0, 0, G_OPTION_ARG_STRING, &options.app_name,
      N_("The application name"), N_("NAME") },
    { "tag", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options.tags,
      N_("A tag (repeatable)"), N_("TAG") },
    { "profile", 'p', 0, G_OPTION_ARG_STRING, &options.profile,
      N_("Name the profile, bypassing the rules"), N_("NAME") },
    { NULL }
  };

  if (!heraldctl_parse_command (ctl, "route check", NULL,
                                _("Show which profiles and recipients a notification with these "
                                  "properties would be routed to. Nothing is sent."),
                                entries, &argc, &argv))
    return HERALDCTL_EXIT_USAGE;
  if (argc > 1)
    return heraldctl_usage_error (_("unexpected argument “%s”"), argv[1]);
  notification = sample_notification (&options);
  if (notification == NULL)
    return HERALDCTL_EXIT_USAGE;
  client = heraldctl_connect (ctl, &status);
  if (client == NULL)
    return status;
  routes = herald_client_check_route_sync (client, notification, NULL, &error);
  if (routes == NULL)
    return heraldctl_fail (ctl, error);
  if (ctl->json)
    heraldctl_print_json (heraldctl_routes_to_json (routes));
  else
    heraldctl_print_routes (routes);
  return HERALDCTL_EXIT_OK;
}

int
heraldctl_route (HeraldCtl  *ctl,
                 int         argc,
                 char      **argv)
{
  static const HeraldCtlCommand actions[] = {
    { "show", route_show },
    { "set", route_set },
    { "check", route_check },
    { NULL }
  };

  return heraldctl_run_action (ctl, "route",
                               _("Usage:\n"
                                 "  heraldctl route show\n"
                                 "  heraldctl route set FILE|-\n"
                                 "  heraldctl route check --to ADDRESS [--category CATEGORY] "
                                 "[--urgency URGENCY] [--app-name NAME] [--tag TAG]…\n"),
                               actions, argc, argv);
}
