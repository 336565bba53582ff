/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-test-daemon.c: runs the built heraldd on a private bus for tests */
#include "config.h"

#include <signal.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "herald-test-daemon.h"

#define BUS_NAME "org.herald.Gateway1"
#define OBJECT_PATH "/org/herald/Gateway1"
#define START_TIMEOUT_S 20

void
herald_test_rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL) {
    while ((name = g_dir_read_name (dir)) != NULL) {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        herald_test_rm_rf (child);
      else
        g_unlink (child);
    }
  }
  g_rmdir (path);
}

static gboolean
name_has_owner (HeraldTestDaemon *self)
{
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync (
    self->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
    "NameHasOwner", g_variant_new ("(s)", BUS_NAME), G_VARIANT_TYPE ("(b)"),
    G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  gboolean owned = FALSE;

  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

void
herald_test_daemon_start (HeraldTestDaemon *self)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GError) error = NULL;
  const char *daemon_path = g_getenv ("HERALD_DAEMON");
  gint64 deadline = g_get_monotonic_time () + START_TIMEOUT_S * G_USEC_PER_SEC;

  g_assert_nonnull (daemon_path);
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS",
                                g_test_dbus_get_bus_address (self->bus), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", self->data_home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", self->config_home, TRUE);
  {
    g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
    g_auto(GStrv) argv = NULL;

    g_strv_builder_add_many (builder, daemon_path, "--state-dir", self->state_dir, NULL);
    if (self->extra_args != NULL)
      g_strv_builder_addv (builder, (const char **) self->extra_args);
    argv = g_strv_builder_end (builder);
    self->daemon = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv, &error);
  }
  g_assert_no_error (error);
  while (!name_has_owner (self)) {
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_assert_nonnull (g_subprocess_get_identifier (self->daemon));
    g_usleep (20 * 1000);
  }
}

HeraldTestDaemon *
herald_test_daemon_new (void)
{
  return herald_test_daemon_new_with_args (NULL);
}

HeraldTestDaemon *
herald_test_daemon_new_with_args (const char * const *extra_args)
{
  HeraldTestDaemon *self = g_new0 (HeraldTestDaemon, 1);
  g_autoptr(GError) error = NULL;

  self->tmpdir = g_dir_make_tmp ("herald-test-XXXXXX", &error);
  g_assert_no_error (error);
  self->state_dir = g_build_filename (self->tmpdir, "state", NULL);
  self->data_home = g_build_filename (self->tmpdir, "data", NULL);
  self->config_home = g_build_filename (self->tmpdir, "config", NULL);
  self->extra_args = g_strdupv ((char **) extra_args);
  self->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (self->bus);
  self->connection = g_dbus_connection_new_for_address_sync (
    g_test_dbus_get_bus_address (self->bus),
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, &error);
  g_assert_no_error (error);
  herald_test_daemon_start (self);
  return self;
}

static void
wait_exit (HeraldTestDaemon *self)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_wait (self->daemon, NULL, &error);
  g_assert_no_error (error);
}

void
herald_test_daemon_stop (HeraldTestDaemon *self)
{
  if (self->daemon == NULL)
    return;
  g_subprocess_send_signal (self->daemon, SIGTERM);
  wait_exit (self);
  g_assert_true (g_subprocess_get_if_exited (self->daemon));
  g_assert_cmpint (g_subprocess_get_exit_status (self->daemon), ==, 0);
  g_clear_object (&self->daemon);
}

gboolean
herald_test_daemon_wait_exit (HeraldTestDaemon *self,
                              guint             timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  while (g_subprocess_get_identifier (self->daemon) != NULL) {
    if (g_get_monotonic_time () > deadline)
      return FALSE;
    g_main_context_iteration (NULL, FALSE);
    g_usleep (20 * 1000);
  }
  wait_exit (self);
  g_assert_true (g_subprocess_get_if_exited (self->daemon));
  g_assert_cmpint (g_subprocess_get_exit_status (self->daemon), ==, 0);
  g_clear_object (&self->daemon);
  return TRUE;
}

