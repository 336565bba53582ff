/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-remote-jobs.c: transports whose server takes a job and sends it later */
#define G_LOG_DOMAIN "gw-remote-jobs"

#include "config.h"

#include "gw-remote-jobs.h"

/**
 * GwRemoteJobs:
 *
 * The optional interface of transports whose server sends later: jobs go
 * submitted → polled → sent or failed, and can be cancelled at the server.
 */
G_DEFINE_INTERFACE (GwRemoteJobs, gw_remote_jobs, GW_TYPE_TRANSPORT)

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

static void
gw_remote_jobs_default_init (GwRemoteJobsInterface *iface)
{
  /**
   * GwRemoteJobs::changed:
   * @self: the transport
   * @profile: the profile's name
   * @remote_id: the server's job id
   *
   * The server said the job changed (a webhook): the daemon asks about it
   * now instead of at the next poll interval. Emitted in the main context.
   */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

/**
 * gw_remote_jobs_get_poll_interval:
 * @self: a transport with remote jobs
 * @profile: one of its profiles
 *
 * Returns: seconds until a submitted job of @profile is asked about again
 */
guint
gw_remote_jobs_get_poll_interval (GwRemoteJobs *self,
                                  GwProfile    *profile)
{
  GwRemoteJobsInterface *iface;

  g_return_val_if_fail (GW_IS_REMOTE_JOBS (self), 60);
  iface = GW_REMOTE_JOBS_GET_IFACE (self);
  if (iface->get_poll_interval != NULL)
    return MAX (iface->get_poll_interval (self, profile), 1);
  return (guint) MIN (gw_profile_get_uint (profile, "retry-interval"), G_MAXUINT);
}

/**
 * gw_remote_jobs_poll:
 * @self: a transport with remote jobs
 * @profile: the profile the job was sent with
 * @remote_id: the server's job id
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the server answered
 * @user_data: data for @callback
 *
 * Asks the server for the state of one job.
 */
void
gw_remote_jobs_poll (GwRemoteJobs        *self,
                     GwProfile           *profile,
                     const char          *remote_id,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_return_if_fail (GW_IS_REMOTE_JOBS (self));
  g_return_if_fail (remote_id != NULL);
  GW_REMOTE_JOBS_GET_IFACE (self)->poll (self, profile, remote_id, cancellable, callback, user_data);
}

/**
 * gw_remote_jobs_poll_finish:
 * @self: a transport with remote jobs
 * @result: the result given to the callback
 * @reply: (out) (optional) (nullable): the server's words
 * @error: return location for a #GW_TRANSPORT_ERROR error
 *
 * Returns: the job's state as a recipient status; %GW_RECIPIENT_PENDING
 *   with @error set when the server could not be asked
 */
GwRecipientStatus
gw_remote_jobs_poll_finish (GwRemoteJobs  *self,
                            GAsyncResult  *result,
                            char         **reply,
                            GError       **error)
{
  g_return_val_if_fail (GW_IS_REMOTE_JOBS (self), GW_RECIPIENT_PENDING);
  return GW_REMOTE_JOBS_GET_IFACE (self)->poll_finish (self, result, reply, error);
}

/**
 * gw_remote_jobs_cancel:
 * @self: a transport with remote jobs
 * @profile: the profile the job was sent with
 * @remote_id: the server's job id
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Removes a job from the server.
 */
void
gw_remote_jobs_cancel (GwRemoteJobs        *self,
                       GwProfile           *profile,
                       const char          *remote_id,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_return_if_fail (GW_IS_REMOTE_JOBS (self));
  g_return_if_fail (remote_id != NULL);
  GW_REMOTE_JOBS_GET_IFACE (self)->cancel (self, profile, remote_id, cancellable, callback, user_data);
}

/**
 * gw_remote_jobs_cancel_finish:
 * @self: a transport with remote jobs
 * @result: the result given to the callback
 * @error: return location for a #GW_TRANSPORT_ERROR error
 *
 * Returns: whether the server removed the job
 */
gboolean
gw_remote_jobs_cancel_finish (GwRemoteJobs  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (GW_IS_REMOTE_JOBS (self), FALSE);
  return GW_REMOTE_JOBS_GET_IFACE (self)->cancel_finish (self, result, error);
}

typedef struct {
  GwRemoteJobs *self;
  char         *profile;
  char         *remote_id;
} Changed;

static gboolean
emit_changed (gpointer user_data)
{
  Changed *changed = user_data;

  g_signal_emit (changed->self, signals[SIGNAL_CHANGED], 0, changed->profile, changed->remote_id);
  g_object_unref (changed->self);
  g_free (changed->profile);
  g_free (changed->remote_id);
  g_free (changed);
  return G_SOURCE_REMOVE;
}

/**
 * gw_remote_jobs_changed:
 * @self: a transport with remote jobs
 * @profile: the profile's name
 * @remote_id: the server's job id
 *
 * Tells the daemon the server says a job changed (a webhook arrived), so
 * it asks about the job now. A hint only: the state comes from @poll.
 * Callable from any thread; #GwRemoteJobs::changed is emitted in the main
 * context, where the queue lives.
 */
void
gw_remote_jobs_changed (GwRemoteJobs *self,
                        const char   *profile,
                        const char   *remote_id)
{
  Changed *changed;

  g_return_if_fail (GW_IS_REMOTE_JOBS (self));
  changed = g_new0 (Changed, 1);
  changed->self = g_object_ref (self);
  changed->profile = g_strdup (profile);
  changed->remote_id = g_strdup (remote_id);
  g_main_context_invoke (NULL, emit_changed, changed);
}
