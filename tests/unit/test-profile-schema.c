/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-profile-schema.c: validation of every profile key
 *
 * The schema is built from the daemon's keys and those of the transports
 * in the build tree (loaded as heraldd loads them), so this table covers
 * the keys of the built transports as well.
 */
#define G_LOG_DOMAIN "test-profile-schema"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "herald-error.h"
#include "gw-profile-schema.h"
#include "gw-units.h"
#include "herald-test-util.h"
#include "transport-test-util.h"

#define PIN_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define PIN_B "FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210"

typedef enum {
  BAD_PLAIN,   /* message names the key */
  BAD_ALLOWED, /* ... and every allowed value */
  BAD_RANGE,   /* ... and the numeric range */
} BadCheck;

typedef struct {
  const char *key;
  const char *value;    /* "@CA@" is replaced by a readable file */
  gboolean    ok;
  const char *expected; /* g_variant_print (canonical, TRUE), or NULL not to check */
  BadCheck    check;
} Case;

static const Case cases[] = {
  { "transport", "smtps", TRUE, "'smtps'" },
  { "transport", "MAILDIR", TRUE, "'maildir'" },
  { "transport", "smtpx", FALSE, NULL, BAD_ALLOWED },
  { "host", "mail.example.com", TRUE, "'mail.example.com'" },
  { "host", "Mail.Example.COM", TRUE, "'mail.example.com'" },
  { "host", "192.0.2.1", TRUE, "'192.0.2.1'" },
  { "host", "2001:db8::1", TRUE, "'2001:db8::1'" },
  { "host", "bad host", FALSE },
  { "host", "-a.example.com", FALSE },
  { "host", "a..example.com", FALSE },
  { "host", "192.0.2", FALSE },
  { "port", "25", TRUE, "uint64 25" },
  { "port", " 2525 ", TRUE, "uint64 2525" },
  { "port", "0", FALSE, NULL, BAD_RANGE },
  { "port", "65536", FALSE, NULL, BAD_RANGE },
  { "port", "99999999999999999999999", FALSE, NULL, BAD_RANGE },
  { "port", "-1", FALSE },
  { "port", "25s", FALSE },
  { "security", "starttls-if-available", TRUE, "'starttls-if-available'" },
  { "security", "starttl", FALSE, NULL, BAD_ALLOWED },
  { "auth", "scram-sha-256", TRUE, "'scram-sha-256'" },
  { "auth", "oauthbearer", TRUE, "'oauthbearer'" },
  { "auth", "EXTERNAL", TRUE, "'external'" },
  { "auth", "kerberos", FALSE, NULL, BAD_ALLOWED },
  { "username", "alice@example.com", TRUE, "'alice@example.com'" },
  { "username", "al\nice", FALSE },
  { "password", " pass word ", TRUE, "' pass word '" },
  { "password", "hunter2\r\n", FALSE },
  { "oauth2-token-url", "https://login.example.com/oauth2/token", TRUE, NULL },
  { "oauth2-token-url", "http://127.0.0.1:8080/token", TRUE, NULL },
  { "oauth2-token-url", "http://localhost/token", TRUE, NULL },
  { "oauth2-token-url", "http://[::1]:8080/token", TRUE, NULL },
  { "oauth2-token-url", "http://login.example.com/token", FALSE },
  { "oauth2-token-url", "ftp://login.example.com/token", FALSE },
  { "oauth2-token-url", "https://user:pw@login.example.com/", FALSE },
  { "oauth2-token-url", "login.example.com/token", FALSE },
  { "oauth2-client-id", "client-123", TRUE, "'client-123'" },
  { "oauth2-client-id", "client\x01", FALSE },
  { "oauth2-client-secret", "s3cr3t", TRUE, NULL },
  { "oauth2-client-secret", "hunter2\n", FALSE },
  { "oauth2-refresh-token", "1//0abc", TRUE, NULL },
  { "oauth2-refresh-token", "hunter2\r", FALSE },
  { "provider", "Microsoft365", TRUE, "'microsoft365'" },
  { "provider", "gmail", TRUE, "'gmail'" },
  { "provider", "office365", FALSE, NULL, BAD_ALLOWED },
  { "oauth2-tenant", "contoso.onmicrosoft.com", TRUE, "'contoso.onmicrosoft.com'" },
  { "oauth2-tenant", "72f988bf-86f1-41af-91ab-2d7cd011db47", TRUE, NULL },
  { "oauth2-tenant", "organizations/../evil", FALSE },
  { "oauth2-tenant", "a?b=c", FALSE },
  { "oauth2-grant", "client-credentials", TRUE, "'client-credentials'" },
  { "oauth2-grant", "password", FALSE, NULL, BAD_ALLOWED },
  { "oauth2-authorize-url", "https://login.example.com/authorize", TRUE, NULL },
  { "oauth2-authorize-url", "http://login.example.com/authorize", FALSE },
  { "oauth2-device-url", "https://login.example.com/devicecode", TRUE, NULL },
  { "oauth2-device-url", "javascript:alert(1)", FALSE },
  { "oauth2-scope", "https://outlook.office365.com/SMTP.Send offline_access", TRUE, NULL },
  { "oauth2-scope", "a\nb", FALSE },
  { "oauth2-client-certificate", "@CA@", TRUE, NULL },
  { "oauth2-client-certificate", "/nonexistent/cert.pem", FALSE },
  { "oauth2-client-key", "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n", TRUE, NULL },
  { "oauth2-client-key", "key\rx", FALSE },
  { "pop-before-smtp", "yes", TRUE, "true" },
  { "pop-before-smtp", "Off", TRUE, "false" },
  { "pop-before-smtp", "1", TRUE, "true" },
  { "pop-before-smtp", "maybe", FALSE },
  { "pop-host", "pop.example.com", TRUE, "'pop.example.com'" },
  { "pop-host", "pop_host", FALSE },
  { "pop-port", "995", TRUE, "uint64 995" },
  { "pop-port", "70000", FALSE, NULL, BAD_RANGE },
  { "pop-security", "tls", TRUE, "'tls'" },
  { "pop-security", "starttls", FALSE, NULL, BAD_ALLOWED },
  { "pop-username", "bob", TRUE, "'bob'" },
  { "pop-username", "bob\r", FALSE },
  { "pop-password", "x", TRUE, NULL },
  { "pop-password", "hunter2\n", FALSE },
  { "from-address", "alerts@example.com", TRUE, "'alerts@example.com'" },
  { "from-address", "first.last+tag@sub.example.org", TRUE, NULL },
  { "from-address", "Alerts <alerts@example.com>", FALSE },
  { "from-address", "alerts", FALSE },
  { "from-address", "a b@example.com", FALSE },
  { "from-address", "a..b@example.com", FALSE },
  { "from-address", "a@192.0.2.1", FALSE },
  { "from-address", "a@example.com\r\nRCPT TO:<x@example.com>", FALSE },
  { "from-name", "Herald Alerts", TRUE, "'Herald Alerts'" },
  { "from-name", "Zürich Ops", TRUE, "'Zürich Ops'" },
  { "from-name", "x\r\nBcc: evil@example.com", FALSE },
  { "allow-from-override", "true", TRUE, "true" },
  { "allow-from-override", "2", FALSE, NULL, BAD_ALLOWED },
  { "helo-name", "gw.example.com", TRUE, "'gw.example.com'" },
  { "helo-name", "gw example", FALSE },
  { "charset", "UTF-8", TRUE, "'utf-8'" },
  { "charset", "iso-8859-1", TRUE, "'iso-8859-1'" },
  { "charset", "klingon-1", FALSE },
  { "charset", "utf-8; format=flowed", FALSE },
  { "plain-text-only", "no", TRUE, "false" },
  { "plain-text-only", "nope", FALSE, NULL, BAD_ALLOWED },
  { "max-attachment-size", "0", TRUE, "uint64 0" },
  { "max-attachment-size", "10M", TRUE, "uint64 10485760" },
  { "max-attachment-size", "512k", TRUE, "uint64 524288" },
  { "max-attachment-size", "1024G", TRUE, "uint64 1099511627776" },
  { "max-attachment-size", "1025G", FALSE, NULL, BAD_RANGE },
  { "max-attachment-size", "2T", FALSE },
  { "attachments-as-url", "on", TRUE, "true" },
  { "attachments-as-url", "", FALSE },
  { "strict-addresses", "FALSE", TRUE, "false" },
  { "strict-addresses", "x", FALSE, NULL, BAD_ALLOWED },
  { "connect-timeout", "90", TRUE, "uint64 90" },
  { "connect-timeout", "90s", TRUE, "uint64 90" },
  { "connect-timeout", "5m", TRUE, "uint64 300" },
  { "connect-timeout", "301", FALSE, NULL, BAD_RANGE },
  { "connect-timeout", "0", FALSE, NULL, BAD_RANGE },
  { "connect-timeout", "6m", FALSE, NULL, BAD_RANGE },
  { "connect-timeout", "5x", FALSE },
  { "conversation-timeout", "2m", TRUE, "uint64 120" },
  { "conversation-timeout", "1h", FALSE, NULL, BAD_RANGE },
  { "retry-interval", "2h", TRUE, "uint64 7200" },
  { "retry-interval", "1d", TRUE, "uint64 86400" },
  { "retry-interval", "2d", FALSE, NULL, BAD_RANGE },
  { "expire-after", "5d", TRUE, "uint64 432000" },
  { "expire-after", "60", TRUE, "uint64 60" },
  { "expire-after", "59", FALSE, NULL, BAD_RANGE },
  { "expire-after", "31d", FALSE, NULL, BAD_RANGE },
  { "max-connections", "100", TRUE, "uint64 100" },
  { "max-connections", "101", FALSE, NULL, BAD_RANGE },
  { "max-connections", "0", FALSE, NULL, BAD_RANGE },
  { "rate-limit", "0", TRUE, "uint64 0" },
  { "rate-limit", "1000000", TRUE, "uint64 1000000" },
  { "rate-limit", "1000001", FALSE, NULL, BAD_RANGE },
  { "max-recipients-per-day", "0", TRUE, "uint64 0" },
  { "max-recipients-per-day", "10000", TRUE, "uint64 10000" },
  { "max-recipients-per-day", "100000001", FALSE, NULL, BAD_RANGE },
  { "max-recipients-per-day", "-1", FALSE },
  { "verify-certificates", "false", TRUE, "false" },
  { "verify-certificates", "nah", FALSE, NULL, BAD_ALLOWED },
  { "ca-file", "@CA@", TRUE, NULL },
  { "ca-file", "relative/ca.pem", FALSE },
  { "ca-file", "/nonexistent/herald/ca.pem", FALSE },
  /* TLS client certificates (issue 19, item 5); loading and matching the
   * key: test-tls-client.c */
  { "tls-client-certificate", "@CA@", TRUE, NULL },
  { "tls-client-certificate", "relative/client.pem", FALSE },
  { "tls-client-certificate", "/nonexistent/herald/client.pem", FALSE },
  { "tls-client-certificate", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n", FALSE },
  { "tls-client-certificate", "-----BEGIN PRIVATE KEY-----\r\nAAAA\r\n-----END PRIVATE KEY-----\r\n", FALSE },
  { "tls-client-certificate", "BEGIN\x01", FALSE },
  { "tls-client-key", "/etc/herald/client.key", TRUE, NULL },
  { "tls-client-key", "client.key", FALSE },
  { "tls-client-key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", FALSE },
  { "tls-client-key", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n", FALSE },
  { "tls-client-key", "-----BEGIN PRIVATE KEY-----\x07", FALSE },
  { "pinned-keys", PIN_A, TRUE, "['" PIN_A "']" },
  { "pinned-keys", PIN_B ", " PIN_A, TRUE, "['fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210', '" PIN_A "']" },
  { "pinned-keys", PIN_A ";" PIN_A, TRUE, "['" PIN_A "']" },
  { "pinned-keys", "abcd", FALSE },
  { "pinned-keys", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg", FALSE },
  /* scoped to an endpoint (issue 17, item 8): normalised, host and port checked */
  { "pinned-keys", PIN_A "@Mail.Example.org:587", TRUE, "['" PIN_A "@mail.example.org:587']" },
  { "pinned-keys", PIN_A "@pop.example.org:995 " PIN_A, TRUE,
    "['" PIN_A "@pop.example.org:995', '" PIN_A "']" },
  { "pinned-keys", PIN_A "@[::1]:25", TRUE, "['" PIN_A "@[::1]:25']" },
  { "pinned-keys", PIN_A "@192.0.2.7:465", TRUE, "['" PIN_A "@192.0.2.7:465']" },
  { "pinned-keys", PIN_A "@::1:25", FALSE },
  { "pinned-keys", PIN_A "@[mail.example.org]:25", FALSE },
  { "pinned-keys", PIN_A "@mail.example.org", FALSE },
  { "pinned-keys", PIN_A "@mail.example.org:", FALSE },
  { "pinned-keys", PIN_A "@mail.example.org:0", FALSE },
  { "pinned-keys", PIN_A "@mail.example.org:65536", FALSE },
  { "pinned-keys", PIN_A "@mail.example.org:+25", FALSE },
  { "pinned-keys", PIN_A "@bad_host:25", FALSE },
  { "pinned-keys", PIN_A "@:25", FALSE },
  { "pinned-keys", "abcd@mail.example.org:25", FALSE },
  { "fallback", "backup-relay", TRUE, "'backup-relay'" },
  { "fallback", "../etc/passwd", FALSE },
  { "fallback", "-relay", FALSE },
  { "dsn", "true", TRUE, "true" },
  { "dsn", "sometimes", FALSE, NULL, BAD_ALLOWED },
  { "dsn-notify", "success,failure", TRUE, "['success', 'failure']" },
  { "dsn-notify", "delay FAILURE delay", TRUE, "['delay', 'failure']" },
  { "dsn-notify", "never", TRUE, "['never']" },
  { "dsn-notify", "never,success", FALSE },
  { "dsn-notify", "often", FALSE, NULL, BAD_ALLOWED },
  { "dsn-notify", ",", FALSE, NULL, BAD_ALLOWED },
  { "dsn-ret", "full", TRUE, "'full'" },
  { "dsn-ret", "body", FALSE, NULL, BAD_ALLOWED },
  { "maildir-path", "/var/lib/herald/Maildir", TRUE, "'/var/lib/herald/Maildir'" },
  { "maildir-path", "Maildir", FALSE },
  { "fax-backend", "hylafax", TRUE, "'hylafax'" },
  { "fax-backend", "modem", FALSE, NULL, BAD_ALLOWED },
  { "fax-via", "corp-relay", TRUE, "'corp-relay'" },
  { "fax-via", "corp relay", FALSE },
  { "fax-address-template", "{number}@fax.example.net", TRUE, "'{number}@fax.example.net'" },
  { "fax-address-template", "fax+{number}@example.net", TRUE, NULL },
  { "fax-address-template", "fax@example.net", FALSE },
  { "fax-address-template", "{number}", FALSE },
  { "fax-address-template", "{number}@fax example", FALSE },
  { "fax-address-template", "{number}+{pin}@fax.example.net", FALSE },
  { "fax-address-template", "{subject}@fax.example.net", FALSE },
  { "fax-address-template", "{number@fax.example.net", FALSE },
  { "fax-default-country-code", "49", TRUE, "'49'" },
  { "fax-default-country-code", "+1", TRUE, "'1'" },
  { "fax-default-country-code", "1234", FALSE },
  { "fax-default-country-code", "0", FALSE },
  { "fax-default-country-code", "4a", FALSE },
  { "fax-subject", "Fax from Herald", TRUE, NULL },
  { "fax-subject", "Fax\nBcc: x@example.com", FALSE },
  { "fax-subject", "{subject} to {number} PIN {pin}", TRUE, NULL },
  { "fax-subject", "{{literal}} {subject}", TRUE, NULL },
  { "fax-subject", "{password}", FALSE },
  { "fax-subject", "{subject", FALSE },
  { "fax-subject", "subject}", FALSE },
  { "fax-host", "fax.example.com", TRUE, "'fax.example.com'" },
  { "fax-host", "fax host", FALSE },
  { "fax-port", "4559", TRUE, "uint64 4559" },
  { "fax-port", "0", FALSE, NULL, BAD_RANGE },
  { "fax-username", "faxuser", TRUE, NULL },
  { "fax-username", "fax\tuser", FALSE },
  { "fax-password", "x", TRUE, NULL },
  { "fax-password", "hunter2\n", FALSE },
  { "fax-notify-address", "fax-admin@example.com", TRUE, NULL },
  { "fax-notify-address", "fax-admin", FALSE },
  { "fax-max-dials", "12", TRUE, "uint64 12" },
  { "fax-max-dials", "101", FALSE, NULL, BAD_RANGE },
  { "fax-max-tries", "3", TRUE, "uint64 3" },
  { "fax-max-tries", "0", FALSE, NULL, BAD_RANGE },
  { "fax-api-url", "https://api.fax.example.com/v1/faxes", TRUE, NULL },
  { "fax-api-url", "http://api.fax.example.com/v1/faxes", FALSE },
  { "fax-api-key", "key-123", TRUE, NULL },
  { "fax-api-key", "hunter2\x7f", FALSE },
  { "fax-from-number", "+49 30 1234-567", TRUE, "'+49 30 1234-567'" },
  { "fax-from-number", "call me", FALSE },
  { "fax-from-number", "+", FALSE },
  { "fax-connection-id", "conn-1", TRUE, NULL },
  { "fax-connection-id", "conn\r1", FALSE },
  { "fax-webhook-url", "https://herald.example.com/fax/status", TRUE, NULL },
  { "fax-webhook-url", "http://herald.example.com/fax/status", FALSE },
  { "fax-webhook-secret", "whsec_1", TRUE, NULL },
  { "fax-webhook-secret", "hunter2\x1b", FALSE },
  { "fax-pin", "4711", TRUE, NULL },
  { "fax-pin", "47\r\n11", FALSE },
  { "graph-url", "https://graph.microsoft.com/v1.0", TRUE, NULL },
  { "graph-url", "http://graph.microsoft.com/v1.0", FALSE },
  { "graph-user", "alerts@example.org", TRUE, NULL },
  { "graph-user", "8a2c1b5e-9d07-4f5e-b2a1-0c4d3e2f1a6b", TRUE, NULL },
  { "graph-user", "alerts@example.org/../admin", FALSE },
  { "graph-user", "two words", FALSE },
  { "fax-poll-interval", "60", TRUE, "uint64 60" },
  { "fax-poll-interval", "5", FALSE, NULL, BAD_RANGE },
  { "description", "Main relay (Berlin)", TRUE, NULL },
  { "description", "x\x1b[31my", FALSE },
};

typedef struct {
  char *tmpdir;
  char *ca_file;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->tmpdir = herald_test_make_tmpdir ("herald-schema-XXXXXX");
  f->ca_file = g_build_filename (f->tmpdir, "ca.pem", NULL);
  g_file_set_contents (f->ca_file, "-----BEGIN CERTIFICATE-----\n", -1, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  herald_test_rm_rf (f->tmpdir);
  g_free (f->ca_file);
  g_free (f->tmpdir);
}

static void
assert_invalid_setting (const GError *error, const char *key)
{
  g_autofree char *quoted = g_strdup_printf ("“%s”", key);

  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING);
  if (strstr (error->message, quoted) == NULL)
    g_test_fail_printf ("Message does not name %s: %s", quoted, error->message);
}

/* " N" + @after, N written as the key's unit is (seconds, bytes or none). */
static char *
range_bound (const GwSettingSpec *spec, guint64 n, const char *after)
{
  g_autofree char *text = NULL;

  if (gw_setting_spec_has_flag (spec, GW_SETTING_FLAG_SECONDS))
    text = gw_units_format_duration (n);
  else if (gw_setting_spec_has_flag (spec, GW_SETTING_FLAG_BYTES))
    text = gw_units_format_size (n);
  else
    text = g_strdup_printf ("%" G_GUINT64_FORMAT, n);
  return g_strconcat (" ", text, after, NULL);
}

static void
check_case (Fixture *f, const Case *c)
{
  const GwSettingSpec *spec = gw_profile_schema_lookup (c->key);
  g_auto(GStrv) transports = gw_profile_schema_dup_transports ();
  const char *value = g_str_equal (c->value, "@CA@") ? f->ca_file : c->value;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) parsed = NULL;

  g_assert_nonnull (spec);
  parsed = gw_setting_parse (c->key, g_variant_new_string (value), &error);
  if (c->ok) {
    g_autofree char *printed = NULL;
    if (error != NULL) {
      g_test_fail_printf ("%s=%s refused: %s", c->key, value, error->message);
      return;
    }
    g_assert_nonnull (parsed);
    g_assert_false (g_variant_is_floating (parsed));
    printed = g_variant_print (parsed, TRUE);
    if (c->expected != NULL)
      g_assert_cmpstr (printed, ==, c->expected);
    return;
  }

  if (parsed != NULL) {
    g_test_fail_printf ("%s=%s accepted", c->key, c->value);
    return;
  }
  assert_invalid_setting (error, c->key);
  /* No control character of the value may come back in the message. */
  for (const char *p = error->message; *p != '\0'; p++)
    g_assert_true ((guchar) *p >= 0x20 && *p != 0x7f);
  if (gw_setting_spec_has_flag (spec, GW_SETTING_FLAG_SECRET))
    g_assert_null (strstr (error->message, "hunter2"));
  if (c->check == BAD_ALLOWED) {
    const char * const bool_values[] = { "true", "false", "yes", "no", "on", "off", NULL };
    const char * const *allowed = gw_setting_spec_get_allowed_values (spec);

    if (gw_setting_spec_get_value_type (spec) == GW_SETTING_BOOLEAN)
      allowed = bool_values;
    else if (g_str_equal (c->key, "transport"))
      allowed = (const char * const *) transports;
    for (guint i = 0; allowed[i] != NULL; i++) {
      if (strstr (error->message, allowed[i]) == NULL)
        g_test_fail_printf ("Message does not list “%s”: %s", allowed[i], error->message);
    }
  } else if (c->check == BAD_RANGE) {
    /* in the key's unit, as gw-units.c writes it: "10s and 1d", "0 bytes and 1 TiB" */
    g_autofree char *lo = range_bound (spec, gw_setting_spec_get_minimum (spec), " ");
    g_autofree char *hi = range_bound (spec, gw_setting_spec_get_maximum (spec), "");
    if (strstr (error->message, lo) == NULL || strstr (error->message, hi) == NULL)
      g_test_fail_printf ("Message does not give the range of %s: %s", c->key, error->message);
  }
}

static void
test_table (Fixture *f, gconstpointer data)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *shown = g_strescape (cases[i].value, NULL);
    g_test_message ("%s = %s", cases[i].key, shown);
    check_case (f, &cases[i]);
  }
}

