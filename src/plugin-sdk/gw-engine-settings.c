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

/**
 * gw_oauth2_install_settings:
 * @klass: a transport class, in its class_init
 *
 * Installs the keys #GwOAuth2 reads: "oauth2-token-url" (where the
 * client secret and the refresh token are sent: marked
 * %GW_SETTING_FLAG_REDIRECTS_SECRETS), "oauth2-client-id", and the
 * secrets "oauth2-client-secret" and "oauth2-refresh-token".
 */
void
gw_oauth2_install_settings (GwTransportClass *klass)
{
  install (klass, gw_setting_spec_new ("oauth2-token-url", GW_SETTING_URL, REDIRECTS, NULL,
                                       N_("OAuth 2.0 token endpoint")));
  install (klass, gw_setting_spec_new ("oauth2-client-id", GW_SETTING_STRING, 0, NULL,
                                       N_("OAuth 2.0 client id")));
  install (klass, gw_setting_spec_new ("oauth2-client-secret", GW_SETTING_STRING, GW_SETTING_FLAG_SECRET,
                                       NULL, N_("OAuth 2.0 client secret")));
  install (klass, gw_setting_spec_new ("oauth2-refresh-token", GW_SETTING_STRING, GW_SETTING_FLAG_SECRET,
                                       NULL, N_("OAuth 2.0 refresh token")));
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
