/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-client-profiles.c: HeraldClient's profile methods */
#define G_LOG_DOMAIN "herald-client"

#include "config.h"

#include "herald-client-private.h"

#define PROFILE_LIST_TYPE G_VARIANT_TYPE ("(aa{sv})")
#define PROFILE_TYPE      G_VARIANT_TYPE ("(a{sv})")
#define KEYS_TYPE         G_VARIANT_TYPE ("(aa{sv})")
#define PARSE_PROFILE     ((HeraldParseFunc) herald_profile_new_from_variant)

static GVariant *
profile_parameters (HeraldProfile *profile)
{
  g_autoptr(GVariant) changes = herald_profile_get_changes (profile);

  return g_variant_new ("(s@a{sv})", herald_profile_get_name (profile), changes);
}

/**
 * herald_client_list_profiles:
 * @self: a #HeraldClient
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Lists every profile. Finish with herald_client_list_profiles_finish().
 *
 * Since: 0.1
 */
void
herald_client_list_profiles (HeraldClient        *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (HERALD_IS_CLIENT (self));

  herald_client_call (self, "ListProfiles", NULL, PROFILE_LIST_TYPE, NULL,
                      herald_client_task_new (self, herald_client_list_profiles,
                                              cancellable, callback, user_data));
}

/**
 * herald_client_list_profiles_finish:
 * @self: a #HeraldClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes an operation started with herald_client_list_profiles().
 *
 * Returns: (transfer container) (element-type HeraldProfile): the
 *   profiles, or %NULL on error
 *
 * Since: 0.1
 */
GPtrArray *
herald_client_list_profiles_finish (HeraldClient  *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);

  reply = herald_client_call_finish (self, result, herald_client_list_profiles, error);
  if (reply == NULL)
    return NULL;
  return herald_client_parse_list (reply, PARSE_PROFILE, error);
}

/**
 * herald_client_list_profiles_sync:
 * @self: a #HeraldClient
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Lists every profile, blocking.
 *
 * Returns: (transfer container) (element-type HeraldProfile): the
 *   profiles, or %NULL on error
 *
 * Since: 0.1
 */
GPtrArray *
herald_client_list_profiles_sync (HeraldClient  *self,
                                  GCancellable  *cancellable,
                                  GError       **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);

  reply = herald_client_call_sync (self, "ListProfiles", NULL, PROFILE_LIST_TYPE, NULL,
                                   cancellable, error);
  if (reply == NULL)
    return NULL;
  return herald_client_parse_list (reply, PARSE_PROFILE, error);
}

/**
 * herald_client_get_profile:
 * @self: a #HeraldClient
 * @name: a profile name
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Gets a profile with every setting's effective value. Finish with
 * herald_client_get_profile_finish().
 *
 * Since: 0.1
 */
void
herald_client_get_profile (HeraldClient        *self,
                           const char          *name,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (HERALD_IS_CLIENT (self));
  g_return_if_fail (name != NULL);

  herald_client_call (self, "GetProfile", g_variant_new ("(s)", name), PROFILE_TYPE, NULL,
                      herald_client_task_new (self, herald_client_get_profile,
                                              cancellable, callback, user_data));
}

/**
 * herald_client_get_profile_finish:
 * @self: a #HeraldClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes an operation started with herald_client_get_profile().
 *
 * Returns: (transfer full): the profile, or %NULL with
 *   %HERALD_ERROR_NO_SUCH_PROFILE or another error
 *
 * Since: 0.1
 */
HeraldProfile *
herald_client_get_profile_finish (HeraldClient  *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);

  reply = herald_client_call_finish (self, result, herald_client_get_profile, error);
  if (reply == NULL)
    return NULL;
  return herald_client_parse_object (reply, PARSE_PROFILE, error);
}

/**
 * herald_client_get_profile_sync:
 * @self: a #HeraldClient
 * @name: a profile name
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Gets a profile, blocking.
 *
 * Returns: (transfer full): the profile, or %NULL with
 *   %HERALD_ERROR_NO_SUCH_PROFILE or another error
 *
 * Since: 0.1
 */
