/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-http-client-guard.h: a profile's TLS policy on libsoup requests, and
 * response bodies read under a cap
 *
 * For the HTTPS clients of Herald (the OAuth 2.0 token endpoint, a
 * transport's HTTP API): the same trust as the SMTP engine's (gw-tls-policy.c), decided on
 * the libsoup connection before a request carrying credentials is written.
 */
#pragma once

#include <libsoup/soup.h>

#include "gw-profile.h"

G_BEGIN_DECLS

#define GW_TYPE_HTTP_CLIENT_GUARD (gw_http_client_guard_get_type ())
G_DECLARE_FINAL_TYPE (GwHttpClientGuard, gw_http_client_guard, GW, HTTP_CLIENT_GUARD, GObject)

/*
 * For a request of @profile to @uri: an https URI gets the profile's TLS
 * policy (verify-certificates, ca-file, pinned-keys) for its host and
 * port; a plain http URI (loopback only, the callers check) none.
 * Errors: GW_TRANSPORT_ERROR_TEMPORARY when the ca-file cannot be loaded.
 */
GwHttpClientGuard *gw_http_client_guard_new     (GwProfile          *profile,
                                                 GUri               *uri,
                                                 GError            **error);

/*
 * Judges @message's TLS connection: the certificate by the policy (its
 * "accept-certificate"), then, once the handshake is done, the protocol
 * version (TLS 1.2 or newer) and the pins. A connection that fails is shut
 * down at its socket there and then, so the request is never written.
 */
void               gw_http_client_guard_watch   (GwHttpClientGuard  *self,
                                                 SoupMessage        *message);

/* A request that never follows a redirect, asks for JSON and is watched. */
SoupMessage       *gw_http_client_guard_new_message (GwHttpClientGuard *self,
                                                     const char        *method,
                                                     GUri              *uri);

/* A session with @profile's connect and conversation timeouts. */
SoupSession       *gw_http_client_session_new       (GwProfile         *profile);

/* After a request failed: TRUE with @error set when the guard refused
 * the connection (its reason says why); FALSE for any other failure. */
gboolean           gw_http_client_guard_refused (GwHttpClientGuard  *self,
                                                 GError            **error);

/* The same, given the request's own error @failure: also TRUE when the
 * server ended the TLS session after the profile's client certificate was
 * presented (the error names the certificate and keeps @failure's text). */
gboolean           gw_http_client_guard_explain (GwHttpClientGuard  *self,
                                                 const GError       *failure,
                                                 GError            **error);

/*
 * Reads @stream to its end, failing with G_IO_ERROR_MESSAGE_TOO_LARGE as
 * soon as more than @max_size bytes have come (no more is read or kept),
 * and with G_IO_ERROR_TIMED_OUT once g_get_monotonic_time() passes
 * @deadline (0: none) between two reads.
 */
GBytes            *gw_http_read_capped          (GInputStream       *stream,
                                                 gsize               max_size,
                                                 gint64              deadline,
                                                 GCancellable       *cancellable,
                                                 GError            **error);

G_END_DECLS
