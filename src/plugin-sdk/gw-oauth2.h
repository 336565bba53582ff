/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-oauth2.h: OAuth 2.0 access tokens by the refresh-token or the client
 * credentials grant (libsoup, json-glib) */
#pragma once

#include <gio/gio.h>

#include "gw-profile.h"
#include "gw-transport.h"

G_BEGIN_DECLS

/**
 * GwOAuth2:
 *
 * OAuth 2.0 access tokens by the refresh-token grant or the client
 * credentials grant (libsoup, json-glib), cached per profile.
 */
#define GW_TYPE_OAUTH2 (gw_oauth2_get_type ())
G_DECLARE_FINAL_TYPE (GwOAuth2, gw_oauth2, GW, OAUTH2, GObject)

/* One shared instance caches access tokens per profile until shortly
 * before they expire. */

/**
 * gw_oauth2_get_default:
 * Returns: (transfer none): the one shared #GwOAuth2, which caches access
 *   tokens per profile until shortly before they expire
 */
GwOAuth2 *gw_oauth2_get_default        (void);

/**
 * gw_oauth2_get_token_async:
 * @self: the shared #GwOAuth2
 * @profile: a profile with the keys of gw_oauth2_install_settings()
 * @force_refresh: ask the endpoint even when a cached token is still valid
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the token
 * @user_data: data for @callback
 *
 * Gets an access token by the grant "oauth2-grant" names. refresh-token:
 * POSTs grant_type=refresh_token (application/x-www-form-urlencoded) to
 * "oauth2-token-url" with the refresh token a sign-in stored; a rotated
 * refresh_token is stored back as the profile's secret. client-credentials:
 * POSTs grant_type=client_credentials with "oauth2-scope" and the
 * client's secret, or a certificate assertion (RFC 7523, RS256, signed
 * with "oauth2-client-key", header x5t#S256 of
 * "oauth2-client-certificate") when a key is stored; there is no refresh
 * token, a new access token is asked for when the old one expires.
 * Always over HTTPS (http only to loopback), never following a redirect;
 * access_token and expires_in are read from the answer.
 *
 * A refresh token the endpoint refuses with invalid_grant, or none at
 * all, puts the profile in the state "sign-in required"
 * (gw_oauth2_needs_sign_in()) and fails with
 * %GW_TRANSPORT_ERROR_TEMPORARY, so that deliveries wait for the sign-in.
 */
void      gw_oauth2_get_token_async    (GwOAuth2            *self,
                                        GwProfile           *profile,
                                        gboolean             force_refresh,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);

/**
 * gw_oauth2_get_token_finish:
 * @self: the shared #GwOAuth2
 * @result: the result given to the callback
 * @error: return location for a #GW_TRANSPORT_ERROR error: TEMPORARY for
 *   network failures, 5xx and a profile that needs a sign-in, PERMANENT
 *   for other 4xx (invalid_client ...) with the endpoint's error text
 *
 * Returns: (transfer full): the access token; free it with gw_secret_free()
 */
char     *gw_oauth2_get_token_finish   (GwOAuth2            *self,
                                        GAsyncResult        *result,
                                        GError             **error);

/**
 * gw_oauth2_forget:
 * @self: the shared #GwOAuth2
 * @profile_name: a profile's name
 *
 * Drops the cached token of a profile (after a server refused it).
 */
void      gw_oauth2_forget             (GwOAuth2            *self,
                                        const char          *profile_name);

gboolean  gw_oauth2_needs_sign_in      (GwOAuth2            *self,
                                        GwProfile           *profile);

void      gw_oauth2_install_settings   (GwTransportClass    *klass);

G_END_DECLS
