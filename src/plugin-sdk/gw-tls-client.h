/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-tls-client.h: a profile's TLS client certificate (plugin SDK)
 *
 * "tls-client-certificate" and "tls-client-key", read once per connection
 * by the SMTP engine (STARTTLS and implicit TLS) and the libsoup clients
 * (gw-http-client-guard.c), so that a server can identify the sending host
 * by its certificate.
 */
#pragma once

#include <gio/gio.h>

#include "gw-profile.h"
#include "gw-transport.h"

G_BEGIN_DECLS

/**
 * gw_tls_client_install_settings:
 * @klass: a transport class, in its class_init
 *
 * Installs "tls-client-certificate" (a PEM certificate chain: its text,
 * or the absolute path of a readable file) and the secret
 * "tls-client-key" (the PEM private key itself, or the absolute path of
 * a file owned by the daemon's user and readable by nobody else).
 * gw_smtp_session_install_settings() installs them already.
 */
void             gw_tls_client_install_settings     (GwTransportClass  *klass);

/**
 * gw_tls_client_certificate_load:
 * @profile: a profile with the keys of gw_tls_client_install_settings()
 * @error: return location for a %GW_TRANSPORT_ERROR_PERMANENT error (the
 *   profile's certificate or key cannot be used: a bad configuration)
 *
 * Reads the profile's client certificate and its key, checks that the
 * key belongs to the certificate and that the certificate is valid now.
 * A key file must be a regular file owned by the daemon's user with no
 * access for group or others (mode 0600 or 0400), checked on the open
 * file. Nothing of the key appears in an error.
 *
 * Returns: (transfer full) (nullable): the certificate with its private
 *   key; %NULL without an error when the profile sets no
 *   "tls-client-certificate"
 */
GTlsCertificate *gw_tls_client_certificate_load     (GwProfile         *profile,
                                                     GError           **error);

/**
 * gw_tls_client_certificate_describe:
 * @certificate: a certificate
 *
 * Returns: (transfer full): "subject (issuer: ISSUER, SHA-256 FINGERPRINT)",
 *   for transcripts and errors
 */
char            *gw_tls_client_certificate_describe (GTlsCertificate   *certificate);

G_END_DECLS
