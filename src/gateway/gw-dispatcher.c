/* gw-dispatcher.c: takes due jobs from the queue and hands them to transports
 *
 * One pool per profile limits the sessions open toward its server
 * (max-connections). A worker claims jobs, opens a session only when it has
 * work, delivers job after job over that session, records each result and
 * claims again until nothing is due. A slow or dead server only occupies its
 * own profile's workers.
 */
#define G_LOG_DOMAIN "gw-dispatcher"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "gw-dispatcher.h"

#define CLAIM_BATCH      16
#define RETRY_CAP_SECONDS 4000

struct _GwDispatcher {
  GObject         parent_instance;
  GwQueue        *queue;
  GwProfileStore *profiles;
  GwPluginLoader *plugins;
  GHashTable     *active;       /* profile name → GUINT active workers */
  guint           scan_source;
  guint           timer_source;
  gint64          timer_due;
  GCancellable   *cancellable;
  GwUntrustedStore *untrusted;
  gboolean        stopped;
};

G_DEFINE_FINAL_TYPE (GwDispatcher, gw_dispatcher, G_TYPE_OBJECT)

typedef struct {
  GwDispatcher *dispatcher;
  char         *profile_name;
  GwProfile    *profile;      /* snapshot for this worker's lifetime */
  GwTransport  *transport;
  GObject      *session;
  gboolean      profile_removed;
  GPtrArray    *jobs;         /* claimed, not yet delivered */
  GwQueuedJob  *current;
  gint64        started;
} Worker;

static void worker_claim (Worker *worker);
static void gw_dispatcher_scan_now (GwDispatcher *self);

gint64
gw_dispatcher_retry_delay (guint64 retry_interval,
                           guint   attempt)
{
  guint64 cap = MAX (retry_interval, RETRY_CAP_SECONDS);
  guint64 delay = retry_interval;

  for (guint i = 1; i < attempt && delay < cap; i++)
    delay *= 2;
  return (gint64) MIN (delay, cap) * G_USEC_PER_SEC;
}

static guint
active_count (GwDispatcher *self,
              const char   *profile)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (self->active, profile));
}

static void
set_active_count (GwDispatcher *self,
                  const char   *profile,
                  guint         count)
{
  if (count == 0)
    g_hash_table_remove (self->active, profile);
  else
    g_hash_table_insert (self->active, g_strdup (profile), GUINT_TO_POINTER (count));
}

static void
worker_free (Worker *worker)
{
  GwDispatcher *self = worker->dispatcher;

  if (worker->session != NULL)
    gw_transport_close_session (worker->transport, g_steal_pointer (&worker->session));
  set_active_count (self, worker->profile_name, active_count (self, worker->profile_name) - 1);
  g_clear_pointer (&worker->jobs, g_ptr_array_unref);
  g_clear_pointer (&worker->current, gw_queued_job_free);
  g_clear_object (&worker->profile);
  g_clear_object (&worker->transport);
  g_free (worker->profile_name);
  g_free (worker);
  /* A finished worker may leave due work behind (a failed session). */
  if (!self->stopped)
    gw_dispatcher_wake (self);
  g_object_unref (self);
}

