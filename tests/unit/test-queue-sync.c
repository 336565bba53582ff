/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-queue-sync.c: which of the queue's commits wait for the disk
 *
 * SQLite runs over a VFS of this test that passes every call to the real
 * one and counts, for the write-ahead log, the writes and the syncs. A
 * Send's reply must come only once every byte of its commit is synced; a
 * delivery's result is written without a sync of its own, and the writer
 * flushes it when the queue goes quiet.
 */
#define G_LOG_DOMAIN "test-queue-sync"

#include "config.h"

#include <sqlite3.h>

#include "gw-queue-private.h"
#include "herald-test-util.h"
#include "queue-test-util.h"

typedef struct {
  sqlite3_file  base;
  sqlite3_file *real;      /* allocated right after this struct */
  gboolean      wal;
} CountingFile;

static sqlite3_vfs *real_vfs;
static sqlite3_vfs counting_vfs;
static gint wal_writes;   /* xWrite calls on a write-ahead log */
static gint wal_syncs;    /* xSync calls on a write-ahead log */
static gint wal_unsynced; /* 1 while a log has writes not synced yet */

#define REAL(file) (((CountingFile *) (file))->real)

static int
counting_close (sqlite3_file *file)
{
  int rc = REAL (file)->pMethods->xClose (REAL (file));

  return rc;
}

static int
counting_read (sqlite3_file *file, void *buf, int amount, sqlite3_int64 offset)
{
  return REAL (file)->pMethods->xRead (REAL (file), buf, amount, offset);
}

static int
counting_write (sqlite3_file *file, const void *buf, int amount, sqlite3_int64 offset)
{
  int rc = REAL (file)->pMethods->xWrite (REAL (file), buf, amount, offset);

  if (((CountingFile *) file)->wal) {
    g_atomic_int_inc (&wal_writes);
    g_atomic_int_set (&wal_unsynced, 1);
  }
  return rc;
}

static int
counting_truncate (sqlite3_file *file, sqlite3_int64 size)
{
  return REAL (file)->pMethods->xTruncate (REAL (file), size);
}

static int
counting_sync (sqlite3_file *file, int flags)
{
  int rc;

  /* Cleared before the sync: a write racing it stays counted unsynced. */
  if (((CountingFile *) file)->wal)
    g_atomic_int_set (&wal_unsynced, 0);
  rc = REAL (file)->pMethods->xSync (REAL (file), flags);
  if (((CountingFile *) file)->wal)
    g_atomic_int_inc (&wal_syncs);
  return rc;
}

static int
counting_file_size (sqlite3_file *file, sqlite3_int64 *size)
{
  return REAL (file)->pMethods->xFileSize (REAL (file), size);
}

static int
counting_lock (sqlite3_file *file, int lock)
{
  return REAL (file)->pMethods->xLock (REAL (file), lock);
}

static int
counting_unlock (sqlite3_file *file, int lock)
{
  return REAL (file)->pMethods->xUnlock (REAL (file), lock);
}

static int
counting_check_reserved_lock (sqlite3_file *file, int *out)
{
  return REAL (file)->pMethods->xCheckReservedLock (REAL (file), out);
}

static int
counting_file_control (sqlite3_file *file, int op, void *arg)
{
  return REAL (file)->pMethods->xFileControl (REAL (file), op, arg);
}

static int
counting_sector_size (sqlite3_file *file)
{
  return REAL (file)->pMethods->xSectorSize (REAL (file));
}

static int
counting_device_characteristics (sqlite3_file *file)
{
  return REAL (file)->pMethods->xDeviceCharacteristics (REAL (file));
}

static int
counting_shm_map (sqlite3_file *file, int region, int size, int extend, void volatile **out)
{
  return REAL (file)->pMethods->xShmMap (REAL (file), region, size, extend, out);
}

static int
counting_shm_lock (sqlite3_file *file, int offset, int n, int flags)
{
  return REAL (file)->pMethods->xShmLock (REAL (file), offset, n, flags);
}

static void
counting_shm_barrier (sqlite3_file *file)
{
  REAL (file)->pMethods->xShmBarrier (REAL (file));
}

static int
counting_shm_unmap (sqlite3_file *file, int delete_flag)
{
  return REAL (file)->pMethods->xShmUnmap (REAL (file), delete_flag);
}

static int
counting_fetch (sqlite3_file *file, sqlite3_int64 offset, int amount, void **out)
{
  return REAL (file)->pMethods->xFetch (REAL (file), offset, amount, out);
}

static int
counting_unfetch (sqlite3_file *file, sqlite3_int64 offset, void *page)
{
  return REAL (file)->pMethods->xUnfetch (REAL (file), offset, page);
}

