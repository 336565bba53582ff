/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-change-folder.c: the folder behind DeliveriesChanged (issue 18)
 *
 * The folder is given an emit function of this test that records each
 * batch, so what a DeliveriesChanged would carry is seen exactly: a quiet
 * change alone and at once; a window's changes in order, each delivery once
 * with its latest state and details, split into batches of at most
 * GW_CHANGE_FOLDER_MAX_BATCH; and, with a writer thread adding while the
 * main context ends the windows, every delivery's changes in order and its
 * last one always signalled. The D-Bus side is tests/dbus/test-signals.c.
 */
#define G_LOG_DOMAIN "test-change-folder"

#include "config.h"

#include "gw-service-signals.h"

/* Long enough that no window ends by itself while a test adds: freeing the
 * folder ends it. Thirty days, longer than the machine has been up (the
 * monotonic clock starts at boot): a folder that took "never signalled" for
 * time 0 would fold the first change instead of signalling it. */
#define WINDOW_NEVER_MS (30u * 24 * 3600 * 1000)

typedef struct {
  char    *id;
  char    *state;
  guint32  n;    /* the details' "n", G_MAXUINT32 without details */
} Entry;

typedef struct {
  GMutex     lock;
  GPtrArray *batches;   /* of GArray of Entry, as emitted */
  GThread   *emitter;   /* the thread of the last emission */
} Recorder;

static void
entry_clear (gpointer data)
{
  Entry *entry = data;

  g_free (entry->id);
  g_free (entry->state);
}

static void
record_cb (const GwChange *changes,
           guint           n_changes,
           gpointer        user_data)
{
  Recorder *rec = user_data;
  GArray *batch = g_array_sized_new (FALSE, TRUE, sizeof (Entry), n_changes);

  g_array_set_clear_func (batch, entry_clear);
  for (guint i = 0; i < n_changes; i++) {
    Entry entry = { g_strdup (changes[i].delivery_id), g_strdup (changes[i].state), G_MAXUINT32 };

    /* (The test numbers its changes in the attempts.) */
    if (changes[i].details != NULL)
      entry.n = changes[i].details->attempts;
    g_array_append_val (batch, entry);
  }
  g_mutex_lock (&rec->lock);
  g_ptr_array_add (rec->batches, batch);
  rec->emitter = g_thread_self ();
  g_mutex_unlock (&rec->lock);
}

static void
recorder_init (Recorder *rec)
{
  g_mutex_init (&rec->lock);
  rec->batches = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  rec->emitter = NULL;
}

static void
recorder_clear (Recorder *rec)
{
  g_ptr_array_unref (rec->batches);
  g_mutex_clear (&rec->lock);
}

static guint
recorder_n_batches (Recorder *rec)
{
  guint n;

  g_mutex_lock (&rec->lock);
  n = rec->batches->len;
  g_mutex_unlock (&rec->lock);
  return n;
}

static Entry *
batch_entry (GArray *batch,
             guint   i)
{
  return &g_array_index (batch, Entry, i);
}

static void
add (GwChangeFolder *folder,
     const char     *id,
     const char     *state,
     guint32         n)
{
  g_autoptr(GwDeliveryDetails) details = gw_delivery_details_new ("p", n, 0, NULL, NULL, NULL);

  gw_change_folder_add (id, state, details, folder);
}

/* A change while the bus is quiet is signalled at once, alone, by the
 * thread that adds it. */
