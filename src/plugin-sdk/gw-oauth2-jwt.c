/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-oauth2-jwt.c: client assertions (RFC 7523, private_key_jwt) and the
 * random strings of the sign-in flows
 *
 * A client that proves itself with a certificate instead of a secret
 * signs a short-lived JSON Web Token with its private key: RS256 (RSA
 * PKCS #1 v1.5 with SHA-256, by GnuTLS), the header naming the
 * certificate by its SHA-256 thumbprint ("x5t#S256", as Microsoft's
 * identity platform takes it), the claims aud (the token endpoint),
 * iss = sub (the client id), jti (random), nbf, iat and exp (ten minutes
 * on). The key is a secret of the profile and is wiped after use.
 */
#define G_LOG_DOMAIN "gw-oauth2"

#include "config.h"

#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <json-glib/json-glib.h>
#include <glib/gi18n-lib.h>

#include "gw-oauth2-private.h"
#include "gw-secret.h"

#define ASSERTION_LIFETIME_S 600

char *
gw_oauth2_base64url (const guint8 *data,
                     gsize         len)
{
  g_autofree char *plain = g_base64_encode (data, len);
  GString *out = g_string_sized_new (strlen (plain));

  /* RFC 4648 section 5: "-" for "+", "_" for "/", no padding. */
  for (const char *p = plain; *p != '\0' && *p != '='; p++) {
    if (*p == '+')
      g_string_append_c (out, '-');
    else if (*p == '/')
      g_string_append_c (out, '_');
    else
      g_string_append_c (out, *p);
  }
  /* The base64 of a credential: wipe the intermediate copy. */
  gnutls_memset (plain, 0, strlen (plain));
  return g_string_free (out, FALSE);
}

char *
gw_oauth2_random_string (gsize n_bytes)
{
  g_autofree guint8 *bytes = g_malloc (n_bytes);

  /* NULL when GnuTLS has no random numbers: the callers give up. */
  if (gnutls_rnd (GNUTLS_RND_KEY, bytes, n_bytes) != 0)
    return NULL;
  return gw_oauth2_base64url (bytes, n_bytes);
}

static char *
json_to_base64url (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;
  gsize len = 0;

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &len);
  return gw_oauth2_base64url ((const guint8 *) text, len);
}

static gboolean
refuse (GError **error, const char *profile, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
refuse (GError **error, const char *profile, const char *format, ...)
{
  g_autofree char *detail = NULL;
  va_list args;

  va_start (args, format);
  detail = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
               _("Cannot make the OAuth 2.0 client assertion of profile “%s”: %s"), profile, detail);
  return FALSE;
}

/* The SHA-256 thumbprint of the certificate (of its DER encoding), after
 * checking that the certificate holds the public half of @key. */
static char *
certificate_thumbprint (GwProfile *profile, gnutls_privkey_t key, GError **error)
{
  const char *name = gw_profile_get_name (profile);
  const char *path = gw_profile_get_string (profile, "oauth2-client-certificate");
  g_autofree char *pem = NULL;
  gsize pem_len = 0;
  g_autoptr(GError) local_error = NULL;
  gnutls_x509_crt_t crt = NULL;
  gnutls_pubkey_t from_cert = NULL, from_key = NULL;
  guint8 digest[32], cert_id[64], key_id[64];
  size_t digest_len = sizeof digest, cert_id_len = sizeof cert_id, key_id_len = sizeof key_id;
  gnutls_datum_t datum;
  gboolean ok;

  if (path == NULL) {
    refuse (error, name, _("oauth2-client-key is set but oauth2-client-certificate is not"));
    return NULL;
  }
  if (!g_file_get_contents (path, &pem, &pem_len, &local_error)) {
    refuse (error, name, "%s", local_error->message);
    return NULL;
  }
  datum.data = (unsigned char *) pem;
  datum.size = (unsigned int) pem_len;
  ok = gnutls_x509_crt_init (&crt) == 0 &&
       gnutls_x509_crt_import (crt, &datum, GNUTLS_X509_FMT_PEM) == 0;
  if (!ok) {
    if (crt != NULL)
      gnutls_x509_crt_deinit (crt);
    refuse (error, name, _("%s is not a PEM certificate"), path);
    return NULL;
  }
  ok = gnutls_pubkey_init (&from_cert) == 0 && gnutls_pubkey_import_x509 (from_cert, crt, 0) == 0 &&
       gnutls_pubkey_init (&from_key) == 0 && gnutls_pubkey_import_privkey (from_key, key, 0, 0) == 0 &&
       gnutls_pubkey_get_key_id (from_cert, GNUTLS_KEYID_USE_SHA256, cert_id, &cert_id_len) == 0 &&
       gnutls_pubkey_get_key_id (from_key, GNUTLS_KEYID_USE_SHA256, key_id, &key_id_len) == 0 &&
       cert_id_len == key_id_len && memcmp (cert_id, key_id, cert_id_len) == 0;
  if (ok)
    ok = gnutls_x509_crt_get_fingerprint (crt, GNUTLS_DIG_SHA256, digest, &digest_len) == 0;
  else
    refuse (error, name, _("the certificate %s does not belong to oauth2-client-key"), path);
  if (from_cert != NULL)
    gnutls_pubkey_deinit (from_cert);
  if (from_key != NULL)
    gnutls_pubkey_deinit (from_key);
  gnutls_x509_crt_deinit (crt);
  if (!ok) {
    if (error != NULL && *error == NULL)
      refuse (error, name, _("cannot compute the thumbprint of %s"), path);
    return NULL;
  }
  return gw_oauth2_base64url (digest, digest_len);
}

