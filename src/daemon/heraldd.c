/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* heraldd.c: the Herald notification gateway daemon */
#define G_LOG_DOMAIN "heraldd"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <sys/file.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <gmime/gmime.h>
#ifdef HERALD_WITH_TCMALLOC
#include <gperftools/malloc_extension_c.h>
#include <gperftools/tcmalloc.h>
#endif

#include "herald-error.h"
#include "gw-config.h"
#include "gw-plugin-loader.h"
#include "gw-profile-reference.h"
#include "gw-secret-store.h"
#include "gw-service.h"

#define IDLE_CHECK_SECONDS 1

typedef struct {
  GMainLoop *loop;
  GwService *service;
  gint64     idle_timeout_us;
  int        exit_status;
  gboolean   name_acquired;
} Daemon;

/* Whether G_MESSAGES_DEBUG asks for @domain's debug messages by name. */
static gboolean
named_in_messages_debug (const char *domain)
{
  g_auto(GStrv) names = g_strsplit_set (g_getenv ("G_MESSAGES_DEBUG") != NULL
                                        ? g_getenv ("G_MESSAGES_DEBUG") : "", " ,:", -1);

  return g_strv_contains ((const char * const *) names, "all") ||
         (domain != NULL && g_strv_contains ((const char * const *) names, domain));
}

/* --verbose shows Herald's own debug messages, not GLib's (GDBus's notes
 * on its authentication, say): G_MESSAGES_DEBUG still names those. */
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
  if ((level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) != 0 && domain != NULL &&
      g_str_has_prefix (domain, "GLib") && !named_in_messages_debug (domain))
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (level, fields, n_fields, user_data);
}

