/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-secret-store.c: encrypted store of profile secrets (AES-256-GCM)
 *
 * Each value is sealed on its own with a fresh random nonce and the profile
 * and key names as associated data, so a value copied to another profile or
 * key does not authenticate. Any doubt about the key or the file (owner,
 * mode, size, tag) is an error: there is never a plaintext fallback.
 */
#define G_LOG_DOMAIN "gw-secret-store"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "herald-error.h"
#include "gw-profile-schema.h"
#include "gw-secret-store.h"
#include "gw-secret-files.h"

#define NONCE_SIZE     12
#define TAG_SIZE       16
#define FORMAT_VERSION 1
#define SECRETS_NAME   "secrets"
/* Far above any real store; bounds what a damaged file makes us read. */
#define MAX_SECRETS_SIZE (8 * 1024 * 1024)

struct _GwSecretStore {
  GObject                 parent_instance;

  char                   *state_dir;
  char                   *path;   /* state_dir/secrets */
  GKeyFile               *file;   /* sealed values, as on disk */
  gnutls_aead_cipher_hd_t cipher; /* holds the key; the raw bytes are wiped */
};

G_DEFINE_TYPE (GwSecretStore, gw_secret_store, G_TYPE_OBJECT)

static gboolean
load_secrets (GwSecretStore *self, GError **error)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) local_error = NULL;
  struct stat st;
  gboolean missing;
  int fd = gw_secret_file_open (self->path, FALSE, &st, &missing, &local_error);

  if (fd < 0 && missing)
    return TRUE;
  if (fd < 0) {
    g_propagate_error (error, g_steal_pointer (&local_error));
    return FALSE;
  }
  if (st.st_size > MAX_SECRETS_SIZE) {
    close (fd);
    return gw_secret_error (error, _("%s is too large"), self->path);
  }
  data = g_malloc (st.st_size + 1);
  if (!gw_secret_file_read_all (fd, (guint8 *) data, st.st_size, self->path, error)) {
    close (fd);
    return FALSE;
  }
  close (fd);
  data[st.st_size] = '\0';
  if (!g_key_file_load_from_data (self->file, data, st.st_size, G_KEY_FILE_NONE, &local_error))
    return gw_secret_error (error, _("Cannot parse %s: %s"), self->path, local_error->message);
  return TRUE;
}

static gboolean
holds_secrets (GKeyFile *file)
{
  g_auto(GStrv) groups = g_key_file_get_groups (file, NULL);

  for (guint i = 0; groups[i] != NULL; i++) {
    g_auto(GStrv) keys = g_key_file_get_keys (file, groups[i], NULL, NULL);
    if (keys != NULL && keys[0] != NULL)
      return TRUE;
  }
  return FALSE;
}

static gboolean
load_key (GwSecretStore *self, guint8 key[GW_SECRET_KEY_SIZE], GError **error)
{
  const char *cred_dir = g_getenv ("CREDENTIALS_DIRECTORY");
  g_autofree char *path = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean missing;

  /* A credential that was promised but is absent is an error: falling back
   * to another key would silently make every stored secret unreadable. */
  if (cred_dir != NULL && *cred_dir != '\0') {
    path = g_build_filename (cred_dir, GW_SECRET_KEY_NAME, NULL);
    return gw_secret_key_read (path, TRUE, key, &missing, error);
  }

  path = g_build_filename (self->state_dir, GW_SECRET_KEY_NAME, NULL);
  if (gw_secret_key_read (path, FALSE, key, &missing, &local_error))
    return TRUE;
  if (!missing) {
    g_propagate_error (error, g_steal_pointer (&local_error));
    return FALSE;
  }
  if (holds_secrets (self->file))
    return gw_secret_error (error,
                            _("%s holds encrypted secrets but the key %s is missing; "
                              "refusing to create a new key"),
                            self->path, path);
  return gw_secret_key_create (self->state_dir, path, key, error);
}

