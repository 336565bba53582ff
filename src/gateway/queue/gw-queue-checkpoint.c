/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-queue-checkpoint.c: WAL checkpoints off the writer thread
 *
 * SQLite's automatic checkpoint runs inside the COMMIT that crosses the
 * threshold, on the writer thread: every Send waiting for that commit also
 * waits for the copy into the database file and its fsync, which showed as
 * the tail of the Send latency. Here a thread with its own connection runs
 * passive checkpoints (they never block the writer) when the writer's
 * commits have grown the WAL past the threshold. The writer keeps appending
 * meanwhile, so such a checkpoint never quite reaches the end of the WAL
 * and the WAL could not start over: after each background round the writer
 * itself copies the few frames left, and the next commit restarts the WAL.
 */
#define G_LOG_DOMAIN "gw-queue"

#include "config.h"

#include "gw-queue-private.h"

/* SQLite's default automatic checkpoint size, in pages. */
#define CHECKPOINT_PAGES 1000
/* Far past this the checkpointer is not keeping up: the writer checkpoints
 * itself, so that the WAL cannot grow without bound. */
#define WRITER_CHECKPOINT_PAGES (8 * CHECKPOINT_PAGES)

struct _GwCheckpointer {
  sqlite3  *db;
  GThread  *thread;
  GMutex    lock;
  GCond     cond;
  gboolean  requested;
  gboolean  running;      /* requested or being done */
  gboolean  backfilled;   /* a round finished since the writer's last check */
  gboolean  stopping;
};

static gpointer
checkpoint_thread (gpointer user_data)
{
  GwCheckpointer *self = user_data;

  for (;;) {
    int rc;

    g_mutex_lock (&self->lock);
    while (!self->requested && !self->stopping)
      g_cond_wait (&self->cond, &self->lock);
    if (self->stopping) {
      g_mutex_unlock (&self->lock);
      break;
    }
    self->requested = FALSE;
    g_mutex_unlock (&self->lock);

    rc = sqlite3_wal_checkpoint_v2 (self->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
      g_debug ("Checkpoint of the queue failed: %s", sqlite3_errmsg (self->db));
    g_mutex_lock (&self->lock);
    self->running = FALSE;
    self->backfilled = TRUE;
    g_mutex_unlock (&self->lock);
  }
  return NULL;
}

/* Runs on the writer thread after each commit. */
static int
wal_hook_cb (void       *user_data,
             sqlite3    *db,
             const char *name,
             int         pages)
{
  GwCheckpointer *self = user_data;
  gboolean finish;

  if (pages < CHECKPOINT_PAGES)
    return SQLITE_OK;
  g_mutex_lock (&self->lock);
  finish = self->backfilled || pages >= WRITER_CHECKPOINT_PAGES;
  self->backfilled = FALSE;
  if (!finish && !self->running) {
    self->requested = self->running = TRUE;
    g_cond_signal (&self->cond);
  }
  g_mutex_unlock (&self->lock);
  if (finish)
    sqlite3_wal_checkpoint_v2 (db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
  return SQLITE_OK;
}

GwCheckpointer *
gw_checkpointer_new (const char *path,
                     sqlite3    *writer,
                     GError    **error)
{
  g_autofree GwCheckpointer *self = g_new0 (GwCheckpointer, 1);

  self->db = gw_queue_open_connection (path, error);
  if (self->db == NULL)
    return NULL;
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->thread = g_thread_try_new ("gw-queue-checkpoint", checkpoint_thread, self, error);
  if (self->thread == NULL) {
    sqlite3_close (self->db);
    g_mutex_clear (&self->lock);
    g_cond_clear (&self->cond);
    return NULL;
  }
  /* Replaces SQLite's automatic checkpoint on this connection. */
  sqlite3_wal_hook (writer, wal_hook_cb, self);
  return g_steal_pointer (&self);
}

void
gw_checkpointer_free (GwCheckpointer *self,
                      sqlite3        *writer)
{
  sqlite3_wal_hook (writer, NULL, NULL);
  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
  g_thread_join (self->thread);
  sqlite3_close (self->db);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}
