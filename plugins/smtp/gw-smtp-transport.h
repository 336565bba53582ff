/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-smtp-transport.h: what the smtp and smtps transports share */
#pragma once

#include "gw-transport.h"

G_BEGIN_DECLS

#define GW_TYPE_SMTP_TRANSPORT (gw_smtp_transport_get_type ())
G_DECLARE_DERIVABLE_TYPE (GwSmtpTransport, gw_smtp_transport, GW, SMTP_TRANSPORT, GwTransport)

/*
 * The smtp and smtps transports subclass this and set only their name,
 * implicit_tls and the defaults of their settings; the engine
 * (GwSmtpSession) is shared. A session is opened
 * lazily by the first delivery, so that a refused certificate is reported
 * with the envelope that met it.
 */
struct _GwSmtpTransportClass {
  GwTransportClass parent_class;

  gboolean implicit_tls;   /* TLS from the first byte (RFC 8314) */

  gpointer padding[4];
};

/* Registers the type in @module (before its subclasses). */
void gw_smtp_transport_register (GTypeModule *module);

/* gw-smtp-presets.c: what "provider" fills in on a profile of @klass, a
 * transport with implicit TLS or not. */
void gw_smtp_transport_add_presets (GwTransportClass *klass,
                                    gboolean          implicit);

G_END_DECLS
