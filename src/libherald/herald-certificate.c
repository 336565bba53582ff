/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-certificate.c: a server certificate Herald refused */
#define G_LOG_DOMAIN "herald-certificate"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-certificate.h"
#include "herald-error.h"
#include "herald-private.h"

/**
 * HeraldCertificate:
 *
 * The TLS certificate of a mail server that Herald refused, with what an
 * administrator needs to decide whether to trust it: who it was issued to
 * and by whom, when it is valid, its fingerprints and the reasons it was
 * refused.
 *
 * The gateway reports one in the result of herald_client_test_profile()
 * (see herald_test_result_get_certificate()) and records it as an
 * untrusted certificate of the profile.
 *
 * Certificates are read-only snapshots made from the gateway's replies.
 *
 * Since: 0.1
 */
struct _HeraldCertificate {
  GObject    parent_instance;

  GVariant  *dict;
  char      *host;
  guint16    port;
  char      *subject;
  char      *issuer;
  GDateTime *not_before;
  GDateTime *not_after;
  char      *sha256_fingerprint;
  char      *spki_pin;
  GStrv      errors;
  char      *profile;
  GDateTime *first_seen;
  GDateTime *last_seen;
  GDateTime *trusted_at;
};

G_DEFINE_FINAL_TYPE (HeraldCertificate, herald_certificate, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_HOST,
  PROP_PORT,
  PROP_SUBJECT,
  PROP_ISSUER,
  PROP_NOT_BEFORE,
  PROP_NOT_AFTER,
  PROP_SHA256_FINGERPRINT,
  PROP_SPKI_PIN,
  PROP_ERRORS,
  PROP_PROFILE,
  PROP_FIRST_SEEN,
  PROP_LAST_SEEN,
  PROP_TRUSTED_AT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
herald_certificate_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  HeraldCertificate *self = HERALD_CERTIFICATE (object);

  switch (prop_id) {
  case PROP_HOST:
    g_value_set_string (value, herald_certificate_get_host (self));
    break;
  case PROP_PORT:
    g_value_set_uint (value, herald_certificate_get_port (self));
    break;
  case PROP_SUBJECT:
    g_value_set_string (value, herald_certificate_get_subject (self));
    break;
  case PROP_ISSUER:
    g_value_set_string (value, herald_certificate_get_issuer (self));
    break;
  case PROP_NOT_BEFORE:
    g_value_set_boxed (value, herald_certificate_get_not_before (self));
    break;
  case PROP_NOT_AFTER:
    g_value_set_boxed (value, herald_certificate_get_not_after (self));
    break;
  case PROP_SHA256_FINGERPRINT:
    g_value_set_string (value, herald_certificate_get_sha256_fingerprint (self));
    break;
  case PROP_SPKI_PIN:
    g_value_set_string (value, herald_certificate_get_spki_pin (self));
    break;
  case PROP_ERRORS:
    g_value_set_boxed (value, herald_certificate_get_errors (self));
    break;
  case PROP_PROFILE:
    g_value_set_string (value, herald_certificate_get_profile (self));
    break;
  case PROP_FIRST_SEEN:
    g_value_set_boxed (value, herald_certificate_get_first_seen (self));
    break;
  case PROP_LAST_SEEN:
    g_value_set_boxed (value, herald_certificate_get_last_seen (self));
    break;
  case PROP_TRUSTED_AT:
    g_value_set_boxed (value, herald_certificate_get_trusted_at (self));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
herald_certificate_finalize (GObject *object)
{
  HeraldCertificate *self = HERALD_CERTIFICATE (object);

  g_clear_pointer (&self->dict, g_variant_unref);
  g_free (self->host);
  g_free (self->subject);
  g_free (self->issuer);
  g_clear_pointer (&self->not_before, g_date_time_unref);
  g_clear_pointer (&self->not_after, g_date_time_unref);
  g_free (self->sha256_fingerprint);
  g_free (self->spki_pin);
  g_strfreev (self->errors);
  g_free (self->profile);
  g_clear_pointer (&self->first_seen, g_date_time_unref);
  g_clear_pointer (&self->last_seen, g_date_time_unref);
  g_clear_pointer (&self->trusted_at, g_date_time_unref);

  G_OBJECT_CLASS (herald_certificate_parent_class)->finalize (object);
}

static GParamSpec *
readable_string (const char *name)
{
  return g_param_spec_string (name, NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
readable_time (const char *name)
{
  return g_param_spec_boxed (name, NULL, NULL, G_TYPE_DATE_TIME,
                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
}

static void
herald_certificate_class_init (HeraldCertificateClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = herald_certificate_get_property;
  object_class->finalize = herald_certificate_finalize;
  herald_i18n_init ();

  /**
   * HeraldCertificate:host:
   *
   * The server's host name.
   *
   * Since: 0.1
   */
  properties[PROP_HOST] = readable_string ("host");
  /**
   * HeraldCertificate:port:
   *
   * The server's port.
   *
   * Since: 0.1
   */
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldCertificate:subject:
   *
   * The subject of the certificate.
   *
   * Since: 0.1
   */
  properties[PROP_SUBJECT] = readable_string ("subject");
  /**
   * HeraldCertificate:issuer:
   *
   * Its issuer.
   *
   * Since: 0.1
   */
  properties[PROP_ISSUER] = readable_string ("issuer");
  /**
   * HeraldCertificate:not-before:
   *
   * The start of its validity.
   *
   * Since: 0.1
   */
  properties[PROP_NOT_BEFORE] = readable_time ("not-before");
  /**
   * HeraldCertificate:not-after:
   *
   * The end of its validity.
   *
   * Since: 0.1
   */
  properties[PROP_NOT_AFTER] = readable_time ("not-after");
  /**
   * HeraldCertificate:sha256-fingerprint:
   *
   * Its SHA-256 fingerprint.
   *
   * Since: 0.1
   */
  properties[PROP_SHA256_FINGERPRINT] = readable_string ("sha256-fingerprint");
  /**
   * HeraldCertificate:spki-pin:
   *
   * The SHA-256 of its SubjectPublicKeyInfo, for `pinned-keys`.
   *
   * Since: 0.1
   */
  properties[PROP_SPKI_PIN] = readable_string ("spki-pin");
  /**
   * HeraldCertificate:errors:
   *
   * Why it was refused, such as `unknown-ca`.
   *
   * Since: 0.1
   */
  properties[PROP_ERRORS] =
    g_param_spec_boxed ("errors", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldCertificate:profile:
   *
   * The profile that met it.
   *
   * Since: 0.1
   */
  properties[PROP_PROFILE] = readable_string ("profile");
  /**
   * HeraldCertificate:first-seen:
   *
   * When it was first refused.
   *
   * Since: 0.1
   */
  properties[PROP_FIRST_SEEN] = readable_time ("first-seen");
  /**
   * HeraldCertificate:last-seen:
   *
   * When it was last refused.
   *
   * Since: 0.1
   */
  properties[PROP_LAST_SEEN] = readable_time ("last-seen");
  /**
   * HeraldCertificate:trusted-at:
   *
   * When it was trusted, for a trusted key.
   *
   * Since: 0.1
   */
  properties[PROP_TRUSTED_AT] = readable_time ("trusted-at");

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
herald_certificate_init (HeraldCertificate *self)
{
}

/**
 * herald_certificate_new_from_variant:
 * @certificate: an `a{sv}` dictionary as in the `certificate` of the
 *   result of `TestProfile`: `subject`, `issuer`, `not-before` and
 *   `not-after` (microseconds since the epoch), `sha256-fingerprint`,
 *   `spki-pin`, `errors`, `host` and `port`; in the trust manager's lists
 *   also `profile`, `first-seen`, `last-seen` and `trusted-at`
 * @error: return location for a #GError
 *
 * Creates a certificate from its D-Bus form. Keys that are missing or
 * empty give %NULL (or 0) from their getters; unknown keys are ignored but
 * kept in herald_certificate_to_variant().
 *
 * Returns: (transfer full): a new #HeraldCertificate, or %NULL if
 *   @certificate has neither a SHA-256 fingerprint nor a public key pin (a
 *   key pinned by hand in a profile has only its pin)
 *
 * Since: 0.1
 */
HeraldCertificate *
herald_certificate_new_from_variant (GVariant  *certificate,
                                     GError   **error)
{
  g_autoptr(HeraldCertificate) self = NULL;

  g_return_val_if_fail (certificate != NULL, NULL);
  g_return_val_if_fail (g_variant_is_of_type (certificate, G_VARIANT_TYPE_VARDICT), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (HERALD_TYPE_CERTIFICATE, NULL);
  self->dict = g_variant_ref_sink (certificate);

  self->sha256_fingerprint = herald_variant_lookup_string (certificate, "sha256-fingerprint");
  self->spki_pin = herald_variant_lookup_string (certificate, "spki-pin");
  if (self->sha256_fingerprint == NULL && self->spki_pin == NULL) {
    g_set_error_literal (error, HERALD_ERROR, HERALD_ERROR_FAILED,
                         _("The gateway sent a certificate without a fingerprint"));
    return NULL;
  }
  self->host = herald_variant_lookup_string (certificate, "host");
  g_variant_lookup (certificate, "port", "q", &self->port);
  self->subject = herald_variant_lookup_string (certificate, "subject");
  self->issuer = herald_variant_lookup_string (certificate, "issuer");
  self->not_before = herald_variant_lookup_time (certificate, "not-before");
  self->not_after = herald_variant_lookup_time (certificate, "not-after");
  if (!g_variant_lookup (certificate, "errors", "^as", &self->errors))
    self->errors = g_new0 (char *, 1);
  self->profile = herald_variant_lookup_string (certificate, "profile");
  self->first_seen = herald_variant_lookup_time (certificate, "first-seen");
  self->last_seen = herald_variant_lookup_time (certificate, "last-seen");
  self->trusted_at = herald_variant_lookup_time (certificate, "trusted-at");

  return g_steal_pointer (&self);
}

/**
 * herald_certificate_get_host:
 * @self: a #HeraldCertificate
 *
 * Gets the server name Herald connected to, which the certificate was
 * checked against.
 *
 * Returns: (transfer none) (nullable): the server name Herald connected
 *   to, which the certificate was checked against
 *
 * Since: 0.1
 */
const char *
herald_certificate_get_host (HeraldCertificate *self)
{
  g_return_val_if_fail (HERALD_IS_CERTIFICATE (self), NULL);
  return self->host;
}

/**
 * herald_certificate_get_port:
 * @self: a #HeraldCertificate
 *
 * Gets the server's port, or 0 if unknown.
 *
 * Returns: the server's port, or 0 if unknown
 *
 * Since: 0.1
 */
guint16
herald_certificate_get_port (HeraldCertificate *self)
{
  g_return_val_if_fail (HERALD_IS_CERTIFICATE (self), 0);
  return self->port;
}

/**
 * herald_certificate_get_subject:
 * @self: a #HeraldCertificate
 *
 * Gets the subject's distinguished name, such as `CN=mail.example.com`.
 *
 * Returns: (transfer none) (nullable): the subject's distinguished name,
 *   such as `CN=mail.example.com`
 *
 * Since: 0.1
 */
const char *
herald_certificate_get_subject (HeraldCertificate *self)
{
  g_return_val_if_fail (HERALD_IS_CERTIFICATE (self), NULL);
  return self->subject;
}

/**
 * herald_certificate_get_issuer:
 * @self: a #HeraldCertificate
 *
 * Gets the issuer's distinguished name; the same as the subject for a
 * self-signed certificate.
 *
 * Returns: (transfer none) (nullable): the issuer's distinguished name;
 *   the same as the subject for a self-signed certificate
 *
 * Since: 0.1
 */
const char *
herald_certificate_get_issuer (HeraldCertificate *self)
{
  g_return_val_if_fail (HERALD_IS_CERTIFICATE (self), NULL);
  return self->issuer;
}

/**
 * herald_certificate_get_not_before:
 * @self: a #HeraldCertificate
 *
 * Gets the start of the validity period (UTC).
 *
 * Returns: (transfer none) (nullable): the start of the validity period
 *   (UTC)
 *
 * Since: 0.1
 */
GDateTime *
herald_certificate_get_not_before (HeraldCertificate *self)
{
  g_return_val_if_fail (HERALD_IS_CERTIFICATE (self), NULL);
  return self->not_before;
}

/**
 * herald_certificate_get_not_after:
 * @self: a #HeraldCertificate
 *
 * Gets the end of the validity period (UTC).
 *
 * Returns: (transfer none) (nullable): the end of the validity period
 *   (UTC)
 *
 * Since: 0.1
 */
GDateTime *
herald_certificate_get_not_after (HeraldCertificate *self)
{
  g_return_val_if_fail (HERALD_IS_CERTIFICATE (self), NULL);
  return self->not_after;
}

/**
 * herald_certificate_get_sha256_fingerprint:
 * @self: a #HeraldCertificate
 *
 * Gets the SHA-256 of the whole certificate (DER), which names it when
 * trusting it.
 *
 * Returns: (transfer none) (nullable): 64 lower-case hexadecimal digits;
 *   %NULL only for a key pinned by hand, of which only the pin is known
 *
 * Since: 0.1
 */
const char *
herald_certificate_get_sha256_fingerprint (HeraldCertificate *self)
{
  g_return_val_if_fail (HERALD_IS_CERTIFICATE (self), NULL);
  return self->sha256_fingerprint;
}

/**
 * herald_certificate_get_spki_pin:
 * @self: a #HeraldCertificate
 *
 * Gets the SHA-256 of the certificate's SubjectPublicKeyInfo: the value
 * for a profile's `pinned-keys`. Unlike the fingerprint it stays the same
 * when the server's certificate is re-issued for the same key.
 *
 * Returns: (transfer none) (nullable): 64 lower-case hexadecimal digits
 *
 * Since: 0.1
 */
const char *
herald_certificate_get_spki_pin (HeraldCertificate *self)
{
  g_return_val_if_fail (HERALD_IS_CERTIFICATE (self), NULL);
  return self->spki_pin;
}

/**
 * herald_certificate_get_errors:
 * @self: a #HeraldCertificate
 *
 * Gets why the certificate was refused, as short names: `unknown-ca`,
 * `bad-identity`, `expired`, `not-activated`, `revoked`, `insecure`,
 * `generic-error`, `pin-mismatch`; newer gateways may add others.
 *
 * Returns: (transfer none) (array zero-terminated=1): the reasons,
 *   possibly empty
 *
 * Since: 0.1
 */
const char * const *
herald_certificate_get_errors (HeraldCertificate *self)
{
  g_return_val_if_fail (HERALD_IS_CERTIFICATE (self), NULL);
  return (const char * const *) self->errors;
}

/**
 * herald_certificate_to_variant:
 * @self: a #HeraldCertificate
 *
 * Gets the dictionary the certificate was made from, including keys this
 * version of the library does not know.
 *
 * Returns: (transfer full): an `a{sv}` #GVariant
 *
 * Since: 0.1
 */
GVariant *
herald_certificate_to_variant (HeraldCertificate *self)
{
  g_return_val_if_fail (HERALD_IS_CERTIFICATE (self), NULL);
  return g_variant_ref (self->dict);
}

/**
 * herald_certificate_get_profile:
 * @self: a #HeraldCertificate
 *
 * Gets the profile whose server presented the certificate.
 *
 * Returns: (transfer none) (nullable): the profile whose server presented
 *   the certificate, in the trust manager's lists
 *
 * Since: 0.1
 */
const char *
herald_certificate_get_profile (HeraldCertificate *self)
{
  g_return_val_if_fail (HERALD_IS_CERTIFICATE (self), NULL);
  return self->profile;
}

/**
 * herald_certificate_get_first_seen:
 * @self: a #HeraldCertificate
 *
 * Gets when the gateway first refused the certificate.
 *
 * Returns: (transfer none) (nullable): when Herald first refused the
 *   certificate
 *
 * Since: 0.1
 */
GDateTime *
herald_certificate_get_first_seen (HeraldCertificate *self)
{
  g_return_val_if_fail (HERALD_IS_CERTIFICATE (self), NULL);
  return self->first_seen;
}

/**
 * herald_certificate_get_last_seen:
 * @self: a #HeraldCertificate
 *
 * Gets when the gateway last refused the certificate.
 *
 * Returns: (transfer none) (nullable): when Herald last refused the
 *   certificate
 *
 * Since: 0.1
 */
GDateTime *
herald_certificate_get_last_seen (HeraldCertificate *self)
{
  g_return_val_if_fail (HERALD_IS_CERTIFICATE (self), NULL);
  return self->last_seen;
}

/**
 * herald_certificate_get_trusted_at:
 * @self: a #HeraldCertificate
 *
 * Gets when the certificate was trusted.
 *
 * Returns: (transfer none) (nullable): when the certificate was trusted
 *   with herald_client_trust_certificate(), for a trusted certificate
 *
 * Since: 0.1
 */
GDateTime *
herald_certificate_get_trusted_at (HeraldCertificate *self)
{
  g_return_val_if_fail (HERALD_IS_CERTIFICATE (self), NULL);
  return self->trusted_at;
}
