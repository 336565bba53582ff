/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-queue-ops.c: the queue's asynchronous API: each call becomes an
 * operation for the writer thread (gw-queue.c), completed in the caller's
 * main context */
#define G_LOG_DOMAIN "gw-queue"

#include "config.h"

#include "gw-queue-private.h"

GwQueueOp *
gw_queue_op_new (GwQueue            *self,
        GwQueueOpKind              kind,
        GAsyncReadyCallback callback,
        gpointer            user_data)
{
  GwQueueOp *op = g_new0 (GwQueueOp, 1);

  op->kind = kind;
  op->task = g_task_new (self, NULL, callback, user_data);
  return op;
}

void
gw_queue_submit_async (GwQueue            *self,
                       GwSubmission       *submission,
                       GAsyncReadyCallback callback,
                       gpointer            user_data)
{
  GwQueueOp *op = gw_queue_op_new (self, GW_QUEUE_OP_SUBMIT, callback, user_data);

  op->submission = submission;
  gw_queue_push_op (self, op);
}

char *
gw_queue_submit_finish (GwQueue      *self,
                        GAsyncResult *result,
                        GError      **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
gw_queue_claim_async (GwQueue            *self,
                      const char         *profile,
                      guint               limit,
                      GAsyncReadyCallback callback,
                      gpointer            user_data)
{
  GwQueueOp *op = gw_queue_op_new (self, GW_QUEUE_OP_CLAIM, callback, user_data);

  op->profile = g_strdup (profile);
  op->limit = MAX (limit, 1);
  gw_queue_push_op (self, op);
}

GPtrArray *
gw_queue_claim_finish (GwQueue      *self,
                       GAsyncResult *result,
                       GError      **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
gw_queue_record_async (GwQueue               *self,
                       GwQueuedJob           *job,
                       const GwAttemptResult *result,
                       gboolean               awaited,
                       GAsyncReadyCallback    callback,
                       gpointer               user_data)
{
  GwQueueOp *op = gw_queue_op_new (self, GW_QUEUE_OP_RECORD, callback, user_data);

  /* The job stays owned by the caller until the callback runs. */
  op->job = job;
  op->result = gw_attempt_result_copy (result);
  op->awaited = awaited;
  gw_queue_push_op (self, op);
}

gboolean
gw_queue_record_finish (GwQueue      *self,
                        GAsyncResult *result,
                        GError      **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
gw_queue_cancel_async (GwQueue            *self,
                       const char         *delivery_id,
                       GAsyncReadyCallback callback,
                       gpointer            user_data)
{
  GwQueueOp *op = gw_queue_op_new (self, GW_QUEUE_OP_CANCEL, callback, user_data);

  op->delivery_id = g_strdup (delivery_id);
  gw_queue_push_op (self, op);
}

gboolean
gw_queue_cancel_finish (GwQueue      *self,
                        GAsyncResult *result,
                        GError      **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
gw_queue_retry_async (GwQueue            *self,
                      const char         *delivery_id,
                      GAsyncReadyCallback callback,
                      gpointer            user_data)
{
  GwQueueOp *op = gw_queue_op_new (self, GW_QUEUE_OP_RETRY, callback, user_data);

  op->delivery_id = g_strdup (delivery_id);
  gw_queue_push_op (self, op);
}

gboolean
gw_queue_retry_finish (GwQueue      *self,
                       GAsyncResult *result,
                       GError      **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
gw_queue_poke_remote_async (GwQueue            *self,
                            const char         *profile,
                            const char         *remote_id,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  GwQueueOp *op = gw_queue_op_new (self, GW_QUEUE_OP_POKE, callback, user_data);

  op->profile = g_strdup (profile);
  op->remote_id = g_strdup (remote_id);
  gw_queue_push_op (self, op);
}

gboolean
gw_queue_poke_remote_finish (GwQueue      *self,
                             GAsyncResult *result,
                             GError      **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
gw_queue_wake_held_async (GwQueue            *self,
                        const char         *profile,
                        const char         *reason,
                        GAsyncReadyCallback callback,
                        gpointer            user_data)
{
  GwQueueOp *op = gw_queue_op_new (self, GW_QUEUE_OP_WAKE_HELD, callback, user_data);

  op->profile = g_strdup (profile);
  op->remote_id = g_strdup (reason);
  gw_queue_push_op (self, op);
}

gboolean
gw_queue_wake_held_finish (GwQueue      *self,
                         GAsyncResult *result,
                         GError      **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
gw_queue_prune_async (GwQueue            *self,
                      gint64              before,
                      GAsyncReadyCallback callback,
                      gpointer            user_data)
{
  GwQueueOp *op = gw_queue_op_new (self, GW_QUEUE_OP_PRUNE, callback, user_data);

  op->before = before;
  gw_queue_push_op (self, op);
}

guint
gw_queue_prune_finish (GwQueue      *self,
                       GAsyncResult *result,
                       GError      **error)
{
  gssize pruned = g_task_propagate_int (G_TASK (result), error);

  return pruned < 0 ? 0 : (guint) pruned;
}
