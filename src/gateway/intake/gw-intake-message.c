/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-intake-message.c: the pipeline for a complete RFC 5322 message
 * (SendMessage, the maildrop): the steps of gw-intake.h, where validating
 * is reading the message (gw-message-reader) and composing keeps it as it
 * is (gw-message-envelope) */
#define G_LOG_DOMAIN "gw-intake"

#include "config.h"

#include <pwd.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-address.h"
#include "gw-intake-private.h"
#include "gw-message-envelope.h"
#include "gw-message-reader.h"

/* "user@default-domain" (or @this host) for @uid: the sender of a message
 * that names none. */
static char *
caller_address (GwIntake *self,
                guint     uid)
{
  const GwSendmailConfig *sendmail = gw_config_get_sendmail (self->config);
  const char *domain = sendmail->default_domain != NULL ? sendmail->default_domain
                                                        : g_get_host_name ();
  struct passwd pwd;
  struct passwd *found = NULL;
  char buffer[4096];

  if (getpwuid_r ((uid_t) uid, &pwd, buffer, sizeof buffer, &found) == 0 && found != NULL)
    return g_strdup_printf ("%s@%s", found->pw_name, domain);
  return g_strdup_printf ("uid-%u@%s", uid, domain);
}

/* Resolves @list (local names through the aliases) into @out. */
static gboolean
resolve (GwIntake           *self,
         const char * const *list,
         GStrv              *out,
         GPtrArray          *local_names,
         GError            **error)
{
  g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func (g_free);

  if (!gw_aliases_expand (self->aliases, list, addresses, local_names, error))
    return FALSE;
  g_ptr_array_add (addresses, NULL);
  *out = (GStrv) g_ptr_array_free (g_steal_pointer (&addresses), FALSE);
  return TRUE;
}

/* The notification the router sees for @message: its recipients, category
 * "sendmail", app-name, urgency, subject and the local names. */
static GwNotification *
route_view (GwIntake         *self,
            GwMessageRequest *request,
            GwMessage        *message,
            GError          **error)
{
  g_autoptr(GwNotification) n = gw_notification_new ();
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GStrvBuilder) to = g_strv_builder_new ();
  g_auto(GStrv) to_list = NULL;

  g_strv_builder_addv (to, (const char **) request->recipients);
  if (message->to != NULL)
    g_strv_builder_addv (to, (const char **) message->to);
  to_list = g_strv_builder_end (to);
  if (!resolve (self, (const char * const *) to_list, &n->to, names, error) ||
      !resolve (self, (const char * const *) message->cc, &n->cc, names, error) ||
      !resolve (self, (const char * const *) message->bcc, &n->bcc, names, error))
    return NULL;
  if (n->to[0] == NULL && n->cc[0] == NULL && n->bcc[0] == NULL) {
    g_set_error_literal (error, HERALD_ERROR, HERALD_ERROR_NO_RECIPIENTS,
                         request->extract_recipients
                         ? _("The message has no recipient: none given, and none in To, Cc or Bcc")
                         : _("The message has no recipient: give recipients, or extract them from "
                             "the header (sendmail -t)"));
    return NULL;
  }
  g_ptr_array_add (names, NULL);
  n->local_recipients = (GStrv) g_ptr_array_free (g_steal_pointer (&names), FALSE);
  n->category = g_strdup ("sendmail");
  n->app_name = g_strdup (request->app_name);
  n->urgency = message->urgency;
  n->subject = g_strdup (message->subject);
  n->idempotency_key = g_strdup (request->idempotency_key);
  return g_steal_pointer (&n);
}

/* Steps 3, 4 and 6: reads @request, routes it and makes one envelope per
 * routed profile: (transfer full) GPtrArray of GwIntakeJob, and the
 * router's view in @view. */
