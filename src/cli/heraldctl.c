/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* heraldctl.c: command-line client of the Herald gateway */
#define G_LOG_DOMAIN "heraldctl"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "heraldctl.h"
#include "gw-units.h"

/* (transfer full) */
static char *
exit_codes_text (void)
{
  /* two messages, so that the first keeps its translations */
  return g_strconcat (_("Exit status:\n"
           "  0  success\n"
           "  1  failure: the gateway or the system reported an error\n"
           "  2  usage error: bad command, option or argument\n"
           "  3  the delivery failed or was cancelled (send --wait, delivery wait),\n"
           "     or the test of a profile failed (profile test)\n"
           "  4  the gateway cannot be reached (no bus, or not running and not activatable)\n"),
                      _("  5  the delivery reached some recipients, and the others were refused\n"
                        "     or expired: state “partial” (send --wait, delivery wait)\n"
                        "  6  --timeout ran out before the delivery was final; it goes on\n"),
                      NULL);
}

/* Commands added since the list above was translated, inserted at its end
 * (its first blank line), so that the list's translation stays whole. */
static char *
later_commands_text (void)
{
  return g_strconcat (_("  profile keys [TRANSPORT]          List the profile keys: meaning,\n"
                        "                                    values, unit and default\n"),
                      _("  quota [--uid UID]                 Show a user's usage against the\n"
                        "                                    quotas of heraldd.conf\n"),
                      _("  token add NAME [OPTION…]          Create a bearer token for the HTTP\n"
                        "                                    API, shown once\n"
                        "  token list                        List the HTTP API's tokens\n"
                        "  token remove NAME                 Remove a token\n"),
                      _("  profile sign-in NAME [--browser]  Sign a profile in to its OAuth 2.0\n"
                        "                                    provider (Microsoft 365, Gmail)\n"),
                      NULL);
}

static char *
main_description (void)
{
  const char *commands = _("Commands:\n"
                           "  profile list                      List the profiles\n"
                           "  profile show NAME                 Show the settings of a profile\n"
                           "  profile add NAME [KEY=VALUE…]     Add a profile\n"
                           "  profile set NAME KEY=VALUE…       Change settings (KEY= resets a key)\n"
                           "  profile remove NAME               Remove a profile and its secrets\n"
                           "  profile test NAME --to ADDRESS    Send a test message now and report\n"
                           "                                    the server's reply, TLS, the session\n"
                           "                                    and a refused certificate\n"
                           "  profile set-password NAME [--key KEY]\n"
                           "                                    Set a secret, read from the terminal\n"
                           "                                    without echo, or from standard input\n"
                           "  send [OPTION…]                    Send a notification\n"
                           "  delivery show ID                  Show a delivery\n"
                           "  delivery list [OPTION…]           List deliveries, newest first\n"
                           "  delivery cancel ID                Cancel a queued or deferred delivery\n"
                           "  delivery wait ID                  Wait until a delivery is final\n"
                           "  delivery retry ID                 Make a deferred or failed delivery\n"
                           "                                    due now\n"
                           "  log [OPTION…]                     Show the outgoing log, one line per\n"
                           "                                    attempt\n"
                           "  route show                        Show the routing rules (JSON)\n"
                           "  route set FILE|-                  Replace the routing rules\n"
                           "  route check --to ADDRESS [OPTION…]\n"
                           "                                    Show which profiles and recipients\n"
                           "                                    a notification would be routed to\n"
                           "  trust list [--trusted] [PROFILE]  List refused server certificates,\n"
                           "                                    or the keys profiles trust\n"
                           "  trust show PROFILE FINGERPRINT    Show a certificate's details\n"
                           "  trust add PROFILE FINGERPRINT     Trust a refused certificate\n"
                           "  trust remove PROFILE FINGERPRINT  Stop trusting a certificate\n"
                           "\n"
                           "Run “heraldctl COMMAND --help” for the options of a command.\n"
                           "\n");
  const char *end = strstr (commands, "\n\n");
  g_autofree char *list = NULL;
  g_autofree char *exit_codes = exit_codes_text ();
  g_autofree char *later = later_commands_text ();

  if (end == NULL)
    return g_strconcat (commands, later, "\n", exit_codes, NULL);
  list = g_strndup (commands, (gsize) (end - commands) + 1);
  return g_strconcat (list, later, end + 1, exit_codes, NULL);
}

