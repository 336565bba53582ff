/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-queue.h: the durable queue (SQLite, WAL, synchronous=FULL)
 *
 * Writes go through one writer thread that commits whatever has piled up in
 * one transaction (group commit); every write's callback runs only after its
 * transaction is on disk. Reads run on the caller's thread over a second
 * connection and see committed data only.
 */
#pragma once

#include <gio/gio.h>

#include "gw-envelope.h"

G_BEGIN_DECLS

/* The reason of a job deferred because its profile needs a sign-in
 * (OAuth 2.0): shown as the delivery's reason while it waits, and not
 * expired. */
#define GW_QUEUE_REASON_SIGN_IN "sign-in-required"

/* One job: one composed message for one profile. */
typedef struct {
  char       *profile;
  gint64      expire_at;   /* µs since the epoch */
  GwEnvelope *envelope;    /* job id is assigned by the queue */
} GwSubmissionJob;

/* One accepted notification, with a job per profile it was routed to. */
typedef struct {
  char      *delivery_id;
  guint      caller_uid;
  guint8     urgency;
  char      *app_name;
  char      *category;
  char      *subject;
  char      *idempotency_key;
  GPtrArray *jobs;         /* GwSubmissionJob */
} GwSubmission;

GwSubmission *gw_submission_new      (void);
void          gw_submission_add_job  (GwSubmission *self,
                                      const char   *profile,
                                      gint64        expire_at,
                                      GwEnvelope   *envelope);
/* Frees the jobs (and their messages) of @self, keeping the rest. */
void          gw_submission_release_jobs (GwSubmission *self);
void          gw_submission_free     (GwSubmission *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GwSubmission, gw_submission_free)

/* A job handed to the dispatcher, already marked "sending". */
typedef struct {
  gint64      job_id;
  char       *delivery_id;
  char       *profile;
  guint       attempts;    /* attempts made before this one */
  gint64      created;
  gint64      expire_at;
  guint       n_jobs;      /* jobs of its delivery when it was claimed */
  gint64      delivery_rowid; /* the delivery's row (never reused while it has jobs) */
  GwEnvelope *envelope;
} GwQueuedJob;

void gw_queued_job_free (GwQueuedJob *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GwQueuedJob, gw_queued_job_free)

/* What one attempt at a job came to. */
typedef struct {
  const char *state;          /* sent, deferred, submitted, failed, or partial:
                               * some recipients sent, the others failed for good;
                               * the queue makes a failed job "partial" when it
                               * reached a recipient in an earlier attempt */
  gint64      next_attempt;   /* for deferred */
  const char *reply;          /* server reply or local error text */
  const char *enhanced_code;
  const char *reason;         /* why it failed for good: "expired", ...; or
                               * why it waits: GW_QUEUE_REASON_SIGN_IN */
  gint64      started;
  gint64      duration_us;
  const char *tls;            /* TLS version and cipher, or NULL */
  /* For a job that failed for good: the profile its failed recipients are
   * handed to, as a new job of the same delivery (same message bytes and
   * Message-ID, so the From stays the first profile's) that expires at
   * @fallback_expire_at, in the transaction that records the failure. The
   * queue refuses a profile already in the job's fallback chain (no
   * loops). NULL: none. */
  const char *fallback;
  gint64      fallback_expire_at;
  /* Recipients this attempt handed to the server, counted toward the
   * profile's max-recipients-per-day in @quota_minute (minutes since the
   * epoch, UTC) in the same transaction; 0: nothing counted. */
  guint       quota_recipients;
  gint64      quota_minute;
  /* Not an attempt: the job waits for the profile's daily recipient quota
   * until @next_attempt. State "deferred" with @reply saying why; no
   * attempt counted or logged, its recipients left as they were. */
  gboolean    held;
} GwAttemptResult;

/* A copy that owns its strings, for a result handed to the writer thread. */
GwAttemptResult *gw_attempt_result_copy (const GwAttemptResult *result);
void             gw_attempt_result_free (GwAttemptResult       *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GwAttemptResult, gw_attempt_result_free)

/* What a change of a delivery shows besides its state, kept as plain
 * values (read only): the a{sv} of DeliveriesChanged is built only for the
 * changes that are signalled. Under load most "sending" changes are folded
 * away before that, and on the system bus the details are not sent. */
typedef struct {
  const char *profile;        /* nullable */
  guint32     attempts;
  gint64      next_attempt;   /* 0: none */
  const char *reply;          /* nullable */
  const char *enhanced_code;  /* nullable */
  const char *reason;         /* nullable */
} GwDeliveryDetails;

#define GW_TYPE_DELIVERY_DETAILS (gw_delivery_details_get_type ())
GType              gw_delivery_details_get_type   (void) G_GNUC_CONST;
/* One allocation, the strings copied into it; reference counted. */
GwDeliveryDetails *gw_delivery_details_new        (const char              *profile,
                                                   guint32                  attempts,
                                                   gint64                   next_attempt,
                                                   const char              *reply,
                                                   const char              *enhanced_code,
                                                   const char              *reason);
