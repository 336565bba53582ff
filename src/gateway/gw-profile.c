/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-profile.c: one named delivery target
 *
 * A profile keeps only the values set explicitly, in canonical form; every
 * other value is the schema's default for the profile's transport, so
 * defaults follow a change of transport. Secrets live in the secret store,
 * never in the profile object or its keyfile.
 */
#define G_LOG_DOMAIN "gw-profile"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-profile-schema.h"
#include "gw-profile.h"

#define KEYFILE_GROUP "profile"
#define KEYFILE_HEADER \
  "# Herald profile. Secrets are kept in the encrypted secret store, never here.\n" \
  "[" KEYFILE_GROUP "]\n"

struct _GwProfile {
  GObject        parent_instance;

  char          *name;
  GHashTable    *values;   /* key → canonical GVariant, explicit values only */
  GHashTable    *defaults; /* key → GVariant or NULL: cache for the current transport */
  GwSecretStore *secrets;  /* nullable */
};

G_DEFINE_TYPE (GwProfile, gw_profile, G_TYPE_OBJECT)

static void
variant_unref0 (gpointer v)
{
  if (v != NULL)
    g_variant_unref (v);
}

GwProfile *
gw_profile_new (const char    *name,
                GwSecretStore *secrets)
{
  GwProfile *self;

  g_return_val_if_fail (gw_profile_name_is_valid (name), NULL);
  g_return_val_if_fail (secrets == NULL || GW_IS_SECRET_STORE (secrets), NULL);

  self = g_object_new (GW_TYPE_PROFILE, NULL);
  self->name = g_strdup (name);
  if (secrets != NULL)
    self->secrets = g_object_ref (secrets);
  return self;
}

GwProfile *
gw_profile_copy (GwProfile *self)
{
  GwProfile *copy;
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (GW_IS_PROFILE (self), NULL);

  copy = gw_profile_new (self->name, self->secrets);
  g_hash_table_iter_init (&iter, self->values);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (copy->values, g_strdup (key), g_variant_ref (value));
  return copy;
}

const char *
gw_profile_get_name (GwProfile *self)
{
  g_return_val_if_fail (GW_IS_PROFILE (self), NULL);

  return self->name;
}

const char *
gw_profile_get_transport (GwProfile *self)
{
  GVariant *v;

  g_return_val_if_fail (GW_IS_PROFILE (self), NULL);

  v = g_hash_table_lookup (self->values, "transport");
  if (v != NULL)
    return g_variant_get_string (v, NULL);
  return gw_profile_schema_lookup ("transport")->default_value;
}

/* (transfer none) explicit value, else cached default, else NULL */
static GVariant *
effective_value (GwProfile  *self,
                 const char *key)
{
  GVariant *v = g_hash_table_lookup (self->values, key);

  if (v != NULL)
    return v;
  if (g_hash_table_lookup_extended (self->defaults, key, NULL, (gpointer *) &v))
    return v;
  v = gw_setting_default (key, gw_profile_get_transport (self));
  g_hash_table_insert (self->defaults, g_strdup (key), v);
  return v;
}

static GVariant *
typed_value (GwProfile          *self,
             const char         *key,
             const GVariantType *type)
{
  const GwSettingSpec *spec = gw_profile_schema_lookup (key);
  GVariant *v;

  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (spec->type != GW_SETTING_SECRET, NULL);

  v = effective_value (self, key);
  g_return_val_if_fail (v == NULL || g_variant_is_of_type (v, type), NULL);
  return v;
}

const char *
gw_profile_get_string (GwProfile  *self,
                       const char *key)
{
  GVariant *v;

  g_return_val_if_fail (GW_IS_PROFILE (self), NULL);

  v = typed_value (self, key, G_VARIANT_TYPE_STRING);
  return v != NULL ? g_variant_get_string (v, NULL) : NULL;
}

gboolean
gw_profile_get_boolean (GwProfile  *self,
                        const char *key)
{
  GVariant *v;

  g_return_val_if_fail (GW_IS_PROFILE (self), FALSE);

  v = typed_value (self, key, G_VARIANT_TYPE_BOOLEAN);
  return v != NULL && g_variant_get_boolean (v);
}

