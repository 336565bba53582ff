/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-tls-endpoint.c: the pins of "pinned-keys": what a pin is, and which
 * server it holds for
 *
 * Trust is scoped to an endpoint, "host:port": the SMTP server, the POP3
 * server and an HTTP API of one profile are different identities even on
 * one machine. A bare pin holds for the profile's own server only.
 */
#define G_LOG_DOMAIN "gw-tls-endpoint"

#include "config.h"

#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include <glib/gi18n-lib.h>

#include "gw-profile-private.h"
#include "gw-tls-policy.h"

/**
 * gw_tls_endpoint_name:
 * @host: a host name or IP literal
 * @port: a port
 *
 * Trust is scoped to an endpoint: the SMTP server, the POP3 server and an
 * HTTP API are different identities even on one machine.
 *
 * Returns: (transfer full): "host:port", the host in lower case and an
 *   IPv6 literal in brackets
 */
char *
gw_tls_endpoint_name (const char *host,
                      guint16     port)
{
  g_autofree char *lower = g_ascii_strdown (host, -1);

  if (strchr (lower, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", lower, port);
  return g_strdup_printf ("%s:%u", lower, port);
}

static gboolean
is_pin (const char *text)
{
  if (strlen (text) != 64)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++) {
    if (!g_ascii_isxdigit (*p))
      return FALSE;
  }
  return TRUE;
}

/**
 * gw_tls_pin_entry_parse:
 * @entry: an entry of "pinned-keys": "PIN" or "PIN@HOST:PORT"
 * @pin: (out) (optional) (transfer full): the pin, in lower case
 * @endpoint: (out) (optional) (transfer full) (nullable): the endpoint as
 *   gw_tls_endpoint_name() makes it, %NULL for a bare pin
 *
 * Splits an entry of "pinned-keys". Checks the syntax only, not that the
 * host is a valid name.
 *
 * Returns: whether @entry is one of the two forms
 */
gboolean
gw_tls_pin_entry_parse (const char  *entry,
                        char       **pin,
                        char       **endpoint)
{
  const char *at = strchr (entry, '@');
  g_autofree char *pin_part = at != NULL ? g_strndup (entry, at - entry) : g_strdup (entry);
  g_autofree char *host = NULL;
  const char *port_text;
  guint64 port = 0;

  if (!is_pin (pin_part))
    return FALSE;
  if (at != NULL) {
    const char *rest = at + 1;

    if (rest[0] == '[') {
      const char *close = strchr (rest, ']');

      if (close == NULL || close[1] != ':')
        return FALSE;
      host = g_strndup (rest + 1, close - rest - 1);
      port_text = close + 2;
      if (strchr (host, ':') == NULL)
        return FALSE;
    } else {
      const char *colon = strrchr (rest, ':');

      if (colon == NULL)
        return FALSE;
      host = g_strndup (rest, colon - rest);
      port_text = colon + 1;
      if (strchr (host, ':') != NULL)
        return FALSE;
    }
    if (*host == '\0' || !g_ascii_isdigit (*port_text) ||
        !g_ascii_string_to_unsigned (port_text, 10, 1, G_MAXUINT16, &port, NULL))
      return FALSE;
  }
  if (pin != NULL)
    *pin = g_ascii_strdown (pin_part, -1);
  if (endpoint != NULL)
    *endpoint = host != NULL ? gw_tls_endpoint_name (host, (guint16) port) : NULL;
  return TRUE;
}

/**
 * gw_tls_profile_endpoint:
 * @profile: a profile
 *
 * The profile's own server, which a bare pin is for: its host and port
 * keys, or for a profile without a host (an HTTP API) the host and port of
 * its transport's URL key flagged %GW_SETTING_FLAG_SERVER_HOST.
 *
 * Returns: (transfer full) (nullable): "host:port", or %NULL when the
 *   profile has neither
 */
char *
gw_tls_profile_endpoint (GwProfile *profile)
{
  const char *host = gw_profile_get_string (profile, "host");
  const char *url = gw_profile_get_server_url (profile);

  if (host != NULL)
    return gw_tls_endpoint_name (host, (guint16) gw_profile_get_uint (profile, "port"));
  if (url != NULL) {
    g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

    if (uri != NULL && g_uri_get_host (uri) != NULL)
      return gw_tls_endpoint_name (g_uri_get_host (uri),
                                   g_uri_get_port (uri) > 0 ? (guint16) g_uri_get_port (uri) : 443);
  }
  return NULL;
}

/**
 * gw_tls_endpoint_pins:
 * @profile: a profile
 * @host: the server's host
 * @port: the server's port
 *
 * The pins of @profile's "pinned-keys" that hold for @host:@port: those
 * scoped to that endpoint, and the bare ones when it is the profile's own
 * server (gw_tls_profile_endpoint()).
 *
 * Returns: (transfer full): the pins, never %NULL
 */
GStrv
gw_tls_endpoint_pins (GwProfile  *profile,
                      const char *host,
                      guint16     port)
{
  g_auto(GStrv) entries = gw_profile_dup_strv (profile, "pinned-keys");
  g_autofree char *here = gw_tls_endpoint_name (host, port);
  g_autofree char *own = gw_tls_profile_endpoint (profile);
  g_autoptr(GStrvBuilder) pins = g_strv_builder_new ();
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; entries != NULL && entries[i] != NULL; i++) {
    g_autofree char *pin = NULL;
    g_autofree char *endpoint = NULL;

    if (!gw_tls_pin_entry_parse (entries[i], &pin, &endpoint)) {
      g_debug ("Ignoring the malformed pin entry “%s”", entries[i]);
      continue;
    }
    if (endpoint != NULL ? !g_str_equal (endpoint, here) : g_strcmp0 (own, here) != 0)
      continue;
    if (!g_ptr_array_find_with_equal_func (seen, pin, g_str_equal, NULL)) {
      g_strv_builder_add (pins, pin);
      g_ptr_array_add (seen, g_steal_pointer (&pin));
    }
  }
  return g_strv_builder_end (pins);
}

