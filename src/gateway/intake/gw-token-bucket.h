/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-token-bucket.h: a token bucket for a messages-per-minute rate limit */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _GwTokenBucket GwTokenBucket;

/* A bucket refilled at @per_minute tokens a minute (> 0). It holds at most
 * one second's worth of tokens, and at least one: a burst never goes past
 * one second of the rate, and a low rate is spread evenly (10 a minute:
 * one every 6 s). It starts full. Times are monotonic µs. */
GwTokenBucket *gw_token_bucket_new      (guint64        per_minute,
                                         gint64         now);
void           gw_token_bucket_free     (GwTokenBucket *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GwTokenBucket, gw_token_bucket_free)

/* Changes the rate, keeping the tokens there are (up to the new size). */
void           gw_token_bucket_set_rate (GwTokenBucket *self,
                                         guint64        per_minute,
                                         gint64         now);
guint64        gw_token_bucket_get_rate (GwTokenBucket *self);

/* Takes up to @wanted whole tokens; returns how many were taken, 0 when
 * not even one is there. */
guint          gw_token_bucket_take     (GwTokenBucket *self,
                                         guint          wanted,
                                         gint64         now);
/* Returns tokens taken but not used (up to the bucket's size). */
void           gw_token_bucket_put_back (GwTokenBucket *self,
                                         guint          count);
/* µs until a whole token is there; 0 when one is there now. */
gint64         gw_token_bucket_get_wait (GwTokenBucket *self,
                                         gint64         now);

G_END_DECLS
