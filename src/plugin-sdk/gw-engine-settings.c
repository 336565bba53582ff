/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-engine-settings.c: the profile keys the SDK's engines read
 *
 * A transport that uses an engine installs the engine's keys on its class,
 * so that the SMTP session, the POP login, the OAuth 2.0 refresh and the
 * TLS policy find them on its profiles, with the same meaning and checks
 * in every transport.
 */
#define G_LOG_DOMAIN "gw-engine-settings"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "gw-oauth2.h"
#include "gw-smtp-session.h"
#include "gw-tls-client.h"
#include "gw-tls-policy.h"
#include "gw-transport.h"

static const char * const security_values[] = { "none", "starttls-if-available", "starttls", "tls", NULL };
static const char * const auth_values[] = {
  "none", "auto", "plain", "login", "cram-md5", "scram-sha-1", "scram-sha-256",
  "ntlm", "xoauth2", "oauthbearer", "external", NULL
};
static const char * const pop_security_values[] = { "none", "stls", "tls", NULL };
static const char * const dsn_notify_values[] = { "success", "failure", "delay", "never", NULL };
static const char * const dsn_ret_values[] = { "full", "hdrs", NULL };

/* Where secrets go: a server, or how it is reached and trusted. */
#define REDIRECTS GW_SETTING_FLAG_REDIRECTS_SECRETS

static gboolean
check_readable_file (const GwSettingSpec *spec, GVariant **value, GError **error)
{
  const char *path = g_variant_get_string (*value, NULL);

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR) || g_access (path, R_OK) != 0)
    return gw_setting_spec_refuse (spec, path, _("not a readable file"), error);
  return TRUE;
}

static gboolean
check_dsn_notify (const GwSettingSpec *spec, GVariant **value, GError **error)
{
  g_autofree const char **items = g_variant_get_strv (*value, NULL);

  if (g_strv_contains (items, "never") && g_strv_length ((char **) items) > 1)
    return gw_setting_spec_refuse (spec, NULL, _("“never” cannot be combined with other values"), error);
  return TRUE;
}

static void
install (GwTransportClass *klass, GwSettingSpec *spec)
{
  gw_transport_class_install_setting (klass, spec);
}

/**
 * gw_transport_class_install_timeouts:
 * @klass: a transport class, in its class_init
 *
 * Installs "connect-timeout" (seconds to wait for a connection and its TLS
 * handshake) and "conversation-timeout" (seconds to wait for each reply
 * of the server, the greeting included), both 1–300, default 30: what
 * every engine of the SDK bounds its network waits with.
 */
void
gw_transport_class_install_timeouts (GwTransportClass *klass)
{
  install (klass, gw_setting_spec_new_uint ("connect-timeout", 1, 300, "30", GW_SETTING_FLAG_SECONDS,
                                            N_("Seconds to wait for the TCP connection to be made")));
  install (klass, gw_setting_spec_new_uint ("conversation-timeout", 1, 300, "30", GW_SETTING_FLAG_SECONDS,
                                            N_("Seconds to wait for each server reply after connecting: "
                                               "the greeting, every reply, a TLS handshake")));
}

/**
 * gw_tls_policy_install_settings:
 * @klass: a transport class, in its class_init
 *
 * Installs the keys #GwTlsPolicy reads: "verify-certificates" (default
 * true), "ca-file" (an extra CA bundle, a readable file) and
 * "pinned-keys" (SHA-256 SPKI pins, each alone for the profile's own
 * server or as PIN@HOST:PORT for another, gw_tls_endpoint_pins()). Each decides whom a secret is sent
 * to, so each is marked %GW_SETTING_FLAG_REDIRECTS_SECRETS.
 */
void
gw_tls_policy_install_settings (GwTransportClass *klass)
{
  GwSettingSpec *spec;

  install (klass, gw_setting_spec_new ("verify-certificates", GW_SETTING_BOOLEAN, REDIRECTS, "true",
                                       N_("Reject invalid server certificates")));
  spec = gw_setting_spec_new ("ca-file", GW_SETTING_PATH, REDIRECTS, NULL, N_("Extra trusted CA bundle"));
  gw_setting_spec_set_check (spec, check_readable_file);
  install (klass, spec);
  install (klass, gw_setting_spec_new ("pinned-keys", GW_SETTING_PINS, REDIRECTS, NULL,
                                       N_("SHA-256 pins of server public keys: PIN for the "
                                          "profile's own server, PIN@HOST:PORT for another")));
}

static const char * const provider_values[] = { "generic", "microsoft365", "outlook-com", "gmail", NULL };
static const char * const grant_values[] = { "refresh-token", "client-credentials", NULL };

/* A tenant goes into the endpoints' URLs: a directory id (a GUID), a
 * domain, or "organizations", "common", "consumers"; nothing else. */