/* Every key the daemon and the built transports declare, once each, as
 * gw_profile_schema_lookup() knows it. */
static GPtrArray *
all_specs (void)
{
  g_auto(GStrv) transports = gw_profile_schema_dup_transports ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *specs = g_ptr_array_new ();

  for (guint t = 0; transports[t] != NULL; t++) {
    g_autoptr(GPtrArray) list = gw_profile_schema_list_for (transports[t]);

    for (guint i = 0; i < list->len; i++) {
      const char *key = gw_setting_spec_get_key (list->pdata[i]);

      if (g_hash_table_add (seen, (gpointer) key))
        g_ptr_array_add (specs, (gpointer) gw_profile_schema_lookup (key));
    }
  }
  return specs;
}

/* Adding a key to the schema without tests for it fails here. */
static void
test_table_covers_schema (void)
{
  g_autoptr(GPtrArray) specs = all_specs ();

  for (guint s = 0; s < specs->len; s++) {
    const GwSettingSpec *spec = specs->pdata[s];
    const char *key = gw_setting_spec_get_key (spec);
    gboolean good = FALSE, bad = FALSE;

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
      if (g_str_equal (cases[i].key, key)) {
        good |= cases[i].ok;
        bad |= !cases[i].ok;
      }
    }
    if (!good || !bad)
      g_test_fail_printf ("Key “%s” needs a good and a bad value in the test table", key);
    g_assert_cmpstr (gw_setting_spec_get_description (spec), !=, "");
  }
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_nonnull (gw_profile_schema_lookup (cases[i].key));
  /* The keys of 1.0: the daemon's and those of maildir, smtp, smtps, fax;
   * graph-url and graph-user of graph, the daemon's max-recipients-per-day,
   * the OAuth 2.0 sign-in's, tls-client-certificate and tls-client-key
   * (issue 19). */
  g_assert_cmpuint (specs->len, ==, 74);
}

