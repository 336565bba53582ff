/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-queue-signal.c: what "delivery-changed" carries
 *
 * The writer thread reads the few values a change in DeliveriesChanged shows
 * while its transaction is still open, with statements it keeps prepared:
 * the main thread then only emits, instead of re-reading every delivery
 * (formerly the largest share of the daemon's CPU time under load). They
 * stay plain values (GwDeliveryDetails) until a change is signalled: the
 * a{sv} costs about 30,000 instructions, and under load most changes are
 * folded into a later one of the same delivery before they go out.
 */
#define G_LOG_DOMAIN "gw-queue"

#include "config.h"

#include <string.h>

#include "gw-queue-private.h"

/* What the signal shows of a delivery's jobs. */
typedef struct {
  char   *profile;        /* the first job's */
  guint32 attempts;       /* the most of any job */
  gint64  next_attempt;   /* the earliest of a deferred or submitted job */
  char   *reply;          /* the last job's */
  char   *enhanced_code;  /* the last job's */
} JobDetails;

static void
job_details_clear (JobDetails *d)
{
  g_free (d->profile);
  g_free (d->reply);
  g_free (d->enhanced_code);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (JobDetails, job_details_clear)

static gboolean
read_job_details (GwQueueWriter *w,
                  const char    *delivery_id,
                  JobDetails    *d,
                  GError       **error)
{
  sqlite3_stmt *stmt = gw_queue_prepare (w,
      "SELECT profile, attempts, state, next_attempt, reply, enhanced_code "
      "FROM jobs WHERE delivery_id = ? ORDER BY id", error);
  gboolean first = TRUE;
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, delivery_id, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    const char *state = (const char *) sqlite3_column_text (stmt, 2);
    gint64 next = sqlite3_column_int64 (stmt, 3);

    if (first)
      d->profile = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
    first = FALSE;
    d->attempts = MAX (d->attempts, (guint32) sqlite3_column_int (stmt, 1));
    /* Like GetDelivery: a deferred job's retry, or a submitted job's next
     * status query. */
    if ((g_strcmp0 (state, "deferred") == 0 || g_strcmp0 (state, "submitted") == 0) &&
        (d->next_attempt == 0 || next < d->next_attempt))
      d->next_attempt = next;
    /* Later jobs (fallbacks, fan-out) overwrite: the last job's reply wins. */
    g_free (d->reply);
    g_free (d->enhanced_code);
    d->reply = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
    d->enhanced_code = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
  }
  gw_queue_release (w, stmt);
  if (rc != SQLITE_DONE) {
    gw_queue_set_sqlite_error (error, w->db, rc, "delivery details");
    return FALSE;
  }
  return TRUE;
}

GwDeliveryDetails *
gw_queue_read_signal_details (GwQueueWriter *w,
                              const char    *delivery_id)
{
  g_auto(JobDetails) d = { NULL, 0, 0, NULL, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;
  sqlite3_stmt *stmt;

  if (!read_job_details (w, delivery_id, &d, &error)) {
    g_debug ("No details for the signal of %s: %s", delivery_id, error->message);
    return NULL;
  }
  stmt = gw_queue_prepare (w, "SELECT reason FROM deliveries WHERE id = ?", &error);
  if (stmt != NULL) {
    sqlite3_bind_text (stmt, 1, delivery_id, -1, SQLITE_STATIC);
    if (sqlite3_step (stmt) == SQLITE_ROW)
      reason = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
    gw_queue_release (w, stmt);
  }
  return gw_delivery_details_new (d.profile, d.attempts, d.next_attempt, d.reply, d.enhanced_code, reason);
}

G_DEFINE_BOXED_TYPE (GwDeliveryDetails, gw_delivery_details, gw_delivery_details_ref, gw_delivery_details_unref)

/* Copies @text to *@cursor; the field points there. */
static const char *
copy_into (char      **cursor,
           const char *text)
{
  char *start = *cursor;
  gsize size;

  if (text == NULL)
    return NULL;
  size = strlen (text) + 1;
  memcpy (start, text, size);
  *cursor += size;
  return start;
}

GwDeliveryDetails *
gw_delivery_details_new (const char *profile,
                         guint32     attempts,
                         gint64      next_attempt,
                         const char *reply,
                         const char *enhanced_code,
                         const char *reason)
{
  const char * const texts[] = { profile, reply, enhanced_code, reason };
  gsize size = sizeof (GwDeliveryDetails);
  GwDeliveryDetails *details;
  char *cursor;

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    size += texts[i] != NULL ? strlen (texts[i]) + 1 : 0;
  details = g_atomic_rc_box_alloc0 (size);
  cursor = (char *) (details + 1);
  details->profile = copy_into (&cursor, profile);
  details->attempts = attempts;
  details->next_attempt = next_attempt;
  details->reply = copy_into (&cursor, reply);
  details->enhanced_code = copy_into (&cursor, enhanced_code);
  details->reason = copy_into (&cursor, reason);
  return details;
}

GwDeliveryDetails *
gw_delivery_details_ref (GwDeliveryDetails *details)
{
  return g_atomic_rc_box_acquire (details);
}

void
gw_delivery_details_unref (GwDeliveryDetails *details)
{
  if (details != NULL)
    g_atomic_rc_box_release (details);
}

/* A dict entry made directly: gw_delivery_details_to_variant() runs for
 * every change signalled, and a format string parsed for each entry cost a
 * quarter more. */
static GVariant *
vardict_entry (const char *key,
               GVariant   *value)
{
  return g_variant_new_dict_entry (g_variant_new_string (key), g_variant_new_variant (value));
}

/* Entries that recur from change to change (a profile's name, an enhanced
 * code, a reason, a count of attempts, no next attempt) are made once and
 * shared: they were two thirds of the cost of the details (issue 18). A
 * reply, or a time, is made for each change. Bounded: when full, the cache
 * starts again. */
#define SHARED_ENTRIES_MAX 256

G_LOCK_DEFINE_STATIC (shared_entries);
static GHashTable *shared_entries;  /* "key\nvalue" → GVariant {sv} */

/* "key\nnumber", without printf (it parsed its format for every change). */
static char *
number_id (const char *key,
           gint64      number)
{
  char digits[24];
  guint64 magnitude = number < 0 ? -(guint64) number : (guint64) number;
  gsize at = sizeof digits;

  digits[--at] = '\0';
  do {
    digits[--at] = (char) ('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude != 0);
  if (number < 0)
    digits[--at] = '-';
  return g_strconcat (key, "\n", digits + at, NULL);
}

/* The shared entry for @key with @text (a string) or @number (a uint32
 * or an int64, as @type says). */
static GVariant *
shared_entry (const char         *key,
              const GVariantType *type,
              const char         *text,
              gint64              number)
{
  g_autofree char *id = text != NULL ? g_strconcat (key, "\n", text, NULL) : number_id (key, number);
  GVariant *entry;

  G_LOCK (shared_entries);
  if (shared_entries == NULL || g_hash_table_size (shared_entries) >= SHARED_ENTRIES_MAX) {
    g_clear_pointer (&shared_entries, g_hash_table_unref);
    shared_entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) g_variant_unref);
  }
  entry = g_hash_table_lookup (shared_entries, id);
  if (entry == NULL) {
    GVariant *value = g_variant_type_equal (type, G_VARIANT_TYPE_STRING) ? g_variant_new_string (text)
                    : g_variant_type_equal (type, G_VARIANT_TYPE_UINT32) ? g_variant_new_uint32 ((guint32) number)
                                                                         : g_variant_new_int64 (number);

    entry = g_variant_ref_sink (vardict_entry (key, value));
    g_hash_table_insert (shared_entries, g_steal_pointer (&id), entry);
  }
  g_variant_ref (entry);
  G_UNLOCK (shared_entries);
  return entry;
}

/* Adds the entry of a text detail, unless it is NULL or not UTF-8:
 * shared, or made for this change only (a server's reply). */
static void
add_text_entry (GVariant  **entries,
                gsize      *n,
                const char *key,
                const char *text,
                gboolean    shared)
{
  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return;
  entries[(*n)++] = shared ? shared_entry (key, G_VARIANT_TYPE_STRING, text, 0)
                           : g_variant_ref_sink (vardict_entry (key, g_variant_new_string (text)));
}

GVariant *
gw_delivery_details_to_variant (const GwDeliveryDetails *details)
{
  GVariant *entries[6];
  gsize n = 0;
  GVariant *array;

  if (details != NULL) {
    add_text_entry (entries, &n, "profile", details->profile, TRUE);
    add_text_entry (entries, &n, "reply", details->reply, FALSE);
    add_text_entry (entries, &n, "enhanced-code", details->enhanced_code, TRUE);
    add_text_entry (entries, &n, "reason", details->reason, TRUE);
    entries[n++] = shared_entry ("attempts", G_VARIANT_TYPE_UINT32, NULL, details->attempts);
    entries[n++] = details->next_attempt == 0
                   ? shared_entry ("next-attempt", G_VARIANT_TYPE_INT64, NULL, 0)
                   : g_variant_ref_sink (vardict_entry ("next-attempt", g_variant_new_int64 (details->next_attempt)));
  }
  array = g_variant_new_array (G_VARIANT_TYPE ("{sv}"), entries, n);
  /* The array took references of its own. */
  for (gsize i = 0; i < n; i++)
    g_variant_unref (entries[i]);
  return array;
}

void
gw_queue_note_change (GwQueueWriter     *w,
                      const char        *delivery_id,
                      const char        *state,
                      GwDeliveryDetails *details)
{
  g_hash_table_insert (w->changed, g_strdup (delivery_id), g_strdup (state));
  if (w->known == NULL) {
    gw_delivery_details_unref (details);
    return;
  }
  if (details == NULL)
    g_hash_table_remove (w->known, delivery_id);
  else
    g_hash_table_insert (w->known, g_strdup (delivery_id), details);
}
