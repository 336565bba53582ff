/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hb-server.c: the bridge's D-Bus side on the session bus
 *
 * Forward mode serves org.freedesktop.Notifications under the bridge's own
 * name (org.herald.DesktopBridge), for notification services that can pass
 * notifications on (a dunst script, a swaync or mako rule calling
 * gdbus/notify-send), or under the real name on a session without a
 * notification server. Monitor mode, which the user must switch on, watches
 * the Notify calls that reach the real notification server; a monitor may
 * not send anything on its connection, so it gets one of its own. */
#define G_LOG_DOMAIN "hb-server"

#include "config.h"

#include "hb-server.h"

#include <glib/gi18n.h>

#define NOTIFICATIONS_PATH "/org/freedesktop/Notifications"

static const char introspection_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.Notifications'>"
  "    <method name='Notify'>"
  "      <arg name='app_name' type='s' direction='in'/>"
  "      <arg name='replaces_id' type='u' direction='in'/>"
  "      <arg name='app_icon' type='s' direction='in'/>"
  "      <arg name='summary' type='s' direction='in'/>"
  "      <arg name='body' type='s' direction='in'/>"
  "      <arg name='actions' type='as' direction='in'/>"
  "      <arg name='hints' type='a{sv}' direction='in'/>"
  "      <arg name='expire_timeout' type='i' direction='in'/>"
  "      <arg name='id' type='u' direction='out'/>"
  "    </method>"
  "    <method name='CloseNotification'>"
  "      <arg name='id' type='u' direction='in'/>"
  "    </method>"
  "    <method name='GetCapabilities'>"
  "      <arg name='capabilities' type='as' direction='out'/>"
  "    </method>"
  "    <method name='GetServerInformation'>"
  "      <arg name='name' type='s' direction='out'/>"
  "      <arg name='vendor' type='s' direction='out'/>"
  "      <arg name='version' type='s' direction='out'/>"
  "      <arg name='spec_version' type='s' direction='out'/>"
  "    </method>"
  "    <signal name='NotificationClosed'>"
  "      <arg name='id' type='u'/>"
  "      <arg name='reason' type='u'/>"
  "    </signal>"
  "    <signal name='ActionInvoked'>"
  "      <arg name='id' type='u'/>"
  "      <arg name='action_key' type='s'/>"
  "    </signal>"
  "  </interface>"
  "  <interface name='org.herald.DesktopBridge1'>"
  "    <method name='Flush'>"
  "      <arg name='deliveries' type='as' direction='out'/>"
  "    </method>"
  "  </interface>"
  "</node>";

/* A Flush call waiting for the forwards it started. */
typedef struct {
  GDBusMethodInvocation *invocation;
  GPtrArray             *ids;
  guint                  pending;
  gboolean               started;   /* all its forwards have been started */
} FlushWaiter;

struct _HbServer {
  GObject          parent_instance;
  HbConfig        *config;
  HbForwarder     *forwarder;
  HbCoalescer     *coalescer;
  GDBusConnection *connection;
  GDBusConnection *monitor;
  GDBusNodeInfo   *node_info;
  guint            registrations[2];
  guint            in_flight;
  FlushWaiter     *current_waiter;  /* set while Flush flushes */
  GSourceFunc      shutdown_done;
  gpointer         shutdown_data;
};

G_DEFINE_TYPE (HbServer, hb_server, G_TYPE_OBJECT)

typedef struct {
  HbServer    *server;
  FlushWaiter *waiter;
} ForwardContext;

static void
waiter_return_if_done (FlushWaiter *waiter)
{
  if (!waiter->started || waiter->pending > 0)
    return;
  g_ptr_array_add (waiter->ids, NULL);
  g_dbus_method_invocation_return_value (waiter->invocation,
                                         g_variant_new ("(^as)", (char **) waiter->ids->pdata));
  g_ptr_array_unref (waiter->ids);
  g_free (waiter);
}

static void
check_shutdown (HbServer *self)
{
  if (self->shutdown_done != NULL && self->in_flight == 0) {
    GSourceFunc done = self->shutdown_done;
    self->shutdown_done = NULL;
    done (self->shutdown_data);
  }
}

static void
forward_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  ForwardContext *context = user_data;
  g_autoptr(HbServer) self = context->server;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ids = hb_forwarder_forward_finish (HB_FORWARDER (source), result, &error);

  if (ids == NULL)
    g_warning (_("Could not forward a desktop notification: %s"), error->message);
  if (context->waiter != NULL) {
    for (guint i = 0; ids != NULL && ids[i] != NULL; i++)
      g_ptr_array_add (context->waiter->ids, g_strdup (ids[i]));
    context->waiter->pending--;
    waiter_return_if_done (context->waiter);
  }
  g_free (context);
  self->in_flight--;
  check_shutdown (self);
}

