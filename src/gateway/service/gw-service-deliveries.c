/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-service-deliveries.c: Send, deliveries and TestProfile of the D-Bus service */
#define G_LOG_DOMAIN "gw-service"

#include "config.h"

#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "gw-composer.h"
#include "gw-notification.h"
#include "gw-remote-jobs.h"
#include "gw-service-private.h"

/* ---- TestProfile ---- */

typedef struct {
  GwService             *self;
  GDBusMethodInvocation *invocation;
  char                  *profile;
} TestData;

static void
test_done_cb (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  TestData *data = user_data;
  g_autoptr(GwService) self = data->self;
  g_autofree char *profile = data->profile;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = gw_transport_test_finish (GW_TRANSPORT (source), res, &error);
  g_autoptr(GVariant) certificate = NULL;
  g_autoptr(GError) status_error = NULL;

  /* Kept for the profile list, whichever way the test went (unless the
   * profile was removed while it ran). */
  if (gw_profile_store_lookup (self->profiles, profile) != NULL &&
      !gw_profile_status_record_result (self->status, profile, result, error, &status_error))
    g_warning ("Cannot record the test of profile %s: %s", profile, status_error->message);
  if (result == NULL) {
    gw_service_return_error (data->invocation, error);
    g_free (data);
    return;
  }
  certificate = g_variant_lookup_value (result, "certificate", G_VARIANT_TYPE_VARDICT);
  if (certificate != NULL && !gw_untrusted_store_record (self->untrusted, profile, certificate, &error))
    g_warning ("Cannot record an untrusted certificate: %s", error->message);
  gw_dbus_gateway1_complete_test_profile (GW_DBUS_GATEWAY1 (self), data->invocation, result);
  g_free (data);
}

gboolean
gw_service_handle_test_profile (GwDBusGateway1        *object,
                                GDBusMethodInvocation *invocation,
                                const char            *name,
                                const char            *recipient)
{
  GwService *self = GW_SERVICE (object);
  g_autoptr(GwEnvelope) envelope = NULL;
  g_autoptr(GError) error = NULL;
  GwTransport *transport = NULL;
  GwProfile *profile = NULL;
  TestData *data;

  gw_service_touch (self);
  envelope = gw_intake_compose_test (self->intake, gw_authority_get_caller (invocation), name, recipient,
                                     &profile, &transport, &error);
  if (envelope == NULL)
    return gw_service_return_error (invocation, error);

  data = g_new0 (TestData, 1);
  data->self = g_object_ref (self);
  data->invocation = invocation;
  data->profile = g_strdup (name);
  gw_transport_test (transport, profile, envelope, NULL, test_done_cb, data);
  return TRUE;
}

/* ---- deliveries ---- */

/* The door: a{sv} and its descriptors become a notification, the
 * authorised bus caller a GwCaller; the intake does the rest. The
 * invocation's reference is consumed by completing or failing it. */
static void
send_done_cb (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = gw_intake_send_finish (GW_INTAKE (source), res, &error);
  GVariant *reply;

  if (id == NULL) {
    gw_service_return_error (invocation, error);
    return;
  }
  reply = g_variant_new_take_string (g_steal_pointer (&id));
  g_dbus_method_invocation_return_value (invocation, g_variant_new_tuple (&reply, 1));
}

typedef struct {
  GwService             *self;
  GDBusMethodInvocation *invocation;
} SendData;

/* Attachments are read off the main thread (gw-notification.c); then the
 * notification goes into the intake. */
static void
send_parsed_cb (GObject      *source,
                GAsyncResult *res,
                gpointer      user_data)
{
  SendData *data = user_data;
  g_autoptr(GwService) self = data->self;
  GDBusMethodInvocation *invocation = data->invocation;
  GwNotification *n;
  g_autoptr(GError) error = NULL;

  g_free (data);
  self->parsing--;
  n = gw_notification_new_from_variant_finish (res, &error);
  if (n == NULL) {
    gw_service_return_error (invocation, error);
    return;
  }
  gw_intake_send_async (self->intake, gw_authority_get_caller (invocation), n, NULL,
                        send_done_cb, invocation);
}

gboolean
gw_service_handle_send (GwDBusGateway1        *object,
             GDBusMethodInvocation *invocation,
             GUnixFDList           *fd_list,
             GVariant              *notification)
{
  GwService *self = GW_SERVICE (object);
  SendData *data = g_new0 (SendData, 1);

  gw_service_touch (self);
  data->self = g_object_ref (self);
  data->invocation = invocation;
  self->parsing++;
  gw_notification_new_from_variant_async (notification, fd_list, gw_config_get_state_dir (self->config),
                                          send_parsed_cb, data);
  return TRUE;
}

