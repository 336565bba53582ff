/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-profile.c: a named delivery target and its settings */
#define G_LOG_DOMAIN "herald-profile"

#include "config.h"

#include <stdlib.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "herald-private.h"
#include "herald-profile.h"

/**
 * HeraldProfile:
 *
 * A profile is a named delivery target — an SMTP relay, a fax gateway, a
 * local Maildir — with its settings.
 *
 * A profile read from the gateway (herald_client_get_profile(),
 * herald_client_list_profiles()) holds every setting with its effective
 * value. Secret settings such as `password` are never returned; the
 * profile says only whether one is set (herald_profile_get_password_set()).
 *
 * To add or change a profile, make one with herald_profile_new() and set the
 * keys to change with herald_profile_set_setting(), then pass it to
 * herald_client_add_profile() or herald_client_update_profile(). Only the
 * keys set this way are sent; values given as strings are parsed by the
 * gateway according to the key's type, and an empty string resets a key to
 * its default.
 *
 * Since: 0.1
 */
struct _HeraldProfile {
  GObject     parent_instance;

  char       *name;
  GHashTable *settings;  /* key → GVariant, as the gateway sent them */
  GHashTable *changes;   /* key → GVariant, set locally */
  GStrv       defaults;  /* keys the gateway reported at their default */
};

G_DEFINE_FINAL_TYPE (HeraldProfile, herald_profile, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_TRANSPORT,
  PROP_IS_DEFAULT,
  PROP_PASSWORD_SET,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
herald_profile_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  HeraldProfile *self = HERALD_PROFILE (object);

  switch (prop_id) {
  case PROP_NAME:
    g_value_set_string (value, self->name);
    break;
  case PROP_TRANSPORT:
    g_value_set_string (value, herald_profile_get_transport (self));
    break;
  case PROP_IS_DEFAULT:
    g_value_set_boolean (value, herald_profile_get_is_default (self));
    break;
  case PROP_PASSWORD_SET:
    g_value_set_boolean (value, herald_profile_get_password_set (self));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
herald_profile_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  HeraldProfile *self = HERALD_PROFILE (object);

  switch (prop_id) {
  case PROP_NAME:
    g_free (self->name);
    self->name = g_value_dup_string (value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
herald_profile_finalize (GObject *object)
{
  HeraldProfile *self = HERALD_PROFILE (object);

  g_free (self->name);
  g_hash_table_unref (self->settings);
  g_hash_table_unref (self->changes);
  g_strfreev (self->defaults);

  G_OBJECT_CLASS (herald_profile_parent_class)->finalize (object);
}

static void
herald_profile_class_init (HeraldProfileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = herald_profile_get_property;
  object_class->set_property = herald_profile_set_property;
  object_class->finalize = herald_profile_finalize;

  /**
   * HeraldProfile:name:
   *
   * The profile name: 1 to 64 characters of `[A-Za-z0-9._-]`, starting
   * with a letter or digit.
   *
   * Since: 0.1
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS);
  /**
   * HeraldProfile:transport: (getter get_transport)
   *
   * The transport, such as `smtp` or `maildir`, as the gateway reported it
   * or as set with herald_profile_set_setting().
   *
   * Since: 0.1
   */
  properties[PROP_TRANSPORT] =
    g_param_spec_string ("transport", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldProfile:is-default: (getter get_is_default)
   *
   * Whether notifications no rule routes go to this profile.
   *
   * Since: 0.1
   */
  properties[PROP_IS_DEFAULT] =
    g_param_spec_boolean ("is-default", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldProfile:password-set: (getter get_password_set)
   *
   * Whether the profile has a password stored (never the password itself).
   *
   * Since: 0.1
   */
  properties[PROP_PASSWORD_SET] =
    g_param_spec_boolean ("password-set", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
  herald_i18n_init ();
}

static void
herald_profile_init (HeraldProfile *self)
{
  self->settings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) g_variant_unref);
  self->changes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_variant_unref);
}

/**
 * herald_profile_new:
 * @name: the profile name
 *
 * Creates an empty profile, to be filled with herald_profile_set_setting()
 * and passed to herald_client_add_profile() or
 * herald_client_update_profile().
 *
 * Returns: (transfer full): a new #HeraldProfile
 *
 * Since: 0.1
 */
HeraldProfile *
herald_profile_new (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);

  return g_object_new (HERALD_TYPE_PROFILE, "name", name, NULL);
}

/**
 * herald_profile_new_from_variant:
 * @settings: an `a{sv}` dictionary as returned by `GetProfile`, with at
 *   least `name`
 * @error: return location for a #GError
 *
 * Creates a profile from its D-Bus form.
 *
 * Returns: (transfer full): a new #HeraldProfile, or %NULL if @settings
 *   has no name
 *
 * Since: 0.1
 */
HeraldProfile *
herald_profile_new_from_variant (GVariant  *settings,
                                 GError   **error)
{
  g_autoptr(HeraldProfile) self = NULL;
  const char *name = NULL;
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_return_val_if_fail (settings != NULL, NULL);
  g_return_val_if_fail (g_variant_is_of_type (settings, G_VARIANT_TYPE_VARDICT), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_variant_lookup (settings, "name", "&s", &name)) {
    g_set_error_literal (error, HERALD_ERROR, HERALD_ERROR_FAILED,
                         _("The gateway sent a profile without a name"));
    return NULL;
  }

  self = herald_profile_new (name);
  g_variant_iter_init (&iter, settings);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value)) {
    /* "defaults" says which values are defaults; it is no setting. */
    if (g_str_equal (key, "defaults") && g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY)) {
      g_strfreev (self->defaults);
      self->defaults = g_variant_dup_strv (value, NULL);
      g_variant_unref (value);
      continue;
    }
    g_hash_table_replace (self->settings, g_strdup (key), value);
  }

  return g_steal_pointer (&self);
}

