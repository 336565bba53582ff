/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-secret-store.c: the encrypted secret store, and every way it must refuse */
#define G_LOG_DOMAIN "test-secret-store"

#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "herald-error.h"
#include "gw-secret-store.h"
#include "herald-test-util.h"

#define PLAINTEXT "hunter2-plaintext"

typedef struct {
  char *tmpdir;
  char *state;       /* tmpdir/state */
  char *key_path;    /* state/herald-secret-key */
  char *secrets_path;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_unsetenv ("CREDENTIALS_DIRECTORY");
  f->tmpdir = herald_test_make_tmpdir ("herald-secrets-XXXXXX");
  f->state = g_build_filename (f->tmpdir, "state", NULL);
  f->key_path = g_build_filename (f->state, GW_SECRET_KEY_NAME, NULL);
  f->secrets_path = g_build_filename (f->state, "secrets", NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_unsetenv ("CREDENTIALS_DIRECTORY");
  herald_test_rm_rf (f->tmpdir);
  g_free (f->secrets_path);
  g_free (f->key_path);
  g_free (f->state);
  g_free (f->tmpdir);
}

static GwSecretStore *
open_store (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  GwSecretStore *store = gw_secret_store_new (f->state, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

static void
set_secret (GwSecretStore *store, const char *profile, const char *key, const char *value)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (gw_secret_store_set (store, profile, key, value, &error));
  g_assert_no_error (error);
}

static void
assert_store_error (const GError *error, const char *fragment)
{
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_SECRET_STORE);
  if (fragment != NULL && strstr (error->message, fragment) == NULL)
    g_test_fail_printf ("“%s” not in error: %s", fragment, error->message);
}

/* Opening @f's store must fail, naming @fragment (a path or a problem). */
static void
assert_open_fails (Fixture *f, const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwSecretStore) store = gw_secret_store_new (f->state, &error);

  g_assert_null (store);
  assert_store_error (error, fragment);
}

/* Lookup must succeed with @expected; %NULL for no such secret. */
static void
assert_lookup (GwSecretStore *store, const char *profile, const char *key, const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwSecret) value = gw_secret_store_lookup (store, profile, key, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, expected);
}

/* Lookup must fail authentication and return no plaintext. */
static void
assert_lookup_fails (GwSecretStore *store, const char *profile, const char *key)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwSecret) value = gw_secret_store_lookup (store, profile, key, &error);

  g_assert_null (value);
  assert_store_error (error, "cannot be authenticated");
  g_assert_null (strstr (error->message, PLAINTEXT));
}

static void
test_round_trip (Fixture *f, gconstpointer data)
{
  g_autoptr(GwSecretStore) store = open_store (f);
  g_autoptr(GwSecretStore) reopened = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  herald_test_assert_mode (f->state, 0700);
  herald_test_assert_mode (f->key_path, 0600);
  assert_lookup (store, "relay", "password", NULL);
  g_assert_false (gw_secret_store_has (store, "relay", "password"));

  set_secret (store, "relay", "password", PLAINTEXT);
  set_secret (store, "relay", "pop-password", "Grüße, ☃");
  set_secret (store, "fax", "fax-api-key", "k");
  g_assert_true (gw_secret_store_has (store, "relay", "password"));
  herald_test_assert_mode (f->secrets_path, 0600);

  /* Nothing of the plaintext reaches the disk. */
  g_assert_true (g_file_get_contents (f->secrets_path, &contents, NULL, NULL));
  g_assert_null (strstr (contents, PLAINTEXT));
  g_assert_null (strstr (contents, "hunter2"));

  /* A fresh nonce per value: the same plaintext seals differently. */
  g_assert_true (g_key_file_load_from_file (keyfile, f->secrets_path, G_KEY_FILE_NONE, NULL));
  first = g_key_file_get_string (keyfile, "relay", "password", NULL);
  set_secret (store, "relay", "password", PLAINTEXT);
  g_assert_true (g_key_file_load_from_file (keyfile, f->secrets_path, G_KEY_FILE_NONE, NULL));
  second = g_key_file_get_string (keyfile, "relay", "password", NULL);
  g_assert_cmpstr (first, !=, second);

  reopened = open_store (f);
  assert_lookup (reopened, "relay", "password", PLAINTEXT);
  assert_lookup (reopened, "relay", "pop-password", "Grüße, ☃");

  /* "" and NULL remove; removing a profile removes all of its secrets. */
  set_secret (reopened, "relay", "pop-password", "");
  g_assert_false (gw_secret_store_has (reopened, "relay", "pop-password"));
  set_secret (reopened, "relay", "password", NULL);
  g_assert_false (gw_secret_store_has (reopened, "relay", "password"));
  g_assert_true (gw_secret_store_remove_profile (reopened, "fax", &error));
  g_assert_no_error (error);
  g_assert_false (gw_secret_store_has (reopened, "fax", "fax-api-key"));
  g_assert_true (gw_secret_store_remove_profile (reopened, "never-there", &error));
  g_assert_no_error (error);
}

