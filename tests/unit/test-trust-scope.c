/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-trust-scope.c: trusted keys hold for the host:port they were seen on
 *
 * gw_tls_endpoint_pins() (what a TLS policy sees for one server), the
 * endpoints of a profile, and the one-time migration of pins stored before
 * trust had a scope, on a real profile store and trusted-certificates file.
 */
#define G_LOG_DOMAIN "test-trust-scope"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "gw-pop-login.h"
#include "gw-profile-store.h"
#include "gw-tls-policy.h"
#include "gw-trust-scope.h"
#include "gw-untrusted-store.h"
#include "herald-test-util.h"
#include "transport-test-util.h"

#define PIN_SMTP "1111111111111111111111111111111111111111111111111111111111111111"
#define PIN_POP  "2222222222222222222222222222222222222222222222222222222222222222"
#define PIN_HAND "3333333333333333333333333333333333333333333333333333333333333333"
#define PIN_BOTH "4444444444444444444444444444444444444444444444444444444444444444"

typedef struct {
  char             *tmpdir;
  char             *state;
  GwSecretStore    *secrets;
  GwProfileStore   *profiles;
  GwUntrustedStore *trusted;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *profile_dir = NULL;

  g_unsetenv ("CREDENTIALS_DIRECTORY");
  f->tmpdir = herald_test_make_tmpdir ("herald-trust-scope-XXXXXX");
  f->state = g_build_filename (f->tmpdir, "state", NULL);
  f->secrets = gw_secret_store_new (f->state, &error);
  g_assert_no_error (error);
  profile_dir = g_build_filename (f->state, "profiles", NULL);
  f->profiles = gw_profile_store_new (profile_dir, f->secrets, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->trusted);
  g_clear_object (&f->profiles);
  g_clear_object (&f->secrets);
  herald_test_rm_rf (f->tmpdir);
  g_free (f->state);
  g_free (f->tmpdir);
}

static GwProfile *
add (Fixture *f, const char *name, const char *settings)
{
  g_autoptr(GError) error = NULL;
  GwProfile *profile = gw_profile_store_add (f->profiles, name, g_variant_new_parsed (settings), &error);

  g_assert_no_error (error);
  return profile;
}

static char *
joined (char **strv)
{
  g_autofree char *text = g_strjoinv (" ", strv);

  g_strfreev (strv);
  return g_steal_pointer (&text);
}

static char *
pins_for (GwProfile *profile, const char *host, guint16 port)
{
  return joined (gw_tls_endpoint_pins (profile, host, port));
}

/* ---- the pins one connection sees ---- */

static void
test_endpoint_pins (Fixture *f, gconstpointer data)
{
  GwProfile *profile = add (f, "relay",
                            "{'host': <'Mail.Example.org'>, 'port': <'587'>, "
                            "'pop-before-smtp': <true>, 'pop-host': <'pop.example.org'>, "
                            "'pop-username': <'u'>, "
                            "'pinned-keys': <['" PIN_HAND "', "
                            "'" PIN_SMTP "@mail.example.org:587', "
                            "'" PIN_POP "@pop.example.org:110', "
                            "'" PIN_BOTH "@[::1]:25']>}");
  g_autofree char *smtp = pins_for (profile, "mail.example.org", 587);
  g_autofree char *smtp_upper = pins_for (profile, "MAIL.example.org", 587);
  g_autofree char *pop = pins_for (profile, "pop.example.org", 110);
  g_autofree char *other_port = pins_for (profile, "mail.example.org", 465);
  g_autofree char *pop_on_smtp_host = pins_for (profile, "mail.example.org", 110);
  g_autofree char *v6 = pins_for (profile, "::1", 25);
  g_autofree char *pop_endpoint = gw_pop_login_dup_endpoint (profile);

  /* a bare pin is for the profile's own server, host and port */
  g_assert_cmpstr (smtp, ==, PIN_HAND " " PIN_SMTP);
  g_assert_cmpstr (smtp_upper, ==, smtp);
  g_assert_cmpstr (pop, ==, PIN_POP);
  g_assert_cmpstr (other_port, ==, "");
  g_assert_cmpstr (pop_on_smtp_host, ==, "");
  g_assert_cmpstr (v6, ==, PIN_BOTH);
  g_assert_cmpstr (pop_endpoint, ==, "pop.example.org:110");
}

