/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hb-coalescer.h: merges bursts of the same notification and updates */
#pragma once

#include <glib-object.h>

#include "hb-config.h"
#include "hb-event.h"

G_BEGIN_DECLS

/* Called when a burst is over: @event is the last version of it, @count how
 * many notifications it merges, @first and @last when the first and last
 * arrived (g_get_real_time ()). */
typedef void (*HbFlushFunc) (const HbEvent *event,
                             guint          count,
                             gint64         first,
                             gint64         last,
                             gpointer       user_data);

#define HB_TYPE_COALESCER (hb_coalescer_get_type ())
G_DECLARE_FINAL_TYPE (HbCoalescer, hb_coalescer, HB, COALESCER, GObject)

HbCoalescer *hb_coalescer_new       (const HbConfig *config,
                                     HbFlushFunc     flush,
                                     gpointer        user_data);
/* Takes @event; returns the notification id to give the sender. With
 * @adopt_id (monitor mode, where the notification server hands out the
 * ids) an unknown @replaces_id is remembered as the id. */
guint32      hb_coalescer_add       (HbCoalescer *self,
                                     HbEvent     *event,
                                     guint32      replaces_id,
                                     gboolean     adopt_id);
/* Ends every pending burst now; returns how many were flushed. */
guint        hb_coalescer_flush_all (HbCoalescer *self);
guint        hb_coalescer_get_n_pending (HbCoalescer *self);

G_END_DECLS
