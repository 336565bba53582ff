/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-stored-profile.c: one named delivery target as the daemon keeps it
 *
 * A profile keeps only the values set explicitly, in canonical form; every
 * other value is the schema's default for the profile's transport, so
 * defaults follow a change of transport. Secrets live in the secret store,
 * never in the profile object or its keyfile. Keys no loaded transport
 * declares are kept as text ("opaque") only while the profile's own
 * transport is not loaded.
 */
#define G_LOG_DOMAIN "gw-profile"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-profile-private.h"
#include "gw-profile-schema.h"
#include "gw-stored-profile.h"

#include "gw-stored-profile-private.h"

G_DEFINE_FINAL_TYPE (GwStoredProfile, gw_stored_profile, GW_TYPE_PROFILE)

static void
variant_unref0 (gpointer v)
{
  if (v != NULL)
    g_variant_unref (v);
}

GwProfile *
gw_stored_profile_new (const char    *name,
                       GwSecretStore *secrets)
{
  GwStoredProfile *self;

  g_return_val_if_fail (gw_profile_name_is_valid (name), NULL);
  g_return_val_if_fail (secrets == NULL || GW_IS_SECRET_STORE (secrets), NULL);

  self = g_object_new (GW_TYPE_STORED_PROFILE, NULL);
  self->name = g_strdup (name);
  if (secrets != NULL)
    self->secrets = g_object_ref (secrets);
  return GW_PROFILE (self);
}

GwProfile *
gw_stored_profile_copy (GwProfile *profile)
{
  GwStoredProfile *self = GW_STORED_PROFILE_CAST (profile);
  GwStoredProfile *copy;
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (GW_IS_STORED_PROFILE (profile), NULL);

  copy = GW_STORED_PROFILE_CAST (gw_stored_profile_new (self->name, self->secrets));
  g_hash_table_iter_init (&iter, self->values);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (copy->values, g_strdup (key), g_variant_ref (value));
  g_hash_table_iter_init (&iter, self->opaque);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (copy->opaque, g_strdup (key), g_strdup (value));
  return GW_PROFILE (copy);
}

/* ---- the GwProfile view ---- */

static const char *
stored_get_name (GwProfile *profile)
{
  return GW_STORED_PROFILE_CAST (profile)->name;
}

const char *
gw_stored_profile_get_transport (GwProfile *profile)
{
  GVariant *v = g_hash_table_lookup (GW_STORED_PROFILE_CAST (profile)->values, "transport");

  return v != NULL ? g_variant_get_string (v, NULL) : GW_PROFILE_DEFAULT_TRANSPORT;
}

static GVariant *stored_lookup_value (GwProfile *profile, const char *key);

/* A key's effective value as text, for the conditions and {KEY}s of
 * presets. */
static char *
lookup_text (const char *key,
             gpointer    user_data)
{
  GwStoredProfile *self = user_data;
  GVariant *v;

  /* Presets that name each other in a circle end here. */
  if (self->resolving > 4 || gw_setting_is_secret (key))
    return NULL;
  self->resolving++;
  v = stored_lookup_value (GW_PROFILE (self), key);
  self->resolving--;
  if (v == NULL)
    return NULL;
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
    return g_variant_dup_string (v, NULL);
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
    return g_strdup (g_variant_get_boolean (v) ? "true" : "false");
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_UINT64))
    return g_strdup_printf ("%" G_GUINT64_FORMAT, g_variant_get_uint64 (v));
  return NULL;
}

/* The value a transport's preset gives @key (gw_transport_class_add_preset()),
 * parsed as the key's own values are, or NULL. */
static GVariant *
preset_value (GwStoredProfile *self,
              const char      *key)
{
  const char *transport = gw_stored_profile_get_transport (GW_PROFILE (self));
  g_autofree char *text = gw_profile_schema_dup_preset (transport, key, lookup_text, self);
  g_autoptr(GError) error = NULL;
  GVariant *v;

  if (text == NULL)
    return NULL;
  v = gw_setting_parse_for (transport, key, g_variant_new_string (text), &error);
  if (v == NULL)
    g_debug ("Profile %s: preset of %s not used: %s", self->name, key, error->message);
  return v;
}

