/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-http-server.c: Herald's built-in HTTP(S) server (plugin SDK)
 *
 * A libsoup 3 SoupServer that does not listen itself: a GSocketService
 * accepts, and gw-http-server-conn.c counts and times each connection
 * before handing it to libsoup. This object knows where it listens, the
 * public base URL links are made from, and the registered prefixes with
 * their limits, so two users cannot silently take the same one. Anything
 * not registered answers 404 (SoupServer's default).
 */
#define G_LOG_DOMAIN "gw-http-server"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-http-server-private.h"
#include "gw-metrics-hooks.h"

G_DEFINE_FINAL_TYPE (GwHttpServer, gw_http_server, G_TYPE_OBJECT)

static void
gw_http_server_finalize (GObject *object)
{
  GwHttpServer *self = GW_HTTP_SERVER (object);

  if (self->service != NULL) {
    g_signal_handlers_disconnect_by_data (self->service, self);
    g_socket_service_stop (self->service);
    g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  }
  g_clear_object (&self->service);
  gw_http_conn_forget_server (self);
  if (self->server != NULL) {
    g_signal_handlers_disconnect_by_data (self->server, self);
    soup_server_disconnect (self->server);
  }
  g_clear_object (&self->server);
  g_clear_object (&self->certificate);
  g_clear_pointer (&self->routes, g_hash_table_unref);
  g_clear_pointer (&self->conns, g_hash_table_unref);
  g_free (self->public_url);
  G_OBJECT_CLASS (gw_http_server_parent_class)->finalize (object);
}

static void
gw_http_server_class_init (GwHttpServerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_http_server_finalize;
}

static void
gw_http_server_init (GwHttpServer *self)
{
  self->routes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->conns = g_hash_table_new (g_direct_hash, g_direct_equal);
  gw_http_limits_init (&self->limits);
}

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  gw_http_conn_accept (GW_HTTP_SERVER (user_data), connection);
  return TRUE;
}

static void
request_finished_cb (SoupServer        *server,
                     SoupServerMessage *msg,
                     gpointer           user_data)
{
  gw_metrics_count_http_request (soup_server_message_get_status (msg));
}

static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  gw_http_conn_watch_message (GW_HTTP_SERVER (user_data), msg);
}

GwHttpServer *
gw_http_server_new_full (const char         *address,
                         guint               port,
                         const char         *public_url,
                         GTlsCertificate    *certificate,
                         const GwHttpLimits *limits,
                         GError            **error)
{
  g_autoptr(GwHttpServer) self = g_object_new (GW_TYPE_HTTP_SERVER, NULL);
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) local_error = NULL;

  if (inet == NULL || port > 65535) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                 _("The HTTP server cannot listen on “%s” port %u"), address, port);
    return NULL;
  }
  if (limits != NULL)
    self->limits = *limits;
  self->certificate = certificate != NULL ? g_object_ref (certificate) : NULL;
  self->server = soup_server_new ("server-header", "herald", NULL);
  g_signal_connect (self->server, "request-started", G_CALLBACK (request_started_cb), self);
  g_signal_connect (self->server, "request-finished", G_CALLBACK (request_finished_cb), self);
  self->service = g_socket_service_new ();
  socket_address = g_inet_socket_address_new (inet, (guint16) port);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), socket_address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                      &effective, &local_error)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_FAILED,
                 _("The HTTP server cannot listen on %s port %u: %s"), address, port,
                 local_error->message);
    return NULL;
  }
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_signal_connect (self->service, "incoming", G_CALLBACK (incoming_cb), self);
  g_socket_service_start (self->service);
  if (public_url != NULL) {
    self->public_url = g_strdup (public_url);
    while (g_str_has_suffix (self->public_url, "/"))
      self->public_url[strlen (self->public_url) - 1] = '\0';
  } else {
    /* IPv6 literals go in brackets in a URL. */
    gboolean v6 = g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6;
    self->public_url = g_strdup_printf ("%s://%s%s%s:%u", certificate != NULL ? "https" : "http",
                                        v6 ? "[" : "", address, v6 ? "]" : "", self->port);
  }
  g_info ("HTTP server listening on %s port %u (%s), links under %s; at most %u connections, "
          "headers within %u s, bodies within %u s and %" G_GUINT64_FORMAT " bytes, idle %u s",
          address, self->port, certificate != NULL ? "https" : "http", self->public_url,
          self->limits.max_connections, self->limits.header_timeout, self->limits.body_timeout,
          self->limits.max_body_size, self->limits.idle_timeout);
  return g_steal_pointer (&self);
}

