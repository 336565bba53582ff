/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-queue-schema.c: opening the queue database, its schema and migrations
 *
 * The schema of the first release (version 1) is created first, then every
 * migration runs in order, so that a new database and a migrated one are
 * the same. The version is kept in meta "schema-version".
 */
#define G_LOG_DOMAIN "gw-queue"

#include "config.h"

#include <errno.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "herald-error.h"
#include "gw-queue-private.h"

/* Version 1, as the first release made it. Never change it: add a migration. */
static const char schema_v1_sql[] =
  "CREATE TABLE IF NOT EXISTS deliveries ("
  "  id TEXT PRIMARY KEY,"
  "  created INTEGER NOT NULL,"
  "  updated INTEGER NOT NULL,"
  "  state TEXT NOT NULL,"
  "  caller_uid INTEGER NOT NULL,"
  "  urgency INTEGER NOT NULL,"
  "  app_name TEXT, category TEXT, subject TEXT,"
  "  idempotency_key TEXT,"
  "  reason TEXT);"
  "CREATE INDEX IF NOT EXISTS deliveries_created ON deliveries (created);"
  "CREATE INDEX IF NOT EXISTS deliveries_idempotency ON deliveries (idempotency_key)"
  "  WHERE idempotency_key IS NOT NULL;"
  "CREATE TABLE IF NOT EXISTS jobs ("
  "  id INTEGER PRIMARY KEY,"
  "  delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,"
  "  profile TEXT NOT NULL,"
  "  state TEXT NOT NULL,"
  "  attempts INTEGER NOT NULL DEFAULT 0,"
  "  next_attempt INTEGER NOT NULL,"
  "  expire_at INTEGER NOT NULL,"
  "  sender TEXT NOT NULL,"
  "  message_id TEXT NOT NULL,"
  "  message BLOB NOT NULL,"
  "  reply TEXT, enhanced_code TEXT, reason TEXT,"
  "  fallback_of INTEGER);"
  "CREATE INDEX IF NOT EXISTS jobs_due ON jobs (state, next_attempt);"
  "CREATE INDEX IF NOT EXISTS jobs_delivery ON jobs (delivery_id);"
  "CREATE TABLE IF NOT EXISTS recipients ("
  "  job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,"
  "  idx INTEGER NOT NULL,"
  "  address TEXT NOT NULL,"
  "  kind TEXT NOT NULL,"
  "  state TEXT NOT NULL,"
  "  reply TEXT, enhanced_code TEXT,"
  "  PRIMARY KEY (job_id, idx));"
  "CREATE TABLE IF NOT EXISTS attempts ("
  "  id INTEGER PRIMARY KEY,"
  "  job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,"
  "  started INTEGER NOT NULL,"
  "  duration_us INTEGER NOT NULL,"
  "  profile TEXT NOT NULL,"
  "  result TEXT NOT NULL,"
  "  reply TEXT, enhanced_code TEXT, tls TEXT);"
  "CREATE INDEX IF NOT EXISTS attempts_job ON attempts (job_id);";

/* The triggers that count a caller's waiting deliveries as they come and
 * change state (made by 3 → 4, made again by 8 → 9 with the state tested
 * without IN lists). */
/* clang-format off */
#define CALLER_USAGE_WAITING_TRIGGERS \
  "CREATE TRIGGER caller_usage_delivery_insert AFTER INSERT ON deliveries BEGIN" \
  "  INSERT INTO caller_usage (uid, deliveries) VALUES (NEW.caller_uid, " GW_QUEUE_WAITING_SQL ("NEW.state") ")" \
  "   ON CONFLICT (uid) DO UPDATE SET deliveries = deliveries + excluded.deliveries;" \
  " END;" \
  "CREATE TRIGGER caller_usage_delivery_state AFTER UPDATE OF state ON deliveries" \
  " WHEN " GW_QUEUE_WAITING_SQL ("OLD.state") " != " GW_QUEUE_WAITING_SQL ("NEW.state") " BEGIN" \
  "  UPDATE caller_usage SET deliveries = deliveries" \
  "   + CASE WHEN " GW_QUEUE_WAITING_SQL ("NEW.state") " THEN 1 ELSE -1 END" \
  "   WHERE uid = NEW.caller_uid;" \
  " END;"