/* The value of @key: a local change first, else what the gateway sent. */
static GVariant *
lookup (HeraldProfile *self,
        const char    *key)
{
  GVariant *value = g_hash_table_lookup (self->changes, key);

  if (value != NULL)
    return value;
  return g_hash_table_lookup (self->settings, key);
}

/**
 * herald_profile_get_name:
 * @self: a #HeraldProfile
 *
 * Gets the profile name.
 *
 * Returns: (transfer none): the profile name
 *
 * Since: 0.1
 */
const char *
herald_profile_get_name (HeraldProfile *self)
{
  g_return_val_if_fail (HERALD_IS_PROFILE (self), NULL);
  return self->name;
}

/**
 * herald_profile_get_transport:
 * @self: a #HeraldProfile
 *
 * Gets the transport: `smtp`, `smtps`, `fax` or `maildir`.
 *
 * Returns: (transfer none) (nullable): the transport: `smtp`, `smtps`,
 *   `fax` or `maildir`
 *
 * Since: 0.1
 */
const char *
herald_profile_get_transport (HeraldProfile *self)
{
  g_return_val_if_fail (HERALD_IS_PROFILE (self), NULL);
  return herald_profile_get_string (self, "transport");
}

/**
 * herald_profile_get_is_default:
 * @self: a #HeraldProfile
 *
 * Checks whether this is the default profile, used when no routing rule
 * matches.
 *
 * Returns: %TRUE if this is the default profile, used when no routing
 *   rule matches
 *
 * Since: 0.1
 */
gboolean
herald_profile_get_is_default (HeraldProfile *self)
{
  g_return_val_if_fail (HERALD_IS_PROFILE (self), FALSE);
  return herald_profile_get_boolean (self, "default");
}

/**
 * herald_profile_get_uses_default:
 * @self: a #HeraldProfile
 * @key: a setting key such as `transport`
 *
 * Whether the gateway reported @key as not set by the profile, so that
 * its value is the default for the profile's transport (a profile added
 * without `transport` uses the default transport). A key changed locally
 * with herald_profile_set_setting() is not at its default.
 *
 * Returns: %TRUE if @key takes its default
 *
 * Since: 0.1
 */
gboolean
herald_profile_get_uses_default (HeraldProfile *self,
                                 const char    *key)
{
  g_return_val_if_fail (HERALD_IS_PROFILE (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  return self->defaults != NULL && !g_hash_table_contains (self->changes, key) &&
         g_strv_contains ((const char * const *) self->defaults, key);
}

/**
 * herald_profile_get_secret_set:
 * @self: a #HeraldProfile
 * @key: a secret key such as `password` or `oauth2-refresh-token`
 *
 * Whether the secret @key has a value. The value itself is never
 * returned by the gateway.
 *
 * Returns: %TRUE if the gateway reports `KEY-set` as true
 *
 * Since: 0.1
 */
gboolean
herald_profile_get_secret_set (HeraldProfile *self,
                               const char    *key)
{
  g_autofree char *set_key = NULL;

  g_return_val_if_fail (HERALD_IS_PROFILE (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  set_key = g_strconcat (key, "-set", NULL);
  return herald_profile_get_boolean (self, set_key);
}

/**
 * herald_profile_get_password_set:
 * @self: a #HeraldProfile
 *
 * Checks whether the profile has a password.
 *
 * Returns: %TRUE if the profile has a password
 *
 * Since: 0.1
 */
gboolean
herald_profile_get_password_set (HeraldProfile *self)
{
  return herald_profile_get_secret_set (self, "password");
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/**
 * herald_profile_get_keys:
 * @self: a #HeraldProfile
 *
 * Gets the keys the profile holds, in alphabetical order, including
 * `name`, `default` and the `KEY-set` keys of secrets.
 *
 * Returns: (transfer full) (array zero-terminated=1): the keys
 *
 * Since: 0.1
 */
char **
herald_profile_get_keys (HeraldProfile *self)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  const char *key;

  g_return_val_if_fail (HERALD_IS_PROFILE (self), NULL);

  g_hash_table_iter_init (&iter, self->settings);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, NULL))
    g_ptr_array_add (keys, g_strdup (key));
  g_hash_table_iter_init (&iter, self->changes);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, NULL)) {
    if (!g_hash_table_contains (self->settings, key))
      g_ptr_array_add (keys, g_strdup (key));
  }
  g_ptr_array_sort (keys, compare_strings);
  g_ptr_array_add (keys, NULL);

  return (char **) g_ptr_array_free (g_steal_pointer (&keys), FALSE);
}

