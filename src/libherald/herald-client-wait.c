/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-client-wait.c: following a delivery to its final state */
#define G_LOG_DOMAIN "herald-client"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-client-private.h"
#include "herald-error.h"

/*
 * Race-free waiting: the handler for delivery-changed (the D-Bus signal
 * DeliveriesChanged, one change at a time) is connected before the
 * first GetDelivery is sent. A change that happens before the gateway
 * answers GetDelivery is either in that answer or arrives as a signal after
 * it (one sender's messages keep their order), and every signal announcing
 * a final state triggers another GetDelivery. A change of the gateway's
 * bus name owner (a restart) also triggers one, so a signal lost while the
 * gateway was away does not leave the caller waiting forever.
 */
typedef struct {
  HeraldClient *client;
  GDBusProxy   *proxy;
  char         *id;
  gulong        changed_handler;
  gulong        owner_handler;
  gulong        cancelled_handler;
  gboolean      in_flight;
  gboolean      recheck;
  gboolean      done;
} WaitData;

static void check_delivery (GTask *task);

static void
wait_data_free (gpointer user_data)
{
  WaitData *data = user_data;

  g_free (data->id);
  g_free (data);
}

/* Disconnects everything and drops the reference the handlers held. */
static void
wait_finish (GTask          *task,
             HeraldDelivery *delivery,
             GError         *error)
{
  WaitData *data = g_task_get_task_data (task);

  if (data->done) {
    g_clear_error (&error);
    g_clear_object (&delivery);
    return;
  }
  data->done = TRUE;
  g_clear_signal_handler (&data->changed_handler, data->client);
  g_clear_signal_handler (&data->owner_handler, data->proxy);
  g_cancellable_disconnect (g_task_get_cancellable (task), data->cancelled_handler);
  data->cancelled_handler = 0;

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, delivery, g_object_unref);
  g_object_unref (task);
}

static void
get_delivery_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WaitData *data = g_task_get_task_data (task);
  g_autoptr(HeraldDelivery) delivery = NULL;
  GError *error = NULL;

  data->in_flight = FALSE;
  delivery = herald_client_get_delivery_finish (HERALD_CLIENT (source), result, &error);
  if (data->done) {
    g_clear_error (&error);
    return;
  }
  if (delivery == NULL) {
    wait_finish (task, NULL, error);
    return;
  }
  if (herald_delivery_is_final (delivery)) {
    wait_finish (task, g_steal_pointer (&delivery), NULL);
    return;
  }
  if (data->recheck)
    check_delivery (task);
}

static void
check_delivery (GTask *task)
{
  WaitData *data = g_task_get_task_data (task);

  if (data->done)
    return;
  if (data->in_flight) {
    data->recheck = TRUE;
    return;
  }
  data->in_flight = TRUE;
  data->recheck = FALSE;
  herald_client_get_delivery (data->client, data->id, g_task_get_cancellable (task),
                              get_delivery_cb, g_object_ref (task));
}

static void
delivery_changed_cb (HeraldClient        *client,
                     const char          *id,
                     HeraldDeliveryState  state,
                     HeraldDelivery      *delivery,
                     GTask               *task)
{
  WaitData *data = g_task_get_task_data (task);

  if (g_strcmp0 (id, data->id) == 0 && herald_delivery_state_is_final (state))
    check_delivery (task);
}

static void
name_owner_changed_cb (GObject    *proxy,
                       GParamSpec *pspec,
                       GTask      *task)
{
  check_delivery (task);
}

static gboolean
cancelled_idle_cb (gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error))
    wait_finish (task, NULL, error);
  return G_SOURCE_REMOVE;
}

/* May run in any thread, and synchronously inside g_cancellable_connect()
 * or g_cancellable_cancel(), where g_cancellable_disconnect() must not be
 * called: so always finish from an idle source in the task's context. */
static void
cancelled_cb (GCancellable *cancellable,
              GTask        *task)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, cancelled_idle_cb, g_object_ref (task), g_object_unref);
  g_source_set_static_name (source, "[herald] wait cancelled");
  g_source_attach (source, g_task_get_context (task));
}

/**
 * herald_client_wait_for_delivery:
 * @self: a #HeraldClient
 * @id: a delivery id
 * @cancellable: (nullable): a #GCancellable to stop waiting
 * @callback: called when the delivery is final
 * @user_data: data for @callback
 *
 * Waits until the delivery @id is sent, failed or cancelled. A deferred
 * delivery is waited for through all its retries; connect to
 * #HeraldClient::delivery-changed to show progress meanwhile, and cancel
 * @cancellable to give up. Finish with
 * herald_client_wait_for_delivery_finish().
 *
 * No change can be missed: the client listens for changes before it asks
 * for the delivery's state.
 *
 * Since: 0.1
 */
void
herald_client_wait_for_delivery (HeraldClient        *self,
                                 const char          *id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task;
  WaitData *data;

  g_return_if_fail (HERALD_IS_CLIENT (self));
  g_return_if_fail (id != NULL);

  task = herald_client_task_new (self, herald_client_wait_for_delivery,
                                 cancellable, callback, user_data);
  if (herald_client_get_proxy (self) == NULL) {
    g_task_return_new_error (task, HERALD_ERROR, HERALD_ERROR_FAILED,
                             _("The client is not initialized"));
    g_object_unref (task);
    return;
  }
  data = g_new0 (WaitData, 1);
  data->client = self;
  data->proxy = herald_client_get_proxy (self);
  data->id = g_strdup (id);
  g_task_set_task_data (task, data, wait_data_free);

  /* this reference belongs to the handlers until wait_finish() */
  data->changed_handler = g_signal_connect (self, "delivery-changed",
                                            G_CALLBACK (delivery_changed_cb), task);
  data->owner_handler = g_signal_connect (data->proxy, "notify::g-name-owner",
                                          G_CALLBACK (name_owner_changed_cb), task);
  if (cancellable != NULL)
    data->cancelled_handler = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb),
                                                     task, NULL);
  check_delivery (task);
}

