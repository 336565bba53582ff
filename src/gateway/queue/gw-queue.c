/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-queue.c: the durable queue's write side and its writer thread */
#define G_LOG_DOMAIN "gw-queue"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-queue-private.h"

/* Upper bound of operations folded into one transaction. */
#define GROUP_COMMIT_MAX 512

/* How long, and below how many operations, a batch of results waits for
 * more (see gather_batch()). */
#define RECORD_LINGER_US 1000
#define RECORD_LINGER_MIN 64

enum {
  SIGNAL_DELIVERY_CHANGED,
  SIGNAL_WORK_QUEUED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (GwQueue, gw_queue, G_TYPE_OBJECT)

static void
op_free (GwQueueOp *op)
{
  g_clear_object (&op->task);
  g_clear_pointer (&op->submission, gw_submission_free);
  g_free (op->profile);
  g_free (op->delivery_id);
  g_free (op->remote_id);
  g_clear_pointer (&op->result, gw_attempt_result_free);
  g_clear_pointer (&op->claimed, g_ptr_array_unref);
  g_clear_error (&op->error);
  g_free (op);
}

/* ---- the writer thread ---- */

typedef struct {
  GHashTable *changed;   /* delivery id → state */
  GHashTable *details;   /* delivery id → GwDeliveryDetails for the signal */
} ChangedEmission;

static void
changed_emission_free (ChangedEmission *emission)
{
  g_hash_table_unref (emission->changed);
  g_hash_table_unref (emission->details);
  g_free (emission);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChangedEmission, changed_emission_free)

/* What a batch sends back to the owner's main context, in one source:
 * each source attached from this thread wakes that context. */
typedef struct {
  GwQueue         *queue;     /* set once handed to that context */
  GPtrArray       *done;      /* nullable: operations to complete */
  gboolean         queued;    /* a delivery became "queued": "work-queued" */
  ChangedEmission *emission;  /* nullable: for "delivery-changed" */
} BatchReturn;

static void
batch_return_free (BatchReturn *back)
{
  g_clear_pointer (&back->done, g_ptr_array_unref);
  g_clear_pointer (&back->emission, changed_emission_free);
  g_clear_object (&back->queue);
  g_free (back);
}

static void
return_op (GwQueueOp *op)
{
  if (op->error != NULL) {
    g_task_return_error (op->task, g_steal_pointer (&op->error));
    return;
  }
  switch (op->kind) {
  case GW_QUEUE_OP_SUBMIT:
    g_task_return_pointer (op->task, g_strdup (op->submission->delivery_id), g_free);
    break;
  case GW_QUEUE_OP_CLAIM:
    g_task_return_pointer (op->task, g_steal_pointer (&op->claimed),
                           (GDestroyNotify) g_ptr_array_unref);
    break;
  case GW_QUEUE_OP_PRUNE:
    g_task_return_int (op->task, op->pruned);
    break;
  case GW_QUEUE_OP_RECORD:
  case GW_QUEUE_OP_CANCEL:
  case GW_QUEUE_OP_RETRY:
  case GW_QUEUE_OP_POKE:
  case GW_QUEUE_OP_WAKE_HELD:
  case GW_QUEUE_OP_STOP:
  default:
    g_task_return_boolean (op->task, TRUE);
    break;
  }
}

/* Transaction control with statements kept prepared: parsing them again
 * for every operation of every batch was a visible share of the writer. */
static gboolean
writer_exec (GwQueueWriter     *w,
             const char *sql,
             GError    **error)
{
  sqlite3_stmt *stmt = gw_queue_prepare (w, sql, error);

  return stmt != NULL && gw_queue_step_done (w, stmt, sql, error);
}

/* Reads, inside the batch's transaction, what each changed delivery's
 * signal shows. */
static GHashTable *
read_changed_details (GwQueueWriter *w)
{
  GHashTable *details = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                               (GDestroyNotify) gw_delivery_details_unref);
  GHashTableIter iter;
  gpointer id;

