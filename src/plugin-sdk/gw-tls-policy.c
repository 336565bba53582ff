/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-tls-policy.c: how a profile trusts a server's TLS certificate
 *
 * The system trust store is GIO's default database and is checked by the
 * TLS backend itself. Everything else (the profile's ca-file, pinned keys,
 * verify-certificates=false) is decided in "accept-certificate", which the
 * backend only emits when the system check failed. The error flags handed
 * to that signal may be incomplete (GnuTLS stops at the first fatal
 * problem), so they are never used to accept: a certificate is accepted
 * only by a pin, by a complete verification against the ca-file database,
 * or by the administrator having turned verification off.
 *
 * Pins are scoped to the endpoint they were trusted for (host:port): a
 * policy sees only the pins of the server it talks to.
 */
#define G_LOG_DOMAIN "gw-tls-policy"

#include "config.h"

#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include <glib/gi18n-lib.h>

#include "gw-tls-policy.h"
#include "gw-tls-policy-private.h"
#include "gw-transport.h"


/**
 * GwTlsPolicy:
 *
 * How a profile trusts a server's TLS certificate: system trust and
 * "ca-file", host name, TLS 1.2 or newer, "pinned-keys".
 */
G_DEFINE_TYPE (GwTlsPolicy, gw_tls_policy, G_TYPE_OBJECT)

static const struct {
  GTlsCertificateFlags flag;
  const char          *name;
} flag_names[] = {
  { G_TLS_CERTIFICATE_UNKNOWN_CA, "unknown-ca" },
  { G_TLS_CERTIFICATE_BAD_IDENTITY, "bad-identity" },
  { G_TLS_CERTIFICATE_EXPIRED, "expired" },
  { G_TLS_CERTIFICATE_NOT_ACTIVATED, "not-activated" },
  { G_TLS_CERTIFICATE_REVOKED, "revoked" },
  { G_TLS_CERTIFICATE_INSECURE, "insecure" },
  { G_TLS_CERTIFICATE_GENERIC_ERROR, "generic-error" },
};

static void
gw_tls_policy_finalize (GObject *object)
{
  GwTlsPolicy *self = GW_TLS_POLICY (object);

  g_free (self->host);
  g_free (self->profile_name);
  g_free (self->ca_file);
  g_clear_object (&self->ca_database);
  g_strfreev (self->pins);
  g_clear_pointer (&self->failure, g_variant_unref);
  g_clear_object (&self->client_certificate);
  G_OBJECT_CLASS (gw_tls_policy_parent_class)->finalize (object);
}

static void
gw_tls_policy_class_init (GwTlsPolicyClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_tls_policy_finalize;
}

static void
gw_tls_policy_init (GwTlsPolicy *self)
{
}

/**
 * gw_tls_policy_new:
 * @profile: a profile with the keys of gw_tls_policy_install_settings()
 * @host: the server's name, checked against its certificate (and sent as SNI)
 * @port: the server's port
 * @error: return location for a #GW_TRANSPORT_ERROR error (an unreadable
 *   "ca-file")
 *
 * Makes the trust rules of one connection from "verify-certificates",
 * "ca-file" and "pinned-keys": system trust plus the CA file, the host name
 * verified, TLS 1.2 or newer, and the pins compared to the SPKI SHA-256;
 * a certificate is never accepted on a partial error list.
 *
 * Returns: (transfer full) (nullable): a new policy
 */
GwTlsPolicy *
gw_tls_policy_new (GwProfile  *profile,
                   const char *host,
                   guint16     port,
                   GError    **error)
{
  g_autoptr(GwTlsPolicy) self = NULL;
  const char *ca_file;

  g_return_val_if_fail (GW_IS_PROFILE (profile), NULL);
  g_return_val_if_fail (host != NULL, NULL);

  self = g_object_new (GW_TYPE_TLS_POLICY, NULL);
  self->host = g_strdup (host);
  self->port = port;
  self->profile_name = g_strdup (gw_profile_get_name (profile));
  self->verify = gw_profile_get_boolean (profile, "verify-certificates");
  self->pins = gw_tls_endpoint_pins (profile, host, port);
  ca_file = gw_profile_get_string (profile, "ca-file");
  if (ca_file != NULL) {
    g_autoptr(GError) local_error = NULL;

    self->ca_file = g_strdup (ca_file);
    self->ca_database = g_tls_file_database_new (ca_file, &local_error);
    if (self->ca_database == NULL) {
      /* The file was readable when the profile was saved; a broken file
       * now is an administrator's problem that may be fixed: retry. */
      g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                   _("Cannot load the CA file “%s”: %s"), ca_file, local_error->message);
      return NULL;
    }
  }
  return g_steal_pointer (&self);
}