static void
test_profile_endpoints (Fixture *f, gconstpointer data)
{
  GwProfile *plain = add (f, "plain", "{'host': <'mail.example.org'>}");
  GwProfile *pop = add (f, "pop", "{'host': <'mail.example.org'>, 'port': <'465'>, "
                                  "'transport': <'smtps'>, 'security': <'tls'>, "
                                  "'pop-before-smtp': <true>, 'pop-security': <'tls'>, "
                                  "'pop-username': <'u'>}");
  g_autoptr(GPtrArray) a = gw_trust_profile_endpoints (plain);
  g_autoptr(GPtrArray) b = gw_trust_profile_endpoints (pop);

  g_assert_cmpuint (a->len, ==, 1);
  g_assert_cmpstr (a->pdata[0], ==, "mail.example.org:587");
  /* the same machine, another port: another identity */
  g_assert_cmpuint (b->len, ==, 2);
  g_assert_cmpstr (b->pdata[0], ==, "mail.example.org:465");
  g_assert_cmpstr (b->pdata[1], ==, "mail.example.org:995");
}

static void
test_entry_parse (Fixture *f, gconstpointer data)
{
  static const struct { const char *entry; const char *pin; const char *endpoint; } good[] = {
    { PIN_SMTP, PIN_SMTP, NULL },
    { PIN_SMTP "@Host.Example:25", PIN_SMTP, "host.example:25" },
    { PIN_SMTP "@[FE80::1]:587", PIN_SMTP, "[fe80::1]:587" },
  };
  static const char * const bad[] = {
    "", "abc", PIN_SMTP "@", PIN_SMTP "@host", PIN_SMTP "@host:", PIN_SMTP "@host:0",
    PIN_SMTP "@host:65536", PIN_SMTP "@::1:25", PIN_SMTP "@[host]:25", PIN_SMTP "@:25",
    PIN_SMTP "@[::1]25", PIN_SMTP "x@host:25",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++) {
    g_autofree char *pin = NULL;
    g_autofree char *endpoint = NULL;

    g_assert_true (gw_tls_pin_entry_parse (good[i].entry, &pin, &endpoint));
    g_assert_cmpstr (pin, ==, good[i].pin);
    g_assert_cmpstr (endpoint, ==, good[i].endpoint);
  }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_test_message ("bad entry: %s", bad[i]);
    g_assert_false (gw_tls_pin_entry_parse (bad[i], NULL, NULL));
  }
}

/* ---- the migration ---- */

/* A trusted-certificates.conf as Herald wrote it before pins had a scope:
 * one group per profile and fingerprint, no format group. */
static void
write_old_trusted_store (Fixture *f)
{
  g_autofree char *path = g_build_filename (f->state, "trusted-certificates.conf", NULL);
  g_autoptr(GError) error = NULL;
  const char *text =
    "[relay " PIN_POP "]\n"        /* the fingerprint does not matter here */
    "profile=relay\nhost=pop.example.org\nport=995\nspki-pin=" PIN_POP "\n"
    "sha256-fingerprint=" PIN_POP "\ntrusted-at=1\n\n"
    "[relay " PIN_SMTP "]\n"
    "profile=relay\nhost=mail.example.org\nport=587\nspki-pin=" PIN_SMTP "\n"
    "sha256-fingerprint=" PIN_SMTP "\ntrusted-at=2\n\n"
    "[relay " PIN_BOTH "a]\n"
    "profile=relay\nhost=mail.example.org\nport=587\nspki-pin=" PIN_BOTH "\n"
    "sha256-fingerprint=" PIN_BOTH "a\ntrusted-at=3\n\n"
    "[relay " PIN_BOTH "b]\n"
    "profile=relay\nhost=pop.example.org\nport=995\nspki-pin=" PIN_BOTH "\n"
    "sha256-fingerprint=" PIN_BOTH "b\ntrusted-at=4\n";

  g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error);
  g_assert_no_error (error);
  f->trusted = gw_untrusted_store_new_for_file (f->state, "trusted-certificates.conf");
}