guint64
gw_profile_get_uint (GwProfile  *self,
                     const char *key)
{
  GVariant *v;

  g_return_val_if_fail (GW_IS_PROFILE (self), 0);

  v = typed_value (self, key, G_VARIANT_TYPE_UINT64);
  return v != NULL ? g_variant_get_uint64 (v) : 0;
}

GStrv
gw_profile_dup_strv (GwProfile  *self,
                     const char *key)
{
  GVariant *v;

  g_return_val_if_fail (GW_IS_PROFILE (self), NULL);

  v = typed_value (self, key, G_VARIANT_TYPE_STRING_ARRAY);
  return v != NULL ? g_variant_dup_strv (v, NULL) : g_new0 (char *, 1);
}

GVariant *
gw_profile_dup_value (GwProfile  *self,
                      const char *key)
{
  GVariant *v;

  g_return_val_if_fail (GW_IS_PROFILE (self), NULL);

  if (gw_setting_is_secret (key))
    return NULL;
  v = effective_value (self, key);
  return v != NULL ? g_variant_ref (v) : NULL;
}

gboolean
gw_profile_is_set (GwProfile  *self,
                   const char *key)
{
  g_return_val_if_fail (GW_IS_PROFILE (self), FALSE);

  if (gw_setting_is_secret (key))
    return gw_profile_has_secret (self, key);
  return g_hash_table_contains (self->values, key);
}

gboolean
gw_profile_has_secret (GwProfile  *self,
                       const char *key)
{
  g_return_val_if_fail (GW_IS_PROFILE (self), FALSE);
  g_return_val_if_fail (gw_setting_is_secret (key), FALSE);

  return self->secrets != NULL && gw_secret_store_has (self->secrets, self->name, key);
}

char *
gw_profile_dup_secret (GwProfile  *self,
                       const char *key,
                       GError    **error)
{
  g_return_val_if_fail (GW_IS_PROFILE (self), NULL);
  g_return_val_if_fail (gw_setting_is_secret (key), NULL);

  if (self->secrets == NULL)
    return NULL;
  return gw_secret_store_lookup (self->secrets, self->name, key, error);
}

static gboolean
value_is_empty (GVariant *value)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return *g_variant_get_string (value, NULL) == '\0';
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY))
    return g_variant_n_children (value) == 0;
  return FALSE;
}

/* Validates one setting into @staged (NULL = reset) or @secrets. */
static gboolean
stage_setting (const char *key,
               GVariant   *value,
               GHashTable *staged,
               GHashTable *secrets,
               GError    **error)
{
  g_autoptr(GVariant) parsed = NULL;
  gboolean secret = gw_setting_is_secret (key);

  if (g_str_equal (key, "name")) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                 _("A profile cannot be renamed by setting “name”"));
    return FALSE;
  }
  if (gw_profile_schema_lookup (key) == NULL)
    return gw_setting_parse (key, value, error) != NULL; /* fails, naming the key */
  if (g_hash_table_contains (staged, key) || g_hash_table_contains (secrets, key)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                 _("“%s” is given more than once"), key);
    return FALSE;
  }

  if (value_is_empty (value)) {
    g_hash_table_insert (secret ? secrets : staged, g_strdup (key), NULL);
    return TRUE;
  }
  parsed = gw_setting_parse (key, value, error);
  if (parsed == NULL)
    return FALSE;
  if (secret)
    g_hash_table_insert (secrets, g_strdup (key), g_variant_dup_string (parsed, NULL));
  else
    g_hash_table_insert (staged, g_strdup (key), g_steal_pointer (&parsed));
  return TRUE;
}

/* Writes the staged secrets; if one write fails, puts back the ones
 * already written, so that apply stays all-or-nothing. */
