/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-client-sign-in.c: HeraldClient's OAuth 2.0 sign-in of a profile */
#define G_LOG_DOMAIN "herald-client"

#include "config.h"

#include "herald-client-private.h"

#define SIGN_IN_RESULT_TYPE G_VARIANT_TYPE ("(a{sv})")

static GVariant *
sign_in_parameters (const char       *profile,
                    HeraldSignInFlow  flow)
{
  g_auto(GVariantDict) options = G_VARIANT_DICT_INIT (NULL);

  g_variant_dict_insert (&options, "flow", "s", flow == HERALD_SIGN_IN_FLOW_BROWSER ? "browser" : "device");
  return g_variant_new ("(s@a{sv})", profile, g_variant_dict_end (&options));
}

/**
 * herald_client_sign_in:
 * @self: a #HeraldClient
 * @profile: a profile that uses OAuth 2.0
 * @flow: how the person signs in
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the sign-in has ended
 * @user_data: data for @callback
 *
 * Signs @profile in to its OAuth 2.0 provider: the gateway runs the flow
 * and stores the refresh token as the profile's secret; it never reaches
 * the client. What the person has to do arrives meanwhile as
 * #HeraldClient::sign-in-progress: for %HERALD_SIGN_IN_FLOW_DEVICE a
 * verification URI and a user code, for %HERALD_SIGN_IN_FLOW_BROWSER an
 * authorisation URL to open in a browser on the gateway's machine. The
 * call takes as long as the person does (about 15 minutes at most), so it
 * has no D-Bus timeout. Deliveries that waited for the sign-in go out
 * once it succeeds. Finish with herald_client_sign_in_finish().
 *
 * The signals are dispatched in the thread-default main context of the
 * thread that created @self: run its main loop while the sign-in runs.
 * Cancelling @cancellable stops waiting; the gateway ends the sign-in
 * when the client leaves the bus, or with the D-Bus method CancelSignIn.
 *
 * Since: 0.1
 */
void
herald_client_sign_in (HeraldClient        *self,
                       const char          *profile,
                       HeraldSignInFlow     flow,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_return_if_fail (HERALD_IS_CLIENT (self));
  g_return_if_fail (profile != NULL);

  herald_client_call_with_timeout (self, "SignIn", sign_in_parameters (profile, flow),
                                   SIGN_IN_RESULT_TYPE, NULL, G_MAXINT,
                                   herald_client_task_new (self, herald_client_sign_in,
                                                           cancellable, callback, user_data));
}

/**
 * herald_client_sign_in_finish:
 * @self: a #HeraldClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes a sign-in started with herald_client_sign_in().
 *
 * Returns: %TRUE when the profile is signed in; %FALSE with
 *   %HERALD_ERROR_SIGN_IN_FAILED (declined, expired, refused by the
 *   provider), %HERALD_ERROR_NO_SUCH_PROFILE, %HERALD_ERROR_INVALID_STATE
 *   (a sign-in of the profile is already running) or another error
 *
 * Since: 0.1
 */
gboolean
herald_client_sign_in_finish (HeraldClient  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), FALSE);

  reply = herald_client_call_finish (self, result, herald_client_sign_in, error);
  return reply != NULL;
}

/**
 * herald_client_sign_in_sync:
 * @self: a #HeraldClient
 * @profile: a profile that uses OAuth 2.0
 * @flow: how the person signs in
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Signs @profile in, blocking; see herald_client_sign_in(). While it
 * blocks, #HeraldClient::sign-in-progress is not dispatched in this
 * thread's main context: a caller that must show the user code uses
 * herald_client_sign_in() (or creates @self in another thread).
 *
 * Returns: %TRUE when the profile is signed in
 *
 * Since: 0.1
 */
gboolean
herald_client_sign_in_sync (HeraldClient      *self,
                            const char        *profile,
                            HeraldSignInFlow   flow,
                            GCancellable      *cancellable,
                            GError           **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (profile != NULL, FALSE);

  reply = herald_client_call_with_timeout_sync (self, "SignIn", sign_in_parameters (profile, flow),
                                                SIGN_IN_RESULT_TYPE, NULL, G_MAXINT, cancellable, error);
  return reply != NULL;
}

/**
 * herald_client_cancel_sign_in:
 * @self: a #HeraldClient
 * @profile: a profile whose sign-in runs
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the gateway has ended the sign-in
 * @user_data: data for @callback
 *
 * Ends the running sign-in of @profile at the gateway, whoever started
 * it; its herald_client_sign_in() fails. Cancelling the #GCancellable of
 * herald_client_sign_in() only stops waiting for it. Finish with
 * herald_client_cancel_sign_in_finish().
 *
 * Since: 0.1
 */
void
herald_client_cancel_sign_in (HeraldClient        *self,
                              const char          *profile,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (HERALD_IS_CLIENT (self));
  g_return_if_fail (profile != NULL);

  herald_client_call_void (self, "CancelSignIn", g_variant_new ("(s)", profile),
                           herald_client_cancel_sign_in, cancellable, callback, user_data);
}

/**
 * herald_client_cancel_sign_in_finish:
 * @self: a #HeraldClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes herald_client_cancel_sign_in().
 *
 * Returns: %TRUE when the sign-in was ended; %FALSE with
 *   %HERALD_ERROR_INVALID_STATE when none ran, %HERALD_ERROR_NO_SUCH_PROFILE
 *   or another error
 *
 * Since: 0.1
 */
gboolean
herald_client_cancel_sign_in_finish (HeraldClient  *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (HERALD_IS_CLIENT (self), FALSE);

  return herald_client_call_void_finish (self, result, herald_client_cancel_sign_in, error);
}

/**
 * herald_client_cancel_sign_in_sync:
 * @self: a #HeraldClient
 * @profile: a profile whose sign-in runs
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Ends the running sign-in of @profile, blocking; see
 * herald_client_cancel_sign_in().
 *
 * Returns: %TRUE when the sign-in was ended
 *
 * Since: 0.1
 */
gboolean
herald_client_cancel_sign_in_sync (HeraldClient  *self,
                                   const char    *profile,
                                   GCancellable  *cancellable,
                                   GError       **error)
{
  g_return_val_if_fail (HERALD_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (profile != NULL, FALSE);

  return herald_client_call_void_sync (self, "CancelSignIn", g_variant_new ("(s)", profile),
                                       cancellable, error);
}
