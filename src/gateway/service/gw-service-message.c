/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-service-message.c: D-Bus SendMessage, a thin adapter over the
 * intake's complete-message pipeline (gw_intake_send_message_async()) */
#define G_LOG_DOMAIN "gw-service"

#include "config.h"

#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "gw-message-reader.h"
#include "gw-service-private.h"

/* ---- D-Bus ---- */

static void
send_message_done_cb (GObject      *source,
                      GAsyncResult *res,
                      gpointer      user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = gw_intake_send_message_finish (GW_INTAKE (source), res, &error);

  if (id == NULL)
    gw_service_return_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", id));
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
  gw_intake_send_message_async (self->intake, gw_authority_get_caller (invocation),
                                g_steal_pointer (&request), NULL, send_message_done_cb, invocation);
  return TRUE;
}
