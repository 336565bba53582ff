/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hb-coalescer.c: merges bursts of the same notification and updates
 *
 * A flapping device can raise the same notification many times a minute;
 * each one a mail would flood the mailbox. A burst therefore waits: it ends
 * when no identical notification has arrived for coalesce-window, or at
 * the latest coalesce-max-delay after its first one (so a device that never
 * stops still reports), and then goes out once with its count.
 *
 * Updates (Notify with replaces_id) of a notification still waiting change
 * what will be sent; updates of one already sent within replace-window send
 * nothing, since a progress bar or a changing status line is the same
 * event to the reader of the mail. */
#define G_LOG_DOMAIN "hb-coalescer"

#include "hb-coalescer.h"

/* bound the tables whatever the senders do */
#define MAX_IDS 4096
#define MAX_GROUPS 1024

typedef struct {
  HbCoalescer *owner;
  char        *key;
  HbEvent     *event;
  guint        count;
  gint64       first_real, last_real;
  gint64       first;       /* monotonic */
  guint        timer_id;
} Group;

typedef struct {
  Group  *group;    /* NULL once sent */
  gint64  touched;  /* monotonic */
} IdEntry;

struct _HbCoalescer {
  GObject      parent_instance;
  guint        window_ms, max_delay_ms, replace_ms;
  HbFlushFunc  flush;
  gpointer     user_data;
  GHashTable  *groups;   /* key → Group */
  GHashTable  *ids;      /* GUINT_TO_POINTER (id) → IdEntry */
  guint32      next_id;
};

G_DEFINE_TYPE (HbCoalescer, hb_coalescer, G_TYPE_OBJECT)

static void
group_free (Group *group)
{
  g_clear_handle_id (&group->timer_id, g_source_remove);
  hb_event_free (group->event);
  g_free (group->key);
  g_free (group);
}

static void
flush_group (HbCoalescer *self,
             Group       *group)
{
  GHashTableIter iter;
  IdEntry *entry;
  gint64 now = g_get_monotonic_time ();

  g_hash_table_iter_init (&iter, self->ids);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry)) {
    if (entry->group == group) {
      entry->group = NULL;
      entry->touched = now;
    }
  }
  g_debug ("burst of %u “%s” over", group->count, group->event->summary);
  g_hash_table_steal (self->groups, group->key);
  self->flush (group->event, group->count, group->first_real, group->last_real, self->user_data);
  group_free (group);
}

static gboolean
group_timeout_cb (gpointer data)
{
  Group *group = data;

  group->timer_id = 0;
  flush_group (group->owner, group);
  return G_SOURCE_REMOVE;
}

/* (Re)arms the quiet-period timer, never past the burst's latest end. */
static void
arm_timer (HbCoalescer *self,
           Group       *group)
{
  gint64 now = g_get_monotonic_time ();
  gint64 deadline = group->first + (gint64) self->max_delay_ms * 1000;
  gint64 wait_us = MIN ((gint64) self->window_ms * 1000, MAX (deadline - now, 0));

  g_clear_handle_id (&group->timer_id, g_source_remove);
  group->timer_id = g_timeout_add ((guint) (wait_us / 1000), group_timeout_cb, group);
}

static void
prune_ids (HbCoalescer *self,
           gint64       now)
{
  GHashTableIter iter;
  IdEntry *entry;

  g_hash_table_iter_init (&iter, self->ids);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry)) {
    if (entry->group == NULL &&
        (now - entry->touched > (gint64) self->replace_ms * 1000 ||
         g_hash_table_size (self->ids) > MAX_IDS))
      g_hash_table_iter_remove (&iter);
  }
}

static guint32
new_id (HbCoalescer *self)
{
  do {
    self->next_id++;
  } while (self->next_id == 0 || g_hash_table_contains (self->ids, GUINT_TO_POINTER (self->next_id)));
  return self->next_id;
}

