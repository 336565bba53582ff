/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-redirect-guard.c: the credential-redirect guard's decision
 *
 * UpdateProfile that changes where, or to whom, a profile's stored
 * secrets are sent also needs org.herald.gateway.manage-trust (see
 * gw-service-authorize.c). Which keys do that is a property of each
 * key's spec, declared where the key is declared.
 */
#define G_LOG_DOMAIN "gw-service"

#include "config.h"

#include "gw-profile-schema.h"
#include "gw-redirect-guard.h"
#include "gw-stored-profile.h"

gboolean
gw_redirect_guard_applies (GwProfile *profile,
                           GVariant  *settings)
{
  GVariantIter iter;
  const char *key;

  g_return_val_if_fail (GW_IS_PROFILE (profile), FALSE);
  g_return_val_if_fail (g_variant_is_of_type (settings, G_VARIANT_TYPE_VARDICT), FALSE);

  if (!gw_stored_profile_has_any_secret (profile))
    return FALSE;
  g_variant_iter_init (&iter, settings);
  while (g_variant_iter_next (&iter, "{&sv}", &key, NULL)) {
    if (gw_setting_has_flag (key, GW_SETTING_FLAG_REDIRECTS_SECRETS))
      return TRUE;
  }
  return FALSE;
}
