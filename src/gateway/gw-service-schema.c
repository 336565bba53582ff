/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-service-schema.c: GetProfileKeys, the profile keys as data
 *
 * What a settings page or `heraldctl profile keys` needs to build a form
 * without a copy of the schema: each key's type, range, choices, default,
 * unit and meaning, and whether it is a write-only secret. The keys are
 * the daemon's own and those the transport declares (its setting specs),
 * so a page shows a transport's keys without knowing the transport.
 */
#define G_LOG_DOMAIN "gw-service"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-error.h"
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
};

static GVariant *
key_to_variant (const GwSettingSpec *spec,
                const char          *transport)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  const char *key = gw_setting_spec_get_key (spec);
  GwSettingType type = gw_setting_spec_get_value_type (spec);
  gboolean secret = gw_setting_spec_has_flag (spec, GW_SETTING_FLAG_SECRET);
  const char * const *values = gw_setting_spec_get_allowed_values (spec);
  const char *description = gw_setting_spec_get_description (spec);
  g_autoptr(GVariant) def = secret ? NULL : gw_setting_default (key, transport);

  g_variant_builder_add (&builder, "{sv}", "key", g_variant_new_string (key));
  /* A secret is a write-only string: a form shows a password field. */
  g_variant_builder_add (&builder, "{sv}", "type",
                         g_variant_new_string (secret ? "secret" : type_names[type]));
  g_variant_builder_add (&builder, "{sv}", "description",
                         g_variant_new_string (description != NULL ? description : ""));
  g_variant_builder_add (&builder, "{sv}", "secret", g_variant_new_boolean (secret));
  /* Changing it on a profile with stored secrets needs manage-trust too
   * (the credential-redirect guard). */
  g_variant_builder_add (&builder, "{sv}", "redirects-secrets",
                         g_variant_new_boolean (gw_setting_spec_has_flag (spec, GW_SETTING_FLAG_REDIRECTS_SECRETS)));
  if (gw_setting_spec_has_flag (spec, GW_SETTING_FLAG_SECONDS))
    g_variant_builder_add (&builder, "{sv}", "unit", g_variant_new_string ("seconds"));
  else if (gw_setting_spec_has_flag (spec, GW_SETTING_FLAG_BYTES))
    g_variant_builder_add (&builder, "{sv}", "unit", g_variant_new_string ("bytes"));
  if (type == GW_SETTING_UINT) {
    g_variant_builder_add (&builder, "{sv}", "min",
                           g_variant_new_uint64 (gw_setting_spec_get_minimum (spec)));
    g_variant_builder_add (&builder, "{sv}", "max",
                           g_variant_new_uint64 (gw_setting_spec_get_maximum (spec)));
  }
  if (values != NULL) {
    g_variant_builder_add (&builder, "{sv}", "values", g_variant_new_strv (values, -1));
  } else if (g_str_equal (key, "transport")) {
    /* Its choices are the transports loaded now. */
    g_auto(GStrv) loaded = gw_profile_schema_dup_transports ();

    g_variant_builder_add (&builder, "{sv}", "values",
                           g_variant_new_strv ((const char * const *) loaded, -1));
  }
  if (def != NULL) {
    g_autofree char *text = NULL;

    /* A list in the form a profile takes it: "failure,delay". */
    if (g_variant_is_of_type (def, G_VARIANT_TYPE_STRING)) {
      text = g_variant_dup_string (def, NULL);
    } else if (g_variant_is_of_type (def, G_VARIANT_TYPE_STRING_ARRAY)) {
      g_autofree const char **items = g_variant_get_strv (def, NULL);

      text = g_strjoinv (",", (char **) items);
    } else {
      text = g_variant_print (def, FALSE);
    }
    g_variant_builder_add (&builder, "{sv}", "default", g_variant_new_string (text));
  }
  return g_variant_builder_end (&builder);
}

/* Adds the keys a profile of @transport has, each once: the daemon's and
 * the transport's own. */
static void
add_keys_of (GVariantBuilder *builder,
             GHashTable      *seen,
             const char      *transport)
{
  g_autoptr(GPtrArray) specs = gw_profile_schema_list_for (transport);

  for (guint i = 0; i < specs->len; i++) {
    const GwSettingSpec *spec = g_ptr_array_index (specs, i);
    const char *key = gw_setting_spec_get_key (spec);

    if (!g_hash_table_add (seen, (gpointer) key))
      continue;
    g_variant_builder_add_value (builder, key_to_variant (spec, transport));
  }
}

gboolean
gw_service_handle_get_profile_keys (GwDBusGateway1        *object,
                                    GDBusMethodInvocation *invocation,
                                    const char            *transport)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  gw_service_touch (GW_SERVICE (object));
  if (*transport != '\0') {
    if (!gw_profile_schema_has_transport (transport)) {
      g_dbus_method_invocation_return_error (invocation, HERALD_ERROR,
                                             HERALD_ERROR_TRANSPORT_UNAVAILABLE,
                                             _("No transport “%s” is installed"), transport);
      return TRUE;
    }
    add_keys_of (&builder, seen, transport);
  } else {
    /* Every key: the daemon's, then each transport's, in name order. */
    g_auto(GStrv) transports = gw_profile_schema_dup_transports ();

    add_keys_of (&builder, seen, NULL);
    for (guint i = 0; transports[i] != NULL; i++)
      add_keys_of (&builder, seen, transports[i]);
  }
  gw_dbus_gateway1_complete_get_profile_keys (object, invocation, g_variant_builder_end (&builder));
  return TRUE;
}
