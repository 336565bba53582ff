/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-queue-inbox.c: the operations waiting for the queue's writer
 *
 * A mutex, a condition and a GQueue, like a GAsyncQueue, with one
 * difference: the pusher decides whether the writer must wake. A writer
 * that lingers for results to share a commit needs to hear only of an
 * operation that ends the lingering (a Send, a claim, a result its worker
 * waits for) or of a batch grown full; the other results it finds at the
 * deadline. Each wake-up it is spared is a futex call for the pusher and a
 * context switch for both threads, on two vCPUs shared with the SMTP
 * server at one connection.
 */
#define G_LOG_DOMAIN "gw-queue"

#include "config.h"

#include "gw-queue-inbox.h"

void
gw_queue_inbox_init (GwQueueInbox *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->items);
  self->waiting = FALSE;
  self->linger_for = 0;
  self->woken = FALSE;
}

void
gw_queue_inbox_clear (GwQueueInbox *self)
{
  g_queue_clear (&self->items);
  g_cond_clear (&self->cond);
  g_mutex_clear (&self->lock);
}

void
gw_queue_inbox_push (GwQueueInbox *self,
                     gpointer      item,
                     gboolean      urgent)
{
  g_mutex_lock (&self->lock);
  g_queue_push_tail (&self->items, item);
  if (self->waiting &&
      (self->linger_for == 0 || urgent || self->items.length >= self->linger_for)) {
    self->woken = TRUE;
    g_cond_signal (&self->cond);
  }
  g_mutex_unlock (&self->lock);
}

void
gw_queue_inbox_push_front (GwQueueInbox *self,
                           gpointer      item)
{
  g_mutex_lock (&self->lock);
  g_queue_push_head (&self->items, item);
  g_mutex_unlock (&self->lock);
}

gpointer
gw_queue_inbox_pop (GwQueueInbox *self,
                    gint64        deadline,
                    guint         linger_for)
{
  gpointer item;

  g_mutex_lock (&self->lock);
  self->linger_for = linger_for;
  /* Lingering, items that come without waking it wait for the deadline
   * (so does a spurious wake-up); those already here do not: whether
   * they are urgent is not known. */
  self->woken = !g_queue_is_empty (&self->items);
  while (deadline != GW_QUEUE_INBOX_NOW &&
         (g_queue_is_empty (&self->items) || (linger_for > 0 && !self->woken))) {
    gboolean in_time = TRUE;

    self->waiting = TRUE;
    if (deadline == GW_QUEUE_INBOX_FOREVER)
      g_cond_wait (&self->cond, &self->lock);
    else
      in_time = g_cond_wait_until (&self->cond, &self->lock, deadline);
    self->waiting = FALSE;
    if (!in_time)
      break;
  }
  item = g_queue_pop_head (&self->items);
  self->linger_for = 0;
  g_mutex_unlock (&self->lock);
  return item;
}
