/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-smtp-module.c: the smtp module: transports smtp and smtps
 *
 * One module, two transport names: "smtp" (STARTTLS, port 587 by
 * default; security none, starttls-if-available, starttls or tls) and
 * "smtps" (implicit TLS from the first byte, RFC 8314, port 465). Both are
 * GwSmtpTransport; only the name, the defaults and implicit_tls differ.
 */
#define G_LOG_DOMAIN "gw-smtp"

#include "config.h"

#include "gw-smtp-session.h"
#include "gw-smtp-transport.h"

#define GW_TYPE_SMTP_PLUGIN (gw_smtp_plugin_get_type ())
G_DECLARE_FINAL_TYPE (GwSmtpPlugin, gw_smtp_plugin, GW, SMTP_PLUGIN, GwSmtpTransport)

struct _GwSmtpPlugin {
  GwSmtpTransport parent_instance;
};

/* A type macro, not a call, kept as written */
/* clang-format off */
G_DEFINE_DYNAMIC_TYPE_EXTENDED (GwSmtpPlugin, gw_smtp_plugin, GW_TYPE_SMTP_TRANSPORT,
                                G_TYPE_FLAG_FINAL, {})
/* clang-format on */

#define GW_TYPE_SMTPS_PLUGIN (gw_smtps_plugin_get_type ())
G_DECLARE_FINAL_TYPE (GwSmtpsPlugin, gw_smtps_plugin, GW, SMTPS_PLUGIN, GwSmtpTransport)

struct _GwSmtpsPlugin {
  GwSmtpTransport parent_instance;
};

/* A type macro, not a call, kept as written */
/* clang-format off */
G_DEFINE_DYNAMIC_TYPE_EXTENDED (GwSmtpsPlugin, gw_smtps_plugin, GW_TYPE_SMTP_TRANSPORT,
                                G_TYPE_FLAG_FINAL, {})
/* clang-format on */

static void
set_up_class (GwTransportClass *transport_class,
              const char       *name,
              gboolean          implicit_tls,
              const char       *default_port,
              const char       *default_security)
{
  transport_class->abi_version = GW_TRANSPORT_ABI_VERSION;
  transport_class->name = name;
  GW_SMTP_TRANSPORT_CLASS (transport_class)->implicit_tls = implicit_tls;
  gw_smtp_session_install_settings (transport_class, default_port, default_security);
  gw_smtp_transport_add_presets (transport_class, implicit_tls);
}

static void
gw_smtp_plugin_class_init (GwSmtpPluginClass *klass)
{
  set_up_class (GW_TRANSPORT_CLASS (klass), "smtp", FALSE, "587", "starttls");
}

static void
gw_smtp_plugin_class_finalize (GwSmtpPluginClass *klass)
{
}

static void
gw_smtp_plugin_init (GwSmtpPlugin *self)
{
}

static void
gw_smtps_plugin_class_init (GwSmtpsPluginClass *klass)
{
  set_up_class (GW_TRANSPORT_CLASS (klass), "smtps", TRUE, "465", "tls");
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
  gw_smtp_transport_register (G_TYPE_MODULE (module));
  gw_smtp_plugin_register_type (G_TYPE_MODULE (module));
  gw_smtps_plugin_register_type (G_TYPE_MODULE (module));
  g_io_extension_point_implement (GW_TRANSPORT_EXTENSION_POINT, GW_TYPE_SMTP_PLUGIN, "smtp", 0);
  g_io_extension_point_implement (GW_TRANSPORT_EXTENSION_POINT, GW_TYPE_SMTPS_PLUGIN, "smtps", 0);
}

G_MODULE_EXPORT void
g_io_module_unload (GIOModule *module)
{
}
