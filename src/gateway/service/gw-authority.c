/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-authority.c: who may call which method of the gateway
 *
 * On the system bus every call is checked with polkit, asynchronously,
 * against the caller's unique bus name (a pid could be reused by another
 * process before polkit looks at it). A caller that leaves the bus while
 * its check is pending gets nothing done: pending checks of a name that
 * vanishes are cancelled, and a check that succeeded is confirmed by one
 * last GetNameOwner, which the bus answers only after it has processed
 * everything the caller sent before leaving.
 *
 * On a session bus the only question is whether the caller is the bus's
 * own user, asked of the bus (GetConnectionUnixUser) once per connection.
 */
#define G_LOG_DOMAIN "gw-authority"

#include "config.h"

#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <polkit/polkit.h>

#include "herald-error.h"
#include "gw-authority.h"

#define ACTION_PREFIX "org.herald.gateway."

/* Every method of org.herald.Gateway1 (tests/unit/test-authority.c checks
 * that none is missing). The rights each operation needs are in the table
 * of gw-caller.c, which every door shares. */
static const struct {
  const char  *method;
  GwOperation  operation;
} method_operations[] = {
  { "Send",                      GW_OPERATION_SEND },
  { "SendMessage",               GW_OPERATION_SEND },
  { "GetDelivery",               GW_OPERATION_READ_DELIVERIES },
  { "ListDeliveries",            GW_OPERATION_READ_DELIVERIES },
  { "Cancel",                    GW_OPERATION_CANCEL_DELIVERY },
  { "Retry",                     GW_OPERATION_RETRY_DELIVERY },
  { "GetQuota",                  GW_OPERATION_READ_QUOTA },
  { "CheckRoute",                GW_OPERATION_CHECK_ROUTE },
  { "ListProfiles",              GW_OPERATION_READ_PROFILES },
  { "GetProfile",                GW_OPERATION_READ_PROFILES },
  { "GetRoutes",                 GW_OPERATION_READ_ROUTES },
  { "GetProfileKeys",            GW_OPERATION_READ_PROFILES },
  { "AddProfile",                GW_OPERATION_MANAGE_PROFILES },
  { "UpdateProfile",             GW_OPERATION_MANAGE_PROFILES },
  { "RemoveProfile",             GW_OPERATION_MANAGE_PROFILES },
  { "SetSecret",                 GW_OPERATION_MANAGE_PROFILES },
  { "SetRoutes",                 GW_OPERATION_SET_ROUTES },
  { "TestProfile",               GW_OPERATION_TEST_PROFILE },
  { "AddToken",                  GW_OPERATION_MANAGE_PROFILES },
  { "ListTokens",                GW_OPERATION_MANAGE_PROFILES },
  { "RemoveToken",               GW_OPERATION_MANAGE_PROFILES },
  { "SignIn",                    GW_OPERATION_MANAGE_PROFILES },
  { "CancelSignIn",              GW_OPERATION_MANAGE_PROFILES },
  { "ListUntrustedCertificates", GW_OPERATION_READ_CERTIFICATES },
  { "ListTrustedCertificates",   GW_OPERATION_READ_CERTIFICATES },
  { "TrustCertificate",          GW_OPERATION_MANAGE_TRUST },
  { "UntrustCertificate",        GW_OPERATION_MANAGE_TRUST },
};

const char *
gw_authority_get_action_id (GwRights right)
{
  static const char * const ids[] = {
    ACTION_PREFIX "send",
    ACTION_PREFIX "manage-profiles",
    ACTION_PREFIX "manage-trust",
    ACTION_PREFIX "read-log",
  };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++) {
    if (right == (GwRights) (1u << i))
      return ids[i];
  }
  return ACTION_PREFIX "unknown";
}

GwOperation
gw_authority_operation_for_method (const char *method)
{
  for (guint i = 0; i < G_N_ELEMENTS (method_operations); i++) {
    if (g_strcmp0 (method, method_operations[i].method) == 0)
      return method_operations[i].operation;
  }
  return GW_OPERATION_UNKNOWN;
}

