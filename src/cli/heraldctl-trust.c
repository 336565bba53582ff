/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* heraldctl-trust.c: heraldctl trust list|show|add|remove
 *
 * The trust manager: certificates the gateway refused, shown with what a
 * person needs to decide whether to trust one (who it was issued to and
 * by whom, when it is valid, its fingerprints, why it was refused, when it
 * was seen), and the keys each profile trusts.
 */
#define G_LOG_DOMAIN "heraldctl"

#include "config.h"

#include <glib/gi18n.h>

#include "heraldctl.h"

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value == NULL)
    json_builder_add_null_value (builder);
  else
    json_builder_add_string_value (builder, value);
}

static void
add_time (JsonBuilder *builder,
          const char  *name,
          GDateTime   *time)
{
  g_autofree char *text = time != NULL ? g_date_time_format_iso8601 (time) : NULL;

  add_string (builder, name, text);
}

static JsonNode *
certificates_to_json (GPtrArray *certificates)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_array (builder);
  for (guint i = 0; i < certificates->len; i++) {
    HeraldCertificate *c = g_ptr_array_index (certificates, i);
    const char * const *errors = herald_certificate_get_errors (c);

    json_builder_begin_object (builder);
    add_string (builder, "profile", herald_certificate_get_profile (c));
    add_string (builder, "host", herald_certificate_get_host (c));
    json_builder_set_member_name (builder, "port");
    json_builder_add_int_value (builder, herald_certificate_get_port (c));
    add_string (builder, "subject", herald_certificate_get_subject (c));
    add_string (builder, "issuer", herald_certificate_get_issuer (c));
    add_time (builder, "not-before", herald_certificate_get_not_before (c));
    add_time (builder, "not-after", herald_certificate_get_not_after (c));
    add_string (builder, "sha256-fingerprint", herald_certificate_get_sha256_fingerprint (c));
    add_string (builder, "spki-pin", herald_certificate_get_spki_pin (c));
    json_builder_set_member_name (builder, "errors");
    json_builder_begin_array (builder);
    for (guint j = 0; errors[j] != NULL; j++)
      json_builder_add_string_value (builder, errors[j]);
    json_builder_end_array (builder);
    add_time (builder, "first-seen", herald_certificate_get_first_seen (c));
    add_time (builder, "last-seen", herald_certificate_get_last_seen (c));
    add_time (builder, "trusted-at", herald_certificate_get_trusted_at (c));
    json_builder_end_object (builder);
  }
  json_builder_end_array (builder);
  return json_builder_get_root (builder);
}

static void
add_cell (GPtrArray  *cells,
          const char *text)
{
  g_ptr_array_add (cells, text != NULL && *text != '\0' ? heraldctl_sanitize (text) : g_strdup ("-"));
}

static char *
format_server (HeraldCertificate *c)
{
  if (herald_certificate_get_host (c) == NULL)
    return NULL;
  return g_strdup_printf ("%s:%u", herald_certificate_get_host (c), herald_certificate_get_port (c));
}

/* The reasons in words, for the refusal codes of the gateway. */
static char *
describe_errors (HeraldCertificate *c)
{
  static const struct { const char *code; const char *text; } texts[] = {
    { "unknown-ca", N_("not signed by a trusted authority") },
    { "bad-identity", N_("issued for another host name") },
    { "not-activated", N_("not valid yet") },
    { "expired", N_("expired") },
    { "revoked", N_("revoked") },
    { "insecure", N_("uses an insecure algorithm") },
    { "generic-error", N_("cannot be verified") },
    { "pin-mismatch", N_("its key matches none of the pinned keys") },
  };
  const char * const *errors = herald_certificate_get_errors (c);
  g_autoptr(GPtrArray) words = g_ptr_array_new ();

  for (guint i = 0; errors[i] != NULL; i++) {
    const char *text = errors[i];
    for (guint j = 0; j < G_N_ELEMENTS (texts); j++) {
      if (g_str_equal (errors[i], texts[j].code))
        text = _(texts[j].text);
    }
    g_ptr_array_add (words, (gpointer) text);
  }
  g_ptr_array_add (words, NULL);
  return g_strjoinv ("; ", (char **) words->pdata);
}

static void
print_list (GPtrArray *certificates,
            gboolean   trusted)
{
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);

  if (certificates->len == 0) {
    g_print ("%s\n", trusted ? _("No trusted keys.") : _("No untrusted certificates."));
    return;
  }
  add_cell (cells, _("PROFILE"));
  add_cell (cells, trusted ? _("SUBJECT") : _("SERVER"));
  add_cell (cells, trusted ? _("TRUSTED") : _("LAST SEEN"));
  add_cell (cells, trusted ? _("SPKI PIN") : _("SHA-256 FINGERPRINT"));
  for (guint i = 0; i < certificates->len; i++) {
    HeraldCertificate *c = g_ptr_array_index (certificates, i);
    g_autofree char *server = format_server (c);
    g_autofree char *when = heraldctl_format_time (trusted ? herald_certificate_get_trusted_at (c)
                                                           : herald_certificate_get_last_seen (c));

    add_cell (cells, herald_certificate_get_profile (c));
    add_cell (cells, trusted ? herald_certificate_get_subject (c) : server);
    add_cell (cells, when);
    add_cell (cells, trusted ? herald_certificate_get_spki_pin (c)
                             : herald_certificate_get_sha256_fingerprint (c));
  }
  heraldctl_print_table (cells, 4);
  if (!trusted)
    g_print ("\n%s\n", _("Run “heraldctl trust show PROFILE FINGERPRINT” for the details."));
}

