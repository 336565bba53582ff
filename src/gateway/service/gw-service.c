/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-service.c: the org.herald.Gateway1 D-Bus object
 *
 * Subclasses the gdbus-codegen skeleton. Every method checks its input and
 * answers with a HeraldError, whose registered D-Bus name reaches the
 * caller; Send answers only after the notification is on disk.
 */
#define G_LOG_DOMAIN "gw-service"

#include "config.h"

#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-composer.h"
#include "gw-dispatcher.h"
#include "gw-http-api.h"
#include "gw-metrics-hooks.h"
#include "gw-notification.h"
#include "gw-oauth2.h"
#include "gw-plugin-loader.h"
#include "gw-profile-schema.h"
#include "gw-profile-store.h"
#include "gw-queue.h"
#include "gw-remote-jobs.h"
#include "gw-secret-store.h"
#include "gw-service-private.h"
#include "gw-transport-private.h"
#include "gw-trust-scope.h"


static void gw_service_iface_init (GwDBusGateway1Iface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GwService, gw_service, GW_DBUS_TYPE_GATEWAY1_SKELETON,
                               G_IMPLEMENT_INTERFACE (GW_DBUS_TYPE_GATEWAY1, gw_service_iface_init))

void
gw_service_touch (GwService *self)
{
  self->last_activity = g_get_monotonic_time ();
}

gboolean
gw_service_return_error (GDBusMethodInvocation *invocation,
              GError                *error)
{
  /* Errors of other domains are internal detail: give the caller a typed one. */
  if (error->domain != HERALD_ERROR) {
    g_dbus_method_invocation_return_error (invocation, HERALD_ERROR, HERALD_ERROR_FAILED,
                                           "%s", error->message);
    return TRUE;
  }
  g_dbus_method_invocation_return_gerror (invocation, error);
  return TRUE;
}

gboolean
gw_service_return_new_error (GDBusMethodInvocation *invocation,
                  HeraldError            code,
                  const char            *format,
                  ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_dbus_method_invocation_return_error_literal (invocation, HERALD_ERROR, code, message);
  return TRUE;
}

/* ---- profiles ---- */

static GVariant *
profile_to_variant (GwService *self,
                    GwProfile *profile)
{
  g_autoptr(GVariant) base = g_variant_ref_sink (gw_stored_profile_to_variant (profile));
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (base);
  gboolean is_default = g_strcmp0 (gw_profile_get_name (profile),
                                   gw_config_get_default_profile (self->config)) == 0;
  GVariant *last_test;

  g_variant_dict_insert (&dict, "default", "b", is_default);
  g_variant_dict_insert (&dict, "state", "s",
                         gw_oauth2_needs_sign_in (gw_oauth2_get_default (), profile) ? "sign-in-required" : "ready");
  last_test = gw_profile_status_get_last_test (self->status, gw_profile_get_name (profile));
  if (last_test != NULL)
    g_variant_dict_insert_value (&dict, "last-test", last_test);
  return g_variant_dict_end (&dict);
}

static gboolean
check_profile_name (GDBusMethodInvocation *invocation,
                    const char            *name)
{
  if (gw_profile_name_is_valid (name))
    return TRUE;
  gw_service_return_new_error (invocation, HERALD_ERROR_INVALID_ARGUMENT,
                    _("“%s” is not a valid profile name: use 1 to 64 letters, digits, “.”, “_” or “-”, starting with a letter or digit"),
                    name);
  return FALSE;
}

GwProfile *
gw_service_lookup_profile (GwService             *self,
                GDBusMethodInvocation *invocation,
                const char            *name)
{
  GwProfile *profile;

  if (!check_profile_name (invocation, name))
    return NULL;
  profile = gw_profile_store_lookup (self->profiles, name);
  if (profile == NULL)
    gw_service_return_new_error (invocation, HERALD_ERROR_NO_SUCH_PROFILE, _("No profile is named “%s”"), name);
  return profile;
}

static gboolean
validate_with_transport (GwProfile *profile,
                         gpointer   user_data,
                         GError   **error)
{
  GwService *self = GW_SERVICE (user_data);
  GwTransport *transport = gw_plugin_loader_lookup (self->plugins, gw_profile_get_transport (profile));
  g_autoptr(GError) local_error = NULL;

  /* A stored profile whose transport is not loaded now is kept, not
   * checked (AddProfile refuses such a transport). */
  if (transport == NULL)
    return TRUE;
  if (!gw_transport_validate_profile (transport, profile, &local_error)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING, "%s", local_error->message);
    return FALSE;
  }
  return TRUE;
}