/* ---- certificates ---- */

static char *
certificate_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return g_strdup ("");
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
}

static gboolean
pin_is_trusted (GwTlsPolicy     *self,
                GTlsCertificate *certificate)
{
  g_autofree char *pin = NULL;

  if (self->pins == NULL || self->pins[0] == NULL)
    return FALSE;
  pin = gw_tls_spki_pin (certificate, NULL);
  return pin != NULL && g_strv_contains ((const char * const *) self->pins, pin);
}

static gint64
datetime_to_usec (GDateTime *dt)
{
  return g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
}

static void
record_failure (GwTlsPolicy          *self,
                GTlsCertificate      *certificate,
                GTlsCertificateFlags  flags,
                gboolean              pin_mismatch)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_auto(GVariantBuilder) errors = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_STRING_ARRAY);
  g_autofree char *subject = g_tls_certificate_get_subject_name (certificate);
  g_autofree char *issuer = g_tls_certificate_get_issuer_name (certificate);
  g_autoptr(GDateTime) not_before = g_tls_certificate_get_not_valid_before (certificate);
  g_autoptr(GDateTime) not_after = g_tls_certificate_get_not_valid_after (certificate);
  g_autofree char *fingerprint = certificate_fingerprint (certificate);
  g_autofree char *pin = gw_tls_spki_pin (certificate, NULL);

  g_variant_builder_add (&builder, "{sv}", "subject", g_variant_new_string (subject != NULL ? subject : ""));
  g_variant_builder_add (&builder, "{sv}", "issuer", g_variant_new_string (issuer != NULL ? issuer : ""));
  if (not_before != NULL)
    g_variant_builder_add (&builder, "{sv}", "not-before",
                           g_variant_new_int64 (datetime_to_usec (not_before)));
  if (not_after != NULL)
    g_variant_builder_add (&builder, "{sv}", "not-after",
                           g_variant_new_int64 (datetime_to_usec (not_after)));
  g_variant_builder_add (&builder, "{sv}", "sha256-fingerprint", g_variant_new_string (fingerprint));
  g_variant_builder_add (&builder, "{sv}", "spki-pin", g_variant_new_string (pin != NULL ? pin : ""));
  for (guint i = 0; i < G_N_ELEMENTS (flag_names); i++) {
    if (flags & flag_names[i].flag)
      g_variant_builder_add (&errors, "s", flag_names[i].name);
  }
  if (pin_mismatch)
    g_variant_builder_add (&errors, "s", "pin-mismatch");
  g_variant_builder_add (&builder, "{sv}", "errors", g_variant_builder_end (&errors));
  g_variant_builder_add (&builder, "{sv}", "host", g_variant_new_string (self->host));
  g_variant_builder_add (&builder, "{sv}", "port", g_variant_new_uint16 (self->port));
  g_variant_builder_add (&builder, "{sv}", "profile", g_variant_new_string (self->profile_name));

  g_clear_pointer (&self->failure, g_variant_unref);
  self->failure = g_variant_ref_sink (g_variant_builder_end (&builder));
}

/* The verdict of the ca-file database on the whole chain, identity included;
 * G_TLS_CERTIFICATE_GENERIC_ERROR when it could not run. */