/* A rotation (gw_secret_store_rotate_key()) writes secrets.new, then
 * herald-secret-key.new, then renames them in that order. After a crash:
 * secrets.new still there means the old pair is intact (the new key may be
 * incomplete): drop the new files. Only the new key left means the new
 * secrets are in place: put the new key beside them. */
static gboolean
finish_rotation (GwSecretStore *self, GError **error)
{
  g_autofree char *new_secrets = g_strconcat (self->path, ".new", NULL);
  g_autofree char *key = g_build_filename (self->state_dir, GW_SECRET_KEY_NAME, NULL);
  g_autofree char *new_key = g_strconcat (key, ".new", NULL);
  const char *cred_dir = g_getenv ("CREDENTIALS_DIRECTORY");

  if ((cred_dir != NULL && *cred_dir != '\0') || !g_file_test (new_key, G_FILE_TEST_EXISTS))
    return TRUE;
  if (g_file_test (new_secrets, G_FILE_TEST_EXISTS)) {
    g_message ("Rolling back an interrupted key rotation in %s", self->state_dir);
    if (g_unlink (new_secrets) != 0 || g_unlink (new_key) != 0)
      return gw_secret_error (error, _("Cannot roll back the interrupted key rotation in %s: %s"),
                              self->state_dir, g_strerror (errno));
  } else {
    g_message ("Completing an interrupted key rotation in %s", self->state_dir);
    if (g_rename (new_key, key) != 0)
      return gw_secret_error (error, _("Cannot complete the interrupted key rotation in %s: %s"),
                              self->state_dir, g_strerror (errno));
  }
  return gw_secret_file_sync_dir (self->state_dir, error);
}

GwSecretStore *
gw_secret_store_new (const char *state_dir, GError **error)
{
  g_autoptr(GwSecretStore) self = NULL;
  guint8 key[GW_SECRET_KEY_SIZE];
  gnutls_datum_t datum = { key, GW_SECRET_KEY_SIZE };
  gboolean ok;
  int rc = 0;

  g_return_val_if_fail (state_dir != NULL, NULL);

  self = g_object_new (GW_TYPE_SECRET_STORE, NULL);
  self->state_dir = g_strdup (state_dir);
  self->path = g_build_filename (state_dir, SECRETS_NAME, NULL);

  if (g_mkdir_with_parents (state_dir, 0700) != 0) {
    gw_secret_error (error, _("Cannot create %s: %s"), state_dir, g_strerror (errno));
    return NULL;
  }
  if (!finish_rotation (self, error))
    return NULL;
  if (!load_secrets (self, error))
    return NULL;

  ok = load_key (self, key, error);
  if (ok)
    rc = gnutls_aead_cipher_init (&self->cipher, GNUTLS_CIPHER_AES_256_GCM, &datum);
  gnutls_memset (key, 0, sizeof key);
  if (!ok)
    return NULL;
  if (rc < 0) {
    self->cipher = NULL;
    gw_secret_error (error, _("Cannot set up AES-256-GCM: %s"), gnutls_strerror (rc));
    return NULL;
  }
  return g_steal_pointer (&self);
}

/* profile NUL key: binds a value to where it is stored. */
static guint8 *
associated_data (const char *profile, const char *key, gsize *len)
{
  gsize plen = strlen (profile), klen = strlen (key);
  guint8 *ad = g_malloc (plen + 1 + klen);

  memcpy (ad, profile, plen);
  ad[plen] = '\0';
  memcpy (ad + plen + 1, key, klen);
  *len = plen + 1 + klen;
  return ad;
}

