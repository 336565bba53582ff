/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-queue-inbox.h: the operations waiting for the queue's writer */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A queue of operations from any thread to the writer thread. Unlike a
 * GAsyncQueue, a push that may wait does not wake the writer while it
 * lingers for more results (see gw_queue_inbox_pop()): at one connection
 * each result woke the writer, about 4,600 times a second (issue 18). */
typedef struct {
  GMutex   lock;
  GCond    cond;
  GQueue   items;
  gboolean waiting;     /* the writer waits on @cond */
  guint    linger_for;  /* lingering: only an urgent push, or this many
                         * items, wakes it; 0: any push does */
  gboolean woken;       /* a push woke it since it began to wait */
} GwQueueInbox;

/* gw_queue_inbox_pop()'s @deadline: do not wait, or wait for as long as
 * it takes. */
#define GW_QUEUE_INBOX_NOW     G_GINT64_CONSTANT (-1)
#define GW_QUEUE_INBOX_FOREVER G_MAXINT64

void     gw_queue_inbox_init       (GwQueueInbox *self);
/* Frees the inbox's own memory, not the items (the writer answered
 * every operation before it returned). */
void     gw_queue_inbox_clear      (GwQueueInbox *self);
/* Any thread. @urgent: wake a lingering writer for it. */
void     gw_queue_inbox_push       (GwQueueInbox *self,
                                    gpointer      item,
                                    gboolean      urgent);
/* The writer: puts back an item it took. */
void     gw_queue_inbox_push_front (GwQueueInbox *self,
                                    gpointer      item);
/* The writer: the first item, waiting for one until @deadline (monotonic
 * µs, or GW_QUEUE_INBOX_NOW / GW_QUEUE_INBOX_FOREVER). With @linger_for
 * above 0 the writer lingers: only an urgent push, or @linger_for items
 * waiting, ends the wait before the deadline; the items before it wait
 * too. NULL when none came. */
gpointer gw_queue_inbox_pop        (GwQueueInbox *self,
                                    gint64        deadline,
                                    guint         linger_for);

G_END_DECLS
