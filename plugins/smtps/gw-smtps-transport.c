/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-smtps-transport.c: the smtps transport plugin
 *
 * SMTP over implicit TLS from the first byte (RFC 8314), port 465 by default.
 * Policy only: the engine is GwSmtpSession in the gateway library.
 */
#define G_LOG_DOMAIN "gw-smtps"

#include "config.h"

#include "gw-smtp-transport.h"

#define GW_TYPE_SMTPS_PLUGIN (gw_smtps_plugin_get_type ())
G_DECLARE_FINAL_TYPE (GwSmtpsPlugin, gw_smtps_plugin, GW, SMTPS_PLUGIN, GwSmtpTransport)

struct _GwSmtpsPlugin {
  GwSmtpTransport parent_instance;
};

G_DEFINE_DYNAMIC_TYPE_EXTENDED (GwSmtpsPlugin, gw_smtps_plugin, GW_TYPE_SMTP_TRANSPORT,
                                G_TYPE_FLAG_FINAL, {})

static void
gw_smtps_plugin_class_init (GwSmtpsPluginClass *klass)
{
  GwTransportClass *transport_class = GW_TRANSPORT_CLASS (klass);

  transport_class->abi_version = GW_TRANSPORT_ABI_VERSION;
  transport_class->name = "smtps";
  GW_SMTP_TRANSPORT_CLASS (klass)->implicit_tls = TRUE;
}

static void
gw_smtps_plugin_class_finalize (GwSmtpsPluginClass *klass)
{
}

static void
gw_smtps_plugin_init (GwSmtpsPlugin *self)
{
}

G_MODULE_EXPORT void g_io_module_load (GIOModule *module);
G_MODULE_EXPORT void g_io_module_unload (GIOModule *module);

G_MODULE_EXPORT void
g_io_module_load (GIOModule *module)
{
  gw_smtps_plugin_register_type (G_TYPE_MODULE (module));
  g_io_extension_point_implement (GW_TRANSPORT_EXTENSION_POINT, GW_TYPE_SMTPS_PLUGIN, "smtps", 0);
}

G_MODULE_EXPORT void
g_io_module_unload (GIOModule *module)
{
}
