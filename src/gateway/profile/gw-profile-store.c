/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-profile-store.c: the directory of profile keyfiles
 *
 * One NAME.conf per profile, each replaced atomically (temporary file in the
 * same directory, fsync, rename, fsync of the directory), so a crash leaves
 * either the old file or the new one. A file that cannot be loaded is left
 * alone for the administrator: skipped with a warning, never deleted, and
 * never overwritten by adding a profile of the same name.
 */
#define G_LOG_DOMAIN "gw-profile-store"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "herald-error.h"
#include "gw-profile-schema.h"
#include "gw-profile-store.h"

#define SUFFIX ".conf"

struct _GwProfileStore {
  GObject                parent_instance;

  char                  *directory;
  GwSecretStore         *secrets;  /* nullable */
  GHashTable            *profiles; /* name → GwProfile */
  GwProfileValidateFunc  validator;
  gpointer               validator_data;
};

G_DEFINE_TYPE (GwProfileStore, gw_profile_store, G_TYPE_OBJECT)

static char *
profile_path (GwProfileStore *self,
              const char     *name)
{
  g_autofree char *file = g_strconcat (name, SUFFIX, NULL);

  return g_build_filename (self->directory, file, NULL);
}

static GwProfile *
load_file (GwProfileStore *self,
           const char     *name,
           const char     *path,
           GError        **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  GStatBuf st;

  if (g_lstat (path, &st) != 0 || !S_ISREG (st.st_mode)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE, _("not a regular file"));
    return NULL;
  }
  if (!g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, error))
    return NULL;
  return gw_stored_profile_new_from_keyfile (name, keyfile, self->secrets, error);
}

static gboolean
load_directory (GwProfileStore *self,
                GError        **error)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *entry;

  dir = g_dir_open (self->directory, 0, &local_error);
  if (dir == NULL) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE,
                 _("Cannot read the profile directory %s: %s"), self->directory, local_error->message);
    return FALSE;
  }
  while ((entry = g_dir_read_name (dir)) != NULL) {
    g_autofree char *name = NULL;
    g_autofree char *path = NULL;
    g_autoptr(GError) load_error = NULL;
    GwProfile *profile;

    /* Temporary files of an interrupted write do not end in .conf. */
    if (!g_str_has_suffix (entry, SUFFIX))
      continue;
    name = g_strndup (entry, strlen (entry) - strlen (SUFFIX));
    path = g_build_filename (self->directory, entry, NULL);
    if (!gw_profile_name_is_valid (name)) {
      g_warning ("Skipping profile file %s: “%s” is not a valid profile name", path, name);
      continue;
    }
    profile = load_file (self, name, path, &load_error);
    if (profile == NULL) {
      g_warning ("Skipping profile file %s: %s", path, load_error->message);
      continue;
    }
    g_hash_table_insert (self->profiles, g_strdup (name), profile);
  }
  return TRUE;
}

