/* gw-queue-private.h: shared between the queue's writer and reader halves */
#pragma once

#include <sqlite3.h>

#include "gw-queue.h"

G_BEGIN_DECLS

struct _GwQueue {
  GObject       parent_instance;
  char         *path;
  sqlite3      *writer;        /* used only by the writer thread once started */
  sqlite3      *reader;        /* used only by the owning thread */
  GAsyncQueue  *ops;
  GThread      *thread;
  GMainContext *context;       /* where delivery-changed is emitted */
};

/* One request to the writer thread. */
typedef enum {
  OP_SUBMIT,
  OP_CLAIM,
  OP_RECORD,
  OP_CANCEL,
  OP_STOP,
} OpKind;

typedef struct {
  OpKind        kind;
  GTask        *task;
  GwSubmission *submission;   /* SUBMIT */
  char         *profile;      /* CLAIM */
  guint         limit;        /* CLAIM */
  GwQueuedJob  *job;          /* RECORD */
  GwAttemptResult result;     /* RECORD, strings owned below */
  char         *strings[5];
  char         *delivery_id;  /* CANCEL */
  GPtrArray    *claimed;      /* CLAIM output */
  GError       *error;
} Op;

/* The writer thread's connection and what its batch changed. */
typedef struct {
  sqlite3    *db;
  GHashTable *changed;  /* delivery id → new state, for the signal */
} Writer;

/* Runs one operation inside the writer's open transaction. */
gboolean gw_queue_run_op           (Writer      *w,
                                    Op          *op,
                                    GError     **error);

/* Maps an SQLite failure to a HeraldError; a full disk gets its own message. */
void     gw_queue_set_sqlite_error (GError     **error,
                                    sqlite3     *db,
                                    int          rc,
                                    const char  *what);
gboolean gw_queue_exec             (sqlite3     *db,
                                    const char  *sql,
                                    GError     **error);

G_END_DECLS