void
herald_test_daemon_kill (HeraldTestDaemon *self)
{
  g_subprocess_force_exit (self->daemon);
  wait_exit (self);
  g_clear_object (&self->daemon);
  /* Let the bus notice the name is gone before a restart claims it. */
  while (name_has_owner (self))
    g_usleep (10 * 1000);
}

void
herald_test_daemon_free (HeraldTestDaemon *self)
{
  herald_test_daemon_stop (self);
  g_clear_object (&self->connection);
  g_test_dbus_down (self->bus);
  g_clear_object (&self->bus);
  herald_test_rm_rf (self->tmpdir);
  g_free (self->tmpdir);
  g_free (self->state_dir);
  g_free (self->data_home);
  g_free (self->config_home);
  g_strfreev (self->extra_args);
  g_free (self);
}

GVariant *
herald_test_call (HeraldTestDaemon *self,
                  const char       *method,
                  GVariant         *parameters,
                  const char       *reply_type,
                  GError          **error)
{
  return g_dbus_connection_call_sync (self->connection, BUS_NAME, OBJECT_PATH, BUS_NAME,
                                      method, parameters,
                                      reply_type != NULL ? G_VARIANT_TYPE (reply_type) : NULL,
                                      G_DBUS_CALL_FLAGS_NONE, 30000, NULL, error);
}

char *
herald_test_send (HeraldTestDaemon *self,
                  GVariant         *notification,
                  GUnixFDList      *fd_list,
                  GError          **error)
{
  g_autoptr(GVariant) reply = NULL;
  char *id = NULL;

  reply = g_dbus_connection_call_with_unix_fd_list_sync (
    self->connection, BUS_NAME, OBJECT_PATH, BUS_NAME, "Send",
    g_variant_new ("(@a{sv})", notification), G_VARIANT_TYPE ("(s)"),
    G_DBUS_CALL_FLAGS_NONE, 30000, fd_list, NULL, NULL, error);
  if (reply != NULL)
    g_variant_get (reply, "(s)", &id);
  return id;
}

char *
herald_test_wait_final (HeraldTestDaemon *self,
                        const char       *id,
                        guint             timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;
  g_autofree char *state = NULL;

  for (;;) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply = herald_test_call (self, "GetDelivery", g_variant_new ("(s)", id),
                                                  "(a{sv})", &error);
    g_autoptr(GVariant) dict = NULL;

    g_assert_no_error (error);
    g_variant_get (reply, "(@a{sv})", &dict);
    g_clear_pointer (&state, g_free);
    g_assert_true (g_variant_lookup (dict, "state", "s", &state));
    if (g_strv_contains ((const char * const[]) { "sent", "failed", "cancelled", NULL }, state) ||
        g_get_monotonic_time () > deadline)
      return g_steal_pointer (&state);
    g_usleep (20 * 1000);
  }
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

GPtrArray *
herald_test_maildir_files (const char *maildir)
{
  g_autofree char *new_dir = g_build_filename (maildir, "new", NULL);
  g_autoptr(GDir) dir = g_dir_open (new_dir, 0, NULL);
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (files, g_build_filename (new_dir, name, NULL));
  g_ptr_array_sort (files, compare_paths);
  return files;
}

GVariant *
herald_test_settings (const char *first_key,
                      ...)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  va_list args;

  va_start (args, first_key);
  for (const char *key = first_key; key != NULL; key = va_arg (args, const char *))
    g_variant_dict_insert (&dict, key, "s", va_arg (args, const char *));
  va_end (args);
  return g_variant_dict_end (&dict);
}

void
herald_test_write_profile (HeraldTestDaemon *self,
                           const char       *name,
                           const char       *contents)
{
  g_autofree char *dir = g_build_filename (self->state_dir, "profiles", NULL);
  g_autofree char *file = g_strconcat (name, ".conf", NULL);
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents_full (path, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                           0600, &error));
  g_assert_no_error (error);
}