struct _GwAuthority {
  GObject          parent_instance;
  GDBusConnection *connection;
  gboolean         system_bus;
  PolkitAuthority *polkit;      /* system bus only */
  GHashTable      *uids;        /* unique name → uid (GUINT_TO_POINTER (uid + 1)) */
  GHashTable      *pending;     /* unique name → GPtrArray of GCancellable */
  guint            name_owner_changed_id;
};

G_DEFINE_FINAL_TYPE (GwAuthority, gw_authority, G_TYPE_OBJECT)

#define QDATA_CALLER "gw-authority-caller"

typedef struct {
  GwAuthority           *self;
  GDBusMethodInvocation *invocation;
  char                  *sender;
  GwRights               needed;
  GwRights               granted;
  GwRights               next;        /* the right asked about now */
  gboolean               per_caller;
  gboolean               probed_read_log;
  guint                  uid;
  GCancellable          *cancellable;  /* cancelled when the sender vanishes */
} Check;

static void
check_free (Check *check)
{
  GPtrArray *list = g_hash_table_lookup (check->self->pending, check->sender);

  if (list != NULL) {
    g_ptr_array_remove (list, check->cancellable);
    if (list->len == 0)
      g_hash_table_remove (check->self->pending, check->sender);
  }
  g_object_unref (check->self);
  g_object_unref (check->invocation);
  g_free (check->sender);
  g_object_unref (check->cancellable);
  g_free (check);
}

static void
name_owner_changed_cb (GDBusConnection *connection,
                       const char      *sender_name,
                       const char      *object_path,
                       const char      *interface_name,
                       const char      *signal_name,
                       GVariant        *parameters,
                       gpointer         user_data)
{
  GwAuthority *self = GW_AUTHORITY (user_data);
  const char *name, *old_owner, *new_owner;
  GPtrArray *list;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(sss)")))
    return;
  g_variant_get (parameters, "(&s&s&s)", &name, &old_owner, &new_owner);
  if (*name != ':' || *new_owner != '\0')
    return;
  /* Unique names are never reused: forget the uid, stop the checks. */
  g_hash_table_remove (self->uids, name);
  list = g_hash_table_lookup (self->pending, name);
  if (list == NULL)
    return;
  g_debug ("%s left the bus with %u authorisations pending", name, list->len);
  for (guint i = 0; i < list->len; i++)
    g_cancellable_cancel (g_ptr_array_index (list, i));
}

static void
gw_authority_finalize (GObject *object)
{
  GwAuthority *self = GW_AUTHORITY (object);

  if (self->name_owner_changed_id != 0)
    g_dbus_connection_signal_unsubscribe (self->connection, self->name_owner_changed_id);
  g_clear_object (&self->polkit);
  g_clear_object (&self->connection);
  g_hash_table_unref (self->uids);
  g_hash_table_unref (self->pending);
  G_OBJECT_CLASS (gw_authority_parent_class)->finalize (object);
}

static void
gw_authority_class_init (GwAuthorityClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_authority_finalize;
}

static void
gw_authority_init (GwAuthority *self)
{
  self->uids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_ptr_array_unref);
}

GwAuthority *
gw_authority_new (GDBusConnection *connection,
                  gboolean         system_bus,
                  GError         **error)
{
  g_autoptr(GwAuthority) self = g_object_new (GW_TYPE_AUTHORITY, NULL);

  self->connection = g_object_ref (connection);
  self->system_bus = system_bus;
  if (system_bus) {
    g_autoptr(GError) local_error = NULL;

    self->polkit = polkit_authority_get_sync (NULL, &local_error);
    if (self->polkit == NULL) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_FAILED,
                   _("Cannot reach polkit, which authorises every call on the system bus: %s"),
                   local_error->message);
      return NULL;
    }
  }
  /* Only peers of a bus have unique names; a peer-to-peer connection
   * has no bus to watch. */
  if (g_dbus_connection_get_unique_name (connection) != NULL)
    self->name_owner_changed_id =
      g_dbus_connection_signal_subscribe (connection, "org.freedesktop.DBus",
                                          "org.freedesktop.DBus", "NameOwnerChanged",
                                          "/org/freedesktop/DBus", NULL,
                                          G_DBUS_SIGNAL_FLAGS_NONE,
                                          name_owner_changed_cb, self, NULL);
  return g_steal_pointer (&self);
}

