/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-queue-read.c: the queue's read side (GetDelivery, ListDeliveries, scheduling) */
#define G_LOG_DOMAIN "gw-queue"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-queue-private.h"

#define LIST_LIMIT_DEFAULT 100
#define LIST_LIMIT_MAX     10000

/* The reader keeps its statements prepared, by SQL: parsing them on every
 * call (the scheduler's look-ups after every commit, the caller's usage on
 * every Send) was a visible share of the main thread under load. Each is
 * reset after use (reader_release), so that none keeps a read transaction
 * open and the next step sees the latest commit. */
static int
reader_prepare (GwQueue       *self,
                const char    *sql,
                sqlite3_stmt **stmt)
{
  int rc;

  *stmt = NULL;
  if (self->reader == NULL)   /* closed */
    return SQLITE_MISUSE;
  *stmt = g_hash_table_lookup (self->reader_statements, sql);
  if (*stmt != NULL)
    return SQLITE_OK;
  rc = sqlite3_prepare_v3 (self->reader, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL);
  if (rc == SQLITE_OK)
    g_hash_table_insert (self->reader_statements, g_strdup (sql), *stmt);
  return rc;
}

static void
reader_release (sqlite3_stmt *stmt)
{
  if (stmt == NULL)
    return;
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

static const char *
column_text (sqlite3_stmt *stmt,
             int           column)
{
  return (const char *) sqlite3_column_text (stmt, column);
}

static void
add_text (GVariantDict *dict,
          const char   *key,
          const char   *value)
{
  if (value != NULL)
    g_variant_dict_insert (dict, key, "s", value);
}

static GVariant *
read_recipients (GwQueue    *self,
                 const char *delivery_id,
                 GError    **error)
{
  static const char sql[] =
    "SELECT r.address, r.kind, r.state, r.reply, r.enhanced_code, j.profile, r.remote_id "
    "FROM recipients r JOIN jobs j ON j.id = r.job_id "
    "WHERE j.delivery_id = ? ORDER BY j.id, r.idx";
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = reader_prepare (self, sql, &stmt);
  if (rc != SQLITE_OK) {
    gw_queue_set_sqlite_error (error, self->reader, rc, "read recipients");
    return NULL;
  }
  sqlite3_bind_text (stmt, 1, delivery_id, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

    add_text (&dict, "address", column_text (stmt, 0));
    add_text (&dict, "kind", column_text (stmt, 1));
    add_text (&dict, "state", column_text (stmt, 2));
    add_text (&dict, "reply", column_text (stmt, 3));
    add_text (&dict, "enhanced-code", column_text (stmt, 4));
    add_text (&dict, "profile", column_text (stmt, 5));
    add_text (&dict, "remote-id", column_text (stmt, 6));
    g_variant_builder_add_value (&builder, g_variant_dict_end (&dict));
  }
  reader_release (stmt);
  if (rc != SQLITE_DONE) {
    gw_queue_set_sqlite_error (error, self->reader, rc, "read recipients");
    return NULL;
  }
  return g_variant_builder_end (&builder);
}

/* Columns shared by GetDelivery and ListDeliveries; job columns summarise
 * every job of the delivery. */
#define DELIVERY_COLUMNS \
  "d.id, d.state, d.created, d.updated, d.subject, d.app_name, d.category, " \
  "d.urgency, d.reason, d.caller_uid, " \
  "(SELECT group_concat(profile, ',') FROM jobs WHERE delivery_id = d.id), " \
  "(SELECT max(attempts) FROM jobs WHERE delivery_id = d.id), " \
  "(SELECT min(next_attempt) FROM jobs WHERE delivery_id = d.id AND +state IN ('deferred', 'submitted')), " \
  "(SELECT reply FROM jobs WHERE delivery_id = d.id ORDER BY id DESC LIMIT 1), " \
  "(SELECT message_id FROM jobs WHERE delivery_id = d.id ORDER BY id LIMIT 1), " \
  "(SELECT enhanced_code FROM jobs WHERE delivery_id = d.id ORDER BY id DESC LIMIT 1) "

static GVariant *
delivery_from_row (GwQueue      *self,
                   sqlite3_stmt *stmt,
                   GError      **error)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  const char *id = column_text (stmt, 0);
  g_autofree char *profiles = g_strdup (column_text (stmt, 10));
  GVariant *recipients;

  add_text (&dict, "id", id);
  add_text (&dict, "state", column_text (stmt, 1));
  g_variant_dict_insert (&dict, "created", "x", sqlite3_column_int64 (stmt, 2));
  g_variant_dict_insert (&dict, "updated", "x", sqlite3_column_int64 (stmt, 3));
  add_text (&dict, "subject", column_text (stmt, 4));
  add_text (&dict, "app-name", column_text (stmt, 5));
  add_text (&dict, "category", column_text (stmt, 6));
  g_variant_dict_insert (&dict, "urgency", "y", (guint8) sqlite3_column_int (stmt, 7));
  add_text (&dict, "reason", column_text (stmt, 8));
  g_variant_dict_insert (&dict, "caller-uid", "u", (guint32) sqlite3_column_int64 (stmt, 9));
  if (profiles != NULL) {
    g_auto(GStrv) list = g_strsplit (profiles, ",", -1);
    add_text (&dict, "profile", list[0]);
    g_variant_dict_insert (&dict, "profiles", "^as", list);
  }
  g_variant_dict_insert (&dict, "attempts", "u", (guint32) sqlite3_column_int (stmt, 11));
  g_variant_dict_insert (&dict, "next-attempt", "x", sqlite3_column_int64 (stmt, 12));
  add_text (&dict, "reply", column_text (stmt, 13));
  add_text (&dict, "message-id", column_text (stmt, 14));
  add_text (&dict, "enhanced-code", column_text (stmt, 15));

  recipients = read_recipients (self, id, error);
  if (recipients == NULL)
    return NULL;
  g_variant_dict_insert_value (&dict, "recipients", recipients);
  return g_variant_dict_end (&dict);
}

