/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-client-private.h: what the herald-client-*.c files share */
#pragma once

#include <gio/gio.h>
#include <gio/gunixfdlist.h>

#include "herald-client.h"

G_BEGIN_DECLS

/* herald_profile_new_from_variant(), herald_delivery_new_from_variant(),
 * herald_test_result_new_from_variant() */
typedef gpointer (*HeraldParseFunc) (GVariant *dict, GError **error);

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

/* The same with a D-Bus timeout other than the default 25 s: for methods
 * whose length the gateway bounds itself; G_MAXINT means none. */
void        herald_client_call_with_timeout      (HeraldClient        *self,
                                                  const char          *method,
                                                  GVariant            *parameters,
                                                  const GVariantType  *reply_type,
                                                  GUnixFDList         *fd_list,
                                                  int                  timeout_msec,
                                                  GTask               *task);
GVariant   *herald_client_call_with_timeout_sync (HeraldClient        *self,
                                                  const char          *method,
                                                  GVariant            *parameters,
                                                  const GVariantType  *reply_type,
                                                  GUnixFDList         *fd_list,
                                                  int                  timeout_msec,
                                                  GCancellable        *cancellable,
                                                  GError             **error);

/* The same for a method whose reply is empty: the async call, with a new
 * task tagged @source_tag, its finish and its sync form. */
void        herald_client_call_void        (HeraldClient        *self,
                                            const char          *method,
                                            GVariant            *parameters,
                                            gpointer             source_tag,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
gboolean    herald_client_call_void_finish (HeraldClient        *self,
                                            GAsyncResult        *result,
                                            gpointer             source_tag,
                                            GError             **error);
gboolean    herald_client_call_void_sync   (HeraldClient        *self,
                                            const char          *method,
                                            GVariant            *parameters,
                                            GCancellable        *cancellable,
                                            GError             **error);

/* Parses "(a{sv})" into one HeraldProfile, HeraldDelivery or
 * HeraldTestResult object. */
gpointer    herald_client_parse_object (GVariant         *reply,
                                        HeraldParseFunc   parse,
                                        GError          **error);
/* Parses "(aa{sv})" into HeraldProfile or HeraldDelivery objects. */
GPtrArray  *herald_client_parse_list   (GVariant         *reply,
                                        HeraldParseFunc   parse,
                                        GError          **error);

G_END_DECLS
