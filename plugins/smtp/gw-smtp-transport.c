/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-smtp-transport.c: the smtp transport plugin
 *
 * SMTP with the four security modes: none, STARTTLS when offered, STARTTLS required, implicit TLS.
 * Policy only: the engine is GwSmtpSession in the gateway library.
 */
#define G_LOG_DOMAIN "gw-smtp"

#include "config.h"

#include "gw-smtp-transport.h"

#define GW_TYPE_SMTP_PLUGIN (gw_smtp_plugin_get_type ())
G_DECLARE_FINAL_TYPE (GwSmtpPlugin, gw_smtp_plugin, GW, SMTP_PLUGIN, GwSmtpTransport)

struct _GwSmtpPlugin {
  GwSmtpTransport parent_instance;
};

G_DEFINE_DYNAMIC_TYPE_EXTENDED (GwSmtpPlugin, gw_smtp_plugin, GW_TYPE_SMTP_TRANSPORT,
                                G_TYPE_FLAG_FINAL, {})

static void
gw_smtp_plugin_class_init (GwSmtpPluginClass *klass)
{
  GwTransportClass *transport_class = GW_TRANSPORT_CLASS (klass);

  transport_class->abi_version = GW_TRANSPORT_ABI_VERSION;
  transport_class->name = "smtp";
  GW_SMTP_TRANSPORT_CLASS (klass)->implicit_tls = FALSE;
}

static void
gw_smtp_plugin_class_finalize (GwSmtpPluginClass *klass)
{
}

static void
gw_smtp_plugin_init (GwSmtpPlugin *self)
{
}

G_MODULE_EXPORT void g_io_module_load (GIOModule *module);
G_MODULE_EXPORT void g_io_module_unload (GIOModule *module);

G_MODULE_EXPORT void
g_io_module_load (GIOModule *module)
{
  gw_smtp_plugin_register_type (G_TYPE_MODULE (module));
  g_io_extension_point_implement (GW_TRANSPORT_EXTENSION_POINT, GW_TYPE_SMTP_PLUGIN, "smtp", 0);
}

G_MODULE_EXPORT void
g_io_module_unload (GIOModule *module)
{
}