/* (transfer none) explicit value, else cached preset or default, else NULL */
static GVariant *
stored_lookup_value (GwProfile  *profile,
                     const char *key)
{
  GwStoredProfile *self = GW_STORED_PROFILE_CAST (profile);
  GVariant *v = g_hash_table_lookup (self->values, key);
  const char *text;

  if (v != NULL)
    return v;
  if (g_hash_table_lookup_extended (self->defaults, key, NULL, (gpointer *) &v))
    return v;
  text = g_hash_table_lookup (self->opaque, key);
  if (text != NULL)
    v = g_variant_ref_sink (g_variant_new_string (text));
  else
    v = preset_value (self, key);
  if (v == NULL)
    v = gw_setting_default (key, gw_stored_profile_get_transport (profile));
  g_hash_table_insert (self->defaults, g_strdup (key), v);
  return v;
}

static gboolean
stored_lookup_key (GwProfile  *profile,
                   const char *key,
                   gboolean   *secret)
{
  const GwSettingSpec *own = gw_profile_schema_lookup_for (gw_stored_profile_get_transport (profile), key);
  const GwSettingSpec *any = gw_profile_schema_lookup (key);
  gboolean is_secret = own != NULL && gw_setting_spec_has_flag (own, GW_SETTING_FLAG_SECRET);

  if (secret != NULL)
    *secret = is_secret;
  /* A secret only under a key its own transport declared secret. */
  if (any != NULL && gw_setting_spec_has_flag (any, GW_SETTING_FLAG_SECRET))
    return is_secret;
  return any != NULL || g_hash_table_contains (GW_STORED_PROFILE_CAST (profile)->opaque, key);
}

gboolean
gw_stored_profile_has_secret (GwProfile  *profile,
                              const char *key)
{
  GwStoredProfile *self = GW_STORED_PROFILE_CAST (profile);

  g_return_val_if_fail (GW_IS_STORED_PROFILE (profile), FALSE);
  return self->secrets != NULL && gw_secret_store_has (self->secrets, self->name, key);
}

gboolean
gw_stored_profile_has_any_secret (GwProfile *profile)
{
  GwStoredProfile *self = GW_STORED_PROFILE_CAST (profile);

  g_return_val_if_fail (GW_IS_STORED_PROFILE (profile), FALSE);
  return self->secrets != NULL && gw_secret_store_has_any (self->secrets, self->name);
}

static gboolean
stored_is_set (GwProfile  *profile,
               const char *key)
{
  GwStoredProfile *self = GW_STORED_PROFILE_CAST (profile);

  if (gw_setting_is_secret (key))
    return gw_stored_profile_has_secret (profile, key);
  return g_hash_table_contains (self->values, key) || g_hash_table_contains (self->opaque, key);
}

static const char *
stored_get_server_url (GwProfile *profile)
{
  g_autoptr(GPtrArray) specs = gw_profile_schema_list_for (gw_profile_get_transport (profile));

  for (guint i = 0; i < specs->len; i++) {
    const GwSettingSpec *spec = g_ptr_array_index (specs, i);
    const char *key = gw_setting_spec_get_key (spec);

    if (gw_setting_spec_get_value_type (spec) == GW_SETTING_URL &&
        gw_setting_spec_has_flag (spec, GW_SETTING_FLAG_SERVER_HOST) &&
        gw_profile_get_string (profile, key) != NULL)
      return gw_profile_get_string (profile, key);
  }
  return NULL;
}

static char *
stored_dup_secret (GwProfile  *profile,
                   const char *key,
                   GError    **error)
{
  GwStoredProfile *self = GW_STORED_PROFILE_CAST (profile);

  if (self->secrets == NULL)
    return NULL;
  return gw_secret_store_lookup (self->secrets, self->name, key, error);
}