GwProfileStore *
gw_profile_store_new (const char     *directory,
                      GwSecretStore  *secrets,
                      GError        **error)
{
  g_autoptr(GwProfileStore) self = NULL;

  g_return_val_if_fail (directory != NULL, NULL);
  g_return_val_if_fail (secrets == NULL || GW_IS_SECRET_STORE (secrets), NULL);

  if (g_mkdir_with_parents (directory, 0700) != 0) {
    int saved_errno = errno;
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE,
                 _("Cannot create the profile directory %s: %s"), directory, g_strerror (saved_errno));
    return NULL;
  }
  self = g_object_new (GW_TYPE_PROFILE_STORE, NULL);
  self->directory = g_strdup (directory);
  if (secrets != NULL)
    self->secrets = g_object_ref (secrets);
  if (!load_directory (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
gw_profile_store_set_validator (GwProfileStore       *self,
                                GwProfileValidateFunc func,
                                gpointer              user_data)
{
  g_return_if_fail (GW_IS_PROFILE_STORE (self));

  self->validator = func;
  self->validator_data = user_data;
}

GwProfile *
gw_profile_store_lookup (GwProfileStore *self,
                         const char     *name)
{
  g_return_val_if_fail (GW_IS_PROFILE_STORE (self), NULL);

  if (name == NULL)
    return NULL;
  return g_hash_table_lookup (self->profiles, name);
}

static int
compare_by_name (gconstpointer a,
                 gconstpointer b)
{
  GwProfile *pa = *(GwProfile * const *) a;
  GwProfile *pb = *(GwProfile * const *) b;

  return g_strcmp0 (gw_profile_get_name (pa), gw_profile_get_name (pb));
}

GPtrArray *
gw_profile_store_list (GwProfileStore *self)
{
  GPtrArray *list;
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (GW_IS_PROFILE_STORE (self), NULL);

  list = g_ptr_array_sized_new (g_hash_table_size (self->profiles));
  g_hash_table_iter_init (&iter, self->profiles);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (list, value);
  g_ptr_array_sort (list, compare_by_name);
  return list;
}

guint
gw_profile_store_count (GwProfileStore *self)
{
  g_return_val_if_fail (GW_IS_PROFILE_STORE (self), 0);

  return g_hash_table_size (self->profiles);
}

static gboolean
fsync_directory (const char *path,
                 GError    **error)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0 || fsync (fd) != 0) {
    int saved_errno = errno;
    if (fd >= 0)
      close (fd);
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE,
                 _("Cannot sync %s: %s"), path, g_strerror (saved_errno));
    return FALSE;
  }
  close (fd);
  return TRUE;
}

static gboolean
write_profile (GwProfileStore *self,
               GwProfile      *profile,
               GError        **error)
{
  g_autoptr(GKeyFile) keyfile = gw_stored_profile_to_keyfile (profile);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *path = profile_path (self, gw_profile_get_name (profile));
  gsize len;
  g_autofree char *data = g_key_file_to_data (keyfile, &len, NULL);

  /* The mode is given to open(), so it is 0600 whatever the umask. */
  if (!g_file_set_contents_full (path, data, len,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, &local_error)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE,
                 _("Cannot write %s: %s"), path, local_error->message);
    return FALSE;
  }
  return fsync_directory (self->directory, error);
}

static gboolean
run_validator (GwProfileStore *self,
               GwProfile      *profile,
               GError        **error)
{
  g_autoptr(GError) local_error = NULL;

  if (self->validator == NULL || self->validator (profile, self->validator_data, &local_error))
    return TRUE;
  /* Callers over D-Bus get a typed error whatever the plugin used. */
  g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING, "%s",
               local_error != NULL ? local_error->message : _("The profile was refused by its transport"));
  return FALSE;
}

/* The secrets @settings is about to change, so that a failure after
 * gw_stored_profile_apply() (validator, disk) can put them back. */
static GHashTable *
snapshot_secrets (GwProfileStore *self,
                  const char     *name,
                  GVariant       *settings)
{
  GHashTable *snapshot = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                (GDestroyNotify) gw_secret_free);
  GVariantIter iter;
  const char *key;

  if (self->secrets == NULL)
    return snapshot;
  g_variant_iter_init (&iter, settings);
  while (g_variant_iter_next (&iter, "{&sv}", &key, NULL)) {
    g_autoptr(GError) local_error = NULL;

    if (!gw_setting_is_secret (key) || g_hash_table_contains (snapshot, key))
      continue;
    /* One that cannot be read back cannot be restored: it is removed. */
    g_hash_table_insert (snapshot, g_strdup (key),
                         gw_secret_store_lookup (self->secrets, name, key, &local_error));
  }
  return snapshot;
}

static void
restore_secrets (GwProfileStore *self,
                 const char     *name,
                 GHashTable     *snapshot)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, snapshot);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    g_autoptr(GError) local_error = NULL;
    if (!gw_secret_store_set (self->secrets, name, key, value, &local_error))
      g_warning ("Cannot restore secret “%s” of profile “%s”: %s",
                 (const char *) key, name, local_error->message);
  }
}

static GVariant *
settings_or_empty (GVariant *settings)
{
  if (settings == NULL)
    return g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
  return g_variant_ref_sink (settings);
}

