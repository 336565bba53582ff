/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-quota.c: per-caller (per-uid) limits of the intake
 *
 * The Send allowance is a bucket per uid that holds one minute's worth of
 * calls and refills continuously: a burst may use a whole minute at once,
 * then calls pass at the steady rate. Buckets that are full again are
 * dropped, so the table holds only callers of the last minute.
 */
#define G_LOG_DOMAIN "gw-quota"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-quota.h"

#define MINUTE_US (G_GINT64_CONSTANT (60) * G_USEC_PER_SEC)

typedef struct {
  double tokens;
  gint64 updated;   /* monotonic µs */
} Allowance;

struct _GwQuota {
  GObject     parent_instance;
  guint64     max_deliveries;
  guint64     max_stored_bytes;
  guint       max_sends_per_minute;
  GHashTable *allowances;   /* uid → Allowance */
  GHashTable *reserved;     /* uid → GwQuotaUsage */
};

G_DEFINE_FINAL_TYPE (GwQuota, gw_quota, G_TYPE_OBJECT)

static void
gw_quota_finalize (GObject *object)
{
  GwQuota *self = GW_QUOTA (object);

  g_hash_table_unref (self->allowances);
  g_hash_table_unref (self->reserved);
  G_OBJECT_CLASS (gw_quota_parent_class)->finalize (object);
}

static void
gw_quota_class_init (GwQuotaClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_quota_finalize;
}

static void
gw_quota_init (GwQuota *self)
{
  self->allowances = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->reserved = g_hash_table_new_full (NULL, NULL, NULL, g_free);
}

GwQuota *
gw_quota_new (guint64 max_deliveries,
              guint64 max_stored_bytes,
              guint   max_sends_per_minute)
{
  GwQuota *self = g_object_new (GW_TYPE_QUOTA, NULL);

  self->max_deliveries = max_deliveries;
  self->max_stored_bytes = max_stored_bytes;
  self->max_sends_per_minute = max_sends_per_minute;
  return self;
}

guint64
gw_quota_get_max_deliveries (GwQuota *self)
{
  return self->max_deliveries;
}

guint64
gw_quota_get_max_stored_bytes (GwQuota *self)
{
  return self->max_stored_bytes;
}

guint
gw_quota_get_max_sends_per_minute (GwQuota *self)
{
  return self->max_sends_per_minute;
}

/* @uid's allowance refilled up to @now; NULL when it is full (no entry). */
static Allowance *
refill (GwQuota *self,
        guint    uid,
        gint64   now)
{
  Allowance *allowance = g_hash_table_lookup (self->allowances, GUINT_TO_POINTER (uid));
  double size = self->max_sends_per_minute;

  if (allowance == NULL)
    return NULL;
  if (now > allowance->updated) {
    allowance->tokens += size * (double) (now - allowance->updated) / (double) MINUTE_US;
    allowance->updated = now;
  }
  if (allowance->tokens >= size) {
    g_hash_table_remove (self->allowances, GUINT_TO_POINTER (uid));
    return NULL;
  }
  return allowance;
}

/* Drops the full buckets of callers that stopped sending. */
static void
forget_full (GwQuota *self,
             gint64   now)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->allowances);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    Allowance *allowance = value;
    double size = self->max_sends_per_minute;

    if (allowance->tokens + size * (double) (now - allowance->updated) / (double) MINUTE_US >= size)
      g_hash_table_iter_remove (&iter);
  }
}

gboolean
gw_quota_take_send (GwQuota *self,
                    guint    uid,
                    gint64   now,
                    GError **error)
{
  Allowance *allowance;

  if (self->max_sends_per_minute == 0)
    return TRUE;
  allowance = refill (self, uid, now);
  if (allowance == NULL) {
    /* Bounded by the callers of the last minute. */
    if (g_hash_table_size (self->allowances) >= 1024)
      forget_full (self, now);
    allowance = g_new0 (Allowance, 1);
    allowance->tokens = self->max_sends_per_minute;
    allowance->updated = now;
    g_hash_table_insert (self->allowances, GUINT_TO_POINTER (uid), allowance);
  }
  if (allowance->tokens < 1.0) {
    g_info ("uid %u is over its Send rate of %u a minute", uid, self->max_sends_per_minute);
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_QUOTA_EXCEEDED,
                 _("Quota exceeded: user %u made more than %u Send calls in a minute "
                   "(max-sends-per-minute in heraldd.conf); try again later"),
                 uid, self->max_sends_per_minute);
    return FALSE;
  }
  allowance->tokens -= 1.0;
  return TRUE;
}