gboolean
gw_service_handle_get_quota (GwDBusGateway1        *object,
                             GDBusMethodInvocation *invocation,
                             GVariant              *options)
{
  GwService *self = GW_SERVICE (object);
  GwCaller *caller = gw_authority_get_caller (invocation);
  g_autoptr(GError) error = NULL;
  guint32 uid = gw_caller_get_uid (caller);
  GVariantIter iter;
  const char *key;
  GVariant *value;
  GVariant *usage;

  gw_service_touch (self);
  g_variant_iter_init (&iter, options);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value)) {
    G_GNUC_UNUSED g_autoptr(GVariant) owned = value;

    if (!g_str_equal (key, "uid"))
      return gw_service_return_new_error (invocation, HERALD_ERROR_INVALID_ARGUMENT,
                                          _("Unknown option “%s”: use uid"), key);
    if (!g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
      return gw_service_return_new_error (invocation, HERALD_ERROR_INVALID_ARGUMENT,
                                          _("Option “%s” must be of D-Bus type %s"), key, "u");
    uid = g_variant_get_uint32 (value);
  }
  usage = gw_intake_get_usage (self->intake, caller, uid, &error);
  if (usage == NULL)
    return gw_service_return_error (invocation, error);
  gw_dbus_gateway1_complete_get_quota (object, invocation, usage);
  return TRUE;
}

/* @delivery (consumed: floating or a full reference) with its attempt log
 * as "log". */
static GVariant *
add_log (GwService  *self,
         GVariant   *delivery,
         GError    **error)
{
  g_autoptr(GVariant) owned = g_variant_take_ref (delivery);
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (owned);
  const char *id = NULL;
  GVariant *log;

  g_variant_dict_lookup (&dict, "id", "&s", &id);
  log = gw_queue_list_attempts (self->queue, id, error);
  if (log == NULL)
    return NULL;
  g_variant_dict_insert_value (&dict, "log", log);
  return g_variant_dict_end (&dict);
}

GVariant *
gw_service_get_delivery (GwService   *self,
                         const char  *id,
                         GError     **error)
{
  GVariant *delivery = gw_queue_get_delivery (self->queue, id, error);

  if (delivery == NULL)
    return NULL;
  return add_log (self, delivery, error);
}

gboolean
gw_service_handle_get_delivery (GwDBusGateway1        *object,
                     GDBusMethodInvocation *invocation,
                     const char            *id)
{
  GwService *self = GW_SERVICE (object);
  g_autoptr(GError) error = NULL;
  GVariant *delivery;

  gw_service_touch (self);
  if (!gw_service_check_delivery_owner (self, invocation, id))
    return TRUE;
  delivery = gw_service_get_delivery (self, id, &error);
  if (delivery == NULL)
    return gw_service_return_error (invocation, error);
  gw_dbus_gateway1_complete_get_delivery (object, invocation, delivery);
  return TRUE;
}

static gboolean
check_filter (GDBusMethodInvocation *invocation,
              GVariant              *filter)
{
  static const struct { const char *key; const char *type; } keys[] = {
    { "state", "s" }, { "profile", "s" }, { "app-name", "s" },
    { "since", "x" }, { "until", "x" }, { "limit", "u" }, { "log", "b" },
  };
  static const char * const states[] = {
    "queued", "sending", "sent", "deferred", "failed", "cancelled", "submitted", "partial", NULL
  };
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, filter);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value)) {
    G_GNUC_UNUSED g_autoptr(GVariant) owned = value;
    gboolean known = FALSE;

    for (guint i = 0; i < G_N_ELEMENTS (keys); i++) {
      if (!g_str_equal (key, keys[i].key))
        continue;
      known = TRUE;
      if (!g_variant_is_of_type (value, G_VARIANT_TYPE (keys[i].type))) {
        gw_service_return_new_error (invocation, HERALD_ERROR_INVALID_ARGUMENT,
                          _("Filter “%s” must be of D-Bus type %s"), key, keys[i].type);
        return FALSE;
      }
    }
    if (!known) {
      gw_service_return_new_error (invocation, HERALD_ERROR_INVALID_ARGUMENT,
                        _("Unknown filter “%s”: use state, profile, app-name, since, until, "
                          "limit or log"), key);
      return FALSE;
    }
    if (g_str_equal (key, "state") && !g_strv_contains (states, g_variant_get_string (value, NULL))) {
      gw_service_return_new_error (invocation, HERALD_ERROR_INVALID_ARGUMENT,
                        _("Unknown state “%s”: use queued, sending, sent, deferred, failed, cancelled, submitted or partial"),
                        g_variant_get_string (value, NULL));
      return FALSE;
    }
  }
  return TRUE;
}

