/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-service-authorize.c: the one point where every D-Bus call is authorised
 *
 * GwService replaces the method_call of the generated skeleton's vtable:
 * each call is first checked (gw-authority.c: polkit establishes the
 * caller's rights) and only then handed to the generated dispatcher, which
 * calls the handle_* method. So no handler can forget its check, and a
 * handler runs only for a caller that is still on the bus.
 *
 * Why not GDBusInterfaceSkeleton::g-authorize-method, the supported hook:
 * it is synchronous. GDBus runs it, and then the handler, in a thread of
 * its own for each call, and a polkit check may wait minutes for an
 * administrator's password; a check cannot be dropped when its caller
 * leaves the bus. No supported hook takes an asynchronous answer, so the
 * override stays, here and only here: get_vtable() below swaps the
 * method_call of the skeleton's vtable for authorize_method_call(), which
 * calls the generated one once the answer is in.
 *
 * What each method needs comes from the shared table (gw-caller.c, via the
 * method → operation table of gw-authority.c), and the caller's rights are
 * checked against it once more before the handler runs, as every door
 * does. The credential redirect guard lives here too: UpdateProfile that
 * changes where a profile's stored secrets are sent (any key whose spec
 * carries GW_SETTING_FLAG_REDIRECTS_SECRETS, gw-redirect-guard.c) is
 * GW_OPERATION_REDIRECT_SECRETS, which also needs
 * org.herald.gateway.manage-trust, whose default is auth_admin: an
 * administrator's password every time, never a kept authorisation.
 */
#define G_LOG_DOMAIN "gw-service"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "gw-authority.h"
#include "gw-redirect-guard.h"
#include "gw-service-private.h"

static GDBusInterfaceMethodCallFunc parent_method_call;

/* A call waiting for its authorisation; completing the invocation
 * consumes its reference. */
typedef struct {
  GwService             *self;
  GDBusMethodInvocation *invocation;
  GwOperation            operation;
} Pending;

gboolean
gw_service_update_redirects_secrets (GwService  *self,
                                     const char *name,
                                     GVariant   *settings)
{
  GwProfile *profile = gw_profile_store_lookup (self->profiles, name);

  return profile != NULL && gw_redirect_guard_applies (profile, settings);
}

static void
authorized_cb (GObject      *source,
               GAsyncResult *res,
               gpointer      user_data)
{
  g_autofree Pending *pending = user_data;
  g_autoptr(GwService) self = pending->self;
  GDBusMethodInvocation *invocation = pending->invocation;
  g_autoptr(GwCaller) caller = NULL;
  g_autoptr(GError) error = NULL;

  caller = gw_authority_check_finish (GW_AUTHORITY (source), res, &error);
  if (caller == NULL) {
    /* A caller that left gets nothing done; the reply goes nowhere. */
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      g_dbus_method_invocation_return_error_literal (invocation, HERALD_ERROR,
                                                     HERALD_ERROR_NOT_AUTHORIZED,
                                                     _("The caller left the bus"));
    else
      gw_service_return_error (invocation, error);
    return;
  }
  /* The same check every door makes, against the shared table. */
  if (!gw_caller_authorize (caller, pending->operation, &error)) {
    gw_service_return_error (invocation, error);
    return;
  }
  parent_method_call (g_dbus_method_invocation_get_connection (invocation),
                      g_dbus_method_invocation_get_sender (invocation),
                      g_dbus_method_invocation_get_object_path (invocation),
                      g_dbus_method_invocation_get_interface_name (invocation),
                      g_dbus_method_invocation_get_method_name (invocation),
                      g_dbus_method_invocation_get_parameters (invocation),
                      invocation, self);
}

static void
authorize_method_call (GDBusConnection       *connection,
                       const char            *sender,
                       const char            *object_path,
                       const char            *interface_name,
                       const char            *method_name,
                       GVariant              *parameters,
                       GDBusMethodInvocation *invocation,
                       gpointer               user_data)
{
  GwService *self = GW_SERVICE (user_data);
  GwOperation operation = gw_authority_operation_for_method (method_name);
  gboolean per_caller = FALSE;
  GwRights rights;
  Pending *pending;

  if (self->authority == NULL) {
    parent_method_call (connection, sender, object_path, interface_name, method_name,
                        parameters, invocation, user_data);
    return;
  }
  if (operation == GW_OPERATION_UNKNOWN) {
    g_warning ("Method %s has no operation: add it to the table in gw-authority.c", method_name);
    g_dbus_method_invocation_return_error_literal (invocation, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED,
                                                   _("Not authorised: this method has no polkit action"));
    return;
  }
  if (operation == GW_OPERATION_MANAGE_PROFILES && g_str_equal (method_name, "UpdateProfile") &&
      g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(sa{sv})"))) {
    const char *name;
    g_autoptr(GVariant) settings = NULL;

    g_variant_get (parameters, "(&s@a{sv})", &name, &settings);
    if (gw_service_update_redirects_secrets (self, name, settings))
      operation = GW_OPERATION_REDIRECT_SECRETS;
  }
  rights = gw_operation_get_rights (operation, &per_caller);

  pending = g_new0 (Pending, 1);
  pending->self = g_object_ref (self);
  pending->invocation = invocation;
  pending->operation = operation;
  gw_authority_check_async (self->authority, invocation, rights, per_caller,
                            authorized_cb, pending);
}

static GDBusInterfaceVTable *(*parent_get_vtable) (GDBusInterfaceSkeleton *skeleton);

static GDBusInterfaceVTable *
get_vtable (GDBusInterfaceSkeleton *skeleton)
{
  static GDBusInterfaceVTable vtable;
  GDBusInterfaceVTable *parent = parent_get_vtable (skeleton);

  if (parent->method_call != authorize_method_call) {
    parent_method_call = parent->method_call;
    vtable = *parent;
    vtable.method_call = authorize_method_call;
  }
  return &vtable;
}

void
gw_service_class_init_authorization (GDBusInterfaceSkeletonClass *klass)
{
  parent_get_vtable = klass->get_vtable;
  klass->get_vtable = get_vtable;
}

gboolean
gw_service_check_delivery_owner (GwService             *self,
                                 GDBusMethodInvocation *invocation,
                                 const char            *id)
{
  GwCaller *caller = gw_authority_get_caller (invocation);
  g_autoptr(GVariant) delivery = NULL;
  guint32 owner = G_MAXUINT32;

  if (gw_caller_has_rights (caller, GW_RIGHT_READ_LOG))
    return TRUE;
  delivery = gw_queue_get_delivery (self->queue, id, NULL);
  if (delivery != NULL && g_variant_lookup (delivery, "caller-uid", "u", &owner) &&
      gw_caller_may_see (caller, owner))
    return TRUE;
  /* The same answer as for an id that does not exist: another caller's
   * deliveries are not shown to exist. */
  gw_service_return_new_error (invocation, HERALD_ERROR_NO_SUCH_DELIVERY,
                               _("No delivery has the id “%s”"), id);
  return FALSE;
}
