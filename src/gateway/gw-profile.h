/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-profile.h: one named delivery target */
#pragma once

#include <glib-object.h>

#include "gw-secret-store.h"

G_BEGIN_DECLS

#define GW_TYPE_PROFILE (gw_profile_get_type ())
G_DECLARE_FINAL_TYPE (GwProfile, gw_profile, GW, PROFILE, GObject)

GwProfile   *gw_profile_new              (const char    *name,
                                          GwSecretStore *secrets);

/* Loads a keyfile written by gw_profile_to_keyfile() and validates it. */
GwProfile   *gw_profile_new_from_keyfile (const char    *name,
                                          GKeyFile      *keyfile,
                                          GwSecretStore *secrets,
                                          GError       **error);
GKeyFile    *gw_profile_to_keyfile       (GwProfile     *self);
/* A copy with the same name, explicit values and secret store (without
 * validating again); secrets are shared, being kept by profile name. */
GwProfile   *gw_profile_copy             (GwProfile     *self);

const char  *gw_profile_get_name         (GwProfile     *self);
const char  *gw_profile_get_transport    (GwProfile     *self);

/*
 * Validates every key of @settings (a{sv}) with gw_setting_parse() before
 * changing anything: either all keys apply or none does. A key whose value
 * is an empty string is reset to its default. Secret keys are written to the
 * secret store. Unknown keys are refused with HERALD_ERROR_INVALID_SETTING.
 */
gboolean     gw_profile_apply            (GwProfile     *self,
                                          GVariant      *settings,
                                          GError       **error);

/* Effective values (explicit or default). Unset strings return NULL. */
const char  *gw_profile_get_string       (GwProfile     *self,
                                          const char    *key);
gboolean     gw_profile_get_boolean      (GwProfile     *self,
                                          const char    *key);
guint64      gw_profile_get_uint         (GwProfile     *self,
                                          const char    *key);
/* (transfer full) NULL-terminated list, never NULL */
GStrv        gw_profile_dup_strv         (GwProfile     *self,
                                          const char    *key);
/* (transfer full) canonical value, explicit or default, or NULL */
GVariant    *gw_profile_dup_value        (GwProfile     *self,
                                          const char    *key);
gboolean     gw_profile_is_set           (GwProfile     *self,
                                          const char    *key);

/* Decrypted secret or NULL; free with gw_secret_free(). */
char        *gw_profile_dup_secret       (GwProfile     *self,
                                          const char    *key,
                                          GError       **error);
gboolean     gw_profile_has_secret       (GwProfile     *self,
                                          const char    *key);

/*
 * a{sv} for GetProfile/ListProfiles: "name", every non-secret key with its
 * effective value (unset strings omitted), and "KEY-set" (b) for every
 * secret key. Never a secret value. Returns a floating reference.
 */
GVariant    *gw_profile_to_variant       (GwProfile     *self);

G_END_DECLS
