/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-dispatcher-outcome.c: what one attempt at a job came to
 *
 * From the recipients' results a transport left in the envelope and the
 * profile's retry policy: sent, deferred (when next), submitted (asked
 * again when), failed or partial (and the fallback profile, if any), or
 * held for a sign-in.
 */
#define G_LOG_DOMAIN "gw-dispatcher"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "gw-dispatcher-private.h"
#include "gw-oauth2.h"
#include "gw-remote-jobs.h"

/* Picks the profile's fallback for a job that failed for good; the queue
 * refuses it if it is already in the job's fallback chain. */
static void
choose_fallback (GwDispatcher    *self,
                 const char      *profile_name,
                 GwProfile       *profile,
                 GwAttemptResult *result)
{
  const char *name = gw_profile_get_string (profile, "fallback");
  GwProfile *fallback;

  if (name == NULL)
    return;
  fallback = gw_profile_store_lookup (self->profiles, name);
  if (fallback == NULL) {
    g_warning ("Profile %s names fallback profile %s, which does not exist", profile_name, name);
    return;
  }
  result->fallback = name;
  result->fallback_expire_at = g_get_real_time () +
    (gint64) gw_profile_get_uint (fallback, "expire-after") * G_USEC_PER_SEC;
}

/* Seconds until the server that has a submitted job is asked again. */
static guint
poll_interval (GwTransport *transport,
               GwProfile   *profile)
{
  if (transport != NULL && GW_IS_REMOTE_JOBS (transport))
    return gw_remote_jobs_get_poll_interval (GW_REMOTE_JOBS (transport), profile);
  return (guint) MIN (gw_profile_get_uint (profile, "retry-interval"), G_MAXUINT);
}

/* "bad@example.org: 550 5.1.1 ...; other@example.org: 550 ...": the
 * recipients refused for good, each with the server's reply, for the reply
 * of a job that reached the others. */
static char *
describe_refused (GwEnvelope *envelope)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < gw_envelope_get_n_recipients (envelope); i++) {
    GwRecipient *r = gw_envelope_get_recipient (envelope, i);

    if (r->status != GW_RECIPIENT_PERMFAIL)
      continue;
    if (text->len > 0)
      g_string_append (text, "; ");
    g_string_append_printf (text, "%s: %s", r->address, r->reply != NULL ? r->reply : "");
  }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* Decides the job's state from its recipients' results and the retry
 * policy: "partial" when some recipients have the message and the others
 * failed for good (the queue also makes a "failed" job partial when an
 * earlier attempt reached a recipient). */
void
gw_dispatcher_decide_outcome (GwDispatcher    *self,
                              const char      *profile_name,
                              GwProfile       *configured,
                              GwProfile       *profile,
                              GwTransport     *transport,
                              GwQueuedJob     *job,
                              gboolean         damaged,
                              GwAttemptResult *result,
                              char           **refused)
{
  GwEnvelope *envelope = job->envelope;
  gboolean any_temp = FALSE, any_perm = FALSE, any_submitted = FALSE, any_sent = FALSE;
  const char *reply = NULL, *code = NULL;
  gint64 now = g_get_real_time ();

  for (guint i = 0; i < gw_envelope_get_n_recipients (envelope); i++) {
    GwRecipient *r = gw_envelope_get_recipient (envelope, i);

    if (r->status == GW_RECIPIENT_PENDING)
      gw_envelope_set_result (envelope, i, GW_RECIPIENT_TEMPFAIL,
                              _("The transport gave no result"), NULL);
    any_temp |= r->status == GW_RECIPIENT_TEMPFAIL;
    any_perm |= r->status == GW_RECIPIENT_PERMFAIL;
    any_submitted |= r->status == GW_RECIPIENT_SUBMITTED;
    any_sent |= r->status == GW_RECIPIENT_SENT;
    if (reply == NULL || (r->status != GW_RECIPIENT_SENT && code == NULL)) {
      reply = r->reply;
      code = r->enhanced_code;
    }
  }
  result->reply = reply;
  result->enhanced_code = code;
  result->next_attempt = 0;
  result->tls = gw_envelope_get_tls (envelope);
  /* A profile whose refresh token was refused waits for a person to sign
   * it in: its jobs are held (deferred, never expired) until then. */
  if (any_temp && configured != NULL && gw_oauth2_needs_sign_in (gw_oauth2_get_default (), configured)) {
    result->state = "deferred";
    result->reason = GW_QUEUE_REASON_SIGN_IN;
    result->next_attempt = now + gw_dispatcher_retry_delay (
      gw_profile_get_uint (profile, "retry-interval"), job->attempts + 1);
    return;
  }
  if (any_temp && now >= job->expire_at) {
    for (guint i = 0; i < gw_envelope_get_n_recipients (envelope); i++) {
      GwRecipient *r = gw_envelope_get_recipient (envelope, i);
      if (r->status == GW_RECIPIENT_TEMPFAIL)
        r->status = GW_RECIPIENT_PERMFAIL;
    }
    result->state = "failed";
    result->reason = "expired";
  } else if (any_temp) {
    guint retry_after = gw_envelope_get_retry_after (envelope);

    result->state = "deferred";
    /* A server that said when to come back (Retry-After) is asked then. */
    if (retry_after > 0)
      result->next_attempt = now + (gint64) retry_after * G_USEC_PER_SEC;
    else
      result->next_attempt = now + gw_dispatcher_retry_delay (
        gw_profile_get_uint (profile, "retry-interval"), job->attempts + 1);
  } else if (any_submitted) {
    /* The server has it and sends it on its own schedule (and gives up on
     * its own, so no expiry here): ask again after the poll interval. */
    result->state = "submitted";
    result->next_attempt = now + (gint64) poll_interval (transport, profile) * G_USEC_PER_SEC;
  } else if (any_perm) {
    result->state = "failed";
    result->reason = "rejected";
  } else {
    result->state = "sent";
  }
  if (g_str_equal (result->state, "failed") && any_sent) {
    result->state = "partial";
    *refused = describe_refused (envelope);
    result->reply = *refused;
  }
  if (!g_str_equal (result->state, "failed") && !g_str_equal (result->state, "partial"))
    return;
  /* A message the queue cannot read back is set aside as a job the claim
   * finds damaged is (gw-queue-claim.c): reason "corrupt", which Retry
   * leaves alone, and no fallback, whose job would copy the same bytes. */
  if (damaged) {
    g_warning ("Delivery %s: job %" G_GINT64_FORMAT " cannot be used (%s): marked %s with reason "
               "\"corrupt\" and set aside",
               job->delivery_id, job->job_id, result->reply != NULL ? result->reply : "", result->state);
    result->reason = "corrupt";
    return;
  }
  if (configured != NULL)
    choose_fallback (self, profile_name, configured, result);
}