/* --verbose: the debug messages of heraldctl and libherald (domains
 * "heraldctl", "herald-*"), on standard error. GLib's own (GDBus's
 * authentication notes, say) are noise to a user of heraldctl; they stay
 * available through G_MESSAGES_DEBUG. */
/* Whether G_MESSAGES_DEBUG asks for @domain's debug messages itself. */
static gboolean
named_in_messages_debug (const char *domain)
{
  g_auto(GStrv) names = g_strsplit_set (g_getenv ("G_MESSAGES_DEBUG") != NULL
                                        ? g_getenv ("G_MESSAGES_DEBUG") : "", " ,:", -1);

  return g_strv_contains ((const char * const *) names, "all") ||
         (domain != NULL && g_strv_contains ((const char * const *) names, domain));
}

static GLogWriterOutput
verbose_writer (GLogLevelFlags   level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  const char *domain = NULL;

  for (gsize i = 0; i < n_fields; i++) {
    if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0) {
      domain = fields[i].value;
      break;
    }
  }
  if ((level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) != 0 &&
      (domain == NULL || !g_str_has_prefix (domain, "herald")) &&
      !named_in_messages_debug (domain))
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (level, fields, n_fields, user_data);
}

static gboolean
verbose_cb (const char  *option_name,
            const char  *value,
            gpointer     data,
            GError     **error)
{
  static gboolean enabled;

  if (enabled)
    return TRUE;
  enabled = TRUE;
  g_log_writer_default_set_use_stderr (TRUE);
  g_log_set_writer_func (verbose_writer, NULL, NULL);
  g_log_set_debug_enabled (TRUE);
  return TRUE;
}

static void
add_global_entries (GOptionContext *context,
                    HeraldCtl      *ctl)
{
  const GOptionEntry entries[] = {
    { "verbose", 'v', G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, verbose_cb,
      N_("Print debug messages of heraldctl and libherald on standard error"), NULL },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &ctl->json,
      N_("Print machine-readable JSON"), NULL },
    { "system", 0, 0, G_OPTION_ARG_NONE, &ctl->system_bus,
      N_("Talk to the system gateway instead of the session one"), NULL },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
}

/* A context with @entries and the global options, for one command. */
static GOptionContext *
option_context_new (HeraldCtl          *ctl,
                    const char         *command,
                    const char         *parameter_string,
                    const char         *summary,
                    const GOptionEntry *entries)
{
  g_autofree char *description = NULL;
  g_autofree char *usage = NULL;
  GOptionContext *context;

  if (command != NULL)
    usage = g_strjoin (" ", command, parameter_string, NULL);
  else
    usage = g_strdup (parameter_string);
  context = g_option_context_new (usage);

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, summary);
  description = exit_codes_text ();
  g_option_context_set_description (context, description);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  add_global_entries (context, ctl);
  return context;
}

static gboolean
parse_options (GOptionContext   *context,
               int              *argc,
               char           ***argv)
{
  g_autoptr(GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error)) {
    heraldctl_usage_error ("%s", error->message);
    return FALSE;
  }
  return TRUE;
}

/* Parses the options of @command: @entries and the global ones. Leaves the
 * arguments in @argv, after argv[0]; prints a usage error and returns FALSE
 * when an option is wrong. */
gboolean
heraldctl_parse_command (HeraldCtl           *ctl,
                         const char          *command,
                         const char          *parameter_string,
                         const char          *summary,
                         const GOptionEntry  *entries,
                         int                 *argc,
                         char              ***argv)
{
  g_autoptr(GOptionContext) context = option_context_new (ctl, command, parameter_string,
                                                          summary, entries);

  return parse_options (context, argc, argv);
}

