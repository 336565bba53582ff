/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-remote-jobs.h: transports whose server takes a job and sends it later (plugin SDK) */
#pragma once

#include "gw-transport.h"

G_BEGIN_DECLS

#define GW_TYPE_REMOTE_JOBS (gw_remote_jobs_get_type ())
G_DECLARE_INTERFACE (GwRemoteJobs, gw_remote_jobs, GW, REMOTE_JOBS, GwTransport)

/**
 * GwRemoteJobsInterface:
 * @g_iface: the parent interface
 * @get_poll_interval: optional: seconds until a submitted job is asked
 *   about again (default: the profile's retry-interval)
 * @poll: asks the server for the state of one job now, off the main
 *   thread if it blocks
 * @poll_finish: finishes @poll: %GW_RECIPIENT_SUBMITTED while the server
 *   still works on the job, %GW_RECIPIENT_SENT or %GW_RECIPIENT_PERMFAIL
 *   when it is done, with the server's words in @reply
 * @cancel: removes one job from the server
 * @cancel_finish: finishes @cancel
 *
 * A transport whose server accepts a job and sends it on its own
 * schedule (a print or page server, a provider's API) implements this interface. Its
 * deliver stores the server's job id on the recipient with
 * gw_envelope_set_remote_id() and sets the recipient to
 * %GW_RECIPIENT_SUBMITTED. The delivery is then "submitted": after the
 * poll interval the daemon hands the envelope to deliver again, which
 * asks about its submitted recipients (with @poll) and sets their final
 * results. Cancel of a submitted delivery removes the job at the server
 * first; if the server refuses, the delivery is not cancelled. Both
 * @poll and @cancel fail with #GW_TRANSPORT_ERROR when the server cannot
 * be asked.
 */
struct _GwRemoteJobsInterface {
  GTypeInterface g_iface;

  guint    (*get_poll_interval) (GwRemoteJobs        *self,
                                 GwProfile           *profile);
  void     (*poll)              (GwRemoteJobs        *self,
                                 GwProfile           *profile,
                                 const char          *remote_id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data);
  GwRecipientStatus (*poll_finish) (GwRemoteJobs     *self,
                                 GAsyncResult        *result,
                                 char               **reply,
                                 GError             **error);
  void     (*cancel)            (GwRemoteJobs        *self,
                                 GwProfile           *profile,
                                 const char          *remote_id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data);
  gboolean (*cancel_finish)     (GwRemoteJobs        *self,
                                 GAsyncResult        *result,
                                 GError             **error);

  /*< private >*/
  gpointer padding[8];
};

guint             gw_remote_jobs_get_poll_interval (GwRemoteJobs        *self,
                                                    GwProfile           *profile);
void              gw_remote_jobs_poll              (GwRemoteJobs        *self,
                                                    GwProfile           *profile,
                                                    const char          *remote_id,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
GwRecipientStatus gw_remote_jobs_poll_finish       (GwRemoteJobs        *self,
                                                    GAsyncResult        *result,
                                                    char               **reply,
                                                    GError             **error);
void              gw_remote_jobs_cancel            (GwRemoteJobs        *self,
                                                    GwProfile           *profile,
                                                    const char          *remote_id,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean          gw_remote_jobs_cancel_finish     (GwRemoteJobs        *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);
void              gw_remote_jobs_changed           (GwRemoteJobs        *self,
                                                    const char          *profile,
                                                    const char          *remote_id);

G_END_DECLS
