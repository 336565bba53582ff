/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-tls-client.c: a profile's TLS client certificate
 *
 * "tls-client-certificate" is public: PEM text in the profile, or a file.
 * "tls-client-key" is a secret: the PEM key in the secret store, or the
 * path of a key file, which must then be as private as the store itself
 * (the daemon's user, no access for anyone else), checked on the open
 * file each time it is read. The key is parsed by GnuTLS, checked against
 * the certificate, and handed to GIO as unencrypted PKCS #8; every copy of
 * it we make is wiped, and no error says anything about its content.
 */
#define G_LOG_DOMAIN "gw-tls-client"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "gw-secret.h"
#include "gw-setting-spec.h"
#include "gw-tls-client.h"

#define MAX_PEM_FILE (64 * 1024)
#define KEY_ID_SIZE 64

static gboolean
looks_like_pem (const char *text)
{
  return strstr (text, "-----BEGIN ") != NULL;
}

static gboolean
holds_private_key (const char *text)
{
  return strstr (text, "PRIVATE KEY-----") != NULL;
}

/* ---- the values at AddProfile, UpdateProfile and SetSecret ---- */

static gboolean
certificates_parse (const char *pem)
{
  gnutls_x509_crt_t *list = NULL;
  unsigned int n = 0;
  gnutls_datum_t data = { (unsigned char *) pem, (unsigned int) strlen (pem) };
  int rc = gnutls_x509_crt_list_import2 (&list, &n, &data, GNUTLS_X509_FMT_PEM, 0);

  for (unsigned int i = 0; rc >= 0 && i < n; i++)
    gnutls_x509_crt_deinit (list[i]);
  gnutls_free (list);
  return rc >= 0 && n > 0;
}

static gboolean
check_certificate (const GwSettingSpec *spec, GVariant **value, GError **error)
{
  const char *text = g_variant_get_string (*value, NULL);

  if (g_path_is_absolute (text)) {
    if (!g_file_test (text, G_FILE_TEST_IS_REGULAR) || g_access (text, R_OK) != 0)
      return gw_setting_spec_refuse (spec, text, _("not a readable file"), error);
    return TRUE;
  }
  if (!looks_like_pem (text))
    return gw_setting_spec_refuse (spec, NULL, _("give the PEM text of the certificate chain, "
                                                 "or the absolute path of a PEM file"),
                                   error);
  /* A profile's settings are readable by whoever may list it. */
  if (holds_private_key (text))
    return gw_setting_spec_refuse (spec, NULL, _("it holds a private key: set the key as the "
                                                 "secret “tls-client-key”, never in a visible setting"),
                                   error);
  if (!certificates_parse (text))
    return gw_setting_spec_refuse (spec, NULL, _("no PEM certificate in it could be read"), error);
  return TRUE;
}

/* The key as GnuTLS reads it; an error names its kind, never its bytes. */
static gnutls_x509_privkey_t
import_key (const char  *pem,
            GError     **error)
{
  gnutls_x509_privkey_t key = NULL;
  gnutls_datum_t data = { (unsigned char *) pem, (unsigned int) strlen (pem) };
  int rc;

  if (strstr (pem, "ENCRYPTED PRIVATE KEY") != NULL || strstr (pem, "Proc-Type: 4,ENCRYPTED") != NULL) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                         _("the private key is encrypted; give it unencrypted (as a secret, "
                           "or in a file only the daemon can read)"));
    return NULL;
  }
  rc = gnutls_x509_privkey_init (&key);
  if (rc >= 0)
    rc = gnutls_x509_privkey_import2 (key, &data, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN);
  if (rc < 0) {
    if (key != NULL)
      gnutls_x509_privkey_deinit (key);
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 _("no PEM private key could be read (%s)"), gnutls_strerror (rc));
    return NULL;
  }
  return key;
}