HeraldProfile *
herald_client_get_profile_sync (HeraldClient  *self,
                                const char    *name,
                                GCancellable  *cancellable,
                                GError       **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  reply = herald_client_call_sync (self, "GetProfile", g_variant_new ("(s)", name),
                                   PROFILE_TYPE, NULL, cancellable, error);
  if (reply == NULL)
    return NULL;
  return herald_client_parse_object (reply, PARSE_PROFILE, error);
}

/**
 * herald_client_add_profile:
 * @self: a #HeraldClient
 * @profile: a profile made with herald_profile_new() and filled with
 *   herald_profile_set_setting()
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Adds a new profile with the settings of @profile; unset keys take
 * their defaults. Finish with herald_client_add_profile_finish().
 *
 * Since: 0.1
 */
void
herald_client_add_profile (HeraldClient        *self,
                           HeraldProfile       *profile,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (HERALD_IS_CLIENT (self));
  g_return_if_fail (HERALD_IS_PROFILE (profile));

  herald_client_call_void (self, "AddProfile", profile_parameters (profile),
                           herald_client_add_profile, cancellable, callback, user_data);
}

/**
 * herald_client_add_profile_finish:
 * @self: a #HeraldClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes an operation started with herald_client_add_profile().
 *
 * Returns: %TRUE if the profile was added; %FALSE with
 *   %HERALD_ERROR_PROFILE_EXISTS, %HERALD_ERROR_INVALID_SETTING or another
 *   error
 *
 * Since: 0.1
 */
gboolean
herald_client_add_profile_finish (HeraldClient  *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (HERALD_IS_CLIENT (self), FALSE);

  return herald_client_call_void_finish (self, result, herald_client_add_profile, error);
}

/**
 * herald_client_add_profile_sync:
 * @self: a #HeraldClient
 * @profile: a profile made with herald_profile_new()
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Adds a new profile, blocking.
 *
 * Returns: %TRUE if the profile was added
 *
 * Since: 0.1
 */