static const sqlite3_io_methods counting_methods = {
  .iVersion = 3,
  .xClose = counting_close,
  .xRead = counting_read,
  .xWrite = counting_write,
  .xTruncate = counting_truncate,
  .xSync = counting_sync,
  .xFileSize = counting_file_size,
  .xLock = counting_lock,
  .xUnlock = counting_unlock,
  .xCheckReservedLock = counting_check_reserved_lock,
  .xFileControl = counting_file_control,
  .xSectorSize = counting_sector_size,
  .xDeviceCharacteristics = counting_device_characteristics,
  .xShmMap = counting_shm_map,
  .xShmLock = counting_shm_lock,
  .xShmBarrier = counting_shm_barrier,
  .xShmUnmap = counting_shm_unmap,
  .xFetch = counting_fetch,
  .xUnfetch = counting_unfetch,
};

static int
counting_open (sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out_flags)
{
  CountingFile *counting = (CountingFile *) file;
  int rc;

  counting->real = (sqlite3_file *) (counting + 1);
  counting->wal = (flags & SQLITE_OPEN_WAL) != 0;
  rc = real_vfs->xOpen (real_vfs, name, counting->real, flags, out_flags);
  /* SQLite calls xClose only when pMethods is set. */
  file->pMethods = counting->real->pMethods != NULL ? &counting_methods : NULL;
  return rc;
}

/* Installs the counting VFS as the default, in front of the real one. */
static void
install_counting_vfs (void)
{
  real_vfs = sqlite3_vfs_find (NULL);
  g_assert_nonnull (real_vfs);
  counting_vfs = *real_vfs;
  counting_vfs.zName = "herald-test-counting";
  counting_vfs.szOsFile = (int) sizeof (CountingFile) + real_vfs->szOsFile;
  counting_vfs.xOpen = counting_open;
  g_assert_cmpint (sqlite3_vfs_register (&counting_vfs, 1), ==, SQLITE_OK);
}

typedef QueueFixture Fixture;

/* Waits until the writer flushed the log (bounded). */
static void
wait_until_synced (void)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (g_atomic_int_get (&wal_unsynced) && g_get_monotonic_time () < deadline)
    g_usleep (1000);
  g_assert_cmpint (g_atomic_int_get (&wal_unsynced), ==, 0);
}

static void
test_submit_waits_for_disk (Fixture *f, gconstpointer data)
{
  const char * const rcpts[] = { "a@example.org", "b@example.org", NULL };

  for (guint i = 0; i < 20; i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *subject = g_strdup_printf ("Accepted %u", i);
    gint writes = g_atomic_int_get (&wal_writes);
    g_autofree char *id = queue_test_submit (f->queue, queue_test_submission ("relay", subject, rcpts, 0),
                                             &error);

    g_assert_no_error (error);
    g_assert_nonnull (id);
    /* Written, and every write synced before the reply. */
    g_assert_cmpint (g_atomic_int_get (&wal_writes), >, writes);
    g_assert_cmpint (g_atomic_int_get (&wal_unsynced), ==, 0);
  }
}

/* Claims @profile's one job and records it sent. */
static void
deliver_one (Fixture *f)
{
  g_autoptr(GPtrArray) jobs = queue_test_claim (f->queue, "relay", 16);
  GwAttemptResult result = { .state = "sent", .reply = "250 2.0.0 Ok", .started = 1, .duration_us = 1 };
  g_autoptr(GError) error = NULL;
  GwQueuedJob *job;

  g_assert_cmpuint (jobs->len, ==, 1);
  job = g_ptr_array_index (jobs, 0);
  gw_envelope_set_pending_result (job->envelope, GW_RECIPIENT_SENT, "250 2.0.0 Ok", NULL);
  g_assert_true (queue_test_record (f->queue, job, &result, &error));
  g_assert_no_error (error);
}