GwDeliveryDetails *gw_delivery_details_ref        (GwDeliveryDetails       *details);
void               gw_delivery_details_unref      (GwDeliveryDetails       *details);
/* (transfer floating) the a{sv} of DeliveriesChanged: profile, attempts,
 * next-attempt, reply, enhanced-code, reason (text that is not UTF-8 left
 * out); an empty one for NULL. */
GVariant          *gw_delivery_details_to_variant (const GwDeliveryDetails *details);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GwDeliveryDetails, gw_delivery_details_unref)

#define GW_TYPE_QUEUE (gw_queue_get_type ())
G_DECLARE_FINAL_TYPE (GwQueue, gw_queue, GW, QUEUE, GObject)

/* Opens (creating) the database; rows left "sending" by a crash return to
 * "queued". A database of an older schema is migrated; one SQLite reports
 * as corrupt is moved aside (queue.db.corrupt-TIMESTAMP) and a fresh queue
 * started. In the thread-default main context of the caller, after each
 * commit: signal "work-queued" when a delivery became "queued" (once for
 * the commit), and signal "delivery-changed" (id, state, GwDeliveryDetails
 * as of the commit, nullable) for each changed delivery, only while a
 * handler is connected when the commit ends. */
GwQueue   *gw_queue_new               (const char   *path,
                                       GError      **error);

/* Called on the queue's writer thread right after each commit, once per
 * changed delivery, with what "delivery-changed" later carries: for work
 * that is thread-safe and should not wait for the main loop (the D-Bus
 * signal). NULL removes it; once this returns the old one is not running. */
typedef void (*GwQueueChangeFunc) (const char        *delivery_id,
                                   const char        *state,
                                   GwDeliveryDetails *details,
                                   gpointer           user_data);
void       gw_queue_set_change_func   (GwQueue      *self,
                                       GwQueueChangeFunc func,
                                       gpointer      user_data);
void       gw_queue_close             (GwQueue      *self);

void       gw_queue_submit_async      (GwQueue      *self,
                                       GwSubmission *submission,
                                       GAsyncReadyCallback callback,
                                       gpointer      user_data);
/* Returns the delivery id. */
char      *gw_queue_submit_finish     (GwQueue      *self,
                                       GAsyncResult *result,
                                       GError      **error);

/* Marks up to @limit due jobs of @profile as sending and returns them. A
 * job whose row cannot be used (empty or unreadable message, missing
 * delivery, missing values, no recipients) is not returned: it is set aside
 * as "failed" with reason "corrupt", its row kept, and logged. */
void       gw_queue_claim_async       (GwQueue      *self,
                                       const char   *profile,
                                       guint         limit,
                                       GAsyncReadyCallback callback,
                                       gpointer      user_data);
/* (transfer full) GPtrArray of GwQueuedJob, possibly empty */
GPtrArray *gw_queue_claim_finish      (GwQueue      *self,
                                       GAsyncResult *result,
                                       GError      **error);

/* Stores the outcome of one attempt, the recipients' results from the
 * job's envelope, and a row in the attempt log. A result may wait up to a
 * millisecond for others to share its commit, unless @awaited: its caller
 * goes on only once it is stored. */
void       gw_queue_record_async      (GwQueue      *self,
                                       GwQueuedJob  *job,
                                       const GwAttemptResult *result,
                                       gboolean      awaited,
                                       GAsyncReadyCallback callback,
                                       gpointer      user_data);
gboolean   gw_queue_record_finish     (GwQueue      *self,
                                       GAsyncResult *result,
                                       GError      **error);

/* Cancels the queued and deferred jobs of a delivery.
 * HERALD_ERROR_NO_SUCH_DELIVERY, HERALD_ERROR_INVALID_STATE. */
void       gw_queue_cancel_async      (GwQueue      *self,
                                       const char   *delivery_id,
                                       GAsyncReadyCallback callback,
                                       gpointer      user_data);
gboolean   gw_queue_cancel_finish     (GwQueue      *self,
                                       GAsyncResult *result,
                                       GError      **error);

/* Makes a deferred or failed delivery due now: its deferred and failed jobs
 * return to "queued" (attempts kept, expiry restarted from now), their
 * failed recipients to "pending". A job already handed to a fallback is
 * not retried itself (its fallback is), nor a job set aside as corrupt.
 * HERALD_ERROR_NO_SUCH_DELIVERY, HERALD_ERROR_INVALID_STATE (queued,
 * sending, sent or cancelled, or nothing left to retry). */
void       gw_queue_retry_async       (GwQueue      *self,
                                       const char   *delivery_id,
                                       GAsyncReadyCallback callback,
                                       gpointer      user_data);
gboolean   gw_queue_retry_finish      (GwQueue      *self,
                                       GAsyncResult *result,
                                       GError      **error);