/* The daemon keeps only the keys every profile has; the rest come from
 * the transports, and a profile shows its own transport's. */
static void
test_keys_by_transport (void)
{
  g_autoptr(GPtrArray) maildir = gw_profile_schema_list_for ("maildir");
  g_autoptr(GPtrArray) unknown = gw_profile_schema_list_for ("pager");
  const char * const core[] = {
    "transport", "from-address", "from-name", "allow-from-override", "charset", "plain-text-only",
    "max-attachment-size", "attachments-as-url", "strict-addresses", "retry-interval",
    "expire-after", "max-connections", "rate-limit", "max-recipients-per-day", "fallback",
    "description", NULL
  };

  g_assert_cmpuint (unknown->len, ==, g_strv_length ((char **) core));
  for (guint i = 0; core[i] != NULL; i++) {
    g_assert_nonnull (gw_profile_schema_lookup_for ("pager", core[i]));
    g_assert_true (gw_profile_schema_lookup_for ("pager", core[i]) == gw_profile_schema_lookup (core[i]));
  }
  g_assert_cmpuint (maildir->len, ==, unknown->len + 1);
  g_assert_cmpstr (gw_setting_spec_get_key (maildir->pdata[1]), ==, "maildir-path");
  g_assert_nonnull (gw_profile_schema_lookup_for ("smtps", "pinned-keys"));
  g_assert_null (gw_profile_schema_lookup_for ("maildir", "pinned-keys"));
  g_assert_null (gw_profile_schema_lookup_for ("smtp", "fax-host"));
  /* smtp and smtps declare the same key with their own default. */
  g_assert_cmpstr (gw_setting_spec_get_default (gw_profile_schema_lookup_for ("smtps", "port")), ==, "465");
  g_assert_cmpstr (gw_setting_spec_get_default (gw_profile_schema_lookup_for ("smtp", "port")), ==, "587");
}

