/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-stored-profile-keyfile.c: a stored profile's file
 *
 * One keyfile per profile, group [profile], values in their canonical
 * string form; secrets are never in it. Keys of a transport that is not
 * loaded are kept as they are written.
 */
#define G_LOG_DOMAIN "gw-profile"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-profile-schema.h"
#include "gw-stored-profile-private.h"

#define KEYFILE_HEADER \
  "# Herald profile. Secrets are kept in the encrypted secret store, never here.\n" \
  "[" GW_STORED_PROFILE_GROUP "]\n"

static void
keyfile_set (GKeyFile   *keyfile,
             const char *key,
             GVariant   *v)
{
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING)) {
    g_key_file_set_string (keyfile, GW_STORED_PROFILE_GROUP, key, g_variant_get_string (v, NULL));
  } else if (g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN)) {
    g_key_file_set_boolean (keyfile, GW_STORED_PROFILE_GROUP, key, g_variant_get_boolean (v));
  } else if (g_variant_is_of_type (v, G_VARIANT_TYPE_UINT64)) {
    g_key_file_set_uint64 (keyfile, GW_STORED_PROFILE_GROUP, key, g_variant_get_uint64 (v));
  } else {
    g_autofree const char **list = g_variant_get_strv (v, NULL);
    g_key_file_set_string_list (keyfile, GW_STORED_PROFILE_GROUP, key, list, g_strv_length ((char **) list));
  }
}

GKeyFile *
gw_stored_profile_to_keyfile (GwProfile *profile)
{
  GwStoredProfile *self = GW_STORED_PROFILE_CAST (profile);
  g_autoptr(GPtrArray) shown = NULL;
  g_autoptr(GPtrArray) others = NULL;
  GKeyFile *keyfile;

  g_return_val_if_fail (GW_IS_STORED_PROFILE (profile), NULL);

  keyfile = g_key_file_new ();
  /* Loading a header creates the group, so an all-defaults profile is
   * written as a valid, recognisable file. */
  g_key_file_load_from_data (keyfile, KEYFILE_HEADER, -1, G_KEY_FILE_KEEP_COMMENTS, NULL);
  shown = gw_profile_schema_list_for (gw_stored_profile_get_transport (profile));
  for (guint i = 0; i < shown->len; i++) {
    const char *key = gw_setting_spec_get_key (shown->pdata[i]);
    GVariant *v = g_hash_table_lookup (self->values, key);

    if (v != NULL)
      keyfile_set (keyfile, key, v);
  }
  others = gw_stored_profile_other_keys (self, shown);
  for (guint i = 0; i < others->len; i++) {
    const char *key = others->pdata[i];
    GVariant *v = g_hash_table_lookup (self->values, key);

    if (v != NULL)
      keyfile_set (keyfile, key, v);
    else
      g_key_file_set_string (keyfile, GW_STORED_PROFILE_GROUP, key, g_hash_table_lookup (self->opaque, key));
  }
  return keyfile;
}

/* Reads one keyfile entry in the form gw_setting_parse() takes (a full,
 * non-floating reference); NULL if empty. */
static GVariant *
keyfile_value (GKeyFile            *keyfile,
               const char          *key,
               const GwSettingSpec *spec,
               GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  GwSettingType type = spec != NULL ? gw_setting_spec_get_value_type (spec) : GW_SETTING_STRING;

  if (type == GW_SETTING_PINS || type == GW_SETTING_STRING_LIST) {
    gsize n = 0;
    g_auto(GStrv) list = g_key_file_get_string_list (keyfile, GW_STORED_PROFILE_GROUP, key, &n, &local_error);
    if (list != NULL && n > 0)
      return g_variant_ref_sink (g_variant_new_strv ((const char * const *) list, n));
  } else {
    g_autofree char *raw = g_key_file_get_string (keyfile, GW_STORED_PROFILE_GROUP, key, &local_error);
    if (raw != NULL && *raw != '\0')
      return g_variant_ref_sink (g_variant_new_string (raw));
  }
  if (local_error != NULL)
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                 _("Cannot read “%s”: %s"), key, local_error->message);
  return NULL;
}

/* Reads one entry of @keyfile into @self. */
static gboolean
load_key (GwStoredProfile *self,
          GKeyFile        *keyfile,
          const char      *transport,
          const char      *key,
          GError         **error)
{
  const GwSettingSpec *spec = gw_profile_schema_lookup (key);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GVariant) raw = NULL;
  GVariant *parsed;

  if (spec == NULL && !gw_profile_schema_has_transport (transport)) {
    /* Its plugin is gone for now: keep what it would have checked. */
    raw = keyfile_value (keyfile, key, NULL, &local_error);
    if (local_error != NULL) {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
    if (raw != NULL)
      g_hash_table_insert (self->opaque, g_strdup (key), g_variant_dup_string (raw, NULL));
    return TRUE;
  }
  if (spec == NULL) {
    gw_setting_parse (key, g_variant_new_string (""), error); /* fails, naming the key */
    return FALSE;
  }
  if (gw_setting_spec_has_flag (spec, GW_SETTING_FLAG_SECRET)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                 _("“%s” is a secret and is never kept in a profile file"), key);
    return FALSE;
  }
  raw = keyfile_value (keyfile, key, spec, &local_error);
  if (local_error != NULL) {
    g_propagate_error (error, g_steal_pointer (&local_error));
    return FALSE;
  }
  if (raw == NULL)
    return TRUE;
  parsed = gw_setting_parse_stored (transport, key, raw, error);
  if (parsed == NULL)
    return FALSE;
  g_hash_table_insert (self->values, g_strdup (key), parsed);
  return TRUE;
}

GwProfile *
gw_stored_profile_new_from_keyfile (const char    *name,
                                    GKeyFile      *keyfile,
                                    GwSecretStore *secrets,
                                    GError       **error)
{
  g_autoptr(GwStoredProfile) self = NULL;
  g_auto(GStrv) groups = NULL;
  g_auto(GStrv) keys = NULL;

  g_return_val_if_fail (gw_profile_name_is_valid (name), NULL);
  g_return_val_if_fail (keyfile != NULL, NULL);

  groups = g_key_file_get_groups (keyfile, NULL);
  for (guint i = 0; groups[i] != NULL; i++) {
    if (!g_str_equal (groups[i], GW_STORED_PROFILE_GROUP)) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                   _("Unknown group “%s”: settings belong in [%s]"), groups[i], GW_STORED_PROFILE_GROUP);
      return NULL;
    }
  }
  keys = g_key_file_get_keys (keyfile, GW_STORED_PROFILE_GROUP, NULL, NULL);
  if (keys == NULL) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                 _("No [%s] group"), GW_STORED_PROFILE_GROUP);
    return NULL;
  }

  self = GW_STORED_PROFILE_CAST (gw_stored_profile_new (name, secrets));
  /* The transport first: the other keys are read as its keys. */
  if (g_key_file_has_key (keyfile, GW_STORED_PROFILE_GROUP, "transport", NULL) &&
      !load_key (self, keyfile, NULL, "transport", error))
    return NULL;
  for (guint i = 0; keys[i] != NULL; i++) {
    if (!g_str_equal (keys[i], "transport") &&
        !load_key (self, keyfile, gw_stored_profile_get_transport (GW_PROFILE (self)), keys[i], error))
      return NULL;
  }
  return GW_PROFILE (g_steal_pointer (&self));
}
