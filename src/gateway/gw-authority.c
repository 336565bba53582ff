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

#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <polkit/polkit.h>

#include "herald-error.h"
#include "gw-authority.h"

#define MAX_ACTIONS 4

static const char * const action_ids[] = {
  [GW_ACTION_SEND]            = "org.herald.gateway.send",
  [GW_ACTION_MANAGE_PROFILES] = "org.herald.gateway.manage-profiles",
  [GW_ACTION_MANAGE_TRUST]    = "org.herald.gateway.manage-trust",
  [GW_ACTION_READ_LOG]        = "org.herald.gateway.read-log",
  [GW_ACTION_UNKNOWN]         = "org.herald.gateway.unknown",
};

/* Every method of org.herald.Gateway1 (tests/unit/test-authority.c checks
 * that none is missing). Reading profiles and routes gives no secret away
 * and is what a sender needs to pick a profile; reading certificates is
 * part of the log; TestProfile sends with the profile's credentials. */
static const struct {
  const char *method;
  GwAction    action;
  gboolean    per_caller;
} method_actions[] = {
  { "Send",                      GW_ACTION_SEND,            FALSE },
  { "GetDelivery",               GW_ACTION_SEND,            TRUE },
  { "ListDeliveries",            GW_ACTION_SEND,            TRUE },
  { "Cancel",                    GW_ACTION_SEND,            TRUE },
  { "Retry",                     GW_ACTION_SEND,            TRUE },
  { "CheckRoute",                GW_ACTION_SEND,            FALSE },
  { "ListProfiles",              GW_ACTION_SEND,            FALSE },
  { "GetProfile",                GW_ACTION_SEND,            FALSE },
  { "GetRoutes",                 GW_ACTION_SEND,            FALSE },
  { "GetProfileKeys",            GW_ACTION_SEND,            FALSE },
  { "AddProfile",                GW_ACTION_MANAGE_PROFILES, FALSE },
  { "UpdateProfile",             GW_ACTION_MANAGE_PROFILES, FALSE },
  { "RemoveProfile",             GW_ACTION_MANAGE_PROFILES, FALSE },
  { "SetSecret",                 GW_ACTION_MANAGE_PROFILES, FALSE },
  { "SetRoutes",                 GW_ACTION_MANAGE_PROFILES, FALSE },
  { "TestProfile",               GW_ACTION_MANAGE_PROFILES, FALSE },
  { "AddToken",                  GW_ACTION_MANAGE_PROFILES, FALSE },
  { "ListTokens",                GW_ACTION_MANAGE_PROFILES, FALSE },
  { "RemoveToken",               GW_ACTION_MANAGE_PROFILES, FALSE },
  { "ListUntrustedCertificates", GW_ACTION_READ_LOG,        FALSE },
  { "ListTrustedCertificates",   GW_ACTION_READ_LOG,        FALSE },
  { "TrustCertificate",          GW_ACTION_MANAGE_TRUST,    FALSE },
  { "UntrustCertificate",        GW_ACTION_MANAGE_TRUST,    FALSE },
};

const char *
gw_action_get_id (GwAction action)
{
  if ((guint) action >= G_N_ELEMENTS (action_ids))
    action = GW_ACTION_UNKNOWN;
  return action_ids[action];
}

