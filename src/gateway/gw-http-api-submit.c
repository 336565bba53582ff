/* gw-http-api-submit.c: the one way from the HTTP door into the pipeline
 *
 * SEAM (intake pipeline, issue 12). Every notification of the HTTP door
 * comes here once its token's scope was applied and its owner key set
 * (gw-http-api-notifications.c). Today it goes the D-Bus service's own
 * Send path, gw_service_submit_async(): the same routing, composition,
 * commit and dispatcher wake-up as Send, as the daemon's own uid (the
 * uid deliveries of this door are recorded under).
 *
 * When GwIntake lands, the body of gw_http_api_submit() becomes:
 *
 *   g_autoptr(GwCaller) caller = gw_caller_new (getuid (), "http", token->name, GW_RIGHT_SEND);
 *   gw_caller_set_token_scope (caller, <the token's profiles and tags>);
 *   gw_intake_send_async (intake, caller, notification, NULL, intake_done_cb, data);
 *
 * and intake_done_cb calls gw_intake_send_finish() where submit_done_cb
 * calls gw_service_submit_finish(). Nothing else in the door changes: the
 * scope checks stay here in front (they need the token, which the intake
 * does not know), the intake adds its own rights check, quotas (per uid:
 * all HTTP traffic shares the daemon's uid, so the token's rate is what
 * bounds one client) and the transports' content checks.
 */
#define G_LOG_DOMAIN "gw-http-api"

#include "config.h"

#include <unistd.h>

#include "gw-http-api-private.h"
#include "gw-service-private.h"

typedef struct {
  GwHttpApiSubmitFunc done;
  gpointer            user_data;
  char               *token_name;
} Submit;

static void
submit_done_cb (GObject      *source,
                GAsyncResult *res,
                gpointer      user_data)
{
  Submit *submit = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = gw_service_submit_finish (GW_SERVICE (source), res, &error);

  if (id != NULL)
    g_info ("HTTP API: delivery %s queued for token %s", id, submit->token_name);
  submit->done (id, error, submit->user_data);
  g_free (submit->token_name);
  g_free (submit);
}

void
gw_http_api_submit (GwHttpApi          *self,
                    GwNotification     *notification,
                    GwApiToken         *token,
                    GwHttpApiSubmitFunc done,
                    gpointer            user_data)
{
  g_autoptr(GwNotification) n = notification;
  Submit *submit = g_new0 (Submit, 1);

  submit->done = done;
  submit->user_data = user_data;
  submit->token_name = g_strdup (token->name);
  /* The service routes and composes before this returns: n may go. */
  gw_service_touch (self->service);
  gw_service_submit_async (self->service, n, getuid (), submit_done_cb, submit);
}
