/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-plugin-loader.c: finds and loads transport plugins
 *
 * Plugins run inside the daemon with its privileges and see every secret,
 * so a module is loaded only if nobody but root or the daemon's own user
 * could have written it or its directory. The checks are made on open
 * descriptors and the module is loaded through its descriptor, so no path
 * can be swapped between the check and the load.
 */
#define G_LOG_DOMAIN "gw-plugin-loader"

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-plugin-loader.h"
#include "gw-transport-private.h"
#include "gw-profile-schema.h"
#include "gw-recipient-kinds.h"

struct _GwPluginLoader {
  GObject     parent_instance;
  GHashTable *transports; /* name → GwTransport */
};

G_DEFINE_FINAL_TYPE (GwPluginLoader, gw_plugin_loader, G_TYPE_OBJECT)

static void
gw_plugin_loader_finalize (GObject *object)
{
  GwPluginLoader *self = GW_PLUGIN_LOADER (object);

  g_hash_table_unref (self->transports);
  G_OBJECT_CLASS (gw_plugin_loader_parent_class)->finalize (object);
}

static void
gw_plugin_loader_class_init (GwPluginLoaderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_plugin_loader_finalize;
}

static void
gw_plugin_loader_init (GwPluginLoader *self)
{
  GIOExtensionPoint *point;

  self->transports = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);

  point = g_io_extension_point_lookup (GW_TRANSPORT_EXTENSION_POINT);
  if (point == NULL) {
    point = g_io_extension_point_register (GW_TRANSPORT_EXTENSION_POINT);
    g_io_extension_point_set_required_type (point, GW_TYPE_TRANSPORT);
  }
}

static int
compare_string_pointers (gconstpointer a,
                         gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

GwPluginLoader *
gw_plugin_loader_new (void)
{
  return g_object_new (GW_TYPE_PLUGIN_LOADER, NULL);
}

/* Who may have written @st: root or the daemon's own user, and nobody
 * through group or other write bits. @what is "Plugin" or "Plugin directory". */
static gboolean
check_owner_and_mode (const struct stat *st,
                      const char        *path,
                      gboolean           is_directory,
                      GError           **error)
{
  if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED,
                 is_directory ? _("Plugin directory %s is writable by group or others (mode %04o)")
                              : _("Plugin %s is writable by group or others (mode %04o)"),
                 path, (guint) (st->st_mode & 07777));
    return FALSE;
  }
  if (st->st_uid != 0 && st->st_uid != geteuid ()) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED,
                 is_directory ? _("Plugin directory %s is owned by uid %u, not by root or the daemon's user")
                              : _("Plugin %s is owned by uid %u, not by root or the daemon's user"),
                 path, (guint) st->st_uid);
    return FALSE;
  }
  return TRUE;
}

int
gw_plugin_loader_open_module (int         dir_fd,
                              const char *name,
                              const char *path,
                              GError    **error)
{
  struct stat st;
  int fd;

  /* O_NOFOLLOW: a symlink could point anywhere; O_NONBLOCK: a FIFO named
   * *.so must not hang the start. */
  fd = openat (dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    int saved_errno = errno;
    if (saved_errno == ELOOP)
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED,
                   _("Plugin %s is a symbolic link, not a regular file"), path);
    else
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_FAILED,
                   _("Cannot open plugin %s: %s"), path, g_strerror (saved_errno));
    return -1;
  }
  /* Everything below is about this descriptor: what is checked is what loads. */
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED,
                 _("Plugin %s is not a regular file"), path);
    close (fd);
    return -1;
  }
  if (!check_owner_and_mode (&st, path, FALSE, error)) {
    close (fd);
    return -1;
  }
  return fd;
}