static GwCaller *
attach_caller (GDBusMethodInvocation *invocation,
               guint                  uid,
               GwRights               rights)
{
  GwCaller *caller = gw_caller_new (uid, "dbus", g_dbus_method_invocation_get_sender (invocation),
                                    rights);

  g_object_set_data_full (G_OBJECT (invocation), QDATA_CALLER, caller, g_object_unref);
  return g_object_ref (caller);
}

GwCaller *
gw_authority_get_caller (GDBusMethodInvocation *invocation)
{
  GwCaller *caller = g_object_get_data (G_OBJECT (invocation), QDATA_CALLER);
  g_autoptr(GwCaller) made = NULL;

  if (caller != NULL)
    return caller;
  made = attach_caller (invocation, (guint) getuid (), GW_RIGHTS_ALL);
  return made;
}

static void
return_caller (GTask                 *task,
               GDBusMethodInvocation *invocation,
               guint                  uid,
               GwRights               rights)
{
  g_task_return_pointer (task, attach_caller (invocation, uid, rights), g_object_unref);
  g_object_unref (task);
}

static void
return_not_authorized (GTask      *task,
                       const char *message)
{
  g_task_return_new_error (task, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED, "%s", message);
  g_object_unref (task);
}

static void
return_vanished (GTask *task)
{
  Check *check = g_task_get_task_data (task);

  g_debug ("%s left the bus before it was authorised: nothing done", check->sender);
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           _("The caller left the bus"));
  g_object_unref (task);
}

static void
confirm_cb (GObject      *source,
            GAsyncResult *res,
            gpointer      user_data)
{
  GTask *task = G_TASK (user_data);
  Check *check = g_task_get_task_data (task);
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), res, NULL);

  if (reply == NULL || g_cancellable_is_cancelled (check->cancellable)) {
    return_vanished (task);
    return;
  }
  return_caller (task, check->invocation, check->uid, check->granted);
}

/* The caller is still there after everything it sent before leaving. */
static void
confirm (GTask *task)
{
  Check *check = g_task_get_task_data (task);

  g_dbus_connection_call (check->self->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "GetNameOwner", g_variant_new ("(s)", check->sender),
                          G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, -1,
                          NULL, confirm_cb, task);
}

static void check_next (GTask *task);

static void
polkit_cb (GObject      *source,
           GAsyncResult *res,
           gpointer      user_data)
{
  GTask *task = G_TASK (user_data);
  Check *check = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(PolkitAuthorizationResult) result =
    polkit_authority_check_authorization_finish (POLKIT_AUTHORITY (source), res, &error);
  const char *action_id = gw_authority_get_action_id (check->next);
  g_autofree char *message = NULL;

  if (g_cancellable_is_cancelled (check->cancellable)) {
    return_vanished (task);
    return;
  }
  if (result == NULL) {
    g_warning ("polkit could not check %s for %s: %s", action_id, check->sender, error->message);
    message = g_strdup_printf (_("Not authorised: polkit could not check %s (%s)"),
                               action_id, error->message);
    return_not_authorized (task, message);
    return;
  }
  if (check->probed_read_log) {
    if (polkit_authorization_result_get_is_authorized (result))
      check->granted |= GW_RIGHT_READ_LOG;
    confirm (task);
    return;
  }
  if (!polkit_authorization_result_get_is_authorized (result)) {
    g_info ("%s (uid %u) is not authorised for %s", check->sender, check->uid, action_id);
    if (polkit_authorization_result_get_dismissed (result))
      message = g_strdup_printf (_("Not authorised for %s: the authentication was dismissed"), action_id);
    else
      message = g_strdup_printf (_("Not authorised for %s"), action_id);
    return_not_authorized (task, message);
    return;
  }
  check->granted |= check->next;
  check_next (task);
}

/* Asks polkit about the next right needed, in the order of the bits, then
 * (for a per-caller operation) whether the caller may read the log. */
