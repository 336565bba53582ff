/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-client-trust.c: HeraldClient's trust manager methods
 *
 * The certificates the gateway refused, and the ones it was told to trust
 * (by pinning their public key in the profile), as HeraldCertificate
 * objects.
 */
#define G_LOG_DOMAIN "herald-client"

#include "config.h"

#include "herald-certificate.h"
#include "herald-client-private.h"
#include "herald-client-trust.h"

#define CERTIFICATE_LIST_TYPE G_VARIANT_TYPE ("(aa{sv})")
#define PARSE_CERTIFICATE     ((HeraldParseFunc) herald_certificate_new_from_variant)

/**
 * herald_client_list_untrusted_certificates:
 * @self: a #HeraldClient
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Lists the server certificates the gateway refused (during a delivery or
 * a test) and that are not trusted since, with what a person needs to
 * decide: the profile, host and port, subject, issuer, validity, SHA-256
 * fingerprint, public key pin, the reasons for the refusal and when it was
 * first and last seen. Finish with
 * herald_client_list_untrusted_certificates_finish().
 *
 * On the system bus this needs the polkit action
 * `org.herald.gateway.read-log`.
 *
 * Since: 0.1
 */
void
herald_client_list_untrusted_certificates (HeraldClient        *self,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  g_return_if_fail (HERALD_IS_CLIENT (self));

  herald_client_call (self, "ListUntrustedCertificates", NULL, CERTIFICATE_LIST_TYPE, NULL,
                      herald_client_task_new (self, herald_client_list_untrusted_certificates,
                                              cancellable, callback, user_data));
}

/**
 * herald_client_list_untrusted_certificates_finish:
 * @self: a #HeraldClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes herald_client_list_untrusted_certificates().
 *
 * Returns: (transfer container) (element-type HeraldCertificate): the
 *   untrusted certificates, or %NULL on error
 *
 * Since: 0.1
 */
GPtrArray *
herald_client_list_untrusted_certificates_finish (HeraldClient  *self,
                                                  GAsyncResult  *result,
                                                  GError       **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);

  reply = herald_client_call_finish (self, result, herald_client_list_untrusted_certificates, error);
  if (reply == NULL)
    return NULL;
  return herald_client_parse_list (reply, PARSE_CERTIFICATE, error);
}

/**
 * herald_client_list_untrusted_certificates_sync:
 * @self: a #HeraldClient
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Lists the refused certificates, blocking; see
 * herald_client_list_untrusted_certificates().
 *
 * Returns: (transfer container) (element-type HeraldCertificate): the
 *   untrusted certificates, or %NULL on error
 *
 * Since: 0.1
 */
GPtrArray *
herald_client_list_untrusted_certificates_sync (HeraldClient  *self,
                                                GCancellable  *cancellable,
                                                GError       **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);

  reply = herald_client_call_sync (self, "ListUntrustedCertificates", NULL, CERTIFICATE_LIST_TYPE,
                                   NULL, cancellable, error);
  if (reply == NULL)
    return NULL;
  return herald_client_parse_list (reply, PARSE_CERTIFICATE, error);
}

/**
 * herald_client_list_trusted_certificates:
 * @self: a #HeraldClient
 * @profile: a profile name, or "" for every profile
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Lists the public keys a profile trusts (its `pinned-keys`): one
 * certificate per key, with the details of the certificate for a key
 * trusted with herald_client_trust_certificate(), or only the pin for a
 * key pinned by hand. Finish with
 * herald_client_list_trusted_certificates_finish().
 *
 * Since: 0.1
 */
void
herald_client_list_trusted_certificates (HeraldClient        *self,
                                         const char          *profile,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_return_if_fail (HERALD_IS_CLIENT (self));
  g_return_if_fail (profile != NULL);

  herald_client_call (self, "ListTrustedCertificates", g_variant_new ("(s)", profile),
                      CERTIFICATE_LIST_TYPE, NULL,
                      herald_client_task_new (self, herald_client_list_trusted_certificates,
                                              cancellable, callback, user_data));
}

/**
 * herald_client_list_trusted_certificates_finish:
 * @self: a #HeraldClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes herald_client_list_trusted_certificates().
 *
 * Returns: (transfer container) (element-type HeraldCertificate): the
 *   trusted certificates, or %NULL with %HERALD_ERROR_NO_SUCH_PROFILE or
 *   another error
 *
 * Since: 0.1
 */
GPtrArray *
herald_client_list_trusted_certificates_finish (HeraldClient  *self,
                                                GAsyncResult  *result,
                                                GError       **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);

  reply = herald_client_call_finish (self, result, herald_client_list_trusted_certificates, error);
  if (reply == NULL)
    return NULL;
  return herald_client_parse_list (reply, PARSE_CERTIFICATE, error);
}

/**
 * herald_client_list_trusted_certificates_sync:
 * @self: a #HeraldClient
 * @profile: a profile name, or "" for every profile
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Lists the trusted keys, blocking; see
 * herald_client_list_trusted_certificates().
 *
 * Returns: (transfer container) (element-type HeraldCertificate): the
 *   trusted certificates, or %NULL on error
 *
 * Since: 0.1
 */
