/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-metrics.h: a small metrics registry and its Prometheus text format
 *
 * Debian packages no C client library for Prometheus (only prometheus-cpp,
 * C++), so Herald keeps its own: counters, gauges and histograms with
 * labels, written in the text exposition format 0.0.4 that
 * `promtool check metrics` accepts. Thread-safe: one lock per registry.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define GW_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

typedef enum {
  GW_METRIC_COUNTER,
  GW_METRIC_GAUGE,
  GW_METRIC_HISTOGRAM,
} GwMetricType;

typedef struct _GwMetricFamily GwMetricFamily;

#define GW_TYPE_METRICS (gw_metrics_get_type ())
G_DECLARE_FINAL_TYPE (GwMetrics, gw_metrics, GW, METRICS, GObject)

GwMetrics      *gw_metrics_new             (void);

/*
 * Adds a family (transfer none: the registry owns it). @name and
 * @label_names follow Prometheus' rules ([a-zA-Z_:][a-zA-Z0-9_:]*; a
 * counter's name ends in "_total"); @buckets (histograms only, ascending,
 * without +Inf) are copied. Families are written in the order added.
 */
GwMetricFamily *gw_metrics_add_family      (GwMetrics          *self,
                                            const char         *name,
                                            const char         *help,
                                            GwMetricType        type,
                                            const char * const *label_names,
                                            const double       *buckets,
                                            guint               n_buckets);

/* @label_values: one per label name, in order (NULL for a family
 * without labels); any UTF-8 text, escaped when written. */
void            gw_metric_family_add       (GwMetricFamily     *family,
                                            const char * const *label_values,
                                            double              amount);
void            gw_metric_family_set       (GwMetricFamily     *family,
                                            const char * const *label_values,
                                            double              value);
void            gw_metric_family_observe   (GwMetricFamily     *family,
                                            const char * const *label_values,
                                            double              value);
/* Drops every sample (a gauge filled anew at each scrape). */
void            gw_metric_family_clear     (GwMetricFamily     *family);
/* The value of a counter or gauge sample, or the count of a histogram
 * sample; 0 when there is none. For tests. */
double          gw_metric_family_get       (GwMetricFamily     *family,
                                            const char * const *label_values);

/* Runs before each gw_metrics_render(), without the registry's lock, to
 * set values read at scrape time (queue depth). */
typedef void  (*GwMetricsCollectFunc)      (GwMetrics          *self,
                                            gpointer            user_data);
void            gw_metrics_add_collector   (GwMetrics          *self,
                                            GwMetricsCollectFunc func,
                                            gpointer            user_data,
                                            GDestroyNotify      destroy);
void            gw_metrics_remove_collector (GwMetrics         *self,
                                             gpointer           user_data);

/* The whole registry in the text format (GW_METRICS_CONTENT_TYPE). */
char           *gw_metrics_render          (GwMetrics          *self);

G_END_DECLS