/* clang-format on */

/* migrations[n - 1] takes a database from version n to n + 1. */
static const char * const migrations[] = {
  /* 1 → 2: the addresses tried in each attempt ("\n"-separated); when each
   * job's expiry clock started (made or retried; NULL for older jobs, whose
   * delivery's creation time stands in); indexes for pruning, for jobs
   * superseded by a fallback job, and for finding a profile's due jobs
   * without reading (or sorting) the whole backlog. */
  "ALTER TABLE attempts ADD COLUMN recipients TEXT;"
  "ALTER TABLE jobs ADD COLUMN created INTEGER;"
  "CREATE INDEX IF NOT EXISTS deliveries_final ON deliveries (state, updated);"
  "CREATE INDEX IF NOT EXISTS jobs_fallback ON jobs (fallback_of)"
  "  WHERE fallback_of IS NOT NULL;"
  "CREATE INDEX IF NOT EXISTS jobs_waiting ON jobs (profile, next_attempt)"
  "  WHERE state IN ('queued', 'deferred');",
  /* 2 → 3 (remote jobs, issue 7): a job a server accepted to send later is
   * "submitted" and waits like a deferred one, for its next status query;
   * each recipient keeps the server's job id. */
  "ALTER TABLE recipients ADD COLUMN remote_id TEXT;"
  "DROP INDEX IF EXISTS jobs_waiting;"
  "CREATE INDEX jobs_waiting ON jobs (profile, next_attempt)"
  "  WHERE state IN ('queued', 'deferred', 'submitted');",
  /* 3 → 4 (per-caller quotas, issue 17): what each caller (uid) holds,
   * kept by triggers in the transaction of every change, so the intake
   * reads one row instead of summing a caller's deliveries: "deliveries"
   * not final yet, and the "bytes" of all its messages (final ones are
   * kept until pruned). Jobs leave only with their delivery (prune). */
  "CREATE TABLE caller_usage ("
  "  uid INTEGER PRIMARY KEY,"
  "  deliveries INTEGER NOT NULL DEFAULT 0,"
  "  bytes INTEGER NOT NULL DEFAULT 0);"
  "INSERT INTO caller_usage (uid, deliveries, bytes)"
  "  SELECT caller_uid, SUM (" GW_QUEUE_WAITING_SQL ("state") "),"
  "   SUM ((SELECT IFNULL (SUM (length (message)), 0) FROM jobs WHERE delivery_id = deliveries.id))"
  "  FROM deliveries GROUP BY caller_uid;" CALLER_USAGE_WAITING_TRIGGERS
  "CREATE TRIGGER caller_usage_delivery_delete BEFORE DELETE ON deliveries BEGIN"
  "  UPDATE caller_usage SET deliveries = deliveries - " GW_QUEUE_WAITING_SQL ("OLD.state") ","
  "   bytes = bytes - (SELECT IFNULL (SUM (length (message)), 0) FROM jobs WHERE delivery_id = OLD.id)"
  "   WHERE uid = OLD.caller_uid;"
  " END;"
  "CREATE TRIGGER caller_usage_job_insert AFTER INSERT ON jobs BEGIN"
  "  UPDATE caller_usage SET bytes = bytes + length (NEW.message)"
  "   WHERE uid = (SELECT caller_uid FROM deliveries WHERE id = NEW.delivery_id);"
  " END;",
  /* 4 → 5 (issue 16): a job or delivery that reached some recipients while
   * others were refused for good (or expired) is "partial", no longer
   * "failed"; rows recorded before read the same as new ones. */
  "UPDATE jobs SET state = 'partial' WHERE state = 'failed'"
  "  AND EXISTS (SELECT 1 FROM recipients r WHERE r.job_id = jobs.id AND r.state = 'sent');"
  "UPDATE deliveries SET state = 'partial' WHERE state = 'failed'"
  "  AND EXISTS (SELECT 1 FROM jobs j JOIN recipients r ON r.job_id = j.id"
  "  WHERE j.delivery_id = deliveries.id AND r.state = 'sent');",
  /* 5 → 6 (issue 19): the recipients each profile with a
   * max-recipients-per-day handed to its server, per minute (since the
   * epoch), so that the rolling 24 hours survive a restart. Rows older
   * than a day are deleted as new ones come. */
  "CREATE TABLE profile_recipients ("
  "  profile TEXT NOT NULL,"
  "  minute INTEGER NOT NULL,"
  "  recipients INTEGER NOT NULL,"
  "  PRIMARY KEY (profile, minute)) WITHOUT ROWID;",
  /* 6 → 7 (issue 18, scale): ListDeliveries with a state filter reads its
   * first page along deliveries_state (newest first) instead of sorting
   * every delivery in that state (0.6 s with a million queued). It takes
   * the place of deliveries_final (state, updated), so a state change still
   * updates one index: the prune of old final deliveries walks them oldest
   * created first and stops at its chunk. */
  "CREATE INDEX IF NOT EXISTS deliveries_state ON deliveries (state, created);"
  "DROP INDEX IF EXISTS deliveries_final;",
  /* 7 → 8 (issue 18, large messages): the message bytes move out of the
   * job's row into a table of their own, so that the updates of a job's
   * state (claimed, then its result) no longer rewrite a message of tens of
   * MiB in memory and in the WAL; being the row's last column, a new
   * message is written in place (a zeroblob, then incremental writes). The
   * caller's bytes are counted from there; the triggers that read
   * jobs.message go before the column does. */
  "CREATE TABLE messages ("
  "  job_id INTEGER PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,"
  "  body BLOB NOT NULL);"
  "INSERT INTO messages (job_id, body) SELECT id, message FROM jobs;"
  "DROP TRIGGER caller_usage_delivery_delete;"
  "DROP TRIGGER caller_usage_job_insert;"
  "ALTER TABLE jobs DROP COLUMN message;"
  "CREATE TRIGGER caller_usage_delivery_delete BEFORE DELETE ON deliveries BEGIN"
  "  UPDATE caller_usage SET deliveries = deliveries - " GW_QUEUE_WAITING_SQL ("OLD.state") ","
  "   bytes = bytes - (SELECT IFNULL (SUM (length (m.body)), 0) FROM jobs j"
  "    JOIN messages m ON m.job_id = j.id WHERE j.delivery_id = OLD.id)"
  "   WHERE uid = OLD.caller_uid;"
  " END;"
  "CREATE TRIGGER caller_usage_message_insert AFTER INSERT ON messages BEGIN"
  "  UPDATE caller_usage SET bytes = bytes + length (NEW.body)"
  "   WHERE uid = (SELECT d.caller_uid FROM jobs j JOIN deliveries d ON d.id = j.delivery_id"
  "    WHERE j.id = NEW.job_id);"
  " END;",
  /* 8 → 9 (issue 18): the partial index of waiting jobs and the triggers
   * that count a caller's waiting deliveries test the state with OR, not
   * with an IN list, for which SQLite built a temporary table at every
   * write of a job or delivery. Same rows, same counts. */
  "DROP INDEX jobs_waiting;"
  "CREATE INDEX jobs_waiting ON jobs (profile, next_attempt) WHERE " GW_QUEUE_JOB_WAITING_SQL ";"
  "DROP TRIGGER caller_usage_delivery_insert;"
  "DROP TRIGGER caller_usage_delivery_state;"
  "DROP TRIGGER caller_usage_delivery_delete;" CALLER_USAGE_WAITING_TRIGGERS
  "CREATE TRIGGER caller_usage_delivery_delete BEFORE DELETE ON deliveries BEGIN"
  "  UPDATE caller_usage SET deliveries = deliveries - " GW_QUEUE_WAITING_SQL ("OLD.state") ","
  "   bytes = bytes - (SELECT IFNULL (SUM (length (m.body)), 0) FROM jobs j"
  "    JOIN messages m ON m.job_id = j.id WHERE j.delivery_id = OLD.id)"
  "   WHERE uid = OLD.caller_uid;"
  " END;",
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == GW_QUEUE_SCHEMA_VERSION - 1);

