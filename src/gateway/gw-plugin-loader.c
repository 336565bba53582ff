/* gw-plugin-loader.c: finds and loads transport plugins
 *
 * Plugins run inside the daemon with its privileges and see every secret,
 * so a module is loaded only if nobody but root or the daemon's own user
 * could have written it.
 */
#define G_LOG_DOMAIN "gw-plugin-loader"

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

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

gboolean
gw_plugin_loader_check_file (const char *path,
                             GError    **error)
{
  struct stat st;

  if (lstat (path, &st) != 0) {
    int saved_errno = errno;
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_FAILED,
                 _("Cannot inspect plugin %s: %s"), path, g_strerror (saved_errno));
    return FALSE;
  }
  if (!S_ISREG (st.st_mode)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED,
                 _("Plugin %s is not a regular file"), path);
    return FALSE;
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED,
                 _("Plugin %s is writable by group or others (mode %04o)"),
                 path, (guint) (st.st_mode & 07777));
    return FALSE;
  }
  if (st.st_uid != 0 && st.st_uid != geteuid ()) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED,
                 _("Plugin %s is owned by uid %u, not by root or the daemon's user"),
                 path, (guint) st.st_uid);
    return FALSE;
  }
  return TRUE;
}

static void
gw_plugin_loader_load_module (const char *path)
{
  g_autoptr(GError) error = NULL;
  GIOModule *module;

  if (!gw_plugin_loader_check_file (path, &error)) {
    g_warning ("Refusing plugin: %s", error->message);
    return;
  }
  module = g_io_module_new (path);
  /* Types registered by a module cannot be unregistered: keep it loaded. */
  if (!g_type_module_use (G_TYPE_MODULE (module))) {
    g_warning ("Cannot load plugin %s", path);
    g_object_unref (module);
    return;
  }
  g_debug ("Loaded plugin %s", path);
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

gboolean
gw_plugin_loader_load_directory (GwPluginLoader *self,
                                 const char     *directory,
                                 GError        **error)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  dir = g_dir_open (directory, 0, error);
  if (dir == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL) {
    if (g_str_has_suffix (name, ".so"))
      g_ptr_array_add (names, g_strdup (name));
  }
  /* Load in a fixed order so that duplicate names resolve the same way each start. */
  g_ptr_array_sort (names, compare_string_pointers);
  for (guint i = 0; i < names->len; i++) {
    g_autofree char *path = g_build_filename (directory, g_ptr_array_index (names, i), NULL);
    gw_plugin_loader_load_module (path);
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

    route->transport = g_object_ref (transport);
    route->prefix = g_strdup (prefixes[i]);
    if (!gw_http_server_add_handler (http, route->prefix, serve_route, route, route_free)) {
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
