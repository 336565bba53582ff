/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-profile-values.c: a profile's settings as C values and as text */
#define G_LOG_DOMAIN "herald-profile"

#include "config.h"

#include "herald-profile.h"

/**
 * herald_profile_get_string:
 * @self: a #HeraldProfile
 * @key: a setting key such as `host`
 *
 * Gets the value of @key if it is a string, else %NULL.
 *
 * Returns: (transfer none) (nullable): the value of @key if it is a
 *   string, else %NULL
 *
 * Since: 0.1
 */
const char *
herald_profile_get_string (HeraldProfile *self,
                           const char    *key)
{
  GVariant *value;

  g_return_val_if_fail (HERALD_IS_PROFILE (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  value = herald_profile_get_setting (self, key);
  if (value == NULL || !g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return NULL;
  return g_variant_get_string (value, NULL);
}

/**
 * herald_profile_get_boolean:
 * @self: a #HeraldProfile
 * @key: a setting key such as `verify-certificates`
 *
 * Gets the value of @key if it is a boolean, else %FALSE.
 *
 * Returns: the value of @key if it is a boolean, else %FALSE
 *
 * Since: 0.1
 */
gboolean
herald_profile_get_boolean (HeraldProfile *self,
                            const char    *key)
{
  GVariant *value;

  g_return_val_if_fail (HERALD_IS_PROFILE (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  value = herald_profile_get_setting (self, key);
  if (value == NULL || !g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
    return FALSE;
  return g_variant_get_boolean (value);
}

/**
 * herald_profile_get_uint64:
 * @self: a #HeraldProfile
 * @key: a setting key such as `port` or `connect-timeout`
 *
 * Gets the value of @key if it is an unsigned number, else 0.
 *
 * Returns: the value of @key if it is an unsigned number, else 0
 *
 * Since: 0.1
 */
guint64
herald_profile_get_uint64 (HeraldProfile *self,
                           const char    *key)
{
  GVariant *value;

  g_return_val_if_fail (HERALD_IS_PROFILE (self), 0);
  g_return_val_if_fail (key != NULL, 0);

  value = herald_profile_get_setting (self, key);
  if (value == NULL)
    return 0;
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64))
    return g_variant_get_uint64 (value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    return g_variant_get_uint32 (value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT16))
    return g_variant_get_uint16 (value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_BYTE))
    return g_variant_get_byte (value);
  return 0;
}

/**
 * herald_profile_get_strv:
 * @self: a #HeraldProfile
 * @key: a setting key such as `pinned-keys`
 *
 * Gets the value of @key if it is a list of strings, else %NULL.
 *
 * Returns: (transfer full) (nullable) (array zero-terminated=1): the value
 *   of @key if it is a list of strings, else %NULL
 *
 * Since: 0.1
 */
char **
herald_profile_get_strv (HeraldProfile *self,
                         const char    *key)
{
  GVariant *value;

  g_return_val_if_fail (HERALD_IS_PROFILE (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  value = herald_profile_get_setting (self, key);
  if (value == NULL || !g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY))
    return NULL;
  return g_variant_dup_strv (value, NULL);
}

/**
 * herald_profile_format_setting:
 * @self: a #HeraldProfile
 * @key: a setting key
 *
 * Formats the value of @key for people: strings as they are, booleans as
 * `true` or `false`, numbers in decimal, lists joined with commas.
 *
 * Returns: (transfer full) (nullable): the value as text, or %NULL if
 *   unset
 *
 * Since: 0.1
 */
char *
herald_profile_format_setting (HeraldProfile *self,
                               const char    *key)
{
  GVariant *value;

  g_return_val_if_fail (HERALD_IS_PROFILE (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  value = herald_profile_get_setting (self, key);
  if (value == NULL)
    return NULL;
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return g_variant_dup_string (value, NULL);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
    return g_strdup (g_variant_get_boolean (value) ? "true" : "false");
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY)) {
    g_autofree const char **strv = g_variant_get_strv (value, NULL);
    return g_strjoinv (",", (char **) strv);
  }
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64) ||
      g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32) ||
      g_variant_is_of_type (value, G_VARIANT_TYPE_UINT16) ||
      g_variant_is_of_type (value, G_VARIANT_TYPE_BYTE))
    return g_strdup_printf ("%" G_GUINT64_FORMAT, herald_profile_get_uint64 (self, key));
  return g_variant_print (value, FALSE);
}

/**
 * herald_profile_get_last_test:
 * @self: a #HeraldProfile
 * @time_us: (out) (optional): when the test ran, in microseconds since the
 *   Unix epoch
 * @ok: (out) (optional): whether the test passed
 * @summary: (out) (optional) (transfer none): the server's reply or the
 *   error, one line
 *
 * Gets the outcome of the last test of the profile
 * (herald_client_test_profile()), as the gateway keeps it across restarts
 * until the profile is removed. Only a profile read from the gateway has
 * one.
 *
 * Returns: %TRUE if the profile was tested, else %FALSE (and the out
 *   values are left alone)
 *
 * Since: 0.1
 */
gboolean
herald_profile_get_last_test (HeraldProfile *self,
                              gint64        *time_us,
                              gboolean      *ok,
                              const char   **summary)
{
  GVariant *value;
  gint64 when = 0;

  g_return_val_if_fail (HERALD_IS_PROFILE (self), FALSE);

  value = herald_profile_get_setting (self, "last-test");
  if (value == NULL || !g_variant_is_of_type (value, G_VARIANT_TYPE_VARDICT) ||
      !g_variant_lookup (value, "time", "x", &when))
    return FALSE;
  if (time_us != NULL)
    *time_us = when;
  if (ok != NULL && !g_variant_lookup (value, "ok", "b", ok))
    *ok = FALSE;
  if (summary != NULL && !g_variant_lookup (value, "summary", "&s", summary))
    *summary = "";
  return TRUE;
}