static gboolean
stored_store_secret (GwProfile  *profile,
                     const char *key,
                     const char *value,
                     GError    **error)
{
  GwStoredProfile *self = GW_STORED_PROFILE_CAST (profile);
  g_autoptr(GVariant) parsed = NULL;

  if (self->secrets == NULL) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_SECRET_STORE,
                 _("Profile “%s” has no secret store"), self->name);
    return FALSE;
  }
  parsed = gw_setting_parse_for (gw_stored_profile_get_transport (profile), key, g_variant_new_string (value), error);
  return parsed != NULL &&
         gw_secret_store_set (self->secrets, self->name, key, g_variant_get_string (parsed, NULL), error);
}

/* ---- changes ---- */

static gboolean
value_is_empty (GVariant *value)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT)) {
    g_autoptr(GVariant) inner = g_variant_get_variant (value);
    return value_is_empty (inner);
  }
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return *g_variant_get_string (value, NULL) == '\0';
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY))
    return g_variant_n_children (value) == 0;
  return FALSE;
}

/* Validates one setting into @staged (NULL = reset) or @secrets. */
static gboolean
stage_setting (const char *transport,
               const char *key,
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
  parsed = gw_setting_parse_for (transport, key, value, error);
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
write_secrets (GwStoredProfile *self,
               GHashTable      *secrets,
               GError         **error)
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

/* The transport @settings leave the profile with: the keys of that
 * transport are checked against its own specs. */
static char *
transport_after (GwStoredProfile *self,
                 GVariant        *settings,
                 GError         **error)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (settings, "transport", NULL);
  g_autoptr(GVariant) parsed = NULL;

  if (value == NULL)
    return g_strdup (gw_stored_profile_get_transport (GW_PROFILE (self)));
  if (value_is_empty (value))
    return g_strdup (GW_PROFILE_DEFAULT_TRANSPORT);
  parsed = gw_setting_parse ("transport", value, error);
  return parsed != NULL ? g_variant_dup_string (parsed, NULL) : NULL;
}