gboolean
gw_plugin_loader_check_file (const char *path,
                             GError    **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *name = g_path_get_basename (path);
  int dir_fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int fd;

  if (dir_fd < 0) {
    int saved_errno = errno;
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_FAILED,
                 _("Cannot open plugin directory %s: %s"), dir, g_strerror (saved_errno));
    return FALSE;
  }
  fd = gw_plugin_loader_open_module (dir_fd, name, path, error);
  close (dir_fd);
  if (fd < 0)
    return FALSE;
  close (fd);
  return TRUE;
}

int
gw_plugin_loader_open_directory (const char *directory,
                                 GError    **error)
{
  struct stat st;
  int fd = open (directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0) {
    int saved_errno = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                 _("Cannot open plugin directory %s: %s"), directory, g_strerror (saved_errno));
    return -1;
  }
  if (fstat (fd, &st) != 0 || !check_owner_and_mode (&st, directory, TRUE, error)) {
    if (error != NULL && *error == NULL)
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_FAILED,
                   _("Cannot inspect plugin directory %s"), directory);
    close (fd);
    return -1;
  }
  return fd;
}

gboolean
gw_plugin_loader_load_fd (int         fd,
                          const char *path,
                          GError    **error)
{
  g_autofree char *fd_path = g_strdup_printf ("/proc/self/fd/%d", fd);
  GIOModule *module;

  /* The dynamic loader opens the very file checked on @fd (the magic link
   * names the open file, not a path that could have been swapped since).
   * @fd stays open while the process lives: the loader knows the module
   * by this name, and a reused descriptor number would alias it. */
  module = g_io_module_new (fd_path);
  /* Types registered by a module cannot be unregistered: keep it loaded. */
  if (!g_type_module_use (G_TYPE_MODULE (module))) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_FAILED, _("Cannot load plugin %s"), path);
    g_object_unref (module);
    return FALSE;
  }
  g_type_module_set_name (G_TYPE_MODULE (module), path);
  g_debug ("Loaded plugin %s", path);
  return TRUE;
}

static void
gw_plugin_loader_load_module (int         dir_fd,
                              const char *directory,
                              const char *name)
{
  g_autofree char *path = g_build_filename (directory, name, NULL);
  g_autoptr(GError) error = NULL;
  int fd = gw_plugin_loader_open_module (dir_fd, name, path, &error);

  if (fd < 0) {
    g_warning ("Refusing plugin: %s", error->message);
    return;
  }
  if (!gw_plugin_loader_load_fd (fd, path, &error)) {
    g_warning ("%s", error->message);
    close (fd);
  }
}

static void
gw_plugin_loader_instantiate (GwPluginLoader *self)
{
  GIOExtensionPoint *point = g_io_extension_point_lookup (GW_TRANSPORT_EXTENSION_POINT);

  for (GList *l = g_io_extension_point_get_extensions (point); l != NULL; l = l->next) {
    GIOExtension *extension = l->data;
    GType type = g_io_extension_get_type (extension);
    g_autoptr(GTypeClass) klass = g_type_class_ref (type);
    GwTransportClass *transport_class = (GwTransportClass *) klass;
    g_autoptr(GwTransport) transport = NULL;
    g_autoptr(GError) error = NULL;

    if (transport_class->abi_version != GW_TRANSPORT_ABI_VERSION) {
      g_warning ("Refusing transport %s: built for plugin ABI %u, this daemon has %u",
                 g_type_name (type), transport_class->abi_version, GW_TRANSPORT_ABI_VERSION);
      continue;
    }
    if (transport_class->name == NULL ||
        g_hash_table_contains (self->transports, transport_class->name))
      continue;
    transport = g_object_new (type, NULL);
    /* Its settings and recipient kind become the daemon's, or it is not used. */
    if (!gw_profile_schema_add_transport (transport, &error) ||
        !gw_recipient_kinds_add (transport, &error)) {
      g_warning ("Refusing transport %s: %s", transport_class->name, error->message);
      continue;
    }
    g_hash_table_insert (self->transports, g_strdup (transport_class->name),
                         g_steal_pointer (&transport));
    g_info ("Transport %s available", transport_class->name);
  }
}