static char *
seal (GwSecretStore *self, const char *profile, const char *key, const char *value, GError **error)
{
  gsize plen = strlen (value), adlen;
  size_t clen = plen + TAG_SIZE;
  g_autofree guint8 *ad = associated_data (profile, key, &adlen);
  g_autofree guint8 *blob = g_malloc (1 + NONCE_SIZE + clen);
  int rc;

  blob[0] = FORMAT_VERSION;
  if (gnutls_rnd (GNUTLS_RND_NONCE, blob + 1, NONCE_SIZE) != 0) {
    gw_secret_error (error, _("Cannot encrypt the secret: no random numbers"));
    return NULL;
  }
  rc = gnutls_aead_cipher_encrypt (self->cipher, blob + 1, NONCE_SIZE, ad, adlen, TAG_SIZE,
                                   value, plen, blob + 1 + NONCE_SIZE, &clen);
  if (rc < 0) {
    gw_secret_error (error, _("Cannot encrypt the secret: %s"), gnutls_strerror (rc));
    return NULL;
  }
  return g_base64_encode (blob, 1 + NONCE_SIZE + clen);
}

static char *
unseal (GwSecretStore *self, const char *profile, const char *key, const char *encoded, GError **error)
{
  gsize len = 0, adlen;
  g_autofree guint8 *blob = g_base64_decode (encoded, &len);
  g_autofree guint8 *ad = associated_data (profile, key, &adlen);
  g_autofree guint8 *plain = NULL;
  size_t clen, plen;
  char *secret = NULL;
  int rc = -1;

  if (len >= 1 + NONCE_SIZE + TAG_SIZE && blob[0] == FORMAT_VERSION) {
    clen = len - 1 - NONCE_SIZE;
    plen = clen;
    plain = g_malloc (clen);
    rc = gnutls_aead_cipher_decrypt (self->cipher, blob + 1, NONCE_SIZE, ad, adlen, TAG_SIZE,
                                     blob + 1 + NONCE_SIZE, clen, plain, &plen);
    if (rc >= 0 && memchr (plain, '\0', plen) == NULL && g_utf8_validate ((char *) plain, plen, NULL)) {
      secret = g_malloc (plen + 1);
      memcpy (secret, plain, plen);
      secret[plen] = '\0';
    }
    gnutls_memset (plain, 0, clen);
  }
  if (secret == NULL)
    gw_secret_error (error, _("The secret “%s” of profile “%s” in %s cannot be authenticated "
                              "(the file was altered or the key is not the one it was written with)"),
                     key, profile, self->path);
  return secret;
}

static gboolean
key_name_is_valid (const char *key)
{
  if (key == NULL || *key == '\0')
    return FALSE;
  for (const char *p = key; *p != '\0'; p++) {
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '-')
      return FALSE;
  }
  return TRUE;
}

/* Writes @file in place of the store's, atomically, then adopts it, so
 * memory and disk never disagree. */
static gboolean
save (GwSecretStore *self, GKeyFile *file, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  gsize len;
  g_autofree char *data = g_key_file_to_data (file, &len, NULL);

  if (!g_file_set_contents_full (self->path, data, len,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, &local_error))
    return gw_secret_error (error, _("Cannot write %s: %s"), self->path, local_error->message);
  g_key_file_unref (self->file);
  self->file = g_key_file_ref (file);
  return gw_secret_file_sync_dir (self->state_dir, error);
}

static GKeyFile *
copy_file (GKeyFile *file)
{
  GKeyFile *copy = g_key_file_new ();
  gsize len;
  g_autofree char *data = g_key_file_to_data (file, &len, NULL);

  g_key_file_load_from_data (copy, data, len, G_KEY_FILE_NONE, NULL);
  return copy;
}

