/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-dispatcher.c: takes due jobs from the queue and hands them to transports
 *
 * One pool per profile limits the sessions open toward its server
 * (max-connections) and, with a rate-limit, the messages per minute (a
 * token bucket shared by the pool's workers). The workers themselves are in
 * gw-dispatcher-worker.c. A slow, dead or rate-limited server only occupies
 * its own profile's workers; a profile whose queue access fails is held
 * back with a growing delay instead of being retried in a loop.
 *
 * The dispatcher also prunes the delivery log: shortly after start and then
 * every six hours, deliveries finished more than log-days ago go.
 */
#define G_LOG_DOMAIN "gw-dispatcher"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "gw-dispatcher-private.h"

#define RETRY_CAP_SECONDS     4000
#define QUEUE_BACKOFF_MIN_US  (G_USEC_PER_SEC)
#define QUEUE_BACKOFF_MAX_US  (10 * G_USEC_PER_SEC)
#define PRUNE_FIRST_DELAY_S   5
#define PRUNE_INTERVAL_S      (6 * 3600)
#define DAY_US                (G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC)

G_DEFINE_FINAL_TYPE (GwDispatcher, gw_dispatcher, G_TYPE_OBJECT)

gint64
gw_dispatcher_retry_delay (guint64 retry_interval,
                           guint   attempt)
{
  guint64 cap = MAX (retry_interval, RETRY_CAP_SECONDS);
  guint64 delay = retry_interval;

  for (guint i = 1; i < attempt && delay < cap; i++)
    delay *= 2;
  return (gint64) MIN (delay, cap) * G_USEC_PER_SEC;
}

gint64
gw_dispatcher_queue_backoff (guint failures)
{
  gint64 delay = QUEUE_BACKOFF_MIN_US;

  for (guint i = 1; i < failures && delay < QUEUE_BACKOFF_MAX_US; i++)
    delay *= 2;
  return MIN (delay, QUEUE_BACKOFF_MAX_US);
}

static void
pool_free (GwPool *pool)
{
  g_clear_pointer (&pool->bucket, gw_token_bucket_free);
  g_clear_pointer (&pool->recipients, gw_recipient_window_free);
  g_free (pool);
}

GwPool *
gw_dispatcher_get_pool (GwDispatcher *self,
                        const char   *profile)
{
  GwPool *pool = g_hash_table_lookup (self->pools, profile);

  if (pool == NULL) {
    pool = g_new0 (GwPool, 1);
    g_hash_table_insert (self->pools, g_strdup (profile), pool);
  }
  return pool;
}

/* Follows the profile's rate-limit as it is now (0: unlimited). */
static void
pool_sync_rate (GwPool    *pool,
                GwProfile *profile)
{
  guint64 rate = profile != NULL ? gw_profile_get_uint (profile, "rate-limit") : 0;
  gint64 now = g_get_monotonic_time ();

  if (rate == 0)
    g_clear_pointer (&pool->bucket, gw_token_bucket_free);
  else if (pool->bucket == NULL)
    pool->bucket = gw_token_bucket_new (rate, now);
  else
    gw_token_bucket_set_rate (pool->bucket, rate, now);
}

static void gw_dispatcher_arm_timer (GwDispatcher *self,
                                     gint64        next);

void
gw_dispatcher_hold_pool (GwDispatcher *self,
                         const char   *profile)
{
  GwPool *pool = gw_dispatcher_get_pool (self, profile);
  gint64 now = g_get_real_time ();

  /* Workers failing together count as one failure. */
  if (now < pool->hold_until)
    return;
  pool->failures++;
  pool->hold_until = now + gw_dispatcher_queue_backoff (pool->failures);
  gw_dispatcher_arm_timer (self, pool->hold_until);
}

/* Whether another worker may start for @profile now. */
static gboolean
pool_may_start (GwPool    *pool,
                GwProfile *profile,
                gint64     now)
{
  guint64 max = profile != NULL ? gw_profile_get_uint (profile, "max-connections") : 1;

  if (pool->active >= max || now < pool->hold_until)
    return FALSE;
  /* Rate-limited and out of tokens: the running worker waits for the next
   * one; more workers would only wait beside it. */
  if (pool->bucket != NULL && pool->active > 0 &&
      gw_token_bucket_get_wait (pool->bucket, g_get_monotonic_time ()) > 0)
    return FALSE;
  return TRUE;
}

gboolean
gw_dispatcher_pool_may_grow (GwDispatcher *self,
                             const char   *profile_name)
{
  return pool_may_start (gw_dispatcher_get_pool (self, profile_name),
                         gw_profile_store_lookup (self->profiles, profile_name), g_get_real_time ());
}

/* Starts workers for due profiles that have capacity; returns FALSE on a
 * queue error. */
static gboolean
gw_dispatcher_start_due (GwDispatcher *self)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) due = gw_queue_dup_due_profiles (self->queue, g_get_real_time (), &error);

  if (due == NULL) {
    g_warning ("Cannot look for due work: %s", error->message);
    return FALSE;
  }
  for (guint i = 0; due[i] != NULL; i++) {
    GwProfile *profile = gw_profile_store_lookup (self->profiles, due[i]);
    GwPool *pool = gw_dispatcher_get_pool (self, due[i]);

    pool_sync_rate (pool, profile);
    if (pool_may_start (pool, profile, g_get_real_time ()))
      gw_dispatcher_start_worker (self, due[i]);
  }
  return TRUE;
}

