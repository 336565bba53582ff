/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-profile-store.c: profiles, their keyfiles and the store directory */
#define G_LOG_DOMAIN "test-profile-store"

#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "herald-error.h"
#include "gw-profile-schema.h"
#include "gw-profile-store.h"
#include "herald-test-util.h"
#include "transport-test-util.h"

#define PASSWORD "hunter2-password"
#define PIN "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

typedef struct {
  char          *tmpdir;
  char          *dir;     /* tmpdir/profiles */
  GwSecretStore *secrets;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *state = NULL;

  g_unsetenv ("CREDENTIALS_DIRECTORY");
  f->tmpdir = herald_test_make_tmpdir ("herald-profiles-XXXXXX");
  f->dir = g_build_filename (f->tmpdir, "profiles", NULL);
  state = g_build_filename (f->tmpdir, "state", NULL);
  f->secrets = gw_secret_store_new (state, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->secrets);
  herald_test_rm_rf (f->tmpdir);
  g_free (f->dir);
  g_free (f->tmpdir);
}

static GwProfileStore *
open_store (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  GwProfileStore *store = gw_profile_store_new (f->dir, f->secrets, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

static GwProfile *
add (GwProfileStore *store, const char *name, const char *settings)
{
  g_autoptr(GError) error = NULL;
  GwProfile *profile = gw_profile_store_add (store, name, g_variant_new_parsed (settings), &error);

  g_assert_no_error (error);
  g_assert_nonnull (profile);
  return profile;
}

static char *
conf_path (Fixture *f, const char *name)
{
  g_autofree char *file = g_strconcat (name, ".conf", NULL);

  return g_build_filename (f->dir, file, NULL);
}

static char *
read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);
  return contents;
}

