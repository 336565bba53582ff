/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-recipient-window.c: recipients handed to a server in the last 24 hours
 *
 * Buckets sorted by minute, at most GW_RECIPIENT_WINDOW_MINUTES of them:
 * the bucket of minute m counts at minutes m .. m + 1439 and leaves the
 * window at minute m + 1440.
 */
#define G_LOG_DOMAIN "gw-dispatcher"

#include "config.h"

#include "gw-recipient-window.h"

typedef struct {
  gint64  minute;
  guint64 recipients;
} Bucket;

struct _GwRecipientWindow {
  GArray *buckets;   /* Bucket, oldest first */
};

GwRecipientWindow *
gw_recipient_window_new (void)
{
  GwRecipientWindow *self = g_new0 (GwRecipientWindow, 1);

  self->buckets = g_array_new (FALSE, FALSE, sizeof (Bucket));
  return self;
}

void
gw_recipient_window_free (GwRecipientWindow *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->buckets);
  g_free (self);
}

static void
forget_old (GwRecipientWindow *self,
            gint64             now_minute)
{
  guint drop = 0;

  while (drop < self->buckets->len &&
         g_array_index (self->buckets, Bucket, drop).minute + GW_RECIPIENT_WINDOW_MINUTES <= now_minute)
    drop++;
  if (drop > 0)
    g_array_remove_range (self->buckets, 0, drop);
}

void
gw_recipient_window_add (GwRecipientWindow *self,
                         gint64             minute,
                         gint64             recipients)
{
  guint i = self->buckets->len;
  Bucket bucket = { minute, 0 };

  /* Nearly always the newest minute: search from the end. */
  while (i > 0 && g_array_index (self->buckets, Bucket, i - 1).minute > minute)
    i--;
  if (i == 0 || g_array_index (self->buckets, Bucket, i - 1).minute != minute) {
    if (recipients <= 0)
      return;
    g_array_insert_val (self->buckets, i, bucket);
  } else {
    i--;
  }
  if (recipients < 0 && (guint64) -recipients >= g_array_index (self->buckets, Bucket, i).recipients)
    g_array_index (self->buckets, Bucket, i).recipients = 0;
  else
    g_array_index (self->buckets, Bucket, i).recipients += (guint64) recipients;
}

guint64
gw_recipient_window_count (GwRecipientWindow *self,
                           gint64             now_minute)
{
  guint64 total = 0;

  forget_old (self, now_minute);
  for (guint i = 0; i < self->buckets->len; i++)
    total += g_array_index (self->buckets, Bucket, i).recipients;
  return total;
}

gint64
gw_recipient_window_room_at (GwRecipientWindow *self,
                             gint64             now_minute,
                             guint64            limit,
                             guint64            needed)
{
  guint64 used = gw_recipient_window_count (self, now_minute);

  if (used == 0 || (needed <= limit && used + needed <= limit))
    return now_minute;
  for (guint i = 0; i < self->buckets->len; i++) {
    const Bucket *bucket = &g_array_index (self->buckets, Bucket, i);

    used -= bucket->recipients;
    if (used == 0 || (needed <= limit && used + needed <= limit))
      return bucket->minute + GW_RECIPIENT_WINDOW_MINUTES;
  }
  /* (not reached: the buckets add up to what was used) */
  return now_minute + GW_RECIPIENT_WINDOW_MINUTES;
}