static void
test_quiet (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  Recorder rec;
  GwChangeFolder *folder;
  GArray *batch;

  recorder_init (&rec);
  folder = gw_change_folder_new (context, GW_CHANGE_FOLDER_WINDOW_MS, record_cb, &rec);
  add (folder, "d1", "queued", 7);
  g_assert_cmpuint (rec.batches->len, ==, 1);
  batch = g_ptr_array_index (rec.batches, 0);
  g_assert_cmpuint (batch->len, ==, 1);
  g_assert_cmpstr (batch_entry (batch, 0)->id, ==, "d1");
  g_assert_cmpstr (batch_entry (batch, 0)->state, ==, "queued");
  g_assert_cmpuint (batch_entry (batch, 0)->n, ==, 7);
  g_assert_true (rec.emitter == g_thread_self ());
  /* A change without details goes out without them. */
  gw_change_folder_add ("d2", "queued", NULL, folder);
  gw_change_folder_free (folder);
  g_assert_cmpuint (rec.batches->len, ==, 2);
  batch = g_ptr_array_index (rec.batches, 1);
  g_assert_cmpuint (batch->len, ==, 1);
  g_assert_cmpstr (batch_entry (batch, 0)->id, ==, "d2");
  g_assert_cmpuint (batch_entry (batch, 0)->n, ==, G_MAXUINT32);
  recorder_clear (&rec);
}

/* One window of @n_deliveries deliveries, each changed three times and the
 * changes interleaved: each delivery once, in the order of its first change,
 * with its latest state and details, in batches of at most
 * GW_CHANGE_FOLDER_MAX_BATCH, none empty. */
static void
check_window (guint n_deliveries)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  const char *states[] = { "queued", "sending", "sent" };
  Recorder rec;
  GwChangeFolder *folder;
  guint expected_batches, seen = 0;

  recorder_init (&rec);
  folder = gw_change_folder_new (context, WINDOW_NEVER_MS, record_cb, &rec);
  add (folder, "quiet", "queued", 0);
  g_assert_cmpuint (rec.batches->len, ==, 1);
  for (guint s = 0; s < G_N_ELEMENTS (states); s++) {
    for (guint i = 0; i < n_deliveries; i++) {
      /* the later states in reverse order: position is the first change's */
      guint d = s == 0 ? i : n_deliveries - 1 - i;
      g_autofree char *id = g_strdup_printf ("d%u", d);

      add (folder, id, states[s], s * 100000 + d);
    }
  }
  /* Nothing of the window went out yet: it is still open. */
  g_assert_cmpuint (rec.batches->len, ==, 1);
  gw_change_folder_free (folder);

  expected_batches = (n_deliveries + GW_CHANGE_FOLDER_MAX_BATCH - 1) / GW_CHANGE_FOLDER_MAX_BATCH;
  g_assert_cmpuint (rec.batches->len, ==, 1 + expected_batches);
  for (guint b = 1; b < rec.batches->len; b++) {
    GArray *batch = g_ptr_array_index (rec.batches, b);

    g_assert_cmpuint (batch->len, >, 0);
    g_assert_cmpuint (batch->len, <=, GW_CHANGE_FOLDER_MAX_BATCH);
    /* only the last batch is short */
    if (b + 1 < rec.batches->len)
      g_assert_cmpuint (batch->len, ==, GW_CHANGE_FOLDER_MAX_BATCH);
    for (guint i = 0; i < batch->len; i++, seen++) {
      Entry *entry = batch_entry (batch, i);
      g_autofree char *id = g_strdup_printf ("d%u", seen);

      g_assert_cmpstr (entry->id, ==, id);
      g_assert_cmpstr (entry->state, ==, "sent");
      g_assert_cmpuint (entry->n, ==, 200000 + seen);
    }
  }
  g_assert_cmpuint (seen, ==, n_deliveries);
  recorder_clear (&rec);
}

static void
test_window_split (void)
{
  check_window (1);
  check_window (GW_CHANGE_FOLDER_MAX_BATCH);
  check_window (GW_CHANGE_FOLDER_MAX_BATCH + 1);
  check_window (2 * GW_CHANGE_FOLDER_MAX_BATCH + 276);
}

#define N_THREADED 3000

static gpointer
writer_thread (gpointer user_data)
{
  GwChangeFolder *folder = user_data;

  /* As the queue's writer reports them: a new delivery queued while the
   * ones before it are being sent and sent. */
  for (guint i = 0; i < N_THREADED + 2; i++) {
    char id[32];

    if (i < N_THREADED) {
      g_snprintf (id, sizeof id, "d%u", i);
      add (folder, id, "queued", 0);
    }
    if (i >= 1 && i - 1 < N_THREADED) {
      g_snprintf (id, sizeof id, "d%u", i - 1);
      add (folder, id, "sending", 1);
    }
    if (i >= 2) {
      g_snprintf (id, sizeof id, "d%u", i - 2);
      add (folder, id, "sent", 2);
    }
  }
  return NULL;
}