static gboolean
write_secrets (GwProfile  *self,
               GHashTable *secrets,
               GError    **error)
{
  g_autoptr(GPtrArray) done = g_ptr_array_new ();
  g_autoptr(GPtrArray) old = g_ptr_array_new_with_free_func ((GDestroyNotify) gw_secret_free);
  GHashTableIter iter;
  gpointer key, value;

  if (g_hash_table_size (secrets) > 0 && self->secrets == NULL) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_SECRET_STORE,
                 _("Profile “%s” has no secret store"), self->name);
    return FALSE;
  }

  g_hash_table_iter_init (&iter, secrets);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    g_autoptr(GError) lookup_error = NULL;
    char *previous = gw_secret_store_lookup (self->secrets, self->name, key, &lookup_error);

    if (!gw_secret_store_set (self->secrets, self->name, key, value, error)) {
      gw_secret_free (previous);
      for (guint i = 0; i < done->len; i++) {
        g_autoptr(GError) restore_error = NULL;
        if (!gw_secret_store_set (self->secrets, self->name, done->pdata[i], old->pdata[i], &restore_error))
          g_warning ("Cannot restore secret “%s” of profile “%s”: %s",
                     (const char *) done->pdata[i], self->name, restore_error->message);
      }
      return FALSE;
    }
    g_ptr_array_add (done, key);
    g_ptr_array_add (old, previous);
  }
  return TRUE;
}

gboolean
gw_profile_apply (GwProfile *self,
                  GVariant  *settings,
                  GError   **error)
{
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GHashTable) staged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, variant_unref0);
  g_autoptr(GHashTable) secrets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                         (GDestroyNotify) gw_secret_free);
  GHashTableIter iter;
  gpointer key, value;
  GVariantIter settings_iter;
  const char *name;
  GVariant *child;

  g_return_val_if_fail (GW_IS_PROFILE (self), FALSE);
  g_return_val_if_fail (settings != NULL && g_variant_is_of_type (settings, G_VARIANT_TYPE_VARDICT), FALSE);

  owned = g_variant_ref_sink (settings);
  g_variant_iter_init (&settings_iter, owned);
  while (g_variant_iter_next (&settings_iter, "{&sv}", &name, &child)) {
    g_autoptr(GVariant) owned_child = child;
    if (!stage_setting (name, owned_child, staged, secrets, error))
      return FALSE;
  }

  if (!write_secrets (self, secrets, error))
    return FALSE;

  g_hash_table_iter_init (&iter, staged);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    if (value == NULL)
      g_hash_table_remove (self->values, key);
    else
      g_hash_table_insert (self->values, g_strdup (key), g_variant_ref (value));
  }
  /* The transport may have changed, and with it the defaults. */
  g_hash_table_remove_all (self->defaults);
  return TRUE;
}

GKeyFile *
gw_profile_to_keyfile (GwProfile *self)
{
  GKeyFile *keyfile;

  g_return_val_if_fail (GW_IS_PROFILE (self), NULL);

  keyfile = g_key_file_new ();
  /* Loading a header creates the group, so an all-defaults profile is
   * written as a valid, recognisable file. */
  g_key_file_load_from_data (keyfile, KEYFILE_HEADER, -1, G_KEY_FILE_KEEP_COMMENTS, NULL);
  for (const GwSettingSpec *spec = gw_profile_schema_get_all (); spec->key != NULL; spec++) {
    GVariant *v = g_hash_table_lookup (self->values, spec->key);

    if (v == NULL)
      continue;
    if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING)) {
      g_key_file_set_string (keyfile, KEYFILE_GROUP, spec->key, g_variant_get_string (v, NULL));
    } else if (g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN)) {
      g_key_file_set_boolean (keyfile, KEYFILE_GROUP, spec->key, g_variant_get_boolean (v));
    } else if (g_variant_is_of_type (v, G_VARIANT_TYPE_UINT64)) {
      g_key_file_set_uint64 (keyfile, KEYFILE_GROUP, spec->key, g_variant_get_uint64 (v));
    } else {
      g_autofree const char **list = g_variant_get_strv (v, NULL);
      g_key_file_set_string_list (keyfile, KEYFILE_GROUP, spec->key, list, g_strv_length ((char **) list));
    }
  }
  return keyfile;
}

/* Reads one keyfile entry in the form gw_setting_parse() takes (a full,
 * non-floating reference); NULL if empty. */