static void
check_next (GTask *task)
{
  Check *check = g_task_get_task_data (task);
  g_autoptr(PolkitSubject) subject = polkit_system_bus_name_new (check->sender);
  PolkitCheckAuthorizationFlags flags = POLKIT_CHECK_AUTHORIZATION_FLAGS_ALLOW_USER_INTERACTION;
  GwRights missing = check->needed & ~check->granted;

  if (missing != GW_RIGHT_NONE) {
    guint bits = missing;

    check->next = bits & (~bits + 1);   /* the lowest bit */
  } else if (check->per_caller && (check->granted & GW_RIGHT_READ_LOG) == 0) {
    /* Only a question: never bring up an authentication dialog for it. */
    check->next = GW_RIGHT_READ_LOG;
    check->probed_read_log = TRUE;
    flags = POLKIT_CHECK_AUTHORIZATION_FLAGS_NONE;
  } else {
    confirm (task);
    return;
  }
  polkit_authority_check_authorization (check->self->polkit, subject,
                                        gw_authority_get_action_id (check->next), NULL, flags,
                                        check->cancellable, polkit_cb, task);
}

/* The caller's uid is known: decide (session bus) or ask polkit. */
static void
check_with_uid (GTask *task)
{
  Check *check = g_task_get_task_data (task);

  if (!check->self->system_bus) {
    if (check->uid != (guint) getuid ()) {
      g_autofree char *message = NULL;

      g_info ("%s (uid %u) called on the bus of uid %u: refused", check->sender, check->uid,
              (guint) getuid ());
      message = g_strdup_printf (_("Not authorised: this gateway serves only user %u"),
                                 (guint) getuid ());
      return_not_authorized (task, message);
      return;
    }
    /* The bus's own user owns the gateway and everything in it. */
    return_caller (task, check->invocation, check->uid, GW_RIGHTS_ALL);
    return;
  }
  check_next (task);
}

static void
get_uid_cb (GObject      *source,
            GAsyncResult *res,
            gpointer      user_data)
{
  GTask *task = G_TASK (user_data);
  Check *check = g_task_get_task_data (task);
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), res, NULL);

  /* The bus knows every connected peer's uid: no answer, no caller. */
  if (reply == NULL || g_cancellable_is_cancelled (check->cancellable)) {
    return_vanished (task);
    return;
  }
  g_variant_get (reply, "(u)", &check->uid);
  g_hash_table_insert (check->self->uids, g_strdup (check->sender), GUINT_TO_POINTER (check->uid + 1));
  check_with_uid (task);
}

void
gw_authority_check_async (GwAuthority           *self,
                          GDBusMethodInvocation *invocation,
                          GwRights               rights,
                          gboolean               per_caller,
                          GAsyncReadyCallback    callback,
                          gpointer               user_data)
{
  GTask *task = g_task_new (self, NULL, callback, user_data);
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  Check *check;
  GPtrArray *list;
  gpointer cached;

  g_task_set_source_tag (task, gw_authority_check_async);

  /* A peer-to-peer connection: its credentials are the caller's. */
  if (sender == NULL) {
    GCredentials *credentials =
      g_dbus_connection_get_peer_credentials (g_dbus_method_invocation_get_connection (invocation));
    uid_t uid = credentials != NULL ? g_credentials_get_unix_user (credentials, NULL) : (uid_t) -1;

    if (uid != getuid () || self->system_bus) {
      return_not_authorized (task, _("Not authorised: the caller's user is unknown"));
      return;
    }
    return_caller (task, invocation, uid, GW_RIGHTS_ALL);
    return;
  }

  check = g_new0 (Check, 1);
  check->self = g_object_ref (self);
  check->invocation = g_object_ref (invocation);
  check->sender = g_strdup (sender);
  check->needed = rights & GW_RIGHTS_ALL;
  check->per_caller = per_caller;
  check->cancellable = g_cancellable_new ();
  g_task_set_task_data (task, check, (GDestroyNotify) check_free);

  list = g_hash_table_lookup (self->pending, sender);
  if (list == NULL) {
    list = g_ptr_array_new ();
    g_hash_table_insert (self->pending, g_strdup (sender), list);
  }
  g_ptr_array_add (list, check->cancellable);

  cached = g_hash_table_lookup (self->uids, sender);
  if (cached != NULL) {
    check->uid = GPOINTER_TO_UINT (cached) - 1;
    check_with_uid (task);
    return;
  }
  g_dbus_connection_call (self->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "GetConnectionUnixUser",
                          g_variant_new ("(s)", sender), G_VARIANT_TYPE ("(u)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, get_uid_cb, task);
}

GwCaller *
gw_authority_check_finish (GwAuthority   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