static gboolean
apply_update (HbCoalescer *self,
              IdEntry     *entry,
              HbEvent     *event,
              gint64       now)
{
  entry->touched = now;
  if (entry->group == NULL) {
    g_debug ("update of a notification sent within the replace window: not sent again");
    hb_event_free (event);
    return TRUE;
  }
  /* the mail will carry the latest text */
  hb_event_free (entry->group->event);
  entry->group->event = event;
  entry->group->last_real = event->received;
  return TRUE;
}

guint32
hb_coalescer_add (HbCoalescer *self,
                  HbEvent     *event,
                  guint32      replaces_id,
                  gboolean     adopt_id)
{
  gint64 now = g_get_monotonic_time ();
  IdEntry *entry;
  Group *group;
  guint32 id;
  g_autofree char *key = NULL;

  g_return_val_if_fail (HB_IS_COALESCER (self), 0);
  prune_ids (self, now);

  entry = replaces_id != 0 ? g_hash_table_lookup (self->ids, GUINT_TO_POINTER (replaces_id)) : NULL;
  if (entry != NULL && apply_update (self, entry, event, now))
    return replaces_id;

  id = replaces_id != 0 && adopt_id ? replaces_id : new_id (self);
  entry = g_new0 (IdEntry, 1);
  entry->touched = now;
  g_hash_table_replace (self->ids, GUINT_TO_POINTER (id), entry);

  key = hb_event_key (event);
  group = g_hash_table_lookup (self->groups, key);
  if (group != NULL) {
    group->count++;
    group->last_real = event->received;
    hb_event_free (group->event);
    group->event = event;
    entry->group = group;
    arm_timer (self, group);
    return id;
  }

  /* an application raising endless distinct notifications cannot make
   * the bridge hold them all: past the bound, what waits goes out now */
  if (g_hash_table_size (self->groups) >= MAX_GROUPS)
    hb_coalescer_flush_all (self);

  group = g_new0 (Group, 1);
  group->owner = self;
  group->key = g_steal_pointer (&key);
  group->event = event;
  group->count = 1;
  group->first_real = group->last_real = event->received;
  group->first = now;
  entry->group = group;
  g_hash_table_insert (self->groups, group->key, group);
  if (self->window_ms == 0)
    flush_group (self, group);
  else
    arm_timer (self, group);
  return id;
}

static int
compare_first (gconstpointer a,
               gconstpointer b)
{
  const Group *group_a = a, *group_b = b;

  return (group_a->first > group_b->first) - (group_a->first < group_b->first);
}

guint
hb_coalescer_flush_all (HbCoalescer *self)
{
  g_autoptr(GList) groups = NULL;
  guint n = 0;

  g_return_val_if_fail (HB_IS_COALESCER (self), 0);
  /* oldest first, so mail arrives in the order the events happened */
  groups = g_list_sort (g_hash_table_get_values (self->groups), compare_first);
  for (GList *l = groups; l != NULL; l = l->next, n++)
    flush_group (self, l->data);
  return n;
}

guint
hb_coalescer_get_n_pending (HbCoalescer *self)
{
  g_return_val_if_fail (HB_IS_COALESCER (self), 0);
  return g_hash_table_size (self->groups);
}

static void
hb_coalescer_finalize (GObject *object)
{
  HbCoalescer *self = HB_COALESCER (object);

  g_hash_table_destroy (self->ids);
  g_hash_table_destroy (self->groups);
  G_OBJECT_CLASS (hb_coalescer_parent_class)->finalize (object);
}

static void
hb_coalescer_class_init (HbCoalescerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hb_coalescer_finalize;
}

static void
hb_coalescer_init (HbCoalescer *self)
{
  self->groups = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) group_free);
  self->ids = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
}

HbCoalescer *
hb_coalescer_new (const HbConfig *config,
                  HbFlushFunc     flush,
                  gpointer        user_data)
{
  HbCoalescer *self = g_object_new (HB_TYPE_COALESCER, NULL);

  self->window_ms = config->coalesce_window_ms;
  self->max_delay_ms = MAX (config->coalesce_max_delay_ms, config->coalesce_window_ms);
  self->replace_ms = config->replace_window_ms;
  self->flush = flush;
  self->user_data = user_data;
  return self;
}