  g_hash_table_iter_init (&iter, w->changed);
  while (g_hash_table_iter_next (&iter, &id, NULL)) {
    GwDeliveryDetails *known = g_hash_table_lookup (w->known, id);

    g_hash_table_insert (details, g_strdup (id),
                         known != NULL ? gw_delivery_details_ref (known) : gw_queue_read_signal_details (w, id));
  }
  return details;
}

static void
call_change_func (GwQueue    *self,
                  GHashTable *changed,
                  GHashTable *details)
{
  GHashTableIter iter;
  gpointer id, state;

  g_mutex_lock (&self->change_lock);
  if (self->change_func != NULL) {
    g_hash_table_iter_init (&iter, changed);
    while (g_hash_table_iter_next (&iter, &id, &state))
      self->change_func (id, state, g_hash_table_lookup (details, id), self->change_data);
  }
  g_mutex_unlock (&self->change_lock);
}

void
gw_queue_set_change_func (GwQueue          *self,
                          GwQueueChangeFunc func,
                          gpointer          user_data)
{
  g_mutex_lock (&self->change_lock);
  self->change_func = func;
  self->change_data = user_data;
  g_mutex_unlock (&self->change_lock);
}

/* Runs the operations of @batch one after the other in the open
 * transaction, without savepoints: about a tenth of the writer's work
 * went into them, and an operation fails rarely (issue 18). Stops at the
 * first that fails. */
static gboolean
run_ops_together (GwQueueWriter *w,
                  GPtrArray     *batch)
{
  for (guint i = 0; i < batch->len; i++) {
    GwQueueOp *op = g_ptr_array_index (batch, i);

    if (!gw_queue_run_op (w, op, &op->error))
      return FALSE;
  }
  return TRUE;
}

/* Forgets what a run of @batch that was rolled back left in its
 * operations and in @w, before they run again. */
static void
reset_batch (GwQueueWriter *w,
             GPtrArray     *batch)
{
  for (guint i = 0; i < batch->len; i++) {
    GwQueueOp *op = g_ptr_array_index (batch, i);

    g_clear_error (&op->error);
    g_clear_pointer (&op->claimed, g_ptr_array_unref);
  }
  g_hash_table_remove_all (w->changed);
  g_hash_table_remove_all (w->known);
}

/* Runs the operations of @batch in the open transaction, each under a
 * savepoint, so that one failing operation does not sink the others.
 * Sets @batch_error when SQLite rolled the whole transaction back. */
static void
run_ops_guarded (GwQueueWriter *w,
                 GPtrArray     *batch,
                 GError       **batch_error)
{
  for (guint i = 0; i < batch->len; i++) {
    GwQueueOp *op = g_ptr_array_index (batch, i);

    if (!writer_exec (w, "SAVEPOINT op", &op->error)) {
      if (sqlite3_get_autocommit (w->db)) {
        g_propagate_error (batch_error, g_error_copy (op->error));
        return;
      }
      continue;
    }
    if (!gw_queue_run_op (w, op, &op->error)) {
      if (sqlite3_get_autocommit (w->db)) {
        g_propagate_error (batch_error, g_error_copy (op->error));
        return;
      }
      writer_exec (w, "ROLLBACK TO op", NULL);
    }
    writer_exec (w, "RELEASE op", NULL);
  }
}

/* Runs every operation of @batch in one transaction. They run together
 * first; when one fails, the transaction is rolled back and they run
 * again, each under a savepoint, so that one failing operation does not
 * sink the others. One operation alone needs neither: if it fails, the
 * transaction is rolled back. (Savepoints per operation also made SQLite
 * free and glibc trim, then fault in again, the thread's heap on every
 * batch: a visible share of the writer at one connection.)
 *
 * On a full disk or an I/O error SQLite may roll the whole transaction
 * back by itself: then the rest of the batch must not run in autocommit
 * mode (each statement committed alone while the batch reports failure),
 * so every operation of the batch fails with that error instead. Either
 * way the connection is left outside any transaction, ready for the next
 * batch: nothing stays poisoned once space frees.
 *
 * Returns what the batch changed, for the signals, or NULL. */
