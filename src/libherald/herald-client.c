/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-client.c: a connection to the Herald gateway */
#define G_LOG_DOMAIN "herald-client"

#include "config.h"

#include "herald-client-private.h"
#include "herald-dbus-generated.h"
#include "herald-enum-types.h"
#include "herald-error.h"
#include "herald-private.h"

/**
 * HeraldClient:
 *
 * A connection to the Herald gateway daemon on the session or system bus.
 *
 * Create one with herald_client_new() (or herald_client_new_sync()), then
 * manage profiles, send notifications with herald_client_send() and
 * follow their deliveries with #HeraldClient::delivery-changed or
 * herald_client_wait_for_delivery().
 *
 * Creating a client does not require the gateway to be running: the
 * gateway is started by D-Bus activation on the first call where it is
 * installed as a bus service. Errors reported by the gateway are
 * #HeraldError codes in the %HERALD_ERROR domain; when the gateway cannot
 * be reached the error is a #GDBusError such as
 * %G_DBUS_ERROR_SERVICE_UNKNOWN.
 *
 * Since: 0.1
 */
struct _HeraldClient {
  GObject             parent_instance;

  GBusType            bus_type;
  GDBusConnection    *connection;
  HeraldDBusGateway1 *proxy;
  gboolean            initialized;
};

static void herald_client_initable_iface_init       (GInitableIface      *iface);
static void herald_client_async_initable_iface_init (GAsyncInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HeraldClient, herald_client, G_TYPE_OBJECT,
  G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, herald_client_initable_iface_init)
  G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_INITABLE, herald_client_async_initable_iface_init))

enum {
  PROP_0,
  PROP_BUS_TYPE,
  PROP_CONNECTION,
  PROP_VERSION,
  PROP_TRANSPORTS,
  PROP_GATEWAY_RUNNING,
  N_PROPS
};

enum {
  SIGNAL_DELIVERY_CHANGED,
  SIGNAL_SIGN_IN_PROGRESS,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

GDBusProxy *
herald_client_get_proxy (HeraldClient *self)
{
  return G_DBUS_PROXY (self->proxy);
}

/* One change of a DeliveriesChanged as a HeraldDelivery; NULL if it is
 * not one this library can read. */
static HeraldDelivery *
delivery_from_change (const char *id,
                      const char *state,
                      GVariant   *details,
                      GError    **error)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_builder_add (&builder, "{sv}", "id", g_variant_new_string (id));
  g_variant_builder_add (&builder, "{sv}", "state", g_variant_new_string (state));
  g_variant_iter_init (&iter, details);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value)) {
    if (g_strcmp0 (key, "id") != 0 && g_strcmp0 (key, "state") != 0)
      g_variant_builder_add (&builder, "{sv}", key, value);
  }
  return herald_delivery_new_from_variant (g_variant_builder_end (&builder), error);
}

/* The gateway signals a window's changes together (DeliveriesChanged);
 * callers see one delivery-changed per change, in order, as when each
 * change was a signal of its own. */
static void
deliveries_changed_cb (HeraldDBusGateway1 *proxy,
                       GVariant           *changes,
                       HeraldClient       *self)
{
  G_GNUC_UNUSED g_autoptr(GObject) keep = g_object_ref (G_OBJECT (self));
  GVariantIter iter;
  const char *id;
  const char *state;
  GVariant *details;

  g_variant_iter_init (&iter, changes);
  while (g_variant_iter_loop (&iter, "(&s&s@a{sv})", &id, &state, &details)) {
    g_autoptr(HeraldDelivery) delivery = NULL;
    g_autoptr(GError) error = NULL;

    delivery = delivery_from_change (id, state, details, &error);
    if (delivery == NULL) {
      g_debug ("Ignoring a change in DeliveriesChanged: %s", error->message);
      continue;
    }
    g_signal_emit (self, signals[SIGNAL_DELIVERY_CHANGED], 0,
                   id, herald_delivery_get_state (delivery), delivery);
  }
}

static void
sign_in_progress_cb (HeraldDBusGateway1 *proxy,
                     const char         *profile,
                     const char         *stage,
                     GVariant           *details,
                     HeraldClient       *self)
{
  g_signal_emit (self, signals[SIGNAL_SIGN_IN_PROGRESS], 0, profile, stage, details);
}

static void
proxy_notify_cb (GObject      *proxy,
                 GParamSpec   *pspec,
                 HeraldClient *self)
{
  if (g_strcmp0 (pspec->name, "version") == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VERSION]);
  else if (g_strcmp0 (pspec->name, "transports") == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRANSPORTS]);
  else if (g_strcmp0 (pspec->name, "g-name-owner") == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GATEWAY_RUNNING]);
}

static void
herald_client_set_proxy (HeraldClient       *self,
                         HeraldDBusGateway1 *proxy)
{
  self->proxy = proxy;
  g_signal_connect (proxy, "deliveries-changed", G_CALLBACK (deliveries_changed_cb), self);
  g_signal_connect (proxy, "sign-in-progress", G_CALLBACK (sign_in_progress_cb), self);
  g_signal_connect (proxy, "notify", G_CALLBACK (proxy_notify_cb), self);
  self->initialized = TRUE;
}

