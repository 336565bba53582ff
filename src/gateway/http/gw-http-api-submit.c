/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-http-api-submit.c: the one way from the HTTP door into the pipeline
 *
 * Every notification of the HTTP door comes here once its token's scope
 * was applied and its owner key set (gw-http-api-notifications.c). The
 * scope checks stay in front (they need the token, which the intake does
 * not know); the intake (gw-intake.h) adds its own rights check, the
 * quotas (per uid: all HTTP traffic is recorded under the daemon's uid, so
 * the token's rate is what bounds one client), the transports' content
 * checks and the commit.
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
  g_autofree char *id = gw_intake_send_finish (GW_INTAKE (source), res, &error);

  if (id != NULL)
    g_info ("HTTP API: delivery %s queued for token %s", id, submit->token_name);
  submit->done (id, error, submit->user_data);
  g_free (submit->token_name);
  g_free (submit);
}

/* The token's scope as the caller's log shows it. */
static char *
describe_scope (GwApiToken *token)
{
  g_autofree char *profiles = token->profiles != NULL ? g_strjoinv (",", token->profiles) : NULL;
  g_autofree char *tags = token->tags != NULL ? g_strjoinv (",", token->tags) : NULL;
  g_autofree char *allowed = token->allowed_tags != NULL ? g_strjoinv (",", token->allowed_tags)
                                                         : NULL;

  return g_strdup_printf ("profiles=%s tags=%s allowed-tags=%s",
                          profiles != NULL ? profiles : "", tags != NULL ? tags : "",
                          allowed != NULL ? allowed : "");
}

void
gw_http_api_submit (GwHttpApi          *self,
                    GwNotification     *notification,
                    GwApiToken         *token,
                    GwHttpApiSubmitFunc done,
                    gpointer            user_data)
{
  g_autoptr(GwCaller) caller = gw_caller_new (getuid (), "http", token->name, GW_RIGHT_SEND);
  g_autofree char *scope = describe_scope (token);
  Submit *submit = g_new0 (Submit, 1);

  submit->done = done;
  submit->user_data = user_data;
  submit->token_name = g_strdup (token->name);
  gw_caller_set_token_scope (caller, scope);
  gw_service_touch (self->service);
  /* The intake keeps @notification (transfer full) and its own reference
   * to @caller until the end. */
  gw_intake_send_async (self->service->intake, caller, notification, NULL, submit_done_cb, submit);
}
