/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-intake.c: the intake pipeline (see gw-intake.h for its steps) */
#define G_LOG_DOMAIN "gw-intake"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-intake-private.h"
#include "gw-log.h"
#include "gw-message-id.h"
#include "gw-metrics-hooks.h"

G_DEFINE_FINAL_TYPE (GwIntake, gw_intake, G_TYPE_OBJECT)

static void
gw_intake_finalize (GObject *object)
{
  GwIntake *self = GW_INTAKE (object);

  g_clear_object (&self->config);
  g_clear_object (&self->profiles);
  g_clear_object (&self->plugins);
  g_clear_object (&self->queue);
  g_clear_object (&self->links);
  g_clear_object (&self->router);
  g_clear_object (&self->quota);
  g_clear_object (&self->aliases);
  G_OBJECT_CLASS (gw_intake_parent_class)->finalize (object);
}

static void
gw_intake_class_init (GwIntakeClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_intake_finalize;
}

static void
gw_intake_init (GwIntake *self)
{
}

GwIntake *
gw_intake_new (GwConfig          *config,
               GwProfileStore    *profiles,
               GwPluginLoader    *plugins,
               GwQueue           *queue,
               GwAttachmentLinks *links,
               GError           **error)
{
  g_autoptr(GwIntake) self = g_object_new (GW_TYPE_INTAKE, NULL);
  g_autofree char *routes = g_build_filename (gw_config_get_config_dir (config), "routes.json", NULL);

  self->config = g_object_ref (config);
  self->profiles = g_object_ref (profiles);
  self->plugins = g_object_ref (plugins);
  self->queue = g_object_ref (queue);
  self->links = links != NULL ? g_object_ref (links) : NULL;
  self->quota = gw_quota_new (gw_config_get_max_queued_deliveries (config),
                              gw_config_get_max_stored_bytes (config),
                              gw_config_get_max_sends_per_minute (config));
  self->aliases = gw_aliases_new (gw_config_get_sendmail (config));
  self->router = gw_router_new (routes, gw_intake_probe_profile, self);
  if (!gw_router_load (self->router, error))
    return NULL;
  return g_steal_pointer (&self);
}

GwRouter *
gw_intake_get_router (GwIntake *self)
{
  return self->router;
}

GwQuota *
gw_intake_get_quota (GwIntake *self)
{
  return self->quota;
}

guint
gw_intake_get_in_flight (GwIntake *self)
{
  return self->in_flight;
}

/* ---- step 3: what a notification from any door must satisfy ---- */

/* The checks of single values (types, lengths, line breaks) belong to the
 * door's parser (gw_notification_new_from_variant()); these hold for the
 * notification as a whole. */
static gboolean
validate (GwNotification *n,
          GError        **error)
{
  if (gw_notification_count_recipients (n) == 0) {
    g_autofree char *keys = gw_notification_dup_recipient_keys ();

    g_set_error (error, HERALD_ERROR, HERALD_ERROR_NO_RECIPIENTS,
                 _("The notification has no recipient: give %s"), keys);
    return FALSE;
  }
  if (n->urgency > 2) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                 _("“urgency” must be 0 (low), 1 (normal) or 2 (critical), not %u"), n->urgency);
    return FALSE;
  }
  if (n->attachments_size > GW_NOTIFICATION_MAX_ATTACHMENTS_SIZE) {
    g_autofree char *limit = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                              (guint64) GW_NOTIFICATION_MAX_ATTACHMENTS_SIZE);
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE,
                 _("Attachments are larger than the gateway's limit of %s bytes"), limit);
    return FALSE;
  }
  return TRUE;
}

/* ---- steps 5 and 7: quotas ---- */

gboolean
gw_intake_read_usage (GwIntake     *self,
                      guint         uid,
                      GwQuotaUsage *held,
                      GError      **error)
{
  memset (held, 0, sizeof *held);
  if (!gw_queue_get_caller_usage (self->queue, uid, &held->deliveries, &held->queue_bytes, error))
    return FALSE;
  if (self->links != NULL)
    held->spool_bytes = gw_attachment_links_get_usage (self->links, uid);
  return TRUE;
}

guint64
gw_intake_jobs_bytes (GPtrArray *jobs)
{
  guint64 bytes = 0;

  for (guint i = 0; i < jobs->len; i++) {
    GwIntakeJob *job = g_ptr_array_index (jobs, i);
    bytes += gw_envelope_get_message_size (job->envelope);
  }
  return bytes;
}

/* ---- Send ---- */

void
gw_intake_request_free (GwIntakeRequest *request)
{
  g_object_unref (request->self);
  g_object_unref (request->caller);
  g_clear_pointer (&request->notification, gw_notification_free);
  g_clear_object (&request->batch);
  g_free (request->delivery_id);
  g_clear_pointer (&request->accepted, g_ptr_array_unref);
  g_free (request);
}

void
gw_intake_fail (GTask  *task,
                GError *error)
{
  GwIntakeRequest *request = g_task_get_task_data (task);

  if (request->batch != NULL)
    gw_attachment_links_discard (request->batch);
  g_task_return_error (task, error);
}

