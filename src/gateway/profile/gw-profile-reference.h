/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-profile-reference.h: the reference of the profile keys, from the loaded transports' specs */
#pragma once

#include "gw-setting-spec.h"

G_BEGIN_DECLS

typedef enum {
  GW_PROFILE_REFERENCE_MARKDOWN,  /* docs/profile-keys.md */
  GW_PROFILE_REFERENCE_DOCBOOK,   /* herald-profile(5), a DocBook 4.5 refentry */
} GwProfileReferenceFormat;

/* (floating) The reference entry of @spec on a profile of @transport
 * (NULL: the default transport), as GetProfileKeys gives it: key, type,
 * description, secret, redirects-secrets, unit, min, max, values, default. */
GVariant *gw_profile_reference_key    (const GwSettingSpec      *spec,
                                       const char               *transport);

/* (transfer full) The whole reference in @format: the keys every profile
 * has, then each loaded transport's own, described in the words of
 * gw-setting-describe.c. Translated with the current locale. */
char     *gw_profile_reference_render (GwProfileReferenceFormat  format);

G_END_DECLS
