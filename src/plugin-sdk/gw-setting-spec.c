/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-setting-spec.c: one profile setting a transport declares
 *
 * The checks of a value against its spec are in gw-setting-parse.c.
 */
#define G_LOG_DOMAIN "gw-setting-spec"

#include "config.h"

#include <string.h>

#include "gw-setting-spec-private.h"

G_DEFINE_BOXED_TYPE (GwSettingSpec, gw_setting_spec, gw_setting_spec_ref, gw_setting_spec_unref)

/* Secret keys are recognisable by their name alone, so a client can keep
 * their values off command lines without asking the daemon (heraldctl
 * does): "password", or a last word "password", "secret", "token", "key"
 * or "pin"; and no other key is named so. */
static gboolean
named_like_secret (const char *key)
{
  static const char * const words[] = { "password", "secret", "token", "key", "pin", NULL };
  const char *last = strrchr (key, '-');

  return g_strv_contains (words, last != NULL ? last + 1 : key);
}

static gboolean
key_is_valid (const char *key)
{
  if (key == NULL || !g_ascii_islower (key[0]) || strlen (key) > 64)
    return FALSE;
  for (const char *p = key; *p != '\0'; p++) {
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '-')
      return FALSE;
  }
  return !g_str_has_suffix (key, "-set");
}

/**
 * gw_setting_spec_new:
 * @key: the profile key: lower-case letters, digits and "-", starting with
 *   a letter, at most 64 characters, not ending in "-set". A secret's key,
 *   and only a secret's, is "password" or ends in "-password", "-secret",
 *   "-token", "-key" or "-pin", so that clients recognise secrets by name
 * @type: what the value is
 * @flags: its flags; %GW_SETTING_FLAG_SECRET wants %GW_SETTING_STRING
 * @default_value: (nullable): the default in string form, parsed like a
 *   value given over D-Bus; %NULL for none
 * @description: one line for administrators, marked with N_() and
 *   translated with the domain of the class the spec is installed on
 *
 * Makes a spec. For a range or allowed values use
 * gw_setting_spec_new_uint(), gw_setting_spec_new_enum() or
 * gw_setting_spec_new_string_list().
 *
 * Returns: (transfer full): a new spec
 */
GwSettingSpec *
gw_setting_spec_new (const char     *key,
                     GwSettingType   type,
                     GwSettingFlags  flags,
                     const char     *default_value,
                     const char     *description)
{
  GwSettingSpec *spec;

  g_return_val_if_fail (key_is_valid (key), NULL);
  g_return_val_if_fail (type <= GW_SETTING_STRING_LIST, NULL);
  g_return_val_if_fail (!(flags & GW_SETTING_FLAG_SECRET) || type == GW_SETTING_STRING, NULL);
  g_return_val_if_fail (!(flags & GW_SETTING_FLAG_SECRET) == !named_like_secret (key), NULL);
  g_return_val_if_fail (type == GW_SETTING_UINT || !(flags & (GW_SETTING_FLAG_SECONDS | GW_SETTING_FLAG_BYTES)), NULL);
  g_return_val_if_fail (type == GW_SETTING_STRING || !(flags & GW_SETTING_FLAG_PEM), NULL);

  spec = g_new0 (GwSettingSpec, 1);
  g_atomic_ref_count_init (&spec->ref_count);
  spec->key = g_strdup (key);
  spec->type = type;
  spec->flags = flags;
  spec->maximum = G_MAXUINT64;
  spec->default_value = g_strdup (default_value);
  spec->description = g_strdup (description);
  spec->translation_domain = g_strdup (GETTEXT_PACKAGE);
  return spec;
}

/**
 * gw_setting_spec_new_uint:
 * @key: the profile key, as for gw_setting_spec_new()
 * @minimum: the smallest value allowed
 * @maximum: the largest value allowed
 * @default_value: (nullable): the default in string form, or %NULL
 * @flags: its flags, such as %GW_SETTING_FLAG_SECONDS
 * @description: one line for administrators, marked with N_()
 *
 * Makes a spec of type %GW_SETTING_UINT.
 *
 * Returns: (transfer full): a new spec
 */
