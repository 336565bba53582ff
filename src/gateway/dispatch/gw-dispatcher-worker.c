/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-dispatcher-worker.c: one worker of a profile's pool
 *
 * A worker claims jobs, opens a session only when it has work, delivers job
 * after job over that session, records each result and claims again until
 * nothing is due. With a backlog it claims the next jobs while the last of
 * a batch go out, and tells the transport which job comes next on the
 * session (an SMTP session sends its commands with the end of the message
 * before). Under a rate limit it takes a token per job before it
 * claims; with none left it waits on a timer of its own (never polling, and
 * never holding up another profile).
 *
 * A result is handed to the queue's writer and the next job goes out at
 * once: the commit (an fsync) overlaps the next SMTP transaction, and the
 * writer commits the results of all workers together. A crash before that
 * commit sends the job again after the restart, as for any job in flight;
 * so a worker has at most one result pending besides the job it delivers.
 * When a result cannot be recorded (a full disk) the worker keeps it, sends
 * nothing more and tries again after a back-off, so no outcome is lost.
 */
#define G_LOG_DOMAIN "gw-dispatcher"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "gw-dispatcher-private.h"
#include "gw-log.h"
#include "gw-metrics-hooks.h"

/* Results a worker may have on their way to disk while it delivers the
 * next job. The queue holds results up to a millisecond so that they share
 * a commit, but not the one a worker then waits for (gw_queue_record_async()'s
 * awaited). Each more widens what a crash sends twice: at most this many
 * plus one per worker. 3 did as well as 8 in bench/run; 1 cost a fifth
 * more CPU per message at one connection. */
#define MAX_PENDING_RECORDS 3

/* A session idle longer than this while waiting for a token is closed
 * rather than left for the server to drop. */
#define SESSION_IDLE_MAX_US (10 * G_USEC_PER_SEC)

/* Jobs left in hand when a worker with a backlog claims the next ones. */
#define CLAIM_AHEAD_AT (GW_DISPATCHER_CLAIM_BATCH / 4)

typedef struct {
  GwDispatcher   *dispatcher;
  char           *profile_name;
  GwProfile      *profile;      /* snapshot for this worker's lifetime */
  GwTransport    *transport;
  GObject        *session;
  gboolean        profile_removed;
  GPtrArray      *jobs;         /* claimed, not yet delivered */
  guint           reserved;     /* tokens taken for the claim in flight */
  gboolean        claiming;     /* a claim is with the queue */
  gboolean        claim_awaited; /* and the worker has nothing to do until it is back */
  gboolean        backlog;      /* the last claim was full: claim ahead */
  guint           claim_limit;  /* of the claim in flight */
  GwQueuedJob    *current;      /* being delivered */
  GwEnvelope     *announced;    /* nullable: told the session as the next after current */
  guint           pending;      /* results handed to the queue, not yet back */
  GQueue          unrecorded;   /* Record: results the queue could not store */
  guint           record_failures;
  gboolean        finished;     /* nothing more to do once pending is 0 */
  gboolean        parked;       /* waits for results to come back from the queue */
  gboolean        resend_due;   /* the back-off for unrecorded results is over */
  gint64          started;
  guint           timer;        /* waiting for a token or to record again */
  GwRecipientTicket ticket;     /* max-recipients-per-day reserved for current */
  gint64          held_until;   /* current waits for that quota until then */
  gboolean        damaged;      /* current's message could not be read back */
} Worker;

/* One job's result on its way to disk. */
typedef struct {
  Worker         *worker;
  GwQueuedJob    *job;
  GwAttemptResult result;       /* strings point into job, worker->profile and refused */
  char           *refused;      /* a partly sent job's refused recipients and replies */
  char           *held;         /* why a job waits for the daily recipient quota */
} Record;

static void
record_free (Record *record)
{
  gw_queued_job_free (record->job);
  g_free (record->refused);
  g_free (record->held);
  g_free (record);
}

static void worker_claim (Worker *worker);
static void deliver_cb (GObject *source, GAsyncResult *res, gpointer user_data);
static void worker_claim_ahead (Worker *worker);
static gboolean worker_handle_unrecorded (Worker *worker);

static void
worker_close_session (Worker *worker)
{
  g_clear_object (&worker->announced);
  if (worker->session != NULL)
    gw_transport_close_session (worker->transport, g_steal_pointer (&worker->session));
}