/* Decides the job's state from its recipients' results and the retry policy. */
static void
worker_record_outcome (Worker            *worker,
                       GwQueuedJob       *job,
                       GwAttemptResult   *result)
{
  GwEnvelope *envelope = job->envelope;
  gboolean any_temp = FALSE, any_perm = FALSE;
  const char *reply = NULL, *code = NULL;
  gint64 now = g_get_real_time ();

  for (guint i = 0; i < gw_envelope_get_n_recipients (envelope); i++) {
    GwRecipient *r = gw_envelope_get_recipient (envelope, i);

    if (r->status == GW_RECIPIENT_PENDING)
      gw_envelope_set_result (envelope, i, GW_RECIPIENT_TEMPFAIL,
                              _("The transport gave no result"), NULL);
    any_temp |= r->status == GW_RECIPIENT_TEMPFAIL;
    any_perm |= r->status == GW_RECIPIENT_PERMFAIL;
    if (reply == NULL || (r->status != GW_RECIPIENT_SENT && code == NULL)) {
      reply = r->reply;
      code = r->enhanced_code;
    }
  }
  result->reply = reply;
  result->enhanced_code = code;
  result->next_attempt = 0;
  if (any_temp && now >= job->expire_at) {
    gw_envelope_set_pending_result (envelope, GW_RECIPIENT_PERMFAIL, NULL, NULL);
    for (guint i = 0; i < gw_envelope_get_n_recipients (envelope); i++) {
      GwRecipient *r = gw_envelope_get_recipient (envelope, i);
      if (r->status == GW_RECIPIENT_TEMPFAIL)
        r->status = GW_RECIPIENT_PERMFAIL;
    }
    result->state = "failed";
    result->reason = "expired";
  } else if (any_temp) {
    result->state = "deferred";
    result->next_attempt = now + gw_dispatcher_retry_delay (
      gw_profile_get_uint (worker->profile, "retry-interval"), job->attempts + 1);
  } else if (any_perm) {
    result->state = "failed";
    result->reason = "rejected";
  } else {
    result->state = "sent";
  }
}

static void
record_cb (GObject      *source,
           GAsyncResult *res,
           gpointer      user_data)
{
  Worker *worker = user_data;
  g_autoptr(GError) error = NULL;

  if (!gw_queue_record_finish (GW_QUEUE (source), res, &error))
    g_warning ("Cannot record the result of job %" G_GINT64_FORMAT ": %s",
               worker->current->job_id, error->message);
  g_clear_pointer (&worker->current, gw_queued_job_free);
  worker_claim (worker);
}

static void
worker_record (Worker *worker)
{
  GwAttemptResult result = { 0 };
  GVariant *certificate = gw_envelope_get_certificate_failure (worker->current->envelope);

  if (certificate != NULL && worker->dispatcher->untrusted != NULL) {
    g_autoptr(GError) error = NULL;
    if (!gw_untrusted_store_record (worker->dispatcher->untrusted, worker->profile_name,
                                    certificate, &error))
      g_warning ("Cannot record an untrusted certificate: %s", error->message);
  }

  result.started = worker->started;
  result.duration_us = g_get_monotonic_time () - worker->started;
  worker_record_outcome (worker, worker->current, &result);
  g_debug ("Job %" G_GINT64_FORMAT " of delivery %s via %s: %s",
           worker->current->job_id, worker->current->delivery_id, worker->profile_name, result.state);
  /* started was monotonic for the duration; store wall-clock time. */
  result.started = g_get_real_time () - result.duration_us;
  gw_queue_record_async (worker->dispatcher->queue, worker->current, &result, record_cb, worker);
}

static void
deliver_cb (GObject      *source,
            GAsyncResult *res,
            gpointer      user_data)
{
  Worker *worker = user_data;
  g_autoptr(GError) error = NULL;

  if (!gw_transport_deliver_finish (GW_TRANSPORT (source), res, &error)) {
    GwRecipientStatus status = g_error_matches (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT)
                               ? GW_RECIPIENT_PERMFAIL : GW_RECIPIENT_TEMPFAIL;

    g_info ("Delivery over %s failed: %s", worker->profile_name, error->message);
    gw_envelope_set_pending_result (worker->current->envelope, status, error->message, NULL);
    /* The session is in an unknown state: do not reuse it. */
    if (worker->session != NULL)
      gw_transport_close_session (worker->transport, g_steal_pointer (&worker->session));
  }
  worker_record (worker);
}

static void worker_deliver_next (Worker *worker);

