/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-sasl-client.h: one SASL client exchange (libgsasl, plus XOAUTH2/OAUTHBEARER)
 *
 * Transport-neutral: the SMTP session (or POP login) sends "AUTH MECH
 * [initial-response]" and feeds each 334 challenge to gw_sasl_client_step().
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * GwSaslClient:
 *
 * One SASL client exchange: GNU SASL for PLAIN, LOGIN, CRAM-MD5,
 * SCRAM-SHA-1/256, NTLM and EXTERNAL, with XOAUTH2 and OAUTHBEARER built
 * beside it.
 */
#define GW_TYPE_SASL_CLIENT (gw_sasl_client_get_type ())
G_DECLARE_FINAL_TYPE (GwSaslClient, gw_sasl_client, GW, SASL_CLIENT, GObject)

/**
 * gw_sasl_choose_mechanism:
 * @configured: the profile's "auth": auto, plain, login, cram-md5,
 *   scram-sha-1, scram-sha-256, ntlm, xoauth2, oauthbearer or external
 * @offered: (array zero-terminated=1): the mechanisms the server offers
 * @tls_active: whether the connection is encrypted
 * @plaintext_chosen: whether the profile chose plaintext (security=none)
 * @error: return location for a #GW_TRANSPORT_ERROR_TLS_REQUIRED error (no
 *   TLS) or a #GW_TRANSPORT_ERROR_PERMANENT error naming what the server
 *   offered
 *
 * Picks the mechanism to use. "auto" takes the strongest offered one GNU
 * SASL supports, never XOAUTH2 or OAUTHBEARER (they need a token
 * configuration), nor EXTERNAL. Without @tls_active no mechanism is chosen
 * at all, the challenge ones included, unless @plaintext_chosen and
 * @configured names the mechanism; EXTERNAL (the TLS client certificate)
 * never without TLS.
 *
 * Returns: (transfer full) (nullable): the mechanism in upper case, such as
 *   "SCRAM-SHA-256"
 */
char         *gw_sasl_choose_mechanism   (const char          *configured,
                                          const char * const  *offered,
                                          gboolean             tls_active,
                                          gboolean             plaintext_chosen,
                                          GError             **error);

/**
 * gw_sasl_client_new:
 * @mechanism: the mechanism, as gw_sasl_choose_mechanism() returns it
 * @username: (nullable): the user name; for EXTERNAL the optional
 *   authorisation identity (%NULL or "" for the certificate's own)
 * @secret: (nullable): the password, or the OAuth access token for XOAUTH2
 *   and OAUTHBEARER; %NULL for EXTERNAL, whose credential is the TLS client
 *   certificate
 * @service: "smtp" or "pop"
 * @hostname: the server's name
 * @error: return location for a #GW_TRANSPORT_ERROR error
 *
 * Starts one client exchange (GNU SASL, plus XOAUTH2 and OAUTHBEARER):
 * the caller sends "AUTH MECH [initial-response]" and feeds every 334
 * challenge to gw_sasl_client_step().
 *
 * Returns: (transfer full) (nullable): a new client
 */
GwSaslClient *gw_sasl_client_new         (const char          *mechanism,
                                          const char          *username,
                                          const char          *secret,
                                          const char          *service,
                                          const char          *hostname,
                                          GError             **error);

/**
 * gw_sasl_client_has_initial_response:
 * @self: a SASL client
 *
 * Returns: whether the mechanism sends a client-first initial response with AUTH
 */
gboolean      gw_sasl_client_has_initial_response (GwSaslClient *self);

/**
 * gw_sasl_client_get_mechanism:
 * @self: a SASL client
 *
 * Returns: the mechanism in upper case, as for "AUTH MECH"
 */
const char   *gw_sasl_client_get_mechanism (GwSaslClient *self);

/**
 * gw_sasl_client_set_port:
 * @self: a SASL client
 * @port: the server's port, for OAUTHBEARER's "port=" key (RFC 7628); 0
 *   leaves the key out
 *
 * Call it before the first step.
 */
void          gw_sasl_client_set_port    (GwSaslClient        *self,
                                          guint16              port);

/**
 * gw_sasl_client_is_complete:
 * @self: a SASL client
 *
 * A 235 while this is %FALSE means the server skipped a step: treat it as a
 * failure. After an XOAUTH2 or OAUTHBEARER error challenge it stays %FALSE.
 *
 * Returns: whether the client side finished without failure (for SCRAM:
 *   the server's signature was verified)
 */
gboolean      gw_sasl_client_is_complete (GwSaslClient        *self);

/**
 * gw_sasl_client_step:
 * @self: a SASL client
 * @challenge_b64: (nullable): the server's 334 text, %NULL for the initial
 *   response
 * @error: return location for a #GW_TRANSPORT_ERROR error
 *
 * One step of the exchange. The result holds credentials: never log it.
 *
 * Returns: (transfer full) (nullable): the base64 response to send
 *   (possibly ""); free it with gw_secret_free()
 */
char         *gw_sasl_client_step        (GwSaslClient        *self,
                                          const char          *challenge_b64,
                                          GError             **error);

G_END_DECLS
