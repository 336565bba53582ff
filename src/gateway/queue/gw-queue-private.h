/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-queue-private.h: shared between the queue's writer and reader halves */
#pragma once

#include <sqlite3.h>

#include "gw-queue.h"
#include "gw-queue-inbox.h"

G_BEGIN_DECLS

/* The schema this build writes (meta "schema-version"). */
#define GW_QUEUE_SCHEMA_VERSION 9

/* SQL that is 1 when the delivery state in @column is not final yet.
 * Comparisons joined by OR, not an IN list: SQLite fills a temporary table
 * with a list of three or more values each time it evaluates one, and
 * the triggers evaluate this for every change of a delivery (issue 18). */
#define GW_QUEUE_WAITING_SQL(column) \
  "(" column " = 'queued' OR " column " = 'sending' OR " column " = 'deferred' OR " column " = 'submitted')"

/* SQL that is true for a job that waits for an attempt: the condition of
 * the partial index jobs_waiting, which a query repeats to use it. OR for
 * the reason above: the index evaluates it for every write of a job. */
#define GW_QUEUE_JOB_WAITING_SQL \
  "(state = 'queued' OR state = 'deferred' OR state = 'submitted')"

/* A claim marks its jobs and their deliveries "sending" in one statement
 * each: ?1 is a JSON array of the job ids (gw-queue-claim.c). */
#define GW_QUEUE_CLAIM_JOBS_SQL \
  "UPDATE jobs SET state = 'sending' WHERE id IN (SELECT value FROM json_each (?1))"
/* ?1: a JSON array of the deliveries' rowids, read by the same claim. */
#define GW_QUEUE_CLAIM_DELIVERIES_SQL \
  "UPDATE deliveries SET state = 'sending', updated = ?2, reason = NULL" \
  " WHERE rowid IN (SELECT value FROM json_each (?1))" \
  " AND (state != 'sending' OR reason IS NOT NULL) RETURNING id"

/* Passive WAL checkpoints on a thread of their own (gw-queue-checkpoint.c). */
typedef struct _GwCheckpointer GwCheckpointer;

GwCheckpointer *gw_checkpointer_new  (const char     *path,
                                      sqlite3        *writer,
                                      GError        **error);
/* Stops the thread; the writer gets SQLite's own checkpoints back. */
void            gw_checkpointer_free (GwCheckpointer *self,
                                      sqlite3        *writer);

struct _GwQueue {
  GObject       parent_instance;
  char         *path;
  sqlite3      *writer;        /* used only by the writer thread once started */
  sqlite3      *reader;        /* used only by the owning thread */
  GHashTable   *statements;    /* the writer's prepared statements, by SQL */
  GHashTable   *reader_statements; /* the reader's, by SQL (gw-queue-read.c) */
  GwCheckpointer *checkpointer; /* NULL: SQLite checkpoints in the writer's commits */
  GwQueueInbox  ops;          /* operations for the writer thread */
  GThread      *thread;
  GMainContext *context;       /* where results return and the signals are emitted */
  gboolean      synchronous_full;  /* the writer's setting: FULL (as opened), or NORMAL */
  gboolean      unsynced;      /* a NORMAL commit is not flushed to disk yet */
  gint64        unsynced_since; /* monotonic µs of the first such commit */
  gint          sync_delay_us; /* quiet before flushing them (atomic) */
  GMutex        batch_hold;    /* the writer passes it before gathering a batch */
  guint         batches_rerun; /* (atomic) batches run again after a failure */
  GMutex        change_lock;   /* guards the two below */
  GwQueueChangeFunc change_func;
  gpointer      change_data;
};

/* One request to the writer thread. */
typedef enum {
  GW_QUEUE_OP_SUBMIT,
  GW_QUEUE_OP_CLAIM,
  GW_QUEUE_OP_RECORD,
  GW_QUEUE_OP_CANCEL,
  GW_QUEUE_OP_RETRY,
  GW_QUEUE_OP_PRUNE,
  GW_QUEUE_OP_STOP,
  GW_QUEUE_OP_POKE,            /* a remote job changed: due now (webhooks) */
  GW_QUEUE_OP_WAKE_HELD,       /* jobs held for a reason: due now (a sign-in) */
} GwQueueOpKind;