int
heraldctl_usage_error (const char *format,
                       ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_printerr ("heraldctl: %s\n", message);
  g_printerr (_("Try “heraldctl --help” for more information.\n"));
  return HERALDCTL_EXIT_USAGE;
}

/* Reads the duration @text of @option (--timeout) with the grammar every
 * Herald duration has (gw-units.c): 90, 90s, 5m, 2h, 1d. Prints a usage
 * error listing the forms and returns FALSE when it is not one. */
gboolean
heraldctl_parse_duration (const char *option,
                          const char *text,
                          guint      *seconds)
{
  g_autoptr(GError) error = NULL;
  guint64 n = 0;

  if (text == NULL) {
    *seconds = 0;
    return TRUE;
  }
  if (!gw_units_parse_duration (text, GW_UNIT_SECOND, &n, &error)) {
    /* TRANSLATORS: an option such as --timeout, what was given, and why
     * it is refused (the accepted forms) */
    heraldctl_usage_error (_("%s %s: %s"), option, text, error->message);
    return FALSE;
  }
  if (n > G_MAXUINT32) {
    heraldctl_usage_error (_("%s %s: too large"), option, text);
    return FALSE;
  }
  *seconds = (guint) n;
  return TRUE;
}

static int
action_usage_error (const char *command,
                    const char *action,
                    const char *usage)
{
  if (action == NULL)
    heraldctl_usage_error (_("“%s” needs an action"), command);
  else
    /* TRANSLATORS: the first %s is a command such as "profile", the second
     * what was given as its action */
    heraldctl_usage_error (_("unknown %s action “%s”"), command, action);
  g_printerr ("%s", usage);
  return HERALDCTL_EXIT_USAGE;
}

/* Runs the action of @command named by argv[1], one of @actions (ended by
 * an entry without name); --help prints @usage. */
int
heraldctl_run_action (HeraldCtl               *ctl,
                      const char              *command,
                      const char              *usage,
                      const HeraldCtlCommand  *actions,
                      int                      argc,
                      char                   **argv)
{
  const char *action = argc > 1 ? argv[1] : NULL;

  if (action == NULL)
    return action_usage_error (command, NULL, usage);
  if (g_strcmp0 (action, "--help") == 0 || g_strcmp0 (action, "-h") == 0) {
    g_print ("%s", usage);
    return HERALDCTL_EXIT_OK;
  }
  for (guint i = 0; actions[i].name != NULL; i++) {
    /* the action becomes argv[0] of its own option parsing */
    if (g_strcmp0 (action, actions[i].name) == 0)
      return actions[i].func (ctl, argc - 1, argv + 1);
  }
  return action_usage_error (command, action, usage);
}

static gboolean
error_is_unreachable (const GError *error)
{
  static const GDBusError unreachable[] = {
    G_DBUS_ERROR_SERVICE_UNKNOWN,
    G_DBUS_ERROR_NAME_HAS_NO_OWNER,
    G_DBUS_ERROR_NO_REPLY,
    G_DBUS_ERROR_TIMEOUT,
    G_DBUS_ERROR_TIMED_OUT,
    G_DBUS_ERROR_DISCONNECTED,
    G_DBUS_ERROR_NO_SERVER,
    G_DBUS_ERROR_UNKNOWN_OBJECT,
    G_DBUS_ERROR_UNKNOWN_INTERFACE,
    G_DBUS_ERROR_SPAWN_EXEC_FAILED,
    G_DBUS_ERROR_SPAWN_FORK_FAILED,
    G_DBUS_ERROR_SPAWN_CHILD_EXITED,
    G_DBUS_ERROR_SPAWN_CHILD_SIGNALED,
    G_DBUS_ERROR_SPAWN_FAILED,
    G_DBUS_ERROR_SPAWN_SETUP_FAILED,
    G_DBUS_ERROR_SPAWN_CONFIG_INVALID,
    G_DBUS_ERROR_SPAWN_SERVICE_INVALID,
    G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND,
    G_DBUS_ERROR_SPAWN_PERMISSIONS_INVALID,
    G_DBUS_ERROR_SPAWN_FILE_INVALID,
    G_DBUS_ERROR_SPAWN_NO_MEMORY,
  };

  if (error->domain == G_DBUS_ERROR) {
    for (guint i = 0; i < G_N_ELEMENTS (unreachable); i++) {
      if (error->code == (int) unreachable[i])
        return TRUE;
    }
    return FALSE;
  }
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
}