/* Makes the jobs of @profile deferred with @reason due now (a sign-in
 * that held them is done). No error when none waits. */
void       gw_queue_wake_held_async     (GwQueue      *self,
                                       const char   *profile,
                                       const char   *reason,
                                       GAsyncReadyCallback callback,
                                       gpointer      user_data);
gboolean   gw_queue_wake_held_finish    (GwQueue      *self,
                                       GAsyncResult *result,
                                       GError      **error);

/* Deletes deliveries in a final state (sent, partial, failed, cancelled) last
 * updated before @before (µs since the epoch), with their jobs, recipients
 * and attempt log. Returns how many deliveries went. Large prunes run in
 * chunks, each its own transaction, so Send is never held up for long. */
void       gw_queue_prune_async       (GwQueue      *self,
                                       gint64        before,
                                       GAsyncReadyCallback callback,
                                       gpointer      user_data);
guint      gw_queue_prune_finish      (GwQueue      *self,
                                       GAsyncResult *result,
                                       GError      **error);

/* Makes the submitted job of @profile whose recipient has @remote_id due
 * now (a provider's webhook said it changed). No error when none waits. */
void       gw_queue_poke_remote_async (GwQueue      *self,
                                       const char   *profile,
                                       const char   *remote_id,
                                       GAsyncReadyCallback callback,
                                       gpointer      user_data);
gboolean   gw_queue_poke_remote_finish (GwQueue     *self,
                                       GAsyncResult *result,
                                       GError      **error);

/* Reads (synchronous, committed data). */

/* The recipients counted toward @profile's max-recipients-per-day from
 * @since_minute on (minutes since the epoch): a GArray of gint64 pairs,
 * minute then recipients, oldest first. */
GArray    *gw_queue_read_recipient_counts (GwQueue  *self,
                                           const char *profile,
                                           gint64    since_minute,
                                           GError  **error);

/* The attempt log of a delivery, oldest first: aa{sv} with started (x, µs),
 * duration-ms (u), profile (s), result (s: sent, deferred, submitted,
 * partial, failed),
 * reply (s), enhanced-code (s), tls (s), recipients (as: the addresses
 * tried in that attempt). Keys without a value are left out.
 * HERALD_ERROR_NO_SUCH_DELIVERY. */
GVariant  *gw_queue_list_attempts     (GwQueue      *self,
                                       const char   *delivery_id,
                                       GError      **error);
GVariant  *gw_queue_get_delivery      (GwQueue      *self,
                                       const char   *delivery_id,
                                       GError      **error);
GVariant  *gw_queue_list_deliveries   (GwQueue      *self,
                                       GVariant     *filter,
                                       GError      **error);
/* The jobs servers accepted and still have (GwRemoteJobs): alternating profile
 * and remote id of every "submitted" recipient of the delivery's waiting
 * jobs. (transfer full) */
GPtrArray *gw_queue_list_remote_jobs  (GwQueue      *self,
                                       const char   *delivery_id,
                                       GError      **error);
/* Profiles that have jobs due at @now. (transfer full) */
GStrv      gw_queue_dup_due_profiles  (GwQueue      *self,
                                       gint64        now,
                                       GError      **error);
/* Whether @profile has a job due at @now. */
gboolean   gw_queue_has_due_work      (GwQueue      *self,
                                       const char   *profile,
                                       gint64        now);
/* Earliest next attempt of any waiting job, or 0 if none. */
gint64     gw_queue_get_next_wakeup   (GwQueue      *self);
/* What @uid holds in the queue: deliveries not final yet, and the bytes
 * of all its messages (final ones too, until they are pruned). Zero for a
 * caller that has nothing. HERALD_ERROR_STORAGE. */
gboolean   gw_queue_get_caller_usage  (GwQueue      *self,
                                       guint         uid,
                                       guint64      *deliveries,
                                       guint64      *bytes,
                                       GError      **error);
/* Jobs queued, deferred or sending. */
guint      gw_queue_count_pending     (GwQueue      *self);
/* The idempotency key delivery @delivery_id of @caller_uid was sent
 * with, "" for none. HERALD_ERROR_NO_SUCH_DELIVERY also for another
 * caller's. */
char      *gw_queue_get_idempotency_key (GwQueue    *self,
                                         const char *delivery_id,
                                         guint       caller_uid,
                                         GError    **error);
/* Deliveries by state, final ones included (a{st}: state, count). */
GVariant  *gw_queue_count_by_state    (GwQueue      *self,
                                       GError      **error);

/* A batch of claims and delivery results is committed without waiting
 * for the disk; the writer flushes such commits after @delay_us of quiet
 * (default GW_QUEUE_SYNC_DELAY_US), with the next commit that waits, or,
 * busy without a pause, once the oldest is five delays old. */
#define GW_QUEUE_SYNC_DELAY_US (20 * G_TIME_SPAN_MILLISECOND)
void       gw_queue_set_sync_delay    (GwQueue      *self,
                                       gint64        delay_us);

G_END_DECLS