guint64
gw_quota_get_sends_available (GwQuota *self,
                              guint    uid,
                              gint64   now)
{
  Allowance *allowance;

  if (self->max_sends_per_minute == 0)
    return G_MAXUINT64;
  allowance = refill (self, uid, now);
  if (allowance == NULL)
    return self->max_sends_per_minute;
  return (guint64) allowance->tokens;
}

void
gw_quota_get_reserved (GwQuota      *self,
                       guint         uid,
                       GwQuotaUsage *reserved)
{
  GwQuotaUsage *usage = g_hash_table_lookup (self->reserved, GUINT_TO_POINTER (uid));

  if (usage != NULL)
    *reserved = *usage;
  else
    memset (reserved, 0, sizeof *reserved);
}

gboolean
gw_quota_check (GwQuota            *self,
                guint               uid,
                const GwQuotaUsage *held,
                const GwQuotaUsage *adding,
                GError            **error)
{
  GwQuotaUsage reserved;
  guint64 deliveries, stored, adding_bytes;

  gw_quota_get_reserved (self, uid, &reserved);
  deliveries = held->deliveries + reserved.deliveries;
  stored = held->queue_bytes + held->spool_bytes + reserved.queue_bytes + reserved.spool_bytes;
  adding_bytes = adding->queue_bytes + adding->spool_bytes;

  if (self->max_deliveries > 0 && deliveries + adding->deliveries > self->max_deliveries) {
    g_autofree char *count = g_strdup_printf ("%" G_GUINT64_FORMAT, deliveries);
    g_autofree char *limit = g_strdup_printf ("%" G_GUINT64_FORMAT, self->max_deliveries);

    g_info ("uid %u is at its limit of %s waiting deliveries", uid, limit);
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_QUOTA_EXCEEDED,
                 _("Quota exceeded: user %u has %s deliveries waiting, and the limit is %s "
                   "(max-queued-deliveries in heraldd.conf)"),
                 uid, count, limit);
    return FALSE;
  }
  if (self->max_stored_bytes > 0 && stored + adding_bytes > self->max_stored_bytes) {
    g_autofree char *stored_text = g_format_size_full (stored, G_FORMAT_SIZE_IEC_UNITS);
    g_autofree char *adding_text = g_format_size_full (adding_bytes, G_FORMAT_SIZE_IEC_UNITS);
    g_autofree char *limit = g_format_size_full (self->max_stored_bytes, G_FORMAT_SIZE_IEC_UNITS);

    g_info ("uid %u would hold more than its limit of %s", uid, limit);
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_QUOTA_EXCEEDED,
                 _("Quota exceeded: user %u holds %s in the queue and the attachment spool; "
                   "%s more would pass the limit of %s (max-stored-mib in heraldd.conf)"),
                 uid, stored_text, adding_text, limit);
    return FALSE;
  }
  return TRUE;
}

void
gw_quota_reserve (GwQuota            *self,
                  guint               uid,
                  const GwQuotaUsage *usage)
{
  GwQuotaUsage *reserved = g_hash_table_lookup (self->reserved, GUINT_TO_POINTER (uid));

  if (reserved == NULL) {
    reserved = g_new0 (GwQuotaUsage, 1);
    g_hash_table_insert (self->reserved, GUINT_TO_POINTER (uid), reserved);
  }
  reserved->deliveries += usage->deliveries;
  reserved->queue_bytes += usage->queue_bytes;
  reserved->spool_bytes += usage->spool_bytes;
}

void
gw_quota_release (GwQuota            *self,
                  guint               uid,
                  const GwQuotaUsage *usage)
{
  GwQuotaUsage *reserved = g_hash_table_lookup (self->reserved, GUINT_TO_POINTER (uid));

  if (reserved == NULL)
    return;
  reserved->deliveries -= MIN (reserved->deliveries, usage->deliveries);
  reserved->queue_bytes -= MIN (reserved->queue_bytes, usage->queue_bytes);
  reserved->spool_bytes -= MIN (reserved->spool_bytes, usage->spool_bytes);
  if (reserved->deliveries == 0 && reserved->queue_bytes == 0 && reserved->spool_bytes == 0)
    g_hash_table_remove (self->reserved, GUINT_TO_POINTER (uid));
}