GwAction
gw_authority_action_for_method (const char *method,
                                gboolean   *per_caller)
{
  for (guint i = 0; i < G_N_ELEMENTS (method_actions); i++) {
    if (g_strcmp0 (method, method_actions[i].method) != 0)
      continue;
    if (per_caller != NULL)
      *per_caller = method_actions[i].per_caller;
    return method_actions[i].action;
  }
  if (per_caller != NULL)
    *per_caller = FALSE;
  return GW_ACTION_UNKNOWN;
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

#define QDATA_UID      "gw-authority-caller-uid"
#define QDATA_SEES_ALL "gw-authority-sees-all"

typedef struct {
  GwAuthority           *self;
  GDBusMethodInvocation *invocation;
  char                  *sender;
  GwAction               actions[MAX_ACTIONS];
  guint                  n_actions;
  guint                  next;
  gboolean               per_caller;
  gboolean               sees_all;
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

static void
attach_result (GDBusMethodInvocation *invocation,
               guint                  uid,
               gboolean               sees_all)
{
  g_object_set_data (G_OBJECT (invocation), QDATA_UID, GUINT_TO_POINTER (uid + 1));
  g_object_set_data (G_OBJECT (invocation), QDATA_SEES_ALL, GINT_TO_POINTER (sees_all));
}

guint
gw_authority_get_caller_uid (GDBusMethodInvocation *invocation)
{
  gpointer data = g_object_get_data (G_OBJECT (invocation), QDATA_UID);

  return data != NULL ? GPOINTER_TO_UINT (data) - 1 : (guint) getuid ();
}

gboolean
gw_authority_caller_sees_all (GDBusMethodInvocation *invocation)
{
  if (g_object_get_data (G_OBJECT (invocation), QDATA_UID) == NULL)
    return TRUE;
  return GPOINTER_TO_INT (g_object_get_data (G_OBJECT (invocation), QDATA_SEES_ALL));
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
  attach_result (check->invocation, check->uid, check->sees_all);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
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
  gboolean asking_read_log = check->next == check->n_actions;
  const char *action_id = asking_read_log ? gw_action_get_id (GW_ACTION_READ_LOG)
                                          : gw_action_get_id (check->actions[check->next]);
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
  if (asking_read_log) {
    check->sees_all = polkit_authorization_result_get_is_authorized (result);
    check->next++;
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
  check->next++;
  check_next (task);
}

static void
check_next (GTask *task)
{
  Check *check = g_task_get_task_data (task);
  g_autoptr(PolkitSubject) subject = polkit_system_bus_name_new (check->sender);
  PolkitCheckAuthorizationFlags flags = POLKIT_CHECK_AUTHORIZATION_FLAGS_ALLOW_USER_INTERACTION;
  const char *action_id;

  if (check->next == check->n_actions && !check->per_caller) {
    confirm (task);
    return;
  }
  if (check->next < check->n_actions) {
    if (check->actions[check->next] == GW_ACTION_UNKNOWN) {
      return_not_authorized (task, _("Not authorised: this method has no polkit action"));
      return;
    }
    action_id = gw_action_get_id (check->actions[check->next]);
  } else {
    /* Only a question: never bring up an authentication dialog for it. */
    action_id = gw_action_get_id (GW_ACTION_READ_LOG);
    flags = POLKIT_CHECK_AUTHORIZATION_FLAGS_NONE;
  }
  polkit_authority_check_authorization (check->self->polkit, subject, action_id, NULL, flags,
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
    attach_result (check->invocation, check->uid, TRUE);
    g_task_return_boolean (task, TRUE);
    g_object_unref (task);
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
                          const GwAction        *actions,
                          guint                  n_actions,
                          gboolean               per_caller,
                          GAsyncReadyCallback    callback,
                          gpointer               user_data)
{
  GTask *task = g_task_new (self, NULL, callback, user_data);
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  Check *check;
  GPtrArray *list;
  gpointer cached;

  g_return_if_fail (n_actions <= MAX_ACTIONS);
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
    attach_result (invocation, uid, TRUE);
    g_task_return_boolean (task, TRUE);
    g_object_unref (task);
    return;
  }

  check = g_new0 (Check, 1);
  check->self = g_object_ref (self);
  check->invocation = g_object_ref (invocation);
  check->sender = g_strdup (sender);
  memcpy (check->actions, actions, n_actions * sizeof (GwAction));
  check->n_actions = n_actions;
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

gboolean
gw_authority_check_finish (GwAuthority   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
