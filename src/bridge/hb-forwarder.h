/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hb-forwarder.h: turns a (merged) desktop notification into Herald deliveries */
#pragma once

#include <herald.h>

#include "hb-config.h"
#include "hb-event.h"

G_BEGIN_DECLS

#define HB_TYPE_FORWARDER (hb_forwarder_get_type ())
G_DECLARE_FINAL_TYPE (HbForwarder, hb_forwarder, HB, FORWARDER, GObject)

HbForwarder *hb_forwarder_new            (HeraldClient   *client,
                                          const HbConfig *config);
/* Asks the gateway's rules where the notification goes and sends it there;
 * nothing is sent when no rule selects it. */
void         hb_forwarder_forward        (HbForwarder         *self,
                                          const HbEvent       *event,
                                          guint                count,
                                          gint64               first,
                                          gint64               last,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
/* Returns the delivery ids (none when no rule selected it). */
GStrv        hb_forwarder_forward_finish (HbForwarder   *self,
                                          GAsyncResult  *result,
                                          GError       **error);

G_END_DECLS
