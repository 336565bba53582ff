/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-message-source.h: a message read as it is sent, not held in memory */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define GW_TYPE_MESSAGE_SOURCE (gw_message_source_get_type ())
G_DECLARE_DERIVABLE_TYPE (GwMessageSource, gw_message_source, GW, MESSAGE_SOURCE, GObject)

/**
 * GwMessageSourceClass:
 * @parent_class: the parent class
 * @open: opens a new stream at the message's first byte; it may block in
 *   its reads (they run in a thread when read asynchronously), never in
 *   this call
 *
 * Where a large message is read from: the daemon's queue keeps it on disk,
 * and each open reads it from the start. A stream's read fails with
 * %G_IO_ERROR_INVALID_DATA when the stored message is damaged and will
 * never read back (see gw_transport_error_for_message_read()).
 */
struct _GwMessageSourceClass {
  GObjectClass parent_class;

  GInputStream *(*open) (GwMessageSource  *self,
                         GError          **error);

  /*< private >*/
  gpointer padding[8];
};

gsize         gw_message_source_get_size (GwMessageSource  *self);
GInputStream *gw_message_source_open     (GwMessageSource  *self,
                                          GError          **error);

G_END_DECLS
