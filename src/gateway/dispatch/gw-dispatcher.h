/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-dispatcher.h: takes due jobs from the queue and hands them to transports */
#pragma once

#include "gw-plugin-loader.h"
#include "gw-profile-store.h"
#include "gw-queue.h"
#include "gw-untrusted-store.h"

G_BEGIN_DECLS

#define GW_TYPE_DISPATCHER (gw_dispatcher_get_type ())
G_DECLARE_FINAL_TYPE (GwDispatcher, gw_dispatcher, GW, DISPATCHER, GObject)

GwDispatcher *gw_dispatcher_new        (GwQueue        *queue,
                                        GwProfileStore *profiles,
                                        GwPluginLoader *plugins);
/* Where refused server certificates are recorded. */
void          gw_dispatcher_set_untrusted_store (GwDispatcher     *self,
                                                 GwUntrustedStore *store);
/* Prunes the delivery log: deliveries finished more than @days days ago
 * go, shortly after this call and then every 6 hours (logged at info
 * level with how many went). 0 stops pruning. */
void          gw_dispatcher_set_log_days (GwDispatcher *self,
                                          guint         days);
/* Looks for due work soon (coalesced); call after new work was committed.
 * Work the queue reports "queued" (Send, Retry, fallback) wakes it too. */
void          gw_dispatcher_wake       (GwDispatcher   *self);
/* Whether no delivery is in progress. */
gboolean      gw_dispatcher_is_idle    (GwDispatcher   *self);
/* Stops starting new work and cancels what is in flight. */
void          gw_dispatcher_stop       (GwDispatcher   *self);

/* Delay before attempt @attempt (1 = first retry): @retry_interval seconds
 * doubling per attempt, capped at 4000 s (or @retry_interval if larger). */
gint64        gw_dispatcher_retry_delay (guint64        retry_interval,
                                         guint          attempt);

G_END_DECLS
