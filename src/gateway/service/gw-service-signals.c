/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-service-signals.c: DeliveriesChanged, folded under load
 *
 * Each state change of each delivery was one D-Bus signal (DeliveryChanged):
 * three per notification (queued, sending, sent), 20-40 % of the delivery
 * throughput under load, paid by the main thread, GDBus's worker and the
 * bus daemon even when nobody listens (issue 18). Now a change that comes
 * while the bus is quiet is signalled at once, alone; changes that follow
 * within the window of the last signals wait for the end of that window, and
 * a delivery that changed more than once meanwhile is signalled once, with
 * its latest state and details. A window's changes go out together, in as
 * few messages as GW_CHANGE_FOLDER_MAX_BATCH allows. A delivery's changes
 * keep their order, and its last change (a final state included) is always
 * signalled. A window's signals go out without the lock, so the queue's
 * writer never waits for the bus.
 */
#define G_LOG_DOMAIN "gw-service"

#include "config.h"

#include "gw-service-signals.h"

typedef struct {
  char     *state;
  GwDeliveryDetails *details;
} Pending;

struct _GwChangeFolder {
  GMutex            lock;          /* guards everything below */
  GMainContext     *context;       /* where the end of a window is run */
  gint64            window;        /* µs */
  GwChangeBatchFunc emit;
  gpointer          emit_data;
  GHashTable       *pending;       /* delivery id → Pending, in arrival order of ids */
  GPtrArray        *order;         /* the ids of @pending as they came */
  GSource          *flush_source;  /* the end of the current window, or NULL */
  gint64            last_emit;     /* monotonic µs of the last signals */
  gboolean          emitting;      /* a window's changes are being signalled */
};

static void
pending_free (gpointer data)
{
  Pending *p = data;

  g_free (p->state);
  gw_delivery_details_unref (p->details);
  g_free (p);
}

static GHashTable *
pending_table_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, NULL, pending_free);
}

/* Signals a window's changes, in order, GW_CHANGE_FOLDER_MAX_BATCH to a
 * message (so that none grows large). Without the lock: the writer thread
 * goes on folding into a fresh window meanwhile instead of waiting for the
 * bus. */
static void
emit_window (GwChangeFolder *self,
             GHashTable     *pending,
             GPtrArray      *order)
{
  g_autofree GwChange *changes = NULL;
  guint n = 0;

  if (order->len == 0)
    return;
  changes = g_new (GwChange, MIN (order->len, GW_CHANGE_FOLDER_MAX_BATCH));
  for (guint i = 0; i < order->len; i++) {
    const char *id = g_ptr_array_index (order, i);
    Pending *p = g_hash_table_lookup (pending, id);

    changes[n].delivery_id = id;
    changes[n].state = p->state;
    changes[n].details = p->details;
    n++;
    if (n == GW_CHANGE_FOLDER_MAX_BATCH || i + 1 == order->len) {
      self->emit (changes, n, self->emit_data);
      n = 0;
    }
  }
}

/* Takes the window's changes out, with the lock held. */
static void
take_window (GwChangeFolder *self,
             GHashTable    **pending,
             GPtrArray     **order)
{
  *pending = g_steal_pointer (&self->pending);
  *order = g_steal_pointer (&self->order);
  self->pending = pending_table_new ();
  self->order = g_ptr_array_new_with_free_func (g_free);
}

static gboolean
flush_cb (gpointer user_data)
{
  GwChangeFolder *self = user_data;
  g_autoptr(GHashTable) pending = NULL;
  g_autoptr(GPtrArray) order = NULL;

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->flush_source, g_source_unref);
  take_window (self, &pending, &order);
  /* Until these are out, a change is folded, never signalled ahead. */
  self->emitting = TRUE;
  g_mutex_unlock (&self->lock);

  emit_window (self, pending, order);

  g_mutex_lock (&self->lock);
  self->emitting = FALSE;
  self->last_emit = g_get_monotonic_time ();
  g_mutex_unlock (&self->lock);
  return G_SOURCE_REMOVE;
}

GwChangeFolder *
gw_change_folder_new (GMainContext     *context,
                      guint             window_ms,
                      GwChangeBatchFunc emit,
                      gpointer          emit_data)
{
  GwChangeFolder *self;

  g_return_val_if_fail (window_ms > 0, NULL);
  self = g_new0 (GwChangeFolder, 1);
  g_mutex_init (&self->lock);
  self->context = g_main_context_ref (context);
  self->window = (gint64) window_ms * 1000;
  /* Never signalled: the bus is quiet, however young the clock (the
   * monotonic clock starts at boot, so 0 was "a moment ago" on a machine
   * up for less than a window). */
  self->last_emit = G_MININT64 / 2;
  self->emit = emit;
  self->emit_data = emit_data;
  self->pending = pending_table_new ();
  self->order = g_ptr_array_new_with_free_func (g_free);
  return self;
}

/* A GwQueueChangeFunc (any thread). */
void
gw_change_folder_add (const char *delivery_id,
                      const char *state,
                      GwDeliveryDetails *details,
                      gpointer    user_data)
{
  GwChangeFolder *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 window = self->window;
  Pending *p;

  g_mutex_lock (&self->lock);
  if (self->flush_source == NULL && !self->emitting && now - self->last_emit >= window) {
    GwChange change = { delivery_id, state, details };

    /* Quiet: at once, alone. (Under the lock, so that a window taken later
     * cannot overtake it.) */
    self->emit (&change, 1, self->emit_data);
    self->last_emit = now;
    g_mutex_unlock (&self->lock);
    return;
  }
  p = g_hash_table_lookup (self->pending, delivery_id);
  if (p == NULL) {
    char *id = g_strdup (delivery_id);

    p = g_new0 (Pending, 1);
    g_ptr_array_add (self->order, id);
    g_hash_table_insert (self->pending, id, p);
  }
  g_free (p->state);
  p->state = g_strdup (state);
  g_clear_pointer (&p->details, gw_delivery_details_unref);
  p->details = details != NULL ? gw_delivery_details_ref (details) : NULL;
  if (self->flush_source == NULL) {
    gint64 wait_ms = MAX (1, (self->last_emit + window - now) / 1000);

    self->flush_source = g_timeout_source_new ((guint) MIN (wait_ms, window / 1000));
    g_source_set_callback (self->flush_source, flush_cb, self, NULL);
    g_source_attach (self->flush_source, self->context);
  }
  g_mutex_unlock (&self->lock);
}

void
gw_change_folder_free (GwChangeFolder *self)
{
  g_autoptr(GHashTable) pending = NULL;
  g_autoptr(GPtrArray) order = NULL;

  if (self == NULL)
    return;
  g_mutex_lock (&self->lock);
  if (self->flush_source != NULL) {
    g_source_destroy (self->flush_source);
    g_clear_pointer (&self->flush_source, g_source_unref);
  }
  take_window (self, &pending, &order);
  g_mutex_unlock (&self->lock);
  emit_window (self, pending, order);
  g_hash_table_unref (self->pending);
  g_ptr_array_unref (self->order);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  g_free (self);
}