GPtrArray *
herald_client_list_trusted_certificates_sync (HeraldClient  *self,
                                              const char    *profile,
                                              GCancellable  *cancellable,
                                              GError       **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);
  g_return_val_if_fail (profile != NULL, NULL);

  reply = herald_client_call_sync (self, "ListTrustedCertificates", g_variant_new ("(s)", profile),
                                   CERTIFICATE_LIST_TYPE, NULL, cancellable, error);
  if (reply == NULL)
    return NULL;
  return herald_client_parse_list (reply, PARSE_CERTIFICATE, error);
}

/**
 * herald_client_trust_certificate:
 * @self: a #HeraldClient
 * @profile: a profile name
 * @fingerprint: the SHA-256 fingerprint of one of the profile's untrusted
 *   certificates (64 hexadecimal digits, ":" separators allowed)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Trusts a refused certificate: its public key pin is added to the
 * profile's `pinned-keys` (from then on the profile accepts only pinned
 * keys) and the profile's deferred deliveries are made due now. Finish
 * with herald_client_trust_certificate_finish().
 *
 * On the system bus this needs `org.herald.gateway.manage-trust`.
 *
 * Since: 0.1
 */
void
herald_client_trust_certificate (HeraldClient        *self,
                                 const char          *profile,
                                 const char          *fingerprint,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (HERALD_IS_CLIENT (self));
  g_return_if_fail (profile != NULL);
  g_return_if_fail (fingerprint != NULL);

  herald_client_call_void (self, "TrustCertificate", g_variant_new ("(ss)", profile, fingerprint),
                           herald_client_trust_certificate, cancellable, callback, user_data);
}

/**
 * herald_client_trust_certificate_finish:
 * @self: a #HeraldClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes herald_client_trust_certificate().
 *
 * Returns: %TRUE if the certificate is trusted; %FALSE with
 *   %HERALD_ERROR_NO_SUCH_PROFILE, %HERALD_ERROR_INVALID_ARGUMENT (no such
 *   untrusted certificate), %HERALD_ERROR_NOT_AUTHORIZED or another error
 *
 * Since: 0.1
 */
gboolean
herald_client_trust_certificate_finish (HeraldClient  *self,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  g_return_val_if_fail (HERALD_IS_CLIENT (self), FALSE);

  return herald_client_call_void_finish (self, result, herald_client_trust_certificate, error);
}

/**
 * herald_client_trust_certificate_sync:
 * @self: a #HeraldClient
 * @profile: a profile name
 * @fingerprint: the SHA-256 fingerprint of an untrusted certificate
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Trusts a refused certificate, blocking; see
 * herald_client_trust_certificate().
 *
 * Returns: %TRUE if the certificate is trusted
 *
 * Since: 0.1
 */
gboolean
herald_client_trust_certificate_sync (HeraldClient  *self,
                                      const char    *profile,
                                      const char    *fingerprint,
                                      GCancellable  *cancellable,
                                      GError       **error)
{
  g_return_val_if_fail (HERALD_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (profile != NULL, FALSE);
  g_return_val_if_fail (fingerprint != NULL, FALSE);

  return herald_client_call_void_sync (self, "TrustCertificate",
                                       g_variant_new ("(ss)", profile, fingerprint),
                                       cancellable, error);
}

/**
 * herald_client_untrust_certificate:
 * @self: a #HeraldClient
 * @profile: a profile name
 * @fingerprint: the SHA-256 fingerprint of a certificate trusted with
 *   herald_client_trust_certificate(), or a pin of the profile's
 *   `pinned-keys`
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Removes the key from the profile's `pinned-keys`. Finish with
 * herald_client_untrust_certificate_finish().
 *
 * Since: 0.1
 */
void
herald_client_untrust_certificate (HeraldClient        *self,
                                   const char          *profile,
                                   const char          *fingerprint,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (HERALD_IS_CLIENT (self));
  g_return_if_fail (profile != NULL);
  g_return_if_fail (fingerprint != NULL);

  herald_client_call_void (self, "UntrustCertificate", g_variant_new ("(ss)", profile, fingerprint),
                           herald_client_untrust_certificate, cancellable, callback, user_data);
}

/**
 * herald_client_untrust_certificate_finish:
 * @self: a #HeraldClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes herald_client_untrust_certificate().
 *
 * Returns: %TRUE if the key is no longer trusted; %FALSE with
 *   %HERALD_ERROR_INVALID_ARGUMENT when the profile trusts no such key, or
 *   another error
 *
 * Since: 0.1
 */
gboolean
herald_client_untrust_certificate_finish (HeraldClient  *self,
                                          GAsyncResult  *result,
                                          GError       **error)
{
  g_return_val_if_fail (HERALD_IS_CLIENT (self), FALSE);

  return herald_client_call_void_finish (self, result, herald_client_untrust_certificate, error);
}

/**
 * herald_client_untrust_certificate_sync:
 * @self: a #HeraldClient
 * @profile: a profile name
 * @fingerprint: a fingerprint or pin, as for
 *   herald_client_untrust_certificate()
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Removes a trusted key, blocking.
 *
 * Returns: %TRUE if the key is no longer trusted
 *
 * Since: 0.1
 */
gboolean
herald_client_untrust_certificate_sync (HeraldClient  *self,
                                        const char    *profile,
                                        const char    *fingerprint,
                                        GCancellable  *cancellable,
                                        GError       **error)
{
  g_return_val_if_fail (HERALD_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (profile != NULL, FALSE);
  g_return_val_if_fail (fingerprint != NULL, FALSE);

  return herald_client_call_void_sync (self, "UntrustCertificate",
                                       g_variant_new ("(ss)", profile, fingerprint),
                                       cancellable, error);
}