static GVariant *
keyfile_value (GKeyFile            *keyfile,
               const GwSettingSpec *spec,
               GError             **error)
{
  g_autoptr(GError) local_error = NULL;

  if (spec->type == GW_SETTING_PINS || spec->type == GW_SETTING_STRING_LIST) {
    gsize n = 0;
    g_auto(GStrv) list = g_key_file_get_string_list (keyfile, KEYFILE_GROUP, spec->key, &n, &local_error);
    if (list != NULL && n > 0)
      return g_variant_ref_sink (g_variant_new_strv ((const char * const *) list, n));
  } else {
    g_autofree char *raw = g_key_file_get_string (keyfile, KEYFILE_GROUP, spec->key, &local_error);
    if (raw != NULL && *raw != '\0')
      return g_variant_ref_sink (g_variant_new_string (raw));
  }
  if (local_error != NULL)
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                 _("Cannot read “%s”: %s"), spec->key, local_error->message);
  return NULL;
}

GwProfile *
gw_profile_new_from_keyfile (const char    *name,
                             GKeyFile      *keyfile,
                             GwSecretStore *secrets,
                             GError       **error)
{
  g_autoptr(GwProfile) self = NULL;
  g_auto(GStrv) groups = NULL;
  g_auto(GStrv) keys = NULL;

  g_return_val_if_fail (gw_profile_name_is_valid (name), NULL);
  g_return_val_if_fail (keyfile != NULL, NULL);

  groups = g_key_file_get_groups (keyfile, NULL);
  for (guint i = 0; groups[i] != NULL; i++) {
    if (!g_str_equal (groups[i], KEYFILE_GROUP)) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                   _("Unknown group “%s”: settings belong in [%s]"), groups[i], KEYFILE_GROUP);
      return NULL;
    }
  }
  keys = g_key_file_get_keys (keyfile, KEYFILE_GROUP, NULL, NULL);
  if (keys == NULL) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                 _("No [%s] group"), KEYFILE_GROUP);
    return NULL;
  }

  self = gw_profile_new (name, secrets);
  for (guint i = 0; keys[i] != NULL; i++) {
    const GwSettingSpec *spec = gw_profile_schema_lookup (keys[i]);
    g_autoptr(GError) local_error = NULL;
    g_autoptr(GVariant) raw = NULL;
    GVariant *parsed;

    if (spec == NULL) {
      gw_setting_parse (keys[i], g_variant_new_string (""), error); /* fails, naming the key */
      return NULL;
    }
    if (spec->type == GW_SETTING_SECRET) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                   _("“%s” is a secret and is never kept in a profile file"), spec->key);
      return NULL;
    }
    raw = keyfile_value (keyfile, spec, &local_error);
    if (local_error != NULL) {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
    if (raw == NULL)
      continue;
    parsed = gw_setting_parse (spec->key, raw, error);
    if (parsed == NULL)
      return NULL;
    g_hash_table_insert (self->values, g_strdup (spec->key), parsed);
  }
  return g_steal_pointer (&self);
}

GVariant *
gw_profile_to_variant (GwProfile *self)
{
  GVariantBuilder builder;

  g_return_val_if_fail (GW_IS_PROFILE (self), NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "name", g_variant_new_string (self->name));
  for (const GwSettingSpec *spec = gw_profile_schema_get_all (); spec->key != NULL; spec++) {
    GVariant *v;

    /* Only whether a secret is set; its value never leaves the store. */
    if (spec->type == GW_SETTING_SECRET) {
      g_autofree char *set_key = g_strconcat (spec->key, "-set", NULL);
      g_variant_builder_add (&builder, "{sv}", set_key,
                             g_variant_new_boolean (gw_profile_has_secret (self, spec->key)));
      continue;
    }
    v = effective_value (self, spec->key);
    if (v != NULL)
      g_variant_builder_add (&builder, "{sv}", spec->key, v);
  }
  /* Floating, like g_variant_builder_end(), so it can go straight into a reply. */
  return g_variant_builder_end (&builder);
}

static void
gw_profile_finalize (GObject *object)
{
  GwProfile *self = GW_PROFILE (object);

  g_hash_table_unref (self->values);
  g_hash_table_unref (self->defaults);
  g_clear_object (&self->secrets);
  g_free (self->name);

  G_OBJECT_CLASS (gw_profile_parent_class)->finalize (object);
}

static void
gw_profile_class_init (GwProfileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = gw_profile_finalize;
}

static void
gw_profile_init (GwProfile *self)
{
  self->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_variant_unref);
  self->defaults = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, variant_unref0);
}