static ChangedEmission *
run_batch (GwQueue   *self,
           GPtrArray *batch)
{
  ChangedEmission *emission = NULL;
  GwQueueWriter w = { self->writer, g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free),
               self->statements,
               g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) gw_delivery_details_unref) };
  g_autoptr(GError) batch_error = NULL;
  g_autoptr(GHashTable) details = NULL;
  gboolean failed = FALSE;
  gboolean full = gw_queue_batch_needs_sync (batch);

  if (gw_queue_set_synchronous (self, full, &batch_error) &&
      writer_exec (&w, "BEGIN IMMEDIATE", &batch_error)) {
    failed = !run_ops_together (&w, batch);
    if (failed && sqlite3_get_autocommit (w.db)) {
      for (guint i = 0; i < batch->len && batch_error == NULL; i++) {
        GwQueueOp *op = g_ptr_array_index (batch, i);
        if (op->error != NULL)
          batch_error = g_error_copy (op->error);
      }
    } else if (failed && batch->len > 1) {
      writer_exec (&w, "ROLLBACK", NULL);
      reset_batch (&w, batch);
      g_atomic_int_inc (&self->batches_rerun);
      g_debug ("A batch of %u operations runs again, each under a savepoint", batch->len);
      failed = FALSE;
      if (writer_exec (&w, "BEGIN IMMEDIATE", &batch_error))
        run_ops_guarded (&w, batch, &batch_error);
    }
    if (failed)
      g_hash_table_remove_all (w.changed);
    if (batch_error == NULL && !failed)
      details = read_changed_details (&w);
    if (batch_error == NULL && !failed && writer_exec (&w, "COMMIT", &batch_error)) {
      /* A FULL commit flushes the NORMAL ones before it too. */
      if (!full && !self->unsynced)
        self->unsynced_since = g_get_monotonic_time ();
      self->unsynced = !full;
    }
    if (!sqlite3_get_autocommit (w.db))
      writer_exec (&w, "ROLLBACK", NULL);
  }
  /* The callers need only the ids: the messages go now, not with the
   * operations. (A large message runs alone, so a batch holds only small
   * ones to its end.) */
  for (guint i = 0; i < batch->len; i++) {
    GwQueueOp *op = g_ptr_array_index (batch, i);
    if (op->kind == GW_QUEUE_OP_SUBMIT)
      gw_submission_release_jobs (op->submission);
  }

  if (batch_error != NULL) {
    g_warning ("%s", batch_error->message);
    g_hash_table_remove_all (w.changed);
    for (guint i = 0; i < batch->len; i++) {
      GwQueueOp *op = g_ptr_array_index (batch, i);
      g_clear_error (&op->error);
      op->error = g_error_copy (batch_error);
    }
  }

  if (g_hash_table_size (w.changed) > 0 && details != NULL) {
    emission = g_new0 (ChangedEmission, 1);
    emission->changed = g_steal_pointer (&w.changed);
    emission->details = g_steal_pointer (&details);
  }
  g_clear_pointer (&w.changed, g_hash_table_unref);
  g_hash_table_unref (w.known);
  return emission;
}

/* Runs @func in the owner's main context, always from an idle source
 * there: g_main_context_invoke() would run it on this thread whenever the
 * owner's thread happened to be between two iterations (the writer's
 * default context is the same), and the callbacks are not thread-safe. */
static void
run_in_owner_context (GwQueue       *self,
                      GSourceFunc    func,
                      gpointer       data,
                      GDestroyNotify destroy)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, destroy);
  g_source_set_static_name (source, "[herald] queue results");
  g_source_attach (source, self->context);
}

/* After the batch's callers have their answers: the change function on
 * this thread, then, in the owner's main context, "work-queued" and, when
 * someone listens (tests, mostly: emitting it for each delivery was a
 * twentieth of the main thread's time under load), "delivery-changed". */
