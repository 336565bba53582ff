/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-tls-policy.h: how a profile trusts a server's TLS certificate
 *
 * Shared by the SMTP session (STARTTLS and implicit TLS), the POP3 login and
 * the libsoup clients (gw-http-client-guard.c).
 */
#pragma once

#include <gio/gio.h>

#include "gw-profile.h"
#include "gw-transport.h"

G_BEGIN_DECLS

#define GW_TYPE_TLS_POLICY (gw_tls_policy_get_type ())
G_DECLARE_FINAL_TYPE (GwTlsPolicy, gw_tls_policy, GW, TLS_POLICY, GObject)

/*
 * Reads verify-certificates, ca-file and the pins of @host:@port
 * (gw_tls_endpoint_pins()) from @profile: a pin trusted for another server
 * of the profile (its POP3 server, say) does not count here.
 */
GwTlsPolicy *gw_tls_policy_new              (GwProfile           *profile,
                                             const char          *host,
                                             guint16              port,
                                             GError             **error);

/*
 * The certificate (with its private key) to present when the server asks
 * for one, from gw_tls_client_certificate_load(); NULL for none. A
 * handshake that fails after a certificate was presented or asked for is
 * reported by _client_refusal_error() as a refusal of the client
 * certificate (or of its absence), with the server's alert; NULL when
 * neither happened. Errors: GW_TRANSPORT_ERROR_TEMPORARY.
 */
void         gw_tls_policy_set_client_certificate (GwTlsPolicy     *self,
                                                   GTlsCertificate *certificate);
GTlsCertificate *gw_tls_policy_get_client_certificate (GwTlsPolicy *self);
GError      *gw_tls_policy_client_refusal_error   (GwTlsPolicy     *self,
                                                   const GError    *error);

void         gw_tls_policy_handshake_async  (GwTlsPolicy         *self,
                                             GIOStream           *base,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
GIOStream   *gw_tls_policy_handshake_finish (GwTlsPolicy         *self,
                                             GAsyncResult        *result,
                                             GError             **error);

/*
 * The parts of the handshake for a TLS connection made elsewhere (libsoup):
 * _start() before it (forgets the last refusal, warns when verification
 * is off); _accept_certificate() is the "accept-certificate" decision
 * (pin, ca-file, verify-certificates); _check_connection() after it: TLS
 * 1.2 or newer, a certificate, and one of the pinned keys when there are
 * pins. _refusal_error() is the error for a certificate refused by
 * _accept_certificate() or the pins, NULL when none was.
 * Errors: GW_TRANSPORT_ERROR_TEMPORARY.
 */
void         gw_tls_policy_start              (GwTlsPolicy          *self);
gboolean     gw_tls_policy_accept_certificate (GwTlsPolicy          *self,
                                               GTlsCertificate      *certificate,
                                               GTlsCertificateFlags  errors);
gboolean     gw_tls_policy_check_connection   (GwTlsPolicy          *self,
                                               GTlsConnection       *tls,
                                               GError              **error);
GError      *gw_tls_policy_refusal_error      (GwTlsPolicy          *self);

/*
 * When the certificate was refused: a{sv} with subject, issuer, not-before,
 * not-after (x, µs since the epoch), sha256-fingerprint, spki-pin (64 hex
 * each), errors (as: "unknown-ca", "bad-identity", "expired",
 * "not-activated", "revoked", "insecure", "pin-mismatch", "generic-error"),
 * host, port (q), and profile: the profile whose trust settings refused it
 * (for a transport that sends through another profile, that one). Else
 * NULL.
 * (transfer full, not floating)
 */
GVariant    *gw_tls_policy_get_failure      (GwTlsPolicy         *self);

char        *gw_tls_describe_connection     (GTlsConnection      *connection);

/*
 * Trust is scoped to an endpoint, "host:port" (an IPv6 literal in brackets,
 * the host in lower case): the SMTP server, the POP3 server and an HTTP API
 * are different identities even on one machine.
 */
char        *gw_tls_endpoint_name           (const char          *host,
                                             guint16              port);

/*
 * Splits an entry of pinned-keys, "PIN" or "PIN@HOST:PORT" (the forms
 * TrustCertificate writes), into its pin and endpoint (NULL for a bare pin,
 * else normalised as gw_tls_endpoint_name() makes it). Checks the syntax
 * only, not that the host is a valid name. FALSE for anything else.
 */
gboolean     gw_tls_pin_entry_parse         (const char          *entry,
                                             char               **pin,
                                             char               **endpoint);

/* The profile's own server, which a bare pin is for: host:port, or for a
 * profile without a host (an HTTP API) the host and port of its
 * transport's URL key flagged GW_SETTING_FLAG_SERVER_HOST; NULL when it
 * has neither. */
char        *gw_tls_profile_endpoint        (GwProfile           *profile);

/*
 * The pins of @profile's pinned-keys that hold for @host:@port: those
 * scoped to that endpoint, and the bare ones when it is the profile's own
 * server (its host and port keys). (transfer full, never NULL)
 */
GStrv        gw_tls_endpoint_pins           (GwProfile           *profile,
                                             const char          *host,
                                             guint16              port);

/* SHA-256 of the certificate's DER SubjectPublicKeyInfo as 64 lower-case hex. */
char        *gw_tls_spki_pin                (GTlsCertificate     *certificate,
                                             GError             **error);

void         gw_tls_policy_install_settings (GwTransportClass    *klass);

G_END_DECLS