static gboolean
quit_on_signal_cb (gpointer user_data)
{
  Daemon *daemon = user_data;

  g_info ("Terminating on signal");
  g_main_loop_quit (daemon->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
idle_check_cb (gpointer user_data)
{
  Daemon *daemon = user_data;
  gint64 idle = g_get_monotonic_time () - gw_service_get_last_activity (daemon->service);

  /* Never leave work behind: bus activation would not bring us back for it. */
  if (idle >= daemon->idle_timeout_us && !gw_service_is_busy (daemon->service)) {
    g_info ("Exiting after %" G_GINT64_FORMAT " s without activity", idle / G_USEC_PER_SEC);
    g_main_loop_quit (daemon->loop);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

static void
bus_acquired_cb (GDBusConnection *connection,
                 const char      *name,
                 gpointer         user_data)
{
  Daemon *daemon = user_data;
  g_autoptr(GError) error = NULL;

  if (!gw_service_export (daemon->service, connection, &error)) {
    g_printerr ("heraldd: %s\n", error->message);
    daemon->exit_status = EXIT_FAILURE;
    g_main_loop_quit (daemon->loop);
  }
}

static void
name_acquired_cb (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  Daemon *daemon = user_data;

  daemon->name_acquired = TRUE;
  g_info ("Serving %s", name);
}

static void
name_lost_cb (GDBusConnection *connection,
              const char      *name,
              gpointer         user_data)
{
  Daemon *daemon = user_data;

  if (connection == NULL)
    g_printerr (_("heraldd: cannot connect to the bus\n"));
  else if (daemon->name_acquired)
    g_printerr (_("heraldd: lost the bus name %s\n"), name);
  else
    g_printerr (_("heraldd: the bus name %s is taken or not allowed (is another heraldd running?)\n"), name);
  daemon->exit_status = EXIT_FAILURE;
  g_main_loop_quit (daemon->loop);
}

/* One heraldd per state directory: a daemon holds the secret key in
 * memory, so --rotate-key must not run beside it. The lock lives as long
 * as the process (the descriptor is never closed). */
static gboolean
lock_state_dir (const char *state_dir)
{
  g_autofree char *path = g_build_filename (state_dir, "heraldd.lock", NULL);
  int fd;

  if (g_mkdir_with_parents (state_dir, 0700) != 0) {
    g_printerr (_("heraldd: cannot create %s: %s\n"), state_dir, g_strerror (errno));
    return FALSE;
  }
  fd = open (path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    g_printerr (_("heraldd: cannot open %s: %s\n"), path, g_strerror (errno));
    return FALSE;
  }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0) {
    g_printerr (_("heraldd: another heraldd uses %s; stop it first\n"), state_dir);
    close (fd);
    return FALSE;
  }
  return TRUE;
}

static int
rotate_key (GwConfig *config)
{
  g_autoptr(GError) error = NULL;
  guint n = 0;

  if (!lock_state_dir (gw_config_get_state_dir (config)))
    return EXIT_FAILURE;
  if (!gw_secret_store_rotate_key (gw_config_get_state_dir (config), &n, &error)) {
    g_printerr ("heraldd: %s\n", error->message);
    return EXIT_FAILURE;
  }
  g_print (g_dngettext (GETTEXT_PACKAGE, "Re-encrypted %u secret with a new key in %s\n",
                        "Re-encrypted %u secrets with a new key in %s\n", n),
           n, gw_config_get_state_dir (config));
  return EXIT_SUCCESS;
}

/* --print-profile-keys: the reference of the profile keys from the
 * transports in @plugin_dir (colon-separated), for herald-profile(5) and
 * docs/profile-keys.md at build time, or for an administrator who wants
 * the keys of the plugins installed here. */
static int
print_profile_keys (const char *format,
                    const char *plugin_dir)
{
  g_autoptr(GwPluginLoader) loader = gw_plugin_loader_new ();
  g_auto(GStrv) dirs = g_strsplit (plugin_dir, G_SEARCHPATH_SEPARATOR_S, -1);
  g_auto(GStrv) loaded = NULL;
  g_autofree char *text = NULL;
  GwProfileReferenceFormat which;

  if (g_strcmp0 (format, "markdown") == 0) {
    which = GW_PROFILE_REFERENCE_MARKDOWN;
  } else if (g_strcmp0 (format, "docbook") == 0) {
    which = GW_PROFILE_REFERENCE_DOCBOOK;
  } else {
    g_printerr (_("heraldd: --print-profile-keys takes markdown or docbook, not “%s”\n"), format);
    return 2;
  }
  for (guint i = 0; dirs[i] != NULL; i++) {
    g_autoptr(GError) error = NULL;

    if (*dirs[i] != '\0' && !gw_plugin_loader_load_directory (loader, dirs[i], &error)) {
      g_printerr ("heraldd: %s\n", error->message);
      return EXIT_FAILURE;
    }
  }
  loaded = gw_plugin_loader_dup_names (loader);
  if (loaded[0] == NULL) {
    g_printerr (_("heraldd: no transport plugin found in %s\n"), plugin_dir);
    return EXIT_FAILURE;
  }
  text = gw_profile_reference_render (which);
  /* UTF-8 as it is (g_print() would convert it to the locale's charset) */
  if (fputs (text, stdout) == EOF || fflush (stdout) != 0) {
    g_printerr ("heraldd: %s\n", g_strerror (errno));
    return EXIT_FAILURE;
  }
  return EXIT_SUCCESS;
}

/* Which malloc serves the daemon (the allocator build option). Linked
 * is not enough: tcmalloc serves malloc only if it comes before the C
 * library in the lookup order, and then it has counted the allocations
 * made so far. */
static const char *
allocator_name (void)
{
#ifdef HERALD_WITH_TCMALLOC
  size_t allocated = 0;

  if (MallocExtension_GetNumericProperty ("generic.current_allocated_bytes", &allocated) &&
      allocated > 0)
    return "tcmalloc";
  return "another malloc (tcmalloc is linked but not in use)";
#else
  return "the C library's malloc";
#endif
}

int
main (int   argc,
      char *argv[])
{
  gboolean system_bus = FALSE, session_bus = FALSE, verbose = FALSE, version = FALSE;
  gboolean rotate = FALSE;
  g_autofree char *reference_format = NULL;
  int idle_timeout = 0;
  g_autofree char *state_dir = NULL;
  g_autofree char *config_dir = NULL;
  const GOptionEntry entries[] = {
    { "system", 0, 0, G_OPTION_ARG_NONE, &system_bus, N_("Serve on the system bus"), NULL },
    { "session", 0, 0, G_OPTION_ARG_NONE, &session_bus, N_("Serve on the session bus (the default)"), NULL },
    { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &idle_timeout,
      N_("Exit after SECONDS without calls and with nothing queued (for bus activation)"), N_("SECONDS") },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir, N_("Keep profiles, secrets and the queue in DIR"), N_("DIR") },
    { "config-dir", 0, 0, G_OPTION_ARG_FILENAME, &config_dir, N_("Read heraldd.conf from DIR"), N_("DIR") },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_("Log informational messages"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    { "rotate-key", 0, 0, G_OPTION_ARG_NONE, &rotate,
      N_("Re-encrypt every stored secret with a new key and exit (heraldd must be stopped)"), NULL },
    { "print-profile-keys", 0, 0, G_OPTION_ARG_STRING, &reference_format,
      N_("Print the reference of the profile keys of the installed transports as FORMAT "
         "(markdown or docbook) and exit"),
      N_("FORMAT") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GwConfig) config = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  const char *plugin_dir;
  Daemon daemon = { 0 };
  guint owner_id;

#if defined(__GLIBC__) && !defined(HERALD_WITH_TCMALLOC)
  /* glibc gives a thread's heap back to the kernel whenever 128 KiB are
   * free at its top. The queue's writer frees and allocates about that
   * much around every commit (SQLite's statement and savepoint journals),
   * so each commit paid a madvise, TLB-shootdown interrupts and page
   * faults. Keep up to 4 MiB. */
  mallopt (M_TRIM_THRESHOLD, 4 * 1024 * 1024);
#endif
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (NULL);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, _("Herald notification gateway: routes, queues and delivers notifications sent over D-Bus."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("heraldd: %s\n", error->message);
    return 2;
  }
  if (version) {
    g_print ("heraldd %s\nallocator: %s\n", PACKAGE_VERSION, allocator_name ());
    return EXIT_SUCCESS;
  }
  if (system_bus && session_bus) {
    g_printerr (_("heraldd: --system and --session exclude each other\n"));
    return 2;
  }
  if (idle_timeout < 0) {
    g_printerr (_("heraldd: --idle-timeout must not be negative\n"));
    return 2;
  }
  if (verbose) {
    g_log_set_writer_func (verbose_writer, NULL, NULL);
    g_log_set_debug_enabled (TRUE);
  }
  g_debug ("Memory allocator: %s", allocator_name ());
  /* HERALD_PLUGIN_DIR: colon-separated directories, for running from a build tree. */
  plugin_dir = g_getenv ("HERALD_PLUGIN_DIR");
  if (plugin_dir == NULL)
    plugin_dir = HERALD_PLUGINDIR;
  if (reference_format != NULL)
    return print_profile_keys (reference_format, plugin_dir);

  g_mime_init ();
  /* Keep newly created files private whatever umask we were started with. */
  umask (0077);

  config = gw_config_new (system_bus, state_dir, config_dir, &error);
  if (config == NULL) {
    g_printerr ("heraldd: %s\n", error->message);
    return EXIT_FAILURE;
  }
  if (rotate)
    return rotate_key (config);
  if (!lock_state_dir (gw_config_get_state_dir (config)))
    return EXIT_FAILURE;
  daemon.service = gw_service_new (config, plugin_dir, &error);
  if (daemon.service == NULL) {
    g_printerr ("heraldd: %s\n", error->message);
    return EXIT_FAILURE;
  }

  loop = g_main_loop_new (NULL, FALSE);
  daemon.loop = loop;
  daemon.idle_timeout_us = (gint64) idle_timeout * G_USEC_PER_SEC;
  g_unix_signal_add (SIGTERM, quit_on_signal_cb, &daemon);
  g_unix_signal_add (SIGINT, quit_on_signal_cb, &daemon);
  if (idle_timeout > 0)
    g_timeout_add_seconds (IDLE_CHECK_SECONDS, idle_check_cb, &daemon);

  owner_id = g_bus_own_name (system_bus ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION,
                             GW_SERVICE_BUS_NAME, G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                             bus_acquired_cb, name_acquired_cb, name_lost_cb, &daemon, NULL);
  g_main_loop_run (loop);

  g_bus_unown_name (owner_id);
  gw_service_shutdown (daemon.service);
  g_clear_object (&daemon.service);
  g_mime_shutdown ();
  return daemon.exit_status;
}