static void
take_changes (GwQueue         *self,
              ChangedEmission *emission,
              BatchReturn     *back)
{
  g_autoptr(ChangedEmission) owned = emission;
  GHashTableIter iter;
  gpointer state;

  call_change_func (self, emission->changed, emission->details);
  g_hash_table_iter_init (&iter, emission->changed);
  while (!back->queued && g_hash_table_iter_next (&iter, NULL, &state))
    back->queued = g_str_equal (state, "queued");
  if (g_signal_has_handler_pending (self, signals[SIGNAL_DELIVERY_CHANGED], 0, FALSE))
    back->emission = g_steal_pointer (&owned);
}

/* Completes, in the owner's main context, the operations of a batch (one
 * wake-up of that thread for the batch instead of one per operation), then
 * signals its changes. */
static gboolean
batch_return_cb (gpointer user_data)
{
  BatchReturn *back = user_data;
  ChangedEmission *emission = back->emission;

  if (back->done != NULL) {
    for (guint i = 0; i < back->done->len; i++)
      return_op (g_ptr_array_index (back->done, i));
  }
  if (emission != NULL) {
    GHashTableIter iter;
    gpointer id, state;

    g_hash_table_iter_init (&iter, emission->changed);
    while (g_hash_table_iter_next (&iter, &id, &state))
      g_signal_emit (back->queue, signals[SIGNAL_DELIVERY_CHANGED], 0, id, state,
                     g_hash_table_lookup (emission->details, id));
  }
  if (back->queued)
    g_signal_emit (back->queue, signals[SIGNAL_WORK_QUEUED], 0);
  return G_SOURCE_REMOVE;
}

/* Completes @op (now, or with the others of @done when @done is given and
 * its caller waits in the owner's context), or queues it again when it is
 * a prune with more to do and the queue is not stopping. */
static void
finish_op (GwQueue   *self,
           GwQueueOp *op,
           gboolean   stopping,
           GPtrArray *done)
{
  if (op->kind == GW_QUEUE_OP_PRUNE && op->error == NULL && op->more && !stopping) {
    op->more = FALSE;
    gw_queue_inbox_push (&self->ops, op, TRUE);
    return;
  }
  if (done != NULL && g_task_get_context (op->task) == self->context) {
    g_ptr_array_add (done, op);
    return;
  }
  return_op (op);
  op_free (op);
}

/* Whether @op may wait for others to share its commit. */
static gboolean
op_may_wait (GwQueueOp *op)
{
  return op->kind == GW_QUEUE_OP_RECORD && !op->awaited;
}

/* Adds to @batch what else is waiting. A batch of results only waits up
 * to RECORD_LINGER_US for more: each commit writes its pages to the WAL
 * again, so a few results per commit cost several times what dozens do.
 * Anything else arriving ends the wait, and so does a result its caller
 * waits for (a worker that reached its limit of results under way).
 * Returns an operation that must run in a batch of its own, or NULL. */
static GwQueueOp *
gather_batch (GwQueue   *self,
              GPtrArray *batch)
{
  gboolean only_results = TRUE;
  gint64 deadline = 0;

  for (guint i = 0; i < batch->len; i++)
    only_results &= op_may_wait (g_ptr_array_index (batch, i));
  while (batch->len < GROUP_COMMIT_MAX) {
    GwQueueOp *op = gw_queue_inbox_pop (&self->ops, GW_QUEUE_INBOX_NOW, 0);

    if (op == NULL && only_results && batch->len < RECORD_LINGER_MIN) {
      gint64 now = g_get_monotonic_time ();

      if (deadline == 0)
        deadline = now + RECORD_LINGER_US;
      if (now < deadline)
        op = gw_queue_inbox_pop (&self->ops, deadline, RECORD_LINGER_MIN - batch->len);
    }
    if (op == NULL)
      return NULL;
    if (gw_queue_op_runs_alone (op))
      return op;
    only_results &= op_may_wait (op);
    g_ptr_array_add (batch, op);
  }
  return NULL;
}

