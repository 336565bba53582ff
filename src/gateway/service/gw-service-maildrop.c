/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-service-maildrop.c: the maildrop door: files herald-maildrop wrote go
 * into the intake's complete-message pipeline as SendMessage does, with the
 * file's owner as the caller, who needs only the right to send */
#define G_LOG_DOMAIN "gw-service"

#include "config.h"

#include "gw-maildrop.h"
#include "gw-service-private.h"

typedef struct {
  GwMaildrop *maildrop;
  char       *ticket;
} DropData;

static void
submitted_cb (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  DropData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = gw_intake_send_message_finish (GW_INTAKE (source), res, &error);

  if (id != NULL)
    g_debug ("Maildrop file %s is delivery %s", data->ticket, id);
  gw_maildrop_finish (data->maildrop, data->ticket, error);
  g_object_unref (data->maildrop);
  g_free (data->ticket);
  g_free (data);
}

static void
handle_drop (GwMaildrop       *maildrop,
             GwMessageRequest *request,
             guint             uid,
             const char       *ticket,
             gpointer          user_data)
{
  GwService *self = GW_SERVICE (user_data);
  g_autoptr(GwCaller) caller = gw_caller_new (uid, "maildrop", request->app_name, GW_RIGHT_SEND);
  DropData *data = g_new0 (DropData, 1);

  data->maildrop = g_object_ref (maildrop);
  data->ticket = g_strdup (ticket);
  gw_intake_send_message_async (self->intake, caller, request, NULL, submitted_cb, data);
}

void
gw_service_start_maildrop (GwService *self)
{
  const GwSendmailConfig *sendmail = gw_config_get_sendmail (self->config);

  if (sendmail->maildrop_directory == NULL)
    return;
  self->maildrop = gw_maildrop_new (sendmail->maildrop_directory, sendmail->maildrop_rescan_seconds,
                                    handle_drop, self);
  gw_maildrop_start (self->maildrop);
}
