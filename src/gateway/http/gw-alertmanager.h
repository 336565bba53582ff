/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-alertmanager.h: an Alertmanager (or Grafana) webhook as a notification
 *
 * Prometheus Alertmanager's webhook_config sends one JSON document per
 * alert group and notification (payload version 4); Grafana's webhook
 * contact point sends the same document with version 1 and a few more
 * fields (title, message, state). Herald makes one notification of it:
 *
 *   subject   like Alertmanager's default title: "[FIRING:2] HighLatency
 *             api (critical)": the status, the number of firing alerts,
 *             the group labels' values (alertname first, then by label
 *             name) and, in parentheses, the values of the common labels
 *             that are not group labels; "[RESOLVED] ..." for a resolved
 *             group. Grafana's "title" when it sends one.
 *   body      every alert (firing first) with its summary, description,
 *             start and end, labels, other annotations and source; then
 *             the Alertmanager link and the group key. Grafana's
 *             "message" when it sends one.
 *   tags      "name=value" of each group and common label
 *   urgency   from the "severity" label, the highest among the alerts:
 *             critical → critical, warning → normal, info → low, anything
 *             else or none → normal
 *   category  "alertmanager"; app-name "alertmanager" or "grafana"
 *   idempotency-key  "alertmanager:" and the SHA-256 of the group key,
 *             the status and each alert's fingerprint, status, start and
 *             end: a webhook Alertmanager retries is absorbed, a group
 *             that fires again (new start) or changes is not. Herald's
 *             keys hold for 24 hours (gw-queue-write.c), so a
 *             repeat_interval reminder of an unchanged group (Alertmanager
 *             sends a firing alert's end as Go's zero time) is absorbed
 *             within 24 hours of the first notice, and sent after that.
 *
 * Caller text is only ever copied (control characters become spaces in
 * the subject and tags); nothing in it is expanded as a template.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define GW_ALERTMANAGER_MAX_PAYLOAD    (4 * 1024 * 1024)
#define GW_ALERTMANAGER_MAX_ALERTS     1000
#define GW_ALERTMANAGER_MAX_LABELS     128      /* in each label or annotation set */
#define GW_ALERTMANAGER_MAX_NAME       1024     /* bytes of a label name */
#define GW_ALERTMANAGER_MAX_VALUE      (64 * 1024)
#define GW_ALERTMANAGER_CATEGORY       "alertmanager"

/*
 * Converts @length bytes of @payload into the a{sv} of a Send: subject,
 * body, tags, urgency, category, app-name and idempotency-key (no
 * recipients: the caller adds them). Strict: a payload that is not a
 * version 4 (Alertmanager) or version 1 (Grafana) webhook document, or
 * exceeds a limit above, fails with HERALD_ERROR_INVALID_ARGUMENT or
 * HERALD_ERROR_TOO_LARGE naming the field (such as
 * "alerts[3].startsAt").
 */
GVariant *gw_alertmanager_convert (const char *payload,
                                   gsize       length,
                                   GError    **error);

G_END_DECLS
