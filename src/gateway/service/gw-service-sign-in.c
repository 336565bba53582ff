/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-service-sign-in.c: SignIn and CancelSignIn of the D-Bus service
 *
 * A thin adapter: the flows are the SDK's (gw-oauth2-sign-in.c). Here a
 * call starts one sign-in per profile, forwards its progress as the
 * SignInProgress signal to the caller alone (a user code seen by another
 * user could be approved by them), cancels it when the caller leaves the
 * bus or calls CancelSignIn, and once it succeeds makes the deliveries that
 * waited for it due.
 */
#define G_LOG_DOMAIN "gw-service"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "gw-oauth2-sign-in.h"
#include "gw-profile-schema.h"
#include "gw-service-private.h"

typedef struct {
  GwService             *service;
  GDBusMethodInvocation *invocation;  /* the handler's reference, consumed by the reply */
  char                  *profile;
  char                  *sender;
  GwOAuth2SignIn        *sign_in;
  GCancellable          *cancellable;
  guint                  watch_id;
} SignInCall;

static void
sign_in_call_free (SignInCall *call)
{
  if (call->watch_id != 0)
    g_bus_unwatch_name (call->watch_id);
  g_clear_object (&call->sign_in);
  g_clear_object (&call->cancellable);
  g_object_unref (call->service);
  g_free (call->profile);
  g_free (call->sender);
  g_free (call);
}

static GHashTable *
running_sign_ins (GwService *self)
{
  if (self->sign_ins == NULL)
    self->sign_ins = g_hash_table_new (g_str_hash, g_str_equal);
  return self->sign_ins;
}

static void
on_progress (GwOAuth2SignIn *sign_in,
             const char     *stage,
             GVariant       *details,
             gpointer        user_data)
{
  SignInCall *call = user_data;
  GDBusConnection *connection = g_dbus_method_invocation_get_connection (call->invocation);
  g_autoptr(GError) error = NULL;

  if (!g_dbus_connection_emit_signal (connection, call->sender, GW_SERVICE_OBJECT_PATH,
                                      "org.herald.Gateway1", "SignInProgress",
                                      g_variant_new ("(ss@a{sv})", call->profile, stage, details), &error))
    g_debug ("Cannot send SignInProgress to %s: %s", call->sender, error->message);
}

static void
on_caller_vanished (GDBusConnection *connection,
                    const char      *name,
                    gpointer         user_data)
{
  SignInCall *call = user_data;

  g_debug ("%s left the bus: the sign-in of %s ends", name, call->profile);
  g_cancellable_cancel (call->cancellable);
}

static void
woken_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GwService) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!gw_queue_wake_held_finish (GW_QUEUE (source), result, &error))
    g_warning ("Cannot make the deliveries that waited for a sign-in due: %s", error->message);
  else if (self->dispatcher != NULL)
    gw_dispatcher_wake (self->dispatcher);
}

void
gw_service_wake_held (GwService  *self,
                      const char *profile)
{
  if (self->queue == NULL)
    return;
  gw_queue_wake_held_async (self->queue, profile, GW_QUEUE_REASON_SIGN_IN, woken_cb, g_object_ref (self));
}

static void
sign_in_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  SignInCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  GwProfile *profile;

  g_hash_table_remove (running_sign_ins (call->service), call->profile);
  g_signal_handlers_disconnect_by_data (call->sign_in, call);
  if (!gw_oauth2_sign_in_run_finish (GW_OAUTH2_SIGN_IN (source), result, &error)) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      gw_service_return_new_error (call->invocation, HERALD_ERROR_FAILED,
                                   _("The sign-in of profile “%s” was cancelled"), call->profile);
    else
      gw_service_return_new_error (call->invocation, HERALD_ERROR_SIGN_IN_FAILED, "%s", error->message);
    sign_in_call_free (call);
    return;
  }
  profile = gw_profile_store_lookup (call->service->profiles, call->profile);
  g_variant_dict_insert (&dict, "grant", "s",
                         profile != NULL ? gw_profile_get_string (profile, "oauth2-grant") : "");
  gw_dbus_gateway1_complete_sign_in (GW_DBUS_GATEWAY1 (call->service), call->invocation,
                                     g_variant_dict_end (&dict));
  gw_service_wake_held (call->service, call->profile);
  sign_in_call_free (call);
}

gboolean
gw_service_handle_sign_in (GwDBusGateway1        *object,
                           GDBusMethodInvocation *invocation,
                           const char            *name,
                           GVariant              *options)
{
  GwService *self = GW_SERVICE (object);
  const char *flow_name = "device";
  GwOAuth2Flow flow;
  GwProfile *profile;
  SignInCall *call;

  gw_service_touch (self);
  profile = gw_service_lookup_profile (self, invocation, name);
  if (profile == NULL)
    return TRUE;
  g_variant_lookup (options, "flow", "&s", &flow_name);
  if (g_str_equal (flow_name, "device"))
    flow = GW_OAUTH2_FLOW_DEVICE;
  else if (g_str_equal (flow_name, "browser"))
    flow = GW_OAUTH2_FLOW_BROWSER;
  else
    return gw_service_return_new_error (invocation, HERALD_ERROR_INVALID_ARGUMENT,
                                        _("Unknown sign-in flow “%s”: use “device” or “browser”"), flow_name);
  if (gw_profile_schema_lookup_for (gw_profile_get_transport (profile), "oauth2-grant") == NULL)
    return gw_service_return_new_error (invocation, HERALD_ERROR_NOT_SUPPORTED,
                                        _("Profile “%s” does not use OAuth 2.0: its transport has no sign-in"),
                                        name);
  if (g_hash_table_contains (running_sign_ins (self), name))
    return gw_service_return_new_error (invocation, HERALD_ERROR_INVALID_STATE,
                                        _("A sign-in of profile “%s” is already running"), name);

  call = g_new0 (SignInCall, 1);
  call->service = g_object_ref (self);
  call->invocation = invocation;
  call->profile = g_strdup (name);
  call->sender = g_strdup (g_dbus_method_invocation_get_sender (invocation));
  call->cancellable = g_cancellable_new ();
  call->sign_in = gw_oauth2_sign_in_new (profile, flow);
  g_hash_table_insert (running_sign_ins (self), call->profile, call);
  g_signal_connect (call->sign_in, "progress", G_CALLBACK (on_progress), call);
  /* A caller without a unique name is a peer-to-peer test: no watch. */
  if (call->sender != NULL)
    call->watch_id = g_bus_watch_name_on_connection (g_dbus_method_invocation_get_connection (invocation),
                                                     call->sender, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                     NULL, on_caller_vanished, call, NULL);
  g_info ("Sign-in of profile %s started (%s)", name, flow_name);
  gw_oauth2_sign_in_run_async (call->sign_in, call->cancellable, sign_in_done_cb, call);
  return TRUE;
}

gboolean
gw_service_handle_cancel_sign_in (GwDBusGateway1        *object,
                                  GDBusMethodInvocation *invocation,
                                  const char            *name)
{
  GwService *self = GW_SERVICE (object);
  SignInCall *call;

  gw_service_touch (self);
  if (gw_service_lookup_profile (self, invocation, name) == NULL)
    return TRUE;
  call = g_hash_table_lookup (running_sign_ins (self), name);
  if (call == NULL)
    return gw_service_return_new_error (invocation, HERALD_ERROR_INVALID_STATE,
                                        _("No sign-in of profile “%s” is running"), name);
  g_cancellable_cancel (call->cancellable);
  gw_dbus_gateway1_complete_cancel_sign_in (object, invocation);
  return TRUE;
}
