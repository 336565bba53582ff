/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-queue-sync.c: which commits wait for the disk, and which operations
 * run in a transaction of their own
 *
 * An accepted notification is on disk before its Send returns: a batch
 * with a submission (or an administrator's change) commits with
 * synchronous=FULL. A delivery's result and a claim do not need that
 * wait: a process that dies keeps what it wrote (the kernel has it), and
 * only a power failure can lose such a commit, which then sends the
 * message again, as the loss of the reply after the final "." would. Mail
 * relays do the same (an fsync when a message is accepted, none when it
 * is delivered). Those commits are flushed with the next FULL commit, a
 * checkpoint, after a short quiet (gw_queue_set_sync_delay()), or once the
 * oldest is five such delays old, whichever comes first, so the window
 * stays short at any load.
 */
#define G_LOG_DOMAIN "gw-queue"

#include "config.h"

#include "gw-queue-private.h"

gboolean
gw_queue_op_runs_alone (GwQueueOp *op)
{
  gsize bytes = 0;

  if (op->kind == GW_QUEUE_OP_PRUNE)
    return TRUE;
  if (op->kind != GW_QUEUE_OP_SUBMIT || op->submission->jobs == NULL)
    return FALSE;
  for (guint i = 0; i < op->submission->jobs->len; i++) {
    GwSubmissionJob *job = g_ptr_array_index (op->submission->jobs, i);

    bytes += gw_envelope_get_message_size (job->envelope);
  }
  return bytes > GW_QUEUE_ALONE_BYTES;
}

gboolean
gw_queue_batch_needs_sync (GPtrArray *batch)
{
  for (guint i = 0; i < batch->len; i++) {
    GwQueueOp *op = g_ptr_array_index (batch, i);

    if (op->kind != GW_QUEUE_OP_CLAIM && op->kind != GW_QUEUE_OP_RECORD)
      return TRUE;
  }
  return FALSE;
}

gboolean
gw_queue_set_synchronous (GwQueue  *self,
                          gboolean  full,
                          GError  **error)
{
  GwQueueWriter w = { self->writer, NULL, self->statements, NULL };
  sqlite3_stmt *stmt;

  if (self->synchronous_full == full)
    return TRUE;
  /* (SQLite refuses the change inside a transaction: it comes first.) */
  stmt = gw_queue_prepare (&w, full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", error);
  if (stmt == NULL || !gw_queue_step_done (&w, stmt, "synchronous", error))
    return FALSE;
  self->synchronous_full = full;
  return TRUE;
}

void
gw_queue_sync_wal (GwQueue *self)
{
  sqlite3_file *wal = NULL;
  int rc;

  rc = sqlite3_file_control (self->writer, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal);
  if (rc != SQLITE_OK || wal == NULL || wal->pMethods == NULL) {
    g_debug ("No write-ahead log to flush: %s", sqlite3_errstr (rc));
    return;
  }
  rc = wal->pMethods->xSync (wal, SQLITE_SYNC_NORMAL);
  if (rc != SQLITE_OK)
    g_warning ("Cannot flush the queue's log to disk: %s", sqlite3_errstr (rc));
  else
    self->unsynced = FALSE;
}

void
gw_queue_set_sync_delay (GwQueue *self,
                         gint64   delay_us)
{
  g_return_if_fail (GW_IS_QUEUE (self));
  g_return_if_fail (delay_us > 0);
  g_atomic_int_set (&self->sync_delay_us, (gint) MIN (delay_us, G_MAXINT));
}
