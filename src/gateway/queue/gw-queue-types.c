/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-queue-types.c: the values handed to and from the queue (submissions,
 * claimed jobs, attempt results) */
#define G_LOG_DOMAIN "gw-queue"

#include "config.h"

#include "gw-queue.h"

GwSubmission *
gw_submission_new (void)
{
  GwSubmission *self = g_new0 (GwSubmission, 1);

  self->urgency = 1;
  self->jobs = g_ptr_array_new ();
  return self;
}

void
gw_submission_add_job (GwSubmission *self,
                       const char   *profile,
                       gint64        expire_at,
                       GwEnvelope   *envelope)
{
  GwSubmissionJob *job = g_new0 (GwSubmissionJob, 1);

  job->profile = g_strdup (profile);
  job->expire_at = expire_at;
  job->envelope = g_object_ref (envelope);
  g_ptr_array_add (self->jobs, job);
}

void
gw_submission_release_jobs (GwSubmission *self)
{
  for (guint i = 0; i < self->jobs->len; i++) {
    GwSubmissionJob *job = g_ptr_array_index (self->jobs, i);
    g_free (job->profile);
    g_object_unref (job->envelope);
    g_free (job);
  }
  g_ptr_array_set_size (self->jobs, 0);
}

void
gw_submission_free (GwSubmission *self)
{
  gw_submission_release_jobs (self);
  g_ptr_array_unref (self->jobs);
  g_free (self->delivery_id);
  g_free (self->app_name);
  g_free (self->category);
  g_free (self->subject);
  g_free (self->idempotency_key);
  g_free (self);
}

void
gw_queued_job_free (GwQueuedJob *job)
{
  g_free (job->delivery_id);
  g_free (job->profile);
  g_clear_object (&job->envelope);
  g_free (job);
}

GwAttemptResult *
gw_attempt_result_copy (const GwAttemptResult *result)
{
  GwAttemptResult *copy = g_new (GwAttemptResult, 1);

  *copy = *result;
  copy->state = g_strdup (result->state);
  copy->reply = g_strdup (result->reply);
  copy->enhanced_code = g_strdup (result->enhanced_code);
  copy->reason = g_strdup (result->reason);
  copy->tls = g_strdup (result->tls);
  copy->fallback = g_strdup (result->fallback);
  return copy;
}

/* Frees a result made by gw_attempt_result_copy(), never a caller's own. */
void
gw_attempt_result_free (GwAttemptResult *result)
{
  g_free ((char *) result->state);
  g_free ((char *) result->reply);
  g_free ((char *) result->enhanced_code);
  g_free ((char *) result->reason);
  g_free ((char *) result->tls);
  g_free ((char *) result->fallback);
  g_free (result);
}