static gboolean
herald_client_initable_init (GInitable     *initable,
                             GCancellable  *cancellable,
                             GError       **error)
{
  HeraldClient *self = HERALD_CLIENT (initable);
  HeraldDBusGateway1 *proxy;

  if (self->initialized)
    return TRUE;
  if (self->connection == NULL) {
    self->connection = g_bus_get_sync (self->bus_type, cancellable, error);
    if (self->connection == NULL)
      return FALSE;
  }
  proxy = herald_dbus_gateway1_proxy_new_sync (self->connection, G_DBUS_PROXY_FLAGS_NONE,
                                               HERALD_DBUS_NAME, HERALD_DBUS_PATH,
                                               cancellable, error);
  if (proxy == NULL)
    return FALSE;
  herald_client_set_proxy (self, proxy);
  return TRUE;
}

static void
herald_client_initable_iface_init (GInitableIface *iface)
{
  iface->init = herald_client_initable_init;
}

static void
proxy_new_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HeraldClient *self = g_task_get_source_object (task);
  GError *error = NULL;
  HeraldDBusGateway1 *proxy;

  proxy = herald_dbus_gateway1_proxy_new_finish (result, &error);
  if (proxy == NULL) {
    g_task_return_error (task, error);
    return;
  }
  herald_client_set_proxy (self, proxy);
  g_task_return_boolean (task, TRUE);
}

static void
create_proxy (GTask *task)
{
  HeraldClient *self = g_task_get_source_object (task);

  herald_dbus_gateway1_proxy_new (self->connection, G_DBUS_PROXY_FLAGS_NONE,
                                  HERALD_DBUS_NAME, HERALD_DBUS_PATH,
                                  g_task_get_cancellable (task), proxy_new_cb, task);
}

static void
bus_get_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  HeraldClient *self = g_task_get_source_object (task);
  GError *error = NULL;

  self->connection = g_bus_get_finish (result, &error);
  if (self->connection == NULL) {
    g_task_return_error (task, error);
    g_object_unref (task);
    return;
  }
  create_proxy (task);
}

static void
herald_client_init_async (GAsyncInitable      *initable,
                          int                  io_priority,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  HeraldClient *self = HERALD_CLIENT (initable);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, herald_client_init_async);
  g_task_set_priority (task, io_priority);
  if (self->initialized) {
    g_task_return_boolean (task, TRUE);
    g_object_unref (task);
  } else if (self->connection == NULL) {
    g_bus_get (self->bus_type, cancellable, bus_get_cb, task);
  } else {
    create_proxy (task);
  }
}

static gboolean
herald_client_init_finish (GAsyncInitable  *initable,
                           GAsyncResult    *result,
                           GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, initable), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
herald_client_async_initable_iface_init (GAsyncInitableIface *iface)
{
  iface->init_async = herald_client_init_async;
  iface->init_finish = herald_client_init_finish;
}

