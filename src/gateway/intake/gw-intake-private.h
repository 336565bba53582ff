/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-intake-private.h: shared by the steps of the intake pipeline */
#pragma once

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
  GwDispatcher      *dispatcher;   /* NULL in tests of the intake alone */
  GwRouter          *router;
  GwQuota           *quota;
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