/* Delivers the current job on the open session, telling the transport the
 * job after it, which the session may start early. */
static void
worker_deliver_on_session (Worker *worker)
{
  /* Announced first: the transport may start this delivery's message at
   * once (its replies already in) and send the next one's commands with it. */
  if (worker->session != NULL && worker->jobs->len > 0) {
    GwQueuedJob *next = g_ptr_array_index (worker->jobs, 0);

    g_set_object (&worker->announced, next->envelope);
    gw_transport_announce_next (worker->transport, worker->session, next->envelope);
  }
  gw_transport_deliver (worker->transport, worker->profile, worker->session,
                        worker->current->envelope, worker->dispatcher->cancellable,
                        deliver_cb, worker);
}

static void
worker_free (Worker *worker)
{
  GwDispatcher *self = worker->dispatcher;
  GwPool *pool = gw_dispatcher_get_pool (self, worker->profile_name);
  Record *record;

  /* Results and claims still with the writer come back to this worker. */
  if (worker->pending > 0 || worker->claiming) {
    worker->finished = TRUE;
    worker_close_session (worker);
    return;
  }
  /* A result that did not reach the disk keeps the worker alive: it tries
   * again after a back-off instead of leaving its job "sending". */
  if (!self->stopped && worker_handle_unrecorded (worker))
    return;
  while ((record = g_queue_pop_head (&worker->unrecorded)) != NULL) {
    g_warning ("The result of job %" G_GINT64_FORMAT " of delivery %s was not recorded; "
               "it will be sent again after a restart",
               record->job->job_id, record->job->delivery_id);
    record_free (record);
  }
  worker_close_session (worker);
  if (pool->bucket != NULL && worker->reserved > 0)
    gw_token_bucket_put_back (pool->bucket, worker->reserved);
  pool->active--;
  self->n_workers--;
  g_clear_pointer (&worker->jobs, g_ptr_array_unref);
  g_clear_pointer (&worker->current, gw_queued_job_free);
  g_clear_object (&worker->announced);
  g_clear_object (&worker->profile);
  g_clear_object (&worker->transport);
  g_free (worker->profile_name);
  g_free (worker);
  /* A finished worker may leave due work behind (a failed session). */
  if (!self->stopped)
    gw_dispatcher_wake (self);
  g_object_unref (self);
}

static gboolean
worker_timer_cb (gpointer user_data)
{
  Worker *worker = user_data;

  worker->timer = 0;
  g_hash_table_remove (worker->dispatcher->waiting, worker);
  worker_claim (worker);
  return G_SOURCE_REMOVE;
}

static void
worker_wait (Worker *worker,
             gint64  delay_us)
{
  if (delay_us > SESSION_IDLE_MAX_US)
    worker_close_session (worker);
  g_hash_table_add (worker->dispatcher->waiting, worker);
  worker->timer = g_timeout_add ((guint) CLAMP (delay_us / 1000 + 1, 1, G_MAXINT),
                                 worker_timer_cb, worker);
}

void
gw_dispatcher_end_waiting (GwDispatcher *self)
{
  GList *workers = g_hash_table_get_keys (self->waiting);

  g_hash_table_steal_all (self->waiting);
  for (GList *l = workers; l != NULL; l = l->next) {
    Worker *worker = l->data;
    g_clear_handle_id (&worker->timer, g_source_remove);
    worker_free (worker);
  }
  g_list_free (workers);
}

static void
record_cb (GObject      *source,
           GAsyncResult *res,
           gpointer      user_data)
{
  Record *record = user_data;
  Worker *worker = record->worker;
  g_autoptr(GError) error = NULL;

  worker->pending--;
  if (!gw_queue_record_finish (GW_QUEUE (source), res, &error)) {
    g_warning ("Delivery %s: cannot record the result of job %" G_GINT64_FORMAT ": %s",
               record->job->delivery_id, record->job->job_id, error->message);
    g_queue_push_tail (&worker->unrecorded, record);
    worker->record_failures++;
  } else {
    record_free (record);
    if (g_queue_is_empty (&worker->unrecorded))
      worker->record_failures = 0;
  }
  if (worker->finished) {
    if (worker->pending == 0 && !worker->claiming) {
      worker->finished = FALSE;
      worker_free (worker);
    }
    return;
  }
  if (worker->parked && worker->pending <= MAX_PENDING_RECORDS) {
    worker->parked = FALSE;
    worker_claim (worker);
  }
}