static gboolean
delivery_exists (GwQueue    *self,
                 const char *delivery_id,
                 GError    **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = reader_prepare (self, "SELECT 1 FROM deliveries WHERE id = ?", &stmt);

  if (rc == SQLITE_OK) {
    sqlite3_bind_text (stmt, 1, delivery_id, -1, SQLITE_STATIC);
    rc = sqlite3_step (stmt);
  }
  reader_release (stmt);
  if (rc == SQLITE_ROW)
    return TRUE;
  if (rc == SQLITE_DONE)
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_NO_SUCH_DELIVERY,
                 _("No delivery has the id “%s”"), delivery_id);
  else
    gw_queue_set_sqlite_error (error, self->reader, rc, "read delivery");
  return FALSE;
}

static GVariant *
attempt_from_row (sqlite3_stmt *stmt)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  const char *recipients = column_text (stmt, 7);
  gint64 duration_ms = sqlite3_column_int64 (stmt, 1) / 1000;

  g_variant_dict_insert (&dict, "started", "x", sqlite3_column_int64 (stmt, 0));
  g_variant_dict_insert (&dict, "duration-ms", "u", (guint32) CLAMP (duration_ms, 0, G_MAXUINT32));
  add_text (&dict, "profile", column_text (stmt, 2));
  add_text (&dict, "result", column_text (stmt, 3));
  add_text (&dict, "reply", column_text (stmt, 4));
  add_text (&dict, "enhanced-code", column_text (stmt, 5));
  add_text (&dict, "tls", column_text (stmt, 6));
  /* Attempts logged before schema 2 did not keep their recipients. */
  if (recipients != NULL) {
    g_auto(GStrv) list = *recipients != '\0' ? g_strsplit (recipients, "\n", -1) : g_new0 (char *, 1);
    g_variant_dict_insert (&dict, "recipients", "^as", list);
  }
  return g_variant_dict_end (&dict);
}

