/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-fax-settings.c: the profile keys of the fax transport
 *
 * Every key that decides where, or to whom, one of a fax profile's
 * secrets goes is marked GW_SETTING_FLAG_REDIRECTS_SECRETS here, so the
 * daemon's credential-redirect guard covers it: the servers and URLs, the
 * backend and the SMTP profile mail goes through, and the address
 * template and subject that decide where the PIN is mailed and what
 * carries it.
 */
#define G_LOG_DOMAIN "gw-fax"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "gw-fax-backend.h"
#include "gw-template.h"
#include "gw-tls-client.h"
#include "gw-tls-policy.h"

static const char * const backend_values[] = { "email", "hylafax", "http", NULL };

#define REDIRECTS GW_SETTING_FLAG_REDIRECTS_SECRETS

/* Templates: only the placeholders their expansion fills in (gw-template.c). */
static const char * const address_template_names[] = { "number", NULL };
static const char * const fax_subject_names[] = { "subject", "number", "pin", NULL };

static gboolean
check_template (const GwSettingSpec *spec, const char *tmpl, const char * const *names, GError **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!gw_template_check (tmpl, names, &local_error))
    return gw_setting_spec_refuse (spec, tmpl, local_error->message, error);
  return TRUE;
}

static gboolean
check_address_template (const GwSettingSpec *spec, GVariant **value, GError **error)
{
  const char *tmpl = g_variant_get_string (*value, NULL);
  const GwTemplateValue sample_values[] = { { "number", "4930123456" }, { NULL, NULL } };
  g_autofree char *sample = NULL;

  if (!check_template (spec, tmpl, address_template_names, error))
    return FALSE;
  if (!gw_template_uses (tmpl, "number"))
    return gw_setting_spec_refuse (spec, tmpl, _("must contain “{number}”, as in {number}@fax.example.net"), error);
  sample = gw_template_expand (tmpl, sample_values, NULL);
  if (sample == NULL || !gw_setting_address_is_valid (sample))
    return gw_setting_spec_refuse (spec, tmpl, _("does not make an e-mail address, as in {number}@fax.example.net"), error);
  return TRUE;
}

static gboolean
check_fax_subject (const GwSettingSpec *spec, GVariant **value, GError **error)
{
  return check_template (spec, g_variant_get_string (*value, NULL), fax_subject_names, error);
}

static gboolean
check_country_code (const GwSettingSpec *spec, GVariant **value, GError **error)
{
  const char *raw = g_variant_get_string (*value, NULL);
  const char *cc = raw[0] == '+' ? raw + 1 : raw;
  gsize len = strlen (cc);
  gboolean ok = len >= 1 && len <= 3 && cc[0] != '0';

  for (const char *p = cc; ok && *p != '\0'; p++)
    ok = g_ascii_isdigit (*p);
  if (!ok)
    return gw_setting_spec_refuse (spec, raw, _("must be a country calling code of 1 to 3 digits"), error);
  if (cc != raw) {
    char *digits = g_strdup (cc);
    g_variant_unref (*value);
    *value = g_variant_ref_sink (g_variant_new_take_string (digits));
  }
  return TRUE;
}

static gboolean
check_fax_number (const GwSettingSpec *spec, GVariant **value, GError **error)
{
  const char *num = g_variant_get_string (*value, NULL);
  gsize len = strlen (num);

  if (len > 32 || strspn (num, "0123456789+-(). ") != len || strpbrk (num, "0123456789") == NULL)
    return gw_setting_spec_refuse (spec, num, _("must be a fax number: digits, spaces and + - ( ) ."), error);
  return TRUE;
}

static void
install (GwTransportClass   *klass,
         GwSettingSpec      *spec,
         GwSettingCheckFunc  check)
{
  if (check != NULL)
    gw_setting_spec_set_check (spec, check);
  gw_transport_class_install_setting (klass, spec);
}

