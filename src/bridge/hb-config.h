/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hb-config.h: the desktop bridge's keyfile */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  HB_MODE_FORWARD = 1 << 0,   /* serve org.freedesktop.Notifications calls forwarded to us */
  HB_MODE_MONITOR = 1 << 1,   /* watch Notify calls to the real notification server */
} HbMode;

typedef struct {
  HbMode    mode;
  gboolean  own_notifications_name; /* also own org.freedesktop.Notifications */
  char     *bus_name;               /* the name the bridge owns */
  GBusType  gateway_bus;            /* G_BUS_TYPE_NONE: find it */
  guint     coalesce_window_ms;     /* quiet period that ends a burst; 0: off */
  guint     coalesce_max_delay_ms;  /* a burst is sent at the latest after this */
  guint     replace_window_ms;      /* updates (replaces_id) within it send nothing */
  gboolean  html;                   /* send an HTML part next to the text */
  GStrv     tags;                   /* tags on every notification sent */
} HbConfig;

HbConfig *hb_config_new_default (void);
/* Reads @path over the defaults; a missing file is not an error when
 * @optional. */
HbConfig *hb_config_load        (const char *path,
                                 gboolean    optional,
                                 GError    **error);
void      hb_config_free        (HbConfig   *self);
/* $XDG_CONFIG_HOME/herald/desktop-bridge.conf */
char     *hb_config_default_path (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HbConfig, hb_config_free)

G_END_DECLS