static void
worker_send_record (Worker *worker,
                    Record *record)
{
  worker->pending++;
  /* Past the limit the worker waits for this one: no lingering for it. */
  gw_queue_record_async (worker->dispatcher->queue, record->job, &record->result,
                         worker->pending > MAX_PENDING_RECORDS, record_cb, record);
}

/* Hands the current job's result to the queue and goes on with the next
 * job, unless an earlier result could not be stored. */
static void
worker_record (Worker *worker)
{
  Record *record = g_new0 (Record, 1);
  GwAttemptResult *result = &record->result;
  GVariant *certificate;

  record->worker = worker;
  record->job = g_steal_pointer (&worker->current);
  certificate = gw_envelope_get_certificate_failure (record->job->envelope);
  if (certificate != NULL && worker->dispatcher->untrusted != NULL) {
    g_autoptr(GError) error = NULL;
    if (!gw_untrusted_store_record (worker->dispatcher->untrusted, worker->profile_name,
                                    certificate, &error))
      g_warning ("Delivery %s: cannot record an untrusted certificate: %s",
                 record->job->delivery_id, error->message);
  }

  result->duration_us = g_get_monotonic_time () - worker->started;
  if (worker->held_until > 0) {
    /* No attempt: the job waits for room under max-recipients-per-day. */
    record->held = gw_dispatcher_describe_hold (worker->dispatcher, worker->profile_name,
                                                worker->profile, worker->held_until);
    result->held = TRUE;
    result->state = "deferred";
    result->next_attempt = worker->held_until;
    result->reply = record->held;
    worker->held_until = 0;
    g_info ("Delivery %s: job %" G_GINT64_FORMAT " via %s held: %s", record->job->delivery_id,
            record->job->job_id, worker->profile_name, result->reply);
  } else {
    gw_dispatcher_decide_outcome (worker->dispatcher, worker->profile_name,
                                  worker->profile_removed ? NULL : worker->profile,
                                  worker->profile, worker->transport, record->job, worker->damaged,
                                  result, &record->refused);
    worker->damaged = FALSE;
    gw_dispatcher_settle_recipients (worker->dispatcher, worker->profile_name, &worker->ticket,
                                     record->job->envelope, result);
    /* One line per attempt, naming the delivery, after its outcome is known. */
    if (g_str_equal (result->state, "sent")) {
      if (gw_log_debug_shown ())
        g_debug ("Delivery %s: job %" G_GINT64_FORMAT " via %s sent",
                 record->job->delivery_id, record->job->job_id, worker->profile_name);
    } else {
      g_info ("Delivery %s: job %" G_GINT64_FORMAT " via %s %s: %s",
              record->job->delivery_id, record->job->job_id, worker->profile_name,
              result->state, result->reply != NULL ? result->reply : "");
    }
    /* started was monotonic for the duration; store wall-clock time. */
    result->started = g_get_real_time () - result->duration_us;
    gw_metrics_count_attempt (worker->profile_name, gw_profile_get_transport (worker->profile),
                              result->state, result->duration_us, result->reply);
  }
  worker_send_record (worker, record);
  if (worker->pending > MAX_PENDING_RECORDS) {
    worker->parked = TRUE;
    return;
  }
  worker_claim (worker);
}

/* Stores results the queue refused before (a full disk) again, once all
 * in flight are back and a back-off has passed; true when it holds the
 * worker up. */
static gboolean
worker_handle_unrecorded (Worker *worker)
{
  Record *record;

  if (g_queue_is_empty (&worker->unrecorded))
    return FALSE;
  if (worker->pending > 0) {
    worker->parked = TRUE;
    return TRUE;
  }
  if (!worker->resend_due) {
    gint64 delay = gw_dispatcher_queue_backoff (worker->record_failures);

    g_warning ("Trying again in %d s to record %u results of %s",
               (int) (delay / G_USEC_PER_SEC), g_queue_get_length (&worker->unrecorded),
               worker->profile_name);
    worker_close_session (worker);
    worker->resend_due = TRUE;
    worker_wait (worker, delay);
    return TRUE;
  }
  worker->resend_due = FALSE;
  worker->parked = TRUE;
  while ((record = g_queue_pop_head (&worker->unrecorded)) != NULL)
    worker_send_record (worker, record);
  return TRUE;
}