static GTlsCertificateFlags
verify_with_ca_file (GwTlsPolicy     *self,
                     GTlsCertificate *certificate)
{
  g_autoptr(GSocketConnectable) identity = g_network_address_new (self->host, self->port);
  g_autoptr(GError) local_error = NULL;
  GTlsCertificateFlags flags;

  flags = g_tls_database_verify_chain (self->ca_database, certificate,
                                       G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER,
                                       identity, NULL, G_TLS_DATABASE_VERIFY_NONE,
                                       NULL, &local_error);
  if (local_error != NULL) {
    g_debug ("Verification against %s failed: %s", self->ca_file, local_error->message);
    return G_TLS_CERTIFICATE_GENERIC_ERROR;
  }
  return flags;
}

/**
 * gw_tls_policy_accept_certificate:
 * @self: a policy
 * @certificate: the server's certificate
 * @errors: what GIO found wrong with it
 *
 * The "accept-certificate" decision for a connection made elsewhere: the
 * pins, ca-file and verify-certificates.
 *
 * Returns: whether to accept @certificate
 */
gboolean
gw_tls_policy_accept_certificate (GwTlsPolicy          *self,
                                  GTlsCertificate      *certificate,
                                  GTlsCertificateFlags  errors)
{
  GTlsCertificateFlags reported = errors;

  g_return_val_if_fail (GW_IS_TLS_POLICY (self), FALSE);

  if (pin_is_trusted (self, certificate))
    return TRUE;
  if (self->ca_database != NULL) {
    GTlsCertificateFlags ca_flags = verify_with_ca_file (self, certificate);

    if (ca_flags == 0)
      return TRUE;
    /* Report what both trust views agree is wrong: a wrong host name under
     * the profile's own CA shows as "bad-identity", not "unknown-ca". */
    reported = (errors & ca_flags) != 0 ? (errors & ca_flags) : (errors | ca_flags);
  }
  if (!self->verify)
    return TRUE;
  record_failure (self, certificate, reported, FALSE);
  return FALSE;
}

static gboolean
on_accept_certificate (GTlsConnection       *connection,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  return gw_tls_policy_accept_certificate (GW_TLS_POLICY (user_data), certificate, errors);
}

/* "not signed by a trusted authority; issued for another host name" */
static char *
describe_failure (GwTlsPolicy *self)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree const char **errors = NULL;

  if (!g_variant_lookup (self->failure, "errors", "^a&s", &errors))
    return g_strdup (_("refused"));
  for (guint i = 0; errors[i] != NULL; i++) {
    const char *text;

    if (g_str_equal (errors[i], "unknown-ca"))
      text = _("not signed by a trusted authority");
    else if (g_str_equal (errors[i], "bad-identity"))
      text = _("issued for another host name");
    else if (g_str_equal (errors[i], "expired"))
      text = _("expired");
    else if (g_str_equal (errors[i], "not-activated"))
      text = _("not valid yet");
    else if (g_str_equal (errors[i], "revoked"))
      text = _("revoked");
    else if (g_str_equal (errors[i], "insecure"))
      text = _("uses an insecure algorithm");
    else if (g_str_equal (errors[i], "pin-mismatch"))
      text = _("its public key matches none of the pinned keys");
    else
      text = _("invalid");
    if (out->len > 0)
      g_string_append (out, "; ");
    g_string_append (out, text);
  }
  if (out->len == 0)
    g_string_append (out, _("invalid"));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * gw_tls_policy_refusal_error:
 * @self: a policy
 *
 * For a TLS connection made elsewhere (libsoup): the error for a
 * certificate that gw_tls_policy_accept_certificate() or the pins of
 * gw_tls_policy_check_connection() refused.
 *
 * Returns: (transfer full) (nullable): a #GW_TRANSPORT_ERROR_TEMPORARY
 *   error, or %NULL when no certificate was refused
 */
GError *
gw_tls_policy_refusal_error (GwTlsPolicy *self)
{
  g_autofree char *reasons = NULL;

  g_return_val_if_fail (GW_IS_TLS_POLICY (self), NULL);

  if (self->failure == NULL)
    return NULL;
  reasons = describe_failure (self);
  return g_error_new (GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                      _("The certificate of %s:%u was refused: %s"), self->host, self->port, reasons);
}

