/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-maildrop.h: the maildrop: messages herald-maildrop wrote while heraldd
 * could not be reached, picked up at start and while running */
#pragma once

#include <glib-object.h>

#include "gw-message-request.h"

G_BEGIN_DECLS

#define GW_TYPE_MAILDROP (gw_maildrop_get_type ())
G_DECLARE_FINAL_TYPE (GwMaildrop, gw_maildrop, GW, MAILDROP, GObject)

/* A complete, well-formed file: @request (transfer full) from the user @uid (the file's
 * owner). The handler must call gw_maildrop_finish() with @ticket once,
 * now or later. */
typedef void (*GwMaildropHandler) (GwMaildrop       *maildrop,
                                   GwMessageRequest *request,
                                   guint             uid,
                                   const char       *ticket,
                                   gpointer          user_data);

/* Watches @directory (a GFileMonitor, and a rescan every @rescan_seconds
 * for what a monitor can miss). Nothing happens before gw_maildrop_start(). */
GwMaildrop *gw_maildrop_new    (const char        *directory,
                                guint              rescan_seconds,
                                GwMaildropHandler  handler,
                                gpointer           user_data);
/* Scans now, then watches. A missing directory is logged once and looked
 * for again at each rescan. */
void        gw_maildrop_start  (GwMaildrop        *self);
void        gw_maildrop_stop   (GwMaildrop        *self);

/*
 * Reports what became of @ticket's message: @error NULL when it is
 * committed to the queue (the file is removed); a HeraldError that the
 * same message will always get (invalid message or address, no
 * recipients, too large, not supported, not authorised) moves the file to
 * DIRECTORY/rejected with a log line; any other error leaves it for the
 * next scan.
 */
void        gw_maildrop_finish (GwMaildrop        *self,
                                const char        *ticket,
                                const GError      *error);

/* Files taken since start, for tests and logs. */
guint       gw_maildrop_get_n_taken (GwMaildrop   *self);

G_END_DECLS
