/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-stored-profile-private.h: what the files of GwStoredProfile share */
#pragma once

#include "gw-stored-profile.h"

G_BEGIN_DECLS

#define GW_STORED_PROFILE_GROUP "profile"

struct _GwStoredProfile {
  GwProfile      parent_instance;

  char          *name;
  GHashTable    *values;   /* key → canonical GVariant, explicit values only */
  GHashTable    *opaque;   /* key → string: keys of a transport that is not loaded */
  GHashTable    *defaults; /* key → GVariant or NULL: cache for the current transport */
  GwSecretStore *secrets;  /* nullable */
  guint          resolving; /* depth of preset lookups under way */
};

#define GW_STORED_PROFILE_CAST(p) ((GwStoredProfile *) (p))

const char *gw_stored_profile_get_transport (GwProfile       *profile);
/* (transfer container) the keys set on the profile beyond the specs in
 * @shown, sorted; opaque ones too. */
GPtrArray  *gw_stored_profile_other_keys    (GwStoredProfile *self,
                                             GPtrArray       *shown);

G_END_DECLS