/* What a PEM key (GW_SETTING_FLAG_PEM) takes of @text: line feeds, tabs,
 * and a carriage return only before a line feed. */
static gboolean
is_pem_text (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if (strchr ("ab\n\t", *p) == NULL && !(*p == '\r' && p[1] == '\n'))
      return FALSE;
  return TRUE;
}

static void
test_control_characters (void)
{
  const char * const bad[] = { "a\rb", "a\nb", "a\r\nb", "\n", "a\tb", "a\x01", "a\x7f", "a\xc2\x85" };

  g_autoptr(GPtrArray) specs = all_specs ();

  /* Every key, whatever its type, refuses control characters; a PEM key
   * (GW_SETTING_FLAG_PEM) keeps line feeds and tabs, and only them. */
  for (guint s = 0; s < specs->len; s++) {
    const char *key = gw_setting_spec_get_key (specs->pdata[s]);
    gboolean pem = gw_setting_spec_has_flag (specs->pdata[s], GW_SETTING_FLAG_PEM);

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) v = NULL;

      if (pem && is_pem_text (bad[i]))
        continue;
      v = gw_setting_parse (key, g_variant_new_string (bad[i]), &error);
      g_assert_null (v);
      assert_invalid_setting (error, key);
    }
  }
}

static void
test_unknown_key (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) v = gw_setting_parse ("hots", g_variant_new_string ("x"), &error);

  g_assert_null (v);
  assert_invalid_setting (error, "hots");
  g_assert_nonnull (strstr (error->message, "Unknown"));
  g_assert_null (gw_profile_schema_lookup ("hots"));
  g_assert_false (gw_setting_is_secret ("hots"));
  g_assert_true (gw_setting_is_secret ("password"));
  g_assert_false (gw_setting_is_secret ("username"));
}