GwSettingSpec *
gw_setting_spec_new_uint (const char     *key,
                          guint64         minimum,
                          guint64         maximum,
                          const char     *default_value,
                          GwSettingFlags  flags,
                          const char     *description)
{
  GwSettingSpec *spec;

  g_return_val_if_fail (minimum <= maximum, NULL);
  spec = gw_setting_spec_new (key, GW_SETTING_UINT, flags, default_value, description);
  if (spec != NULL) {
    spec->minimum = minimum;
    spec->maximum = maximum;
  }
  return spec;
}

static GwSettingSpec *
new_with_values (const char         *key,
                 GwSettingType       type,
                 const char * const *allowed_values,
                 const char         *default_value,
                 GwSettingFlags      flags,
                 const char         *description)
{
  GwSettingSpec *spec;

  g_return_val_if_fail (allowed_values != NULL && allowed_values[0] != NULL, NULL);
  spec = gw_setting_spec_new (key, type, flags, default_value, description);
  if (spec != NULL)
    spec->allowed_values = g_strdupv ((char **) allowed_values);
  return spec;
}

/**
 * gw_setting_spec_new_enum:
 * @key: the profile key, as for gw_setting_spec_new()
 * @allowed_values: (array zero-terminated=1): the values allowed
 * @default_value: (nullable): the default, one of @allowed_values, or %NULL
 * @flags: its flags
 * @description: one line for administrators, marked with N_()
 *
 * Makes a spec of type %GW_SETTING_ENUM.
 *
 * Returns: (transfer full): a new spec
 */
GwSettingSpec *
gw_setting_spec_new_enum (const char         *key,
                          const char * const *allowed_values,
                          const char         *default_value,
                          GwSettingFlags      flags,
                          const char         *description)
{
  return new_with_values (key, GW_SETTING_ENUM, allowed_values, default_value, flags, description);
}

/**
 * gw_setting_spec_new_string_list:
 * @key: the profile key, as for gw_setting_spec_new()
 * @allowed_values: (array zero-terminated=1): the values a list may hold
 * @default_value: (nullable): the default list in string form ("a,b"), or
 *   %NULL
 * @flags: its flags
 * @description: one line for administrators, marked with N_()
 *
 * Makes a spec of type %GW_SETTING_STRING_LIST: a non-empty list of
 * allowed values, without duplicates.
 *
 * Returns: (transfer full): a new spec
 */
GwSettingSpec *
gw_setting_spec_new_string_list (const char         *key,
                                 const char * const *allowed_values,
                                 const char         *default_value,
                                 GwSettingFlags      flags,
                                 const char         *description)
{
  return new_with_values (key, GW_SETTING_STRING_LIST, allowed_values, default_value, flags, description);
}

/**
 * gw_setting_spec_ref:
 * @spec: a spec
 *
 * Returns: (transfer full): @spec
 */
GwSettingSpec *
gw_setting_spec_ref (GwSettingSpec *spec)
{
  g_return_val_if_fail (spec != NULL, NULL);
  g_atomic_ref_count_inc (&spec->ref_count);
  return spec;
}

/**
 * gw_setting_spec_unref:
 * @spec: (transfer full): a spec
 *
 * Drops a reference; the last one frees @spec.
 */
void
gw_setting_spec_unref (GwSettingSpec *spec)
{
  g_return_if_fail (spec != NULL);
  if (!g_atomic_ref_count_dec (&spec->ref_count))
    return;
  g_free (spec->key);
  g_strfreev (spec->allowed_values);
  g_free (spec->default_value);
  g_free (spec->description);
  g_free (spec->translation_domain);
  g_free (spec);
}

/**
 * gw_setting_spec_set_check:
 * @spec: a spec
 * @check: (nullable): a rule run on every parsed value
 *
 * Adds a rule the type cannot express (a template that must contain a
 * placeholder, a country code). Set it before the spec is installed.
 */