static void
test_migration (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) pins = NULL;
  g_autofree char *pop = NULL;
  g_autofree char *smtp = NULL;
  g_autoptr(GwUntrustedStore) reread = NULL;
  GwProfile *relay;

  add (f, "relay", "{'host': <'mail.example.org'>, 'pop-before-smtp': <true>, "
                   "'pop-host': <'pop.example.org'>, 'pop-security': <'tls'>, "
                   "'pop-username': <'u'>, "
                   "'pinned-keys': <['" PIN_POP "', '" PIN_SMTP "', '" PIN_HAND "', "
                   "'" PIN_BOTH "']>}");
  add (f, "untouched", "{'host': <'other.example.org'>, 'pinned-keys': <['" PIN_HAND "']>}");
  write_old_trusted_store (f);
  g_assert_cmpuint (gw_untrusted_store_get_format (f->trusted), ==, 0);

  /* before the migration a key trusted for the POP3 server is bare, and a
   * bare pin holds for the profile's own server only: POP has none */
  relay = gw_profile_store_lookup (f->profiles, "relay");
  pop = pins_for (relay, "pop.example.org", 995);
  g_assert_cmpstr (pop, ==, "");
  g_clear_pointer (&pop, g_free);

  g_assert_true (gw_trust_migrate_pins (f->profiles, f->trusted, &error));
  g_assert_no_error (error);
  relay = gw_profile_store_lookup (f->profiles, "relay");
  pins = gw_profile_dup_strv (relay, "pinned-keys");
  /* trusted through TrustCertificate: scoped to where each was seen; set
   * by hand: left bare, for the profile's own server */
  g_assert_cmpuint (g_strv_length (pins), ==, 5);
  g_assert_cmpstr (pins[0], ==, PIN_POP "@pop.example.org:995");
  g_assert_cmpstr (pins[1], ==, PIN_SMTP "@mail.example.org:587");
  g_assert_cmpstr (pins[2], ==, PIN_HAND);
  g_assert_cmpstr (pins[3], ==, PIN_BOTH "@mail.example.org:587");
  g_assert_cmpstr (pins[4], ==, PIN_BOTH "@pop.example.org:995");
  pop = pins_for (relay, "pop.example.org", 995);
  smtp = pins_for (relay, "mail.example.org", 587);
  g_assert_cmpstr (pop, ==, PIN_POP " " PIN_BOTH);
  g_assert_cmpstr (smtp, ==, PIN_SMTP " " PIN_HAND " " PIN_BOTH);
  {
    g_auto(GStrv) untouched = gw_profile_dup_strv (gw_profile_store_lookup (f->profiles, "untouched"),
                                                   "pinned-keys");
    g_assert_cmpstr (untouched[0], ==, PIN_HAND);
    g_assert_null (untouched[1]);
  }

  /* stored, and done once: a bare pin set afterwards stays bare */
  reread = gw_untrusted_store_new_for_file (f->state, "trusted-certificates.conf");
  g_assert_cmpuint (gw_untrusted_store_get_format (reread), ==, GW_TRUST_FORMAT_SCOPED);
  {
    g_autoptr(GVariant) list = g_variant_ref_sink (gw_untrusted_store_list (reread));
    g_assert_cmpuint (g_variant_n_children (list), ==, 4);
  }
  {
    g_autoptr(GVariant) settings = g_variant_ref_sink (
      g_variant_new_parsed ("{'pinned-keys': <['" PIN_POP "']>}"));
    g_autoptr(GwProfileStore) reopened = NULL;
    g_autofree char *dir = g_build_filename (f->state, "profiles", NULL);

    g_assert_nonnull (gw_profile_store_update (f->profiles, "relay", settings, &error));
    g_assert_no_error (error);
    g_assert_true (gw_trust_migrate_pins (f->profiles, reread, &error));
    g_assert_no_error (error);
    /* on disk too: a daemon started again reads the same */
    reopened = gw_profile_store_new (dir, f->secrets, &error);
    g_assert_no_error (error);
    g_strfreev (pins);
    pins = gw_profile_dup_strv (gw_profile_store_lookup (reopened, "relay"), "pinned-keys");
    g_assert_cmpstr (pins[0], ==, PIN_POP);
    g_assert_null (pins[1]);
  }
}

/* A fresh state directory: nothing to migrate, the format is recorded. */
static void
test_migration_fresh (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwUntrustedStore) reread = NULL;

  f->trusted = gw_untrusted_store_new_for_file (f->state, "trusted-certificates.conf");
  g_assert_true (gw_trust_migrate_pins (f->profiles, f->trusted, &error));
  g_assert_no_error (error);
  reread = gw_untrusted_store_new_for_file (f->state, "trusted-certificates.conf");
  g_assert_cmpuint (gw_untrusted_store_get_format (reread), ==, GW_TRUST_FORMAT_SCOPED);
  {
    g_autoptr(GVariant) list = g_variant_ref_sink (gw_untrusted_store_list (reread));
    g_assert_cmpuint (g_variant_n_children (list), ==, 0);
  }
}