static void
expect_native (const char *key, GVariant *value, const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) v = gw_setting_parse (key, value, &error);

  if (expected == NULL) {
    g_assert_null (v);
    assert_invalid_setting (error, key);
  } else {
    g_autofree char *printed = NULL;
    g_assert_no_error (error);
    printed = g_variant_print (v, TRUE);
    g_assert_cmpstr (printed, ==, expected);
  }
}

static void
test_native_types (void)
{
  const char * const notify[] = { "failure", "delay", NULL };
  const char * const pins[] = { PIN_B, NULL };
  const char * const bad_notify[] = { "failure", "sometimes", NULL };

  expect_native ("port", g_variant_new_uint32 (25), "uint64 25");
  expect_native ("port", g_variant_new_uint64 (465), "uint64 465");
  expect_native ("port", g_variant_new_int32 (587), "uint64 587");
  expect_native ("port", g_variant_new_int64 (2525), "uint64 2525");
  expect_native ("port", g_variant_new_uint16 (110), "uint64 110");
  expect_native ("port", g_variant_new_byte (25), "uint64 25");
  expect_native ("port", g_variant_new_int32 (-1), NULL);
  expect_native ("port", g_variant_new_uint32 (0), NULL);
  expect_native ("port", g_variant_new_uint64 (G_MAXUINT64), NULL);
  expect_native ("port", g_variant_new_boolean (TRUE), NULL);
  expect_native ("port", g_variant_new_double (25.0), NULL);
  expect_native ("port", g_variant_new_variant (g_variant_new_uint32 (26)), "uint64 26");
  expect_native ("dsn", g_variant_new_boolean (TRUE), "true");
  expect_native ("dsn", g_variant_new_uint32 (1), NULL);
  expect_native ("host", g_variant_new_uint32 (1), NULL);
  expect_native ("host", g_variant_new_strv (pins, -1), NULL);
  expect_native ("dsn-notify", g_variant_new_strv (notify, -1), "['failure', 'delay']");
  expect_native ("dsn-notify", g_variant_new_strv (bad_notify, -1), NULL);
  expect_native ("pinned-keys", g_variant_new_strv (pins, -1),
                 "['fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210']");
  expect_native ("pinned-keys", g_variant_new_strv (NULL, 0), "@as []");
  expect_native ("max-attachment-size", g_variant_new_uint64 (G_GUINT64_CONSTANT (1) << 40),
                 "uint64 1099511627776");
}

