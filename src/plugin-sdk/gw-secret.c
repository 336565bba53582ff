/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-secret.c: secrets in memory */
#define G_LOG_DOMAIN "gw-secret"

#include "config.h"

#include <string.h>

#include <gnutls/gnutls.h>

#include "gw-secret.h"

/**
 * gw_secret_free:
 * @secret: (nullable) (transfer full): a secret string
 *
 * Overwrites @secret with zeroes (in a way the compiler cannot drop) and
 * frees it. Use it for every password, token and key a transport got
 * from gw_profile_dup_secret() or made from one.
 */
void
gw_secret_free (char *secret)
{
  if (secret == NULL)
    return;
  gnutls_memset (secret, 0, strlen (secret));
  g_free (secret);
}