static gboolean
handle_list_profiles (GwDBusGateway1        *object,
                      GDBusMethodInvocation *invocation)
{
  GwService *self = GW_SERVICE (object);
  g_autoptr(GPtrArray) profiles = gw_profile_store_list (self->profiles);
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));

  gw_service_touch (self);
  for (guint i = 0; i < profiles->len; i++)
    g_variant_builder_add_value (&builder, profile_to_variant (self, g_ptr_array_index (profiles, i)));
  gw_dbus_gateway1_complete_list_profiles (object, invocation, g_variant_builder_end (&builder));
  return TRUE;
}

static gboolean
handle_get_profile (GwDBusGateway1        *object,
                    GDBusMethodInvocation *invocation,
                    const char            *name)
{
  GwService *self = GW_SERVICE (object);
  GwProfile *profile;

  gw_service_touch (self);
  profile = gw_service_lookup_profile (self, invocation, name);
  if (profile == NULL)
    return TRUE;
  gw_dbus_gateway1_complete_get_profile (object, invocation, profile_to_variant (self, profile));
  return TRUE;
}

static gboolean
handle_add_profile (GwDBusGateway1        *object,
                    GDBusMethodInvocation *invocation,
                    const char            *name,
                    GVariant              *settings)
{
  GwService *self = GW_SERVICE (object);
  g_autoptr(GError) error = NULL;

  gw_service_touch (self);
  if (!check_profile_name (invocation, name))
    return TRUE;
  if (gw_profile_store_add (self->profiles, name, settings, &error) == NULL)
    return gw_service_return_error (invocation, error);
  g_info ("Profile %s added", name);
  gw_dbus_gateway1_complete_add_profile (object, invocation);
  return TRUE;
}

static gboolean
handle_update_profile (GwDBusGateway1        *object,
                       GDBusMethodInvocation *invocation,
                       const char            *name,
                       GVariant              *settings)
{
  GwService *self = GW_SERVICE (object);
  g_autoptr(GError) error = NULL;

  gw_service_touch (self);
  if (gw_service_lookup_profile (self, invocation, name) == NULL)
    return TRUE;
  if (gw_profile_store_update (self->profiles, name, settings, &error) == NULL)
    return gw_service_return_error (invocation, error);
  g_info ("Profile %s updated", name);
  gw_dbus_gateway1_complete_update_profile (object, invocation);
  /* New settings may make deferred work deliverable. */
  gw_dispatcher_wake (self->dispatcher);
  if (!gw_oauth2_needs_sign_in (gw_oauth2_get_default (), gw_profile_store_lookup (self->profiles, name)))
    gw_service_wake_held (self, name);
  return TRUE;
}

static gboolean
handle_remove_profile (GwDBusGateway1        *object,
                       GDBusMethodInvocation *invocation,
                       const char            *name)
{
  GwService *self = GW_SERVICE (object);
  g_autoptr(GError) error = NULL;
  g_autofree char *rule = NULL;

  gw_service_touch (self);
  if (gw_service_lookup_profile (self, invocation, name) == NULL)
    return TRUE;
  if (g_strcmp0 (name, gw_config_get_default_profile (self->config)) == 0)
    return gw_service_return_new_error (invocation, HERALD_ERROR_INVALID_STATE,
                             _("Profile “%s” is the default profile and cannot be removed; "
                               "set another default-profile in heraldd.conf first"), name);
  if (gw_router_uses_profile (gw_intake_get_router (self->intake), name, &rule))
    return gw_service_return_new_error (invocation, HERALD_ERROR_INVALID_STATE,
                             _("Profile “%s” is used by routing %s; change the routes first"),
                             name, rule);
  if (!gw_profile_store_remove (self->profiles, name, &error))
    return gw_service_return_error (invocation, error);
  g_info ("Profile %s removed", name);
  if (!gw_profile_status_forget (self->status, name, &error))
    g_warning ("Cannot forget the last test of profile %s: %s", name, error->message);
  gw_dbus_gateway1_complete_remove_profile (object, invocation);
  return TRUE;
}