/* Profiles held back after a queue error get a scan when the hold ends,
 * whatever timer was armed meanwhile. */
static void
arm_for_holds (GwDispatcher *self)
{
  GHashTableIter iter;
  gpointer value;
  gint64 now = g_get_real_time (), next = 0;

  g_hash_table_iter_init (&iter, self->pools);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    GwPool *pool = value;
    if (pool->hold_until > now && (next == 0 || pool->hold_until < next))
      next = pool->hold_until;
  }
  gw_dispatcher_arm_timer (self, next);
}

static void
gw_dispatcher_scan_now (GwDispatcher *self)
{
  if (self->stopped)
    return;
  /* Work that falls due between the look-up and arming the timer would
   * otherwise wait for an unrelated wake-up: look again. Work of profiles
   * at their connection limit is picked up by their running workers, which
   * wake the dispatcher when they finish. */
  for (guint pass = 0; pass < 3; pass++) {
    gint64 next;

    if (!gw_dispatcher_start_due (self))
      return;
    next = gw_queue_get_next_wakeup (self->queue);
    if (next == 0 || next > g_get_real_time ()) {
      gw_dispatcher_arm_timer (self, next);
      break;
    }
  }
  arm_for_holds (self);
}

static gboolean
scan_cb (gpointer user_data)
{
  GwDispatcher *self = user_data;

  self->scan_source = 0;
  gw_dispatcher_scan_now (self);
  return G_SOURCE_REMOVE;
}

static gboolean
timer_cb (gpointer user_data)
{
  GwDispatcher *self = user_data;

  self->timer_source = 0;
  self->timer_due = 0;
  gw_dispatcher_scan_now (self);
  return G_SOURCE_REMOVE;
}

/* Deferred work wakes on a timer at the earliest next attempt. */
static void
gw_dispatcher_arm_timer (GwDispatcher *self,
                         gint64        next)
{
  gint64 now = g_get_real_time ();
  guint delay_ms;

  if (next == 0 || next <= now)
    return;
  if (self->timer_source != 0 && self->timer_due <= next)
    return;
  g_clear_handle_id (&self->timer_source, g_source_remove);
  delay_ms = (guint) MIN ((next - now) / 1000 + 1, (gint64) G_MAXINT);
  self->timer_due = next;
  self->timer_source = g_timeout_add (delay_ms, timer_cb, self);
}