/* Runs @sql; on failure remembers the first failing SQLite code in @rc. */
static gboolean
run (sqlite3    *db,
     const char *sql,
     int        *rc,
     GError    **error)
{
  int result = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (result == SQLITE_OK)
    return TRUE;
  if (*rc == SQLITE_OK)
    *rc = result;
  gw_queue_set_sqlite_error (error, db, result, "open");
  return FALSE;
}

static gboolean
is_corruption (int rc)
{
  return (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB;
}

/* SQLite keeps allocation statistics by default, under a global mutex
 * taken around every malloc and free (about 260 of each per notification:
 * 3 % of the daemon's instructions end to end, issue 18). Herald reads
 * none of them. The setting must come before SQLite starts, so before the
 * first connection; if something in the process started it earlier, it is
 * refused, harmlessly. */
static void
configure_sqlite (void)
{
  static gsize configured;

  if (g_once_init_enter (&configured)) {
    int rc = sqlite3_config (SQLITE_CONFIG_MEMSTATUS, 0);

    if (rc != SQLITE_OK)
      g_debug ("SQLite keeps its memory statistics: %s", sqlite3_errstr (rc));
    g_once_init_leave (&configured, 1);
  }
}

/* On a failure that SQLite reports as corruption, the connection is left
 * open in @damaged (when not NULL), for close_damaged(). */
static sqlite3 *
open_raw (const char *path,
          int        *rc,
          sqlite3   **damaged,
          GError    **error)
{
  sqlite3 *db = NULL;
  int result;

  configure_sqlite ();
  result = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);

  if (result != SQLITE_OK) {
    *rc = result;
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE,
                 _("Cannot open the queue %s: %s"), path,
                 db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (result));
    sqlite3_close (db);
    return NULL;
  }
  sqlite3_busy_timeout (db, 5000);
  /* temp_store=MEMORY: a savepoint's copies of the pages it changes stay
   * in memory. By default, once one grew past 64 KiB they went to a
   * temporary file for the rest of the transaction: a quarter of the
   * writer's time under load. What writes much runs in a batch of its own,
   * without a savepoint (gw_queue_op_runs_alone), so those copies stay
   * small. */
  if (!run (db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                " PRAGMA temp_store=MEMORY;",
            rc, error)) {
    if (damaged != NULL && is_corruption (*rc))
      *damaged = db;
    else
      sqlite3_close (db);
    return NULL;
  }
  return db;
}