static gboolean
handle_set_secret (GwDBusGateway1        *object,
                   GDBusMethodInvocation *invocation,
                   const char            *name,
                   const char            *key,
                   const char            *value)
{
  GwService *self = GW_SERVICE (object);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) settings = NULL;
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  gw_service_touch (self);
  if (gw_service_lookup_profile (self, invocation, name) == NULL)
    return TRUE;
  if (!gw_setting_is_secret (key)) {
    g_auto(GStrv) secret_keys = gw_profile_schema_dup_keys_with_flag (GW_SETTING_FLAG_SECRET);
    g_autofree char *listed = g_strjoinv (", ", secret_keys);

    return gw_service_return_new_error (invocation, HERALD_ERROR_INVALID_ARGUMENT,
                             _("“%s” is not a secret key; secret keys are %s"), key, listed);
  }
  g_variant_dict_insert (&dict, key, "s", value);
  settings = g_variant_ref_sink (g_variant_dict_end (&dict));
  if (gw_profile_store_update (self->profiles, name, settings, &error) == NULL)
    return gw_service_return_error (invocation, error);
  /* Never log the value. */
  g_info ("Secret %s of profile %s %s", key, name, *value != '\0' ? "set" : "removed");
  gw_dbus_gateway1_complete_set_secret (object, invocation);
  gw_dispatcher_wake (self->dispatcher);
  /* A new refresh token may end the wait for a sign-in. */
  if (!gw_oauth2_needs_sign_in (gw_oauth2_get_default (), gw_profile_store_lookup (self->profiles, name)))
    gw_service_wake_held (self, name);
  return TRUE;
}

/* ---- lifecycle ---- */

static void
gw_service_iface_init (GwDBusGateway1Iface *iface)
{
  iface->handle_list_profiles = handle_list_profiles;
  iface->handle_get_profile = handle_get_profile;
  iface->handle_add_profile = handle_add_profile;
  iface->handle_update_profile = handle_update_profile;
  iface->handle_remove_profile = handle_remove_profile;
  iface->handle_set_secret = handle_set_secret;
  iface->handle_get_profile_keys = gw_service_handle_get_profile_keys;
  iface->handle_send = gw_service_handle_send;
  iface->handle_send_message = gw_service_handle_send_message;
  iface->handle_get_delivery = gw_service_handle_get_delivery;
  iface->handle_list_deliveries = gw_service_handle_list_deliveries;
  iface->handle_cancel = gw_service_handle_cancel;
  iface->handle_test_profile = gw_service_handle_test_profile;
  iface->handle_retry = gw_service_handle_retry;
  iface->handle_get_quota = gw_service_handle_get_quota;
  iface->handle_get_routes = gw_service_handle_get_routes;
  iface->handle_set_routes = gw_service_handle_set_routes;
  iface->handle_check_route = gw_service_handle_check_route;
  iface->handle_list_untrusted_certificates = gw_service_handle_list_untrusted_certificates;
  iface->handle_trust_certificate = gw_service_handle_trust_certificate;
  iface->handle_list_trusted_certificates = gw_service_handle_list_trusted_certificates;
  iface->handle_untrust_certificate = gw_service_handle_untrust_certificate;
  iface->handle_add_token = gw_service_handle_add_token;
  iface->handle_list_tokens = gw_service_handle_list_tokens;
  iface->handle_remove_token = gw_service_handle_remove_token;
  iface->handle_sign_in = gw_service_handle_sign_in;
  iface->handle_cancel_sign_in = gw_service_handle_cancel_sign_in;
}

static void
gw_service_finalize (GObject *object)
{
  GwService *self = GW_SERVICE (object);

  gw_service_shutdown (self);
  g_clear_object (&self->http_api);
  if (self->queue != NULL)
    gw_queue_set_change_func (self->queue, NULL, NULL);
  g_clear_pointer (&self->changes, gw_change_folder_free);
  g_clear_object (&self->dispatcher);
  g_clear_object (&self->untrusted);
  g_clear_object (&self->trusted);
  g_clear_object (&self->authority);
  g_clear_object (&self->intake);
  g_clear_object (&self->maildrop);
  g_clear_object (&self->queue);
  g_clear_object (&self->plugins);
  g_clear_object (&self->profiles);
  g_clear_object (&self->secrets);
  g_clear_object (&self->links);
  g_clear_object (&self->tokens);
  g_clear_object (&self->http);
  g_clear_object (&self->config);
  g_clear_pointer (&self->sign_ins, g_hash_table_unref);
  g_clear_object (&self->status);
  G_OBJECT_CLASS (gw_service_parent_class)->finalize (object);
}

static void
gw_service_class_init (GwServiceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_service_finalize;
  gw_service_class_init_authorization (G_DBUS_INTERFACE_SKELETON_CLASS (klass));
}

static void
gw_service_init (GwService *self)
{
  gw_service_touch (self);
}