/**
 * gw_tls_policy_check_connection:
 * @self: a policy
 * @tls: the connection, its handshake done
 * @error: return location for a #GW_TRANSPORT_ERROR_TEMPORARY error
 *
 * After the handshake: TLS 1.2 or newer, a certificate, and one of the
 * pinned keys when there are pins.
 *
 * Returns: whether the connection may carry the request
 */
gboolean
gw_tls_policy_check_connection (GwTlsPolicy     *self,
                                GTlsConnection  *tls,
                                GError         **error)
{
  GTlsCertificate *peer;
  GTlsProtocolVersion version;

  g_return_val_if_fail (GW_IS_TLS_POLICY (self), FALSE);
  g_return_val_if_fail (G_IS_TLS_CONNECTION (tls), FALSE);

  version = g_tls_connection_get_protocol_version (tls);
  if (version == G_TLS_PROTOCOL_VERSION_UNKNOWN ||
      version == G_TLS_PROTOCOL_VERSION_SSL_3_0 ||
      version == G_TLS_PROTOCOL_VERSION_TLS_1_0 ||
      version == G_TLS_PROTOCOL_VERSION_TLS_1_1 ||
      version == G_TLS_PROTOCOL_VERSION_DTLS_1_0) {
    g_autofree char *description = gw_tls_describe_connection (tls);

    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                 _("%s:%u negotiated %s; at least TLS 1.2 is required"),
                 self->host, self->port, description);
    return FALSE;
  }

  peer = g_tls_connection_get_peer_certificate (tls);
  if (peer == NULL) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                 _("%s sent no certificate"), self->host);
    return FALSE;
  }
  if (self->pins[0] != NULL && !pin_is_trusted (self, peer)) {
    record_failure (self, peer, 0, TRUE);
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                 _("The certificate of %s:%u was refused: its public key "
                   "matches none of the pinned keys"), self->host, self->port);
    return FALSE;
  }
  return TRUE;
}

static void
handshake_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTlsConnection *tls = G_TLS_CONNECTION (source);
  g_autoptr(GTask) task = G_TASK (user_data);
  GwTlsPolicy *self = g_task_get_source_object (task);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GError) refusal = NULL;

  g_signal_handlers_disconnect_by_func (tls, on_accept_certificate, self);
  if (!g_tls_connection_handshake_finish (tls, result, &local_error)) {
    if (g_error_matches (local_error, G_TLS_ERROR, G_TLS_ERROR_CERTIFICATE_REQUIRED))
      self->certificate_requested = TRUE;
    if (self->failure != NULL) {
      g_task_return_error (task, gw_tls_policy_refusal_error (self));
    } else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_task_return_error (task, g_steal_pointer (&local_error));
    } else if ((refusal = gw_tls_policy_client_refusal_error (self, local_error)) != NULL) {
      g_task_return_error (task, g_steal_pointer (&refusal));
    } else {
      g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                               _("TLS handshake with %s failed: %s"),
                               self->host, local_error->message);
    }
    return;
  }
  if (!gw_tls_policy_check_connection (self, tls, &local_error)) {
    g_task_return_error (task, g_steal_pointer (&local_error));
    return;
  }
  g_task_return_pointer (task, g_object_ref (tls), g_object_unref);
}

/**
 * gw_tls_policy_handshake_async:
 * @self: a policy
 * @base: the plain connection
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the handshake is done
 * @user_data: data for @callback
 *
 * Wraps @base in a #GTlsClientConnection (server identity host:port), runs
 * the handshake, then checks the negotiated version and the pins.
 */
/**
 * gw_tls_policy_start:
 * @self: a policy
 *
 * Before a TLS handshake made elsewhere (libsoup): forgets the last
 * refusal, and warns when certificate verification is off.
 */
void
gw_tls_policy_start (GwTlsPolicy *self)
{
  g_return_if_fail (GW_IS_TLS_POLICY (self));

  g_clear_pointer (&self->failure, g_variant_unref);
  if (!self->verify)
    g_warning ("Certificate verification is off for %s:%u (verify-certificates=false): "
               "the connection is not protected against interception", self->host, self->port);
}