gboolean
gw_stored_profile_apply (GwProfile *profile,
                         GVariant  *settings,
                         GError   **error)
{
  GwStoredProfile *self = GW_STORED_PROFILE_CAST (profile);
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GHashTable) staged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, variant_unref0);
  g_autoptr(GHashTable) secrets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                         (GDestroyNotify) gw_secret_free);
  g_autofree char *transport = NULL;
  GHashTableIter iter;
  gpointer key, value;
  GVariantIter settings_iter;
  const char *name;
  GVariant *child;

  g_return_val_if_fail (GW_IS_STORED_PROFILE (profile), FALSE);
  g_return_val_if_fail (settings != NULL && g_variant_is_of_type (settings, G_VARIANT_TYPE_VARDICT), FALSE);

  owned = g_variant_ref_sink (settings);
  transport = transport_after (self, owned, error);
  if (transport == NULL)
    return FALSE;
  g_variant_iter_init (&settings_iter, owned);
  while (g_variant_iter_next (&settings_iter, "{&sv}", &name, &child)) {
    g_autoptr(GVariant) owned_child = child;
    if (!stage_setting (transport, name, owned_child, staged, secrets, error))
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

/* ---- what is shown and stored ---- */

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

GPtrArray *
gw_stored_profile_other_keys (GwStoredProfile *self,
            GPtrArray       *shown)
{
  GPtrArray *keys = g_ptr_array_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTable *tables[] = { self->values, self->opaque };

  for (guint i = 0; i < shown->len; i++)
    g_hash_table_add (seen, (gpointer) gw_setting_spec_get_key (shown->pdata[i]));
  for (guint t = 0; t < G_N_ELEMENTS (tables); t++) {
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init (&iter, tables[t]);
    while (g_hash_table_iter_next (&iter, &key, NULL)) {
      if (!g_hash_table_contains (seen, key))
        g_ptr_array_add (keys, key);
    }
  }
  g_ptr_array_sort (keys, compare_strings);
  return keys;
}

/* "KEY-set" for the secret keys of the other transports too: a secret may
 * be stored under any of them (SetSecret takes every secret key), and a
 * client sees what is stored whatever the transport. */
static void
add_other_secrets (GwProfile       *profile,
                   GPtrArray       *shown,
                   GVariantBuilder *builder)
{
  g_auto(GStrv) secret_keys = gw_profile_schema_dup_keys_with_flag (GW_SETTING_FLAG_SECRET);

  for (guint i = 0; secret_keys[i] != NULL; i++) {
    gboolean listed = FALSE;

    for (guint j = 0; j < shown->len && !listed; j++)
      listed = g_str_equal (gw_setting_spec_get_key (shown->pdata[j]), secret_keys[i]);
    if (!listed) {
      g_autofree char *set_key = g_strconcat (secret_keys[i], "-set", NULL);
      g_variant_builder_add (builder, "{sv}", set_key,
                             g_variant_new_boolean (gw_stored_profile_has_secret (profile, secret_keys[i])));
    }
  }
}

GVariant *
gw_stored_profile_to_variant (GwProfile *profile)
{
  GwStoredProfile *self = GW_STORED_PROFILE_CAST (profile);
  g_autoptr(GPtrArray) shown = NULL;
  g_autoptr(GPtrArray) others = NULL;
  g_autoptr(GStrvBuilder) defaults = g_strv_builder_new ();
  g_auto(GStrv) listed = NULL;
  GVariantBuilder builder;

  g_return_val_if_fail (GW_IS_STORED_PROFILE (profile), NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "name", g_variant_new_string (self->name));
  shown = gw_profile_schema_list_for (gw_stored_profile_get_transport (profile));
  for (guint i = 0; i < shown->len; i++) {
    const char *key = gw_setting_spec_get_key (shown->pdata[i]);
    GVariant *v;

    /* Only whether a secret is set; its value never leaves the store. */
    if (gw_setting_spec_has_flag (shown->pdata[i], GW_SETTING_FLAG_SECRET)) {
      g_autofree char *set_key = g_strconcat (key, "-set", NULL);
      g_variant_builder_add (&builder, "{sv}", set_key,
                             g_variant_new_boolean (gw_stored_profile_has_secret (profile, key)));
      continue;
    }
    v = stored_lookup_value (profile, key);
    if (v != NULL)
      g_variant_builder_add (&builder, "{sv}", key, v);
    /* Shown, but not set by the profile: a default. */
    if (v != NULL && !g_hash_table_contains (self->values, key) && !g_hash_table_contains (self->opaque, key))
      g_strv_builder_add (defaults, key);
  }
  listed = g_strv_builder_end (defaults);
  g_variant_builder_add (&builder, "{sv}", "defaults", g_variant_new_strv ((const char * const *) listed, -1));
  others = gw_stored_profile_other_keys (self, shown);
  for (guint i = 0; i < others->len; i++)
    g_variant_builder_add (&builder, "{sv}", (const char *) others->pdata[i],
                           stored_lookup_value (profile, others->pdata[i]));
  add_other_secrets (profile, shown, &builder);
  /* Floating, like g_variant_builder_end(), so it can go straight into a reply. */
  return g_variant_builder_end (&builder);
}

static void
gw_stored_profile_finalize (GObject *object)
{
  GwStoredProfile *self = GW_STORED_PROFILE (object);

  g_hash_table_unref (self->values);
  g_hash_table_unref (self->opaque);
  g_hash_table_unref (self->defaults);
  g_clear_object (&self->secrets);
  g_free (self->name);

  G_OBJECT_CLASS (gw_stored_profile_parent_class)->finalize (object);
}

static void
gw_stored_profile_class_init (GwStoredProfileClass *klass)
{
  GwProfileClass *profile_class = GW_PROFILE_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = gw_stored_profile_finalize;
  profile_class->get_name = stored_get_name;
  profile_class->get_transport = gw_stored_profile_get_transport;
  profile_class->lookup_value = stored_lookup_value;
  profile_class->lookup_key = stored_lookup_key;
  profile_class->is_set = stored_is_set;
  profile_class->has_secret = gw_stored_profile_has_secret;
  profile_class->dup_secret = stored_dup_secret;
  profile_class->store_secret = stored_store_secret;
  profile_class->get_server_url = stored_get_server_url;
}

static void
gw_stored_profile_init (GwStoredProfile *self)
{
  self->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_variant_unref);
  self->opaque = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->defaults = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, variant_unref0);
}
