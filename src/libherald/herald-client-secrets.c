/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-client-secrets.c: HeraldClient's methods for a profile's secrets
 * and for testing a profile */
#define G_LOG_DOMAIN "herald-client"

#include "config.h"

#include "herald-client-private.h"

#define TEST_RESULT_TYPE  G_VARIANT_TYPE ("(a{sv})")
#define PARSE_TEST_RESULT ((HeraldParseFunc) herald_test_result_new_from_variant)
/* A test runs as long as the gateway's connect- and conversation-timeouts
 * allow, which may well be longer than the D-Bus default of 25 s. */
#define TEST_TIMEOUT_MSEC G_MAXINT

/**
 * herald_client_set_secret:
 * @self: a #HeraldClient
 * @profile: a profile name
 * @key: a secret key: `password`, `oauth2-client-secret`,
 *   `oauth2-refresh-token`, `pop-password`, `fax-password`, `fax-api-key`,
 *   `fax-webhook-secret` or `fax-pin`
 * @value: the secret; an empty string removes it
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Stores a secret of a profile in the gateway's encrypted secret store.
 * Secrets are write-only: no method returns them. Finish with
 * herald_client_set_secret_finish().
 *
 * Since: 0.1
 */
void
herald_client_set_secret (HeraldClient        *self,
                          const char          *profile,
                          const char          *key,
                          const char          *value,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_return_if_fail (HERALD_IS_CLIENT (self));
  g_return_if_fail (profile != NULL);
  g_return_if_fail (key != NULL);
  g_return_if_fail (value != NULL);

  herald_client_call_void (self, "SetSecret", g_variant_new ("(sss)", profile, key, value),
                           herald_client_set_secret, cancellable, callback, user_data);
}

/**
 * herald_client_set_secret_finish:
 * @self: a #HeraldClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes an operation started with herald_client_set_secret().
 *
 * Returns: %TRUE if the secret was stored
 *
 * Since: 0.1
 */
gboolean
herald_client_set_secret_finish (HeraldClient  *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (HERALD_IS_CLIENT (self), FALSE);

  return herald_client_call_void_finish (self, result, herald_client_set_secret, error);
}

/**
 * herald_client_set_secret_sync:
 * @self: a #HeraldClient
 * @profile: a profile name
 * @key: a secret key such as `password`
 * @value: the secret; an empty string removes it
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Stores a secret of a profile, blocking.
 *
 * Returns: %TRUE if the secret was stored
 *
 * Since: 0.1
 */
gboolean
herald_client_set_secret_sync (HeraldClient  *self,
                               const char    *profile,
                               const char    *key,
                               const char    *value,
                               GCancellable  *cancellable,
                               GError       **error)
{
  g_return_val_if_fail (HERALD_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (profile != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  return herald_client_call_void_sync (self, "SetSecret",
                                       g_variant_new ("(sss)", profile, key, value),
                                       cancellable, error);
}

/**
 * herald_client_test_profile:
 * @self: a #HeraldClient
 * @profile: a profile name
 * @recipient: the address the test message is sent to
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Sends a real test message through @profile to @recipient now, outside
 * the queue, and reports how it went: whether it was accepted, the
 * server's own reply, the TLS protocol and cipher, the session transcript
 * with credentials masked and, when Herald refused the server's
 * certificate, that certificate. Finish with
 * herald_client_test_profile_finish().
 *
 * The call takes as long as the test does, bounded by the profile's
 * `connect-timeout` and `conversation-timeout` in the gateway rather than
 * by the usual D-Bus timeout; use @cancellable to stop waiting sooner.
 *
 * Since: 0.1
 */
void
herald_client_test_profile (HeraldClient        *self,
                            const char          *profile,
                            const char          *recipient,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (HERALD_IS_CLIENT (self));
  g_return_if_fail (profile != NULL);
  g_return_if_fail (recipient != NULL);

  herald_client_call_with_timeout (self, "TestProfile",
                                   g_variant_new ("(ss)", profile, recipient),
                                   TEST_RESULT_TYPE, NULL, TEST_TIMEOUT_MSEC,
                                   herald_client_task_new (self, herald_client_test_profile,
                                                           cancellable, callback, user_data));
}

/**
 * herald_client_test_profile_finish:
 * @self: a #HeraldClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Gets the outcome of a test. A test that ran and failed is a
 * #HeraldTestResult whose herald_test_result_get_ok() is %FALSE; an error
 * means the test could not run.
 *
 * Returns: (transfer full): the test result, or %NULL with
 *   %HERALD_ERROR_NO_SUCH_PROFILE, %HERALD_ERROR_TRANSPORT_UNAVAILABLE,
 *   %HERALD_ERROR_INVALID_ARGUMENT (a bad recipient) or another error
 *
 * Since: 0.1
 */
HeraldTestResult *
herald_client_test_profile_finish (HeraldClient  *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);

  reply = herald_client_call_finish (self, result, herald_client_test_profile, error);
  if (reply == NULL)
    return NULL;
  return herald_client_parse_object (reply, PARSE_TEST_RESULT, error);
}

/**
 * herald_client_test_profile_sync:
 * @self: a #HeraldClient
 * @profile: a profile name
 * @recipient: the address the test message is sent to
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Sends a test message through @profile to @recipient and reports how it
 * went, blocking; see herald_client_test_profile().
 *
 * Returns: (transfer full): the test result, or %NULL with
 *   %HERALD_ERROR_NO_SUCH_PROFILE or another error when the test could
 *   not run
 *
 * Since: 0.1
 */
HeraldTestResult *
herald_client_test_profile_sync (HeraldClient  *self,
                                 const char    *profile,
                                 const char    *recipient,
                                 GCancellable  *cancellable,
                                 GError       **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);
  g_return_val_if_fail (profile != NULL, NULL);
  g_return_val_if_fail (recipient != NULL, NULL);

  reply = herald_client_call_with_timeout_sync (self, "TestProfile",
                                                g_variant_new ("(ss)", profile, recipient),
                                                TEST_RESULT_TYPE, NULL, TEST_TIMEOUT_MSEC,
                                                cancellable, error);
  if (reply == NULL)
    return NULL;
  return herald_client_parse_object (reply, PARSE_TEST_RESULT, error);
}
