/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* queue-test-util.h: what test-queue and test-dispatcher share */
#pragma once

#include <sqlite3.h>

#include "gw-queue.h"

G_BEGIN_DECLS

/* Keeps warnings non-fatal and records them, so tests can check that
 * something was logged. Call first in main(). */
void        queue_test_init_logging      (void);
/* Whether a warning containing @text was logged since the last reset. */
gboolean    queue_test_warned            (const char  *text);
void        queue_test_reset_warnings    (void);

/* Enters a private mount namespace (root only, before any thread exists)
 * so that queue_test_mount_tmpfs() mounts vanish with the process. */
void        queue_test_private_mounts    (void);
/* Mounts a tmpfs of @size bytes on @dir; FALSE (test skipped) when not
 * permitted. */
gboolean    queue_test_mount_tmpfs       (const char  *dir,
                                          gsize        size);
void        queue_test_umount            (const char  *dir);
/* Fills the file system of @path with a file @path until it is full. */
void        queue_test_fill_disk         (const char  *path);

/* Runs the default main context until @result is set. */
GAsyncResult *queue_test_wait            (GAsyncResult **result);
void        queue_test_store_result_cb   (GObject      *source,
                                          GAsyncResult *res,
                                          gpointer      user_data);

GwQueue    *queue_test_open              (const char  *path);

/* A queue in a temporary directory of its own, for g_test_add(). */
typedef struct {
  char    *tmpdir;
  char    *path;     /* the database file */
  GwQueue *queue;    /* NULL once a test closed and dropped it */
} QueueFixture;

void        queue_fixture_setup          (QueueFixture  *f,
                                          gconstpointer  data);
void        queue_fixture_teardown       (QueueFixture  *f,
                                          gconstpointer  data);
/* A submission of one job of @profile for @recipients ("to" each),
 * message "Subject: @subject" with Message-ID <@subject@test>. */
GwSubmission *queue_test_submission      (const char  *profile,
                                          const char  *subject,
                                          const char * const *recipients,
                                          gsize        message_size);
char       *queue_test_submit            (GwQueue     *queue,
                                          GwSubmission *submission,
                                          GError     **error);
GPtrArray  *queue_test_claim             (GwQueue     *queue,
                                          const char  *profile,
                                          guint        limit);
/* Records @job with every still pending recipient set to @status. */
gboolean    queue_test_record            (GwQueue     *queue,
                                          GwQueuedJob *job,
                                          const GwAttemptResult *result,
                                          GError     **error);
gboolean    queue_test_retry             (GwQueue     *queue,
                                          const char  *delivery_id,
                                          GError     **error);
guint       queue_test_prune             (GwQueue     *queue,
                                          gint64       before,
                                          GError     **error);
/* The delivery's "state" (or NULL when it is gone). */
char       *queue_test_state             (GwQueue     *queue,
                                          const char  *delivery_id);

/* Direct SQL on the database file, over a connection of its own. */
void        queue_test_sql               (const char  *path,
                                          const char  *sql);
gint64      queue_test_sql_int           (const char  *path,
                                          const char  *sql);
char       *queue_test_sql_text          (const char  *path,
                                          const char  *sql);

/* Damages, in the closed database at @path, one page in the middle of a
 * large message of queue_test_submission(): its bytes and the link to the
 * next page, as a failing disk would. */
void        queue_test_damage_message    (const char  *path);

/* A database of schema 8 as that release made it, from one of today's:
 * the state tested with IN lists in the index of waiting jobs and in the
 * triggers that count a caller's waiting deliveries. */
#define QUEUE_TEST_DOWNGRADE_TO_8 \
  "DROP INDEX jobs_waiting;" \
  "CREATE INDEX jobs_waiting ON jobs (profile, next_attempt)" \
  "  WHERE state IN ('queued', 'deferred', 'submitted');" \
  "DROP TRIGGER caller_usage_delivery_insert;" \
  "DROP TRIGGER caller_usage_delivery_state;" \
  "DROP TRIGGER caller_usage_delivery_delete;" \
  "CREATE TRIGGER caller_usage_delivery_insert AFTER INSERT ON deliveries BEGIN" \
  "  INSERT INTO caller_usage (uid, deliveries)" \
  "   VALUES (NEW.caller_uid, (NEW.state IN ('queued', 'sending', 'deferred', 'submitted')))" \
  "   ON CONFLICT (uid) DO UPDATE SET deliveries = deliveries + excluded.deliveries;" \
  " END;" \
  "CREATE TRIGGER caller_usage_delivery_state AFTER UPDATE OF state ON deliveries" \
  " WHEN (OLD.state IN ('queued', 'sending', 'deferred', 'submitted'))" \
  "  != (NEW.state IN ('queued', 'sending', 'deferred', 'submitted')) BEGIN" \
  "  UPDATE caller_usage SET deliveries = deliveries" \
  "   + CASE WHEN (NEW.state IN ('queued', 'sending', 'deferred', 'submitted')) THEN 1 ELSE -1 END" \
  "   WHERE uid = NEW.caller_uid;" \
  " END;" \
  "CREATE TRIGGER caller_usage_delivery_delete BEFORE DELETE ON deliveries BEGIN" \
  "  UPDATE caller_usage SET deliveries = deliveries" \
  "   - (OLD.state IN ('queued', 'sending', 'deferred', 'submitted'))," \
  "   bytes = bytes - (SELECT IFNULL (SUM (length (m.body)), 0) FROM jobs j" \
  "    JOIN messages m ON m.job_id = j.id WHERE j.delivery_id = OLD.id)" \
  "   WHERE uid = OLD.caller_uid;" \
  " END;"

/* A database of schema 7 (messages in the jobs' rows) as that release
 * made it, from one of today's: the column back with the bytes, the
 * triggers of then, no table messages. */
#define QUEUE_TEST_DOWNGRADE_TO_7 \
  QUEUE_TEST_DOWNGRADE_TO_8 \
  "ALTER TABLE jobs ADD COLUMN message BLOB;" \
  "UPDATE jobs SET message = (SELECT body FROM messages WHERE job_id = jobs.id);" \
  "DROP TRIGGER caller_usage_delivery_delete;" \
  "DROP TRIGGER caller_usage_message_insert;" \
  "DROP TABLE messages;" \
  "CREATE TRIGGER caller_usage_delivery_delete BEFORE DELETE ON deliveries BEGIN" \
  "  UPDATE caller_usage SET deliveries = deliveries" \
  "   - (OLD.state IN ('queued', 'sending', 'deferred', 'submitted'))," \
  "   bytes = bytes - (SELECT IFNULL (SUM (length (message)), 0) FROM jobs WHERE delivery_id = OLD.id)" \
  "   WHERE uid = OLD.caller_uid;" \
  " END;" \
  "CREATE TRIGGER caller_usage_job_insert AFTER INSERT ON jobs BEGIN" \
  "  UPDATE caller_usage SET bytes = bytes + length (NEW.message)" \
  "   WHERE uid = (SELECT caller_uid FROM deliveries WHERE id = NEW.delivery_id);" \
  " END;"

G_END_DECLS
