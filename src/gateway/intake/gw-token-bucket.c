/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-token-bucket.c: a token bucket for a messages-per-minute rate limit */
#define G_LOG_DOMAIN "gw-token-bucket"

#include "config.h"

#include "gw-token-bucket.h"

#define MINUTE_US (60.0 * G_USEC_PER_SEC)

struct _GwTokenBucket {
  guint64 per_minute;
  double  capacity;
  double  tokens;
  gint64  last;      /* when tokens was last brought up to date */
};

static double
capacity_for (guint64 per_minute)
{
  return MAX (1.0, (double) per_minute / 60.0);
}

static void
refill (GwTokenBucket *self,
        gint64         now)
{
  if (now > self->last) {
    self->tokens = MIN (self->capacity,
                        self->tokens + (double) (now - self->last) * (double) self->per_minute / MINUTE_US);
    self->last = now;
  }
}

GwTokenBucket *
gw_token_bucket_new (guint64 per_minute,
                     gint64  now)
{
  GwTokenBucket *self = g_new0 (GwTokenBucket, 1);

  g_return_val_if_fail (per_minute > 0, self);
  self->per_minute = per_minute;
  self->capacity = capacity_for (per_minute);
  self->tokens = self->capacity;
  self->last = now;
  return self;
}

void
gw_token_bucket_free (GwTokenBucket *self)
{
  g_free (self);
}

void
gw_token_bucket_set_rate (GwTokenBucket *self,
                          guint64        per_minute,
                          gint64         now)
{
  g_return_if_fail (per_minute > 0);

  if (per_minute == self->per_minute)
    return;
  refill (self, now);
  self->per_minute = per_minute;
  self->capacity = capacity_for (per_minute);
  self->tokens = MIN (self->tokens, self->capacity);
}

guint64
gw_token_bucket_get_rate (GwTokenBucket *self)
{
  return self->per_minute;
}

guint
gw_token_bucket_take (GwTokenBucket *self,
                      guint          wanted,
                      gint64         now)
{
  guint taken;

  refill (self, now);
  /* tokens is never negative: truncation is floor. */
  taken = (guint) MIN ((double) wanted, (double) (guint64) self->tokens);
  self->tokens -= taken;
  return taken;
}

void
gw_token_bucket_put_back (GwTokenBucket *self,
                          guint          count)
{
  self->tokens = MIN (self->capacity, self->tokens + count);
}

gint64
gw_token_bucket_get_wait (GwTokenBucket *self,
                          gint64         now)
{
  refill (self, now);
  if (self->tokens >= 1.0 || self->per_minute == 0)
    return 0;
  /* Rounded up, so that the token is there when the wait is over. */
  return (gint64) ((1.0 - self->tokens) * MINUTE_US / (double) self->per_minute) + 1;
}