static gpointer
writer_thread (gpointer user_data)
{
  GwQueue *self = user_data;
  gboolean stop = FALSE;
  GwQueueOp *op;
  GwQueueOp *alone = NULL;     /* taken from the queue, for the next batch */

  while (!stop) {
    g_autoptr(GPtrArray) batch = g_ptr_array_new ();
    BatchReturn *back;
    ChangedEmission *emission;

    /* Busy without a pause: the oldest commit not flushed bounds the wait. */
    if (self->unsynced && g_get_monotonic_time () - self->unsynced_since >=
                            (gint64) GW_QUEUE_SYNC_MAX_AGE_DELAYS * g_atomic_int_get (&self->sync_delay_us))
      gw_queue_sync_wal (self);
    if (alone != NULL)
      op = g_steal_pointer (&alone);
    /* Quiet after commits not flushed yet: flush them now. */
    else if (self->unsynced) {
      op = gw_queue_inbox_pop (&self->ops, g_get_monotonic_time () + g_atomic_int_get (&self->sync_delay_us),
                               0);
      if (op == NULL) {
        gw_queue_sync_wal (self);
        continue;
      }
    } else
      op = gw_queue_inbox_pop (&self->ops, GW_QUEUE_INBOX_FOREVER, 0);
    g_ptr_array_add (batch, op);
    g_mutex_lock (&self->batch_hold);
    g_mutex_unlock (&self->batch_hold);
    if (!gw_queue_op_runs_alone (op))
      alone = gather_batch (self, batch);
    for (guint i = 0; i < batch->len; i++)
      stop |= ((GwQueueOp *) g_ptr_array_index (batch, i))->kind == GW_QUEUE_OP_STOP;
    emission = run_batch (self, batch);
    /* No reference to the queue is dropped on this thread: the last one
     * would finalize it here, and finalizing joins this thread. */
    back = g_new0 (BatchReturn, 1);
    back->done = g_ptr_array_new_with_free_func ((GDestroyNotify) op_free);
    for (guint i = 0; i < batch->len; i++)
      finish_op (self, g_ptr_array_index (batch, i), stop, back->done);
    if (emission != NULL)
      take_changes (self, emission, back);
    if (back->done->len > 0 || back->queued || back->emission != NULL) {
      back->queue = g_object_ref (self);
      run_in_owner_context (self, batch_return_cb, g_steal_pointer (&back),
                            (GDestroyNotify) batch_return_free);
    }
    g_clear_pointer (&back, batch_return_free);
  }
  if (self->unsynced)
    gw_queue_sync_wal (self);
  /* Whatever came after the stop is answered, never left hanging. */
  if (alone != NULL)
    gw_queue_inbox_push_front (&self->ops, g_steal_pointer (&alone));
  while ((op = gw_queue_inbox_pop (&self->ops, GW_QUEUE_INBOX_NOW, 0)) != NULL) {
    op->error = g_error_new_literal (HERALD_ERROR, HERALD_ERROR_STORAGE, _("The queue is closed"));
    finish_op (self, op, TRUE, NULL);
  }
  return NULL;
}

void
gw_queue_hold_batches (GwQueue *self)
{
  g_mutex_lock (&self->batch_hold);
}

void
gw_queue_release_batches (GwQueue *self)
{
  g_mutex_unlock (&self->batch_hold);
}

guint
gw_queue_get_batches_rerun (GwQueue *self)
{
  return (guint) g_atomic_int_get (&self->batches_rerun);
}

void
gw_queue_push_op (GwQueue *self,
         GwQueueOp      *op)
{
  if (self->thread == NULL) {
    op->error = g_error_new_literal (HERALD_ERROR, HERALD_ERROR_STORAGE, _("The queue is closed"));
    return_op (op);
    op_free (op);
    return;
  }
  /* A result that may wait for others does not end the writer's wait. */
  gw_queue_inbox_push (&self->ops, op, !op_may_wait (op));
}

/* ---- lifecycle ---- */