static void
open_session_cb (GObject      *source,
                 GAsyncResult *res,
                 gpointer      user_data)
{
  Worker *worker = user_data;
  g_autoptr(GError) error = NULL;

  worker->session = gw_transport_open_session_finish (GW_TRANSPORT (source), res, &error);
  if (error != NULL) {
    GwRecipientStatus status = g_error_matches (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT)
                               ? GW_RECIPIENT_PERMFAIL : GW_RECIPIENT_TEMPFAIL;

    g_info ("Cannot open a session for %s: %s", worker->profile_name, error->message);
    gw_envelope_set_pending_result (worker->current->envelope, status, error->message, NULL);
    worker_record (worker);
    return;
  }
  gw_transport_deliver (worker->transport, worker->profile, worker->session,
                        worker->current->envelope, worker->dispatcher->cancellable,
                        deliver_cb, worker);
}

static void
worker_deliver_next (Worker *worker)
{
  g_autoptr(GError) error = NULL;

  worker->current = g_ptr_array_steal_index (worker->jobs, 0);
  worker->started = g_get_monotonic_time ();

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
  if (worker->session == NULL && GW_TRANSPORT_GET_CLASS (worker->transport)->open_session != NULL) {
    gw_transport_open_session (worker->transport, worker->profile,
                               worker->dispatcher->cancellable, open_session_cb, worker);
    return;
  }
  gw_transport_deliver (worker->transport, worker->profile, worker->session,
                        worker->current->envelope, worker->dispatcher->cancellable,
                        deliver_cb, worker);
}

static void
claim_cb (GObject      *source,
          GAsyncResult *res,
          gpointer      user_data)
{
  Worker *worker = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) jobs = gw_queue_claim_finish (GW_QUEUE (source), res, &error);

  if (jobs == NULL) {
    g_warning ("Cannot claim jobs for %s: %s", worker->profile_name, error->message);
    worker_free (worker);
    return;
  }
  if (jobs->len == 0 || worker->dispatcher->stopped) {
    worker_free (worker);
    return;
  }
  g_clear_pointer (&worker->jobs, g_ptr_array_unref);
  worker->jobs = g_steal_pointer (&jobs);
  /* A full batch means a backlog: let the scan add workers up to the limit. */
  if (worker->jobs->len == CLAIM_BATCH)
    gw_dispatcher_wake (worker->dispatcher);
  worker_deliver_next (worker);
}

static void
worker_claim (Worker *worker)
{
  if (worker->jobs != NULL && worker->jobs->len > 0 && !worker->dispatcher->stopped) {
    worker_deliver_next (worker);
    return;
  }
  gw_queue_claim_async (worker->dispatcher->queue, worker->profile_name, CLAIM_BATCH,
                        claim_cb, worker);
}

static void
gw_dispatcher_start_worker (GwDispatcher *self,
                            const char   *profile_name)
{
  GwProfile *profile = gw_profile_store_lookup (self->profiles, profile_name);
  Worker *worker;

  worker = g_new0 (Worker, 1);
  worker->dispatcher = g_object_ref (self);
  worker->profile_name = g_strdup (profile_name);
  set_active_count (self, profile_name, active_count (self, profile_name) + 1);
  if (profile == NULL) {
    /* Jobs of a removed profile: keep the profile name, fail cleanly. */
    worker->profile = gw_profile_new (profile_name, NULL);
    worker->profile_removed = TRUE;
  } else {
    worker->profile = g_object_ref (profile);
    worker->transport = gw_plugin_loader_lookup (self->plugins, gw_profile_get_transport (profile));
    if (worker->transport != NULL)
      g_object_ref (worker->transport);
  }
  worker_claim (worker);
}

static void gw_dispatcher_arm_timer (GwDispatcher *self,
                                     gint64        next);

/* Starts workers for due profiles that have capacity; returns FALSE on a
 * queue error. */