/* Records per endpoint: the same certificate on two servers is two
 * records; a record of the old format is found and updated in place. */
static void
test_records_per_endpoint (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwUntrustedStore) store = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GVariant) list = NULL;
  g_autofree char *path = g_build_filename (f->state, "untrusted-certificates.conf", NULL);
  const char *old =
    "[relay " PIN_SMTP "]\nprofile=relay\nhost=mail.example.org\nport=587\n"
    "sha256-fingerprint=" PIN_SMTP "\nspki-pin=" PIN_SMTP "\nfirst-seen=1\nlast-seen=1\n";

  g_file_set_contents_full (path, old, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error);
  g_assert_no_error (error);
  store = gw_untrusted_store_new (f->state);
  for (guint i = 0; i < 2; i++) {
    const char *host = i == 0 ? "mail.example.org" : "pop.example.org";
    guint16 port = i == 0 ? 587 : 995;
    g_autoptr(GVariant) cert = g_variant_ref_sink (
      g_variant_new_parsed ("{'sha256-fingerprint': <%s>, 'spki-pin': <%s>, 'host': <%s>, "
                            "'port': <%q>, 'errors': <['unknown-ca']>}",
                            PIN_SMTP, PIN_SMTP, host, port));

    g_assert_true (gw_untrusted_store_record (store, "relay", cert, &error));
    g_assert_no_error (error);
  }
  found = gw_untrusted_store_lookup (store, "relay", PIN_SMTP);
  g_assert_cmpuint (found->len, ==, 2);
  list = g_variant_ref_sink (gw_untrusted_store_list (store));
  g_assert_cmpuint (g_variant_n_children (list), ==, 2);
  {
    gint64 first = 0;
    const char *host = NULL;

    g_assert_true (g_variant_lookup (found->pdata[0], "host", "&s", &host));
    g_assert_cmpstr (host, ==, "mail.example.org");
    g_assert_true (g_variant_lookup (found->pdata[0], "first-seen", "x", &first));
    g_assert_cmpint (first, ==, 1);   /* the old record, updated in place */
  }
  /* the profile that refused it wins: the email fax backend's fax-via */
  {
    g_autoptr(GVariant) cert = g_variant_ref_sink (
      g_variant_new_parsed ("{'sha256-fingerprint': <%s>, 'host': <'relay.example.org'>, "
                            "'port': <@q 25>, 'profile': <'via'>}", PIN_POP));
    g_autoptr(GPtrArray) via = NULL;

    g_assert_true (gw_untrusted_store_record (store, "fax", cert, &error));
    via = gw_untrusted_store_lookup (store, "via", PIN_POP);
    g_assert_cmpuint (via->len, ==, 1);
    g_clear_pointer (&via, g_ptr_array_unref);
    via = gw_untrusted_store_lookup (store, "fax", PIN_POP);
    g_assert_cmpuint (via->len, ==, 0);
  }
  g_assert_true (gw_untrusted_store_remove (store, found->pdata[1], &error));
  g_clear_pointer (&found, g_ptr_array_unref);
  found = gw_untrusted_store_lookup (store, "relay", PIN_SMTP);
  g_assert_cmpuint (found->len, ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* The transports' settings make the schema the profiles are read with. */
  herald_test_load_transports ();
  g_test_add ("/trust-scope/endpoint-pins", Fixture, NULL, fixture_setup, test_endpoint_pins, fixture_teardown);
  g_test_add ("/trust-scope/profile-endpoints", Fixture, NULL, fixture_setup, test_profile_endpoints, fixture_teardown);
  g_test_add ("/trust-scope/entry-parse", Fixture, NULL, fixture_setup, test_entry_parse, fixture_teardown);
  g_test_add ("/trust-scope/migration", Fixture, NULL, fixture_setup, test_migration, fixture_teardown);
  g_test_add ("/trust-scope/migration-fresh", Fixture, NULL, fixture_setup, test_migration_fresh, fixture_teardown);
  g_test_add ("/trust-scope/records-per-endpoint", Fixture, NULL, fixture_setup, test_records_per_endpoint, fixture_teardown);
  return g_test_run ();
}
