/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-client-tokens.c: HeraldClient's methods for HTTP API tokens
 *
 * The bearer tokens of the gateway's HTTP API: AddToken (the token string
 * comes back once), ListTokens (never the string) and RemoveToken.
 */
#define G_LOG_DOMAIN "herald-client"

#include "config.h"

#include "herald-client-private.h"
#include "herald-client-tokens.h"

#define ADD_TOKEN_TYPE   G_VARIANT_TYPE ("(s)")
#define TOKEN_LIST_TYPE  G_VARIANT_TYPE ("(aa{sv})")
#define PARSE_TOKEN      ((HeraldParseFunc) herald_token_new_from_variant)

static GVariant *
add_parameters (HeraldToken *token)
{
  g_autoptr(GVariant) scope = herald_token_to_variant (token);

  return g_variant_new ("(s@a{sv})", herald_token_get_name (token), scope);
}

static char *
parse_token (GVariant *reply)
{
  char *token = NULL;

  g_variant_get (reply, "(s)", &token);
  return token;
}

/**
 * herald_client_add_token:
 * @self: a #HeraldClient
 * @token: the new token's name and scope, made with herald_token_new()
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Creates a bearer token for the gateway's HTTP API with the name and
 * scope of @token. Finish with herald_client_add_token_finish().
 *
 * On the system bus this needs the polkit action
 * `org.herald.gateway.manage-profiles`.
 */
void
herald_client_add_token (HeraldClient        *self,
                         HeraldToken         *token,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (HERALD_IS_CLIENT (self));
  g_return_if_fail (HERALD_IS_TOKEN (token));

  herald_client_call (self, "AddToken", add_parameters (token), ADD_TOKEN_TYPE, NULL,
                      herald_client_task_new (self, herald_client_add_token,
                                              cancellable, callback, user_data));
}

/**
 * herald_client_add_token_finish:
 * @self: a #HeraldClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes herald_client_add_token().
 *
 * Returns: (transfer full): the bearer token (`hrld_` and 43 more
 *   characters), which the gateway does not keep and never shows again;
 *   or %NULL with %HERALD_ERROR_TOKEN_EXISTS,
 *   %HERALD_ERROR_INVALID_ARGUMENT, %HERALD_ERROR_NO_SUCH_PROFILE or
 *   another error
 */
char *
herald_client_add_token_finish (HeraldClient  *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);

  reply = herald_client_call_finish (self, result, herald_client_add_token, error);
  if (reply == NULL)
    return NULL;
  return parse_token (reply);
}

/**
 * herald_client_add_token_sync:
 * @self: a #HeraldClient
 * @token: the new token's name and scope
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Creates a bearer token, blocking; see herald_client_add_token().
 *
 * Returns: (transfer full): the bearer token, or %NULL on error
 */
char *
herald_client_add_token_sync (HeraldClient  *self,
                              HeraldToken   *token,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);
  g_return_val_if_fail (HERALD_IS_TOKEN (token), NULL);

  reply = herald_client_call_sync (self, "AddToken", add_parameters (token), ADD_TOKEN_TYPE, NULL,
                                   cancellable, error);
  if (reply == NULL)
    return NULL;
  return parse_token (reply);
}

/**
 * herald_client_list_tokens:
 * @self: a #HeraldClient
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Lists the HTTP API's tokens with their scopes, when each was made and
 * last used (never the token strings). Finish with
 * herald_client_list_tokens_finish().
 *
 * On the system bus this needs the polkit action
 * `org.herald.gateway.manage-profiles`.
 */
void
herald_client_list_tokens (HeraldClient        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (HERALD_IS_CLIENT (self));

  herald_client_call (self, "ListTokens", NULL, TOKEN_LIST_TYPE, NULL,
                      herald_client_task_new (self, herald_client_list_tokens,
                                              cancellable, callback, user_data));
}

/**
 * herald_client_list_tokens_finish:
 * @self: a #HeraldClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes herald_client_list_tokens().
 *
 * Returns: (transfer container) (element-type HeraldToken): the tokens,
 *   sorted by name, or %NULL on error
 */
GPtrArray *
herald_client_list_tokens_finish (HeraldClient  *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);

  reply = herald_client_call_finish (self, result, herald_client_list_tokens, error);
  if (reply == NULL)
    return NULL;
  return herald_client_parse_list (reply, PARSE_TOKEN, error);
}

/**
 * herald_client_list_tokens_sync:
 * @self: a #HeraldClient
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Lists the HTTP API's tokens, blocking; see herald_client_list_tokens().
 *
 * Returns: (transfer container) (element-type HeraldToken): the tokens,
 *   or %NULL on error
 */
GPtrArray *
herald_client_list_tokens_sync (HeraldClient  *self,
                                GCancellable  *cancellable,
                                GError       **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);

  reply = herald_client_call_sync (self, "ListTokens", NULL, TOKEN_LIST_TYPE, NULL,
                                   cancellable, error);
  if (reply == NULL)
    return NULL;
  return herald_client_parse_list (reply, PARSE_TOKEN, error);
}

/**
 * herald_client_remove_token:
 * @self: a #HeraldClient
 * @name: a token's name
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Removes a token of the HTTP API; requests with it are refused from then
 * on. Finish with herald_client_remove_token_finish().
 *
 * On the system bus this needs the polkit action
 * `org.herald.gateway.manage-profiles`.
 */
void
herald_client_remove_token (HeraldClient        *self,
                            const char          *name,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (HERALD_IS_CLIENT (self));
  g_return_if_fail (name != NULL);

  herald_client_call_void (self, "RemoveToken", g_variant_new ("(s)", name),
                           herald_client_remove_token, cancellable, callback, user_data);
}

/**
 * herald_client_remove_token_finish:
 * @self: a #HeraldClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes herald_client_remove_token().
 *
 * Returns: %TRUE if the token was removed; %FALSE with
 *   %HERALD_ERROR_NO_SUCH_TOKEN or another error
 */
gboolean
herald_client_remove_token_finish (HeraldClient  *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (HERALD_IS_CLIENT (self), FALSE);

  return herald_client_call_void_finish (self, result, herald_client_remove_token, error);
}

/**
 * herald_client_remove_token_sync:
 * @self: a #HeraldClient
 * @name: a token's name
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Removes a token, blocking; see herald_client_remove_token().
 *
 * Returns: %TRUE if the token was removed
 */
gboolean
herald_client_remove_token_sync (HeraldClient  *self,
                                 const char    *name,
                                 GCancellable  *cancellable,
                                 GError       **error)
{
  g_return_val_if_fail (HERALD_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  return herald_client_call_void_sync (self, "RemoveToken", g_variant_new ("(s)", name),
                                       cancellable, error);
}