/* Rewrites one stored value through @edit. */
static void
edit_value (Fixture *f, const char *group, const char *key, const char *new_group, const char *new_key,
            gboolean flip_last_byte)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;
  g_autofree guchar *blob = NULL;
  g_autofree char *encoded = NULL;
  gsize len;

  g_assert_true (g_key_file_load_from_file (keyfile, f->secrets_path, G_KEY_FILE_NONE, &error));
  value = g_key_file_get_string (keyfile, group, key, &error);
  g_assert_no_error (error);
  blob = g_base64_decode (value, &len);
  if (flip_last_byte)
    blob[len - 1] ^= 0x01;
  encoded = g_base64_encode (blob, len);
  g_key_file_set_string (keyfile, new_group, new_key, encoded);
  g_assert_true (g_key_file_save_to_file (keyfile, f->secrets_path, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (f->secrets_path, 0600), ==, 0);
}

static void
test_flipped_byte (Fixture *f, gconstpointer data)
{
  g_autoptr(GwSecretStore) store = open_store (f);
  g_autoptr(GwSecretStore) reopened = NULL;

  set_secret (store, "relay", "password", PLAINTEXT);
  g_clear_object (&store);
  edit_value (f, "relay", "password", "relay", "password", TRUE);
  reopened = open_store (f);
  assert_lookup_fails (reopened, "relay", "password");
}

static void
test_moved_value (Fixture *f, gconstpointer data)
{
  g_autoptr(GwSecretStore) store = open_store (f);
  g_autoptr(GwSecretStore) reopened = NULL;

  set_secret (store, "relay", "password", PLAINTEXT);
  set_secret (store, "other", "password", "other's own");
  g_clear_object (&store);
  /* Copied into another profile, and into another key of the same one. */
  edit_value (f, "relay", "password", "other", "password", FALSE);
  edit_value (f, "relay", "password", "relay", "pop-password", FALSE);
  reopened = open_store (f);
  assert_lookup_fails (reopened, "other", "password");
  assert_lookup_fails (reopened, "relay", "pop-password");

  /* The original still authenticates where it belongs. */
  assert_lookup (reopened, "relay", "password", PLAINTEXT);
}

static void
test_key_mode (Fixture *f, gconstpointer data)
{
  g_autoptr(GwSecretStore) store = open_store (f);

  g_clear_object (&store);
  g_assert_cmpint (g_chmod (f->key_path, 0644), ==, 0);
  assert_open_fails (f, f->key_path);
  g_assert_cmpint (g_chmod (f->key_path, 0640), ==, 0);
  assert_open_fails (f, "0640");
  g_assert_cmpint (g_chmod (f->key_path, 0600), ==, 0);
  store = open_store (f);
}