static gboolean
check_tenant (const GwSettingSpec *spec, GVariant **value, GError **error)
{
  const char *tenant = g_variant_get_string (*value, NULL);
  gsize len = strlen (tenant);

  for (const char *p = tenant; *p != '\0'; p++) {
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '-')
      return gw_setting_spec_refuse (spec, tenant, _("not a tenant id or domain"), error);
  }
  if (len == 0 || len > 253 || tenant[0] == '.' || tenant[0] == '-')
    return gw_setting_spec_refuse (spec, tenant, _("not a tenant id or domain"), error);
  return TRUE;
}

/* The providers' published endpoints (Microsoft identity platform v2.0,
 * Google OAuth 2.0 for installed apps); the scopes depend on the service
 * and are the transport's presets. */
static void
add_provider_endpoints (GwTransportClass *klass)
{
  static const struct {
    const char *conditions;
    const char *key;
    const char *value;
  } presets[] = {
#define MICROSOFT "https://login.microsoftonline.com/{oauth2-tenant}/oauth2/v2.0/"
    { "provider=microsoft365", "oauth2-tenant",        "organizations" },
    { "provider=microsoft365", "oauth2-authorize-url", MICROSOFT "authorize" },
    { "provider=microsoft365", "oauth2-device-url",    MICROSOFT "devicecode" },
    { "provider=microsoft365", "oauth2-token-url",     MICROSOFT "token" },
    { "provider=outlook-com",  "oauth2-tenant",        "consumers" },
    { "provider=outlook-com",  "oauth2-authorize-url", MICROSOFT "authorize" },
    { "provider=outlook-com",  "oauth2-device-url",    MICROSOFT "devicecode" },
    { "provider=outlook-com",  "oauth2-token-url",     MICROSOFT "token" },
#undef MICROSOFT
    { "provider=gmail",        "oauth2-authorize-url", "https://accounts.google.com/o/oauth2/v2/auth" },
    { "provider=gmail",        "oauth2-device-url",    "https://oauth2.googleapis.com/device/code" },
    { "provider=gmail",        "oauth2-token-url",     "https://oauth2.googleapis.com/token" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    gw_transport_class_add_preset (klass, presets[i].conditions, presets[i].key, presets[i].value);
}

/**
 * gw_oauth2_install_settings:
 * @klass: a transport class, in its class_init
 *
 * Installs the keys #GwOAuth2 and the sign-in read: "provider" (generic,
 * microsoft365, outlook-com, gmail: presets of the endpoints below),
 * "oauth2-tenant" (Microsoft's tenant in the endpoints' URLs),
 * "oauth2-grant" (refresh-token: a person signs in once; or
 * client-credentials: the application itself), the endpoints
 * "oauth2-authorize-url", "oauth2-device-url" and "oauth2-token-url",
 * "oauth2-scope", "oauth2-client-id", "oauth2-client-certificate" (a PEM
 * file whose thumbprint names the key of a certificate assertion), and the
 * secrets "oauth2-client-secret", "oauth2-client-key" (PEM private key
 * that signs the assertion) and "oauth2-refresh-token". Every key that
 * decides where a credential is sent is marked
 * %GW_SETTING_FLAG_REDIRECTS_SECRETS.
 */
void
gw_oauth2_install_settings (GwTransportClass *klass)
{
  GwSettingSpec *spec;

  install (klass, gw_setting_spec_new_enum ("provider", provider_values, "generic", REDIRECTS,
                                            N_("Mail provider whose servers, endpoints and limits "
                                               "are filled in (each can still be set)")));
  spec = gw_setting_spec_new ("oauth2-tenant", GW_SETTING_STRING, REDIRECTS, NULL,
                              N_("Microsoft Entra tenant (directory id or domain) in the OAuth 2.0 endpoints"));
  gw_setting_spec_set_check (spec, check_tenant);
  install (klass, spec);
  install (klass, gw_setting_spec_new_enum ("oauth2-grant", grant_values, "refresh-token", 0,
                                            N_("How access tokens are obtained: with the refresh token of a "
                                               "sign-in, or with the client's own credentials")));
  install (klass, gw_setting_spec_new ("oauth2-authorize-url", GW_SETTING_URL, REDIRECTS, NULL,
                                       N_("OAuth 2.0 authorization endpoint (sign-in in a browser)")));
  install (klass, gw_setting_spec_new ("oauth2-device-url", GW_SETTING_URL, REDIRECTS, NULL,
                                       N_("OAuth 2.0 device authorization endpoint (sign-in with a code)")));
  install (klass, gw_setting_spec_new ("oauth2-token-url", GW_SETTING_URL, REDIRECTS, NULL,
                                       N_("OAuth 2.0 token endpoint")));
  install (klass, gw_setting_spec_new ("oauth2-scope", GW_SETTING_STRING, 0, NULL,
                                       N_("OAuth 2.0 scopes, separated by spaces")));
  install (klass, gw_setting_spec_new ("oauth2-client-id", GW_SETTING_STRING, 0, NULL,
                                       N_("OAuth 2.0 client id")));
  install (klass, gw_setting_spec_new ("oauth2-client-secret", GW_SETTING_STRING, GW_SETTING_FLAG_SECRET,
                                       NULL, N_("OAuth 2.0 client secret")));
  spec = gw_setting_spec_new ("oauth2-client-certificate", GW_SETTING_PATH, 0, NULL,
                              N_("PEM certificate of the key that signs client assertions"));
  gw_setting_spec_set_check (spec, check_readable_file);
  install (klass, spec);
  install (klass, gw_setting_spec_new ("oauth2-client-key", GW_SETTING_STRING,
                                       GW_SETTING_FLAG_SECRET | GW_SETTING_FLAG_PEM,
                                       NULL, N_("PEM private key that signs client assertions")));
  install (klass, gw_setting_spec_new ("oauth2-refresh-token", GW_SETTING_STRING, GW_SETTING_FLAG_SECRET,
                                       NULL, N_("OAuth 2.0 refresh token")));
  add_provider_endpoints (klass);
}

/**
 * gw_smtp_session_install_settings:
 * @klass: a transport class, in its class_init
 * @default_port: the default of "port", such as "587"
 * @default_security: the default of "security": "starttls", or "tls" for
 *   implicit TLS
 *
 * Installs every key #GwSmtpSession reads: the server ("host", "port",
 * "security"), authentication ("auth", "username", "password" and the
 * OAuth 2.0 keys), POP-before-SMTP ("pop-before-smtp", "pop-host",
 * "pop-port", "pop-security", "pop-username", "pop-password"),
 * "helo-name", the timeouts, the TLS keys (gw_tls_policy_install_settings()
 * and the client certificate of gw_tls_client_install_settings()) and DSN
 * ("dsn", "dsn-notify", "dsn-ret").
 */
void
gw_smtp_session_install_settings (GwTransportClass *klass,
                                  const char       *default_port,
                                  const char       *default_security)
{
  GwSettingSpec *spec;

  g_return_if_fail (g_strv_contains (security_values, default_security));
  install (klass, gw_setting_spec_new ("host", GW_SETTING_HOST, REDIRECTS | GW_SETTING_FLAG_SERVER_HOST,
                                       NULL, N_("Mail server host name or IP address")));
  install (klass, gw_setting_spec_new_uint ("port", 1, 65535, default_port, REDIRECTS, N_("Mail server port")));
  install (klass, gw_setting_spec_new_enum ("security", security_values, default_security, REDIRECTS,
                                            N_("Connection security")));
  install (klass, gw_setting_spec_new_enum ("auth", auth_values, "auto", 0, N_("Authentication mechanism")));
  install (klass, gw_setting_spec_new ("username", GW_SETTING_STRING, 0, NULL,
                                       N_("User name for authentication")));
  install (klass, gw_setting_spec_new ("password", GW_SETTING_STRING, GW_SETTING_FLAG_SECRET, NULL,
                                       N_("Password for authentication")));
  gw_oauth2_install_settings (klass);
  install (klass, gw_setting_spec_new ("pop-before-smtp", GW_SETTING_BOOLEAN, REDIRECTS, "false",
                                       N_("Log into a POP3 server before sending")));
  install (klass, gw_setting_spec_new ("pop-host", GW_SETTING_HOST, REDIRECTS | GW_SETTING_FLAG_SERVER_HOST,
                                       NULL, N_("POP3 server")));
  install (klass, gw_setting_spec_new_uint ("pop-port", 1, 65535, "110", REDIRECTS, N_("POP3 server port")));
  install (klass, gw_setting_spec_new_enum ("pop-security", pop_security_values, "stls", REDIRECTS,
                                            N_("POP3 connection security")));
  install (klass, gw_setting_spec_new ("pop-username", GW_SETTING_STRING, 0, NULL, N_("POP3 user name")));
  install (klass, gw_setting_spec_new ("pop-password", GW_SETTING_STRING, GW_SETTING_FLAG_SECRET, NULL,
                                       N_("POP3 password")));
  install (klass, gw_setting_spec_new ("helo-name", GW_SETTING_HOST, 0, NULL,
                                       N_("Name given in EHLO (default: this host's name)")));
  gw_transport_class_install_timeouts (klass);
  gw_tls_policy_install_settings (klass);
  gw_tls_client_install_settings (klass);
  install (klass, gw_setting_spec_new ("dsn", GW_SETTING_BOOLEAN, 0, "false",
                                       N_("Request delivery status notifications")));
  spec = gw_setting_spec_new_string_list ("dsn-notify", dsn_notify_values, "failure", 0,
                                          N_("DSN NOTIFY conditions"));
  gw_setting_spec_set_check (spec, check_dsn_notify);
  install (klass, spec);
  install (klass, gw_setting_spec_new_enum ("dsn-ret", dsn_ret_values, "hdrs", 0,
                                            N_("DSN RET: full message or headers")));
}
