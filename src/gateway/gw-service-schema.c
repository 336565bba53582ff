/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-service-schema.c: GetProfileKeys, the profile keys as data
 *
 * What a settings page or `heraldctl profile keys` needs to build a form
 * without a copy of the schema: each key's type, range, choices, default,
 * unit and meaning, and whether it is a write-only secret.
 */
#define G_LOG_DOMAIN "gw-service"

#include "config.h"

#include "gw-profile-schema.h"
#include "gw-service-private.h"

static const char * const type_names[] = {
  [GW_SETTING_STRING]      = "string",
  [GW_SETTING_ENUM]        = "enum",
  [GW_SETTING_BOOLEAN]     = "boolean",
  [GW_SETTING_UINT]        = "uint",
  [GW_SETTING_HOST]        = "host",
  [GW_SETTING_ADDRESS]     = "address",
  [GW_SETTING_PATH]        = "path",
  [GW_SETTING_URL]         = "url",
  [GW_SETTING_PROFILE]     = "profile",
  [GW_SETTING_PINS]        = "pins",
  [GW_SETTING_STRING_LIST] = "string-list",
  [GW_SETTING_SECRET]      = "secret",
};

static GVariant *
key_to_variant (const GwSettingSpec *spec,
                const char          *transport)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autoptr(GVariant) def = gw_setting_default (spec->key, transport);

  g_variant_builder_add (&builder, "{sv}", "key", g_variant_new_string (spec->key));
  g_variant_builder_add (&builder, "{sv}", "type", g_variant_new_string (type_names[spec->type]));
  g_variant_builder_add (&builder, "{sv}", "description",
                         g_variant_new_string (spec->summary != NULL ? spec->summary : ""));
  g_variant_builder_add (&builder, "{sv}", "secret",
                         g_variant_new_boolean (spec->type == GW_SETTING_SECRET));
  if (spec->type == GW_SETTING_UINT) {
    g_variant_builder_add (&builder, "{sv}", "min", g_variant_new_uint64 (spec->min));
    g_variant_builder_add (&builder, "{sv}", "max", g_variant_new_uint64 (spec->max));
  }
  if (spec->allowed_values != NULL)
    g_variant_builder_add (&builder, "{sv}", "values",
                           g_variant_new_strv (spec->allowed_values, -1));
  if (def != NULL) {
    g_autofree char *text = g_variant_is_of_type (def, G_VARIANT_TYPE_STRING)
                            ? g_variant_dup_string (def, NULL)
                            : g_variant_print (def, FALSE);
    g_variant_builder_add (&builder, "{sv}", "default", g_variant_new_string (text));
  }
  return g_variant_builder_end (&builder);
}

gboolean
gw_service_handle_get_profile_keys (GwDBusGateway1        *object,
                                    GDBusMethodInvocation *invocation,
                                    const char            *transport)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));

  gw_service_touch (GW_SERVICE (object));
  for (const GwSettingSpec *spec = gw_profile_schema_get_all (); spec->key != NULL; spec++)
    g_variant_builder_add_value (&builder, key_to_variant (spec, *transport != '\0' ? transport : NULL));
  gw_dbus_gateway1_complete_get_profile_keys (object, invocation, g_variant_builder_end (&builder));
  return TRUE;
}