/**
 * herald_profile_has_setting:
 * @self: a #HeraldProfile
 * @key: a setting key
 *
 * Checks whether the profile holds a value for @key.
 *
 * Returns: %TRUE if the profile holds a value for @key
 *
 * Since: 0.1
 */
gboolean
herald_profile_has_setting (HeraldProfile *self,
                            const char    *key)
{
  g_return_val_if_fail (HERALD_IS_PROFILE (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  return lookup (self, key) != NULL;
}

/**
 * herald_profile_get_setting:
 * @self: a #HeraldProfile
 * @key: a setting key such as `host`
 *
 * Gets the value of @key in its native type: `s` for text, `b` for
 * booleans, `t` for numbers such as `port`, `as` for lists. A value set
 * locally with herald_profile_set_setting() is returned as the string it
 * was set to.
 *
 * Returns: (transfer none) (nullable): the value, or %NULL if unset
 *
 * Since: 0.1
 */
GVariant *
herald_profile_get_setting (HeraldProfile *self,
                            const char    *key)
{
  g_return_val_if_fail (HERALD_IS_PROFILE (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);
  return lookup (self, key);
}

/**
 * herald_profile_set_setting:
 * @self: a #HeraldProfile
 * @key: a setting key such as `host`
 * @value: the value as a string, parsed by the gateway according to the
 *   key's type (`true`, `587`, `30s`, `a,b`); an empty string resets the
 *   key to its default
 *
 * Sets a key to send with herald_client_add_profile() or
 * herald_client_update_profile().
 *
 * Since: 0.1
 */
void
herald_profile_set_setting (HeraldProfile *self,
                            const char    *key,
                            const char    *value)
{
  g_return_if_fail (HERALD_IS_PROFILE (self));
  g_return_if_fail (key != NULL && *key != '\0');
  g_return_if_fail (value != NULL);

  g_hash_table_replace (self->changes, g_strdup (key),
                        g_variant_ref_sink (g_variant_new_string (value)));
}

/**
 * herald_profile_set_setting_variant:
 * @self: a #HeraldProfile
 * @key: a setting key such as `port`
 * @value: the value in its native type (`s`, `b`, `u`, `t` or `as`) or as
 *   a string; a floating reference is sunk
 *
 * Sets a key in its native type to send with herald_client_add_profile()
 * or herald_client_update_profile().
 *
 * Since: 0.1
 */
void
herald_profile_set_setting_variant (HeraldProfile *self,
                                    const char    *key,
                                    GVariant      *value)
{
  g_return_if_fail (HERALD_IS_PROFILE (self));
  g_return_if_fail (key != NULL && *key != '\0');
  g_return_if_fail (value != NULL);

  g_hash_table_replace (self->changes, g_strdup (key), g_variant_ref_sink (value));
}

/**
 * herald_profile_reset_setting:
 * @self: a #HeraldProfile
 * @key: a setting key
 *
 * Asks herald_client_update_profile() to reset @key to its default; the
 * same as setting it to an empty string.
 *
 * Since: 0.1
 */
void
herald_profile_reset_setting (HeraldProfile *self,
                              const char    *key)
{
  herald_profile_set_setting (self, key, "");
}

static GVariant *
table_to_variant (GHashTable *table)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autofree char **keys = NULL;

  keys = (char **) g_hash_table_get_keys_as_array (table, NULL);
  qsort (keys, g_strv_length (keys), sizeof (char *), compare_strings);
  for (guint i = 0; keys[i] != NULL; i++)
    g_variant_builder_add (&builder, "{sv}", keys[i], g_hash_table_lookup (table, keys[i]));

  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/**
 * herald_profile_get_settings:
 * @self: a #HeraldProfile
 *
 * Gets the settings as the gateway sent them, without local changes.
 *
 * Returns: (transfer full): an `a{sv}` #GVariant; empty for a profile made
 *   with herald_profile_new()
 *
 * Since: 0.1
 */
GVariant *
herald_profile_get_settings (HeraldProfile *self)
{
  g_return_val_if_fail (HERALD_IS_PROFILE (self), NULL);
  return table_to_variant (self->settings);
}

/**
 * herald_profile_get_changes:
 * @self: a #HeraldProfile
 *
 * Gets the keys set with herald_profile_set_setting() and
 * herald_profile_set_setting_variant(): the settings argument of
 * `AddProfile` and `UpdateProfile`.
 *
 * Returns: (transfer full): an `a{sv}` #GVariant
 *
 * Since: 0.1
 */
GVariant *
herald_profile_get_changes (HeraldProfile *self)
{
  g_return_val_if_fail (HERALD_IS_PROFILE (self), NULL);
  return table_to_variant (self->changes);
}