static gboolean
check_key (const GwSettingSpec *spec, GVariant **value, GError **error)
{
  const char *text = g_variant_get_string (*value, NULL);
  g_autoptr(GError) local_error = NULL;
  gnutls_x509_privkey_t key;

  /* A path is checked (owner, mode) each time the key file is read. */
  if (g_path_is_absolute (text))
    return TRUE;
  if (!looks_like_pem (text))
    return gw_setting_spec_refuse (spec, NULL, _("give the PEM text of the private key, or the "
                                                 "absolute path of a file only the daemon can read"),
                                   error);
  key = import_key (text, &local_error);
  if (key == NULL)
    return gw_setting_spec_refuse (spec, NULL, local_error->message, error);
  gnutls_x509_privkey_deinit (key);
  return TRUE;
}

void
gw_tls_client_install_settings (GwTransportClass *klass)
{
  GwSettingSpec *spec;

  spec = gw_setting_spec_new ("tls-client-certificate", GW_SETTING_STRING, GW_SETTING_FLAG_PEM, NULL,
                              N_("TLS client certificate to present: PEM text of the chain, "
                                 "or the path of a PEM file"));
  gw_setting_spec_set_check (spec, check_certificate);
  gw_transport_class_install_setting (klass, spec);
  spec = gw_setting_spec_new ("tls-client-key", GW_SETTING_STRING,
                              GW_SETTING_FLAG_SECRET | GW_SETTING_FLAG_PEM, NULL,
                              N_("Private key of the TLS client certificate: its PEM text, or "
                                 "the path of a file only the daemon's user can read"));
  gw_setting_spec_set_check (spec, check_key);
  gw_transport_class_install_setting (klass, spec);
}

/* ---- reading them for a connection ---- */

static gboolean
read_fd (int          fd,
         const char  *path,
         char       **contents,
         GError     **error)
{
  g_autofree char *buffer = g_malloc0 (MAX_PEM_FILE + 1);
  gsize length = 0;

  for (;;) {
    gssize n = read (fd, buffer + length, MAX_PEM_FILE - length);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int saved_errno = errno;

      gnutls_memset (buffer, 0, length);
      g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                   _("Cannot read %s: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }
    if (n == 0)
      break;
    length += n;
    if (length == MAX_PEM_FILE) {
      gnutls_memset (buffer, 0, length);
      g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                   _("%s is larger than %d bytes: not a PEM file"), path, MAX_PEM_FILE);
      return FALSE;
    }
  }
  if (memchr (buffer, '\0', length) != NULL) {
    gnutls_memset (buffer, 0, length);
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("%s is not a PEM file"), path);
    return FALSE;
  }
  *contents = g_steal_pointer (&buffer);
  return TRUE;
}

/*
 * Opens @path and, for a key, checks on the open file that it is a regular
 * file of the daemon's user that nobody else may read or change: a key
 * readable by others is no longer a secret, and one writable by others
 * could be swapped.
 */
static char *
read_pem_file (GwProfile   *profile,
               const char  *key,
               const char  *path,
               gboolean     private,
               GError     **error)
{
  const char *name = gw_profile_get_name (profile);
  g_autofree char *contents = NULL;
  struct stat st;
  int fd;

  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    int saved_errno = errno;

    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("Profile “%s”: cannot open %s (%s): %s"), name, key, path, g_strerror (saved_errno));
    return NULL;
  }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)) {
    close (fd);
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("Profile “%s”: %s (%s) is not a regular file"), name, key, path);
    return NULL;
  }
  if (private && (st.st_uid != geteuid () || (st.st_mode & 0077) != 0)) {
    close (fd);
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("Profile “%s”: the key file %s must belong to the daemon's user (uid %u) and "
                   "be readable by nobody else (mode 0600 or 0400); it belongs to uid %u and has "
                   "mode %04o. The key was not used"),
                 name, path, (guint) geteuid (), (guint) st.st_uid, (guint) (st.st_mode & 07777));
    return NULL;
  }
  if (!read_fd (fd, path, &contents, error)) {
    close (fd);
    return NULL;
  }
  close (fd);
  return g_steal_pointer (&contents);
}