static void
add_row (GPtrArray  *cells,
         const char *label,
         const char *value)
{
  g_ptr_array_add (cells, g_strconcat (label, ":", NULL));
  add_cell (cells, value);
}

static void
print_details (HeraldCertificate *c,
               gboolean           trusted)
{
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *server = format_server (c);
  g_autofree char *not_before = heraldctl_format_time (herald_certificate_get_not_before (c));
  g_autofree char *not_after = heraldctl_format_time (herald_certificate_get_not_after (c));
  g_autofree char *first = heraldctl_format_time (herald_certificate_get_first_seen (c));
  g_autofree char *last = heraldctl_format_time (herald_certificate_get_last_seen (c));
  g_autofree char *at = heraldctl_format_time (herald_certificate_get_trusted_at (c));
  g_autofree char *errors = describe_errors (c);
  GDateTime *expiry = herald_certificate_get_not_after (c);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  add_row (cells, _("Profile"), herald_certificate_get_profile (c));
  add_row (cells, _("Server"), server);
  add_row (cells, _("Subject"), herald_certificate_get_subject (c));
  if (herald_certificate_get_issuer (c) != NULL &&
      g_strcmp0 (herald_certificate_get_issuer (c), herald_certificate_get_subject (c)) == 0) {
    g_autofree char *issuer = g_strdup_printf (_("%s (self-signed)"), herald_certificate_get_issuer (c));
    add_row (cells, _("Issuer"), issuer);
  } else {
    add_row (cells, _("Issuer"), herald_certificate_get_issuer (c));
  }
  add_row (cells, _("Valid from"), not_before);
  add_row (cells, _("Valid until"), not_after);
  add_row (cells, _("SHA-256 fingerprint"), herald_certificate_get_sha256_fingerprint (c));
  add_row (cells, _("SPKI pin"), herald_certificate_get_spki_pin (c));
  if (!trusted)
    add_row (cells, _("Refused because"), errors);
  add_row (cells, _("First seen"), first);
  add_row (cells, _("Last seen"), last);
  if (trusted)
    add_row (cells, _("Trusted since"), at);
  heraldctl_print_table (cells, 2);
  if (expiry != NULL && g_date_time_compare (expiry, now) < 0)
    g_print ("\n%s\n", _("Warning: this certificate has expired."));
  if (!trusted)
    g_print ("\n%s\n", _("Compare the fingerprint with the one the server's administrator gives "
                         "you through another channel before trusting it; "
                         "“heraldctl trust add PROFILE FINGERPRINT” pins its key in the profile."));
}

static GPtrArray *
list_certificates (HeraldCtl   *ctl,
                   gboolean     trusted,
                   const char  *profile,
                   int         *status)
{
  g_autoptr(GError) error = NULL;
  HeraldClient *client = heraldctl_connect (ctl, status);
  GPtrArray *list;

  if (client == NULL)
    return NULL;
  if (trusted)
    list = herald_client_list_trusted_certificates_sync (client, profile != NULL ? profile : "",
                                                         NULL, &error);
  else
    list = herald_client_list_untrusted_certificates_sync (client, NULL, &error);
  if (list == NULL) {
    *status = heraldctl_fail (ctl, error);
    return NULL;
  }
  if (!trusted && profile != NULL) {
    for (guint i = list->len; i > 0; i--) {
      if (g_strcmp0 (herald_certificate_get_profile (g_ptr_array_index (list, i - 1)), profile) != 0)
        g_ptr_array_remove_index (list, i - 1);
    }
  }
  return list;
}

static int
trust_list (HeraldCtl  *ctl,
            int         argc,
            char      **argv)
{
  gboolean trusted = FALSE;
  const GOptionEntry entries[] = {
    { "trusted", 0, 0, G_OPTION_ARG_NONE, &trusted,
      N_("List the keys the profiles trust instead of the refused certificates"), NULL },
    { NULL }
  };
  g_autoptr(GPtrArray) list = NULL;
  int status = HERALDCTL_EXIT_OK;

  if (!heraldctl_parse_command (ctl, "trust list", _("[PROFILE]"),
                                _("List the server certificates that were refused, or with "
                                  "--trusted the keys that are trusted."), entries, &argc, &argv))
    return HERALDCTL_EXIT_USAGE;
  if (argc > 2)
    return heraldctl_usage_error (_("unexpected argument “%s”"), argv[2]);
  list = list_certificates (ctl, trusted, argc == 2 ? argv[1] : NULL, &status);
  if (list == NULL)
    return status;
  if (ctl->json)
    heraldctl_print_json (certificates_to_json (list));
  else
    print_list (list, trusted);
  return HERALDCTL_EXIT_OK;
}

