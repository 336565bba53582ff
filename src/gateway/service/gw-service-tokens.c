/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-service-tokens.c: AddToken, ListTokens and RemoveToken of the D-Bus
 * service: the bearer tokens of the HTTP API (gw-api-tokens.c) */
#define G_LOG_DOMAIN "gw-service"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "gw-service-private.h"

gboolean
gw_service_handle_add_token (GwDBusGateway1        *object,
                             GDBusMethodInvocation *invocation,
                             const char            *name,
                             GVariant              *scope)
{
  GwService *self = GW_SERVICE (object);
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  g_autofree const char **profiles = NULL;

  gw_service_touch (self);
  /* A profile that does not exist is a mistake now, not a 403 later. */
  if (g_variant_lookup (scope, "profiles", "^a&s", &profiles)) {
    for (guint i = 0; profiles[i] != NULL; i++) {
      if (gw_service_lookup_profile (self, invocation, profiles[i]) == NULL)
        return TRUE;
    }
  }
  token = gw_api_tokens_add (self->tokens, name, scope, &error);
  if (token == NULL)
    return gw_service_return_error (invocation, error);
  gw_dbus_gateway1_complete_add_token (object, invocation, token);
  /* The reply has been serialised: the string is not needed any more. */
  memset (token, 0, strlen (token));
  return TRUE;
}

gboolean
gw_service_handle_list_tokens (GwDBusGateway1        *object,
                               GDBusMethodInvocation *invocation)
{
  GwService *self = GW_SERVICE (object);

  gw_service_touch (self);
  gw_dbus_gateway1_complete_list_tokens (object, invocation, gw_api_tokens_list (self->tokens));
  return TRUE;
}

gboolean
gw_service_handle_remove_token (GwDBusGateway1        *object,
                                GDBusMethodInvocation *invocation,
                                const char            *name)
{
  GwService *self = GW_SERVICE (object);
  g_autoptr(GError) error = NULL;

  gw_service_touch (self);
  if (!gw_api_tokens_remove (self->tokens, name, &error))
    return gw_service_return_error (invocation, error);
  gw_dbus_gateway1_complete_remove_token (object, invocation);
  return TRUE;
}