/* The certificate chain's PEM text. */
static char *
dup_certificate_pem (GwProfile  *profile,
                     const char *value,
                     GError    **error)
{
  g_autofree char *text = NULL;

  if (!g_path_is_absolute (value))
    return g_strdup (value);
  text = read_pem_file (profile, "tls-client-certificate", value, FALSE, error);
  if (text == NULL)
    return NULL;
  if (holds_private_key (text)) {
    gnutls_memset (text, 0, strlen (text));
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("Profile “%s”: the certificate file %s holds a private key too; keep the key "
                   "in a file of its own, readable only by the daemon, and name it in "
                   "“tls-client-key”"),
                 gw_profile_get_name (profile), value);
    return NULL;
  }
  return g_steal_pointer (&text);
}

/* The key's PEM text, from the secret store or its file; wipe it. */
static char *
dup_key_pem (GwProfile  *profile,
             GError    **error)
{
  const char *name = gw_profile_get_name (profile);
  g_autoptr(GwSecret) value = NULL;
  g_autoptr(GError) local_error = NULL;

  value = gw_profile_dup_secret (profile, "tls-client-key", &local_error);
  if (value == NULL) {
    if (local_error != NULL)
      g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                   _("Cannot read the tls-client-key of profile “%s”: %s"), name, local_error->message);
    else
      g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                   _("Profile “%s” has a tls-client-certificate but no tls-client-key (set it with "
                     "“heraldctl profile set-password %s --key tls-client-key”)"),
                   name, name);
    return NULL;
  }
  if (g_path_is_absolute (value))
    return read_pem_file (profile, "tls-client-key", value, TRUE, error);
  return g_steal_pointer (&value);
}

static gboolean
key_id (gnutls_x509_crt_t      certificate,
        gnutls_x509_privkey_t  key,
        guchar                *crt_id,
        guchar                *key_id_out,
        size_t                *size)
{
  size_t crt_size = KEY_ID_SIZE;

  *size = KEY_ID_SIZE;
  return gnutls_x509_crt_get_key_id (certificate, GNUTLS_KEYID_USE_SHA256, crt_id, &crt_size) >= 0 &&
         gnutls_x509_privkey_get_key_id (key, GNUTLS_KEYID_USE_SHA256, key_id_out, size) >= 0 &&
         crt_size == *size;
}

/*
 * Checks that @key belongs to the first certificate of @chain_pem and that
 * the certificate is valid now; returns the key as unencrypted PKCS #8 PEM
 * for GIO (wipe it).
 */
static char *
match_key (GwProfile              *profile,
           const char             *chain_pem,
           gnutls_x509_privkey_t   key,
           GError                **error)
{
  const char *name = gw_profile_get_name (profile);
  gnutls_x509_crt_t certificate = NULL;
  gnutls_datum_t data = { (unsigned char *) chain_pem, (unsigned int) strlen (chain_pem) };
  gnutls_datum_t out = { NULL, 0 };
  guchar crt_id[KEY_ID_SIZE], priv_id[KEY_ID_SIZE];
  size_t size = 0;
  gboolean matches;
  time_t now = time (NULL);
  char *pem = NULL;
  int rc;

  rc = gnutls_x509_crt_init (&certificate);
  if (rc >= 0)
    rc = gnutls_x509_crt_import (certificate, &data, GNUTLS_X509_FMT_PEM);
  if (rc < 0) {
    if (certificate != NULL)
      gnutls_x509_crt_deinit (certificate);
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("Profile “%s”: no certificate could be read from tls-client-certificate: %s"),
                 name, gnutls_strerror (rc));
    return NULL;
  }
  matches = key_id (certificate, key, crt_id, priv_id, &size) && memcmp (crt_id, priv_id, size) == 0;
  if (!matches) {
    gnutls_x509_crt_deinit (certificate);
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("Profile “%s”: tls-client-key is not the private key of the (first) "
                   "certificate in tls-client-certificate"),
                 name);
    return NULL;
  }
  if (gnutls_x509_crt_get_expiration_time (certificate) < now ||
      gnutls_x509_crt_get_activation_time (certificate) > now) {
    g_autoptr(GDateTime) until = g_date_time_new_from_unix_utc (gnutls_x509_crt_get_expiration_time (certificate));
    g_autoptr(GDateTime) from = g_date_time_new_from_unix_utc (gnutls_x509_crt_get_activation_time (certificate));
    g_autofree char *until_text = until != NULL ? g_date_time_format_iso8601 (until) : g_strdup ("?");
    g_autofree char *from_text = from != NULL ? g_date_time_format_iso8601 (from) : g_strdup ("?");

    gnutls_x509_crt_deinit (certificate);
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("Profile “%s”: the client certificate is valid from %s to %s, not now"),
                 name, from_text, until_text);
    return NULL;
  }
  gnutls_x509_crt_deinit (certificate);

  rc = gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &out);
  if (rc < 0) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("Profile “%s”: the private key cannot be used: %s"), name, gnutls_strerror (rc));
    return NULL;
  }
  pem = g_strndup ((const char *) out.data, out.size);
  gnutls_memset (out.data, 0, out.size);
  gnutls_free (out.data);
  return pem;
}