static void
expect_default (const char *key, const char *transport, const char *expected)
{
  g_autoptr(GVariant) v = gw_setting_default (key, transport);

  if (expected == NULL) {
    g_assert_null (v);
  } else {
    g_autofree char *printed = NULL;
    g_assert_nonnull (v);
    printed = g_variant_print (v, TRUE);
    g_assert_cmpstr (printed, ==, expected);
  }
}

static void
test_defaults (void)
{
  const char * const transports[] = { "smtp", "smtps", "fax", "maildir", "pager" };
  g_autoptr(GPtrArray) specs = all_specs ();

  expect_default ("port", "smtp", "uint64 587");
  expect_default ("port", "smtps", "uint64 465");
  expect_default ("port", NULL, "uint64 587");
  expect_default ("port", "fax", NULL);
  expect_default ("port", "maildir", NULL);
  expect_default ("security", "smtp", "'starttls'");
  expect_default ("security", "smtps", "'tls'");
  expect_default ("security", "maildir", NULL);
  expect_default ("transport", "smtps", "'smtp'");
  expect_default ("auth", "smtp", "'auto'");
  expect_default ("charset", "smtp", "'utf-8'");
  expect_default ("dsn-notify", "smtp", "['failure']");
  expect_default ("dsn-ret", "smtp", "'hdrs'");
  expect_default ("connect-timeout", "smtp", "uint64 30");
  expect_default ("conversation-timeout", "smtp", "uint64 30");
  expect_default ("retry-interval", "smtp", "uint64 300");
  expect_default ("expire-after", "smtp", "uint64 432000");
  expect_default ("max-connections", "smtp", "uint64 4");
  expect_default ("rate-limit", "smtp", "uint64 0");
  expect_default ("max-attachment-size", "smtp", "uint64 0");
  expect_default ("verify-certificates", "smtp", "true");
  expect_default ("strict-addresses", "smtp", "true");
  expect_default ("pop-before-smtp", "smtp", "false");
  expect_default ("pop-port", "smtp", "uint64 110");
  expect_default ("pop-security", "smtp", "'stls'");
  expect_default ("fax-port", "fax", "uint64 4559");
  expect_default ("fax-max-dials", "fax", "uint64 12");
  expect_default ("fax-max-tries", "fax", "uint64 3");
  expect_default ("host", "smtp", NULL);
  expect_default ("password", "smtp", NULL);
  expect_default ("hots", "smtp", NULL);

  /* Every default validates (a bad one would be a critical, fatal here). */
  for (guint s = 0; s < specs->len; s++) {
    for (guint i = 0; i < G_N_ELEMENTS (transports); i++) {
      g_autoptr(GVariant) v = gw_setting_default (gw_setting_spec_get_key (specs->pdata[s]), transports[i]);
      g_assert_true (v == NULL || !g_variant_is_floating (v));
    }
  }
}

