/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-desktop-bridge.c: forwards selected desktop notifications to Herald
 *
 * A program of its own rather than a mode of heraldd: desktop notifications
 * live on the user's session bus, while the gateway often runs on the
 * system bus as its own user. The bridge is an ordinary session client of
 * both buses and talks to the gateway only through libherald, like any
 * other application. */
#define G_LOG_DOMAIN "herald-desktop-bridge"

#include "config.h"

#include <locale.h>
#include <stdlib.h>

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <herald.h>

#include "hb-config.h"
#include "hb-forwarder.h"
#include "hb-server.h"

typedef struct {
  GMainLoop *loop;
  HbServer  *server;
  int        status;
  guint      names_pending;
  gboolean   stopping;
} Bridge;

static gboolean
shutdown_done_cb (gpointer user_data)
{
  Bridge *bridge = user_data;

  g_main_loop_quit (bridge->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
signal_cb (gpointer user_data)
{
  Bridge *bridge = user_data;

  if (bridge->stopping)
    return G_SOURCE_CONTINUE;
  bridge->stopping = TRUE;
  g_info ("stopping: sending what is pending");
  hb_server_shutdown (bridge->server, shutdown_done_cb, bridge);
  return G_SOURCE_CONTINUE;
}

static void
name_acquired_cb (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  g_info ("owning %s", name);
}

static void
name_lost_cb (GDBusConnection *connection,
              const char      *name,
              gpointer         user_data)
{
  Bridge *bridge = user_data;

  g_printerr (_("herald-desktop-bridge: cannot own the bus name %s\n"), name);
  bridge->status = EXIT_FAILURE;
  g_main_loop_quit (bridge->loop);
}

/* org.freedesktop.Notifications is only taken where no notification server
 * runs; when one has it (or takes it later), the bridge goes on serving
 * under its own name. */
static void
notifications_name_lost_cb (GDBusConnection *connection,
                            const char      *name,
                            gpointer         user_data)
{
  g_info ("%s belongs to another notification server; serving under the bridge's own name only",
          name);
}

/* Where the gateway is: a session gateway when one is running or can be
 * started, the system gateway otherwise. */
static GBusType
find_gateway_bus (GDBusConnection *session)
{
  g_autoptr(GVariant) owner = NULL;
  g_autoptr(GVariant) activatable = NULL;
  g_autofree const char **names = NULL;

  owner = g_dbus_connection_call_sync (session, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", HERALD_DBUS_NAME), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (owner != NULL) {
    gboolean has_owner;
    g_variant_get (owner, "(b)", &has_owner);
    if (has_owner)
      return G_BUS_TYPE_SESSION;
  }
  activatable = g_dbus_connection_call_sync (session, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                             "org.freedesktop.DBus", "ListActivatableNames", NULL,
                                             G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                             NULL, NULL);
  if (activatable != NULL) {
    g_autoptr(GVariant) list = g_variant_get_child_value (activatable, 0);
    names = g_variant_get_strv (list, NULL);
    if (g_strv_contains (names, HERALD_DBUS_NAME))
      return G_BUS_TYPE_SESSION;
  }
  return G_BUS_TYPE_SYSTEM;
}

static int
run (HbConfig *config)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) session = NULL;
  g_autoptr(HeraldClient) client = NULL;
  g_autoptr(HbForwarder) forwarder = NULL;
  g_autoptr(HbServer) server = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Bridge bridge = { loop, NULL, EXIT_SUCCESS, 0, FALSE };
  GBusType gateway_bus;
  guint owner_ids[2] = { 0, 0 };
  guint signal_ids[2];

  session = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (session == NULL) {
    g_printerr (_("herald-desktop-bridge: no session bus: %s\n"), error->message);
    return EXIT_FAILURE;
  }
  gateway_bus = config->gateway_bus != G_BUS_TYPE_NONE ? config->gateway_bus : find_gateway_bus (session);
  client = herald_client_new_sync (gateway_bus, NULL, &error);
  if (client == NULL) {
    g_printerr (_("herald-desktop-bridge: cannot reach the Herald gateway: %s\n"), error->message);
    return EXIT_FAILURE;
  }
  g_info ("gateway on the %s bus", gateway_bus == G_BUS_TYPE_SYSTEM ? "system" : "session");

  forwarder = hb_forwarder_new (client, config);
  server = hb_server_new (config, forwarder);
  bridge.server = server;
  if (!hb_server_start (server, session, &error)) {
    g_printerr ("herald-desktop-bridge: %s\n", error->message);
    return EXIT_FAILURE;
  }
  if (config->mode & HB_MODE_FORWARD) {
    owner_ids[0] = g_bus_own_name_on_connection (session, config->bus_name, G_BUS_NAME_OWNER_FLAGS_NONE,
                                                 name_acquired_cb, name_lost_cb, &bridge, NULL);
    if (config->own_notifications_name)
      owner_ids[1] = g_bus_own_name_on_connection (session, "org.freedesktop.Notifications",
                                                   G_BUS_NAME_OWNER_FLAGS_NONE,
                                                   name_acquired_cb, notifications_name_lost_cb,
                                                   &bridge, NULL);
  }
  signal_ids[0] = g_unix_signal_add (SIGTERM, signal_cb, &bridge);
  signal_ids[1] = g_unix_signal_add (SIGINT, signal_cb, &bridge);

  g_main_loop_run (loop);

  for (guint i = 0; i < G_N_ELEMENTS (owner_ids); i++) {
    if (owner_ids[i] != 0)
      g_bus_unown_name (owner_ids[i]);
  }
  for (guint i = 0; i < G_N_ELEMENTS (signal_ids); i++)
    g_source_remove (signal_ids[i]);
  g_dbus_connection_flush_sync (session, NULL, NULL);
  return bridge.status;
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *config_path = NULL;
  g_auto(GStrv) modes = NULL;
  gboolean verbose = FALSE, version = FALSE;
  const GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
      N_("Read the configuration from FILE (default: ~/.config/herald/desktop-bridge.conf)"), N_("FILE") },
    { "mode", 0, 0, G_OPTION_ARG_STRING_ARRAY, &modes,
      N_("forward (serve forwarded notifications) or monitor (watch the session bus); may be repeated"),
      N_("MODE") },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_("Log informational messages"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HbConfig) config = NULL;
  const char *localedir = g_getenv ("HERALD_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (NULL);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, _("Forwards desktop notifications that the Herald routing rules select to mail or fax."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("herald-desktop-bridge: %s\n", error->message);
    return 2;
  }
  if (version) {
    g_print ("herald-desktop-bridge %s\n", PACKAGE_VERSION);
    return EXIT_SUCCESS;
  }
  if (verbose)
    g_log_set_debug_enabled (TRUE);

  if (config_path == NULL)
    config_path = hb_config_default_path ();
  config = hb_config_load (config_path, TRUE, &error);
  if (config == NULL) {
    g_printerr ("herald-desktop-bridge: %s\n", error->message);
    return 2;
  }
  if (modes != NULL) {
    config->mode = 0;
    for (guint i = 0; modes[i] != NULL; i++) {
      if (g_str_equal (modes[i], "forward")) {
        config->mode |= HB_MODE_FORWARD;
      } else if (g_str_equal (modes[i], "monitor")) {
        config->mode |= HB_MODE_MONITOR;
      } else {
        g_printerr (_("herald-desktop-bridge: unknown mode “%s” (forward or monitor)\n"), modes[i]);
        return 2;
      }
    }
  }
  return run (config);
}