typedef struct {
  GwQueueOpKind        kind;
  GTask        *task;
  GwSubmission *submission;   /* SUBMIT */
  char         *profile;      /* CLAIM */
  guint         limit;        /* CLAIM */
  GwQueuedJob  *job;          /* RECORD */
  GwAttemptResult *result;    /* RECORD: a copy owned by the op */
  char         *delivery_id;  /* CANCEL, RETRY */
  char         *remote_id;    /* POKE, with profile; WAKE_HELD: the reason */
  gint64        before;       /* PRUNE */
  guint         pruned;       /* PRUNE: deliveries deleted so far */
  gboolean      more;         /* PRUNE: a full chunk went, run again */
  gboolean      awaited;      /* RECORD: its caller waits for it to go on */
  GPtrArray    *claimed;      /* CLAIM output */
  GError       *error;
} GwQueueOp;

/* Commits that wait for the disk (gw-queue-sync.c). A batch of claims and
 * results only does not; anything else does. Such commits are flushed
 * after the quiet delay (gw_queue_set_sync_delay()), or before the next
 * batch once the oldest of them is this many delays old. */
#define GW_QUEUE_SYNC_MAX_AGE_DELAYS 5
gboolean      gw_queue_batch_needs_sync (GPtrArray *batch);
/* Whether @op writes so much (a large message, a prune) that it runs in a
 * batch of its own: no savepoint, so SQLite keeps no copy of the pages it
 * reuses. */
#define GW_QUEUE_ALONE_BYTES (256 * 1024)
gboolean      gw_queue_op_runs_alone    (GwQueueOp *op);
/* PRAGMA synchronous=FULL or NORMAL on the writer, outside a transaction. */
gboolean      gw_queue_set_synchronous  (GwQueue   *self,
                                         gboolean   full,
                                         GError   **error);
/* Flushes the write-ahead log to disk (the NORMAL commits before). */
void          gw_queue_sync_wal         (GwQueue   *self);
/* For tests: while held, the writer waits before it gathers its next
 * batch, so that the operations pushed meanwhile share that batch. */
void          gw_queue_hold_batches     (GwQueue   *self);
void          gw_queue_release_batches  (GwQueue   *self);
/* Batches run again, each operation under a savepoint, because one of
 * their operations failed. */
guint         gw_queue_get_batches_rerun (GwQueue  *self);

/* A new operation whose GTask completes @callback (gw-queue-ops.c). */
GwQueueOp    *gw_queue_op_new           (GwQueue            *self,
                                         GwQueueOpKind       kind,
                                         GAsyncReadyCallback callback,
                                         gpointer            user_data);
/* Hands @op to the writer thread, or fails it when the queue is closed. */
void          gw_queue_push_op          (GwQueue            *self,
                                         GwQueueOp          *op);

/* The writer thread's connection and what its batch changed. */
typedef struct {
  sqlite3    *db;
  GHashTable *changed;     /* delivery id → new state, for the signal */
  GHashTable *statements;  /* SQL → prepared statement kept for reuse, or NULL */
  GHashTable *known;       /* delivery id → its signal's details, when the
                            * batch made them (a new delivery); or NULL */
} GwQueueWriter;

/* Runs one operation inside the writer's open transaction. */
gboolean      gw_queue_run_op           (GwQueueWriter       *w,
                                         GwQueueOp           *op,
                                         GError      **error);
/* The operations, by file: gw-queue-claim.c, gw-queue-admin.c. */
gboolean      gw_queue_run_claim        (GwQueueWriter       *w,
                                         GwQueueOp           *op,
                                         GError      **error);
gboolean      gw_queue_run_retry        (GwQueueWriter       *w,
                                         GwQueueOp           *op,
                                         GError      **error);
gboolean      gw_queue_run_poke         (GwQueueWriter       *w,
                                         GwQueueOp           *op,
                                         GError      **error);
gboolean      gw_queue_run_wake_held      (GwQueueWriter       *w,
                                         GwQueueOp           *op,
                                         GError      **error);
gboolean      gw_queue_run_prune        (GwQueueWriter       *w,
                                         GwQueueOp           *op,
                                         GError      **error);

/* Helpers of the writer's SQL (gw-queue-write.c). A statement from
 * gw_queue_prepare() is handed back with gw_queue_release() (reset for
 * reuse, or finalized when the writer keeps no statements) before the same
 * SQL is prepared again. */
sqlite3_stmt *gw_queue_prepare          (GwQueueWriter       *w,
                                         const char   *sql,
                                         GError      **error);
void          gw_queue_release          (GwQueueWriter       *w,
                                         sqlite3_stmt *stmt);
/* Steps a statement that returns no rows, then finalizes it. */
gboolean      gw_queue_step_done        (GwQueueWriter       *w,
                                         sqlite3_stmt *stmt,
                                         const char   *what,
                                         GError      **error);