static GPtrArray *
plan (GwIntake          *self,
      GwMessageRequest  *request,
      guint              uid,
      GwNotification   **view,
      GError           **error)
{
  g_autofree char *default_sender = caller_address (self, uid);
  GwMessageReadOptions options = {
    request->extract_recipients,
    request->sender != NULL ? request->sender : default_sender,
    request->full_name,
  };
  g_autoptr(GwMessage) message = NULL;
  g_autoptr(GwNotification) n = NULL;
  g_autoptr(GPtrArray) routes = NULL;
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) gw_intake_job_free);

  /* the sender may become the From field: it must be an address */
  if (request->sender != NULL && !gw_address_parse ("sender", request->sender, FALSE, NULL, NULL, error))
    return NULL;
  message = gw_message_read (request->message, &options, error);
  if (message == NULL || (n = route_view (self, request, message, error)) == NULL)
    return NULL;
  routes = gw_intake_route (self, n, error);
  if (routes == NULL)
    return NULL;
  for (guint i = 0; i < routes->len; i++) {
    g_autoptr(GwIntakeJob) job = g_new0 (GwIntakeJob, 1);
    GwProfile *profile;

    /* The routes array gives up its element. */
    job->route = g_steal_pointer (&routes->pdata[i]);
    profile = gw_profile_store_lookup (self->profiles, job->route->profile);
    /* The router has just probed it. */
    if (profile == NULL) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_NO_SUCH_PROFILE,
                   _("No profile is named “%s”"), job->route->profile);
      return NULL;
    }
    job->envelope = gw_message_envelope_new (profile, message, job->route, request->sender,
                                             default_sender, error);
    /* as for a notification: each transport checks what it is given */
    if (job->envelope == NULL ||
        !gw_transport_check_content (gw_plugin_loader_lookup (self->plugins, job->route->transport),
                                     profile, job->envelope, error))
      return NULL;
    job->expire_at = g_get_real_time () +
                     (gint64) gw_profile_get_uint (profile, "expire-after") * G_USEC_PER_SEC;
    g_ptr_array_add (jobs, g_steal_pointer (&job));
  }
  g_info ("Message %s from uid %u: %u bytes, %u attachments, %u parts re-encoded%s%s",
          message->message_id, uid, (guint) g_bytes_get_size (message->message),
          message->n_attachments, message->n_reencoded,
          message->has_8bit ? ", 8-bit body (8BITMIME)" : "",
          message->needs_smtputf8 ? ", UTF-8 header (SMTPUTF8)" : "");
  *view = g_steal_pointer (&n);
  return g_steal_pointer (&jobs);
}

void
gw_intake_send_message_async (GwIntake           *self,
                              GwCaller           *caller,
                              GwMessageRequest   *message,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GwMessageRequest) request = message;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GError) error = NULL;
  GwIntakeRequest *data;
  guint uid = gw_caller_get_uid (caller);
  GwQuotaUsage adding = { 1, 0, 0 };
  GwQuotaUsage held;

  g_return_if_fail (GW_IS_INTAKE (self));
  g_return_if_fail (GW_IS_CALLER (caller));
  g_return_if_fail (message != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gw_intake_send_message_async);
  data = g_new0 (GwIntakeRequest, 1);
  data->self = g_object_ref (self);
  data->caller = g_object_ref (caller);
  g_task_set_task_data (task, data, (GDestroyNotify) gw_intake_request_free);

  /* steps 1 and 2 before the message is read: a refused caller costs little */
  if (!gw_caller_authorize (caller, GW_OPERATION_SEND, &error) ||
      !gw_quota_take_send (self->quota, uid, g_get_monotonic_time (), &error) ||
      (jobs = plan (self, request, uid, &data->notification, &error)) == NULL) {
    g_info ("Message from uid %u by %s refused: %s", uid, gw_caller_get_door (caller), error->message);
    gw_intake_fail (task, g_steal_pointer (&error));
    return;
  }
  /* steps 5 and 7 at once: the message's size is known */
  adding.queue_bytes = gw_intake_jobs_bytes (jobs);
  if (!gw_intake_read_usage (self, uid, &held, &error) ||
      !gw_quota_check (self->quota, uid, &held, &adding, &error)) {
    g_info ("Message from uid %u by %s refused: %s", uid, gw_caller_get_door (caller), error->message);
    gw_intake_fail (task, g_steal_pointer (&error));
    return;
  }
  if (g_task_return_error_if_cancelled (task))
    return;
  data->reserved = adding;
  gw_quota_reserve (self->quota, uid, &data->reserved);
  gw_intake_commit (g_steal_pointer (&task), jobs);
}

char *
gw_intake_send_message_finish (GwIntake     *self,
                               GAsyncResult *result,
                               GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
