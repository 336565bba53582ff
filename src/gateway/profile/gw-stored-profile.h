/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-stored-profile.h: one named delivery target as the daemon keeps it */
#pragma once

#include <glib-object.h>

/* The daemon implements GwProfileClass, which transports never see. */
#include "gw-profile-private.h"
#include "gw-secret-store.h"

G_BEGIN_DECLS

/*
 * The daemon's GwProfile: explicit values in canonical form, defaults from
 * the schema (the profile's transport's, else the daemon's), secrets in the
 * secret store. Transports see it through the read-only GwProfile API;
 * the functions below are the daemon's and take any GwProfile it made.
 */
#define GW_TYPE_STORED_PROFILE (gw_stored_profile_get_type ())
G_DECLARE_FINAL_TYPE (GwStoredProfile, gw_stored_profile, GW, STORED_PROFILE, GwProfile)

GwProfile   *gw_stored_profile_new              (const char    *name,
                                                 GwSecretStore *secrets);

/* Loads a keyfile written by gw_stored_profile_to_keyfile() and validates
 * it. A profile whose transport is not loaded keeps the keys nobody
 * declares as they are, so it survives until its plugin is back. */
GwProfile   *gw_stored_profile_new_from_keyfile (const char    *name,
                                                 GKeyFile      *keyfile,
                                                 GwSecretStore *secrets,
                                                 GError       **error);
GKeyFile    *gw_stored_profile_to_keyfile       (GwProfile     *self);
/* A copy with the same name, explicit values and secret store (without
 * validating again); secrets are shared, being kept by profile name. */
GwProfile   *gw_stored_profile_copy             (GwProfile     *self);

/*
 * Validates every key of @settings (a{sv}) before changing anything: either
 * all keys apply or none does. A key whose value is an empty string is
 * reset to its default. Secret keys are written to the secret store.
 * Unknown keys, and transports that are not loaded, are refused with
 * HERALD_ERROR_INVALID_SETTING.
 */
gboolean     gw_stored_profile_apply            (GwProfile     *self,
                                                 GVariant      *settings,
                                                 GError       **error);

/* Whether the secret store holds @key (any secret key) for the profile. */
gboolean     gw_stored_profile_has_secret       (GwProfile     *self,
                                                 const char    *key);
/* Whether the secret store holds any secret of the profile. */
gboolean     gw_stored_profile_has_any_secret   (GwProfile     *self);

/*
 * a{sv} for GetProfile/ListProfiles: "name", the daemon's keys and the
 * profile's transport's keys with their effective values (unset ones
 * omitted), any other key set on the profile, and "KEY-set" (b) for every
 * secret key any loaded transport declares. Never a secret value. Floating.
 */
GVariant    *gw_stored_profile_to_variant       (GwProfile     *self);

G_END_DECLS
