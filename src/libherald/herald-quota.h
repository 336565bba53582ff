/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-quota.h: a user's usage against its per-caller quotas, and the
 * HeraldClient methods that read it */
#pragma once

#include "herald-client.h"

G_BEGIN_DECLS

#define HERALD_TYPE_QUOTA (herald_quota_get_type ())
G_DECLARE_FINAL_TYPE (HeraldQuota, herald_quota, HERALD, QUOTA, GObject)

HeraldQuota *herald_quota_new_from_variant          (GVariant      *quota,
                                                     GError       **error);
guint        herald_quota_get_uid                   (HeraldQuota   *self);
guint64      herald_quota_get_queued_deliveries     (HeraldQuota   *self);
guint64      herald_quota_get_max_queued_deliveries (HeraldQuota   *self);
guint64      herald_quota_get_stored_bytes          (HeraldQuota   *self);
guint64      herald_quota_get_queue_bytes           (HeraldQuota   *self);
guint64      herald_quota_get_spool_bytes           (HeraldQuota   *self);
guint64      herald_quota_get_max_stored_bytes      (HeraldQuota   *self);
guint64      herald_quota_get_sends_available       (HeraldQuota   *self);
guint        herald_quota_get_max_sends_per_minute  (HeraldQuota   *self);
GVariant    *herald_quota_to_variant                (HeraldQuota   *self);

void         herald_client_get_quota                (HeraldClient        *self,
                                                     gint64               uid,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
HeraldQuota *herald_client_get_quota_finish         (HeraldClient        *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);
HeraldQuota *herald_client_get_quota_sync           (HeraldClient        *self,
                                                     gint64               uid,
                                                     GCancellable        *cancellable,
                                                     GError             **error);

G_END_DECLS
