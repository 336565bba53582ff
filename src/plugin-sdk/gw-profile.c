/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-profile.c: a read-only view of one profile
 *
 * Transports read their settings here and never change a profile, with
 * one exception: a secret the server itself rotates (an OAuth refresh
 * token) is stored back with gw_profile_store_secret(). The daemon
 * implements the view (gw-profile-private.h); this file checks every
 * access, so no implementation can hand out a value of the wrong type or
 * a secret under a key that was not declared secret.
 */
#define G_LOG_DOMAIN "gw-profile"

#include "config.h"

#include <string.h>

#include "gw-profile-private.h"

/**
 * GwProfile:
 *
 * One named delivery target as a transport sees it: its name, its
 * transport, the effective value of every setting (the value set, else the
 * default the profile's transport declared, else the daemon's) and its
 * secrets. The daemon owns profiles; a transport must not keep one past
 * the call it was given in, since an update replaces the object.
 */
G_DEFINE_ABSTRACT_TYPE (GwProfile, gw_profile, G_TYPE_OBJECT)

static void
gw_profile_class_init (GwProfileClass *klass)
{
}

static void
gw_profile_init (GwProfile *self)
{
}

/**
 * gw_profile_name_is_valid:
 * @name: (nullable): text
 *
 * Returns: whether @name is a valid profile name: 1–64 of letters, digits,
 *   ".", "_" and "-", starting with a letter or digit
 */
gboolean
gw_profile_name_is_valid (const char *name)
{
  gsize len;

  if (name == NULL)
    return FALSE;
  len = strlen (name);
  if (len < 1 || len > 64 || !g_ascii_isalnum (name[0]))
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_isalnum (name[i]) && name[i] != '.' && name[i] != '_' && name[i] != '-')
      return FALSE;
  }
  return TRUE;
}

/**
 * gw_profile_get_name:
 * @self: a profile
 *
 * Returns: the profile's name
 */
const char *
gw_profile_get_name (GwProfile *self)
{
  g_return_val_if_fail (GW_IS_PROFILE (self), NULL);
  return GW_PROFILE_GET_CLASS (self)->get_name (self);
}

/**
 * gw_profile_get_transport:
 * @self: a profile
 *
 * Returns: the name of the profile's transport ("smtp", "maildir", ...)
 */
const char *
gw_profile_get_transport (GwProfile *self)
{
  g_return_val_if_fail (GW_IS_PROFILE (self), NULL);
  return GW_PROFILE_GET_CLASS (self)->get_transport (self);
}

/* (transfer none) the value of a known, non-secret key of @type, or NULL */
static GVariant *
typed_value (GwProfile          *self,
             const char         *key,
             const GVariantType *type)
{
  GwProfileClass *klass = GW_PROFILE_GET_CLASS (self);
  gboolean secret = FALSE;
  GVariant *v;

  if (!klass->lookup_key (self, key, &secret)) {
    g_critical ("Profile “%s” has no key “%s”", gw_profile_get_name (self), key);
    return NULL;
  }
  g_return_val_if_fail (!secret, NULL);
  v = klass->lookup_value (self, key);
  g_return_val_if_fail (v == NULL || g_variant_is_of_type (v, type), NULL);
  return v;
}

/**
 * gw_profile_get_string:
 * @self: a profile
 * @key: a key whose values are strings (strings, enums, hosts, addresses,
 *   paths, URLs, profile names; never a secret)
 *
 * Returns: (nullable): the effective value, or %NULL when unset
 */