void          gw_queue_bind_text_or_null (sqlite3_stmt *stmt,
                                          int           index,
                                          const char   *value);
/* Recomputes a delivery's state from its jobs (those not superseded by a
 * fallback job) and notes the change for the signal. */
gboolean      gw_queue_refresh_delivery_state (GwQueueWriter     *w,
                                               const char *delivery_id,
                                               GError    **error);

/* Notes that the batch changed @delivery_id to @state, for the signal.
 * @details (transfer full): what the signal shows besides the state, when
 * the caller knows it without reading (a new delivery, a delivery of one
 * job); NULL: read at the end of the batch. */
void          gw_queue_note_change      (GwQueueWriter *w,
                                         const char    *delivery_id,
                                         const char    *state,
                                         GwDeliveryDetails *details);

/* The values a change in DeliveriesChanged shows besides the state: profile, attempts,
 * next-attempt, reply, enhanced-code, reason (gw-queue-signal.c). NULL when
 * the read fails. */
GwDeliveryDetails *gw_queue_read_signal_details (GwQueueWriter *w,
                                                 const char    *delivery_id);

/* max-recipients-per-day (gw-queue-quota.c): adds the attempt's
 * quota_recipients to the profile's minute; records a held job. */
gboolean      gw_queue_count_recipients (GwQueueWriter       *w,
                                         GwQueuedJob  *job,
                                         const GwAttemptResult *r,
                                         GError      **error);
gboolean      gw_queue_record_held      (GwQueueWriter       *w,
                                         GwQueuedJob  *job,
                                         const GwAttemptResult *r,
                                         GError      **error);

/* A job's message larger than this is not read with its row but with
 * gw_queue_read_message() (gw-queue-message.c). */
#define GW_QUEUE_INLINE_MESSAGE_MAX (64 * 1024)
/* NULL with @why set when the row's message is missing or damaged; NULL
 * with @error on a database failure. */
GBytes       *gw_queue_read_message     (GwQueueWriter *w,
                                         gint64        job_id,
                                         const char  **why,
                                         GError      **error);

/* A job's message from this size on is not read when it is claimed: its
 * envelope reads it from the database as it is sent. */
#define GW_QUEUE_STREAMED_MESSAGE_MIN (256 * 1024)
#define GW_TYPE_QUEUE_MESSAGE_SOURCE (gw_queue_message_source_get_type ())
G_DECLARE_FINAL_TYPE (GwQueueMessageSource, gw_queue_message_source, GW, QUEUE_MESSAGE_SOURCE, GwMessageSource)
/* Job @job_id's message (@size bytes) in the queue at @path
 * (gw-queue-message-source.c). */
GwMessageSource *gw_queue_message_source_new (const char *path,
                                              gint64      job_id,
                                              gsize       size);

/* Stores @envelope's message as job @job_id's, written in place in
 * chunks (read from its source when it is not held). */
gboolean      gw_queue_write_message    (GwQueueWriter *w,
                                         gint64        job_id,
                                         GwEnvelope   *envelope,
                                         GError      **error);
/* A fallback job's message: a copy of its first job's. */
gboolean      gw_queue_copy_message     (GwQueueWriter *w,
                                         gint64        from_job_id,
                                         gint64        to_job_id,
                                         GError      **error);

/* Marks a job that cannot be used "failed" with reason "corrupt" and @why
 * as its reply, keeping the row, and logs it (gw-queue-claim.c). */
gboolean      gw_queue_set_aside_job    (GwQueueWriter       *w,
                                         gint64        job_id,
                                         const char   *delivery_id,
                                         const char   *why,
                                         GError      **error);

/* Opens a connection in WAL mode with synchronous=FULL (gw-queue-schema.c). */
sqlite3      *gw_queue_open_connection  (const char   *path,
                                         GError      **error);
/* Opens the writer's connection: creates or migrates the schema, returns
 * interrupted work to the queue and sets aside rows that cannot be used.
 * A file SQLite reports as corrupt is moved aside first. */
sqlite3      *gw_queue_open_database    (const char   *path,
                                         GError      **error);

/* Whether @rc means the row (its pages, its values), not the connection,
 * is at fault: it will fail the same way however often it is read. */
gboolean      gw_queue_rc_is_row_damage (int           rc);
/* Maps an SQLite failure to a HeraldError; a full disk gets its own message. */
void          gw_queue_set_sqlite_error (GError      **error,
                                         sqlite3      *db,
                                         int           rc,
                                         const char   *what);
gboolean      gw_queue_exec             (sqlite3      *db,
                                         const char   *sql,
                                         GError      **error);

G_END_DECLS