/* HbFlushFunc: a burst is over, send it. */
static void
flush_cb (const HbEvent *event,
          guint          count,
          gint64         first,
          gint64         last,
          gpointer       user_data)
{
  HbServer *self = user_data;
  ForwardContext *context = g_new0 (ForwardContext, 1);

  context->server = g_object_ref (self);
  context->waiter = self->current_waiter;
  if (context->waiter != NULL)
    context->waiter->pending++;
  self->in_flight++;
  hb_forwarder_forward (self->forwarder, event, count, first, last, NULL, forward_cb, context);
}

static void
handle_notify (HbServer              *self,
               GVariant              *parameters,
               GDBusMethodInvocation *invocation)
{
  g_autoptr(GError) error = NULL;
  guint32 replaces_id = 0;
  HbEvent *event = hb_event_new_from_notify (parameters, &replaces_id, &error);

  if (event == NULL) {
    g_dbus_method_invocation_return_gerror (invocation, error);
    return;
  }
  g_debug ("Notify from “%s”: “%s” (urgency %u, category %s)", event->app_name,
           event->summary, event->urgency, event->category);
  g_dbus_method_invocation_return_value (invocation,
                                         g_variant_new ("(u)", hb_coalescer_add (self->coalescer, event,
                                                                                  replaces_id, FALSE)));
}

static void
handle_flush (HbServer              *self,
              GDBusMethodInvocation *invocation)
{
  FlushWaiter *waiter = g_new0 (FlushWaiter, 1);

  waiter->invocation = invocation;
  waiter->ids = g_ptr_array_new_with_free_func (g_free);
  self->current_waiter = waiter;
  hb_coalescer_flush_all (self->coalescer);
  self->current_waiter = NULL;
  waiter->started = TRUE;
  waiter_return_if_done (waiter);
}

static void
method_call_cb (GDBusConnection       *connection,
                const char            *sender,
                const char            *object_path,
                const char            *interface_name,
                const char            *method_name,
                GVariant              *parameters,
                GDBusMethodInvocation *invocation,
                gpointer               user_data)
{
  HbServer *self = user_data;

  if (g_str_equal (method_name, "Notify")) {
    handle_notify (self, parameters, invocation);
  } else if (g_str_equal (method_name, "CloseNotification")) {
    guint32 id;
    g_variant_get (parameters, "(u)", &id);
    /* nothing is shown; say it is closed so the sender can forget it */
    g_dbus_connection_emit_signal (connection, sender, object_path, interface_name,
                                   "NotificationClosed", g_variant_new ("(uu)", id, 3), NULL);
    g_dbus_method_invocation_return_value (invocation, NULL);
  } else if (g_str_equal (method_name, "GetCapabilities")) {
    const char *caps[] = { "body", "body-markup", "body-hyperlinks", NULL };
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", caps));
  } else if (g_str_equal (method_name, "GetServerInformation")) {
    g_dbus_method_invocation_return_value (invocation,
                                           g_variant_new ("(ssss)", "Herald desktop bridge",
                                                          "Herald", PACKAGE_VERSION, "1.2"));
  } else if (g_str_equal (method_name, "Flush")) {
    handle_flush (self, invocation);
  } else {
    g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                           "Unknown method %s", method_name);
  }
}

static const GDBusInterfaceVTable vtable = { method_call_cb, NULL, NULL, { 0 } };

/* Runs on the main context: a Notify call seen by the monitor. */
static gboolean
monitored_notify_cb (gpointer user_data)
{
  g_autoptr(GDBusMessage) message = user_data;
  HbServer *self = g_object_get_data (G_OBJECT (message), "hb-server");
  g_autoptr(GError) error = NULL;
  guint32 replaces_id = 0;
  HbEvent *event = hb_event_new_from_notify (g_dbus_message_get_body (message), &replaces_id, &error);

  if (event == NULL) {
    g_debug ("ignoring a malformed Notify call: %s", error->message);
    return G_SOURCE_REMOVE;
  }
  g_debug ("monitored Notify from “%s”: “%s”", event->app_name, event->summary);
  hb_coalescer_add (self->coalescer, event, replaces_id, TRUE);
  return G_SOURCE_REMOVE;
}

/* Runs in GDBus's worker thread: takes the Notify calls and drops every
 * other message but replies, so GDBus never tries to answer a call that was
 * not meant for us (a monitor must not send). */