/* Secrets are recognisable by their key alone (heraldctl keeps them off
 * command lines by name): the SDK refuses a spec that breaks the rule. */
static void
test_secret_names (void)
{
  g_autoptr(GwSettingSpec) token = gw_setting_spec_new ("pager-token", GW_SETTING_STRING,
                                                        GW_SETTING_FLAG_SECRET, NULL, "Token");
  g_autoptr(GPtrArray) specs = all_specs ();

  g_assert_nonnull (token);
  g_test_expect_message ("gw-setting-spec", G_LOG_LEVEL_CRITICAL, "*named_like_secret*");
  g_assert_null (gw_setting_spec_new ("pager-code", GW_SETTING_STRING, GW_SETTING_FLAG_SECRET, NULL, "C"));
  g_test_expect_message ("gw-setting-spec", G_LOG_LEVEL_CRITICAL, "*named_like_secret*");
  g_assert_null (gw_setting_spec_new ("pager-key", GW_SETTING_STRING, 0, NULL, "Not a secret"));
  g_test_assert_expected_messages ();
  /* and every key the built transports declare keeps it */
  for (guint i = 0; i < specs->len; i++) {
    const char *name = gw_setting_spec_get_key (specs->pdata[i]);
    const char *last = strrchr (name, '-');
    const char * const words[] = { "password", "secret", "token", "key", "pin", NULL };

    g_assert_cmpint (gw_setting_spec_has_flag (specs->pdata[i], GW_SETTING_FLAG_SECRET), ==,
                     g_strv_contains (words, last != NULL ? last + 1 : name));
  }
}

