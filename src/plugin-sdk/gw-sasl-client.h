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

char         *gw_sasl_choose_mechanism   (const char          *configured,
                                          const char * const  *offered,
                                          gboolean             tls_active,
                                          gboolean             allow_plaintext,
                                          GError             **error);

GwSaslClient *gw_sasl_client_new         (const char          *mechanism,
                                          const char          *username,
                                          const char          *secret,
                                          const char          *service,
                                          const char          *hostname,
                                          GError             **error);

gboolean      gw_sasl_client_has_initial_response (GwSaslClient *self);

const char   *gw_sasl_client_get_mechanism (GwSaslClient *self);

void          gw_sasl_client_set_port    (GwSaslClient        *self,
                                          guint16              port);

gboolean      gw_sasl_client_is_complete (GwSaslClient        *self);

char         *gw_sasl_client_step        (GwSaslClient        *self,
                                          const char          *challenge_b64,
                                          GError             **error);

G_END_DECLS
