/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-dispatcher-private.h: shared by the dispatcher and its workers */
#pragma once

#include "gw-dispatcher.h"
#include "gw-recipient-window.h"
#include "gw-token-bucket.h"

G_BEGIN_DECLS

/* Jobs claimed at a time by one worker. */
#define GW_DISPATCHER_CLAIM_BATCH 16

/* Per profile: its workers, its rate limit and its back-off after queue
 * errors. Kept for the dispatcher's lifetime (one per profile name seen). */
typedef struct {
  guint          active;      /* workers running for the profile */
  GwTokenBucket *bucket;      /* NULL while the profile has no rate-limit */
  GwRecipientWindow *recipients; /* max-recipients-per-day: NULL until needed */
  gint64         hold_until;  /* real time: start no worker before (queue errors) */
  guint          failures;    /* consecutive queue errors */
} GwPool;

struct _GwDispatcher {
  GObject           parent_instance;
  GwQueue          *queue;
  GwProfileStore   *profiles;
  GwPluginLoader   *plugins;
  GwUntrustedStore *untrusted;
  GHashTable       *pools;        /* profile name → GwPool */
  guint             n_workers;
  GHashTable       *waiting;      /* workers waiting on a timer of their own */
  guint             scan_source;
  guint             timer_source;
  gint64            timer_due;
  guint             prune_source;
  guint             log_days;
  GCancellable     *cancellable;
  gboolean          stopped;
};

/* (transfer none) the pool of @profile, made on first use */
GwPool *gw_dispatcher_get_pool        (GwDispatcher *self,
                                       const char   *profile);
/* Holds the profile's pool back after a queue error (growing back-off);
 * a scan is due when the hold ends. */
void    gw_dispatcher_hold_pool       (GwDispatcher *self,
                                       const char   *profile);
/* The delay before trying the queue again after @failures errors (µs). */
gint64  gw_dispatcher_queue_backoff   (guint         failures);
/* Whether another worker of @profile_name may start now (connections,
 * queue back-off, rate limit). */
gboolean gw_dispatcher_pool_may_grow  (GwDispatcher *self,
                                       const char   *profile_name);
/* Starts one worker for @profile (gw-dispatcher-worker.c). */
void    gw_dispatcher_start_worker    (GwDispatcher *self,
                                       const char   *profile);
/* max-recipients-per-day (gw-dispatcher-quota.c). A worker reserves the
 * pending recipients of the job it is about to deliver; FALSE, with
 * @room_at (real time, µs) set, when they do not fit until then. */
typedef struct {
  guint  reserved;          /* 0: nothing reserved */
  guint  submitted_before;  /* recipients already submitted before */
  gint64 minute;
} GwRecipientTicket;

gboolean gw_dispatcher_take_recipients   (GwDispatcher      *self,
                                          const char        *profile_name,
                                          GwProfile         *profile,
                                          GwEnvelope        *envelope,
                                          GwRecipientTicket *ticket,
                                          gint64            *room_at);
/* After the attempt: gives back what the server never got and sets
 * @result's quota_recipients and quota_minute. */
void     gw_dispatcher_settle_recipients (GwDispatcher      *self,
                                          const char        *profile_name,
                                          GwRecipientTicket *ticket,
                                          GwEnvelope        *envelope,
                                          GwAttemptResult   *result);
/* The reply of a job that waits for room (translated). */
char    *gw_dispatcher_describe_hold     (GwDispatcher      *self,
                                          const char        *profile_name,
                                          GwProfile         *profile,
                                          gint64             room_at);

/* Fills @result (state, reply, next attempt, reason, fallback) from the
 * results @job's transport left in its envelope and the retry policy of
 * @profile; @configured is the profile as stored (NULL when it was
 * removed: no fallback, no sign-in). @damaged: the transport could not
 * read the queued message back (GW_TRANSPORT_ERROR_MESSAGE_DAMAGED). A
 * partial job's reply points at the text put in @refused
 * (gw-dispatcher-outcome.c). */
void    gw_dispatcher_decide_outcome  (GwDispatcher    *self,
                                       const char      *profile_name,
                                       GwProfile       *configured,
                                       GwProfile       *profile,
                                       GwTransport     *transport,
                                       GwQueuedJob     *job,
                                       gboolean         damaged,
                                       GwAttemptResult *result,
                                       char           **refused);

/* Ends the workers waiting on timers (at stop). */
void    gw_dispatcher_end_waiting     (GwDispatcher *self);

G_END_DECLS