void
gw_setting_spec_set_check (GwSettingSpec      *spec,
                           GwSettingCheckFunc  check)
{
  g_return_if_fail (spec != NULL);
  spec->check = check;
}

/**
 * gw_setting_spec_set_translation_domain:
 * @spec: a spec
 * @domain: the gettext domain of the description
 *
 * Sets the domain gw_setting_spec_get_description() translates with;
 * gw_transport_class_install_setting() sets the class's domain.
 */
void
gw_setting_spec_set_translation_domain (GwSettingSpec *spec,
                                        const char    *domain)
{
  g_return_if_fail (spec != NULL && domain != NULL);
  g_free (spec->translation_domain);
  spec->translation_domain = g_strdup (domain);
}

/**
 * gw_setting_spec_get_key:
 * @spec: a spec
 *
 * Returns: the profile key
 */
const char *
gw_setting_spec_get_key (const GwSettingSpec *spec)
{
  g_return_val_if_fail (spec != NULL, NULL);
  return spec->key;
}

/**
 * gw_setting_spec_get_value_type:
 * @spec: a spec
 *
 * Returns: the setting's type
 */
GwSettingType
gw_setting_spec_get_value_type (const GwSettingSpec *spec)
{
  g_return_val_if_fail (spec != NULL, GW_SETTING_STRING);
  return spec->type;
}

/**
 * gw_setting_spec_get_flags:
 * @spec: a spec
 *
 * Returns: the setting's flags
 */
GwSettingFlags
gw_setting_spec_get_flags (const GwSettingSpec *spec)
{
  g_return_val_if_fail (spec != NULL, GW_SETTING_FLAG_NONE);
  return spec->flags;
}

/**
 * gw_setting_spec_has_flag:
 * @spec: a spec
 * @flag: one flag
 *
 * Returns: whether @spec has @flag
 */
gboolean
gw_setting_spec_has_flag (const GwSettingSpec *spec,
                          GwSettingFlags       flag)
{
  g_return_val_if_fail (spec != NULL, FALSE);
  return (spec->flags & flag) == flag;
}

/**
 * gw_setting_spec_get_minimum:
 * @spec: a spec
 *
 * Returns: the smallest value of a %GW_SETTING_UINT (0 for other types)
 */
guint64
gw_setting_spec_get_minimum (const GwSettingSpec *spec)
{
  g_return_val_if_fail (spec != NULL, 0);
  return spec->minimum;
}

/**
 * gw_setting_spec_get_maximum:
 * @spec: a spec
 *
 * Returns: the largest value of a %GW_SETTING_UINT
 */
guint64
gw_setting_spec_get_maximum (const GwSettingSpec *spec)
{
  g_return_val_if_fail (spec != NULL, 0);
  return spec->maximum;
}

/**
 * gw_setting_spec_get_allowed_values:
 * @spec: a spec
 *
 * Returns: (nullable) (array zero-terminated=1): the values of an enum or
 *   a string list, else %NULL
 */
const char * const *
gw_setting_spec_get_allowed_values (const GwSettingSpec *spec)
{
  g_return_val_if_fail (spec != NULL, NULL);
  return (const char * const *) spec->allowed_values;
}

/**
 * gw_setting_spec_get_default:
 * @spec: a spec
 *
 * Returns: (nullable): the default in string form, or %NULL
 */
const char *
gw_setting_spec_get_default (const GwSettingSpec *spec)
{
  g_return_val_if_fail (spec != NULL, NULL);
  return spec->default_value;
}

/**
 * gw_setting_spec_get_description:
 * @spec: a spec
 *
 * Returns: the description, translated into the daemon's language
 */
const char *
gw_setting_spec_get_description (const GwSettingSpec *spec)
{
  g_return_val_if_fail (spec != NULL, NULL);
  if (spec->description == NULL || *spec->description == '\0')
    return "";
  return g_dgettext (spec->translation_domain, spec->description);
}