static void
test_secrets_mode (Fixture *f, gconstpointer data)
{
  g_autoptr(GwSecretStore) store = open_store (f);

  set_secret (store, "relay", "password", PLAINTEXT);
  g_clear_object (&store);
  g_assert_cmpint (g_chmod (f->secrets_path, 0644), ==, 0);
  assert_open_fails (f, f->secrets_path);
}

static void
test_not_regular (Fixture *f, gconstpointer data)
{
  g_autofree char *elsewhere = g_build_filename (f->tmpdir, "key-elsewhere", NULL);
  g_autoptr(GwSecretStore) store = open_store (f);

  g_clear_object (&store);
  g_assert_cmpint (g_rename (f->key_path, elsewhere), ==, 0);
  g_assert_cmpint (symlink (elsewhere, f->key_path), ==, 0);
  assert_open_fails (f, "not a regular file");
  g_unlink (f->key_path);
  g_assert_cmpint (g_mkdir (f->key_path, 0700), ==, 0);
  assert_open_fails (f, "not a regular file");
}

static void
test_wrong_owner (Fixture *f, gconstpointer data)
{
  g_autoptr(GwSecretStore) store = NULL;

  if (geteuid () != 0) {
    g_test_skip ("needs root to give a file to another user");
    return;
  }
  store = open_store (f);
  set_secret (store, "relay", "password", PLAINTEXT);
  g_clear_object (&store);
  g_assert_cmpint (chown (f->key_path, 65534, 65534), ==, 0);
  assert_open_fails (f, "owned by user 65534");
  g_assert_cmpint (chown (f->key_path, 0, 0), ==, 0);
  g_assert_cmpint (chown (f->secrets_path, 65534, 65534), ==, 0);
  assert_open_fails (f, f->secrets_path);
}

static void
test_missing_key (Fixture *f, gconstpointer data)
{
  g_autoptr(GwSecretStore) store = open_store (f);

  set_secret (store, "relay", "password", PLAINTEXT);
  g_clear_object (&store);
  g_assert_cmpint (g_unlink (f->key_path), ==, 0);

  /* A new key would make the stored secrets unreadable: refuse instead. */
  assert_open_fails (f, "missing");
  g_assert_false (g_file_test (f->key_path, G_FILE_TEST_EXISTS));

  /* Once the last secret is gone, a new key is fine. */
  g_assert_cmpint (g_unlink (f->secrets_path), ==, 0);
  store = open_store (f);
  g_assert_true (g_file_test (f->key_path, G_FILE_TEST_IS_REGULAR));
}

static void
test_wrong_key_length (Fixture *f, gconstpointer data)
{
  const gsize lengths[] = { 0, 16, 31, 33, 64 };

  g_assert_cmpint (g_mkdir (f->state, 0700), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++) {
    g_autofree char *bytes = g_malloc0 (lengths[i] + 1);
    g_autoptr(GError) error = NULL;

    memset (bytes, 'k', lengths[i]);
    g_assert_true (g_file_set_contents_full (f->key_path, bytes, lengths[i],
                                             G_FILE_SET_CONTENTS_NONE, 0600, &error));
    g_assert_no_error (error);
    assert_open_fails (f, "wrong size");
  }
}