/* The metrics' accepted notifications, one per job committed. */
static void
count_accepted (GPtrArray *accepted)
{
  for (guint i = 0; i + 1 < accepted->len; i += 2)
    gw_metrics_count_accepted (g_ptr_array_index (accepted, i), g_ptr_array_index (accepted, i + 1));
}

static void
committed_cb (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  g_autoptr(GTask) task = G_TASK (user_data);
  GwIntakeRequest *request = g_task_get_task_data (task);
  GwIntake *self = request->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = gw_queue_submit_finish (GW_QUEUE (source), res, &error);

  self->in_flight--;
  gw_quota_release (self->quota, gw_caller_get_uid (request->caller), &request->reserved);
  if (id == NULL) {
    g_warning ("Cannot queue a notification: %s", error->message);
    gw_intake_fail (task, g_steal_pointer (&error));
    return;
  }
  if (gw_log_debug_shown ())
    g_debug ("Delivery %s queued for uid %u (%s)", id, gw_caller_get_uid (request->caller),
             gw_caller_get_door (request->caller));
  /* A repeated idempotency key stored nothing: nothing was accepted. */
  if (g_str_equal (id, request->delivery_id))
    count_accepted (request->accepted);
  g_task_return_pointer (task, g_steal_pointer (&id), g_free);
}

void
gw_intake_commit (GTask     *task,
                  GPtrArray *jobs)
{
  GwIntakeRequest *request = g_task_get_task_data (task);
  GwNotification *n = request->notification;
  GwSubmission *submission = gw_submission_new ();

  submission->delivery_id = gw_delivery_id_generate ();
  submission->caller_uid = gw_caller_get_uid (request->caller);
  request->delivery_id = g_strdup (submission->delivery_id);
  request->accepted = g_ptr_array_new_with_free_func (g_free);
  submission->urgency = n->urgency;
  submission->app_name = g_strdup (n->app_name);
  submission->category = g_strdup (n->category);
  submission->subject = g_strdup (n->subject);
  submission->idempotency_key = g_strdup (n->idempotency_key);
  for (guint i = 0; i < jobs->len; i++) {
    GwIntakeJob *job = g_ptr_array_index (jobs, i);

    if (gw_log_debug_shown ())
      g_debug ("Routed to %s by %s", job->route->profile, job->route->rule);
    gw_submission_add_job (submission, job->route->profile, job->expire_at, job->envelope);
    g_ptr_array_add (request->accepted, g_strdup (job->route->profile));
    g_ptr_array_add (request->accepted, g_strdup (job->route->transport));
  }
  request->self->in_flight++;
  gw_queue_submit_async (request->self->queue, submission, committed_cb, task);
}

/* Steps 1 to 7 run at once; the commit (8) completes @task later. */
/* The attachments' bytes are in the composed messages (or the spool) now:
 * they go before the commit, so that a large one is not held next to its
 * message while the queue writes (issue 18). Names and sizes stay. */
static void
release_attachment_data (GwNotification *n)
{
  for (guint i = 0; i < n->attachments->len; i++) {
    GwAttachment *attachment = g_ptr_array_index (n->attachments, i);

    g_clear_pointer (&attachment->data, g_bytes_unref);
    g_clear_object (&attachment->file);
    attachment->data = g_bytes_new_static ("", 0);
  }
}

static void
run_pipeline (GTask *task)
{
  GwIntakeRequest *request = g_task_get_task_data (task);
  GwIntake *self = request->self;
  GwNotification *n = request->notification;
  guint uid = gw_caller_get_uid (request->caller);
  g_autoptr(GPtrArray) routes = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GError) error = NULL;
  GwQuotaUsage adding = { 1, 0, 0 };
  GwQuotaUsage held;
  guint link_routes;

  if (!gw_caller_authorize (request->caller, GW_OPERATION_SEND, &error) ||
      !gw_quota_take_send (self->quota, uid, g_get_monotonic_time (), &error) ||
      !validate (n, &error)) {
    gw_intake_fail (task, g_steal_pointer (&error));
    return;
  }
  routes = gw_intake_route (self, n, &error);
  if (routes == NULL) {
    gw_intake_fail (task, g_steal_pointer (&error));
    return;
  }
  /* Before composing: attachments are part of each message (at least
   * their own size) or are kept once per route in the spool. */
  link_routes = gw_intake_count_link_routes (self, n, routes);
  adding.spool_bytes = n->attachments_size * link_routes;
  adding.queue_bytes = n->attachments_size * (routes->len - link_routes);
  /* What the caller holds is read once: the second check below adds the
   * composed sizes to the same figure (a query per check was a cost on
   * every Send). */
  if (!gw_intake_read_usage (self, uid, &held, &error) ||
      !gw_quota_check (self->quota, uid, &held, &adding, &error)) {
    gw_intake_fail (task, g_steal_pointer (&error));
    return;
  }
  if (link_routes > 0 && self->links != NULL)
    request->batch = gw_attachment_links_new_batch (self->links, uid);
  jobs = gw_intake_compose (self, n, routes,
                            request->batch != NULL ? request->batch : self->links, &error);
  if (jobs == NULL) {
    gw_intake_fail (task, g_steal_pointer (&error));
    return;
  }
  release_attachment_data (n);
  /* After composing: the messages' real size; @held was read before the
   * batch stored its files, so they count here through @adding. */
  adding.spool_bytes = request->batch != NULL ? adding.spool_bytes : 0;
  adding.queue_bytes = gw_intake_jobs_bytes (jobs);
  if (!gw_quota_check (self->quota, uid, &held, &adding, &error)) {
    gw_intake_fail (task, g_steal_pointer (&error));
    return;
  }
  if (g_task_return_error_if_cancelled (task)) {
    if (request->batch != NULL)
      gw_attachment_links_discard (request->batch);
    return;
  }
  /* Until the commit: the messages. The spool counts its files itself. */
  adding.spool_bytes = 0;
  request->reserved = adding;
  gw_quota_reserve (self->quota, uid, &request->reserved);
  gw_intake_commit (g_object_ref (task), jobs);
}