static char *
make_header (const char *thumbprint)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "alg");
  json_builder_add_string_value (builder, "RS256");
  json_builder_set_member_name (builder, "typ");
  json_builder_add_string_value (builder, "JWT");
  json_builder_set_member_name (builder, "x5t#S256");
  json_builder_add_string_value (builder, thumbprint);
  json_builder_end_object (builder);
  return json_to_base64url (builder);
}

static char *
make_claims (const char *audience, const char *client_id)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *jti = gw_oauth2_random_string (18);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (jti == NULL)
    return NULL;
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "aud");
  json_builder_add_string_value (builder, audience);
  json_builder_set_member_name (builder, "iss");
  json_builder_add_string_value (builder, client_id);
  json_builder_set_member_name (builder, "sub");
  json_builder_add_string_value (builder, client_id);
  json_builder_set_member_name (builder, "jti");
  json_builder_add_string_value (builder, jti);
  json_builder_set_member_name (builder, "nbf");
  json_builder_add_int_value (builder, now);
  json_builder_set_member_name (builder, "iat");
  json_builder_add_int_value (builder, now);
  json_builder_set_member_name (builder, "exp");
  json_builder_add_int_value (builder, now + ASSERTION_LIFETIME_S);
  json_builder_end_object (builder);
  return json_to_base64url (builder);
}

/* The private key from the profile's secret (PEM, PKCS #1 or #8). */
static gnutls_privkey_t
load_key (GwProfile *profile, GError **error)
{
  const char *name = gw_profile_get_name (profile);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GwSecret) pem = gw_profile_dup_secret (profile, "oauth2-client-key", &local_error);
  gnutls_privkey_t key = NULL;
  gnutls_datum_t datum;

  if (pem == NULL) {
    refuse (error, name, "%s", local_error != NULL ? local_error->message : _("no oauth2-client-key is stored"));
    return NULL;
  }
  datum.data = (unsigned char *) pem;
  datum.size = (unsigned int) strlen (pem);
  if (gnutls_privkey_init (&key) != 0 ||
      gnutls_privkey_import_x509_raw (key, &datum, GNUTLS_X509_FMT_PEM, NULL, 0) != 0) {
    if (key != NULL)
      gnutls_privkey_deinit (key);
    refuse (error, name, _("oauth2-client-key is not an unencrypted PEM private key"));
    return NULL;
  }
  if (gnutls_privkey_get_pk_algorithm (key, NULL) != GNUTLS_PK_RSA) {
    gnutls_privkey_deinit (key);
    refuse (error, name, _("oauth2-client-key must be an RSA key (the assertion is signed with RS256)"));
    return NULL;
  }
  return key;
}

char *
gw_oauth2_make_client_assertion (GwProfile  *profile,
                                 const char *audience,
                                 const char *client_id,
                                 GError    **error)
{
  gnutls_privkey_t key = load_key (profile, error);
  g_autofree char *thumbprint = NULL;
  g_autofree char *header = NULL;
  g_autofree char *claims = NULL;
  g_autofree char *signing_input = NULL;
  g_autofree char *signature = NULL;
  gnutls_datum_t data, signed_data = { NULL, 0 };
  int rc;

  if (key == NULL)
    return NULL;
  thumbprint = certificate_thumbprint (profile, key, error);
  if (thumbprint == NULL) {
    gnutls_privkey_deinit (key);
    return NULL;
  }
  header = make_header (thumbprint);
  claims = make_claims (audience, client_id);
  if (claims == NULL) {
    gnutls_privkey_deinit (key);
    refuse (error, gw_profile_get_name (profile), _("no random numbers"));
    return NULL;
  }
  signing_input = g_strconcat (header, ".", claims, NULL);
  data.data = (unsigned char *) signing_input;
  data.size = (unsigned int) strlen (signing_input);
  rc = gnutls_privkey_sign_data2 (key, GNUTLS_SIGN_RSA_SHA256, 0, &data, &signed_data);
  gnutls_privkey_deinit (key);
  if (rc != 0) {
    refuse (error, gw_profile_get_name (profile), _("signing failed: %s"), gnutls_strerror (rc));
    return NULL;
  }
  signature = gw_oauth2_base64url (signed_data.data, signed_data.size);
  gnutls_free (signed_data.data);
  return g_strconcat (signing_input, ".", signature, NULL);
}
