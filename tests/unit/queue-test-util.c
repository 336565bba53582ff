/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* queue-test-util.c: what test-queue and test-dispatcher share */
#define G_LOG_DOMAIN "queue-test-util"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "herald-test-util.h"
#include "queue-test-util.h"

static GMutex warnings_lock;
static GPtrArray *warnings;
static gboolean private_mounts;

static GLogWriterOutput
writer_cb (GLogLevelFlags   level,
           const GLogField *fields,
           gsize            n_fields,
           gpointer         user_data)
{
  if (level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL)) {
    for (gsize i = 0; i < n_fields; i++) {
      if (g_str_equal (fields[i].key, "MESSAGE")) {
        g_mutex_lock (&warnings_lock);
        g_ptr_array_add (warnings, g_strdup (fields[i].value));
        g_mutex_unlock (&warnings_lock);
      }
    }
  }
  return g_log_writer_default (level, fields, n_fields, user_data);
}

void
queue_test_init_logging (void)
{
  warnings = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (writer_cb, NULL, NULL);
  /* Warnings are part of what these tests check; criticals stay fatal. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
}

gboolean
queue_test_warned (const char *text)
{
  gboolean found = FALSE;

  g_mutex_lock (&warnings_lock);
  for (guint i = 0; i < warnings->len && !found; i++)
    found = strstr (g_ptr_array_index (warnings, i), text) != NULL;
  g_mutex_unlock (&warnings_lock);
  return found;
}

void
queue_test_reset_warnings (void)
{
  g_mutex_lock (&warnings_lock);
  g_ptr_array_set_size (warnings, 0);
  g_mutex_unlock (&warnings_lock);
}

void
queue_test_private_mounts (void)
{
  if (geteuid () != 0)
    return;
  if (unshare (CLONE_NEWNS) != 0)
    return;
  private_mounts = mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
}

gboolean
queue_test_mount_tmpfs (const char *dir,
                        gsize       size)
{
  g_autofree char *options = g_strdup_printf ("size=%" G_GSIZE_FORMAT ",mode=0700", size);

  if (!private_mounts) {
    g_test_skip ("Needs root and a private mount namespace for a small tmpfs");
    return FALSE;
  }
  if (mount ("tmpfs", dir, "tmpfs", 0, options) != 0) {
    g_autofree char *message = g_strdup_printf ("Cannot mount a tmpfs: %s", g_strerror (errno));
    g_test_skip (message);
    return FALSE;
  }
  return TRUE;
}

void
queue_test_umount (const char *dir)
{
  umount2 (dir, MNT_DETACH);
}

void
queue_test_fill_disk (const char *path)
{
  static const char block[4096];
  int fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

  g_assert_cmpint (fd, >=, 0);
  while (write (fd, block, sizeof block) > 0)
    ;
  while (write (fd, block, 1) > 0)
    ;
  g_assert_cmpint (errno, ==, ENOSPC);
  close (fd);
}

void
queue_test_store_result_cb (GObject      *source,
                            GAsyncResult *res,
                            gpointer      user_data)
{
  GAsyncResult **result = user_data;

  *result = g_object_ref (res);
}

GAsyncResult *
queue_test_wait (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

GwQueue *
queue_test_open (const char *path)
{
  g_autoptr(GError) error = NULL;
  GwQueue *queue = gw_queue_new (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (queue);
  return queue;
}

void
queue_fixture_setup (QueueFixture  *f,
                     gconstpointer  data)
{
  f->tmpdir = herald_test_make_tmpdir ("herald-queue-XXXXXX");
  f->path = g_build_filename (f->tmpdir, "queue.db", NULL);
  f->queue = queue_test_open (f->path);
}

void
queue_fixture_teardown (QueueFixture  *f,
                        gconstpointer  data)
{
  if (f->queue != NULL)
    gw_queue_close (f->queue);
  g_clear_object (&f->queue);
  herald_test_rm_rf (f->tmpdir);
  g_free (f->path);
  g_free (f->tmpdir);
}

GwSubmission *
queue_test_submission (const char         *profile,
                       const char         *subject,
                       const char * const *recipients,
                       gsize               message_size)
{
  GwSubmission *submission = gw_submission_new ();
  g_autofree char *message_id = g_strdup_printf ("<%s@test>", subject);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GwEnvelope) envelope = NULL;
  g_autoptr(GBytes) bytes = NULL;

  g_string_append_printf (text, "Message-ID: %s\r\nSubject: %s\r\n\r\n", message_id, subject);
  while (text->len < message_size)
    g_string_append (text, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd\r\n");
  bytes = g_bytes_new (text->str, text->len);
  envelope = gw_envelope_new (NULL, "sender@example.org", message_id, bytes);
  for (guint i = 0; recipients[i] != NULL; i++)
    gw_envelope_add_recipient (envelope, recipients[i], "to");
  submission->delivery_id = g_uuid_string_random ();
  submission->subject = g_strdup (subject);
  submission->app_name = g_strdup ("test");
  gw_submission_add_job (submission, profile,
                         g_get_real_time () + G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC, envelope);
  return submission;
}

char *
queue_test_submit (GwQueue      *queue,
                   GwSubmission *submission,
                   GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  gw_queue_submit_async (queue, submission, queue_test_store_result_cb, &result);
  return gw_queue_submit_finish (queue, queue_test_wait (&result), error);
}

GPtrArray *
queue_test_claim (GwQueue    *queue,
                  const char *profile,
                  guint       limit)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *jobs;

  gw_queue_claim_async (queue, profile, limit, queue_test_store_result_cb, &result);
  jobs = gw_queue_claim_finish (queue, queue_test_wait (&result), &error);
  g_assert_no_error (error);
  return jobs;
}

gboolean
queue_test_record (GwQueue               *queue,
                   GwQueuedJob           *job,
                   const GwAttemptResult *attempt,
                   GError               **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  gw_queue_record_async (queue, job, attempt, TRUE, queue_test_store_result_cb, &result);
  return gw_queue_record_finish (queue, queue_test_wait (&result), error);
}

gboolean
queue_test_retry (GwQueue    *queue,
                  const char *delivery_id,
                  GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  gw_queue_retry_async (queue, delivery_id, queue_test_store_result_cb, &result);
  return gw_queue_retry_finish (queue, queue_test_wait (&result), error);
}

guint
queue_test_prune (GwQueue *queue,
                  gint64   before,
                  GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  gw_queue_prune_async (queue, before, queue_test_store_result_cb, &result);
  return gw_queue_prune_finish (queue, queue_test_wait (&result), error);
}

char *
queue_test_state (GwQueue    *queue,
                  const char *delivery_id)
{
  g_autoptr(GVariant) delivery = gw_queue_get_delivery (queue, delivery_id, NULL);
  char *state = NULL;

  if (delivery != NULL)
    g_variant_lookup (delivery, "state", "s", &state);
  return state;
}

/* Whether @page holds only the text of queue_test_submission()'s body
 * after its 4-byte link to the next page, and that link is not the end. */
static gboolean
is_message_overflow_page (const guint8 *page,
                          gsize         size)
{
  if (page[0] == 0 && page[1] == 0 && page[2] == 0 && page[3] == 0)
    return FALSE;
  for (gsize i = 4; i < size; i++) {
    if (!g_ascii_isxdigit (page[i]) && page[i] != '\r' && page[i] != '\n')
      return FALSE;
  }
  return TRUE;
}

void
queue_test_damage_message (const char *path)
{
  g_autofree guint8 *contents = NULL;
  gsize length = 0, page_size;

  g_assert_true (g_file_get_contents (path, (char **) &contents, &length, NULL));
  g_assert_cmpuint (length, >, 100);
  /* The header's page size: big-endian at offset 16, 1 meaning 65536. */
  page_size = (gsize) contents[16] << 8 | contents[17];
  if (page_size == 1)
    page_size = 65536;
  for (gsize page = length / page_size / 2; (page + 1) * page_size <= length; page++) {
    guint8 *start = contents + page * page_size;

    if (is_message_overflow_page (start, page_size)) {
      memset (start, 0xa5, page_size);
      g_assert_true (g_file_set_contents (path, (const char *) contents, (gssize) length, NULL));
      return;
    }
  }
  g_assert_not_reached ();
}

static sqlite3 *
open_db (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

void
queue_test_sql (const char *path,
                const char *sql)
{
  sqlite3 *db = open_db (path);
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

static sqlite3_stmt *
query (sqlite3    *db,
       const char *sql)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (db));
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  return stmt;
}

gint64
queue_test_sql_int (const char *path,
                    const char *sql)
{
  sqlite3 *db = open_db (path);
  sqlite3_stmt *stmt = query (db, sql);
  gint64 value = sqlite3_column_int64 (stmt, 0);

  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

char *
queue_test_sql_text (const char *path,
                     const char *sql)
{
  sqlite3 *db = open_db (path);
  sqlite3_stmt *stmt = query (db, sql);
  char *value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));

  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}
