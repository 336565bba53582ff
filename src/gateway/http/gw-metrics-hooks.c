/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-metrics-hooks.c: the daemon's metrics, and the one-line hooks that
 * count them where the numbers arise (see gw-metrics-hooks.h) */
#define G_LOG_DOMAIN "gw-metrics"

#include "config.h"

#include <string.h>

#include "gw-metrics-hooks.h"

/* Seconds: a local Maildir takes milliseconds, a slow relay tens of
 * seconds, a timeout up to conversation-timeout (300 s at most). */
static const double attempt_buckets[] = {
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300
};

typedef struct {
  GwMetrics      *registry;
  GwMetricFamily *accepted;
  GwMetricFamily *delivered;
  GwMetricFamily *deferred;
  GwMetricFamily *failed;
  GwMetricFamily *attempt_duration;
  GwMetricFamily *smtp_replies;
  GwMetricFamily *refresh_failures;
  GwMetricFamily *http_requests;
  GwMetricFamily *queue;
} Families;

static Families *
families (void)
{
  static Families *once;

  if (g_once_init_enter (&once)) {
    Families *f = g_new0 (Families, 1);
    const char * const by_job[] = { "profile", "transport", NULL };
    const char * const by_transport[] = { "transport", NULL };
    const char * const by_class[] = { "class", NULL };
    const char * const by_profile[] = { "profile", NULL };
    const char * const by_code[] = { "code", NULL };
    const char * const by_state[] = { "state", NULL };
    const char * const by_version[] = { "version", NULL };
    GwMetricFamily *info;

    f->registry = gw_metrics_new ();
    info = gw_metrics_add_family (f->registry, "herald_build_info",
                                  "The version of heraldd, as a label; always 1.",
                                  GW_METRIC_GAUGE, by_version, NULL, 0);
    gw_metric_family_set (info, (const char * const[]){ PACKAGE_VERSION, NULL }, 1);
    f->accepted = gw_metrics_add_family (f->registry, "herald_notifications_accepted_total",
                                         "Notifications committed to the queue, one per profile they were routed to.",
                                         GW_METRIC_COUNTER, by_job, NULL, 0);
    f->delivered = gw_metrics_add_family (f->registry, "herald_notifications_delivered_total",
                                          "Delivery attempts that ended sent.",
                                          GW_METRIC_COUNTER, by_job, NULL, 0);
    f->deferred = gw_metrics_add_family (f->registry, "herald_notifications_deferred_total",
                                         "Delivery attempts that ended deferred (tried again later).",
                                         GW_METRIC_COUNTER, by_job, NULL, 0);
    f->failed = gw_metrics_add_family (f->registry, "herald_notifications_failed_total",
                                       "Delivery attempts that ended failed for good.",
                                       GW_METRIC_COUNTER, by_job, NULL, 0);
    f->attempt_duration = gw_metrics_add_family (f->registry, "herald_delivery_attempt_duration_seconds",
                                                 "How long delivery attempts took.",
                                                 GW_METRIC_HISTOGRAM, by_transport, attempt_buckets,
                                                 G_N_ELEMENTS (attempt_buckets));
    f->smtp_replies = gw_metrics_add_family (f->registry, "herald_smtp_replies_total",
                                             "Replies that decided delivery attempts, by SMTP reply class.",
                                             GW_METRIC_COUNTER, by_class, NULL, 0);
    f->refresh_failures = gw_metrics_add_family (f->registry, "herald_oauth2_token_refresh_failures_total",
                                                 "OAuth 2.0 access token refreshes that failed.",
                                                 GW_METRIC_COUNTER, by_profile, NULL, 0);
    f->http_requests = gw_metrics_add_family (f->registry, "herald_http_requests_total",
                                              "Requests the HTTP server answered, by status code.",
                                              GW_METRIC_COUNTER, by_code, NULL, 0);
    f->queue = gw_metrics_add_family (f->registry, "herald_queue_deliveries",
                                      "Deliveries in the queue by state (final ones until the log is pruned).",
                                      GW_METRIC_GAUGE, by_state, NULL, 0);
    g_once_init_leave (&once, f);
  }
  return once;
}

GwMetrics *
gw_metrics_get_default (void)
{
  return families ()->registry;
}

GwMetricFamily *
gw_metrics_get_queue_family (void)
{
  return families ()->queue;
}

void
gw_metrics_count_accepted (const char *profile,
                           const char *transport)
{
  gw_metric_family_add (families ()->accepted, (const char * const[]){ profile, transport, NULL }, 1);
}

/* "4xx" for a reply that starts with an SMTP code ("451 4.3.0 ...",
 * "250-..."), NULL for any other text. */
static const char *
reply_class (const char *reply)
{
  static const char * const classes[] = { NULL, NULL, "2xx", "3xx", "4xx", "5xx" };

  if (reply == NULL || strlen (reply) < 3 || reply[0] < '2' || reply[0] > '5' ||
      !g_ascii_isdigit (reply[1]) || !g_ascii_isdigit (reply[2]) ||
      (reply[3] != '\0' && reply[3] != ' ' && reply[3] != '-'))
    return NULL;
  return classes[reply[0] - '0'];
}

void
gw_metrics_count_attempt (const char *profile,
                          const char *transport,
                          const char *state,
                          gint64      duration_us,
                          const char *reply)
{
  Families *f = families ();
  const char * const job[] = { profile, transport, NULL };
  const char *class = reply_class (reply);

  if (g_strcmp0 (state, "sent") == 0)
    gw_metric_family_add (f->delivered, job, 1);
  else if (g_strcmp0 (state, "deferred") == 0)
    gw_metric_family_add (f->deferred, job, 1);
  else if (g_strcmp0 (state, "failed") == 0)
    gw_metric_family_add (f->failed, job, 1);
  gw_metric_family_observe (f->attempt_duration, (const char * const[]){ transport, NULL },
                            (double) duration_us / G_USEC_PER_SEC);
  if (class != NULL)
    gw_metric_family_add (f->smtp_replies, (const char * const[]){ class, NULL }, 1);
}

void
gw_metrics_count_token_refresh_failure (const char *profile)
{
  gw_metric_family_add (families ()->refresh_failures, (const char * const[]){ profile, NULL }, 1);
}

void
gw_metrics_count_http_request (guint status)
{
  char code[16];

  g_snprintf (code, sizeof code, "%u", status);
  gw_metric_family_add (families ()->http_requests, (const char * const[]){ code, NULL }, 1);
}
