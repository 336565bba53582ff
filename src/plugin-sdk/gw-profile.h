/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-profile.h: a read-only view of one profile (plugin SDK) */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define GW_TYPE_PROFILE (gw_profile_get_type ())
G_DECLARE_DERIVABLE_TYPE (GwProfile, gw_profile, GW, PROFILE, GObject)

const char  *gw_profile_get_name         (GwProfile   *self);
const char  *gw_profile_get_transport    (GwProfile   *self);

const char  *gw_profile_get_string       (GwProfile   *self,
                                          const char  *key);
gboolean     gw_profile_get_boolean      (GwProfile   *self,
                                          const char  *key);
guint64      gw_profile_get_uint         (GwProfile   *self,
                                          const char  *key);
GStrv        gw_profile_dup_strv         (GwProfile   *self,
                                          const char  *key);
GVariant    *gw_profile_dup_value        (GwProfile   *self,
                                          const char  *key);
gboolean     gw_profile_is_set           (GwProfile   *self,
                                          const char  *key);

gboolean     gw_profile_has_secret       (GwProfile   *self,
                                          const char  *key);
char        *gw_profile_dup_secret       (GwProfile   *self,
                                          const char  *key,
                                          GError     **error);
gboolean     gw_profile_store_secret     (GwProfile   *self,
                                          const char  *key,
                                          const char  *value,
                                          GError     **error);

gboolean     gw_profile_name_is_valid    (const char  *name);

G_END_DECLS