/* The deliveries of @list, each with its log. */
static GVariant *
add_logs (GwService  *self,
          GVariant   *list,
          GError    **error)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (list);
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));
  GVariantIter iter;
  GVariant *delivery;

  g_variant_iter_init (&iter, owned);
  while ((delivery = g_variant_iter_next_value (&iter)) != NULL) {
    GVariant *with_log = add_log (self, delivery, error);

    if (with_log == NULL)
      return NULL;
    g_variant_builder_add_value (&builder, with_log);
  }
  return g_variant_builder_end (&builder);
}

gboolean
gw_service_handle_list_deliveries (GwDBusGateway1        *object,
                        GDBusMethodInvocation *invocation,
                        GVariant              *filter)
{
  GwService *self = GW_SERVICE (object);
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (filter);
  g_autoptr(GVariant) queue_filter = NULL;
  g_autoptr(GError) error = NULL;
  gboolean with_log = FALSE;
  GVariant *deliveries;

  gw_service_touch (self);
  if (!check_filter (invocation, filter))
    return TRUE;
  g_variant_dict_lookup (&dict, "log", "b", &with_log);
  g_variant_dict_remove (&dict, "log");
  if (!gw_caller_has_rights (gw_authority_get_caller (invocation), GW_RIGHT_READ_LOG))
    g_variant_dict_insert (&dict, "caller-uid", "u",
                           gw_caller_get_uid (gw_authority_get_caller (invocation)));
  queue_filter = g_variant_ref_sink (g_variant_dict_end (&dict));
  deliveries = gw_queue_list_deliveries (self->queue, queue_filter, &error);
  if (deliveries != NULL && with_log)
    deliveries = add_logs (self, deliveries, &error);
  if (deliveries == NULL)
    return gw_service_return_error (invocation, error);
  gw_dbus_gateway1_complete_list_deliveries (object, invocation, deliveries);
  return TRUE;
}

/* ---- Cancel ----
 *
 * Jobs a server accepted (GwRemoteJobs) are removed there first, one after the
 * other; only when every server agreed is the delivery cancelled. */

typedef struct {
  char      *id;
  GPtrArray *remote;   /* alternating profile, remote id */
  guint      next;
} CancelData;

static void
cancel_data_free (CancelData *data)
{
  g_free (data->id);
  g_clear_pointer (&data->remote, g_ptr_array_unref);
  g_free (data);
}