/**
 * herald_client_wait_for_delivery_finish:
 * @self: a #HeraldClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes an operation started with herald_client_wait_for_delivery().
 *
 * Returns: (transfer full): the final delivery, or %NULL on error or
 *   cancellation
 *
 * Since: 0.1
 */
HeraldDelivery *
herald_client_wait_for_delivery_finish (HeraldClient  *self,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        herald_client_wait_for_delivery, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* What the synchronous wait listens for, in a main context of its own. */
typedef struct {
  const char *id;
  gboolean    changed;   /* a final state was announced, or the gateway restarted */
} SyncWait;

static void
sync_signal_cb (GDBusConnection *connection,
                const char      *sender,
                const char      *path,
                const char      *interface,
                const char      *signal,
                GVariant        *parameters,
                gpointer         user_data)
{
  SyncWait *wait = user_data;

  if (g_strcmp0 (signal, "DeliveriesChanged") == 0) {
    g_autoptr(GVariant) changes = NULL;
    GVariantIter iter;
    const char *id = NULL;
    const char *state_name = NULL;
    gboolean final = FALSE;

    if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(a(ssa{sv}))")))
      return;
    changes = g_variant_get_child_value (parameters, 0);
    g_variant_iter_init (&iter, changes);
    while (!final && g_variant_iter_next (&iter, "(&s&s@a{sv})", &id, &state_name, NULL)) {
      HeraldDeliveryState state;

      /* a state this library does not know may be final: ask */
      final = g_strcmp0 (id, wait->id) == 0 &&
              (!herald_delivery_state_from_string (state_name, &state) ||
               herald_delivery_state_is_final (state));
    }
    if (!final)
      return;
  }
  wait->changed = TRUE;
}

static gboolean
sync_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  return G_SOURCE_REMOVE;
}

/**
 * herald_client_wait_for_delivery_sync:
 * @self: a #HeraldClient
 * @id: a delivery id
 * @cancellable: (nullable): a #GCancellable to stop waiting
 * @error: return location for a #GError
 *
 * Waits until the delivery @id is sent, partly sent, failed or cancelled,
 * blocking the calling thread: the synchronous form of
 * herald_client_wait_for_delivery(). A deferred delivery is waited for
 * through all its retries (up to the profile's `expire-after`, days by
 * default): cancel @cancellable from another thread, or from a timeout
 * source of another main context, to give up.
 *
 * The wait runs in a main context of its own, so the caller's main loop
 * does not run meanwhile and #HeraldClient::delivery-changed is not emitted
 * for the changes it sees.
 *
 * Returns: (transfer full): the final delivery, or %NULL on error or
 *   cancellation
 *
 * Since: 0.1
 */
HeraldDelivery *
herald_client_wait_for_delivery_sync (HeraldClient  *self,
                                      const char    *id,
                                      GCancellable  *cancellable,
                                      GError       **error)
{
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GSource) cancel_source = NULL;
  g_autoptr(HeraldDelivery) delivery = NULL;
  GDBusConnection *connection;
  SyncWait wait = { id, FALSE };
  guint changed_id, owner_id;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  connection = herald_client_get_connection (self);
  if (herald_client_get_proxy (self) == NULL || connection == NULL) {
    g_set_error_literal (error, HERALD_ERROR, HERALD_ERROR_FAILED,
                         _("The client is not initialized"));
    return NULL;
  }

  /* Listen first, then ask: a change between the two is either in the
   * answer or dispatched in this context afterwards. (Every
   * DeliveriesChanged: the id is inside its array, where no match rule
   * reaches.) */
  context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  changed_id = g_dbus_connection_signal_subscribe (connection, HERALD_DBUS_NAME,
                                                   HERALD_DBUS_INTERFACE, "DeliveriesChanged",
                                                   HERALD_DBUS_PATH, NULL,
                                                   G_DBUS_SIGNAL_FLAGS_NONE,
                                                   sync_signal_cb, &wait, NULL);
  owner_id = g_dbus_connection_signal_subscribe (connection, "org.freedesktop.DBus",
                                                 "org.freedesktop.DBus", "NameOwnerChanged",
                                                 "/org/freedesktop/DBus", HERALD_DBUS_NAME,
                                                 G_DBUS_SIGNAL_FLAGS_NONE,
                                                 sync_signal_cb, &wait, NULL);
  if (cancellable != NULL) {
    /* wakes the loop below when cancelled */
    cancel_source = g_cancellable_source_new (cancellable);
    g_source_set_callback (cancel_source, G_SOURCE_FUNC (sync_cancelled_cb), NULL, NULL);
    g_source_attach (cancel_source, context);
  }

  for (;;) {
    g_clear_object (&delivery);
    delivery = herald_client_get_delivery_sync (self, id, cancellable, error);
    if (delivery == NULL || herald_delivery_is_final (delivery))
      break;
    while (!wait.changed && !g_cancellable_is_cancelled (cancellable))
      g_main_context_iteration (context, TRUE);
    if (g_cancellable_set_error_if_cancelled (cancellable, error)) {
      g_clear_object (&delivery);
      break;
    }
    wait.changed = FALSE;
  }

  g_dbus_connection_signal_unsubscribe (connection, changed_id);
  g_dbus_connection_signal_unsubscribe (connection, owner_id);
  if (cancel_source != NULL)
    g_source_destroy (cancel_source);
  g_main_context_pop_thread_default (context);
  return g_steal_pointer (&delivery);
}
