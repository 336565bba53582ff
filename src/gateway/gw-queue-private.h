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

/* Maps an SQLite failure to a HeraldError; a full disk gets its own message. */
void     gw_queue_set_sqlite_error (GError     **error,
                                    sqlite3     *db,
                                    int          rc,
                                    const char  *what);
gboolean gw_queue_exec             (sqlite3     *db,
                                    const char  *sql,
                                    GError     **error);

G_END_DECLS