static GDBusMessage *
monitor_filter_cb (GDBusConnection *connection,
                   GDBusMessage    *message,
                   gboolean         incoming,
                   gpointer         user_data)
{
  HbServer *self = user_data;
  GDBusMessageType type = g_dbus_message_get_message_type (message);

  if (!incoming || type == G_DBUS_MESSAGE_TYPE_METHOD_RETURN || type == G_DBUS_MESSAGE_TYPE_ERROR)
    return message;
  if (type == G_DBUS_MESSAGE_TYPE_METHOD_CALL &&
      g_strcmp0 (g_dbus_message_get_member (message), "Notify") == 0 &&
      g_strcmp0 (g_dbus_message_get_interface (message), "org.freedesktop.Notifications") == 0 &&
      g_dbus_message_get_body (message) != NULL) {
    g_object_set_data_full (G_OBJECT (message), "hb-server", g_object_ref (self), g_object_unref);
    g_main_context_invoke (NULL, monitored_notify_cb, message);
    return NULL;
  }
  g_object_unref (message);
  return NULL;
}

static gboolean
start_monitor (HbServer  *self,
               GError   **error)
{
  g_autofree char *address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, error);
  const char *rules[] = {
    "type='method_call',interface='org.freedesktop.Notifications',member='Notify',"
    "destination='org.freedesktop.Notifications'",
    NULL
  };
  g_autoptr(GVariant) reply = NULL;

  if (address == NULL)
    return FALSE;
  self->monitor = g_dbus_connection_new_for_address_sync (address,
                                                          G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                          G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                          NULL, NULL, error);
  if (self->monitor == NULL)
    return FALSE;
  g_dbus_connection_set_exit_on_close (self->monitor, FALSE);
  reply = g_dbus_connection_call_sync (self->monitor, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus.Monitoring", "BecomeMonitor",
                                       g_variant_new ("(^asu)", rules, 0), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
  if (reply == NULL) {
    g_prefix_error (error, _("Cannot monitor the session bus: "));
    return FALSE;
  }
  /* only now: the reply to BecomeMonitor must still reach us normally */
  g_dbus_connection_add_filter (self->monitor, monitor_filter_cb, self, NULL);
  g_info ("monitoring Notify calls to org.freedesktop.Notifications");
  return TRUE;
}

gboolean
hb_server_start (HbServer         *self,
                 GDBusConnection  *connection,
                 GError          **error)
{
  g_return_val_if_fail (HB_IS_SERVER (self), FALSE);

  self->connection = g_object_ref (connection);
  if (self->config->mode & HB_MODE_FORWARD) {
    for (guint i = 0; i < G_N_ELEMENTS (self->registrations); i++) {
      self->registrations[i] =
        g_dbus_connection_register_object (connection, NOTIFICATIONS_PATH,
                                           self->node_info->interfaces[i], &vtable, self, NULL, error);
      if (self->registrations[i] == 0)
        return FALSE;
    }
  }
  if ((self->config->mode & HB_MODE_MONITOR) && !start_monitor (self, error))
    return FALSE;
  return TRUE;
}

void
hb_server_shutdown (HbServer    *self,
                    GSourceFunc  done,
                    gpointer     user_data)
{
  g_return_if_fail (HB_IS_SERVER (self));
  self->shutdown_done = done;
  self->shutdown_data = user_data;
  hb_coalescer_flush_all (self->coalescer);
  check_shutdown (self);
}

static void
hb_server_dispose (GObject *object)
{
  HbServer *self = HB_SERVER (object);

  for (guint i = 0; i < G_N_ELEMENTS (self->registrations); i++) {
    if (self->registrations[i] != 0)
      g_dbus_connection_unregister_object (self->connection, self->registrations[i]);
    self->registrations[i] = 0;
  }
  if (self->monitor != NULL)
    g_dbus_connection_close_sync (self->monitor, NULL, NULL);
  g_clear_object (&self->monitor);
  g_clear_object (&self->connection);
  g_clear_object (&self->coalescer);
  g_clear_object (&self->forwarder);
  G_OBJECT_CLASS (hb_server_parent_class)->dispose (object);
}

static void
hb_server_finalize (GObject *object)
{
  HbServer *self = HB_SERVER (object);

  g_clear_pointer (&self->node_info, g_dbus_node_info_unref);
  hb_config_free (self->config);
  G_OBJECT_CLASS (hb_server_parent_class)->finalize (object);
}

static void
hb_server_class_init (HbServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hb_server_dispose;
  object_class->finalize = hb_server_finalize;
}

static void
hb_server_init (HbServer *self)
{
  self->node_info = g_dbus_node_info_new_for_xml (introspection_xml, NULL);
  g_assert (self->node_info != NULL);
}

static HbConfig *
config_copy (const HbConfig *config)
{
  HbConfig *copy = g_memdup2 (config, sizeof *config);

  copy->bus_name = g_strdup (config->bus_name);
  copy->tags = g_strdupv (config->tags);
  return copy;
}

HbServer *
hb_server_new (const HbConfig *config,
               HbForwarder    *forwarder)
{
  HbServer *self = g_object_new (HB_TYPE_SERVER, NULL);

  self->config = config_copy (config);
  self->forwarder = g_object_ref (forwarder);
  self->coalescer = hb_coalescer_new (config, flush_cb, self);
  return self;
}