GwHttpServer *
gw_http_server_new (const char      *address,
                    guint            port,
                    const char      *public_url,
                    GTlsCertificate *certificate,
                    GError         **error)
{
  return gw_http_server_new_full (address, port, public_url, certificate, NULL, error);
}

GwHttpServer *
gw_http_server_new_from_config (GwConfig *config,
                                GError  **error)
{
  g_autoptr(GTlsCertificate) certificate = NULL;
  const char *certificate_file = gw_config_get_http_tls_certificate (config);

  if (!gw_config_get_http_enabled (config))
    return NULL;
  if (certificate_file != NULL) {
    g_autoptr(GError) local_error = NULL;

    certificate = g_tls_certificate_new_from_files (certificate_file,
                                                    gw_config_get_http_tls_key (config),
                                                    &local_error);
    if (certificate == NULL) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                   _("Cannot load the HTTP server's TLS certificate %s: %s"), certificate_file,
                   local_error->message);
      return NULL;
    }
  }
  return gw_http_server_new_full (gw_config_get_http_listen_address (config),
                                  gw_config_get_http_port (config),
                                  gw_config_get_http_public_url (config), certificate,
                                  gw_config_get_http_limits (config), error);
}

gboolean
gw_http_server_add_route (GwHttpServer            *self,
                          const char              *path_prefix,
                          const GwHttpRouteLimits *limits,
                          SoupServerCallback       callback,
                          gpointer                 user_data,
                          GDestroyNotify           destroy)
{
  GwHttpRouteLimits *route;

  g_return_val_if_fail (GW_IS_HTTP_SERVER (self), FALSE);
  g_return_val_if_fail (path_prefix != NULL && callback != NULL, FALSE);

  if (path_prefix[0] != '/' || g_hash_table_contains (self->routes, path_prefix)) {
    g_warning ("HTTP path prefix %s is not valid or already taken", path_prefix);
    return FALSE;
  }
  route = g_new0 (GwHttpRouteLimits, 1);
  if (limits != NULL)
    *route = *limits;
  g_hash_table_insert (self->routes, g_strdup (path_prefix), route);
  soup_server_add_handler (self->server, path_prefix, callback, user_data, destroy);
  return TRUE;
}

void
gw_http_server_route_limits (GwHttpServer *self,
                             const char   *path,
                             guint64      *max_body_size,
                             guint        *body_timeout)
{
  GHashTableIter iter;
  gpointer key, value;
  gsize best = 0;
  const GwHttpRouteLimits *route = NULL;

  /* The longest registered prefix, as SoupServer picks the handler. */
  g_hash_table_iter_init (&iter, self->routes);
  while (path != NULL && g_hash_table_iter_next (&iter, &key, &value)) {
    gsize length = strlen (key);

    if (length > best && strncmp (path, key, length) == 0) {
      best = length;
      route = value;
    }
  }
  *max_body_size = route != NULL && route->max_body_size > 0 ? route->max_body_size
                   : self->limits.max_body_size;
  *body_timeout = route != NULL && route->body_timeout > 0 ? route->body_timeout
                  : self->limits.body_timeout;
}

gboolean
gw_http_server_add_handler (GwHttpServer       *self,
                            const char         *path_prefix,
                            SoupServerCallback  callback,
                            gpointer            user_data,
                            GDestroyNotify      destroy)
{
  return gw_http_server_add_route (self, path_prefix, NULL, callback, user_data, destroy);
}

void
gw_http_server_remove_handler (GwHttpServer *self,
                               const char   *path_prefix)
{
  g_return_if_fail (GW_IS_HTTP_SERVER (self));

  if (g_hash_table_remove (self->routes, path_prefix))
    soup_server_remove_handler (self->server, path_prefix);
}

const char *
gw_http_server_get_public_base_url (GwHttpServer *self)
{
  g_return_val_if_fail (GW_IS_HTTP_SERVER (self), NULL);
  return self->public_url;
}

guint
gw_http_server_get_port (GwHttpServer *self)
{
  g_return_val_if_fail (GW_IS_HTTP_SERVER (self), 0);
  return self->port;
}

gboolean
gw_http_server_is_https (GwHttpServer *self)
{
  g_return_val_if_fail (GW_IS_HTTP_SERVER (self), FALSE);
  return self->certificate != NULL;
}

const GwHttpLimits *
gw_http_server_get_limits (GwHttpServer *self)
{
  g_return_val_if_fail (GW_IS_HTTP_SERVER (self), NULL);
  return &self->limits;
}

guint
gw_http_server_get_connection_count (GwHttpServer *self)
{
  g_return_val_if_fail (GW_IS_HTTP_SERVER (self), 0);
  return g_hash_table_size (self->conns);
}
