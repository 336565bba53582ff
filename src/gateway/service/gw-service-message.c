/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-service-message.c: complete messages: D-Bus SendMessage, and THE SEAM
 * that every door of complete messages goes through
 *
 * gw_service_submit_message() is the one function that takes a complete
 * message from a door (SendMessage here, the maildrop in gw-maildrop.c)
 * into the queue: read and check (gw-message-reader), resolve local names
 * (gw-aliases), route with the intake's rules, make one envelope per routed
 * profile (gw-message-envelope), pass the intake's rights, Send rate and
 * quotas (gw_intake_admit()), commit (gw-queue). Moving the reading and
 * routing into GwIntake itself (gw_intake_send_message_async(), sketched
 * in gw-intake.h) is what remains; the doors would not change.
 */
#define G_LOG_DOMAIN "gw-service"

#include "config.h"

#include <pwd.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "gw-address.h"
#include "gw-aliases.h"
#include "gw-message-envelope.h"
#include "gw-message-reader.h"
#include "gw-service-private.h"

/* "user@default-domain" (or @this host) for the caller's uid. */
static char *
caller_address (GwService *self,
                guint      uid)
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
resolve (GwService          *self,
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
route_view (GwService        *self,
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

static GwSubmission *
plan (GwService        *self,
      GwMessageRequest *request,
      guint             caller_uid,
      GError          **error)
{
  g_autofree char *default_sender = caller_address (self, caller_uid);
  GwMessageReadOptions options = {
    request->extract_recipients,
    request->sender != NULL ? request->sender : default_sender,
    request->full_name,
  };
  g_autoptr(GwMessage) message = NULL;
  g_autoptr(GwNotification) n = NULL;
  g_autoptr(GPtrArray) routes = NULL;
  g_autoptr(GwSubmission) submission = NULL;

  /* the sender may become the From field: it must be an address */
  if (request->sender != NULL && !gw_address_parse ("sender", request->sender, FALSE, NULL, NULL, error))
    return NULL;
  message = gw_message_read (request->message, &options, error);
  if (message == NULL || (n = route_view (self, request, message, error)) == NULL)
    return NULL;
  routes = gw_router_route (gw_intake_get_router (self->intake), n, gw_config_get_default_profile (self->config), error);
  if (routes == NULL)
    return NULL;
  submission = gw_submission_new ();
  submission->delivery_id = g_uuid_string_random ();
  submission->caller_uid = caller_uid;
  submission->urgency = n->urgency;
  submission->app_name = g_strdup (n->app_name);
  submission->category = g_strdup (n->category);
  submission->subject = g_strdup (n->subject);
  submission->idempotency_key = g_strdup (n->idempotency_key);
  for (guint i = 0; i < routes->len; i++) {
    GwRoute *route = g_ptr_array_index (routes, i);
    GwProfile *profile = gw_profile_store_lookup (self->profiles, route->profile);
    g_autoptr(GwEnvelope) envelope = NULL;

    /* the router just probed it */
    g_assert (profile != NULL);
    envelope = gw_message_envelope_new (profile, message, route, request->sender, default_sender, error);
    if (envelope == NULL)
      return NULL;
    g_debug ("Message routed to %s by %s", route->profile, route->rule);
    gw_submission_add_job (submission, route->profile,
                           g_get_real_time () + (gint64) gw_profile_get_uint (profile, "expire-after") * G_USEC_PER_SEC,
                           envelope);
  }
  g_info ("Message %s from uid %u: %u bytes, %u attachments, %u parts re-encoded%s%s",
          message->message_id, caller_uid, (guint) g_bytes_get_size (message->message),
          message->n_attachments, message->n_reencoded,
          message->has_8bit ? ", 8-bit body (8BITMIME)" : "",
          message->needs_smtputf8 ? ", UTF-8 header (SMTPUTF8)" : "");
  return g_steal_pointer (&submission);
}

typedef struct {
  char         *door;
  guint         uid;
  GwQuotaUsage  reserved;   /* held by the intake until the commit */
} MessageTask;

static void
message_task_free (MessageTask *data)
{
  g_free (data->door);
  g_free (data);
}

static void
committed_cb (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GwService *self = g_task_get_source_object (task);
  MessageTask *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  char *id = gw_queue_submit_finish (GW_QUEUE (source), res, &error);

  self->parsing--;
  gw_intake_release (self->intake, data->uid, &data->reserved);
  if (id == NULL) {
    g_warning ("Cannot queue a message: %s", error->message);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  g_debug ("Delivery %s queued (%s)", id, data->door);
  gw_dispatcher_wake (self->dispatcher);
  g_task_return_pointer (task, id, g_free);
}

/* THE SEAM (see the top of this file). @door names the door for logs
 * ("dbus", "maildrop"); @caller_uid is who the message is from. */
void
gw_service_submit_message (GwService           *self,
                           GwMessageRequest    *request,
                           guint                caller_uid,
                           const char          *door,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(GwCaller) caller = gw_caller_new (caller_uid, door, request->app_name, GW_RIGHT_SEND);
  MessageTask *data = g_new0 (MessageTask, 1);
  GwSubmission *submission;
  guint64 bytes = 0;

  g_task_set_source_tag (task, gw_service_submit_message);
  data->door = g_strdup (door);
  data->uid = caller_uid;
  g_task_set_task_data (task, data, (GDestroyNotify) message_task_free);
  gw_service_touch (self);
  submission = plan (self, request, caller_uid, &error);
  if (submission != NULL) {
    for (guint i = 0; i < submission->jobs->len; i++) {
      GwSubmissionJob *job = g_ptr_array_index (submission->jobs, i);

      bytes += g_bytes_get_size (gw_envelope_get_message (job->envelope));
    }
    /* the intake's rights, Send rate and quotas, as for a notification */
    if (!gw_intake_admit (self->intake, caller, bytes, &data->reserved, &error))
      g_clear_pointer (&submission, gw_submission_free);
  }
  if (submission == NULL) {
    g_info ("Message from uid %u by %s refused: %s", caller_uid, door, error->message);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  self->parsing++;
  gw_queue_submit_async (self->queue, submission, committed_cb, g_steal_pointer (&task));
}

char *
gw_service_submit_message_finish (GwService    *self,
                                  GAsyncResult *result,
                                  GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- D-Bus ---- */

static void
send_message_done_cb (GObject      *source,
                      GAsyncResult *res,
                      gpointer      user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = gw_service_submit_message_finish (GW_SERVICE (source), res, &error);

  if (id == NULL)
    gw_service_return_error (invocation, error);
  else
    gw_dbus_gateway1_complete_send_message (GW_DBUS_GATEWAY1 (source), invocation, NULL, id);
}

gboolean
gw_service_handle_send_message (GwDBusGateway1        *object,
                                GDBusMethodInvocation *invocation,
                                GUnixFDList           *fd_list,
                                GVariant              *message,
                                const char            *sender,
                                const char * const    *recipients,
                                GVariant              *options)
{
  GwService *self = GW_SERVICE (object);
  gint32 handle = g_variant_get_handle (message);
  g_autoptr(GwMessageRequest) request = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  int fd;

  gw_service_touch (self);
  if (fd_list == NULL || handle < 0 || handle >= g_unix_fd_list_get_length (fd_list))
    return gw_service_return_new_error (invocation, HERALD_ERROR_INVALID_ARGUMENT,
                                        _("The message refers to a file descriptor that was not sent"));
  fd = g_unix_fd_list_get (fd_list, handle, &error);
  if (fd < 0)
    return gw_service_return_new_error (invocation, HERALD_ERROR_INVALID_ARGUMENT, "%s", error->message);
  bytes = gw_message_read_fd (fd, &error);
  close (fd);
  if (bytes == NULL)
    return gw_service_return_error (invocation, error);
  request = gw_message_request_new (bytes);
  if (!gw_message_request_set_envelope (request, sender, recipients, &error) ||
      !gw_message_request_set_options (request, options, &error))
    return gw_service_return_error (invocation, error);
  gw_service_submit_message (self, request, gw_caller_get_uid (gw_authority_get_caller (invocation)), "dbus",
                             send_message_done_cb, invocation);
  return TRUE;
}