sqlite3 *
gw_queue_open_connection (const char *path,
                          GError    **error)
{
  int rc = SQLITE_OK;

  return open_raw (path, &rc, NULL, error);
}

/* 0 for a new database. */
static gboolean
read_version (sqlite3 *db,
              gint64  *version,
              int     *rc,
              GError **error)
{
  static const char sql[] =
    "SELECT (SELECT value FROM meta WHERE key = 'schema-version'),"
    " EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'jobs')";
  sqlite3_stmt *stmt = NULL;
  int result = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (result == SQLITE_OK && (result = sqlite3_step (stmt)) == SQLITE_ROW) {
    if (sqlite3_column_type (stmt, 0) != SQLITE_NULL)
      *version = sqlite3_column_int64 (stmt, 0);
    else
      *version = sqlite3_column_int (stmt, 1) ? 1 : 0;
    result = SQLITE_OK;
  }
  sqlite3_finalize (stmt);
  if (result != SQLITE_OK) {
    *rc = result;
    gw_queue_set_sqlite_error (error, db, result, "schema version");
    return FALSE;
  }
  return TRUE;
}

static gboolean
migrate (sqlite3    *db,
         const char *path,
         int        *rc,
         GError    **error)
{
  gint64 version = 0;

  if (!run (db, "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            rc, error) ||
      !read_version (db, &version, rc, error))
    return FALSE;
  if (version > GW_QUEUE_SCHEMA_VERSION || version < 0) {
    /* (A format macro inside _() would cut the message for xgettext.) */
    g_autofree char *version_text = g_strdup_printf ("%" G_GINT64_FORMAT, version);

    g_set_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE,
                 _("The queue %s has schema version %s, which this version of Herald "
                   "(schema %d) cannot read"),
                 path, version_text, GW_QUEUE_SCHEMA_VERSION);
    return FALSE;
  }
  if (version == GW_QUEUE_SCHEMA_VERSION)
    return TRUE;
  if (version == 0) {
    if (!run (db, schema_v1_sql, rc, error))
      return FALSE;
    version = 1;
  } else {
    g_info ("Migrating the queue %s from schema version %" G_GINT64_FORMAT " to %d",
            path, version, GW_QUEUE_SCHEMA_VERSION);
  }
  for (; version < GW_QUEUE_SCHEMA_VERSION; version++) {
    if (!run (db, migrations[version - 1], rc, error))
      return FALSE;
  }
  return run (db, "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema-version', '"
                  G_STRINGIFY (GW_QUEUE_SCHEMA_VERSION) "')", rc, error);
}