static void
install_string (GwTransportClass *klass,
                const char       *key,
                GwSettingType     type,
                GwSettingFlags    flags,
                const char       *description)
{
  install (klass, gw_setting_spec_new (key, type, flags, NULL, description), NULL);
}

/* A table of keys, one declaration each, kept as written */
/* clang-format off */
void
gw_fax_install_settings (GwTransportClass *klass)
{
  install (klass, gw_setting_spec_new_enum ("fax-backend", backend_values, NULL, REDIRECTS,
                                            N_("Fax backend")), NULL);
  install_string (klass, "fax-via", GW_SETTING_PROFILE, REDIRECTS,
                  N_("SMTP profile used by the email fax backend"));
  install (klass, gw_setting_spec_new ("fax-address-template", GW_SETTING_STRING, REDIRECTS, NULL,
                                       N_("Recipient address template containing {number}")),
           check_address_template);
  install (klass, gw_setting_spec_new ("fax-default-country-code", GW_SETTING_STRING, 0, NULL,
                                       N_("Country code for numbers without one")),
           check_country_code);
  install (klass, gw_setting_spec_new ("fax-subject", GW_SETTING_STRING, REDIRECTS, NULL,
                                       N_("Subject of email-to-fax messages")),
           check_fax_subject);
  install_string (klass, "fax-host", GW_SETTING_HOST, REDIRECTS | GW_SETTING_FLAG_SERVER_HOST,
                  N_("HylaFAX server"));
  install (klass, gw_setting_spec_new_uint ("fax-port", 1, 65535, "4559", REDIRECTS,
                                            N_("HylaFAX server port")), NULL);
  install_string (klass, "fax-username", GW_SETTING_STRING, 0, N_("HylaFAX user name"));
  install_string (klass, "fax-password", GW_SETTING_STRING, GW_SETTING_FLAG_SECRET, N_("HylaFAX password"));
  install_string (klass, "fax-notify-address", GW_SETTING_ADDRESS, 0,
                  N_("Address HylaFAX notifies about jobs"));
  install (klass, gw_setting_spec_new_uint ("fax-max-dials", 1, 100, "12", 0,
                                            N_("HylaFAX maximum dials per job")), NULL);
  install (klass, gw_setting_spec_new_uint ("fax-max-tries", 1, 100, "3", 0,
                                            N_("HylaFAX maximum tries per job")), NULL);
  install_string (klass, "fax-api-url", GW_SETTING_URL, REDIRECTS | GW_SETTING_FLAG_SERVER_HOST,
                  N_("Fax HTTP API endpoint"));
  install_string (klass, "fax-api-key", GW_SETTING_STRING, GW_SETTING_FLAG_SECRET, N_("Fax HTTP API key"));
  install (klass, gw_setting_spec_new ("fax-from-number", GW_SETTING_STRING, 0, NULL,
                                       N_("Sending fax number")),
           check_fax_number);
  install_string (klass, "fax-connection-id", GW_SETTING_STRING, 0, N_("Fax HTTP API connection id"));
  install_string (klass, "fax-webhook-url", GW_SETTING_URL, 0, N_("Status webhook URL given to the fax API"));
  install_string (klass, "fax-webhook-secret", GW_SETTING_STRING, GW_SETTING_FLAG_SECRET,
                  N_("Secret that signs fax API webhooks"));
  install_string (klass, "fax-pin", GW_SETTING_STRING, GW_SETTING_FLAG_SECRET,
                  N_("PIN the email fax provider wants, as {pin} in fax-subject"));
  install (klass, gw_setting_spec_new_uint ("fax-poll-interval", 10, 86400, "60", GW_SETTING_FLAG_SECONDS,
                                            N_("Seconds between status queries of a submitted fax")), NULL);
  /* The hylafax and http backends reach servers with the SDK's timeouts,
   * and the http backend trusts its API server by the TLS keys and may
   * present a client certificate to it (mutual TLS). */
  gw_transport_class_install_timeouts (klass);
  gw_tls_policy_install_settings (klass);
  gw_tls_client_install_settings (klass);
}
/* clang-format on */
