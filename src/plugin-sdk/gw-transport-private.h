/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-transport-private.h: how the daemon connects a transport to itself
 *
 * Not installed: only heraldd and its tests call these.
 */
#pragma once

#include "gw-transport.h"

G_BEGIN_DECLS

/* Finds another profile by name for gw_transport_lookup_profile(). */
typedef GwProfile *(*GwTransportProfileLookupFunc) (const char *name,
                                                    gpointer    user_data);

void        gw_transport_set_profile_lookup  (GwTransport                  *self,
                                              GwTransportProfileLookupFunc  func,
                                              gpointer                      user_data,
                                              GDestroyNotify                destroy);
/* The public base URL of Herald's HTTP server, without a trailing "/", or
 * NULL when it is off. */
void        gw_transport_set_http_base_url   (GwTransport                  *self,
                                              const char                   *base_url);
/* (transfer full) the path prefixes the transport's class declared */
GStrv       gw_transport_dup_http_routes     (GwTransport                  *self);
/* The body cap the route at @prefix declared, 0 for the server's. */
guint64     gw_transport_get_http_route_max_body (GwTransport              *self,
                                              const char                   *prefix);
/* Hands a request below @prefix to the route's function. */
void        gw_transport_serve_http          (GwTransport                  *self,
                                              const char                   *prefix,
                                              SoupServerMessage            *message,
                                              const char                   *path,
                                              GHashTable                   *query);

/* The effective value of @key on the profile a preset is looked up for,
 * as text, or NULL when unset. (transfer full) */
typedef char *(*GwPresetLookupFunc) (const char *key,
                                     gpointer    user_data);
/* The value the presets of transport class @type give @key on a profile
 * (gw_transport_class_add_preset()), or NULL. (transfer full) */
char       *gw_transport_type_dup_preset     (GType                         type,
                                              const char                   *key,
                                              GwPresetLookupFunc            lookup,
                                              gpointer                      user_data);

/* Called with the profile's name whenever an OAuth 2.0 token refresh fails
 * (heraldd's metrics). */
typedef void (*GwOAuth2RefreshFailureHook) (const char *profile);
void        gw_oauth2_set_refresh_failure_hook (GwOAuth2RefreshFailureHook hook);

G_END_DECLS