void
gw_intake_send_async (GwIntake           *self,
                      GwCaller           *caller,
                      GwNotification     *notification,
                      GCancellable       *cancellable,
                      GAsyncReadyCallback callback,
                      gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  GwIntakeRequest *request;

  g_return_if_fail (GW_IS_INTAKE (self));
  g_return_if_fail (GW_IS_CALLER (caller));
  g_return_if_fail (notification != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gw_intake_send_async);
  request = g_new0 (GwIntakeRequest, 1);
  request->self = g_object_ref (self);
  request->caller = g_object_ref (caller);
  request->notification = notification;
  g_task_set_task_data (task, request, (GDestroyNotify) gw_intake_request_free);
  run_pipeline (task);
}

char *
gw_intake_send_finish (GwIntake     *self,
                       GAsyncResult *result,
                       GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- CheckRoute ---- */

GPtrArray *
gw_intake_check_route (GwIntake       *self,
                       GwCaller       *caller,
                       GwNotification *notification,
                       GError        **error)
{
  g_autoptr(GPtrArray) routes = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GPtrArray) result = g_ptr_array_new_with_free_func ((GDestroyNotify) gw_route_free);

  if (!gw_caller_authorize (caller, GW_OPERATION_CHECK_ROUTE, error) ||
      !validate (notification, error))
    return NULL;
  routes = gw_intake_route (self, notification, error);
  if (routes == NULL)
    return NULL;
  /* Composed for its checks only: without a spool nothing is stored. */
  jobs = gw_intake_compose (self, notification, routes, NULL, error);
  if (jobs == NULL)
    return NULL;
  for (guint i = 0; i < jobs->len; i++) {
    GwIntakeJob *job = g_ptr_array_index (jobs, i);
    g_ptr_array_add (result, g_steal_pointer (&job->route));
  }
  return g_steal_pointer (&result);
}

/* ---- GetQuota ---- */

GVariant *
gw_intake_get_usage (GwIntake  *self,
                     GwCaller  *caller,
                     guint      uid,
                     GError   **error)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  GwQuotaUsage held, reserved;
  guint64 available;

  if (!gw_caller_authorize (caller, GW_OPERATION_READ_QUOTA, error))
    return NULL;
  if (!gw_caller_may_see (caller, uid)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED,
                 _("Not authorised: the quota of another user needs the right “%s”"),
                 gw_right_get_name (GW_RIGHT_READ_LOG));
    return NULL;
  }
  if (!gw_intake_read_usage (self, uid, &held, error))
    return NULL;
  /* As Send counts them: what is on its way to the queue too. */
  gw_quota_get_reserved (self->quota, uid, &reserved);
  held.deliveries += reserved.deliveries;
  held.queue_bytes += reserved.queue_bytes;
  available = gw_quota_get_sends_available (self->quota, uid, g_get_monotonic_time ());

  g_variant_dict_insert (&dict, "uid", "u", (guint32) uid);
  g_variant_dict_insert (&dict, "queued-deliveries", "t", held.deliveries);
  g_variant_dict_insert (&dict, "max-queued-deliveries", "t", gw_quota_get_max_deliveries (self->quota));
  g_variant_dict_insert (&dict, "stored-bytes", "t", held.queue_bytes + held.spool_bytes);
  g_variant_dict_insert (&dict, "queue-bytes", "t", held.queue_bytes);
  g_variant_dict_insert (&dict, "spool-bytes", "t", held.spool_bytes);
  g_variant_dict_insert (&dict, "max-stored-bytes", "t", gw_quota_get_max_stored_bytes (self->quota));
  g_variant_dict_insert (&dict, "sends-available", "t", available);
  g_variant_dict_insert (&dict, "max-sends-per-minute", "u",
                         (guint32) gw_quota_get_max_sends_per_minute (self->quota));
  return g_variant_dict_end (&dict);
}
