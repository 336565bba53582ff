/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-alertmanager-private.h: the webhook document, checked and unpacked
 * (gw-alertmanager-parse.c), for the conversion (gw-alertmanager.c) */
#pragma once

#include "gw-alertmanager.h"

G_BEGIN_DECLS

/* One label or annotation. */
typedef struct {
  char *name;
  char *value;
} GwAmPair;

/* A label or annotation set: GwAmPair, "alertname" first, then sorted by
 * name as Alertmanager's SortedPairs. */
typedef GPtrArray GwAmPairs;

typedef struct {
  gboolean   firing;
  GwAmPairs *labels;
  GwAmPairs *annotations;
  gint64     starts_at;      /* µs since the epoch */
  gint64     ends_at;        /* 0: not given (a firing alert) */
  char      *generator_url;
  char      *fingerprint;    /* Alertmanager's, or made from the labels */
} GwAmAlert;

typedef struct {
  gboolean   grafana;        /* version 1 */
  gboolean   firing;
  char      *group_key;
  char      *receiver;
  GwAmPairs *group_labels;
  GwAmPairs *common_labels;
  GwAmPairs *common_annotations;
  char      *external_url;
  gint64     truncated_alerts;
  GPtrArray *alerts;         /* GwAmAlert */
  char      *title;          /* Grafana */
  char      *message;        /* Grafana */
} GwAmPayload;

void         gw_am_payload_free  (GwAmPayload *payload);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GwAmPayload, gw_am_payload_free)

/* The document's fields, each checked; see gw_alertmanager_convert(). */
GwAmPayload *gw_am_payload_parse (const char  *payload,
                                  gsize        length,
                                  GError     **error);
/* The value of @name in @pairs, or NULL. */
const char  *gw_am_pairs_lookup  (GwAmPairs   *pairs,
                                  const char  *name);

G_END_DECLS
