/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-redirect-guard.c: the credential-redirect guard takes its keys from
 * the setting specs
 *
 * UpdateProfile that changes where a profile's stored secrets go needs
 * manage-trust as well. No list of keys exists outside the specs: a
 * transport that declares a key with GW_SETTING_FLAG_REDIRECTS_SECRETS is
 * guarded the moment it is loaded, as the "pager" transport below shows.
 */
#include "config.h"

#include "gw-profile-schema.h"
#include "gw-redirect-guard.h"
#include "gw-stored-profile.h"
#include "herald-test-util.h"
#include "transport-test-util.h"

/* A transport this test declares, loaded the way the plugin loader loads
 * one: nothing in the daemon names its keys. */
#define TEST_TYPE_PAGER (test_pager_get_type ())
G_DECLARE_FINAL_TYPE (TestPager, test_pager, TEST, PAGER, GwTransport)

struct _TestPager {
  GwTransport parent_instance;
};

G_DEFINE_TYPE (TestPager, test_pager, GW_TYPE_TRANSPORT)

static void
test_pager_class_init (TestPagerClass *klass)
{
  GwTransportClass *transport_class = GW_TRANSPORT_CLASS (klass);

  transport_class->abi_version = GW_TRANSPORT_ABI_VERSION;
  transport_class->name = "pager";
  gw_transport_class_install_setting (transport_class,
    gw_setting_spec_new ("pager-gateway-url", GW_SETTING_URL, GW_SETTING_FLAG_REDIRECTS_SECRETS,
                         NULL, "Where pages and the pager secret go"));
  gw_transport_class_install_setting (transport_class,
    gw_setting_spec_new ("pager-greeting", GW_SETTING_STRING, 0, NULL, "First line of a page"));
  gw_transport_class_install_setting (transport_class,
    gw_setting_spec_new ("pager-secret", GW_SETTING_STRING, GW_SETTING_FLAG_SECRET, NULL, "Pager secret"));
}

static void
test_pager_init (TestPager *self)
{
}

typedef struct {
  char          *dir;
  GwSecretStore *secrets;
} Fixture;

static void
fixture_set_up (Fixture      *f,
                gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = herald_test_make_tmpdir ("herald-guard-XXXXXX");
  f->secrets = gw_secret_store_new (f->dir, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture      *f,
                   gconstpointer data)
{
  g_clear_object (&f->secrets);
  herald_test_rm_rf (f->dir);
  g_free (f->dir);
}

static GwProfile *
make_profile (Fixture    *f,
              const char *name,
              const char *settings)
{
  g_autoptr(GError) error = NULL;
  GwProfile *profile = gw_stored_profile_new (name, f->secrets);

  g_assert_true (gw_stored_profile_apply (profile, g_variant_new_parsed (settings), &error));
  g_assert_no_error (error);
  return profile;
}

static gboolean
guarded (GwProfile  *profile,
         const char *key,
         const char *value)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GVariant) settings = NULL;

  g_variant_dict_insert (&dict, key, "s", value);
  settings = g_variant_ref_sink (g_variant_dict_end (&dict));
  return gw_redirect_guard_applies (profile, settings);
}

/* A key declared with the flag by a transport loaded now is guarded;
 * its neighbour without the flag is not. */
static void
test_new_transport (Fixture      *f,
                    gconstpointer data)
{
  g_autoptr(GwTransport) pager = g_object_new (TEST_TYPE_PAGER, NULL);
  g_autoptr(GwProfile) profile = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (gw_setting_has_flag ("pager-gateway-url", GW_SETTING_FLAG_REDIRECTS_SECRETS));
  g_assert_true (gw_profile_schema_add_transport (pager, &error));
  g_assert_no_error (error);

  profile = make_profile (f, "pager-office",
                          "{'transport': <'pager'>, 'pager-gateway-url': <'https://pager.example.net/send'>}");
  /* No secret stored: nothing to redirect. */
  g_assert_false (guarded (profile, "pager-gateway-url", "https://evil.example.net/"));
  g_assert_true (gw_stored_profile_apply (profile, g_variant_new_parsed ("{'pager-secret': <'4711'>}"), &error));
  g_assert_no_error (error);

  g_assert_true (guarded (profile, "pager-gateway-url", "https://evil.example.net/"));
  g_assert_false (guarded (profile, "pager-greeting", "Hello"));
  g_assert_false (guarded (profile, "description", "Pagers"));
  /* Changing the transport sends the secrets elsewhere too. */
  g_assert_true (guarded (profile, "transport", "maildir"));
}

/* The keys of the built transports that decide where their secrets go,
 * the fax transport's template and subject among them (issue 17). */
static void
test_built_transports (Fixture      *f,
                       gconstpointer data)
{
  const char * const redirecting[] = {
    "transport", "host", "port", "security", "pop-before-smtp", "pop-host", "pop-port",
    "pop-security", "oauth2-token-url", "verify-certificates", "ca-file", "pinned-keys",
    "provider", "oauth2-tenant", "oauth2-authorize-url", "oauth2-device-url",
    "fax-host", "fax-port", "fax-api-url", "fax-backend", "fax-via",
    "fax-address-template", "fax-subject", "graph-url", NULL
  };
  const char * const harmless[] = {
    "description", "from-address", "from-name", "retry-interval", "username", "auth",
    "helo-name", "dsn", "maildir-path", "fax-default-country-code", "fax-username", "graph-user",
    "oauth2-grant", "oauth2-scope", "oauth2-client-id", NULL
  };
  g_autoptr(GwProfile) profile = make_profile (f, "relay",
                                               "{'transport': <'smtp'>, 'host': <'mail.example.org'>}");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) flagged = gw_profile_schema_dup_keys_with_flag (GW_SETTING_FLAG_REDIRECTS_SECRETS);

  g_assert_true (gw_stored_profile_apply (profile, g_variant_new_parsed ("{'password': <'hunter2'>}"), &error));
  g_assert_no_error (error);
  for (guint i = 0; redirecting[i] != NULL; i++) {
    g_test_message ("%s", redirecting[i]);
    g_assert_true (gw_setting_has_flag (redirecting[i], GW_SETTING_FLAG_REDIRECTS_SECRETS));
    g_assert_true (g_strv_contains ((const char * const *) flagged, redirecting[i]));
    g_assert_true (guarded (profile, redirecting[i], "x"));
  }
  for (guint i = 0; harmless[i] != NULL; i++) {
    g_test_message ("%s", harmless[i]);
    g_assert_false (guarded (profile, harmless[i], "x"));
  }
  /* Only these are flagged among the built transports' keys. */
  g_assert_cmpuint (g_strv_length (flagged), ==, g_strv_length ((char **) redirecting));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  herald_test_load_transports ();

  /* built-transports first: it counts the flagged keys before the test
   * transport adds its own. */
  g_test_add ("/redirect-guard/built-transports", Fixture, NULL, fixture_set_up,
              test_built_transports, fixture_tear_down);
  g_test_add ("/redirect-guard/new-transport", Fixture, NULL, fixture_set_up,
              test_new_transport, fixture_tear_down);
  return g_test_run ();
}
