/* herald-client-private.h: what the herald-client-*.c files share */
#pragma once

#include <gio/gio.h>
#include <gio/gunixfdlist.h>

#include "herald-client.h"

G_BEGIN_DECLS

GDBusProxy *herald_client_get_proxy  (HeraldClient        *self);

/* Turns a remote D-Bus error into its HeraldError code and strips the
 * "GDBus.Error:..." prefix from the message. */
void        herald_client_fix_error  (GError             **error);

GTask      *herald_client_task_new   (HeraldClient        *self,
                                      gpointer             source_tag,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);

/* Calls @method on the gateway and completes @task (stolen) with the reply
 * tuple, a GVariant of @reply_type, or with a fixed-up error. */
void        herald_client_call       (HeraldClient        *self,
                                      const char          *method,
                                      GVariant            *parameters,
                                      const GVariantType  *reply_type,
                                      GUnixFDList         *fd_list,
                                      GTask               *task);
GVariant   *herald_client_call_finish (HeraldClient        *self,
                                      GAsyncResult        *result,
                                      gpointer             source_tag,
                                      GError             **error);
GVariant   *herald_client_call_sync  (HeraldClient        *self,
                                      const char          *method,
                                      GVariant            *parameters,
                                      const GVariantType  *reply_type,
                                      GUnixFDList         *fd_list,
                                      GCancellable        *cancellable,
                                      GError             **error);

/* Parses "(aa{sv})" into HeraldProfile or HeraldDelivery objects. */
GPtrArray  *herald_client_parse_list (GVariant            *reply,
                                      gpointer           (*parse) (GVariant *, GError **),
                                      GError             **error);

G_END_DECLS