static GwRecipientStatus
status_for_error (const GError *error)
{
  gboolean for_good = g_error_matches (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT) ||
                      g_error_matches (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_MESSAGE_DAMAGED);

  return for_good ? GW_RECIPIENT_PERMFAIL : GW_RECIPIENT_TEMPFAIL;
}

static void
deliver_cb (GObject      *source,
            GAsyncResult *res,
            gpointer      user_data)
{
  Worker *worker = user_data;
  g_autoptr(GError) error = NULL;

  if (!gw_transport_deliver_finish (GW_TRANSPORT (source), res, &error)) {
    /* whether it is deferred or failed is decided and logged by worker_record() */
    g_debug ("Delivery %s via %s: %s", worker->current->delivery_id, worker->profile_name,
             error->message);
    gw_envelope_set_pending_result (worker->current->envelope, status_for_error (error),
                                    error->message, NULL);
    worker->damaged = g_error_matches (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_MESSAGE_DAMAGED);
    /* The session is in an unknown state: do not reuse it. */
    worker_close_session (worker);
  }
  worker_record (worker);
}

static void
open_session_cb (GObject      *source,
                 GAsyncResult *res,
                 gpointer      user_data)
{
  Worker *worker = user_data;
  g_autoptr(GError) error = NULL;

  worker->session = gw_transport_open_session_finish (GW_TRANSPORT (source), res, &error);
  if (error != NULL) {
    g_debug ("Delivery %s: cannot open a session for %s: %s", worker->current->delivery_id,
             worker->profile_name, error->message);
    gw_envelope_set_pending_result (worker->current->envelope, status_for_error (error),
                                    error->message, NULL);
    worker_record (worker);
    return;
  }
  worker_deliver_on_session (worker);
}

static void
worker_deliver_next (Worker *worker)
{
  worker->current = g_ptr_array_steal_index (worker->jobs, 0);
  worker->started = g_get_monotonic_time ();
  worker_claim_ahead (worker);

  if (worker->profile_removed) {
    g_autofree char *reply = g_strdup_printf (_("The profile “%s” was removed"),
                                              worker->profile_name);
    gw_envelope_set_pending_result (worker->current->envelope, GW_RECIPIENT_PERMFAIL, reply, NULL);
    worker_record (worker);
    return;
  }
  if (worker->transport == NULL) {
    /* The plugin went missing (not installed, refused): keep the job. */
    gw_envelope_set_pending_result (worker->current->envelope, GW_RECIPIENT_TEMPFAIL,
                                    _("The profile's transport is not available"), NULL);
    worker_record (worker);
    return;
  }
  if (!gw_dispatcher_take_recipients (worker->dispatcher, worker->profile_name, worker->profile,
                                      worker->current->envelope, &worker->ticket,
                                      &worker->held_until)) {
    worker_record (worker);
    return;
  }
  /* The session may have started the job it was told of: another one
   * needs a fresh session. */
  if (worker->announced != NULL && worker->announced != worker->current->envelope)
    worker_close_session (worker);
  g_clear_object (&worker->announced);
  if (worker->session == NULL && GW_TRANSPORT_GET_CLASS (worker->transport)->open_session != NULL) {
    gw_transport_open_session (worker->transport, worker->profile,
                               worker->dispatcher->cancellable, open_session_cb, worker);
    return;
  }
  worker_deliver_on_session (worker);
}

