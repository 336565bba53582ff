/* gw-http-server.c: Herald's built-in HTTP(S) server (plugin SDK)
 *
 * A thin owner of a libsoup 3 SoupServer: it listens where heraldd.conf
 * says, knows the public base URL links are made from, and keeps track of
 * the registered prefixes so two users cannot silently take the same one.
 * Anything not registered answers 404 (SoupServer's default).
 */
#define G_LOG_DOMAIN "gw-http-server"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-http-server.h"
#include "gw-metrics-hooks.h"

struct _GwHttpServer {
  GObject     parent_instance;
  SoupServer *server;
  GHashTable *prefixes;     /* set of registered path prefixes */
  char       *public_url;
  guint       port;
  gboolean    https;
};

G_DEFINE_FINAL_TYPE (GwHttpServer, gw_http_server, G_TYPE_OBJECT)

static void
gw_http_server_finalize (GObject *object)
{
  GwHttpServer *self = GW_HTTP_SERVER (object);

  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_clear_pointer (&self->prefixes, g_hash_table_unref);
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
  self->prefixes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

static void
request_finished_cb (SoupServer        *server,
                     SoupServerMessage *msg,
                     gpointer           user_data)
{
  gw_metrics_count_http_request (soup_server_message_get_status (msg));
}

static guint
listening_port (SoupServer *server)
{
  GSList *uris = soup_server_get_uris (server);
  guint port = 0;

  if (uris != NULL)
    port = (guint) g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return port;
}

GwHttpServer *
gw_http_server_new (const char      *address,
                    guint            port,
                    const char      *public_url,
                    GTlsCertificate *certificate,
                    GError         **error)
{
  g_autoptr(GwHttpServer) self = g_object_new (GW_TYPE_HTTP_SERVER, NULL);
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GError) local_error = NULL;
  SoupServerListenOptions options = certificate != NULL ? SOUP_SERVER_LISTEN_HTTPS : 0;

  if (inet == NULL || port > 65535) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                 _("The HTTP server cannot listen on “%s” port %u"), address, port);
    return NULL;
  }
  self->server = soup_server_new ("server-header", "herald",
                                  "tls-certificate", certificate, NULL);
  g_signal_connect (self->server, "request-finished", G_CALLBACK (request_finished_cb), NULL);
  socket_address = g_inet_socket_address_new (inet, (guint16) port);
  if (!soup_server_listen (self->server, socket_address, options, &local_error)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_FAILED,
                 _("The HTTP server cannot listen on %s port %u: %s"), address, port,
                 local_error->message);
    return NULL;
  }
  self->port = listening_port (self->server);
  self->https = certificate != NULL;
  if (public_url != NULL) {
    self->public_url = g_strdup (public_url);
    while (g_str_has_suffix (self->public_url, "/"))
      self->public_url[strlen (self->public_url) - 1] = '\0';
  } else {
    /* IPv6 literals go in brackets in a URL. */
    gboolean v6 = g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6;
    self->public_url = g_strdup_printf ("%s://%s%s%s:%u", self->https ? "https" : "http",
                                        v6 ? "[" : "", address, v6 ? "]" : "", self->port);
  }
  g_info ("HTTP server listening on %s port %u (%s), links under %s", address, self->port,
          self->https ? "https" : "http", self->public_url);
  return g_steal_pointer (&self);
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
  return gw_http_server_new (gw_config_get_http_listen_address (config),
                             gw_config_get_http_port (config),
                             gw_config_get_http_public_url (config), certificate, error);
}

gboolean
gw_http_server_add_handler (GwHttpServer       *self,
                            const char         *path_prefix,
                            SoupServerCallback  callback,
                            gpointer            user_data,
                            GDestroyNotify      destroy)
{
  g_return_val_if_fail (GW_IS_HTTP_SERVER (self), FALSE);
  g_return_val_if_fail (path_prefix != NULL && callback != NULL, FALSE);

  if (path_prefix[0] != '/' || g_hash_table_contains (self->prefixes, path_prefix)) {
    g_warning ("HTTP path prefix %s is not valid or already taken", path_prefix);
    return FALSE;
  }
  g_hash_table_add (self->prefixes, g_strdup (path_prefix));
  soup_server_add_handler (self->server, path_prefix, callback, user_data, destroy);
  return TRUE;
}

void
gw_http_server_remove_handler (GwHttpServer *self,
                               const char   *path_prefix)
{
  g_return_if_fail (GW_IS_HTTP_SERVER (self));

  if (g_hash_table_remove (self->prefixes, path_prefix))
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
  return self->https;
}