/**
 * gw_tls_spki_pin:
 * @certificate: a certificate
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): the SHA-256 of the certificate's DER
 *   SubjectPublicKeyInfo as 64 lower-case hex digits, what "pinned-keys" holds
 */
char *
gw_tls_spki_pin (GTlsCertificate *certificate,
                 GError         **error)
{
  g_autoptr(GByteArray) der = NULL;
  gnutls_x509_crt_t crt = NULL;
  gnutls_pubkey_t pubkey = NULL;
  gnutls_datum_t in, spki = { NULL, 0 };
  char *pin = NULL;
  int rc;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 _("The certificate has no DER form"));
    return NULL;
  }
  in.data = der->data;
  in.size = der->len;
  rc = gnutls_x509_crt_init (&crt);
  if (rc >= 0)
    rc = gnutls_x509_crt_import (crt, &in, GNUTLS_X509_FMT_DER);
  if (rc >= 0)
    rc = gnutls_pubkey_init (&pubkey);
  if (rc >= 0)
    rc = gnutls_pubkey_import_x509 (pubkey, crt, 0);
  if (rc >= 0)
    rc = gnutls_pubkey_export2 (pubkey, GNUTLS_X509_FMT_DER, &spki);
  if (rc >= 0)
    pin = g_compute_checksum_for_data (G_CHECKSUM_SHA256, spki.data, spki.size);
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 _("Cannot read the certificate's public key: %s"), gnutls_strerror (rc));

  gnutls_free (spki.data);
  if (pubkey != NULL)
    gnutls_pubkey_deinit (pubkey);
  if (crt != NULL)
    gnutls_x509_crt_deinit (crt);
  return pin;
}
