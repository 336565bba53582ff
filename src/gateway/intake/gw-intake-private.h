/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-intake-private.h: shared by the steps of the intake pipeline */
#pragma once

#include "gw-aliases.h"
#include "gw-envelope.h"
#include "gw-intake.h"

G_BEGIN_DECLS

struct _GwIntake {
  GObject            parent_instance;
  GwConfig          *config;
  GwProfileStore    *profiles;
  GwPluginLoader    *plugins;
  GwQueue           *queue;
  GwAttachmentLinks *links;        /* NULL without the HTTP server */
  GwRouter          *router;
  GwQuota           *quota;
  GwAliases         *aliases;      /* local names of complete messages */
  guint              in_flight;
};

/* One job of an accepted notification: a composed message for one
 * profile. Whatever made the envelope (composition, or a complete message
 * from the sendmail door), the quota and commit steps take these. */
typedef struct {
  GwRoute    *route;
  GwEnvelope *envelope;
  gint64      expire_at;   /* µs since the epoch */
} GwIntakeJob;

void       gw_intake_job_free       (GwIntakeJob    *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GwIntakeJob, gw_intake_job_free)

/* One request on its way through the pipeline: the task data of a Send or
 * a SendMessage. For a complete message @notification is the view the
 * router saw (recipients, category "sendmail", app-name, urgency). */
typedef struct {
  GwIntake          *self;
  GwCaller          *caller;
  GwNotification    *notification;
  GwAttachmentLinks *batch;       /* attachments stored for links, or NULL */
  GwQuotaUsage       reserved;    /* held against the quotas until the commit */
  char              *delivery_id; /* the id made at the commit */
  GPtrArray         *accepted;    /* alternating profile, transport of the jobs */
} GwIntakeRequest;

void       gw_intake_request_free   (GwIntakeRequest *request);

/* gw-intake.c, shared with gw-intake-message.c */

/* What @uid holds on disk now. */
gboolean   gw_intake_read_usage     (GwIntake       *self,
                                     guint           uid,
                                     GwQuotaUsage   *held,
                                     GError        **error);
/* The bytes of every job's message. */
guint64    gw_intake_jobs_bytes     (GPtrArray      *jobs);
/* Fails @task (a GwIntakeRequest's), taking back what the request stored. */
void       gw_intake_fail           (GTask          *task,
                                     GError         *error);
/* Step 8: one transaction of the queue for @jobs (GwIntakeJob); takes
 * @task's reference and completes it with the delivery id. */
void       gw_intake_commit         (GTask          *task,
                                     GPtrArray      *jobs);

/* gw-intake-plan.c */

/* A GwRouterProbeFunc over the intake's profiles and transports. */
const char *gw_intake_probe_profile (const char     *name,
                                     gpointer        user_data,
                                     GError        **error);
/* Step 4: (transfer full) GPtrArray of GwRoute, at least one. */
GPtrArray *gw_intake_route          (GwIntake       *self,
                                     GwNotification *notification,
                                     GError        **error);
/* Step 6: composes @notification for each of @routes (whose elements it
 * takes), attachments for links through @links (nullable): (transfer
 * full) GPtrArray of GwIntakeJob, or NULL with a HeraldError. */
GPtrArray *gw_intake_compose        (GwIntake          *self,
                                     GwNotification    *notification,
                                     GPtrArray         *routes,
                                     GwAttachmentLinks *links,
                                     GError           **error);
/* How many of @routes keep attachments in the spool (attachments-as-url)
 * rather than in the message. */
guint      gw_intake_count_link_routes (GwIntake       *self,
                                        GwNotification *notification,
                                        GPtrArray      *routes);

G_END_DECLS