static gboolean
ensure_default_profile (GwService *self,
                        GError   **error)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GVariant) settings = NULL;

  if (gw_profile_store_count (self->profiles) > 0)
    return TRUE;
  g_variant_dict_insert (&dict, "transport", "s", "maildir");
  g_variant_dict_insert (&dict, "maildir-path", "s", gw_config_get_default_maildir (self->config));
  g_variant_dict_insert (&dict, "description", "s", "Local Maildir (created on first start)");
  settings = g_variant_ref_sink (g_variant_dict_end (&dict));
  if (gw_profile_store_add (self->profiles, "local", settings, error) == NULL)
    return FALSE;
  g_info ("Created the default profile “local” delivering to %s",
          gw_config_get_default_maildir (self->config));
  return TRUE;
}

/* The HTTP server, when heraldd.conf enables it, before any profile is
 * used: transports' routes are served on it (gw_plugin_loader_connect()). */
static gboolean
gw_service_start_http (GwService *self,
                       GError   **error)
{
  g_autoptr(GError) local_error = NULL;

  self->http = gw_http_server_new_from_config (self->config, &local_error);
  if (local_error != NULL) {
    g_propagate_error (error, g_steal_pointer (&local_error));
    return FALSE;
  }
  if (self->http != NULL) {
    g_autofree char *spool = g_build_filename (gw_config_get_state_dir (self->config),
                                               "attachments", NULL);
    self->links = gw_attachment_links_new (spool, self->http,
                                           gw_config_get_attachment_link_days (self->config), error);
    if (self->links == NULL)
      return FALSE;
  }
  return TRUE;
}

static void
poke_remote_cb (GObject      *source,
                GAsyncResult *res,
                gpointer      user_data)
{
  g_autoptr(GwService) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!gw_queue_poke_remote_finish (GW_QUEUE (source), res, &error))
    g_warning ("Cannot make a remote job due: %s", error->message);
  else if (self->dispatcher != NULL)
    gw_dispatcher_wake (self->dispatcher);
}

/* A server (a webhook) says a job it accepted changed. */
static void
remote_changed_cb (GwRemoteJobs *transport,
                   const char   *profile,
                   const char   *remote_id,
                   gpointer      user_data)
{
  GwService *self = GW_SERVICE (user_data);

  if (self->queue == NULL)
    return;
  g_debug ("Remote job %s of profile %s changed", remote_id, profile);
  gw_queue_poke_remote_async (self->queue, profile, remote_id, poke_remote_cb, g_object_ref (self));
}

/* Profile store and HTTP server are set: transports get them, and report
 * changes of their remote jobs. */
static void
gw_service_attach_transports (GwService *self)
{
  g_auto(GStrv) names = gw_plugin_loader_dup_names (self->plugins);

  gw_plugin_loader_connect (self->plugins, self->profiles, self->http);
  for (guint i = 0; names[i] != NULL; i++) {
    GwTransport *transport = gw_plugin_loader_lookup (self->plugins, names[i]);

    if (GW_IS_REMOTE_JOBS (transport))
      g_signal_connect_object (transport, "changed", G_CALLBACK (remote_changed_cb), self, 0);
  }
}

static gboolean
profile_exists (const char *name,
                gpointer    user_data)
{
  return gw_profile_store_lookup (GW_PROFILE_STORE (user_data), name) != NULL;
}

