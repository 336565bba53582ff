/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-secret-store.h: encrypted store of profile secrets (AES-256-GCM) */
#pragma once

#include <glib-object.h>

#include "gw-secret.h"

G_BEGIN_DECLS

#define GW_TYPE_SECRET_STORE (gw_secret_store_get_type ())
G_DECLARE_FINAL_TYPE (GwSecretStore, gw_secret_store, GW, SECRET_STORE, GObject)

/* Name of the key file inside $CREDENTIALS_DIRECTORY or the state directory. */
#define GW_SECRET_KEY_NAME "herald-secret-key"

/*
 * Opens the store kept in @state_dir ("secrets" file). The 32-byte key comes
 * from $CREDENTIALS_DIRECTORY/herald-secret-key when that variable is set,
 * else from @state_dir/herald-secret-key, created (0600, random) when
 * missing. A key or secrets file that is group/other accessible or owned by
 * another user is refused with HERALD_ERROR_SECRET_STORE.
 */
GwSecretStore *gw_secret_store_new     (const char     *state_dir,
                                        GError        **error);

/* Encrypts and stores @value (NULL or "" removes it). Written atomically, 0600. */
gboolean       gw_secret_store_set     (GwSecretStore  *self,
                                        const char     *profile,
                                        const char     *key,
                                        const char     *value,
                                        GError        **error);

/* Decrypts a secret. Returns NULL with no error set when it is not stored;
 * NULL with HERALD_ERROR_SECRET_STORE when it cannot be authenticated.
 * Free with gw_secret_free(). */
char          *gw_secret_store_lookup  (GwSecretStore  *self,
                                        const char     *profile,
                                        const char     *key,
                                        GError        **error);

gboolean       gw_secret_store_has     (GwSecretStore  *self,
                                        const char     *profile,
                                        const char     *key);

/* Whether any secret of @profile is stored, under any key. */
gboolean       gw_secret_store_has_any (GwSecretStore  *self,
                                        const char     *profile);
/* Removes every secret of @profile. */
gboolean       gw_secret_store_remove_profile (GwSecretStore *self,
                                               const char    *profile,
                                               GError       **error);

/*
 * heraldd --rotate-key: re-encrypts every secret in @state_dir under a new
 * random key, written to @state_dir/herald-secret-key. Atomic: the new
 * secrets file and key are written beside the old ones (secrets.new, then
 * herald-secret-key.new) and renamed into place; a rotation interrupted by
 * a crash is rolled back or completed the next time the store is opened.
 * Refused with HERALD_ERROR_SECRET_STORE when the key comes from
 * $CREDENTIALS_DIRECTORY (a credential is replaced where it is kept).
 * @n_secrets (optional): how many values were re-encrypted.
 */
gboolean       gw_secret_store_rotate_key (const char  *state_dir,
                                           guint       *n_secrets,
                                           GError     **error);

G_END_DECLS
