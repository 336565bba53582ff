/* gw-oauth2.h: OAuth 2.0 access tokens by the refresh-token grant (libsoup, json-glib) */
#pragma once

#include <gio/gio.h>

#include "gw-profile.h"
#include "gw-transport.h"

G_BEGIN_DECLS

#define GW_TYPE_OAUTH2 (gw_oauth2_get_type ())
G_DECLARE_FINAL_TYPE (GwOAuth2, gw_oauth2, GW, OAUTH2, GObject)

/* One shared instance caches access tokens per profile until shortly
 * before they expire. */
GwOAuth2 *gw_oauth2_get_default        (void);

/*
 * Returns an access token for @profile (keys oauth2-token-url,
 * oauth2-client-id, secrets oauth2-client-secret and oauth2-refresh-token),
 * from the cache unless @force_refresh. POSTs grant_type=refresh_token as
 * application/x-www-form-urlencoded; reads access_token, expires_in
 * (and a rotated refresh_token, stored back as the secret).
 * Errors: GW_TRANSPORT_ERROR_TEMPORARY for network/5xx, _PERMANENT for
 * 4xx (invalid_grant ...) with the endpoint's error text.
 */
void      gw_oauth2_get_token_async    (GwOAuth2            *self,
                                        GwProfile           *profile,
                                        gboolean             force_refresh,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
/* Free with gw_secret_free(). */
char     *gw_oauth2_get_token_finish   (GwOAuth2            *self,
                                        GAsyncResult        *result,
                                        GError             **error);
/* Drops the cached token of @profile (after a 535 with it). */
void      gw_oauth2_forget             (GwOAuth2            *self,
                                        const char          *profile_name);

void      gw_oauth2_install_settings   (GwTransportClass    *klass);

G_END_DECLS