/* Whether the subdirectory @path may hold modules: a real directory (not
 * a symlink to elsewhere) that nobody but root or the daemon's user can
 * write, as for the modules themselves. */
static gboolean
subdirectory_is_safe (const char *path)
{
  struct stat st;

  if (lstat (path, &st) != 0 || !S_ISDIR (st.st_mode))
    return FALSE;
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 || (st.st_uid != 0 && st.st_uid != geteuid ())) {
    g_warning ("Not looking for plugins in %s: writable by group or others, or owned by "
               "another user", path);
    return FALSE;
  }
  return TRUE;
}

/* Appends the paths of the modules (*.so) in @directory (open as @dir) to
 * @paths, sorted; with @subdirectories, also those of its subdirectories,
 * one level down. */
static void
add_modules (const char *directory,
             GDir       *dir,
             gboolean    subdirectories,
             GPtrArray  *paths)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) subdirs = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while ((name = g_dir_read_name (dir)) != NULL) {
    g_autofree char *path = g_build_filename (directory, name, NULL);

    if (g_str_has_suffix (name, ".so"))
      g_ptr_array_add (names, g_steal_pointer (&path));
    else if (subdirectories && subdirectory_is_safe (path))
      g_ptr_array_add (subdirs, g_steal_pointer (&path));
  }
  /* A fixed order, so that duplicate names resolve the same way each start. */
  g_ptr_array_sort (names, compare_string_pointers);
  g_ptr_array_sort (subdirs, compare_string_pointers);
  g_ptr_array_extend_and_steal (paths, g_steal_pointer (&names));
  for (guint i = 0; i < subdirs->len; i++) {
    g_autoptr(GDir) subdir = g_dir_open (g_ptr_array_index (subdirs, i), 0, NULL);

    if (subdir != NULL)
      add_modules (g_ptr_array_index (subdirs, i), subdir, FALSE, paths);
  }
}

/* A build tree keeps each plugin in a folder of its own (plugins/smtp,
 * plugins/maildir, ...), so HERALD_PLUGIN_DIR=build/plugins must find them:
 * the modules of @directory come first, then those of each subdirectory. */
GPtrArray *
gw_plugin_loader_list_modules (const char  *directory,
                               GError     **error)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) dir = g_dir_open (directory, 0, error);

  if (dir == NULL)
    return NULL;
  add_modules (directory, dir, TRUE, paths);
  return g_steal_pointer (&paths);
}

/* Loads the modules (*.so) of @directory, checked on its descriptor; each
 * module is opened relative to that descriptor. */
static gboolean
load_modules_in (const char  *directory,
                 GError     **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  struct dirent *entry;
  DIR *dir;
  int dir_fd;
  int list_fd;

  dir_fd = gw_plugin_loader_open_directory (directory, error);
  if (dir_fd < 0)
    return FALSE;
  /* The names come from the directory that was checked, and each module
   * is opened relative to it. */
  list_fd = dup (dir_fd);
  dir = list_fd >= 0 ? fdopendir (list_fd) : NULL;
  if (dir == NULL) {
    int saved_errno = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                 _("Cannot read plugin directory %s: %s"), directory, g_strerror (saved_errno));
    if (list_fd >= 0)
      close (list_fd);
    close (dir_fd);
    return FALSE;
  }
  while ((entry = readdir (dir)) != NULL) {
    if (g_str_has_suffix (entry->d_name, ".so"))
      g_ptr_array_add (names, g_strdup (entry->d_name));
  }
  closedir (dir);
  /* Load in a fixed order so that duplicate names resolve the same way each start. */
  g_ptr_array_sort (names, compare_string_pointers);
  for (guint i = 0; i < names->len; i++)
    gw_plugin_loader_load_module (dir_fd, directory, g_ptr_array_index (names, i));
  close (dir_fd);
  return TRUE;
}

