/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-quota.h: per-caller (per-uid) limits of the intake
 *
 * Three limits, each 0 for none: deliveries not final yet, bytes held in
 * the queue and the attachment spool together, and Send calls a minute.
 * What a caller holds on disk is counted by the queue and the spool; this
 * object adds what is on its way there (Send calls composed but not yet
 * committed), keeps each caller's Send allowance, and decides.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* What one caller holds or is about to. */
typedef struct {
  guint64 deliveries;   /* not final yet */
  guint64 queue_bytes;  /* messages in the queue */
  guint64 spool_bytes;  /* attachments kept for links */
} GwQuotaUsage;

#define GW_TYPE_QUOTA (gw_quota_get_type ())
G_DECLARE_FINAL_TYPE (GwQuota, gw_quota, GW, QUOTA, GObject)

GwQuota  *gw_quota_new                 (guint64             max_deliveries,
                                        guint64             max_stored_bytes,
                                        guint               max_sends_per_minute);
guint64   gw_quota_get_max_deliveries  (GwQuota            *self);
guint64   gw_quota_get_max_stored_bytes (GwQuota           *self);
guint     gw_quota_get_max_sends_per_minute (GwQuota       *self);

/* Takes one Send from @uid's allowance at @now (monotonic µs):
 * HERALD_ERROR_QUOTA_EXCEEDED naming the limit when none is left. */
gboolean  gw_quota_take_send           (GwQuota            *self,
                                        guint               uid,
                                        gint64              now,
                                        GError            **error);
/* Whole Send calls @uid may make now, G_MAXUINT64 without a limit. */
guint64   gw_quota_get_sends_available (GwQuota            *self,
                                        guint               uid,
                                        gint64              now);

/* Whether @uid, which holds @held on disk (plus what this object has
 * reserved for it), may add @adding: HERALD_ERROR_QUOTA_EXCEEDED naming
 * the limit otherwise. */
gboolean  gw_quota_check               (GwQuota            *self,
                                        guint               uid,
                                        const GwQuotaUsage *held,
                                        const GwQuotaUsage *adding,
                                        GError            **error);
/* Counts @usage for @uid until released: a Send between its check and
 * its commit, so that Send calls in flight together cannot pass a limit
 * that each alone would not. */
void      gw_quota_reserve             (GwQuota            *self,
                                        guint               uid,
                                        const GwQuotaUsage *usage);
void      gw_quota_release             (GwQuota            *self,
                                        guint               uid,
                                        const GwQuotaUsage *usage);
/* What is reserved for @uid now. */
void      gw_quota_get_reserved        (GwQuota            *self,
                                        guint               uid,
                                        GwQuotaUsage       *reserved);

G_END_DECLS