gboolean
gw_secret_store_set (GwSecretStore *self,
                     const char    *profile,
                     const char    *key,
                     const char    *value,
                     GError       **error)
{
  g_autoptr(GKeyFile) copy = NULL;

  g_return_val_if_fail (GW_IS_SECRET_STORE (self), FALSE);
  g_return_val_if_fail (gw_profile_name_is_valid (profile), FALSE);
  g_return_val_if_fail (key_name_is_valid (key), FALSE);

  copy = copy_file (self->file);
  if (value == NULL || *value == '\0') {
    g_auto(GStrv) left = NULL;

    if (!g_key_file_has_key (copy, profile, key, NULL))
      return TRUE;
    g_key_file_remove_key (copy, profile, key, NULL);
    left = g_key_file_get_keys (copy, profile, NULL, NULL);
    if (left == NULL || left[0] == NULL)
      g_key_file_remove_group (copy, profile, NULL);
  } else {
    g_autofree char *sealed = seal (self, profile, key, value, error);
    if (sealed == NULL)
      return FALSE;
    g_key_file_set_string (copy, profile, key, sealed);
  }
  return save (self, copy, error);
}

char *
gw_secret_store_lookup (GwSecretStore *self,
                        const char    *profile,
                        const char    *key,
                        GError       **error)
{
  g_autofree char *encoded = NULL;

  g_return_val_if_fail (GW_IS_SECRET_STORE (self), NULL);
  g_return_val_if_fail (profile != NULL && key != NULL, NULL);

  encoded = g_key_file_get_string (self->file, profile, key, NULL);
  if (encoded == NULL)
    return NULL;
  return unseal (self, profile, key, encoded, error);
}

gboolean
gw_secret_store_has (GwSecretStore *self,
                     const char    *profile,
                     const char    *key)
{
  g_return_val_if_fail (GW_IS_SECRET_STORE (self), FALSE);

  return g_key_file_has_key (self->file, profile, key, NULL);
}

gboolean
gw_secret_store_has_any (GwSecretStore *self,
                         const char    *profile)
{
  g_auto(GStrv) keys = NULL;

  g_return_val_if_fail (GW_IS_SECRET_STORE (self), FALSE);

  keys = g_key_file_get_keys (self->file, profile, NULL, NULL);
  return keys != NULL && keys[0] != NULL;
}

gboolean
gw_secret_store_remove_profile (GwSecretStore *self,
                                const char    *profile,
                                GError       **error)
{
  g_autoptr(GKeyFile) copy = NULL;

  g_return_val_if_fail (GW_IS_SECRET_STORE (self), FALSE);
  g_return_val_if_fail (profile != NULL, FALSE);

  if (!g_key_file_has_group (self->file, profile))
    return TRUE;
  copy = copy_file (self->file);
  g_key_file_remove_group (copy, profile, NULL);
  return save (self, copy, error);
}

/* Every value of @self sealed again with @cipher, in a new key file. */
static GKeyFile *
reseal_all (GwSecretStore          *self,
            gnutls_aead_cipher_hd_t cipher,
            guint                  *n_secrets,
            GError                **error)
{
  g_autoptr(GKeyFile) out = g_key_file_new ();
  g_auto(GStrv) groups = g_key_file_get_groups (self->file, NULL);
  gnutls_aead_cipher_hd_t old_cipher = self->cipher;
  guint n = 0;

  for (guint i = 0; groups[i] != NULL; i++) {
    g_auto(GStrv) keys = g_key_file_get_keys (self->file, groups[i], NULL, NULL);

    for (guint j = 0; keys != NULL && keys[j] != NULL; j++) {
      g_autoptr(GwSecret) value = gw_secret_store_lookup (self, groups[i], keys[j], error);
      g_autofree char *sealed = NULL;

      if (value == NULL)
        return NULL;
      self->cipher = cipher;
      sealed = seal (self, groups[i], keys[j], value, error);
      self->cipher = old_cipher;
      if (sealed == NULL)
        return NULL;
      g_key_file_set_string (out, groups[i], keys[j], sealed);
      n++;
    }
  }
  *n_secrets = n;
  return g_steal_pointer (&out);
}