/* Prints "heraldctl: MESSAGE" and returns the matching exit code. */
int
heraldctl_fail (HeraldCtl    *ctl,
                const GError *error)
{
  g_autofree char *message = heraldctl_sanitize (error->message);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return HERALDCTL_EXIT_FAILURE;
  if (error_is_unreachable (error)) {
    g_printerr ("heraldctl: %s: %s\n",
                ctl->system_bus ? _("cannot reach the Herald gateway on the system bus")
                                : _("cannot reach the Herald gateway on the session bus"),
                message);
    return HERALDCTL_EXIT_UNREACHABLE;
  }
  g_printerr ("heraldctl: %s\n", message);
  return HERALDCTL_EXIT_FAILURE;
}

/* Connects to the bus; on failure prints why and sets @exit_status. */
HeraldClient *
heraldctl_connect (HeraldCtl *ctl,
                   int       *exit_status)
{
  g_autoptr(GError) error = NULL;

  if (ctl->client != NULL)
    return ctl->client;
  ctl->client = herald_client_new_sync (ctl->system_bus ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION,
                                        NULL, &error);
  if (ctl->client != NULL)
    g_debug ("Talking to %s on the %s bus (gateway version %s)", HERALD_DBUS_NAME,
             ctl->system_bus ? "system" : "session",
             herald_client_get_version (ctl->client) != NULL
             ? herald_client_get_version (ctl->client) : "unknown: not running");
  if (ctl->client == NULL) {
    g_printerr ("heraldctl: %s: %s\n",
                ctl->system_bus ? _("cannot connect to the system bus")
                                : _("cannot connect to the session bus"),
                error->message);
    *exit_status = HERALDCTL_EXIT_UNREACHABLE;
  }
  return ctl->client;
}

static const HeraldCtlCommand commands[] = {
  { "profile", heraldctl_profile },
  { "send", heraldctl_send },
  { "delivery", heraldctl_delivery },
  { "route", heraldctl_route },
  { "log", heraldctl_log },
  { "trust", heraldctl_trust },
  { "quota", heraldctl_quota },
  { "token", heraldctl_token },
};

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autofree char *description = NULL;
  HeraldCtl ctl = { 0 };
  gboolean version = FALSE;
  int status;
  const GOptionEntry entries[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  /* HERALD_LOCALEDIR: the build tree's catalogues, for tests */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("HERALD_LOCALEDIR") != NULL
                                   ? g_getenv ("HERALD_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("heraldctl");

  context = option_context_new (&ctl, NULL, _("COMMAND [ARGUMENT…]"),
                                _("Manage the Herald notification gateway: its "
                                  "profiles, notifications and deliveries."),
                                entries);
  description = main_description ();
  g_option_context_set_description (context, description);
  /* options after the command belong to the command */
  g_option_context_set_strict_posix (context, TRUE);
  if (!parse_options (context, &argc, &argv))
    return HERALDCTL_EXIT_USAGE;

  if (version) {
    g_print ("heraldctl %s\n", PACKAGE_VERSION);
    return HERALDCTL_EXIT_OK;
  }
  if (argc < 2)
    return heraldctl_usage_error (_("no command given"));

  status = -1;
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++) {
    if (g_strcmp0 (argv[1], commands[i].name) == 0) {
      status = commands[i].func (&ctl, argc - 1, argv + 1);
      break;
    }
  }
  if (status < 0)
    status = heraldctl_usage_error (_("unknown command “%s”"), argv[1]);

  g_clear_object (&ctl.client);
  return status;
}