static gboolean
fingerprint_matches (const char *value,
                     const char *wanted)
{
  g_autoptr(GString) normal = g_string_new (NULL);

  if (value == NULL)
    return FALSE;
  for (const char *p = wanted; *p != '\0'; p++) {
    if (*p != ':')
      g_string_append_c (normal, g_ascii_tolower (*p));
  }
  return g_str_equal (value, normal->str);
}

static int
trust_show (HeraldCtl  *ctl,
            int         argc,
            char      **argv)
{
  int status = HERALDCTL_EXIT_OK;

  if (!heraldctl_parse_command (ctl, "trust show", _("PROFILE FINGERPRINT"),
                                _("Show everything known about a refused or trusted certificate."),
                                NULL, &argc, &argv))
    return HERALDCTL_EXIT_USAGE;
  if (argc != 3)
    return heraldctl_usage_error (_("“trust show” needs a profile and a fingerprint"));

  for (int pass = 0; pass < 2; pass++) {
    gboolean trusted = pass == 1;
    g_autoptr(GPtrArray) list = list_certificates (ctl, trusted, argv[1], &status);

    if (list == NULL)
      return status;
    for (guint i = 0; i < list->len; i++) {
      HeraldCertificate *c = g_ptr_array_index (list, i);
      g_autoptr(GPtrArray) one = NULL;

      if (!fingerprint_matches (herald_certificate_get_sha256_fingerprint (c), argv[2]) &&
          !fingerprint_matches (herald_certificate_get_spki_pin (c), argv[2]))
        continue;
      if (ctl->json) {
        one = g_ptr_array_new ();
        g_ptr_array_add (one, c);
        heraldctl_print_json (certificates_to_json (one));
      } else {
        print_details (c, trusted);
      }
      return HERALDCTL_EXIT_OK;
    }
  }
  g_printerr (_("heraldctl: profile “%s” has no certificate %s\n"), argv[1], argv[2]);
  return HERALDCTL_EXIT_FAILURE;
}

static int
trust_change (HeraldCtl  *ctl,
              int         argc,
              char      **argv,
              gboolean    add)
{
  g_autoptr(GError) error = NULL;
  HeraldClient *client;
  int status = HERALDCTL_EXIT_OK;
  gboolean ok;

  if (!heraldctl_parse_command (ctl, add ? "trust add" : "trust remove",
                                add ? _("PROFILE FINGERPRINT") : _("PROFILE FINGERPRINT|PIN"),
                                add ? _("Trust a refused certificate: pin its key in the profile "
                                        "and retry the profile's deferred deliveries now.")
                                    : _("Stop trusting a key of the profile."),
                                NULL, &argc, &argv))
    return HERALDCTL_EXIT_USAGE;
  if (argc != 3)
    return heraldctl_usage_error (add ? _("“trust add” needs a profile and a fingerprint")
                                      : _("“trust remove” needs a profile and a fingerprint or pin"));
  client = heraldctl_connect (ctl, &status);
  if (client == NULL)
    return status;
  if (add)
    ok = herald_client_trust_certificate_sync (client, argv[1], argv[2], NULL, &error);
  else
    ok = herald_client_untrust_certificate_sync (client, argv[1], argv[2], NULL, &error);
  if (!ok)
    return heraldctl_fail (ctl, error);
  if (!ctl->json)
    g_print (add ? _("Profile “%s” now trusts the certificate; its deferred deliveries are due now.\n")
                 : _("Profile “%s” no longer trusts that key.\n"), argv[1]);
  return HERALDCTL_EXIT_OK;
}

static int
trust_add (HeraldCtl  *ctl,
           int         argc,
           char      **argv)
{
  return trust_change (ctl, argc, argv, TRUE);
}

static int
trust_remove (HeraldCtl  *ctl,
              int         argc,
              char      **argv)
{
  return trust_change (ctl, argc, argv, FALSE);
}

int
heraldctl_trust (HeraldCtl  *ctl,
                 int         argc,
                 char      **argv)
{
  static const HeraldCtlCommand actions[] = {
    { "list", trust_list },
    { "show", trust_show },
    { "add", trust_add },
    { "remove", trust_remove },
    { NULL }
  };

  return heraldctl_run_action (ctl, "trust",
                               _("Usage:\n"
                                 "  heraldctl trust list [--trusted] [PROFILE]\n"
                                 "  heraldctl trust show PROFILE FINGERPRINT\n"
                                 "  heraldctl trust add PROFILE FINGERPRINT\n"
                                 "  heraldctl trust remove PROFILE FINGERPRINT|PIN\n"),
                               actions, argc, argv);
}