/* Work interrupted by a crash goes back to the queue (at least once), and
 * waiting jobs the claim could never pick up (no profile, no due time, no
 * delivery) are set aside as corrupt instead of lingering as pending. */
static gboolean
recover (sqlite3 *db,
         int     *rc,
         GError **error)
{
  static const char unusable_sql[] =
    "SELECT id, delivery_id FROM jobs WHERE state IN ('queued', 'deferred', 'sending')"
    " AND (profile IS NULL OR typeof (next_attempt) != 'integer' OR delivery_id IS NULL)";
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) deliveries = g_ptr_array_new_with_free_func (g_free);
  GwQueueWriter w = { db, NULL, NULL, NULL };
  sqlite3_stmt *stmt = NULL;
  int result;

  if (!run (db, "UPDATE jobs SET state = 'queued' WHERE state = 'sending';"
                "UPDATE deliveries SET state = 'queued' WHERE state = 'sending';", rc, error))
    return FALSE;

  result = sqlite3_prepare_v2 (db, unusable_sql, -1, &stmt, NULL);
  while (result == SQLITE_OK && (result = sqlite3_step (stmt)) == SQLITE_ROW) {
    gint64 id = sqlite3_column_int64 (stmt, 0);
    g_array_append_val (ids, id);
    g_ptr_array_add (deliveries, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
    result = SQLITE_OK;
  }
  sqlite3_finalize (stmt);
  if (result != SQLITE_DONE && result != SQLITE_OK) {
    *rc = result;
    gw_queue_set_sqlite_error (error, db, result, "check jobs");
    return FALSE;
  }
  w.changed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < ids->len; i++) {
    if (!gw_queue_set_aside_job (&w, g_array_index (ids, gint64, i),
                                 g_ptr_array_index (deliveries, i),
                                 _("the job has no profile, due time or delivery"), error)) {
      g_hash_table_unref (w.changed);
      return FALSE;
    }
  }
  g_hash_table_unref (w.changed);
  return TRUE;
}