GTlsCertificate *
gw_tls_client_certificate_load (GwProfile  *profile,
                                GError    **error)
{
  g_autoptr(GVariant) setting = NULL;
  const char *value;
  const char *name;
  g_autofree char *chain = NULL;
  g_autoptr(GwSecret) key_pem = NULL;
  g_autoptr(GwSecret) pkcs8 = NULL;
  g_autoptr(GwSecret) combined = NULL;
  g_autoptr(GError) local_error = NULL;
  gnutls_x509_privkey_t key;
  GTlsCertificate *certificate;

  g_return_val_if_fail (GW_IS_PROFILE (profile), NULL);

  /* Not gw_profile_get_string(): the OAuth 2.0 client serves transports
   * that may not declare the key, and for them there is nothing to load. */
  setting = gw_profile_dup_value (profile, "tls-client-certificate");
  if (setting == NULL || !g_variant_is_of_type (setting, G_VARIANT_TYPE_STRING))
    return NULL;
  value = g_variant_get_string (setting, NULL);
  if (*value == '\0')
    return NULL;
  name = gw_profile_get_name (profile);
  chain = dup_certificate_pem (profile, value, error);
  if (chain == NULL)
    return NULL;
  key_pem = dup_key_pem (profile, error);
  if (key_pem == NULL)
    return NULL;
  key = import_key (key_pem, &local_error);
  if (key == NULL) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("Profile “%s”: tls-client-key cannot be used: %s"), name, local_error->message);
    return NULL;
  }
  pkcs8 = match_key (profile, chain, key, error);
  gnutls_x509_privkey_deinit (key);
  if (pkcs8 == NULL)
    return NULL;

  combined = g_strconcat (chain, "\n", pkcs8, NULL);
  certificate = g_tls_certificate_new_from_pem (combined, -1, &local_error);
  if (certificate == NULL) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("Profile “%s”: the client certificate cannot be used: %s"), name, local_error->message);
    return NULL;
  }
  return certificate;
}

char *
gw_tls_client_certificate_describe (GTlsCertificate *certificate)
{
  g_autofree char *subject = NULL;
  g_autofree char *issuer = NULL;
  g_autoptr(GByteArray) der = NULL;
  g_autofree char *fingerprint = NULL;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  subject = g_tls_certificate_get_subject_name (certificate);
  issuer = g_tls_certificate_get_issuer_name (certificate);
  g_object_get (certificate, "certificate", &der, NULL);
  if (der != NULL)
    fingerprint = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
  return g_strdup_printf ("%s (issuer: %s, SHA-256 %s)", subject != NULL ? subject : "?",
                          issuer != NULL ? issuer : "?", fingerprint != NULL ? fingerprint : "?");
}