static void
test_results_not_waited_for (Fixture *f, gconstpointer data)
{
  const char * const rcpts[] = { "a@example.org", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  gint syncs, writes;

  /* Quiet, for the writer, only after an hour. */
  gw_queue_set_sync_delay (f->queue, G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC);
  id = queue_test_submit (f->queue, queue_test_submission ("relay", "Result", rcpts, 0), &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_atomic_int_get (&wal_unsynced), ==, 0);

  /* The claim and the result: written, not synced. */
  syncs = g_atomic_int_get (&wal_syncs);
  writes = g_atomic_int_get (&wal_writes);
  deliver_one (f);
  g_assert_cmpint (g_atomic_int_get (&wal_writes), >, writes);
  g_assert_cmpint (g_atomic_int_get (&wal_syncs), ==, syncs);
  g_assert_cmpint (g_atomic_int_get (&wal_unsynced), ==, 1);

  /* Closing the queue flushes them. */
  gw_queue_close (f->queue);
  g_assert_cmpint (g_atomic_int_get (&wal_unsynced), ==, 0);
}

static void
test_results_flushed_when_quiet (Fixture *f, gconstpointer data)
{
  const char * const rcpts[] = { "a@example.org", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *id = queue_test_submit (f->queue, queue_test_submission ("relay", "Quiet", rcpts, 0),
                                           &error);
  g_autofree char *state = NULL;

  g_assert_no_error (error);
  deliver_one (f);
  /* Nothing else comes: the writer flushes the result by itself. */
  wait_until_synced ();
  state = queue_test_state (f->queue, id);
  g_assert_cmpstr (state, ==, "sent");
}

static void
test_result_flushed_by_next_submit (Fixture *f, gconstpointer data)
{
  const char * const rcpts[] = { "a@example.org", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  gw_queue_set_sync_delay (f->queue, G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC);
  first = queue_test_submit (f->queue, queue_test_submission ("relay", "First", rcpts, 0), &error);
  g_assert_no_error (error);
  deliver_one (f);
  g_assert_cmpint (g_atomic_int_get (&wal_unsynced), ==, 1);
  /* A Send right after: its reply waits for its commit and everything
   * before it to reach the disk. */
  second = queue_test_submit (f->queue, queue_test_submission ("relay", "Second", rcpts, 0), &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_atomic_int_get (&wal_unsynced), ==, 0);
}

/* A large message (and a prune) runs in a transaction of its own, with
 * no savepoint: SQLite then keeps no in-memory copy of the pages it
 * reuses. Small ones share the batch. */
static void
test_large_runs_alone (void)
{
  const char * const rcpts[] = { "a@example.org", NULL };
  GwQueueOp small = { .kind = GW_QUEUE_OP_SUBMIT };
  GwQueueOp large = { .kind = GW_QUEUE_OP_SUBMIT };
  GwQueueOp prune = { .kind = GW_QUEUE_OP_PRUNE };
  GwQueueOp record = { .kind = GW_QUEUE_OP_RECORD };

  small.submission = queue_test_submission ("relay", "Small", rcpts, 1024);
  large.submission = queue_test_submission ("relay", "Large", rcpts, GW_QUEUE_ALONE_BYTES + 1);
  g_assert_false (gw_queue_op_runs_alone (&small));
  g_assert_true (gw_queue_op_runs_alone (&large));
  g_assert_true (gw_queue_op_runs_alone (&prune));
  g_assert_false (gw_queue_op_runs_alone (&record));
  gw_submission_free (small.submission);
  gw_submission_free (large.submission);
}

/* Busy without a pause: a result is flushed before the next batch once
 * it is five delays old, though the writer never goes quiet that long. */
static void
test_results_flushed_when_old (Fixture *f, gconstpointer data)
{
  const char * const rcpts[] = { "a@example.org", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autoptr(GPtrArray) none = NULL;
  gint syncs;

  /* Quiet: 50 ms, too long for this test to see; old: 250 ms. */
  gw_queue_set_sync_delay (f->queue, 50 * G_TIME_SPAN_MILLISECOND);
  id = queue_test_submit (f->queue, queue_test_submission ("relay", "Old", rcpts, 0), &error);
  g_assert_no_error (error);
  deliver_one (f);
  /* Keep the writer busy with claims that find nothing, every 10 ms. */
  for (gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
       g_atomic_int_get (&wal_unsynced) && g_get_monotonic_time () < deadline;) {
    g_clear_pointer (&none, g_ptr_array_unref);
    none = queue_test_claim (f->queue, "relay", 16);
    g_assert_cmpuint (none->len, ==, 0);
    g_usleep (10 * G_TIME_SPAN_MILLISECOND);
  }
  g_assert_cmpint (g_atomic_int_get (&wal_unsynced), ==, 0);
  syncs = g_atomic_int_get (&wal_syncs);
  g_assert_cmpint (syncs, >, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  queue_test_init_logging ();
  install_counting_vfs ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, queue_fixture_setup, func, queue_fixture_teardown)
  ADD ("/queue/sync/submit", test_submit_waits_for_disk);
  ADD ("/queue/sync/results-not-waited-for", test_results_not_waited_for);
  ADD ("/queue/sync/results-when-quiet", test_results_flushed_when_quiet);
  ADD ("/queue/sync/results-when-old", test_results_flushed_when_old);
  ADD ("/queue/sync/result-then-submit", test_result_flushed_by_next_submit);
#undef ADD
  g_test_add_func ("/queue/sync/large-runs-alone", test_large_runs_alone);
  return g_test_run ();
}