gboolean
gw_secret_store_rotate_key (const char  *state_dir,
                            guint       *n_secrets,
                            GError     **error)
{
  g_autoptr(GwSecretStore) self = NULL;
  g_autoptr(GKeyFile) resealed = NULL;
  g_autofree char *data = NULL;
  g_autofree char *new_secrets = NULL;
  g_autofree char *key_path = NULL;
  g_autofree char *new_key = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *cred_dir = g_getenv ("CREDENTIALS_DIRECTORY");
  gnutls_aead_cipher_hd_t cipher = NULL;
  guint8 key[GW_SECRET_KEY_SIZE];
  gnutls_datum_t datum = { key, GW_SECRET_KEY_SIZE };
  guint n = 0;
  gsize len;
  int rc;

  if (cred_dir != NULL && *cred_dir != '\0')
    return gw_secret_error (error,
                            _("The secret key is the systemd credential %s/%s: rotate it "
                              "by decrypting the secrets with the old credential and "
                              "starting with a new one; --rotate-key rotates only a key "
                              "kept in the state directory"),
                            cred_dir, GW_SECRET_KEY_NAME);
  self = gw_secret_store_new (state_dir, error);
  if (self == NULL)
    return FALSE;

  if (gnutls_rnd (GNUTLS_RND_KEY, key, GW_SECRET_KEY_SIZE) != 0)
    return gw_secret_error (error, _("Cannot create a new key: no random numbers"));
  rc = gnutls_aead_cipher_init (&cipher, GNUTLS_CIPHER_AES_256_GCM, &datum);
  if (rc < 0) {
    gnutls_memset (key, 0, sizeof key);
    return gw_secret_error (error, _("Cannot set up AES-256-GCM: %s"), gnutls_strerror (rc));
  }
  resealed = reseal_all (self, cipher, &n, error);
  gnutls_aead_cipher_deinit (cipher);
  if (resealed == NULL) {
    gnutls_memset (key, 0, sizeof key);
    return FALSE;
  }

  new_secrets = g_strconcat (self->path, ".new", NULL);
  key_path = g_build_filename (state_dir, GW_SECRET_KEY_NAME, NULL);
  new_key = g_strconcat (key_path, ".new", NULL);
  data = g_key_file_to_data (resealed, &len, NULL);
  if (!g_file_set_contents_full (new_secrets, data, len,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, &local_error)) {
    gnutls_memset (key, 0, sizeof key);
    return gw_secret_error (error, _("Cannot write %s: %s"), new_secrets, local_error->message);
  }
  if (!gw_secret_key_write (new_key, key, error)) {
    gnutls_memset (key, 0, sizeof key);
    g_unlink (new_secrets);
    return FALSE;
  }
  gnutls_memset (key, 0, sizeof key);
  if (!gw_secret_file_sync_dir (state_dir, error))
    return FALSE;
  /* The commit point: from here on the new key goes with the secrets. */
  if (g_rename (new_secrets, self->path) != 0)
    return gw_secret_error (error, _("Cannot rename %s: %s"), new_secrets, g_strerror (errno));
  if (!gw_secret_file_sync_dir (state_dir, error))
    return FALSE;
  if (g_rename (new_key, key_path) != 0)
    return gw_secret_error (error, _("Cannot rename %s: %s"), new_key, g_strerror (errno));
  if (!gw_secret_file_sync_dir (state_dir, error))
    return FALSE;
  g_info ("Re-encrypted %u secrets with a new key", n);
  if (n_secrets != NULL)
    *n_secrets = n;
  return TRUE;
}

static void
gw_secret_store_finalize (GObject *object)
{
  GwSecretStore *self = GW_SECRET_STORE (object);

  if (self->cipher != NULL)
    gnutls_aead_cipher_deinit (self->cipher);
  g_key_file_unref (self->file);
  g_free (self->path);
  g_free (self->state_dir);

  G_OBJECT_CLASS (gw_secret_store_parent_class)->finalize (object);
}

static void
gw_secret_store_class_init (GwSecretStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = gw_secret_store_finalize;
}

static void
gw_secret_store_init (GwSecretStore *self)
{
  self->file = g_key_file_new ();
}
