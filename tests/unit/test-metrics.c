/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-metrics.c: the metrics registry, its text format and the daemon's
 * hooks; the output is checked by Prometheus' own `promtool check metrics`
 * (Debian package prometheus) when it is installed */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "gw-metrics.h"
#include "gw-metrics-hooks.h"

static void
assert_contains (const char *text,
                 const char *line)
{
  if (strstr (text, line) == NULL)
    g_error ("“%s” not found in:\n%s", line, text);
}

/* promtool reads the exposition on stdin and lints it; without promtool
 * the test is skipped, or fails under HERALD_INTEGRATION_STRICT=1. */
static void
promtool_check (const char *text)
{
  g_autofree char *promtool = g_find_program_in_path ("promtool");
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  if (promtool == NULL) {
    if (g_getenv ("HERALD_INTEGRATION_STRICT") != NULL)
      g_error ("promtool (Debian package prometheus) is not installed");
    g_test_skip ("promtool (Debian package prometheus) is not installed");
    return;
  }
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                G_SUBPROCESS_FLAGS_STDERR_PIPE,
                              &error,
                              promtool, "check", "metrics", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, text, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (process))
    g_error ("promtool check metrics refused:\n%s%s\n--- input ---\n%s", out, err, text);
  /* lint findings are printed even when the exit status is 0 */
  g_assert_cmpstr (g_strstrip (out), ==, "");
  g_assert_cmpstr (g_strstrip (err), ==, "");
}

static void
test_render (void)
{
  g_autoptr(GwMetrics) metrics = gw_metrics_new ();
  const char * const by_profile[] = { "profile", NULL };
  const double       buckets[] = { 0.1, 1, 10 };
  GwMetricFamily    *sent = gw_metrics_add_family (metrics, "test_sent_total", "Messages sent.\nTwo lines \\ here.",
                                                   GW_METRIC_COUNTER, by_profile, NULL, 0);
  GwMetricFamily    *up = gw_metrics_add_family (metrics, "test_up", "Whether it is up.",
                                                 GW_METRIC_GAUGE, NULL, NULL, 0);
  GwMetricFamily    *latency = gw_metrics_add_family (metrics, "test_latency_seconds", "Latency.",
                                                      GW_METRIC_HISTOGRAM, by_profile, buckets, 3);
  GwMetricFamily    *empty = gw_metrics_add_family (metrics, "test_errors_total", "Errors.",
                                                    GW_METRIC_COUNTER, NULL, NULL, 0);
  g_autofree char   *text = NULL;

  gw_metric_family_add (sent, (const char * const[]){ "relay", NULL }, 1);
  gw_metric_family_add (sent, (const char * const[]){ "relay", NULL }, 2);
  gw_metric_family_add (sent, (const char * const[]){ "we\"ird\\\nname\x1f", NULL }, 1);
  gw_metric_family_set (up, NULL, 0.25);
  gw_metric_family_observe (latency, (const char * const[]){ "relay", NULL }, 0.05);
  gw_metric_family_observe (latency, (const char * const[]){ "relay", NULL }, 0.5);
  gw_metric_family_observe (latency, (const char * const[]){ "relay", NULL }, 0.5);
  gw_metric_family_observe (latency, (const char * const[]){ "relay", NULL }, 99);
  g_assert_cmpfloat (gw_metric_family_get (sent, (const char * const[]){ "relay", NULL }), ==, 3);
  g_assert_cmpfloat (gw_metric_family_get (latency, (const char * const[]){ "relay", NULL }), ==, 4);
  g_assert_cmpfloat (gw_metric_family_get (empty, NULL), ==, 0);

  text = gw_metrics_render (metrics);
  assert_contains (text, "# HELP test_sent_total Messages sent.\\nTwo lines \\\\ here.\n"
                         "# TYPE test_sent_total counter\n");
  assert_contains (text, "test_sent_total{profile=\"relay\"} 3\n");
  assert_contains (text, "test_sent_total{profile=\"we\\\"ird\\\\\\nname\x1f\"} 1\n");
  assert_contains (text, "# TYPE test_up gauge\ntest_up 0.25\n");
  assert_contains (text, "# TYPE test_latency_seconds histogram\n"
                         "test_latency_seconds_bucket{profile=\"relay\",le=\"0.1\"} 1\n"
                         "test_latency_seconds_bucket{profile=\"relay\",le=\"1\"} 3\n"
                         "test_latency_seconds_bucket{profile=\"relay\",le=\"10\"} 3\n"
                         "test_latency_seconds_bucket{profile=\"relay\",le=\"+Inf\"} 4\n"
                         "test_latency_seconds_sum{profile=\"relay\"} 100.05\n"
                         "test_latency_seconds_count{profile=\"relay\"} 4\n");
  /* a family without labels shows its 0 */
  assert_contains (text, "# TYPE test_errors_total counter\ntest_errors_total 0\n");
  /* families in the order added */
  g_assert_true (strstr (text, "test_sent_total") < strstr (text, "test_up"));
  promtool_check (text);

  gw_metric_family_clear (sent);
  g_clear_pointer (&text, g_free);
  text = gw_metrics_render (metrics);
  g_assert_null (strstr (text, "test_sent_total{"));
}

typedef struct {
  GwMetricFamily *family;
  guint           calls;
} CollectData;

static void
collect (GwMetrics *metrics,
         gpointer   user_data)
{
  CollectData *data = user_data;

  data->calls++;
  gw_metric_family_clear (data->family);
  gw_metric_family_set (data->family, (const char * const[]){ "queued", NULL }, data->calls);
}