static void
test_profile_names (void)
{
  const char * const good[] = { "a", "corp-relay", "o365", "fax.office_2", "A1",
                                "a234567890123456789012345678901234567890123456789012345678901234" };
  const char * const bad[] = { "", "-a", ".hidden", "_x", "a b", "a/b", "../x", "a\n", "zürich",
                               "a2345678901234567890123456789012345678901234567890123456789012345" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (gw_profile_name_is_valid (good[i]));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_false (gw_profile_name_is_valid (bad[i]));
  g_assert_false (gw_profile_name_is_valid (NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  herald_test_load_transports ();

  g_test_add ("/profile-schema/table", Fixture, NULL, fixture_setup, test_table, fixture_teardown);
  g_test_add_func ("/profile-schema/table-covers-schema", test_table_covers_schema);
  g_test_add_func ("/profile-schema/keys-by-transport", test_keys_by_transport);
  g_test_add_func ("/profile-schema/control-characters", test_control_characters);
  g_test_add_func ("/profile-schema/unknown-key", test_unknown_key);
  g_test_add_func ("/profile-schema/native-types", test_native_types);
  g_test_add_func ("/profile-schema/defaults", test_defaults);
  g_test_add_func ("/profile-schema/secret-names", test_secret_names);
  g_test_add_func ("/profile-schema/profile-names", test_profile_names);

  return g_test_run ();
}
