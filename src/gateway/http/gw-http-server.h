/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-http-server.h: Herald's built-in HTTP(S) server (plugin SDK)
 *
 * One server per daemon, configured in heraldd.conf [http]. Core code and
 * transport plugins register path prefixes on it: attachment links under
 * "/a/", the routes transports declare (webhooks) under their own. Every
 * connection is bounded by the server's GwHttpLimits (count, header, body
 * and idle time, body size); a route may declare its own body cap and body
 * time.
 */
#pragma once

#include <libsoup/soup.h>

#include "gw-config.h"
#include "gw-http-limits.h"

G_BEGIN_DECLS

#define GW_TYPE_HTTP_SERVER (gw_http_server_get_type ())
G_DECLARE_FINAL_TYPE (GwHttpServer, gw_http_server, GW, HTTP_SERVER, GObject)

/*
 * Listens on @address (an IP address) and @port (0: any free port). With
 * @certificate the server speaks HTTPS only. @public_url is the base URL
 * people and peers use to reach the server (behind a proxy, say); NULL
 * makes it from the listening address and port.
 * Errors: HERALD_ERROR_INVALID_SETTING (bad address or certificate),
 * HERALD_ERROR_FAILED (cannot listen).
 */
GwHttpServer *gw_http_server_new                 (const char      *address,
                                                  guint            port,
                                                  const char      *public_url,
                                                  GTlsCertificate *certificate,
                                                  GError         **error);
/* The same with @limits (NULL: the defaults of gw-http-limits.h). */
GwHttpServer *gw_http_server_new_full            (const char         *address,
                                                  guint               port,
                                                  const char         *public_url,
                                                  GTlsCertificate    *certificate,
                                                  const GwHttpLimits *limits,
                                                  GError            **error);
/* The server configured by @config's [http] group; NULL with @error unset
 * when [http] does not enable it. */
GwHttpServer *gw_http_server_new_from_config     (GwConfig        *config,
                                                  GError         **error);

/*
 * Serves every request whose path is @path_prefix or below it (a prefix
 * such as "/webhook/provider") with @callback. Returns FALSE, without taking
 * @user_data, when the prefix does not start with "/" or is already
 * registered. @destroy is called for @user_data when the handler goes.
 * The callback runs only for a request whose body has arrived whole,
 * within the limits; a larger body was answered 413 without it.
 */
gboolean      gw_http_server_add_handler         (GwHttpServer       *self,
                                                  const char         *path_prefix,
                                                  SoupServerCallback  callback,
                                                  gpointer            user_data,
                                                  GDestroyNotify      destroy);
/* The same with the route's own body cap and body time (@limits NULL or
 * fields 0: the server's max-body-size and body-timeout). */
gboolean      gw_http_server_add_route           (GwHttpServer            *self,
                                                  const char              *path_prefix,
                                                  const GwHttpRouteLimits *limits,
                                                  SoupServerCallback       callback,
                                                  gpointer                 user_data,
                                                  GDestroyNotify           destroy);
void          gw_http_server_remove_handler      (GwHttpServer       *self,
                                                  const char         *path_prefix);

/* Base URL without trailing slash: "https://herald.example.org" or
 * "http://127.0.0.1:8025"; append a handler's path to it. */
const char   *gw_http_server_get_public_base_url (GwHttpServer       *self);
/* The port actually listened on. */
guint         gw_http_server_get_port            (GwHttpServer       *self);
gboolean      gw_http_server_is_https            (GwHttpServer       *self);
const GwHttpLimits *gw_http_server_get_limits    (GwHttpServer       *self);
/* Connections open now (accepted and not yet closed). */
guint         gw_http_server_get_connection_count (GwHttpServer      *self);

G_END_DECLS