static void
test_collector (void)
{
  g_autoptr(GwMetrics) metrics = gw_metrics_new ();
  const char * const by_state[] = { "state", NULL };
  CollectData        data = { 0 };
  g_autofree char   *first = NULL;
  g_autofree char   *second = NULL;

  data.family = gw_metrics_add_family (metrics, "test_queue", "Queue.", GW_METRIC_GAUGE, by_state, NULL, 0);
  gw_metrics_add_collector (metrics, collect, &data, NULL);
  first = gw_metrics_render (metrics);
  second = gw_metrics_render (metrics);
  assert_contains (first, "test_queue{state=\"queued\"} 1\n");
  assert_contains (second, "test_queue{state=\"queued\"} 2\n");
  gw_metrics_remove_collector (metrics, &data);
  g_clear_pointer (&second, g_free);
  second = gw_metrics_render (metrics);
  g_assert_cmpuint (data.calls, ==, 2);
}

static gpointer
count_in_thread (gpointer user_data)
{
  for (guint i = 0; i < 10000; i++)
    gw_metric_family_add (user_data, (const char * const[]){ i % 2 ? "a" : "b", NULL }, 1);
  return NULL;
}

static void
test_threads (void)
{
  g_autoptr(GwMetrics) metrics = gw_metrics_new ();
  const char * const by_name[] = { "name", NULL };
  GwMetricFamily    *family = gw_metrics_add_family (metrics, "test_count_total", "Count.",
                                                     GW_METRIC_COUNTER, by_name, NULL, 0);
  GThread           *threads[4];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("count", count_in_thread, family);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++) {
    g_autofree char *text = gw_metrics_render (metrics);
    g_thread_join (threads[i]);
  }
  g_assert_cmpfloat (gw_metric_family_get (family, (const char * const[]){ "a", NULL }), ==, 20000);
  g_assert_cmpfloat (gw_metric_family_get (family, (const char * const[]){ "b", NULL }), ==, 20000);
}

/* The daemon's families as the hooks fill them. */
static void
test_hooks (void)
{
  g_autofree char *text = NULL;

  gw_metrics_count_accepted ("relay", "smtp");
  gw_metrics_count_accepted ("relay", "smtp");
  gw_metrics_count_attempt ("relay", "smtp", "sent", 120000, "250 2.0.0 Ok: queued as 4Xk");
  gw_metrics_count_attempt ("relay", "smtp", "deferred", 30 * G_USEC_PER_SEC, "451 4.3.0 Try again");
  gw_metrics_count_attempt ("relay", "smtp", "failed", 2000, "550-5.1.1 No such user");
  gw_metrics_count_attempt ("local", "maildir", "sent", 800, "Delivered to /var/lib/herald/Maildir");
  gw_metrics_count_attempt ("fax", "fax", "submitted", 800, "Job 12 accepted");
  gw_metrics_count_token_refresh_failure ("o365");
  gw_metrics_count_http_request (202);
  gw_metrics_count_http_request (401);
  gw_metrics_count_http_request (401);
  gw_metric_family_set (gw_metrics_get_queue_family (), (const char * const[]){ "deferred", NULL }, 7);

  text = gw_metrics_render (gw_metrics_get_default ());
  assert_contains (text, "herald_build_info{version=\"" PACKAGE_VERSION "\"} 1\n");
  assert_contains (text, "herald_notifications_accepted_total{profile=\"relay\",transport=\"smtp\"} 2\n");
  assert_contains (text, "herald_notifications_delivered_total{profile=\"local\",transport=\"maildir\"} 1\n");
  assert_contains (text, "herald_notifications_delivered_total{profile=\"relay\",transport=\"smtp\"} 1\n");
  assert_contains (text, "herald_notifications_deferred_total{profile=\"relay\",transport=\"smtp\"} 1\n");
  assert_contains (text, "herald_notifications_failed_total{profile=\"relay\",transport=\"smtp\"} 1\n");
  assert_contains (text, "herald_delivery_attempt_duration_seconds_bucket{transport=\"smtp\",le=\"0.005\"} 1\n");
  assert_contains (text, "herald_delivery_attempt_duration_seconds_bucket{transport=\"smtp\",le=\"0.25\"} 2\n");
  assert_contains (text, "herald_delivery_attempt_duration_seconds_count{transport=\"smtp\"} 3\n");
  assert_contains (text, "herald_smtp_replies_total{class=\"2xx\"} 1\n");
  assert_contains (text, "herald_smtp_replies_total{class=\"4xx\"} 1\n");
  assert_contains (text, "herald_smtp_replies_total{class=\"5xx\"} 1\n");
  /* a reply that is not SMTP's is no class, a submitted fax no outcome yet */
  g_assert_null (strstr (text, "class=\"\""));
  g_assert_null (strstr (text, "profile=\"fax\""));
  assert_contains (text, "herald_delivery_attempt_duration_seconds_count{transport=\"fax\"} 1\n");
  assert_contains (text, "herald_oauth2_token_refresh_failures_total{profile=\"o365\"} 1\n");
  assert_contains (text, "herald_http_requests_total{code=\"401\"} 2\n");
  assert_contains (text, "herald_queue_deliveries{state=\"deferred\"} 7\n");
  promtool_check (text);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/metrics/render", test_render);
  g_test_add_func ("/metrics/collector", test_collector);
  g_test_add_func ("/metrics/threads", test_threads);
  g_test_add_func ("/metrics/hooks", test_hooks);
  return g_test_run ();
}