static void
cancel_cb (GObject      *source,
           GAsyncResult *res,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!gw_queue_cancel_finish (GW_QUEUE (source), res, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void cancel_next_remote (GTask *task);

static void
cancel_remote_cb (GObject      *source,
                  GAsyncResult *res,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CancelData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!gw_remote_jobs_cancel_finish (GW_REMOTE_JOBS (source), res, &error)) {
    g_task_return_new_error (task, HERALD_ERROR, HERALD_ERROR_FAILED,
                             _("The server that has the job could not cancel it: %s"),
                             error->message);
    return;
  }
  data->next += 2;
  cancel_next_remote (g_steal_pointer (&task));
}

/* Takes @task. */
static void
cancel_next_remote (GTask *task)
{
  GwService *self = g_task_get_source_object (task);
  CancelData *data = g_task_get_task_data (task);
  const char *profile_name, *remote_id;
  GwProfile *profile;
  GwTransport *transport;

  if (data->remote == NULL || data->next + 1 >= data->remote->len) {
    gw_queue_cancel_async (self->queue, data->id, cancel_cb, task);
    return;
  }
  profile_name = g_ptr_array_index (data->remote, data->next);
  remote_id = g_ptr_array_index (data->remote, data->next + 1);
  profile = gw_profile_store_lookup (self->profiles, profile_name);
  transport = profile != NULL
              ? gw_plugin_loader_lookup (self->plugins, gw_profile_get_transport (profile))
              : NULL;
  if (transport == NULL || !GW_IS_REMOTE_JOBS (transport)) {
    g_task_return_new_error (task, HERALD_ERROR, HERALD_ERROR_FAILED,
                             _("Job %s at the server of profile “%s” cannot be cancelled from here"),
                             remote_id, profile_name);
    g_object_unref (task);
    return;
  }
  gw_remote_jobs_cancel (GW_REMOTE_JOBS (transport), profile, remote_id, NULL, cancel_remote_cb, task);
}

void
gw_service_cancel_async (GwService           *self,
                         const char          *id,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task = g_task_new (self, NULL, callback, user_data);
  CancelData *data = g_new0 (CancelData, 1);
  g_autoptr(GError) error = NULL;

  g_task_set_source_tag (task, gw_service_cancel_async);
  data->id = g_strdup (id);
  g_task_set_task_data (task, data, (GDestroyNotify) cancel_data_free);
  data->remote = gw_queue_list_remote_jobs (self->queue, id, &error);
  if (data->remote == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    g_object_unref (task);
    return;
  }
  cancel_next_remote (task);
}

gboolean
gw_service_cancel_finish (GwService     *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
cancel_done_cb (GObject      *source,
                GAsyncResult *res,
                gpointer      user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  g_autoptr(GError) error = NULL;

  if (!gw_service_cancel_finish (GW_SERVICE (source), res, &error))
    gw_service_return_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

gboolean
gw_service_handle_cancel (GwDBusGateway1        *object,
               GDBusMethodInvocation *invocation,
               const char            *id)
{
  GwService *self = GW_SERVICE (object);

  gw_service_touch (self);
  if (!gw_service_check_delivery_owner (self, invocation, id))
    return TRUE;
  gw_service_cancel_async (self, id, cancel_done_cb, invocation);
  return TRUE;
}

typedef struct {
  GwService             *self;
  GDBusMethodInvocation *invocation;
} RetryData;

static void
retry_cb (GObject      *source,
          GAsyncResult *res,
          gpointer      user_data)
{
  RetryData *data = user_data;
  g_autoptr(GwService) self = data->self;
  g_autoptr(GError) error = NULL;

  if (!gw_queue_retry_finish (GW_QUEUE (source), res, &error)) {
    gw_service_return_error (data->invocation, error);
  } else {
    gw_dbus_gateway1_complete_retry (GW_DBUS_GATEWAY1 (self), data->invocation);
    gw_dispatcher_wake (self->dispatcher);
  }
  g_free (data);
}

gboolean
gw_service_handle_retry (GwDBusGateway1        *object,
                         GDBusMethodInvocation *invocation,
                         const char            *id)
{
  GwService *self = GW_SERVICE (object);
  RetryData *data;

  gw_service_touch (self);
  if (!gw_service_check_delivery_owner (self, invocation, id))
    return TRUE;
  data = g_new0 (RetryData, 1);
  data->self = g_object_ref (self);
  data->invocation = invocation;
  gw_queue_retry_async (self->queue, id, retry_cb, data);
  return TRUE;
}

/* Runs on the queue's writer thread (a change while the bus is quiet) or
 * the main thread (the end of a folding window): GDBusConnection is
 * thread-safe, and emitting on the writer keeps the quiet signals off the
 * main thread, which answers Send calls and drives the SMTP sessions. */
void
gw_service_emit_deliveries_changed (const GwChange *changes,
                                    guint           n_changes,
                                    gpointer        user_data)
{
  GwService *self = user_data;
  GList *connections = g_dbus_interface_skeleton_get_connections (G_DBUS_INTERFACE_SKELETON (self));
  /* On the system bus every peer may receive the signal: the details (a
   * server's reply names recipients) go only to callers GetDelivery
   * authorises. */
  gboolean hide_details = gw_config_get_system_bus (self->config);
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a(ssa{sv})"));
  g_autoptr(GVariant) parameters = NULL;
  GVariant *changes_array;

  if (connections == NULL)
    return;
  for (guint i = 0; i < n_changes; i++) {
    const GwChange *change = &changes[i];
    /* Built here, for the changes that are signalled, not for each one
     * the queue makes. */
    GVariant *fields[] = {
      g_variant_new_string (change->delivery_id),
      g_variant_new_string (change->state),
      gw_delivery_details_to_variant (hide_details ? NULL : change->details),
    };

    /* A tuple made directly: a format string is parsed again for every
     * change (a third of the cost of the signal's body, issue 18). */
    g_variant_builder_add_value (&builder, g_variant_new_tuple (fields, G_N_ELEMENTS (fields)));
  }
  changes_array = g_variant_builder_end (&builder);
  parameters = g_variant_ref_sink (g_variant_new_tuple (&changes_array, 1));
  for (GList *l = connections; l != NULL; l = l->next) {
    g_autoptr(GError) error = NULL;

    if (!g_dbus_connection_emit_signal (l->data, NULL, GW_SERVICE_OBJECT_PATH, "org.herald.Gateway1",
                                        "DeliveriesChanged", parameters, &error))
      g_debug ("Cannot emit DeliveriesChanged (%u changes): %s", n_changes, error->message);
  }
  g_list_free_full (connections, g_object_unref);
}