static gboolean
gw_dispatcher_start_due (GwDispatcher *self)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) due = gw_queue_dup_due_profiles (self->queue, g_get_real_time (), &error);

  if (due == NULL) {
    g_warning ("Cannot look for due work: %s", error->message);
    return FALSE;
  }
  for (guint i = 0; due[i] != NULL; i++) {
    GwProfile *profile = gw_profile_store_lookup (self->profiles, due[i]);
    guint64 max = profile != NULL ? gw_profile_get_uint (profile, "max-connections") : 1;

    if (active_count (self, due[i]) < max)
      gw_dispatcher_start_worker (self, due[i]);
  }
  return TRUE;
}

static void
gw_dispatcher_scan_now (GwDispatcher *self)
{
  if (self->stopped)
    return;
  /* Work that falls due between the look-up and arming the timer would
   * otherwise wait for an unrelated wake-up: look again. Work of profiles
   * at their connection limit is picked up by their running workers, which
   * wake the dispatcher when they finish. */
  for (guint pass = 0; pass < 3; pass++) {
    gint64 next;

    if (!gw_dispatcher_start_due (self))
      return;
    next = gw_queue_get_next_wakeup (self->queue);
    if (next == 0 || next > g_get_real_time ()) {
      gw_dispatcher_arm_timer (self, next);
      return;
    }
  }
}

static gboolean
scan_cb (gpointer user_data)
{
  GwDispatcher *self = user_data;

  self->scan_source = 0;
  gw_dispatcher_scan_now (self);
  return G_SOURCE_REMOVE;
}

static gboolean
timer_cb (gpointer user_data)
{
  GwDispatcher *self = user_data;

  self->timer_source = 0;
  self->timer_due = 0;
  gw_dispatcher_scan_now (self);
  return G_SOURCE_REMOVE;
}

/* Deferred work wakes on a timer at the earliest next attempt. */
static void
gw_dispatcher_arm_timer (GwDispatcher *self,
                         gint64        next)
{
  gint64 now = g_get_real_time ();
  guint delay_ms;

  if (next == 0 || next <= now)
    return;
  if (self->timer_source != 0 && self->timer_due <= next)
    return;
  g_clear_handle_id (&self->timer_source, g_source_remove);
  delay_ms = (guint) MIN ((next - now) / 1000 + 1, (gint64) G_MAXINT);
  self->timer_due = next;
  self->timer_source = g_timeout_add (delay_ms, timer_cb, self);
}

void
gw_dispatcher_wake (GwDispatcher *self)
{
  if (self->scan_source == 0 && !self->stopped)
    self->scan_source = g_idle_add (scan_cb, self);
}

gboolean
gw_dispatcher_is_idle (GwDispatcher *self)
{
  return g_hash_table_size (self->active) == 0;
}

void
gw_dispatcher_stop (GwDispatcher *self)
{
  self->stopped = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->scan_source, g_source_remove);
  g_clear_handle_id (&self->timer_source, g_source_remove);
}

static void
gw_dispatcher_finalize (GObject *object)
{
  GwDispatcher *self = GW_DISPATCHER (object);

  gw_dispatcher_stop (self);
  g_hash_table_unref (self->active);
  g_object_unref (self->cancellable);
  g_object_unref (self->queue);
  g_object_unref (self->profiles);
  g_object_unref (self->plugins);
  g_clear_object (&self->untrusted);
  G_OBJECT_CLASS (gw_dispatcher_parent_class)->finalize (object);
}

static void
gw_dispatcher_class_init (GwDispatcherClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_dispatcher_finalize;
}

static void
gw_dispatcher_init (GwDispatcher *self)
{
  self->active = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();
}

GwDispatcher *
gw_dispatcher_new (GwQueue        *queue,
                   GwProfileStore *profiles,
                   GwPluginLoader *plugins)
{
  GwDispatcher *self = g_object_new (GW_TYPE_DISPATCHER, NULL);

  self->queue = g_object_ref (queue);
  self->profiles = g_object_ref (profiles);
  self->plugins = g_object_ref (plugins);
  return self;
}

void
gw_dispatcher_set_untrusted_store (GwDispatcher     *self,
                                   GwUntrustedStore *store)
{
  g_set_object (&self->untrusted, store);
}