static void
herald_client_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  HeraldClient *self = HERALD_CLIENT (object);

  switch (prop_id) {
  case PROP_BUS_TYPE:
    g_value_set_enum (value, self->bus_type);
    break;
  case PROP_CONNECTION:
    g_value_set_object (value, self->connection);
    break;
  case PROP_VERSION:
    g_value_set_string (value, herald_client_get_version (self));
    break;
  case PROP_TRANSPORTS:
    g_value_set_boxed (value, herald_client_get_transports (self));
    break;
  case PROP_GATEWAY_RUNNING:
    g_value_set_boolean (value, herald_client_get_gateway_running (self));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
herald_client_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  HeraldClient *self = HERALD_CLIENT (object);

  switch (prop_id) {
  case PROP_BUS_TYPE:
    self->bus_type = g_value_get_enum (value);
    break;
  case PROP_CONNECTION:
    g_set_object (&self->connection, g_value_get_object (value));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
herald_client_dispose (GObject *object)
{
  HeraldClient *self = HERALD_CLIENT (object);

  if (self->proxy != NULL)
    g_signal_handlers_disconnect_by_data (self->proxy, self);
  g_clear_object (&self->proxy);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (herald_client_parent_class)->dispose (object);
}

static void
herald_client_class_init (HeraldClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = herald_client_get_property;
  object_class->set_property = herald_client_set_property;
  object_class->dispose = herald_client_dispose;

  /**
   * HeraldClient:bus-type:
   *
   * The bus to connect to when #HeraldClient:connection is not given:
   * %G_BUS_TYPE_SESSION for the user's own gateway, %G_BUS_TYPE_SYSTEM for
   * the host's.
   *
   * Since: 0.1
   */
  properties[PROP_BUS_TYPE] =
    g_param_spec_enum ("bus-type", NULL, NULL,
                       G_TYPE_BUS_TYPE, G_BUS_TYPE_SESSION,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                       G_PARAM_STATIC_STRINGS);

  /**
   * HeraldClient:connection:
   *
   * The D-Bus connection to the bus the gateway is on.
   *
   * Since: 0.1
   */
  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL,
                         G_TYPE_DBUS_CONNECTION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS);

  /**
   * HeraldClient:version:
   *
   * The version of the running gateway, or %NULL when it is not running.
   *
   * Since: 0.1
   */
  properties[PROP_VERSION] =
    g_param_spec_string ("version", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * HeraldClient:transports:
   *
   * The names of the transport plugins the gateway loaded, such as `smtp`
   * and `maildir`.
   *
   * Since: 0.1
   */
  properties[PROP_TRANSPORTS] =
    g_param_spec_boxed ("transports", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * HeraldClient:gateway-running: (getter get_gateway_running)
   *
   * Whether the gateway owns its bus name now; notified when it starts or
   * stops, so a user interface can bind to it.
   *
   * Since: 0.1
   */
  properties[PROP_GATEWAY_RUNNING] =
    g_param_spec_boolean ("gateway-running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HeraldClient::delivery-changed:
   * @self: the #HeraldClient
   * @id: the delivery id
   * @state: the new state
   * @delivery: the delivery with the details the gateway sent along:
   *   profile, attempts, next attempt, reply and reason
   *
   * Emitted when a delivery changes state, for every delivery the caller
   * may see.
   *
   * The gateway sends the changes of a short window (25 ms under load)
   * together, in one D-Bus signal `DeliveriesChanged` (since Herald 0.1.0;
   * it replaced `DeliveryChanged`, one signal per change); this signal is
   * emitted once for each of them, in the order they came. A delivery that
   * changed more than once within a window is reported once, with its latest
   * state; its last change, a final state included, is always reported.
   *
   * Since: 0.1
   */
  signals[SIGNAL_DELIVERY_CHANGED] =
    g_signal_new ("delivery-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_STRING, HERALD_TYPE_DELIVERY_STATE, HERALD_TYPE_DELIVERY);

  /**
   * HeraldClient::sign-in-progress:
   * @self: the #HeraldClient
   * @profile: the profile being signed in
   * @stage: "verify", "authorize", "waiting", "done" or "failed"
   * @details: an a{sv} #GVariant: for "verify" verification-uri (s),
   *   user-code (s), verification-uri-complete (s, when given), expires-in
   *   (u), interval (u); for "authorize" authorize-url (s), redirect-uri
   *   (s), expires-in (u); for "waiting" interval (u), slow-down (b); for
   *   "done" grant (s); for "failed" message (s). Never a token or secret.
   *
   * Emitted while a sign-in this client started with
   * herald_client_sign_in() runs; the gateway sends it to this client
   * alone.
   *
   * Since: 0.1
   */
  signals[SIGNAL_SIGN_IN_PROGRESS] =
    g_signal_new ("sign-in-progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_VARIANT);

  /* registers the org.herald.Gateway1.Error.* names */
  (void) herald_error_quark ();
  herald_i18n_init ();
}

static void
herald_client_init (HeraldClient *self)
{
  self->bus_type = G_BUS_TYPE_SESSION;
}

/**
 * herald_client_get_connection:
 * @self: a #HeraldClient
 *
 * Gets the #GDBusConnection the client uses.
 *
 * Returns: (transfer none): the #GDBusConnection the client uses
 *
 * Since: 0.1
 */
GDBusConnection *
herald_client_get_connection (HeraldClient *self)
{
  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);
  return self->connection;
}

/**
 * herald_client_get_version:
 * @self: a #HeraldClient
 *
 * Gets the version of the running gateway. The string is valid until the
 * property changes.
 *
 * Returns: (transfer none) (nullable): the version, or %NULL if the
 *   gateway is not running
 *
 * Since: 0.1
 */
const char *
herald_client_get_version (HeraldClient *self)
{
  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);
  if (self->proxy == NULL)
    return NULL;
  return herald_dbus_gateway1_get_version (self->proxy);
}

/**
 * herald_client_get_transports:
 * @self: a #HeraldClient
 *
 * Gets the names of the transports the gateway loaded. The array is valid
 * until the property changes.
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1): the
 *   transport names, or %NULL if the gateway is not running
 *
 * Since: 0.1
 */
const char * const *
herald_client_get_transports (HeraldClient *self)
{
  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);
  if (self->proxy == NULL)
    return NULL;
  return herald_dbus_gateway1_get_transports (self->proxy);
}

/**
 * herald_client_get_gateway_running:
 * @self: a #HeraldClient
 *
 * Whether the gateway currently owns its bus name. A gateway that is not
 * running may still be started by D-Bus activation on the next call.
 *
 * Returns: %TRUE if the gateway is running
 *
 * Since: 0.1
 */
gboolean
herald_client_get_gateway_running (HeraldClient *self)
{
  g_autofree char *owner = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), FALSE);
  if (self->proxy == NULL)
    return FALSE;

  owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (self->proxy));
  return owner != NULL;
}