static void
test_add_update_remove (Fixture *f, gconstpointer data)
{
  g_autoptr(GwProfileStore) store = open_store (f);
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = conf_path (f, "b-relay");
  GwProfile *profile;

  herald_test_assert_mode (f->dir, 0700);
  add (store, "b-relay", "{'host': <'mail.example.com'>}");
  add (store, "a-relay", "{'transport': <'smtps'>, 'host': <'smtp.example.org'>}");
  add (store, "c.fax", "@a{sv} {}");
  g_assert_cmpuint (gw_profile_store_count (store), ==, 3);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  list = gw_profile_store_list (store);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_cmpstr (gw_profile_get_name (list->pdata[0]), ==, "a-relay");
  g_assert_cmpstr (gw_profile_get_name (list->pdata[1]), ==, "b-relay");
  g_assert_cmpstr (gw_profile_get_name (list->pdata[2]), ==, "c.fax");

  g_assert_null (gw_profile_store_add (store, "a-relay", NULL, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_PROFILE_EXISTS);
  g_clear_error (&error);
  g_assert_null (gw_profile_store_add (store, "../evil", NULL, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (gw_profile_store_add (store, "d", g_variant_new_parsed ("{'port': <'x'>}"), &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING);
  g_clear_error (&error);
  g_assert_null (gw_profile_store_lookup (store, "d"));
  g_assert_cmpuint (gw_profile_store_count (store), ==, 3);

  profile = gw_profile_store_update (store, "a-relay", g_variant_new_parsed ("{'port': <'2525'>}"), &error);
  g_assert_no_error (error);
  g_assert_true (profile == gw_profile_store_lookup (store, "a-relay"));
  g_assert_cmpuint (gw_profile_get_uint (profile, "port"), ==, 2525);
  g_assert_cmpstr (gw_profile_get_string (profile, "host"), ==, "smtp.example.org");
  g_assert_null (gw_profile_store_update (store, "nope", NULL, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NO_SUCH_PROFILE);
  g_clear_error (&error);

  g_assert_true (gw_profile_store_remove (store, "b-relay", &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_null (gw_profile_store_lookup (store, "b-relay"));
  g_assert_false (gw_profile_store_remove (store, "b-relay", &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NO_SUCH_PROFILE);
  g_assert_cmpuint (gw_profile_store_count (store), ==, 2);
}

static void
test_file_modes (Fixture *f, gconstpointer data)
{
  g_autoptr(GwProfileStore) store = open_store (f);
  g_autofree char *relay = conf_path (f, "relay");
  g_autofree char *open = conf_path (f, "open");
  mode_t old;

  add (store, "relay", "{'host': <'mail.example.com'>}");
  herald_test_assert_mode (relay, 0600);

  /* Nothing may depend on the daemon's umask being sane. */
  old = umask (0);
  add (store, "open", "{'host': <'mail.example.com'>}");
  g_assert_nonnull (gw_profile_store_update (store, "relay", g_variant_new_parsed ("{'port': <25>}"), NULL));
  umask (old);
  herald_test_assert_mode (open, 0600);
  herald_test_assert_mode (relay, 0600);
}

static void
test_no_temp_files (Fixture *f, gconstpointer data)
{
  g_autoptr(GwProfileStore) store = open_store (f);
  g_autoptr(GDir) dir = NULL;
  const char *name;
  guint n = 0;

  add (store, "one", "{'host': <'a.example.com'>}");
  add (store, "two", "{'host': <'b.example.com'>}");
  for (guint i = 0; i < 5; i++) {
    g_autofree char *desc = g_strdup_printf ("revision %u", i);
    g_autoptr(GVariantDict) dict = g_variant_dict_new (NULL);
    g_variant_dict_insert (dict, "description", "s", desc);
    g_assert_nonnull (gw_profile_store_update (store, "one", g_variant_dict_end (dict), NULL));
  }
  g_assert_null (gw_profile_store_update (store, "two", g_variant_new_parsed ("{'port': <'x'>}"), NULL));
  g_assert_true (gw_profile_store_remove (store, "two", NULL));

  dir = g_dir_open (f->dir, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL) {
    g_assert_cmpstr (name, ==, "one.conf");
    n++;
  }
  g_assert_cmpuint (n, ==, 1);
}

static gboolean
refuse_marked (GwProfile *profile, gpointer user_data, GError **error)
{
  guint *calls = user_data;

  (*calls)++;
  if (g_strcmp0 (gw_profile_get_string (profile, "description"), "refuse") == 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "refused by the test transport");
    return FALSE;
  }
  return TRUE;
}

static void
test_invalid_update (Fixture *f, gconstpointer data)
{
  g_autoptr(GwProfileStore) store = open_store (f);
  g_autofree char *path = conf_path (f, "relay");
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GwSecret) password = NULL;
  GwProfile *live;
  guint calls = 0;

  live = add (store, "relay", "{'host': <'mail.example.com'>, 'port': <'25'>, 'password': <'" PASSWORD "'>}");
  before = read_file (path);

  /* One good key, one bad: nothing applies. */
  g_assert_null (gw_profile_store_update (store, "relay",
    g_variant_new_parsed ("{'port': <'2525'>, 'security': <'starttl'>, 'password': <'new'>}"), &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING);
  g_clear_error (&error);
  after = read_file (path);
  g_assert_cmpstr (before, ==, after);
  g_assert_true (gw_profile_store_lookup (store, "relay") == live);
  g_assert_cmpuint (gw_profile_get_uint (live, "port"), ==, 25);
  password = gw_profile_dup_secret (live, "password", &error);
  g_assert_cmpstr (password, ==, PASSWORD);
  g_clear_pointer (&password, gw_secret_free);
  g_clear_pointer (&after, g_free);

  /* Valid for the schema, refused by the validator: nothing either, not
   * even the secret given in the same update. */
  gw_profile_store_set_validator (store, refuse_marked, &calls);
  g_assert_null (gw_profile_store_update (store, "relay",
    g_variant_new_parsed ("{'description': <'refuse'>, 'port': <'2525'>, 'password': <'new'>}"), &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING);
  g_assert_nonnull (strstr (error->message, "refused by the test transport"));
  g_clear_error (&error);
  g_assert_cmpuint (calls, ==, 1);
  after = read_file (path);
  g_assert_cmpstr (before, ==, after);
  g_assert_true (gw_profile_store_lookup (store, "relay") == live);
  g_assert_cmpuint (gw_profile_get_uint (live, "port"), ==, 25);
  g_assert_null (gw_profile_get_string (live, "description"));
  password = gw_profile_dup_secret (live, "password", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (password, ==, PASSWORD);

  /* A refused add leaves neither a file nor secrets. */
  g_assert_null (gw_profile_store_add (store, "other",
    g_variant_new_parsed ("{'description': <'refuse'>, 'password': <'x'>}"), &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING);
  g_clear_error (&error);
  g_assert_false (gw_secret_store_has (f->secrets, "other", "password"));
  g_clear_pointer (&path, g_free);
  path = conf_path (f, "other");
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_null (gw_profile_store_lookup (store, "other"));
}

#define FULL_SETTINGS \
  "{'transport': <'smtps'>, 'host': <'Mail.Example.com'>, 'security': <'tls'>, " \
  "'auth': <'scram-sha-256'>, 'username': <'alerts'>, 'password': <'" PASSWORD "'>, " \
  "'from-address': <'alerts@example.com'>, 'from-name': <'Herald; \"Alerts\" = #1'>, " \
  "'max-attachment-size': <'10M'>, 'connect-timeout': <'1m'>, 'verify-certificates': <false>, " \
  "'pinned-keys': <['" PIN "']>, 'dsn': <true>, 'dsn-notify': <'success,delay'>, " \
  "'fallback': <'backup'>, 'description': <'  spaces kept  '>, 'rate-limit': <uint32 60>}"

static void
test_reload (Fixture *f, gconstpointer data)
{
  g_autoptr(GwProfileStore) store = open_store (f);
  g_autoptr(GwProfileStore) reloaded = NULL;
  g_autoptr(GVariant) v1 = NULL;
  g_autoptr(GVariant) v2 = NULL;
  g_autoptr(GVariant) e1 = NULL;
  g_autoptr(GVariant) e2 = NULL;
  g_auto(GStrv) notify = NULL;
  GwProfile *p2;

  add (store, "full", FULL_SETTINGS);
  add (store, "empty", "@a{sv} {}");
  reloaded = open_store (f);
  g_assert_cmpuint (gw_profile_store_count (reloaded), ==, 2);

  v1 = g_variant_ref_sink (gw_stored_profile_to_variant (gw_profile_store_lookup (store, "full")));
  p2 = gw_profile_store_lookup (reloaded, "full");
  v2 = g_variant_ref_sink (gw_stored_profile_to_variant (p2));
  g_assert_true (g_variant_equal (v1, v2));
  e1 = g_variant_ref_sink (gw_stored_profile_to_variant (gw_profile_store_lookup (store, "empty")));
  e2 = g_variant_ref_sink (gw_stored_profile_to_variant (gw_profile_store_lookup (reloaded, "empty")));
  g_assert_true (g_variant_equal (e1, e2));

  g_assert_cmpstr (gw_profile_get_transport (p2), ==, "smtps");
  g_assert_cmpstr (gw_profile_get_string (p2, "host"), ==, "mail.example.com");
  g_assert_cmpstr (gw_profile_get_string (p2, "from-name"), ==, "Herald; \"Alerts\" = #1");
  g_assert_cmpstr (gw_profile_get_string (p2, "description"), ==, "  spaces kept  ");
  g_assert_cmpuint (gw_profile_get_uint (p2, "max-attachment-size"), ==, 10 * 1024 * 1024);
  g_assert_cmpuint (gw_profile_get_uint (p2, "connect-timeout"), ==, 60);
  g_assert_cmpuint (gw_profile_get_uint (p2, "port"), ==, 465);
  g_assert_false (gw_profile_get_boolean (p2, "verify-certificates"));
  notify = gw_profile_dup_strv (p2, "dsn-notify");
  g_assert_cmpstrv (notify, ((const char * const[]) { "success", "delay", NULL }));
  g_assert_true (gw_profile_has_secret (p2, "password"));
  g_assert_true (gw_profile_is_set (p2, "host"));
  g_assert_false (gw_profile_is_set (p2, "port"));
}

static void
test_corrupt_file (Fixture *f, gconstpointer data)
{
  g_autofree char *broken = conf_path (f, "broken");
  g_autofree char *contents = NULL;
  g_autoptr(GwProfileStore) store = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir (f->dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (broken, "[profile\nhost=\x01\n", -1, NULL));

  g_test_expect_message ("gw-profile-store", G_LOG_LEVEL_WARNING, "*broken.conf*");
  store = open_store (f);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (gw_profile_store_count (store), ==, 0);

  /* Kept for the administrator, and never overwritten by an add. */
  contents = read_file (broken);
  g_assert_cmpstr (contents, ==, "[profile\nhost=\x01\n");
  g_assert_null (gw_profile_store_add (store, "broken", NULL, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_PROFILE_EXISTS);
  g_clear_pointer (&contents, g_free);
  contents = read_file (broken);
  g_assert_cmpstr (contents, ==, "[profile\nhost=\x01\n");
  add (store, "fine", "{'host': <'mail.example.com'>}");
}

static void
test_invalid_file_key (Fixture *f, gconstpointer data)
{
  const struct {
    const char *contents;
    const char *pattern;
  } files[] = {
    { "[profile]\nhots=mail.example.com\n", "*bad.conf*“hots”*" },
    { "[profile]\nport=0\n", "*bad.conf*“port”*between 1 and 65535*" },
    { "[profile]\npassword=" PASSWORD "\n", "*bad.conf*“password”*" },
    { "[profile]\nhost=mail.example.com\n[extra]\nx=1\n", "*bad.conf*extra*" },
    { "[profile]\nfrom-name=a\\r\\nBcc: x@example.com\n", "*bad.conf*“from-name”*" },
  };
  g_autofree char *bad = conf_path (f, "bad");

  g_assert_cmpint (g_mkdir (f->dir, 0700), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++) {
    g_autoptr(GwProfileStore) store = NULL;

    g_assert_true (g_file_set_contents (bad, files[i].contents, -1, NULL));
    g_test_expect_message ("gw-profile-store", G_LOG_LEVEL_WARNING, files[i].pattern);
    store = open_store (f);
    g_test_assert_expected_messages ();
    g_assert_cmpuint (gw_profile_store_count (store), ==, 0);
    g_assert_true (g_file_test (bad, G_FILE_TEST_IS_REGULAR));
  }
}

static void
test_secrets_never_shown (Fixture *f, gconstpointer data)
{
  g_autoptr(GwProfileStore) store = open_store (f);
  g_autofree char *path = conf_path (f, "relay");
  g_autofree char *keyfile = NULL;
  g_autofree char *printed = NULL;
  g_autoptr(GVariant) v = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GwSecret) secret = NULL;
  GwProfile *profile;
  gboolean set;

  profile = add (store, "relay", "{'host': <'mail.example.com'>}");
  v = g_variant_ref_sink (gw_stored_profile_to_variant (profile));
  g_assert_true (g_variant_lookup (v, "password-set", "b", &set));
  g_assert_false (set);
  g_clear_pointer (&v, g_variant_unref);

  profile = gw_profile_store_update (store, "relay", g_variant_new_parsed (
    "{'password': <'" PASSWORD "'>, 'oauth2-client-secret': <'" PASSWORD "-2'>}"), &error);
  g_assert_no_error (error);
  v = g_variant_ref_sink (gw_stored_profile_to_variant (profile));
  printed = g_variant_print (v, FALSE);
  g_assert_null (strstr (printed, "hunter2"));
  g_assert_true (g_variant_lookup (v, "password-set", "b", &set));
  g_assert_true (set);
  g_assert_true (g_variant_lookup (v, "oauth2-client-secret-set", "b", &set));
  g_assert_true (set);
  g_assert_false (g_variant_lookup (v, "password", "s", NULL));
  g_assert_true (g_variant_lookup (v, "name", "&s", NULL));
  g_assert_false (g_variant_lookup (v, "username", "&s", NULL)); /* unset string omitted */
  keyfile = read_file (path);
  g_assert_null (strstr (keyfile, "hunter2"));
  g_assert_null (strstr (keyfile, "password"));

  secret = gw_profile_dup_secret (profile, "password", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (secret, ==, PASSWORD);

  /* "" removes the secret; removing the profile removes the rest. */
  profile = gw_profile_store_update (store, "relay", g_variant_new_parsed ("{'password': <''>}"), &error);
  g_assert_no_error (error);
  g_assert_false (gw_profile_has_secret (profile, "password"));
  g_assert_true (gw_profile_store_remove (store, "relay", &error));
  g_assert_false (gw_secret_store_has (f->secrets, "relay", "oauth2-client-secret"));

  /* A new profile of that name starts without the old one's secrets. */
  g_assert_true (gw_secret_store_set (f->secrets, "relay", "password", "stale", NULL));
  profile = add (store, "relay", "@a{sv} {}");
  g_assert_false (gw_profile_has_secret (profile, "password"));
}

static void
test_apply (Fixture *f, gconstpointer data)
{
  g_autoptr(GwProfile) profile = gw_stored_profile_new ("relay", f->secrets);
  g_autoptr(GError) error = NULL;
  GVariant *bad;
  g_autoptr(GVariant) value = NULL;
  g_auto(GStrv) pins = NULL;

  g_assert_cmpstr (gw_profile_get_transport (profile), ==, "smtp");
  g_assert_cmpuint (gw_profile_get_uint (profile, "port"), ==, 587);
  g_assert_cmpstr (gw_profile_get_string (profile, "security"), ==, "starttls");
  g_assert_null (gw_profile_get_string (profile, "host"));
  pins = gw_profile_dup_strv (profile, "pinned-keys");
  g_assert_cmpuint (g_strv_length (pins), ==, 0);

  /* Defaults follow a change of transport; explicit values stay. */
  g_assert_true (gw_stored_profile_apply (profile, g_variant_new_parsed ("{'transport': <'smtps'>}"), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (gw_profile_get_uint (profile, "port"), ==, 465);
  g_assert_cmpstr (gw_profile_get_string (profile, "security"), ==, "tls");
  g_assert_true (gw_stored_profile_apply (profile, g_variant_new_parsed ("{'port': <'2465'>}"), &error));
  g_assert_true (gw_stored_profile_apply (profile, g_variant_new_parsed ("{'transport': <'smtp'>}"), &error));
  g_assert_cmpuint (gw_profile_get_uint (profile, "port"), ==, 2465);
  g_assert_cmpstr (gw_profile_get_string (profile, "security"), ==, "starttls");
  g_assert_true (gw_stored_profile_apply (profile, g_variant_new_parsed ("{'transport': <'maildir'>}"), &error));
  g_assert_null (gw_profile_get_string (profile, "security"));

  /* All or nothing. */
  bad = g_variant_new_parsed ("{'host': <'mail.example.com'>, 'password': <'x'>, 'rate-limit': <int32 -5>}");
  g_assert_false (gw_stored_profile_apply (profile, bad, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING);
  g_clear_error (&error);
  g_assert_null (gw_profile_get_string (profile, "host"));
  g_assert_false (gw_stored_profile_has_secret (profile, "password"));
  /* Transports get secrets only under keys their transport declared. */
  g_assert_true (gw_secret_store_set (f->secrets, "relay", "password", "hunter2", NULL));
  g_test_expect_message ("gw-profile", G_LOG_LEVEL_CRITICAL, "*“password” is not a secret that transport “maildir” declared*");
  g_assert_null (gw_profile_dup_secret (profile, "password", NULL));
  g_test_assert_expected_messages ();
  g_assert_true (gw_secret_store_set (f->secrets, "relay", "password", NULL, NULL));

  g_assert_false (gw_stored_profile_apply (profile, g_variant_new_parsed ("{'name': <'other'>}"), &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING);
  g_assert_nonnull (strstr (error->message, "“name”"));
  g_clear_error (&error);
  g_assert_false (gw_stored_profile_apply (profile, g_variant_new_parsed ("{'hots': <''>}"), &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING);
  g_assert_nonnull (strstr (error->message, "“hots”"));
  g_clear_error (&error);

  /* An empty value resets to the default. */
  g_assert_true (gw_stored_profile_apply (profile, g_variant_new_parsed ("{'port': <''>, 'transport': <''>}"), &error));
  g_assert_false (gw_profile_is_set (profile, "port"));
  g_assert_cmpuint (gw_profile_get_uint (profile, "port"), ==, 587);
  value = gw_profile_dup_value (profile, "port");
  g_assert_cmpuint (g_variant_get_uint64 (value), ==, 587);
  g_assert_null (gw_profile_dup_value (profile, "password"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  herald_test_load_transports ();

#define ADD(path, func) g_test_add ("/profile-store/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("add-update-remove", test_add_update_remove);
  ADD ("file-modes", test_file_modes);
  ADD ("no-temp-files", test_no_temp_files);
  ADD ("invalid-update", test_invalid_update);
  ADD ("reload", test_reload);
  ADD ("corrupt-file", test_corrupt_file);
  ADD ("invalid-file-key", test_invalid_file_key);
  ADD ("secrets-never-shown", test_secrets_never_shown);
  ADD ("apply", test_apply);
#undef ADD

  return g_test_run ();
}
