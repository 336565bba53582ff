/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-socket-watch.h: one lasting main-loop watch on a socket, for its waits */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _GwSocketWatch GwSocketWatch;

/* Called once per wait, in the watch's context: the socket is ready (or
 * failed), or the wait's cancellable was cancelled. */
typedef void (*GwSocketWatchFunc) (gpointer user_data);

GwSocketWatch *gw_socket_watch_new        (GSocket           *socket,
                                           GMainContext      *context);
GMainContext  *gw_socket_watch_get_context (GwSocketWatch    *self);
/* One wait at a time: until @socket has @condition (G_IO_IN or G_IO_OUT),
 * fails, or @cancellable is cancelled. */
void           gw_socket_watch_wait       (GwSocketWatch     *self,
                                           GIOCondition       condition,
                                           GCancellable      *cancellable,
                                           GwSocketWatchFunc  func,
                                           gpointer           user_data);
/* Drops the wait, if any, without calling it. */
void           gw_socket_watch_cancel_wait (GwSocketWatch    *self);
void           gw_socket_watch_free       (GwSocketWatch     *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GwSocketWatch, gw_socket_watch_free)

G_END_DECLS
