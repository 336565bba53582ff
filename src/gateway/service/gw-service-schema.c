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
#include "gw-profile-reference.h"
#include "gw-profile-schema.h"
#include "gw-service-private.h"

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
    g_variant_builder_add_value (builder, gw_profile_reference_key (spec, transport));
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