void
gw_dispatcher_wake (GwDispatcher *self)
{
  if (self->scan_source == 0 && !self->stopped)
    self->scan_source = g_idle_add (scan_cb, self);
}

gboolean
gw_dispatcher_is_idle (GwDispatcher *self)
{
  return self->n_workers == 0;
}

static void
stop_sources (GwDispatcher *self)
{
  self->stopped = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->scan_source, g_source_remove);
  g_clear_handle_id (&self->timer_source, g_source_remove);
  g_clear_handle_id (&self->prune_source, g_source_remove);
}

void
gw_dispatcher_stop (GwDispatcher *self)
{
  /* Ending the waiting workers drops their references. */
  G_GNUC_UNUSED g_autoptr(GwDispatcher) keep = g_object_ref (self);

  stop_sources (self);
  gw_dispatcher_end_waiting (self);
}

static void
gw_dispatcher_finalize (GObject *object)
{
  GwDispatcher *self = GW_DISPATCHER (object);

  /* No worker is left: each holds a reference. */
  stop_sources (self);
  g_hash_table_unref (self->pools);
  g_hash_table_unref (self->waiting);
  g_object_unref (self->cancellable);
  g_object_unref (self->queue);
  g_object_unref (self->profiles);
  g_object_unref (self->plugins);
  g_clear_object (&self->untrusted);
  G_OBJECT_CLASS (gw_dispatcher_parent_class)->finalize (object);
}

static void
gw_dispatcher_class_init (GwDispatcherClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_dispatcher_finalize;
}

static void
gw_dispatcher_init (GwDispatcher *self)
{
  self->pools = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) pool_free);
  self->waiting = g_hash_table_new (NULL, NULL);
  self->cancellable = g_cancellable_new ();
}

/* New or returning work (Send, Retry, a fallback job) is picked up at once. */
static void
queue_work_queued_cb (GwQueue      *queue,
                      GwDispatcher *self)
{
  gw_dispatcher_wake (self);
}

GwDispatcher *
gw_dispatcher_new (GwQueue        *queue,
                   GwProfileStore *profiles,
                   GwPluginLoader *plugins)
{
  GwDispatcher *self = g_object_new (GW_TYPE_DISPATCHER, NULL);

  self->queue = g_object_ref (queue);
  self->profiles = g_object_ref (profiles);
  self->plugins = g_object_ref (plugins);
  g_signal_connect_object (queue, "work-queued", G_CALLBACK (queue_work_queued_cb), self, 0);
  return self;
}

void
gw_dispatcher_set_untrusted_store (GwDispatcher     *self,
                                   GwUntrustedStore *store)
{
  g_set_object (&self->untrusted, store);
}

static void
prune_done_cb (GObject      *source,
               GAsyncResult *res,
               gpointer      user_data)
{
  g_autoptr(GwDispatcher) self = user_data;
  g_autoptr(GError) error = NULL;
  guint pruned = gw_queue_prune_finish (GW_QUEUE (source), res, &error);

  if (error != NULL)
    g_warning ("Cannot prune the delivery log: %s", error->message);
  else
    g_info ("Pruned %u deliveries finished more than %u days ago from the log",
            pruned, self->log_days);
}

static gboolean
prune_cb (gpointer user_data)
{
  GwDispatcher *self = user_data;

  self->prune_source = g_timeout_add_seconds (PRUNE_INTERVAL_S, prune_cb, self);
  gw_queue_prune_async (self->queue, g_get_real_time () - (gint64) self->log_days * DAY_US,
                        prune_done_cb, g_object_ref (self));
  return G_SOURCE_REMOVE;
}

void
gw_dispatcher_set_log_days (GwDispatcher *self,
                            guint         days)
{
  g_return_if_fail (GW_IS_DISPATCHER (self));

  self->log_days = days;
  g_clear_handle_id (&self->prune_source, g_source_remove);
  if (days > 0 && !self->stopped)
    self->prune_source = g_timeout_add_seconds (PRUNE_FIRST_DELAY_S, prune_cb, self);
}
