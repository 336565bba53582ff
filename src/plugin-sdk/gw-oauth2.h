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

void      gw_oauth2_get_token_async    (GwOAuth2            *self,
                                        GwProfile           *profile,
                                        gboolean             force_refresh,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
char     *gw_oauth2_get_token_finish   (GwOAuth2            *self,
                                        GAsyncResult        *result,
                                        GError             **error);
void      gw_oauth2_forget             (GwOAuth2            *self,
                                        const char          *profile_name);

void      gw_oauth2_install_settings   (GwTransportClass    *klass);

G_END_DECLS
