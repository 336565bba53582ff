/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-profile-files.c: profile files written before the plugin SDK, and
 * those of a transport that is not loaded, keep working unchanged */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "gw-profile-store.h"
#include "herald-test-util.h"
#include "transport-test-util.h"

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
  f->tmpdir = herald_test_make_tmpdir ("herald-profile-files-XXXXXX");
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
  return store;
}

static char *
conf_path (Fixture *f, const char *name)
{
  g_autofree char *file = g_strconcat (name, ".conf", NULL);

  return g_build_filename (f->dir, file, NULL);
}

/* Profile files as Herald 0.1 before the plugin SDK wrote them (keys in
 * the order of its one table) load unchanged and keep every value: the
 * stored format did not change, so nothing is migrated. */
static const char old_smtps[] =
  "# Herald profile. Secrets are kept in the encrypted secret store, never here.\n"
  "[profile]\n"
  "transport=smtps\n"
  "host=smtp.example.net\n"
  "auth=scram-sha-256\n"
  "username=alerts@example.net\n"
  "pop-before-smtp=true\n"
  "pop-host=pop.example.net\n"
  "from-address=alerts@example.net\n"
  "helo-name=herald.example.net\n"
  "connect-timeout=20\n"
  "retry-interval=600\n"
  "pinned-keys=" PIN "\n"
  "dsn=true\n"
  "dsn-notify=failure;delay;\n"
  "description=Old relay\n";
static const char old_fax[] =
  "[profile]\n"
  "transport=fax\n"
  "fax-backend=email\n"
  "fax-via=relay\n"
  "fax-address-template={number}@fax.example.net\n"
  "fax-default-country-code=49\n"
  "fax-subject={pin} {subject}\n"
  "fax-poll-interval=120\n";

static void
write_file (Fixture *f, const char *name, const char *text)
{
  g_autofree char *path = conf_path (f, name);

  g_assert_cmpint (g_mkdir_with_parents (f->dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_NONE, 0600, NULL));
}

static void
test_stored_files_unchanged (Fixture *f, gconstpointer data)
{
  g_autoptr(GwProfileStore) store = NULL;
  g_autoptr(GwProfileStore) reloaded = NULL;
  g_autoptr(GVariant) before = NULL;
  g_autoptr(GVariant) after = NULL;
  g_auto(GStrv) pins = NULL;
  GwProfile *smtps, *fax;

  write_file (f, "relay", old_smtps);
  write_file (f, "faxer", old_fax);
  store = open_store (f);
  smtps = gw_profile_store_lookup (store, "relay");
  fax = gw_profile_store_lookup (store, "faxer");
  g_assert_nonnull (smtps);
  g_assert_nonnull (fax);
  g_assert_cmpuint (gw_profile_get_uint (smtps, "port"), ==, 465);
  g_assert_cmpstr (gw_profile_get_string (smtps, "security"), ==, "tls");
  g_assert_cmpuint (gw_profile_get_uint (smtps, "connect-timeout"), ==, 20);
  g_assert_cmpuint (gw_profile_get_uint (smtps, "retry-interval"), ==, 600);
  pins = gw_profile_dup_strv (smtps, "pinned-keys");
  g_assert_cmpstr (pins[0], ==, PIN);
  g_assert_cmpstr (gw_profile_get_string (fax, "fax-subject"), ==, "{pin} {subject}");
  g_assert_cmpuint (gw_profile_get_uint (fax, "fax-poll-interval"), ==, 120);
  g_assert_cmpuint (gw_profile_get_uint (fax, "fax-port"), ==, 4559);

  /* Written back (any update rewrites the file) and read again: the same. */
  before = g_variant_ref_sink (gw_stored_profile_to_variant (smtps));
  g_assert_nonnull (gw_profile_store_update (store, "relay", g_variant_new_parsed ("@a{sv} {}"), NULL));
  reloaded = open_store (f);
  after = g_variant_ref_sink (gw_stored_profile_to_variant (gw_profile_store_lookup (reloaded, "relay")));
  g_assert_true (g_variant_equal (before, after));
}

/* A profile whose transport is not loaded keeps what its plugin declared,
 * as it is written, through an update of another key. */
static void
test_transport_not_loaded (Fixture *f, gconstpointer data)
{
  g_autoptr(GwProfileStore) store = NULL;
  g_autoptr(GwProfileStore) reloaded = NULL;
  g_autoptr(GVariant) shown = NULL;
  g_autofree char *text = NULL;
  g_autofree char *path = conf_path (f, "pager");
  GwProfile *profile;
  const char *value;

  write_file (f, "pager", "[profile]\ntransport=pager\npager-number=+1 555 0100\nretry-interval=60\n");
  store = open_store (f);
  profile = gw_profile_store_lookup (store, "pager");
  g_assert_nonnull (profile);
  g_assert_cmpstr (gw_profile_get_transport (profile), ==, "pager");
  shown = g_variant_ref_sink (gw_stored_profile_to_variant (profile));
  g_assert_true (g_variant_lookup (shown, "pager-number", "&s", &value));
  g_assert_cmpstr (value, ==, "+1 555 0100");
  g_assert_nonnull (gw_profile_store_update (store, "pager",
                                             g_variant_new_parsed ("{'description': <'kept'>}"), NULL));
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "pager-number=+1 555 0100"));
  g_assert_nonnull (strstr (text, "description=kept"));
  reloaded = open_store (f);
  g_assert_nonnull (gw_profile_store_lookup (reloaded, "pager"));
  /* A key no loaded transport declares cannot be set, on this profile neither. */
  g_assert_null (gw_profile_store_update (reloaded, "pager", g_variant_new_parsed ("{'pager-tone': <'1'>}"), NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  herald_test_load_transports ();

  g_test_add ("/profile-files/stored-files-unchanged", Fixture, NULL, fixture_setup,
              test_stored_files_unchanged, fixture_teardown);
  g_test_add ("/profile-files/transport-not-loaded", Fixture, NULL, fixture_setup,
              test_transport_not_loaded, fixture_teardown);
  return g_test_run ();
}