gboolean
herald_client_add_profile_sync (HeraldClient   *self,
                                HeraldProfile  *profile,
                                GCancellable   *cancellable,
                                GError        **error)
{
  g_return_val_if_fail (HERALD_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (HERALD_IS_PROFILE (profile), FALSE);

  return herald_client_call_void_sync (self, "AddProfile", profile_parameters (profile),
                                       cancellable, error);
}

/**
 * herald_client_update_profile:
 * @self: a #HeraldClient
 * @profile: a profile naming an existing profile, with the keys to change
 *   set by herald_profile_set_setting(); an empty string resets a key
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Changes the keys set in @profile and leaves the others alone. Finish
 * with herald_client_update_profile_finish().
 *
 * Since: 0.1
 */
void
herald_client_update_profile (HeraldClient        *self,
                              HeraldProfile       *profile,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (HERALD_IS_CLIENT (self));
  g_return_if_fail (HERALD_IS_PROFILE (profile));

  herald_client_call_void (self, "UpdateProfile", profile_parameters (profile),
                           herald_client_update_profile, cancellable, callback, user_data);
}

/**
 * herald_client_update_profile_finish:
 * @self: a #HeraldClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes an operation started with herald_client_update_profile().
 *
 * Returns: %TRUE if the profile was changed; %FALSE with
 *   %HERALD_ERROR_NO_SUCH_PROFILE, %HERALD_ERROR_INVALID_SETTING or another
 *   error
 *
 * Since: 0.1
 */
gboolean
herald_client_update_profile_finish (HeraldClient  *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (HERALD_IS_CLIENT (self), FALSE);

  return herald_client_call_void_finish (self, result, herald_client_update_profile, error);
}

/**
 * herald_client_update_profile_sync:
 * @self: a #HeraldClient
 * @profile: a profile with the keys to change
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Changes a profile, blocking.
 *
 * Returns: %TRUE if the profile was changed
 *
 * Since: 0.1
 */
gboolean
herald_client_update_profile_sync (HeraldClient   *self,
                                   HeraldProfile  *profile,
                                   GCancellable   *cancellable,
                                   GError        **error)
{
  g_return_val_if_fail (HERALD_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (HERALD_IS_PROFILE (profile), FALSE);

  return herald_client_call_void_sync (self, "UpdateProfile", profile_parameters (profile),
                                       cancellable, error);
}

/**
 * herald_client_remove_profile:
 * @self: a #HeraldClient
 * @name: a profile name
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Removes a profile and its secrets. Finish with
 * herald_client_remove_profile_finish().
 *
 * Since: 0.1
 */
void
herald_client_remove_profile (HeraldClient        *self,
                              const char          *name,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (HERALD_IS_CLIENT (self));
  g_return_if_fail (name != NULL);

  herald_client_call_void (self, "RemoveProfile", g_variant_new ("(s)", name),
                           herald_client_remove_profile, cancellable, callback, user_data);
}

/**
 * herald_client_remove_profile_finish:
 * @self: a #HeraldClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes an operation started with herald_client_remove_profile().
 *
 * Returns: %TRUE if the profile was removed
 *
 * Since: 0.1
 */
gboolean
herald_client_remove_profile_finish (HeraldClient  *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (HERALD_IS_CLIENT (self), FALSE);

  return herald_client_call_void_finish (self, result, herald_client_remove_profile, error);
}

/**
 * herald_client_remove_profile_sync:
 * @self: a #HeraldClient
 * @name: a profile name
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Removes a profile and its secrets, blocking.
 *
 * Returns: %TRUE if the profile was removed
 *
 * Since: 0.1
 */
gboolean
herald_client_remove_profile_sync (HeraldClient  *self,
                                   const char    *name,
                                   GCancellable  *cancellable,
                                   GError       **error)
{
  g_return_val_if_fail (HERALD_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  return herald_client_call_void_sync (self, "RemoveProfile", g_variant_new ("(s)", name),
                                       cancellable, error);
}

/**
 * herald_client_get_profile_keys:
 * @self: a #HeraldClient
 * @transport: (nullable): a transport name such as `smtp`, or %NULL for
 *   the keys of every loaded transport
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Gets the reference of the profile keys a profile of @transport has
 * (D-Bus `GetProfileKeys`): each key's type, unit, range or allowed
 * values, default, translated description and flags. Finish with
 * herald_client_get_profile_keys_finish().
 *
 * Since: 0.1
 */
void
herald_client_get_profile_keys (HeraldClient        *self,
                                const char          *transport,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (HERALD_IS_CLIENT (self));

  herald_client_call (self, "GetProfileKeys", g_variant_new ("(s)", transport != NULL ? transport : ""),
                      KEYS_TYPE, NULL,
                      herald_client_task_new (self, herald_client_get_profile_keys,
                                              cancellable, callback, user_data));
}

static GVariant *
keys_of (GVariant *reply)
{
  return reply != NULL ? g_variant_get_child_value (reply, 0) : NULL;
}

/**
 * herald_client_get_profile_keys_finish:
 * @self: a #HeraldClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes an operation started with herald_client_get_profile_keys().
 *
 * Returns: (transfer full): an `aa{sv}` array, one dictionary per key
 *   with `key`, `type`, `description`, `secret`, `redirects-secrets` and,
 *   where they apply, `unit`, `min`, `max`, `values` and `default`; or
 *   %NULL with %HERALD_ERROR_TRANSPORT_UNAVAILABLE or another error
 *
 * Since: 0.1
 */
GVariant *
herald_client_get_profile_keys_finish (HeraldClient  *self,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);

  reply = herald_client_call_finish (self, result, herald_client_get_profile_keys, error);
  return keys_of (reply);
}

/**
 * herald_client_get_profile_keys_sync:
 * @self: a #HeraldClient
 * @transport: (nullable): a transport name, or %NULL for every key
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Gets the reference of the profile keys, blocking.
 *
 * Returns: (transfer full): an `aa{sv}` array as
 *   herald_client_get_profile_keys_finish() returns it, or %NULL
 *
 * Since: 0.1
 */
GVariant *
herald_client_get_profile_keys_sync (HeraldClient  *self,
                                     const char    *transport,
                                     GCancellable  *cancellable,
                                     GError       **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);

  reply = herald_client_call_sync (self, "GetProfileKeys",
                                   g_variant_new ("(s)", transport != NULL ? transport : ""),
                                   KEYS_TYPE, NULL, cancellable, error);
  return keys_of (reply);
}