static int
rank (const char *state)
{
  if (g_str_equal (state, "queued"))
    return 0;
  if (g_str_equal (state, "sending"))
    return 1;
  g_assert_cmpstr (state, ==, "sent");
  return 2;
}

static gboolean
heartbeat_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Any number of windows, timed by the clock, while another thread adds:
 * each delivery's changes keep their order and end with its last one, the
 * deliveries first appear in the order they came, and the changes went out
 * in fewer batches than there were changes. */
static void
test_threaded (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSource) heartbeat = g_timeout_source_new (50);
  g_autoptr(GHashTable) last_rank = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  Recorder rec;
  GwChangeFolder *folder;
  GThread *thread;
  guint n_sent = 0, n_first = 0, n_changes = 0, checked = 0;

  recorder_init (&rec);
  /* the writer may end before a window does: keep the loop waking */
  g_source_set_callback (heartbeat, heartbeat_cb, NULL, NULL);
  g_source_attach (heartbeat, context);
  folder = gw_change_folder_new (context, GW_CHANGE_FOLDER_WINDOW_MS, record_cb, &rec);
  thread = g_thread_new ("writer", writer_thread, folder);

  while (n_sent < N_THREADED && g_get_monotonic_time () < deadline) {
    guint n_batches;

    g_main_context_iteration (context, TRUE);
    n_batches = recorder_n_batches (&rec);
    for (; checked < n_batches; checked++) {
      GArray *batch;
      g_autoptr(GHashTable) in_batch = g_hash_table_new (g_str_hash, g_str_equal);

      g_mutex_lock (&rec.lock);
      batch = g_array_ref (g_ptr_array_index (rec.batches, checked));
      g_mutex_unlock (&rec.lock);
      g_assert_cmpuint (batch->len, >=, 1);
      g_assert_cmpuint (batch->len, <=, GW_CHANGE_FOLDER_MAX_BATCH);
      n_changes += batch->len;
      for (guint i = 0; i < batch->len; i++) {
        Entry *entry = batch_entry (batch, i);
        gpointer previous;
        int r = rank (entry->state);

        g_assert_false (g_hash_table_contains (in_batch, entry->id));
        g_hash_table_add (in_batch, entry->id);
        g_assert_cmpuint (entry->n, ==, (guint) r);
        if (g_hash_table_lookup_extended (last_rank, entry->id, NULL, &previous)) {
          g_assert_cmpint (GPOINTER_TO_INT (previous), <, r);
        } else {
          g_autofree char *expected = g_strdup_printf ("d%u", n_first++);

          g_assert_cmpstr (entry->id, ==, expected);
        }
        g_hash_table_insert (last_rank, g_strdup (entry->id), GINT_TO_POINTER (r));
        if (r == 2)
          n_sent++;
      }
      g_array_unref (batch);
    }
  }
  g_thread_join (thread);
  g_assert_cmpuint (n_sent, ==, N_THREADED);
  g_assert_cmpuint (n_first, ==, N_THREADED);
  g_test_message ("%u changes of %u deliveries (%u added) in %u batches", n_changes,
                  N_THREADED, 3 * N_THREADED, checked);
  g_assert_cmpuint (checked, <, n_changes);
  gw_change_folder_free (folder);
  /* every change was out before: nothing waited */
  g_assert_cmpuint (rec.batches->len, ==, checked);
  g_source_destroy (heartbeat);
  recorder_clear (&rec);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/change-folder/quiet", test_quiet);
  g_test_add_func ("/change-folder/window-split", test_window_split);
  g_test_add_func ("/change-folder/threaded", test_threaded);
  return g_test_run ();
}