void
gw_tls_policy_handshake_async (GwTlsPolicy         *self,
                               GIOStream           *base,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GSocketConnectable) identity = NULL;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_if_fail (GW_IS_TLS_POLICY (self));
  g_return_if_fail (G_IS_IO_STREAM (base));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gw_tls_policy_handshake_async);
  gw_tls_policy_start (self);

  /* The identity is always set: it is what makes the backend check the
   * host name and send SNI. */
  identity = g_network_address_new (self->host, self->port);
  tls = g_tls_client_connection_new (base, identity, &local_error);
  if (tls == NULL) {
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                             _("TLS is not available: %s"), local_error->message);
    return;
  }
  if (self->client_certificate != NULL) {
    g_tls_connection_set_certificate (G_TLS_CONNECTION (tls), self->client_certificate);
  } else {
    g_autoptr(GTlsInteraction) watch = gw_tls_policy_new_request_watch (self);

    g_tls_connection_set_interaction (G_TLS_CONNECTION (tls), watch);
  }
  self->certificate_requested = FALSE;
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (on_accept_certificate), self);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, cancellable,
                                    handshake_cb, g_steal_pointer (&task));
}

/**
 * gw_tls_policy_handshake_finish:
 * @self: a policy
 * @result: the result given to the callback
 * @error: return location for a #GW_TRANSPORT_ERROR_TEMPORARY error
 *
 * Returns: (transfer full) (nullable): the TLS connection as a #GIOStream
 */
GIOStream *
gw_tls_policy_handshake_finish (GwTlsPolicy  *self,
                                GAsyncResult *result,
                                GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * gw_tls_policy_get_failure:
 * @self: a policy
 *
 * When the certificate was refused, its details for the trust manager:
 * subject, issuer, not-before, not-after (x, µs since the epoch),
 * sha256-fingerprint, spki-pin (64 hex digits each), errors (as:
 * "unknown-ca", "bad-identity", "expired", "not-activated", "revoked",
 * "insecure", "pin-mismatch", "generic-error"), host, port (q).
 *
 * Returns: (transfer full) (nullable): the a{sv}, not floating, or %NULL
 */
GVariant *
gw_tls_policy_get_failure (GwTlsPolicy *self)
{
  g_return_val_if_fail (GW_IS_TLS_POLICY (self), NULL);

  return self->failure != NULL ? g_variant_ref (self->failure) : NULL;
}

/**
 * gw_tls_describe_connection:
 * @connection: a TLS connection after its handshake
 *
 * Returns: (transfer full): "TLSv1.3 TLS_AES_256_GCM_SHA384"
 */
char *
gw_tls_describe_connection (GTlsConnection *connection)
{
  const char *version;
  g_autofree char *cipher = NULL;

  g_return_val_if_fail (G_IS_TLS_CONNECTION (connection), NULL);

  switch (g_tls_connection_get_protocol_version (connection)) {
  case G_TLS_PROTOCOL_VERSION_SSL_3_0: version = "SSLv3"; break;
  case G_TLS_PROTOCOL_VERSION_TLS_1_0: version = "TLSv1.0"; break;
  case G_TLS_PROTOCOL_VERSION_TLS_1_1: version = "TLSv1.1"; break;
  case G_TLS_PROTOCOL_VERSION_TLS_1_2: version = "TLSv1.2"; break;
  case G_TLS_PROTOCOL_VERSION_TLS_1_3: version = "TLSv1.3"; break;
  case G_TLS_PROTOCOL_VERSION_DTLS_1_0: version = "DTLSv1.0"; break;
  case G_TLS_PROTOCOL_VERSION_DTLS_1_2: version = "DTLSv1.2"; break;
  case G_TLS_PROTOCOL_VERSION_UNKNOWN:
  default: version = "TLS"; break;
  }
  cipher = g_tls_connection_get_ciphersuite_name (connection);
  if (cipher == NULL)
    return g_strdup (version);
  return g_strdup_printf ("%s %s", version, cipher);
}