GVariant *
gw_queue_list_attempts (GwQueue    *self,
                        const char *delivery_id,
                        GError    **error)
{
  static const char sql[] =
    "SELECT a.started, a.duration_us, a.profile, a.result, a.reply, a.enhanced_code, a.tls,"
    " a.recipients FROM attempts a JOIN jobs j ON j.id = a.job_id"
    " WHERE j.delivery_id = ? ORDER BY a.started, a.id";
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (!delivery_exists (self, delivery_id, error))
    return NULL;
  rc = reader_prepare (self, sql, &stmt);
  if (rc != SQLITE_OK) {
    gw_queue_set_sqlite_error (error, self->reader, rc, "list attempts");
    return NULL;
  }
  sqlite3_bind_text (stmt, 1, delivery_id, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_variant_builder_add_value (&builder, attempt_from_row (stmt));
  reader_release (stmt);
  if (rc != SQLITE_DONE) {
    gw_queue_set_sqlite_error (error, self->reader, rc, "list attempts");
    return NULL;
  }
  return g_variant_builder_end (&builder);
}

GVariant *
gw_queue_get_delivery (GwQueue    *self,
                       const char *delivery_id,
                       GError    **error)
{
  static const char sql[] = "SELECT " DELIVERY_COLUMNS "FROM deliveries d WHERE d.id = ?";
  sqlite3_stmt *stmt = NULL;
  GVariant *result = NULL;
  int rc;

  rc = reader_prepare (self, sql, &stmt);
  if (rc != SQLITE_OK) {
    gw_queue_set_sqlite_error (error, self->reader, rc, "read delivery");
    return NULL;
  }
  sqlite3_bind_text (stmt, 1, delivery_id, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    result = delivery_from_row (self, stmt, error);
  else if (rc == SQLITE_DONE)
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_NO_SUCH_DELIVERY,
                 _("No delivery has the id “%s”"), delivery_id);
  else
    gw_queue_set_sqlite_error (error, self->reader, rc, "read delivery");
  reader_release (stmt);
  return result;
}

GVariant *
gw_queue_list_deliveries (GwQueue  *self,
                          GVariant *filter,
                          GError  **error)
{
  /* The filter picks row ids first; the per-delivery columns (subqueries)
   * are computed only for the rows returned, never for every match. */
  g_autoptr(GString) sql = g_string_new ("SELECT " DELIVERY_COLUMNS "FROM deliveries d WHERE d.rowid IN"
                                         " (SELECT d.rowid FROM deliveries d WHERE 1");
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (filter);
  const char *state = NULL, *profile = NULL, *app_name = NULL;
  gint64 since = 0, until = 0;
  guint32 limit = LIST_LIMIT_DEFAULT, caller_uid = G_MAXUINT32;
  sqlite3_stmt *stmt = NULL;
  int rc, index = 1;

  g_variant_dict_lookup (&dict, "state", "&s", &state);
  g_variant_dict_lookup (&dict, "profile", "&s", &profile);
  g_variant_dict_lookup (&dict, "app-name", "&s", &app_name);
  g_variant_dict_lookup (&dict, "since", "x", &since);
  g_variant_dict_lookup (&dict, "until", "x", &until);
  g_variant_dict_lookup (&dict, "limit", "u", &limit);
  g_variant_dict_lookup (&dict, "caller-uid", "u", &caller_uid);
  limit = CLAMP (limit, 1, LIST_LIMIT_MAX);

  if (state != NULL)
    g_string_append (sql, " AND d.state = ?");
  if (profile != NULL)
    g_string_append (sql, " AND EXISTS (SELECT 1 FROM jobs WHERE delivery_id = d.id AND profile = ?)");
  if (app_name != NULL)
    g_string_append (sql, " AND d.app_name = ?");
  if (since > 0)
    g_string_append (sql, " AND d.created >= ?");
  if (until > 0)
    g_string_append (sql, " AND d.created < ?");
  if (caller_uid != G_MAXUINT32)
    g_string_append (sql, " AND d.caller_uid = ?");
  g_string_append (sql, " ORDER BY d.created DESC, d.rowid DESC LIMIT ?)"
                        " ORDER BY d.created DESC, d.rowid DESC");

  rc = reader_prepare (self, sql->str, &stmt);
  if (rc != SQLITE_OK) {
    gw_queue_set_sqlite_error (error, self->reader, rc, "list deliveries");
    return NULL;
  }
  if (state != NULL)
    sqlite3_bind_text (stmt, index++, state, -1, SQLITE_STATIC);
  if (profile != NULL)
    sqlite3_bind_text (stmt, index++, profile, -1, SQLITE_STATIC);
  if (app_name != NULL)
    sqlite3_bind_text (stmt, index++, app_name, -1, SQLITE_STATIC);
  if (since > 0)
    sqlite3_bind_int64 (stmt, index++, since);
  if (until > 0)
    sqlite3_bind_int64 (stmt, index++, until);
  if (caller_uid != G_MAXUINT32)
    sqlite3_bind_int64 (stmt, index++, caller_uid);
  sqlite3_bind_int (stmt, index, (int) limit);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    GVariant *delivery = delivery_from_row (self, stmt, error);
    if (delivery == NULL) {
      reader_release (stmt);
      return NULL;
    }
    g_variant_builder_add_value (&builder, delivery);
  }
  reader_release (stmt);
  if (rc != SQLITE_DONE) {
    gw_queue_set_sqlite_error (error, self->reader, rc, "list deliveries");
    return NULL;
  }
  return g_variant_builder_end (&builder);
}

