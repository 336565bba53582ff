/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-profile-store.h: the directory of profile keyfiles */
#pragma once

#include <glib-object.h>

#include "gw-stored-profile.h"
#include "gw-secret-store.h"

G_BEGIN_DECLS

#define GW_TYPE_PROFILE_STORE (gw_profile_store_get_type ())
G_DECLARE_FINAL_TYPE (GwProfileStore, gw_profile_store, GW, PROFILE_STORE, GObject)

/*
 * Loads every "NAME.conf" in @directory (created 0700 if missing). A file
 * that fails to parse or validate is logged with a warning naming the file
 * and key and skipped, never deleted.
 */
GwProfileStore *gw_profile_store_new      (const char     *directory,
                                           GwSecretStore  *secrets,
                                           GError        **error);

/* Extra check run after the schema's own, before anything is written: the
 * daemon uses it to let the profile's transport plugin validate it. */
typedef gboolean (*GwProfileValidateFunc) (GwProfile *profile,
                                           gpointer   user_data,
                                           GError   **error);
void            gw_profile_store_set_validator (GwProfileStore       *self,
                                                GwProfileValidateFunc func,
                                                gpointer              user_data);

/* (transfer none) or NULL */
GwProfile      *gw_profile_store_lookup   (GwProfileStore *self,
                                           const char     *name);
/* (transfer container) sorted by name */
GPtrArray      *gw_profile_store_list     (GwProfileStore *self);
guint           gw_profile_store_count    (GwProfileStore *self);

/* Validates, then writes NAME.conf atomically with mode 0600.
 * Returns the new profile (transfer none: owned by the store).
 * HERALD_ERROR_PROFILE_EXISTS / HERALD_ERROR_INVALID_ARGUMENT (bad name) /
 * HERALD_ERROR_INVALID_SETTING / HERALD_ERROR_STORAGE. */
GwProfile      *gw_profile_store_add      (GwProfileStore *self,
                                           const char     *name,
                                           GVariant       *settings,
                                           GError        **error);
/* Applies on a copy, writes it, then replaces the live profile; returns the
 * new one (transfer none). Take a reference to keep a profile across updates.
 * HERALD_ERROR_NO_SUCH_PROFILE when missing. */
GwProfile      *gw_profile_store_update   (GwProfileStore *self,
                                           const char     *name,
                                           GVariant       *settings,
                                           GError        **error);
/* Removes the file and the profile's secrets. */
gboolean        gw_profile_store_remove   (GwProfileStore *self,
                                           const char     *name,
                                           GError        **error);

G_END_DECLS