void
gw_queue_close (GwQueue *self)
{
  if (self->thread != NULL) {
    gw_queue_push_op (self, gw_queue_op_new (self, GW_QUEUE_OP_STOP, NULL, NULL));
    g_thread_join (g_steal_pointer (&self->thread));
  }
  if (self->checkpointer != NULL)
    gw_checkpointer_free (g_steal_pointer (&self->checkpointer), self->writer);
  /* Statements first: a connection with statements left does not close. */
  g_clear_pointer (&self->statements, g_hash_table_unref);
  g_clear_pointer (&self->reader_statements, g_hash_table_unref);
  g_clear_pointer (&self->writer, sqlite3_close);
  g_clear_pointer (&self->reader, sqlite3_close);
}

static void
gw_queue_finalize (GObject *object)
{
  GwQueue *self = GW_QUEUE (object);

  gw_queue_close (self);
  gw_queue_inbox_clear (&self->ops);
  g_mutex_clear (&self->change_lock);
  g_mutex_clear (&self->batch_hold);
  g_main_context_unref (self->context);
  g_free (self->path);
  G_OBJECT_CLASS (gw_queue_parent_class)->finalize (object);
}

static void
gw_queue_class_init (GwQueueClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_queue_finalize;

  signals[SIGNAL_DELIVERY_CHANGED] =
    g_signal_new ("delivery-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING,
                  GW_TYPE_DELIVERY_DETAILS | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[SIGNAL_WORK_QUEUED] =
    g_signal_new ("work-queued", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, g_cclosure_marshal_VOID__VOID, G_TYPE_NONE, 0);
}

/* Statements are looked up by their SQL for every operation: hashing all
 * of a few hundred bytes, as g_str_hash() does, was most of the lookup's
 * cost (issue 18). The length and the bytes at both ends tell them apart;
 * equality still compares the whole text. */
static guint
sql_hash (gconstpointer key)
{
  const char *sql = key;
  gsize length = strlen (sql);
  guint hash = (guint) length;

  for (gsize i = 0; i < MIN (length, 16); i++)
    hash = hash * 31 + (guchar) sql[i];
  for (gsize i = length > 16 ? length - 16 : 0; i < length; i++)
    hash = hash * 31 + (guchar) sql[i];
  return hash;
}

static void
gw_queue_init (GwQueue *self)
{
  gw_queue_inbox_init (&self->ops);
  self->sync_delay_us = GW_QUEUE_SYNC_DELAY_US;
  g_mutex_init (&self->change_lock);
  g_mutex_init (&self->batch_hold);
  self->statements = g_hash_table_new_full (sql_hash, g_str_equal, g_free, (GDestroyNotify) sqlite3_finalize);
  self->reader_statements = g_hash_table_new_full (sql_hash, g_str_equal, g_free,
                                                   (GDestroyNotify) sqlite3_finalize);
  self->context = g_main_context_ref_thread_default ();
}

GwQueue *
gw_queue_new (const char *path,
              GError    **error)
{
  g_autoptr(GwQueue) self = g_object_new (GW_TYPE_QUEUE, NULL);
  g_autoptr(GError) local_error = NULL;

  self->path = g_strdup (path);
  self->writer = gw_queue_open_database (path, error);
  if (self->writer == NULL)
    return NULL;
  /* gw_queue_open_connection() opened it with synchronous=FULL. */
  self->synchronous_full = TRUE;
  /* 8 MiB of pages (SQLite's default is 2): with a million queued the
   * writer's indexes no longer fit in 2 MiB, and each page read again from
   * the OS made a message cost 1.3 times what it did with 10,000 queued. */
  gw_queue_exec (self->writer, "PRAGMA cache_size=-8192", NULL);
  self->reader = gw_queue_open_connection (path, error);
  if (self->reader == NULL)
    return NULL;
  self->checkpointer = gw_checkpointer_new (path, self->writer, &local_error);
  if (self->checkpointer == NULL) {
    g_warning ("Checkpoints stay in the writer's commits: %s", local_error->message);
    g_clear_error (&local_error);
  }
  self->thread = g_thread_try_new ("gw-queue-writer", writer_thread, self, &local_error);
  if (self->thread == NULL) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_FAILED,
                 "Cannot start the queue writer: %s", local_error->message);
    return NULL;
  }
  return g_steal_pointer (&self);
}