GStrv
gw_queue_dup_due_profiles (GwQueue *self,
                           gint64   now,
                           GError **error)
{
  /* Skips from profile to profile along the index of waiting jobs, so a
   * large backlog costs a few look-ups, not a scan. */
  static const char sql[] =
    "WITH RECURSIVE p (name) AS ("
    " SELECT (SELECT min (profile) FROM jobs INDEXED BY jobs_waiting"
    "         WHERE " GW_QUEUE_JOB_WAITING_SQL ")"
    " UNION ALL"
    " SELECT (SELECT min (profile) FROM jobs INDEXED BY jobs_waiting"
    "         WHERE " GW_QUEUE_JOB_WAITING_SQL " AND profile > p.name)"
    " FROM p WHERE p.name IS NOT NULL)"
    "SELECT name FROM p WHERE name IS NOT NULL AND EXISTS (SELECT 1 FROM jobs INDEXED BY jobs_waiting"
    " WHERE " GW_QUEUE_JOB_WAITING_SQL " AND profile = p.name AND next_attempt <= ?1)";
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = reader_prepare (self, sql, &stmt);
  if (rc != SQLITE_OK) {
    gw_queue_set_sqlite_error (error, self->reader, rc, "find due work");
    return NULL;
  }
  sqlite3_bind_int64 (stmt, 1, now);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_strv_builder_add (builder, column_text (stmt, 0));
  reader_release (stmt);
  if (rc != SQLITE_DONE) {
    gw_queue_set_sqlite_error (error, self->reader, rc, "find due work");
    return NULL;
  }
  return g_strv_builder_end (builder);
}

static gint64
query_int64 (GwQueue    *self,
             const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value = 0;

  if (reader_prepare (self, sql, &stmt) != SQLITE_OK)
    return 0;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  reader_release (stmt);
  return value;
}

gint64
gw_queue_get_next_wakeup (GwQueue *self)
{
  return query_int64 (self,
                      "SELECT min(next_attempt) FROM jobs WHERE state IN ('queued', 'deferred', 'submitted')");
}

gboolean
gw_queue_get_caller_usage (GwQueue  *self,
                           guint     uid,
                           guint64  *deliveries,
                           guint64  *bytes,
                           GError  **error)
{
  static const char sql[] = "SELECT deliveries, bytes FROM caller_usage WHERE uid = ?";
  sqlite3_stmt *stmt = NULL;
  int rc;

  *deliveries = 0;
  *bytes = 0;
  rc = reader_prepare (self, sql, &stmt);
  if (rc == SQLITE_OK) {
    sqlite3_bind_int64 (stmt, 1, uid);
    rc = sqlite3_step (stmt);
  }
  if (rc == SQLITE_ROW) {
    /* Never below zero, even after rows were removed by hand. */
    *deliveries = (guint64) MAX (sqlite3_column_int64 (stmt, 0), 0);
    *bytes = (guint64) MAX (sqlite3_column_int64 (stmt, 1), 0);
    rc = SQLITE_DONE;
  }
  reader_release (stmt);
  if (rc != SQLITE_DONE) {
    gw_queue_set_sqlite_error (error, self->reader, rc, "caller usage");
    return FALSE;
  }
  return TRUE;
}