GwService *
gw_service_new (GwConfig   *config,
                const char *plugin_dir,
                GError    **error)
{
  g_autoptr(GwService) self = g_object_new (GW_TYPE_SERVICE, NULL);
  g_autofree char *profile_dir = NULL;
  g_autofree char *queue_path = NULL;
  g_auto(GStrv) transports = NULL;
  g_auto(GStrv) plugin_dirs = NULL;
  g_autoptr(GError) migrate_error = NULL;
  g_autoptr(GError) prune_error = NULL;

  self->config = g_object_ref (config);
  /* Transports first: their settings make the schema the profiles are read with. */
  gw_oauth2_set_refresh_failure_hook (gw_metrics_count_token_refresh_failure);
  self->plugins = gw_plugin_loader_new ();
  plugin_dirs = g_strsplit (plugin_dir, G_SEARCHPATH_SEPARATOR_S, -1);
  for (guint i = 0; plugin_dirs[i] != NULL; i++) {
    if (*plugin_dirs[i] != '\0' && !gw_plugin_loader_load_directory (self->plugins, plugin_dirs[i], error))
      return NULL;
  }
  transports = gw_plugin_loader_dup_names (self->plugins);
  if (transports[0] == NULL) {
    /* Every delivery would fail: better not to start at all. */
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_TRANSPORT_UNAVAILABLE,
                 _("No transport plugin could be loaded from %s, so nothing could be "
                   "delivered. Build or install the plugins, or point HERALD_PLUGIN_DIR "
                   "at the directory that holds them (its subdirectories are searched "
                   "too)"), plugin_dir);
    return NULL;
  }
  g_clear_pointer (&transports, g_strfreev);
  self->secrets = gw_secret_store_new (gw_config_get_state_dir (config), error);
  if (self->secrets == NULL)
    return NULL;
  profile_dir = g_build_filename (gw_config_get_state_dir (config), "profiles", NULL);
  self->profiles = gw_profile_store_new (profile_dir, self->secrets, error);
  if (self->profiles == NULL)
    return NULL;
  self->tokens = gw_api_tokens_new (gw_config_get_state_dir (config), error);
  if (self->tokens == NULL)
    return NULL;
  gw_profile_store_set_validator (self->profiles, validate_with_transport, self);
  self->status = gw_profile_status_new (gw_config_get_state_dir (config));
  if (!gw_profile_status_prune (self->status, profile_exists, self->profiles, &prune_error))
    g_warning ("Cannot forget the tests of removed profiles: %s", prune_error->message);
  if (!gw_service_start_http (self, error))
    return NULL;
  gw_service_attach_transports (self);
  if (!ensure_default_profile (self, error))
    return NULL;

  queue_path = g_build_filename (gw_config_get_state_dir (config), "queue.db", NULL);
  self->queue = gw_queue_new (queue_path, error);
  if (self->queue == NULL)
    return NULL;
  self->changes = gw_change_folder_new (g_main_context_get_thread_default () != NULL
                                       ? g_main_context_get_thread_default ()
                                       : g_main_context_default (),
                                       GW_CHANGE_FOLDER_WINDOW_MS,
                                       gw_service_emit_deliveries_changed, self);
  gw_queue_set_change_func (self->queue, gw_change_folder_add, self->changes);
  self->dispatcher = gw_dispatcher_new (self->queue, self->profiles, self->plugins);
  self->untrusted = gw_untrusted_store_new (gw_config_get_state_dir (config));
  self->trusted = gw_untrusted_store_new_for_file (gw_config_get_state_dir (config),
                                                   "trusted-certificates.conf");
  /* Pins stored before trust was scoped to a server: before any delivery. */
  if (!gw_trust_migrate_pins (self->profiles, self->trusted, &migrate_error))
    g_warning ("Cannot record that the trusted keys are scoped: %s", migrate_error->message);
  gw_dispatcher_set_untrusted_store (self->dispatcher, self->untrusted);
  gw_dispatcher_set_log_days (self->dispatcher, gw_config_get_log_days (config));
  self->intake = gw_intake_new (config, self->profiles, self->plugins, self->queue, self->links, error);
  if (self->intake == NULL)
    return NULL;

  transports = gw_plugin_loader_dup_names (self->plugins);
  gw_dbus_gateway1_set_version (GW_DBUS_GATEWAY1 (self), PACKAGE_VERSION);
  gw_dbus_gateway1_set_transports (GW_DBUS_GATEWAY1 (self), (const char * const *) transports);
  /* The HTTP door, once the queue it feeds is open. */
  if (self->http != NULL && gw_config_get_http_api_settings (config)->enabled)
    self->http_api = G_OBJECT (gw_http_api_new (self, config, self->http, self->tokens));
  /* Work left from the last run (deferred, or interrupted by a crash). */
  gw_dispatcher_wake (self->dispatcher);
  /* Messages dropped while heraldd was not running (sendmail door). */
  gw_service_start_maildrop (self);
  return g_steal_pointer (&self);
}

gboolean
gw_service_export (GwService       *self,
                   GDBusConnection *connection,
                   GError         **error)
{
  g_clear_object (&self->authority);
  self->authority = gw_authority_new (connection, gw_config_get_system_bus (self->config), error);
  if (self->authority == NULL)
    return FALSE;
  return g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self), connection,
                                           GW_SERVICE_OBJECT_PATH, error);
}

void
gw_service_shutdown (GwService *self)
{
  if (self->maildrop != NULL)
    gw_maildrop_stop (self->maildrop);
  /* No request of the HTTP door reaches a closing queue. */
  if (self->http_api != NULL)
    gw_http_api_unregister (GW_HTTP_API (self->http_api));
  if (self->dispatcher != NULL)
    gw_dispatcher_stop (self->dispatcher);
  if (self->queue != NULL)
    gw_queue_close (self->queue);
}

gint64
gw_service_get_last_activity (GwService *self)
{
  return self->last_activity;
}

gboolean
gw_service_is_busy (GwService *self)
{
  return self->parsing > 0 || gw_intake_get_in_flight (self->intake) > 0 ||
         !gw_dispatcher_is_idle (self->dispatcher) ||
         gw_queue_count_pending (self->queue) > 0;
}
