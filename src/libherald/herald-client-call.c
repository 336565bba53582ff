/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-client-call.c: HeraldClient's D-Bus calls and error conversion */
#define G_LOG_DOMAIN "herald-client"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-client-private.h"
#include "herald-error.h"

void
herald_client_fix_error (GError **error)
{
  g_autofree char *remote_name = NULL;

  if (error == NULL || *error == NULL || !g_dbus_error_is_remote_error (*error))
    return;

  remote_name = g_dbus_error_get_remote_error (*error);
  g_dbus_error_strip_remote_error (*error);
  /* a name of a newer gateway that this library does not know yet */
  if ((*error)->domain != HERALD_ERROR &&
      g_str_has_prefix (remote_name, "org.herald.Gateway1.Error.")) {
    GError *herald_error = g_error_new_literal (HERALD_ERROR, HERALD_ERROR_FAILED,
                                                (*error)->message);
    g_clear_error (error);
    *error = herald_error;
  }
}

GTask *
herald_client_task_new (HeraldClient        *self,
                        gpointer             source_tag,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  return task;
}

static gboolean
check_reply_type (GVariant            *reply,
                  const GVariantType  *reply_type,
                  GError             **error)
{
  g_autofree char *expected = NULL;

  if (g_variant_is_of_type (reply, reply_type))
    return TRUE;
  expected = g_variant_type_dup_string (reply_type);
  g_set_error (error, HERALD_ERROR, HERALD_ERROR_FAILED,
               _("The gateway sent a reply of type %s instead of %s"),
               g_variant_get_type_string (reply), expected);
  return FALSE;
}

static void
call_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_proxy_call_with_unix_fd_list_finish (G_DBUS_PROXY (source), NULL,
                                                      result, &error);
  if (reply == NULL) {
    herald_client_fix_error (&error);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  if (!check_reply_type (reply, g_task_get_task_data (task), &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  g_task_return_pointer (task, g_steal_pointer (&reply), (GDestroyNotify) g_variant_unref);
}

void
herald_client_call_with_timeout (HeraldClient       *self,
                                 const char         *method,
                                 GVariant           *parameters,
                                 const GVariantType *reply_type,
                                 GUnixFDList        *fd_list,
                                 int                 timeout_msec,
                                 GTask              *task)
{
  if (herald_client_get_proxy (self) == NULL) {
    G_GNUC_UNUSED g_autoptr(GVariant) sunk = parameters != NULL ? g_variant_ref_sink (parameters) : NULL;

    g_task_return_new_error (task, HERALD_ERROR, HERALD_ERROR_FAILED,
                             _("The client is not initialized"));
    g_object_unref (task);
    return;
  }
  /* GDBusProxy does not check reply types; call_cb() does */
  g_task_set_task_data (task, (gpointer) reply_type, NULL);
  g_dbus_proxy_call_with_unix_fd_list (herald_client_get_proxy (self), method, parameters,
                                       G_DBUS_CALL_FLAGS_NONE, timeout_msec, fd_list,
                                       g_task_get_cancellable (task), call_cb, task);
}

void
herald_client_call (HeraldClient       *self,
                    const char         *method,
                    GVariant           *parameters,
                    const GVariantType *reply_type,
                    GUnixFDList        *fd_list,
                    GTask              *task)
{
  herald_client_call_with_timeout (self, method, parameters, reply_type, fd_list, -1, task);
}

GVariant *
herald_client_call_finish (HeraldClient  *self,
                           GAsyncResult  *result,
                           gpointer       source_tag,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

GVariant *
herald_client_call_with_timeout_sync (HeraldClient        *self,
                                      const char          *method,
                                      GVariant            *parameters,
                                      const GVariantType  *reply_type,
                                      GUnixFDList         *fd_list,
                                      int                  timeout_msec,
                                      GCancellable        *cancellable,
                                      GError             **error)
{
  GVariant *reply;

  if (herald_client_get_proxy (self) == NULL) {
    G_GNUC_UNUSED g_autoptr(GVariant) sunk = parameters != NULL ? g_variant_ref_sink (parameters) : NULL;

    g_set_error_literal (error, HERALD_ERROR, HERALD_ERROR_FAILED,
                         _("The client is not initialized"));
    return NULL;
  }
  reply = g_dbus_proxy_call_with_unix_fd_list_sync (herald_client_get_proxy (self), method,
                                                    parameters, G_DBUS_CALL_FLAGS_NONE,
                                                    timeout_msec, fd_list, NULL,
                                                    cancellable, error);
  if (reply == NULL) {
    herald_client_fix_error (error);
    return NULL;
  }
  if (!check_reply_type (reply, reply_type, error)) {
    g_variant_unref (reply);
    return NULL;
  }
  return reply;
}

GVariant *
herald_client_call_sync (HeraldClient        *self,
                         const char          *method,
                         GVariant            *parameters,
                         const GVariantType  *reply_type,
                         GUnixFDList         *fd_list,
                         GCancellable        *cancellable,
                         GError             **error)
{
  return herald_client_call_with_timeout_sync (self, method, parameters, reply_type, fd_list,
                                               -1, cancellable, error);
}

void
herald_client_call_void (HeraldClient        *self,
                         const char          *method,
                         GVariant            *parameters,
                         gpointer             source_tag,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  herald_client_call (self, method, parameters, G_VARIANT_TYPE_UNIT, NULL,
                      herald_client_task_new (self, source_tag, cancellable, callback, user_data));
}

gboolean
herald_client_call_void_finish (HeraldClient  *self,
                                GAsyncResult  *result,
                                gpointer       source_tag,
                                GError       **error)
{
  g_autoptr(GVariant) reply = herald_client_call_finish (self, result, source_tag, error);

  return reply != NULL;
}

gboolean
herald_client_call_void_sync (HeraldClient  *self,
                              const char    *method,
                              GVariant      *parameters,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_autoptr(GVariant) reply = herald_client_call_sync (self, method, parameters,
                                                       G_VARIANT_TYPE_UNIT, NULL,
                                                       cancellable, error);

  return reply != NULL;
}

gpointer
herald_client_parse_object (GVariant         *reply,
                            HeraldParseFunc   parse,
                            GError          **error)
{
  g_autoptr(GVariant) dict = g_variant_get_child_value (reply, 0);

  return parse (dict, error);
}

GPtrArray *
herald_client_parse_list (GVariant         *reply,
                          HeraldParseFunc   parse,
                          GError          **error)
{
  g_autoptr(GPtrArray) array = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GVariant) list = g_variant_get_child_value (reply, 0);
  GVariantIter iter;
  GVariant *child;

  g_variant_iter_init (&iter, list);
  while ((child = g_variant_iter_next_value (&iter)) != NULL) {
    g_autoptr(GVariant) owned = child;
    gpointer object = parse (owned, error);

    if (object == NULL)
      return NULL;
    g_ptr_array_add (array, object);
  }
  return g_steal_pointer (&array);
}
