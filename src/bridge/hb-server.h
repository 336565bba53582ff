/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hb-server.h: the bridge's D-Bus side on the session bus */
#pragma once

#include <gio/gio.h>

#include "hb-coalescer.h"
#include "hb-config.h"
#include "hb-forwarder.h"

G_BEGIN_DECLS

#define HB_TYPE_SERVER (hb_server_get_type ())
G_DECLARE_FINAL_TYPE (HbServer, hb_server, HB, SERVER, GObject)

HbServer *hb_server_new      (const HbConfig   *config,
                              HbForwarder      *forwarder);
/* Exports org.freedesktop.Notifications and org.herald.DesktopBridge1 on
 * @connection (forward mode) and/or becomes a monitor (monitor mode). */
gboolean  hb_server_start    (HbServer         *self,
                              GDBusConnection  *connection,
                              GError          **error);
/* Sends every pending burst now; calls @done once nothing is in flight. */
void      hb_server_shutdown (HbServer         *self,
                              GSourceFunc       done,
                              gpointer          user_data);

G_END_DECLS