static void
write_credential (const char *dir, gsize len, guint mode)
{
  g_autofree char *path = g_build_filename (dir, GW_SECRET_KEY_NAME, NULL);
  g_autoptr(GError) error = NULL;
  guint8 key[64];

  for (guint i = 0; i < sizeof key; i++)
    key[i] = g_random_int_range (0, 256);
  g_unlink (path);
  g_assert_true (g_file_set_contents_full (path, (const char *) key, len, G_FILE_SET_CONTENTS_NONE,
                                           mode, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
}

static void
test_credentials_directory (Fixture *f, gconstpointer data)
{
  g_autofree char *creds = g_build_filename (f->tmpdir, "credentials", NULL);
  g_autofree char *cred_key = g_build_filename (creds, GW_SECRET_KEY_NAME, NULL);
  g_autoptr(GwSecretStore) store = NULL;

  g_assert_cmpint (g_mkdir (creds, 0700), ==, 0);
  g_setenv ("CREDENTIALS_DIRECTORY", creds, TRUE);

  /* Promised but absent: an error, and no fallback key is created. */
  assert_open_fails (f, "herald-secret-key");
  g_assert_false (g_file_test (f->key_path, G_FILE_TEST_EXISTS));

  write_credential (creds, 32, 0400);
  store = open_store (f);
  set_secret (store, "relay", "password", PLAINTEXT);
  g_clear_object (&store);
  g_assert_false (g_file_test (f->key_path, G_FILE_TEST_EXISTS));

  /* Without the credential the state directory has no key for these. */
  g_unsetenv ("CREDENTIALS_DIRECTORY");
  assert_open_fails (f, "missing");
  g_assert_false (g_file_test (f->key_path, G_FILE_TEST_EXISTS));

  /* As systemd hands it to a non-root service: mode 0440 through an ACL mask. */
  g_setenv ("CREDENTIALS_DIRECTORY", creds, TRUE);
  g_assert_cmpint (g_chmod (cred_key, 0440), ==, 0);
  store = open_store (f);
  assert_lookup (store, "relay", "password", PLAINTEXT);
  g_clear_object (&store);

  /* Another key in the credential: the values do not authenticate. */
  write_credential (creds, 32, 0400);
  store = open_store (f);
  assert_lookup_fails (store, "relay", "password");
  g_clear_object (&store);

  write_credential (creds, 32, 0444);
  assert_open_fails (f, "accessible by other users");
  write_credential (creds, 31, 0400);
  assert_open_fails (f, "wrong size");
}

static void
test_umask_zero (Fixture *f, gconstpointer data)
{
  mode_t old = umask (0);
  g_autoptr(GwSecretStore) store = open_store (f);

  set_secret (store, "relay", "password", PLAINTEXT);
  umask (old);
  herald_test_assert_mode (f->key_path, 0600);
  herald_test_assert_mode (f->secrets_path, 0600);
}

static char *
lookup (GwSecretStore *store, const char *profile, const char *key)
{
  g_autoptr(GError) error = NULL;
  char *value = gw_secret_store_lookup (store, profile, key, &error);

  g_assert_no_error (error);
  return value;
}

static GBytes *
read_file (const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_bytes_new_take (g_steal_pointer (&data), len);
}

/* --rotate-key: new key, every value sealed again, nothing else changes. */
static void
test_rotate_key (Fixture *f, gconstpointer data)
{
  g_autoptr(GwSecretStore) store = open_store (f);
  g_autoptr(GwSecretStore) reopened = NULL;
  g_autoptr(GBytes) old_key = NULL;
  g_autoptr(GBytes) new_key = NULL;
  g_autoptr(GBytes) old_secrets = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;
  guint n = 0;

  set_secret (store, "one", "password", PLAINTEXT);
  set_secret (store, "one", "pop-password", "second-plaintext");
  set_secret (store, "two", "oauth2-refresh-token", "third-plaintext");
  g_clear_object (&store);
  old_key = read_file (f->key_path);
  old_secrets = read_file (f->secrets_path);

  g_assert_true (gw_secret_store_rotate_key (f->state, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 3);
  new_key = read_file (f->key_path);
  g_assert_cmpuint (g_bytes_get_size (new_key), ==, 32);
  g_assert_false (g_bytes_equal (old_key, new_key));
  herald_test_assert_mode (f->key_path, 0600);
  herald_test_assert_mode (f->secrets_path, 0600);
  {
    g_autoptr(GBytes) new_secrets = read_file (f->secrets_path);
    g_assert_false (g_bytes_equal (old_secrets, new_secrets));
  }

  reopened = open_store (f);
  a = lookup (reopened, "one", "password");
  b = lookup (reopened, "one", "pop-password");
  c = lookup (reopened, "two", "oauth2-refresh-token");
  g_assert_cmpstr (a, ==, PLAINTEXT);
  g_assert_cmpstr (b, ==, "second-plaintext");
  g_assert_cmpstr (c, ==, "third-plaintext");
}

static void
put_file (const char *path, GBytes *bytes)
{
  g_assert_true (g_file_set_contents_full (path, g_bytes_get_data (bytes, NULL),
                                           (gssize) g_bytes_get_size (bytes),
                                           G_FILE_SET_CONTENTS_NONE, 0600, NULL));
}

static void
assert_password (Fixture *f)
{
  g_autoptr(GwSecretStore) store = open_store (f);
  g_autofree char *value = lookup (store, "one", "password");

  g_assert_cmpstr (value, ==, PLAINTEXT);
}

/* A crash before the commit point leaves the old pair; after it, the new. */
static void
test_rotate_interrupted (Fixture *f, gconstpointer data)
{
  g_autoptr(GwSecretStore) store = open_store (f);
  g_autofree char *new_secrets = g_strconcat (f->secrets_path, ".new", NULL);
  g_autofree char *new_key = g_strconcat (f->key_path, ".new", NULL);
  g_autoptr(GBytes) old_s = NULL, old_k = NULL, new_s = NULL, new_k = NULL, now_k = NULL;
  g_autoptr(GError) error = NULL;

  set_secret (store, "one", "password", PLAINTEXT);
  g_clear_object (&store);
  old_s = read_file (f->secrets_path);
  old_k = read_file (f->key_path);
  g_assert_true (gw_secret_store_rotate_key (f->state, NULL, &error));
  g_assert_no_error (error);
  new_s = read_file (f->secrets_path);
  new_k = read_file (f->key_path);

  /* both .new files written, nothing renamed: roll back */
  put_file (f->secrets_path, old_s);
  put_file (f->key_path, old_k);
  put_file (new_secrets, new_s);
  put_file (new_key, new_k);
  assert_password (f);
  g_assert_false (g_file_test (new_secrets, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (new_key, G_FILE_TEST_EXISTS));
  now_k = read_file (f->key_path);
  g_assert_true (g_bytes_equal (now_k, old_k));
  g_clear_pointer (&now_k, g_bytes_unref);

  /* the secrets renamed, the key not yet: complete */
  put_file (f->secrets_path, new_s);
  put_file (new_key, new_k);
  assert_password (f);
  g_assert_false (g_file_test (new_key, G_FILE_TEST_EXISTS));
  now_k = read_file (f->key_path);
  g_assert_true (g_bytes_equal (now_k, new_k));
}

/* The key of a systemd credential is not ours to replace. */
static void
test_rotate_credential_refused (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  g_setenv ("CREDENTIALS_DIRECTORY", f->tmpdir, TRUE);
  g_assert_false (gw_secret_store_rotate_key (f->state, NULL, &error));
  assert_store_error (error, "credential");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add ("/secret-store/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("round-trip", test_round_trip);
  ADD ("tamper/flipped-byte", test_flipped_byte);
  ADD ("tamper/moved-value", test_moved_value);
  ADD ("tamper/key-mode", test_key_mode);
  ADD ("tamper/secrets-mode", test_secrets_mode);
  ADD ("tamper/not-regular", test_not_regular);
  ADD ("tamper/wrong-owner", test_wrong_owner);
  ADD ("tamper/missing-key", test_missing_key);
  ADD ("tamper/wrong-key-length", test_wrong_key_length);
  ADD ("credentials-directory", test_credentials_directory);
  ADD ("umask-zero", test_umask_zero);
  ADD ("rotate-key", test_rotate_key);
  ADD ("rotate-key/interrupted", test_rotate_interrupted);
  ADD ("rotate-key/credential-refused", test_rotate_credential_refused);
#undef ADD

  return g_test_run ();
}
