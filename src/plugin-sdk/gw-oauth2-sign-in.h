/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-oauth2-sign-in.h: a person signs a profile in to its OAuth 2.0
 * provider once; the refresh token that comes of it is stored as the
 * profile's secret
 *
 * Not installed: heraldd runs sign-ins for its clients (exported in
 * HERALD_PLUGIN_1_PRIVATE).
 */
#pragma once

#include <gio/gio.h>

#include "gw-oauth2.h"
#include "gw-profile.h"

G_BEGIN_DECLS

typedef enum {
  GW_OAUTH2_FLOW_DEVICE,   /* RFC 8628: a code entered on another device */
  GW_OAUTH2_FLOW_BROWSER,  /* RFC 6749 + 7636 + 8252: a browser on this machine, PKCE */
} GwOAuth2Flow;

#define GW_TYPE_OAUTH2_SIGN_IN (gw_oauth2_sign_in_get_type ())
G_DECLARE_FINAL_TYPE (GwOAuth2SignIn, gw_oauth2_sign_in, GW, OAUTH2_SIGN_IN, GObject)

/*
 * One sign-in of @profile. Signal "progress" (const char *stage, GVariant
 * *details a{sv}) tells the person what to do:
 *   "verify"    verification-uri (s), user-code (s), verification-uri-complete
 *               (s, when given), expires-in (u, seconds), interval (u):
 *               open the URI and enter the code (device flow);
 *   "authorize" authorize-url (s), redirect-uri (s), expires-in (u): open the
 *               URL in a browser on this machine (browser flow);
 *   "waiting"   interval (u), slow-down (b): still waiting for the person;
 *   "done"      grant (s);
 *   "failed"    message (s).
 * No detail is ever a token or a secret. A profile with
 * oauth2-grant=client-credentials needs nobody: its sign-in only checks
 * that a token can be had.
 */
GwOAuth2SignIn *gw_oauth2_sign_in_new        (GwProfile           *profile,
                                              GwOAuth2Flow         flow);
/* Runs the sign-in to its end; on success the refresh token is stored
 * as the profile's secret "oauth2-refresh-token" (atomically) and the
 * profile no longer needs a sign-in. Errors: GW_TRANSPORT_ERROR
 * (PERMANENT: declined, expired, refused or missing settings; TEMPORARY:
 * the endpoints could not be reached), G_IO_ERROR_CANCELLED. */
void            gw_oauth2_sign_in_run_async  (GwOAuth2SignIn      *self,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean        gw_oauth2_sign_in_run_finish (GwOAuth2SignIn      *self,
                                              GAsyncResult        *result,
                                              GError             **error);

/* A sign-in stored a new refresh token for @profile_name: the state
 * "sign-in required" and any cached access token are dropped. */
void            gw_oauth2_signed_in          (GwOAuth2            *self,
                                              const char          *profile_name);

G_END_DECLS
