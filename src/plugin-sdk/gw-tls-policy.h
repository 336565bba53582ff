/* gw-tls-policy.h: how a profile trusts a server's TLS certificate
 *
 * Shared by the SMTP session (STARTTLS and implicit TLS) and the POP3 login.
 */
#pragma once

#include <gio/gio.h>

#include "gw-profile.h"
#include "gw-transport.h"

G_BEGIN_DECLS

#define GW_TYPE_TLS_POLICY (gw_tls_policy_get_type ())
G_DECLARE_FINAL_TYPE (GwTlsPolicy, gw_tls_policy, GW, TLS_POLICY, GObject)

/* Reads verify-certificates, ca-file, pinned-keys from @profile. */
GwTlsPolicy *gw_tls_policy_new              (GwProfile           *profile,
                                             const char          *host,
                                             guint16              port,
                                             GError             **error);

/*
 * Wraps @base in a GTlsClientConnection (server identity = host:port so the
 * hostname is verified and SNI sent), runs the handshake, then checks the
 * negotiated version is >= TLS 1.2 and the pins. Returns the GTlsConnection
 * (as GIOStream). Errors: GW_TRANSPORT_ERROR_TEMPORARY.
 */
void         gw_tls_policy_handshake_async  (GwTlsPolicy         *self,
                                             GIOStream           *base,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
GIOStream   *gw_tls_policy_handshake_finish (GwTlsPolicy         *self,
                                             GAsyncResult        *result,
                                             GError             **error);

/*
 * When the certificate was refused: a{sv} with subject, issuer, not-before,
 * not-after (x, µs since the epoch), sha256-fingerprint, spki-pin (64 hex
 * each), errors (as: "unknown-ca", "bad-identity", "expired",
 * "not-activated", "revoked", "insecure", "pin-mismatch", "generic-error"),
 * host, port (q). Else NULL. (transfer full, not floating)
 */
GVariant    *gw_tls_policy_get_failure      (GwTlsPolicy         *self);

/* "TLSv1.3 TLS_AES_256_GCM_SHA384" */
char        *gw_tls_describe_connection     (GTlsConnection      *connection);

/* SHA-256 of the certificate's DER SubjectPublicKeyInfo as 64 lower-case hex. */
char        *gw_tls_spki_pin                (GTlsCertificate     *certificate,
                                             GError             **error);

void         gw_tls_policy_install_settings (GwTransportClass    *klass);

G_END_DECLS