GwProfile *
gw_profile_store_add (GwProfileStore *self,
                      const char     *name,
                      GVariant       *settings,
                      GError        **error)
{
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GwProfile) profile = NULL;
  g_autofree char *path = NULL;
  GStatBuf st;

  g_return_val_if_fail (GW_IS_PROFILE_STORE (self), NULL);

  owned = settings_or_empty (settings);
  if (!gw_profile_name_is_valid (name)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                 _("Invalid profile name: use 1 to 64 letters, digits, “.”, “_” or “-”, "
                   "starting with a letter or digit"));
    return NULL;
  }
  if (g_hash_table_contains (self->profiles, name)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_PROFILE_EXISTS,
                 _("Profile “%s” already exists"), name);
    return NULL;
  }
  path = profile_path (self, name);
  if (g_lstat (path, &st) == 0) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_PROFILE_EXISTS,
                 _("%s exists but could not be loaded; repair or remove it first"), path);
    return NULL;
  }

  /* Secrets left from an earlier profile of this name are not this one's. */
  if (self->secrets != NULL && !gw_secret_store_remove_profile (self->secrets, name, error))
    return NULL;
  profile = gw_stored_profile_new (name, self->secrets);
  if (!gw_stored_profile_apply (profile, owned, error))
    return NULL;
  if (!run_validator (self, profile, error) || !write_profile (self, profile, error)) {
    if (self->secrets != NULL)
      gw_secret_store_remove_profile (self->secrets, name, NULL);
    return NULL;
  }
  g_hash_table_insert (self->profiles, g_strdup (name), g_object_ref (profile));
  return profile;
}

GwProfile *
gw_profile_store_update (GwProfileStore *self,
                         const char     *name,
                         GVariant       *settings,
                         GError        **error)
{
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GwProfile) copy = NULL;
  g_autoptr(GHashTable) snapshot = NULL;
  GwProfile *live;

  g_return_val_if_fail (GW_IS_PROFILE_STORE (self), NULL);

  owned = settings_or_empty (settings);
  live = gw_profile_store_lookup (self, name);
  if (live == NULL) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_NO_SUCH_PROFILE,
                 _("No profile named “%s”"), name != NULL ? name : "");
    return NULL;
  }

  copy = gw_stored_profile_copy (live);
  snapshot = snapshot_secrets (self, name, owned);
  if (!gw_stored_profile_apply (copy, owned, error))
    return NULL;
  if (!run_validator (self, copy, error) || !write_profile (self, copy, error)) {
    restore_secrets (self, name, snapshot);
    return NULL;
  }
  g_hash_table_replace (self->profiles, g_strdup (name), g_object_ref (copy));
  return copy;
}

gboolean
gw_profile_store_remove (GwProfileStore *self,
                         const char     *name,
                         GError        **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (GW_IS_PROFILE_STORE (self), FALSE);

  if (gw_profile_store_lookup (self, name) == NULL) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_NO_SUCH_PROFILE,
                 _("No profile named “%s”"), name != NULL ? name : "");
    return FALSE;
  }
  /* Secrets first: if that fails, the profile is still whole. */
  if (self->secrets != NULL && !gw_secret_store_remove_profile (self->secrets, name, error))
    return FALSE;
  path = profile_path (self, name);
  if (g_unlink (path) != 0 && errno != ENOENT) {
    int saved_errno = errno;
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE,
                 _("Cannot remove %s: %s"), path, g_strerror (saved_errno));
    return FALSE;
  }
  g_hash_table_remove (self->profiles, name);
  return fsync_directory (self->directory, error);
}

static void
gw_profile_store_finalize (GObject *object)
{
  GwProfileStore *self = GW_PROFILE_STORE (object);

  g_hash_table_unref (self->profiles);
  g_clear_object (&self->secrets);
  g_free (self->directory);

  G_OBJECT_CLASS (gw_profile_store_parent_class)->finalize (object);
}

static void
gw_profile_store_class_init (GwProfileStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = gw_profile_store_finalize;
}

static void
gw_profile_store_init (GwProfileStore *self)
{
  self->profiles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}