const char *
gw_profile_get_string (GwProfile  *self,
                       const char *key)
{
  GVariant *v;

  g_return_val_if_fail (GW_IS_PROFILE (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);
  v = typed_value (self, key, G_VARIANT_TYPE_STRING);
  return v != NULL ? g_variant_get_string (v, NULL) : NULL;
}

/**
 * gw_profile_get_boolean:
 * @self: a profile
 * @key: a boolean key
 *
 * Returns: the effective value (%FALSE when unset)
 */
gboolean
gw_profile_get_boolean (GwProfile  *self,
                        const char *key)
{
  GVariant *v;

  g_return_val_if_fail (GW_IS_PROFILE (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  v = typed_value (self, key, G_VARIANT_TYPE_BOOLEAN);
  return v != NULL && g_variant_get_boolean (v);
}

/**
 * gw_profile_get_uint:
 * @self: a profile
 * @key: an unsigned integer key
 *
 * Returns: the effective value (0 when unset)
 */
guint64
gw_profile_get_uint (GwProfile  *self,
                     const char *key)
{
  GVariant *v;

  g_return_val_if_fail (GW_IS_PROFILE (self), 0);
  g_return_val_if_fail (key != NULL, 0);
  v = typed_value (self, key, G_VARIANT_TYPE_UINT64);
  return v != NULL ? g_variant_get_uint64 (v) : 0;
}

/**
 * gw_profile_dup_strv:
 * @self: a profile
 * @key: a list key
 *
 * Returns: (transfer full): the effective list, empty when unset; never
 *   %NULL
 */
GStrv
gw_profile_dup_strv (GwProfile  *self,
                     const char *key)
{
  GVariant *v;

  g_return_val_if_fail (GW_IS_PROFILE (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);
  v = typed_value (self, key, G_VARIANT_TYPE_STRING_ARRAY);
  return v != NULL ? g_variant_dup_strv (v, NULL) : g_new0 (char *, 1);
}

/**
 * gw_profile_dup_value:
 * @self: a profile
 * @key: a key
 *
 * Returns: (transfer full) (nullable): the effective value in its
 *   canonical type, or %NULL when unset, unknown or a secret
 */
GVariant *
gw_profile_dup_value (GwProfile  *self,
                      const char *key)
{
  GwProfileClass *klass;
  gboolean secret = FALSE;
  GVariant *v;

  g_return_val_if_fail (GW_IS_PROFILE (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);
  klass = GW_PROFILE_GET_CLASS (self);
  if (!klass->lookup_key (self, key, &secret) || secret)
    return NULL;
  v = klass->lookup_value (self, key);
  return v != NULL ? g_variant_ref (v) : NULL;
}

/**
 * gw_profile_is_set:
 * @self: a profile
 * @key: a key
 *
 * Returns: whether @key was set explicitly (for a secret: whether it is
 *   stored), rather than left at its default
 */
gboolean
gw_profile_is_set (GwProfile  *self,
                   const char *key)
{
  g_return_val_if_fail (GW_IS_PROFILE (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  return GW_PROFILE_GET_CLASS (self)->is_set (self, key);
}

/* Secrets are handed out only under a key the profile's transport
 * declared secret: a plugin cannot read another transport's secrets. */
static gboolean
check_secret_key (GwProfile  *self,
                  const char *key)
{
  gboolean secret = FALSE;

  if (GW_PROFILE_GET_CLASS (self)->lookup_key (self, key, &secret) && secret)
    return TRUE;
  g_critical ("“%s” is not a secret that transport “%s” declared",
              key, gw_profile_get_transport (self));
  return FALSE;
}

/**
 * gw_profile_has_secret:
 * @self: a profile
 * @key: a key the profile's transport declared with %GW_SETTING_FLAG_SECRET
 *
 * Returns: whether the secret is stored
 */
gboolean
gw_profile_has_secret (GwProfile  *self,
                       const char *key)
{
  g_return_val_if_fail (GW_IS_PROFILE (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  if (!check_secret_key (self, key))
    return FALSE;
  return GW_PROFILE_GET_CLASS (self)->has_secret (self, key);
}

/**
 * gw_profile_dup_secret:
 * @self: a profile
 * @key: a key the profile's transport declared with %GW_SETTING_FLAG_SECRET
 * @error: return location for a %HERALD_ERROR_SECRET_STORE error
 *
 * Decrypts a secret. Use it for the shortest time possible, never log it,
 * and free it with gw_secret_free(), which wipes it.
 *
 * Returns: (transfer full) (nullable): the secret; %NULL with @error unset
 *   when none is stored, %NULL with @error set when it cannot be read
 */
char *
gw_profile_dup_secret (GwProfile  *self,
                       const char *key,
                       GError    **error)
{
  g_return_val_if_fail (GW_IS_PROFILE (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);
  if (!check_secret_key (self, key))
    return NULL;
  return GW_PROFILE_GET_CLASS (self)->dup_secret (self, key, error);
}

/**
 * gw_profile_store_secret:
 * @self: a profile
 * @key: a key the profile's transport declared with %GW_SETTING_FLAG_SECRET
 * @value: the new secret (it is validated like a value set over D-Bus)
 * @error: return location for a #HeraldError
 *
 * Replaces a secret the server itself changed, such as a rotated OAuth
 * 2.0 refresh token. Nothing else may be changed by a transport.
 *
 * Returns: whether the secret was stored
 */
gboolean
gw_profile_store_secret (GwProfile  *self,
                         const char *key,
                         const char *value,
                         GError    **error)
{
  g_return_val_if_fail (GW_IS_PROFILE (self), FALSE);
  g_return_val_if_fail (key != NULL && value != NULL, FALSE);
  if (!check_secret_key (self, key))
    return FALSE;
  return GW_PROFILE_GET_CLASS (self)->store_secret (self, key, value, error);
}

const char *
gw_profile_get_server_url (GwProfile *self)
{
  GwProfileClass *klass;

  g_return_val_if_fail (GW_IS_PROFILE (self), NULL);
  klass = GW_PROFILE_GET_CLASS (self);
  return klass->get_server_url != NULL ? klass->get_server_url (self) : NULL;
}