static void
claim_cb (GObject      *source,
          GAsyncResult *res,
          gpointer      user_data)
{
  Worker *worker = user_data;
  GwPool *pool = gw_dispatcher_get_pool (worker->dispatcher, worker->profile_name);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) jobs = gw_queue_claim_finish (GW_QUEUE (source), res, &error);
  guint reserved = worker->reserved;
  gboolean awaited = worker->claim_awaited;

  worker->reserved = 0;
  worker->claiming = FALSE;
  worker->claim_awaited = FALSE;
  if (jobs == NULL) {
    g_warning ("Cannot claim jobs for %s: %s", worker->profile_name, error->message);
    if (pool->bucket != NULL)
      gw_token_bucket_put_back (pool->bucket, reserved);
    gw_dispatcher_hold_pool (worker->dispatcher, worker->profile_name);
    worker->backlog = FALSE;
    /* A claim ahead failed: the jobs in hand still go out. */
    if (awaited || worker->finished)
      worker_free (worker);
    return;
  }
  pool->failures = 0;
  if (pool->bucket != NULL && reserved > jobs->len)
    gw_token_bucket_put_back (pool->bucket, reserved - jobs->len);
  /* Stopping (a worker is only finished early then, see worker_free()):
   * the jobs stay "sending" until the next start puts them back, as for
   * any job in flight at a stop. */
  if (worker->finished || worker->dispatcher->stopped) {
    if (awaited || worker->finished)
      worker_free (worker);
    return;
  }
  worker->backlog = jobs->len == worker->claim_limit;
  /* A full batch means a backlog: let the scan add workers up to the
   * limit (a pool that may not grow would only cost the scan's queries). */
  if (worker->backlog && gw_dispatcher_pool_may_grow (worker->dispatcher, worker->profile_name))
    gw_dispatcher_wake (worker->dispatcher);
  if (!awaited) {
    g_ptr_array_extend_and_steal (worker->jobs, g_steal_pointer (&jobs));
    return;
  }
  if (jobs->len == 0) {
    worker_free (worker);
    return;
  }
  g_clear_pointer (&worker->jobs, g_ptr_array_unref);
  worker->jobs = g_steal_pointer (&jobs);
  worker_deliver_next (worker);
}

static void
worker_start_claim (Worker *worker,
                    guint   limit)
{
  worker->claiming = TRUE;
  worker->claim_limit = limit;
  gw_queue_claim_async (worker->dispatcher->queue, worker->profile_name, limit, claim_cb, worker);
}

/* With a backlog, the next jobs are claimed while the last few of a batch
 * go out: a worker that waited for each claim spent a fifth of its time
 * so at ten connections (the claim shares the writer's batches). Not
 * under a rate limit, whose tokens are taken per claim. */
static void
worker_claim_ahead (Worker *worker)
{
  GwPool *pool = gw_dispatcher_get_pool (worker->dispatcher, worker->profile_name);

  if (worker->backlog && !worker->claiming && worker->jobs->len <= CLAIM_AHEAD_AT &&
      pool->bucket == NULL && !worker->profile_removed && !worker->dispatcher->stopped)
    worker_start_claim (worker, GW_DISPATCHER_CLAIM_BATCH);
}

static void
worker_claim (Worker *worker)
{
  GwDispatcher *self = worker->dispatcher;
  GwPool *pool = gw_dispatcher_get_pool (self, worker->profile_name);
  guint limit = GW_DISPATCHER_CLAIM_BATCH;

  if (self->stopped) {
    worker_free (worker);
    return;
  }
  if (worker_handle_unrecorded (worker))
    return;
  if (worker->jobs != NULL && worker->jobs->len > 0) {
    worker_deliver_next (worker);
    return;
  }
  worker->claim_awaited = TRUE;
  if (worker->claiming)
    return;
  if (pool->bucket != NULL) {
    gint64 now = g_get_monotonic_time ();

    limit = gw_token_bucket_take (pool->bucket, limit, now);
    if (limit == 0) {
      worker->claim_awaited = FALSE;
      /* Rate limit reached: wait for the next token, if there is work. */
      if (!gw_queue_has_due_work (self->queue, worker->profile_name, g_get_real_time ())) {
        worker_free (worker);
        return;
      }
      worker_wait (worker, gw_token_bucket_get_wait (pool->bucket, now));
      return;
    }
    worker->reserved = limit;
  }
  worker_start_claim (worker, limit);
}

void
gw_dispatcher_start_worker (GwDispatcher *self,
                            const char   *profile_name)
{
  GwProfile *profile = gw_profile_store_lookup (self->profiles, profile_name);
  GwPool *pool = gw_dispatcher_get_pool (self, profile_name);
  Worker *worker;

  worker = g_new0 (Worker, 1);
  worker->dispatcher = g_object_ref (self);
  worker->profile_name = g_strdup (profile_name);
  pool->active++;
  self->n_workers++;
  if (profile == NULL) {
    /* Jobs of a removed profile: keep the profile name, fail cleanly. */
    worker->profile = gw_stored_profile_new (profile_name, NULL);
    worker->profile_removed = TRUE;
  } else {
    worker->profile = g_object_ref (profile);
    worker->transport = gw_plugin_loader_lookup (self->plugins, gw_profile_get_transport (profile));
    if (worker->transport != NULL)
      g_object_ref (worker->transport);
  }
  worker_claim (worker);
}
