/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-client-message.c: HeraldClient's door for complete messages
 * (SendMessage), used by herald-sendmail */
#define G_LOG_DOMAIN "herald-client"

#include "config.h"

#include "herald-client-private.h"

#define ID_TYPE G_VARIANT_TYPE ("(s)")

/* The call's parameters and the descriptor list holding a duplicate of
 * @message_fd, or NULL with @error set. */
static GVariant *
message_parameters (int                 message_fd,
                    const char         *sender,
                    const char * const *recipients,
                    GVariant           *options,
                    GUnixFDList       **fd_list,
                    GError            **error)
{
  g_autoptr(GUnixFDList) list = g_unix_fd_list_new ();
  g_autoptr(GVariant) owned_options = options != NULL ? g_variant_ref_sink (options) : NULL;
  const char * const none[] = { NULL };
  int handle;

  if (owned_options != NULL && !g_variant_is_of_type (owned_options, G_VARIANT_TYPE_VARDICT)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "options must be of type a{sv}, not %s", g_variant_get_type_string (owned_options));
    return NULL;
  }
  handle = g_unix_fd_list_append (list, message_fd, error);
  if (handle < 0)
    return NULL;
  *fd_list = g_steal_pointer (&list);
  return g_variant_new ("(hs^as@a{sv})", handle, sender, recipients != NULL ? recipients : none,
                        owned_options != NULL ? owned_options : g_variant_new ("a{sv}", NULL));
}

/**
 * herald_client_send_message:
 * @self: a #HeraldClient
 * @message_fd: a descriptor of a regular file or a memfd (best sealed)
 *   holding a complete RFC 5322 message; it is read from offset 0 and stays
 *   the caller's
 * @sender: (nullable): the envelope sender (sendmail -f), used only by a
 *   profile with allow-from-override
 * @recipients: (array zero-terminated=1) (nullable): envelope recipients:
 *   addresses or local names such as "root" that the gateway's aliases
 *   resolve
 * @options: (nullable): a{sv}: extract-recipients (b: also the recipients of
 *   To, Cc and Bcc, as sendmail -t), full-name (s: for a From field the
 *   message lacks), app-name (s), idempotency-key (s)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Hands a complete message to the gateway (the D-Bus method SendMessage).
 * Its header fields and body are kept; Bcc is removed; From, Date and
 * Message-ID are added only when missing. The gateway replies once the
 * message is checked, routed (category "sendmail") and committed to disk.
 * Finish with herald_client_send_message_finish().
 */
void
herald_client_send_message (HeraldClient        *self,
                            int                  message_fd,
                            const char          *sender,
                            const char * const  *recipients,
                            GVariant            *options,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GUnixFDList) fd_list = NULL;
  GVariant *parameters;
  GError *error = NULL;

  g_return_if_fail (HERALD_IS_CLIENT (self));

  task = herald_client_task_new (self, herald_client_send_message, cancellable, callback, user_data);
  parameters = message_parameters (message_fd, sender != NULL ? sender : "", recipients, options,
                                   &fd_list, &error);
  if (parameters == NULL) {
    g_task_return_error (task, error);
    return;
  }
  herald_client_call (self, "SendMessage", parameters, ID_TYPE, fd_list, g_steal_pointer (&task));
}

/**
 * herald_client_send_message_finish:
 * @self: a #HeraldClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes an operation started with herald_client_send_message().
 *
 * Returns: (transfer full): the delivery id, or %NULL if the gateway
 *   refused the message (%HERALD_ERROR_INVALID_MESSAGE,
 *   %HERALD_ERROR_NO_RECIPIENTS, %HERALD_ERROR_INVALID_ADDRESS,
 *   %HERALD_ERROR_TOO_LARGE, ...) or could not be reached
 */
char *
herald_client_send_message_finish (HeraldClient  *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_autoptr(GVariant) reply = NULL;
  char *id = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);

  reply = herald_client_call_finish (self, result, herald_client_send_message, error);
  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(s)", &id);
  return id;
}

/**
 * herald_client_send_message_sync:
 * @self: a #HeraldClient
 * @message_fd: a descriptor of a regular file or a memfd holding the
 *   message, read from offset 0
 * @sender: (nullable): the envelope sender, or %NULL
 * @recipients: (array zero-terminated=1) (nullable): envelope recipients
 * @options: (nullable): a{sv} options, as for herald_client_send_message()
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Hands a complete message to the gateway, blocking until it is committed.
 *
 * Returns: (transfer full): the delivery id, or %NULL on error
 */
char *
herald_client_send_message_sync (HeraldClient        *self,
                                 int                  message_fd,
                                 const char          *sender,
                                 const char * const  *recipients,
                                 GVariant            *options,
                                 GCancellable        *cancellable,
                                 GError             **error)
{
  g_autoptr(GUnixFDList) fd_list = NULL;
  g_autoptr(GVariant) reply = NULL;
  GVariant *parameters;
  char *id = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);

  parameters = message_parameters (message_fd, sender != NULL ? sender : "", recipients, options,
                                   &fd_list, error);
  if (parameters == NULL)
    return NULL;
  reply = herald_client_call_sync (self, "SendMessage", parameters, ID_TYPE, fd_list, cancellable, error);
  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(s)", &id);
  return id;
}
