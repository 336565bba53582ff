/* gw-sasl-client.h: one SASL client exchange (libgsasl, plus XOAUTH2/OAUTHBEARER)
 *
 * Transport-neutral: the SMTP session (or POP login) sends "AUTH MECH
 * [initial-response]" and feeds each 334 challenge to gw_sasl_client_step().
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define GW_TYPE_SASL_CLIENT (gw_sasl_client_get_type ())
G_DECLARE_FINAL_TYPE (GwSaslClient, gw_sasl_client, GW, SASL_CLIENT, GObject)

/*
 * Picks the mechanism to use (upper case, e.g. "SCRAM-SHA-256"):
 * @configured is the profile's "auth" value (auto, plain, login, cram-md5,
 * scram-sha-1, scram-sha-256, ntlm, xoauth2, oauthbearer); @offered the
 * server's AUTH list. "auto" takes the strongest offered mechanism that
 * libgsasl supports, never XOAUTH2/OAUTHBEARER (those need a token
 * configuration). Plaintext mechanisms (PLAIN, LOGIN) are refused without
 * TLS unless @allow_plaintext (profile security=none).
 * Errors: GW_TRANSPORT_ERROR_PERMANENT with a message naming what the
 * server offered.
 */
char         *gw_sasl_choose_mechanism   (const char          *configured,
                                          const char * const  *offered,
                                          gboolean             tls_active,
                                          gboolean             allow_plaintext,
                                          GError             **error);

/* @secret is the password, or the OAuth access token for XOAUTH2 and
 * OAUTHBEARER. @service is "smtp" or "pop"; @hostname the server name. */
GwSaslClient *gw_sasl_client_new         (const char          *mechanism,
                                          const char          *username,
                                          const char          *secret,
                                          const char          *service,
                                          const char          *hostname,
                                          GError             **error);

/* Whether the mechanism sends a client-first initial response with AUTH. */
gboolean      gw_sasl_client_has_initial_response (GwSaslClient *self);

/* Upper-case mechanism name, as for "AUTH MECH". */
const char   *gw_sasl_client_get_mechanism (GwSaslClient *self);

/* The server's port, for OAUTHBEARER's "port=" key (RFC 7628); 0, the
 * default, leaves the key out. Call before the first step. */
void          gw_sasl_client_set_port    (GwSaslClient        *self,
                                          guint16              port);

/*
 * Whether the client side of the exchange finished without failure: for
 * SCRAM, the server's final message (its signature) was verified. A 235
 * while this is FALSE means the server skipped a step: treat it as a
 * failure. After an XOAUTH2/OAUTHBEARER error challenge it stays FALSE.
 */
gboolean      gw_sasl_client_is_complete (GwSaslClient        *self);

/*
 * One step: @challenge_b64 is the server's 334 text (NULL for the initial
 * response). Returns the base64 response to send (possibly ""), or NULL with
 * an error. The returned string holds credentials: never log it; free it
 * with gw_secret_free().
 */
char         *gw_sasl_client_step        (GwSaslClient        *self,
                                          const char          *challenge_b64,
                                          GError             **error);

G_END_DECLS