GArray *
gw_queue_read_recipient_counts (GwQueue    *self,
                                const char *profile,
                                gint64      since_minute,
                                GError    **error)
{
  static const char sql[] = "SELECT minute, recipients FROM profile_recipients"
                            " WHERE profile = ? AND minute >= ? ORDER BY minute";
  g_autoptr(GArray) counts = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (self->reader, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK) {
    sqlite3_bind_text (stmt, 1, profile, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 2, since_minute);
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
      gint64 pair[2] = { sqlite3_column_int64 (stmt, 0), MAX (sqlite3_column_int64 (stmt, 1), 0) };

      g_array_append_vals (counts, pair, 2);
    }
  }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE) {
    gw_queue_set_sqlite_error (error, self->reader, rc, "recipient counts");
    return NULL;
  }
  return g_steal_pointer (&counts);
}

guint
gw_queue_count_pending (GwQueue *self)
{
  return (guint) query_int64 (self,
                              "SELECT count(*) FROM jobs WHERE state IN ('queued', 'deferred', 'sending', 'submitted')");
}

char *
gw_queue_get_idempotency_key (GwQueue    *self,
                              const char *delivery_id,
                              guint       caller_uid,
                              GError    **error)
{
  sqlite3_stmt *stmt = NULL;
  char *key = NULL;
  static const char sql[] =
    "SELECT ifnull (idempotency_key, '') FROM deliveries WHERE id = ? AND caller_uid = ?";
  int rc = reader_prepare (self, sql, &stmt);

  if (rc == SQLITE_OK) {
    sqlite3_bind_text (stmt, 1, delivery_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 2, caller_uid);
    rc = sqlite3_step (stmt);
  }
  if (rc == SQLITE_ROW)
    key = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  else if (rc == SQLITE_DONE)
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_NO_SUCH_DELIVERY,
                 _("No delivery has the id “%s”"), delivery_id);
  else
    gw_queue_set_sqlite_error (error, self->reader, rc, "read delivery");
  reader_release (stmt);
  return key;
}

GVariant *
gw_queue_count_by_state (GwQueue  *self,
                         GError  **error)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{st}"));
  sqlite3_stmt *stmt = NULL;
  int rc = reader_prepare (self, "SELECT state, count(*) FROM deliveries GROUP BY state", &stmt);

  if (rc == SQLITE_OK) {
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
      g_variant_builder_add (&builder, "{st}", (const char *) sqlite3_column_text (stmt, 0),
                             (guint64) sqlite3_column_int64 (stmt, 1));
  }
  reader_release (stmt);
  if (rc != SQLITE_DONE) {
    gw_queue_set_sqlite_error (error, self->reader, rc, "count deliveries");
    return NULL;
  }
  return g_variant_builder_end (&builder);
}

gboolean
gw_queue_has_due_work (GwQueue    *self,
                       const char *profile,
                       gint64      now)
{
  static const char sql[] =
    "SELECT 1 FROM jobs INDEXED BY jobs_waiting WHERE profile = ? AND " GW_QUEUE_JOB_WAITING_SQL
    " AND next_attempt <= ? LIMIT 1";
  sqlite3_stmt *stmt = NULL;
  gboolean due = FALSE;

  if (reader_prepare (self, sql, &stmt) == SQLITE_OK) {
    sqlite3_bind_text (stmt, 1, profile, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 2, now);
    due = sqlite3_step (stmt) == SQLITE_ROW;
  }
  reader_release (stmt);
  return due;
}

GPtrArray *
gw_queue_list_remote_jobs (GwQueue    *self,
                           const char *delivery_id,
                           GError    **error)
{
  static const char sql[] =
    "SELECT j.profile, r.remote_id FROM recipients r JOIN jobs j ON j.id = r.job_id"
    " WHERE j.delivery_id = ? AND r.state = 'submitted' AND r.remote_id IS NOT NULL"
    " AND j.state IN ('queued', 'deferred', 'submitted') ORDER BY j.id, r.idx";
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = reader_prepare (self, sql, &stmt);
  if (rc != SQLITE_OK) {
    gw_queue_set_sqlite_error (error, self->reader, rc, "read remote jobs");
    return NULL;
  }
  sqlite3_bind_text (stmt, 1, delivery_id, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    g_ptr_array_add (out, g_strdup (column_text (stmt, 0)));
    g_ptr_array_add (out, g_strdup (column_text (stmt, 1)));
  }
  reader_release (stmt);
  if (rc != SQLITE_DONE) {
    gw_queue_set_sqlite_error (error, self->reader, rc, "read remote jobs");
    return NULL;
  }
  return g_steal_pointer (&out);
}
