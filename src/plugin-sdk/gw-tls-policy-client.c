/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-tls-policy-client.c: the client's side of a GwTlsPolicy
 *
 * The TLS client certificate the policy presents (tls-client-certificate,
 * read by gw-tls-client.c), whether a server asked for one when the
 * profile has none, and the error for a server that ended the session
 * where it judges the client's certificate.
 */
#define G_LOG_DOMAIN "gw-tls-policy"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "gw-tls-client.h"
#include "gw-tls-policy.h"
#include "gw-tls-policy-private.h"
#include "gw-transport.h"

/* Tells the policy that the server asked for a client certificate; it
 * gives none (the profile's, if any, is set on the connection already). */
#define GW_TYPE_CERTIFICATE_REQUEST_WATCH (gw_certificate_request_watch_get_type ())
/* A type macro, kept on one line as clang-format wants it */
G_DECLARE_FINAL_TYPE (GwCertificateRequestWatch, gw_certificate_request_watch, GW, CERTIFICATE_REQUEST_WATCH, GTlsInteraction)

struct _GwCertificateRequestWatch {
  GTlsInteraction  parent_instance;
  GWeakRef         policy;
};

G_DEFINE_FINAL_TYPE (GwCertificateRequestWatch, gw_certificate_request_watch, G_TYPE_TLS_INTERACTION)

static GTlsInteractionResult
watch_request_certificate (GTlsInteraction              *interaction,
                           GTlsConnection               *connection,
                           GTlsCertificateRequestFlags   flags,
                           GCancellable                 *cancellable,
                           GError                      **error)
{
  GwCertificateRequestWatch *self = GW_CERTIFICATE_REQUEST_WATCH (interaction);
  g_autoptr(GwTlsPolicy) policy = g_weak_ref_get (&self->policy);

  if (policy != NULL)
    policy->certificate_requested = TRUE;
  return G_TLS_INTERACTION_UNHANDLED;
}

static void
gw_certificate_request_watch_finalize (GObject *object)
{
  g_weak_ref_clear (&GW_CERTIFICATE_REQUEST_WATCH (object)->policy);
  G_OBJECT_CLASS (gw_certificate_request_watch_parent_class)->finalize (object);
}

static void
gw_certificate_request_watch_class_init (GwCertificateRequestWatchClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_certificate_request_watch_finalize;
  G_TLS_INTERACTION_CLASS (klass)->request_certificate = watch_request_certificate;
}

static void
gw_certificate_request_watch_init (GwCertificateRequestWatch *self)
{
  g_weak_ref_init (&self->policy, NULL);
}

GTlsInteraction *
gw_tls_policy_new_request_watch (GwTlsPolicy *policy)
{
  GwCertificateRequestWatch *watch = g_object_new (GW_TYPE_CERTIFICATE_REQUEST_WATCH, NULL);

  g_weak_ref_set (&watch->policy, policy);
  return G_TLS_INTERACTION (watch);
}

/**
 * gw_tls_policy_set_client_certificate:
 * @self: a policy
 * @certificate: (nullable): the certificate with its private key, or %NULL
 *
 * The certificate to present when the server asks for one.
 */
void
gw_tls_policy_set_client_certificate (GwTlsPolicy     *self,
                                      GTlsCertificate *certificate)
{
  g_return_if_fail (GW_IS_TLS_POLICY (self));
  g_return_if_fail (certificate == NULL || G_IS_TLS_CERTIFICATE (certificate));

  g_set_object (&self->client_certificate, certificate);
}

/**
 * gw_tls_policy_get_client_certificate:
 * @self: a policy
 *
 * Returns: (transfer none) (nullable): the client certificate, or %NULL
 */
GTlsCertificate *
gw_tls_policy_get_client_certificate (GwTlsPolicy *self)
{
  g_return_val_if_fail (GW_IS_TLS_POLICY (self), NULL);

  return self->client_certificate;
}

/**
 * gw_tls_policy_client_refusal_error:
 * @self: a policy
 * @error: how the TLS session failed: an alert of the server in the
 *   handshake or on the first read after it (with TLS 1.3 the server
 *   judges the client's certificate after the client's handshake is done),
 *   or the connection closed before that alert could be read; any other
 *   failure gives %NULL
 *
 * When the session failed where a server judges the client's certificate:
 * the error that says so, with the server's alert.
 *
 * Returns: (transfer full) (nullable): a %GW_TRANSPORT_ERROR_TEMPORARY
 *   error naming the certificate presented (or that the server asked for
 *   one and the profile has none) and the server's alert; %NULL when the
 *   profile presented none and the server asked for none. A refused
 *   certificate is a credential refused, like a 535, which the
 *   administrator fixes (here or at the server) while the queue waits.
 */
GError *
gw_tls_policy_client_refusal_error (GwTlsPolicy  *self,
                                    const GError *error)
{
  g_autofree char *presented = NULL;

  g_return_val_if_fail (GW_IS_TLS_POLICY (self), NULL);

  /* Where a server judges the client's certificate: an alert, or the
   * connection dropped before the alert could be read (TLS 1.3). */
  if (error == NULL ||
      !(error->domain == G_TLS_ERROR ||
        g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
        g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE)))
    return NULL;
  if (self->client_certificate == NULL) {
    if (!self->certificate_requested)
      return NULL;
    return g_error_new (GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                        _("%s:%u asked for a TLS client certificate, and profile “%s” has none "
                          "(tls-client-certificate); the server ended the TLS session: %s"),
                        self->host, self->port, self->profile_name, error->message);
  }
  presented = gw_tls_client_certificate_describe (self->client_certificate);
  return g_error_new (GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                      _("%s:%u ended the TLS session after profile “%s” presented its client "
                        "certificate %s; the server did not accept it: %s"),
                      self->host, self->port, self->profile_name, presented, error->message);
}
