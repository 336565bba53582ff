/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-metrics-hooks.h: the daemon's metrics, and the one-line hooks that
 * count them where the numbers arise
 *
 *   herald_notifications_accepted_total{profile,transport}   a job committed to the queue
 *   herald_notifications_delivered_total{profile,transport}  an attempt that ended "sent"
 *   herald_notifications_deferred_total{profile,transport}   an attempt that ended "deferred"
 *   herald_notifications_failed_total{profile,transport}     an attempt that ended "failed"
 *   herald_delivery_attempt_duration_seconds{transport}      histogram of attempts
 *   herald_smtp_replies_total{class}                         2xx, 4xx, 5xx of final replies
 *   herald_oauth2_token_refresh_failures_total{profile}
 *   herald_http_requests_total{code}                         every answer of the HTTP server
 *   herald_queue_deliveries{state}                           read at scrape time
 *   herald_build_info{version}                               1
 */
#pragma once

#include "gw-metrics.h"

G_BEGIN_DECLS

/* The daemon's registry with the families above, made on first use.
 * (transfer none) */
GwMetrics      *gw_metrics_get_default                 (void);
/* herald_queue_deliveries, for the collector that fills it. */
GwMetricFamily *gw_metrics_get_queue_family            (void);

void            gw_metrics_count_accepted              (const char *profile,
                                                        const char *transport);
/* @state: sent, deferred, failed or submitted; @reply: the reply that
 * decided it (its class is counted when it starts with an SMTP code). */
void            gw_metrics_count_attempt               (const char *profile,
                                                        const char *transport,
                                                        const char *state,
                                                        gint64      duration_us,
                                                        const char *reply);
void            gw_metrics_count_token_refresh_failure (const char *profile);
void            gw_metrics_count_http_request          (guint       status);

G_END_DECLS
