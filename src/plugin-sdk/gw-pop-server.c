/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-pop-server.c: where a profile's POP3 server is, and what may be sent to it */
#define G_LOG_DOMAIN "gw-pop-login"

#include "config.h"

#include <string.h>

#include "gw-pop-login.h"
#include "gw-pop-login-private.h"
#include "gw-tls-policy.h"

const char *
gw_pop_server_locate (GwProfile   *profile,
                      const char **security,
                      guint16     *port)
{
  const char *host = gw_profile_get_string (profile, "pop-host");

  *security = gw_profile_get_string (profile, "pop-security") ?: "stls";
  if (gw_profile_is_set (profile, "pop-port"))
    *port = (guint16) gw_profile_get_uint (profile, "pop-port");
  else
    *port = g_str_equal (*security, "tls") ? 995 : 110;
  return host != NULL ? host : gw_profile_get_string (profile, "host");
}

/**
 * gw_pop_login_dup_endpoint:
 * @profile: a profile
 *
 * Returns: (transfer full) (nullable): "host:port" of @profile's POP3 server
 *   (gw_tls_endpoint_name()), or %NULL when it does no POP-before-SMTP
 */
char *
gw_pop_login_dup_endpoint (GwProfile *profile)
{
  const char *security, *host;
  guint16 port;

  g_return_val_if_fail (GW_IS_PROFILE (profile), NULL);

  host = gw_pop_server_locate (profile, &security, &port);
  if (!gw_profile_get_boolean (profile, "pop-before-smtp") || host == NULL)
    return NULL;
  return gw_tls_endpoint_name (host, port);
}

gboolean
gw_pop_argument_is_safe (const char *value)
{
  for (const char *p = value; *p != '\0'; p++) {
    if ((guchar) *p < 0x20 || *p == 0x7f)
      return FALSE;
  }
  return *value != '\0' && strlen (value) <= GW_POP_MAX_COMMAND - 7;  /* "PASS " + CRLF */
}