gboolean
gw_plugin_loader_load_directory (GwPluginLoader *self,
                                 const char     *directory,
                                 GError        **error)
{
  g_autoptr(GPtrArray) subdirs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (!load_modules_in (directory, error))
    return FALSE;
  /* A build tree keeps each plugin in a folder of its own: one level of
   * subdirectories is searched too, each checked like the directory. */
  dir = g_dir_open (directory, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
    g_autofree char *path = g_build_filename (directory, name, NULL);

    if (!g_str_has_suffix (name, ".so") && subdirectory_is_safe (path))
      g_ptr_array_add (subdirs, g_steal_pointer (&path));
  }
  g_ptr_array_sort (subdirs, compare_string_pointers);
  for (guint i = 0; i < subdirs->len; i++) {
    g_autoptr(GError) local_error = NULL;

    if (!load_modules_in (g_ptr_array_index (subdirs, i), &local_error))
      g_warning ("%s", local_error->message);
  }
  gw_plugin_loader_instantiate (self);
  return TRUE;
}

GwTransport *
gw_plugin_loader_lookup (GwPluginLoader *self,
                         const char     *name)
{
  if (name == NULL)
    return NULL;
  return g_hash_table_lookup (self->transports, name);
}

GStrv
gw_plugin_loader_dup_names (GwPluginLoader *self)
{
  g_autofree const char **keys = (const char **) g_hash_table_get_keys_as_array (self->transports, NULL);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  guint n = g_hash_table_size (self->transports);

  qsort (keys, n, sizeof (char *), compare_string_pointers);
  for (guint i = 0; i < n; i++)
    g_strv_builder_add (builder, keys[i]);
  return g_strv_builder_end (builder);
}

/* ---- what the daemon offers its transports ---- */

static GwProfile *
lookup_in_store (const char *name,
                 gpointer    user_data)
{
  return gw_profile_store_lookup (GW_PROFILE_STORE (user_data), name);
}

typedef struct {
  GwTransport *transport;
  char        *prefix;
} Route;

static void
route_free (gpointer data)
{
  Route *route = data;

  g_object_unref (route->transport);
  g_free (route->prefix);
  g_free (route);
}

static void
serve_route (SoupServer        *server,
             SoupServerMessage *message,
             const char        *path,
             GHashTable        *query,
             gpointer           user_data)
{
  Route *route = user_data;

  gw_transport_serve_http (route->transport, route->prefix, message, path, query);
}

static void
add_routes (GwTransport  *transport,
            GwHttpServer *http)
{
  g_auto(GStrv) prefixes = gw_transport_dup_http_routes (transport);

  for (guint i = 0; prefixes[i] != NULL; i++) {
    Route *route = g_new0 (Route, 1);
    GwHttpRouteLimits limits = { 0 };

    route->transport = g_object_ref (transport);
    route->prefix = g_strdup (prefixes[i]);
    limits.max_body_size = gw_transport_get_http_route_max_body (transport, route->prefix);
    if (!gw_http_server_add_route (http, route->prefix, &limits, serve_route, route, route_free)) {
      g_warning ("Transport %s: the HTTP route %s is taken", gw_transport_get_name (transport),
                 prefixes[i]);
      route_free (route);
    }
  }
}

void
gw_plugin_loader_connect (GwPluginLoader *self,
                          GwProfileStore *profiles,
                          GwHttpServer   *http)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (GW_IS_PLUGIN_LOADER (self));
  g_hash_table_iter_init (&iter, self->transports);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    GwTransport *transport = value;

    gw_transport_set_profile_lookup (transport, lookup_in_store, g_object_ref (profiles), g_object_unref);
    if (http != NULL) {
      gw_transport_set_http_base_url (transport, gw_http_server_get_public_base_url (http));
      add_routes (transport, http);
    }
  }
}
