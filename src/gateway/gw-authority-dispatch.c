/* gw-authority-dispatch.c: the one point where every D-Bus call is authorised
 *
 * GwService replaces the method_call of the generated skeleton's vtable:
 * each call is first checked (gw-authority.c) and only then handed to the
 * generated dispatcher, which calls the handle_* method. So no handler can
 * forget its check, and a handler runs only for a caller that is still on
 * the bus.
 *
 * The credential redirect guard lives here too: UpdateProfile that changes
 * where a profile's stored secrets are sent (any key whose spec carries
 * GW_SETTING_FLAG_REDIRECTS_SECRETS, gw-redirect-guard.c) also needs
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
  g_autoptr(GError) error = NULL;

  if (!gw_authority_check_finish (GW_AUTHORITY (source), res, &error)) {
    /* A caller that left gets nothing done; the reply goes nowhere. */
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      g_dbus_method_invocation_return_error_literal (invocation, HERALD_ERROR,
                                                     HERALD_ERROR_NOT_AUTHORIZED,
                                                     _("The caller left the bus"));
    else
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
  GwAction actions[2];
  guint n_actions = 0;
  gboolean per_caller = FALSE;
  Pending *pending;

  if (self->authority == NULL) {
    parent_method_call (connection, sender, object_path, interface_name, method_name,
                        parameters, invocation, user_data);
    return;
  }
  actions[n_actions++] = gw_authority_action_for_method (method_name, &per_caller);
  if (g_str_equal (method_name, "UpdateProfile") &&
      g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(sa{sv})"))) {
    const char *name;
    g_autoptr(GVariant) settings = NULL;

    g_variant_get (parameters, "(&s@a{sv})", &name, &settings);
    if (gw_service_update_redirects_secrets (self, name, settings))
      actions[n_actions++] = GW_ACTION_MANAGE_TRUST;
  }
  if (actions[0] == GW_ACTION_UNKNOWN)
    g_warning ("Method %s has no polkit action: add it to gw-authority.c", method_name);

  pending = g_new0 (Pending, 1);
  pending->self = g_object_ref (self);
  pending->invocation = invocation;
  gw_authority_check_async (self->authority, invocation, actions, n_actions, per_caller,
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
  g_autoptr(GVariant) delivery = NULL;
  guint32 owner = G_MAXUINT32;

  if (gw_authority_caller_sees_all (invocation))
    return TRUE;
  delivery = gw_queue_get_delivery (self->queue, id, NULL);
  if (delivery != NULL && g_variant_lookup (delivery, "caller-uid", "u", &owner) &&
      owner == gw_authority_get_caller_uid (invocation))
    return TRUE;
  /* The same answer as for an id that does not exist: another caller's
   * deliveries are not shown to exist. */
  gw_service_return_new_error (invocation, HERALD_ERROR_NO_SUCH_DELIVERY,
                               _("No delivery has the id “%s”"), id);
  return FALSE;
}