static sqlite3 *
try_open (const char *path,
          int        *rc,
          sqlite3   **damaged,
          GError    **error)
{
  sqlite3 *db = open_raw (path, rc, damaged, error);
  gboolean ok;

  if (db == NULL)
    return NULL;
  ok = run (db, "BEGIN IMMEDIATE", rc, error) && migrate (db, path, rc, error) &&
       recover (db, rc, error) && run (db, "COMMIT", rc, error);
  if (!ok) {
    sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
    if (damaged != NULL && is_corruption (*rc))
      *damaged = db;
    else
      sqlite3_close (db);
    return NULL;
  }
  return db;
}

/* Closes a connection to a damaged database without the checkpoint that
 * closing normally does: that would write into the file, or delete the
 * -wal (which may hold the last transactions) before it is moved aside. */
static void
close_damaged (sqlite3 *db)
{
  sqlite3_db_config (db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
  sqlite3_close (db);
}

static gboolean
move_error (const char *from,
            int         saved_errno,
            GError    **error)
{
  g_set_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE,
               _("Cannot move the corrupt queue %s aside: %s"), from, g_strerror (saved_errno));
  return FALSE;
}

/* The -wal goes along when it holds anything (sqlite3 replays it when the
 * moved file is opened); the -shm, only an index of the -wal, and an empty
 * -wal are removed. Nothing stale may stay next to the new database: SQLite
 * would replay it into the new database. */
static gboolean
move_companions (const char *path,
                 const char *target,
                 GError    **error)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *wal_target = g_strconcat (target, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);
  GStatBuf st;

  if (g_stat (wal, &st) == 0 && st.st_size > 0) {
    if (g_rename (wal, wal_target) != 0)
      return move_error (wal, errno, error);
  } else if (g_unlink (wal) != 0 && errno != ENOENT) {
    return move_error (wal, errno, error);
  }
  if (g_unlink (shm) != 0 && errno != ENOENT)
    return move_error (shm, errno, error);
  return TRUE;
}

static char *
move_aside (const char *path,
            GError    **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%SZ");
  g_autofree char *target = g_strdup_printf ("%s.corrupt-%s", path, stamp);

  for (guint n = 2; g_file_test (target, G_FILE_TEST_EXISTS); n++) {
    g_free (target);
    target = g_strdup_printf ("%s.corrupt-%s-%u", path, stamp, n);
  }
  if (g_rename (path, target) != 0) {
    move_error (path, errno, error);
    return NULL;
  }
  if (!move_companions (path, target, error))
    return NULL;
  return g_steal_pointer (&target);
}

sqlite3 *
gw_queue_open_database (const char *path,
                        GError    **error)
{
  g_autoptr(GError) open_error = NULL;
  g_autofree char *moved = NULL;
  sqlite3 *damaged = NULL;
  int rc = SQLITE_OK;
  sqlite3 *db = try_open (path, &rc, &damaged, &open_error);

  if (db != NULL)
    return db;
  if (damaged == NULL) {
    g_propagate_error (error, g_steal_pointer (&open_error));
    return NULL;
  }
  /* SQLite says the file is not a (sound) database. Refusing to start
   * would stop every new notification too, and under a service manager
   * that restarts the daemon it becomes a crash loop; repairing in place
   * could lose more than it saves. So the file (with its -wal and -shm) is
   * moved aside untouched (with a -wal that holds anything), for the
   * administrator to inspect or salvage with sqlite3's .recover, and a
   * fresh, empty queue is started: what was waiting in the old file is not
   * delivered unless recovered by hand. */
  close_damaged (damaged);
  moved = move_aside (path, error);
  if (moved == NULL)
    return NULL;
  g_warning ("The queue database %s is corrupt (%s): moved it to %s and started "
             "a new, empty queue", path, open_error->message, moved);
  rc = SQLITE_OK;
  return try_open (path, &rc, NULL, error);
}
