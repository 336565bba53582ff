/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-test-result.c: how a test of a profile went */
#define G_LOG_DOMAIN "herald-test-result"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "herald-private.h"
#include "herald-test-result.h"

/**
 * HeraldTestResult:
 *
 * The outcome of herald_client_test_profile(): whether the test message
 * was accepted, the server's own last reply and its enhanced status code,
 * the TLS protocol and cipher, the session transcript with credentials
 * masked, and — when the server's certificate was refused — that
 * certificate as a #HeraldCertificate.
 *
 * A test that ran but failed (the server refused the message, the
 * connection failed, the certificate was refused) is a result whose
 * herald_test_result_get_ok() is %FALSE, not a #GError; errors are kept for
 * a test that could not run at all, such as an unknown profile.
 *
 * Since: 0.1
 */
struct _HeraldTestResult {
  GObject            parent_instance;

  GVariant          *dict;
  gboolean           ok;
  char              *reply;
  char              *enhanced_code;
  char              *tls;
  GStrv              transcript;
  char              *error_message;
  HeraldCertificate *certificate;
};

G_DEFINE_FINAL_TYPE (HeraldTestResult, herald_test_result, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_OK,
  PROP_REPLY,
  PROP_ENHANCED_CODE,
  PROP_TLS,
  PROP_TRANSCRIPT,
  PROP_ERROR_MESSAGE,
  PROP_CERTIFICATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
herald_test_result_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  HeraldTestResult *self = HERALD_TEST_RESULT (object);

  switch (prop_id) {
  case PROP_OK:
    g_value_set_boolean (value, herald_test_result_get_ok (self));
    break;
  case PROP_REPLY:
    g_value_set_string (value, herald_test_result_get_reply (self));
    break;
  case PROP_ENHANCED_CODE:
    g_value_set_string (value, herald_test_result_get_enhanced_code (self));
    break;
  case PROP_TLS:
    g_value_set_string (value, herald_test_result_get_tls (self));
    break;
  case PROP_TRANSCRIPT:
    g_value_set_boxed (value, herald_test_result_get_transcript (self));
    break;
  case PROP_ERROR_MESSAGE:
    g_value_set_string (value, herald_test_result_get_error_message (self));
    break;
  case PROP_CERTIFICATE:
    g_value_set_object (value, herald_test_result_get_certificate (self));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
herald_test_result_finalize (GObject *object)
{
  HeraldTestResult *self = HERALD_TEST_RESULT (object);

  g_clear_pointer (&self->dict, g_variant_unref);
  g_free (self->reply);
  g_free (self->enhanced_code);
  g_free (self->tls);
  g_strfreev (self->transcript);
  g_free (self->error_message);
  g_clear_object (&self->certificate);

  G_OBJECT_CLASS (herald_test_result_parent_class)->finalize (object);
}

static void
herald_test_result_class_init (HeraldTestResultClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = herald_test_result_get_property;
  object_class->finalize = herald_test_result_finalize;
  herald_i18n_init ();

  /**
   * HeraldTestResult:ok:
   *
   * Whether the server accepted the test message.
   *
   * Since: 0.1
   */
  properties[PROP_OK] =
    g_param_spec_boolean ("ok", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldTestResult:reply:
   *
   * The server's last reply.
   *
   * Since: 0.1
   */
  properties[PROP_REPLY] =
    g_param_spec_string ("reply", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldTestResult:enhanced-code:
   *
   * The enhanced status code of that reply.
   *
   * Since: 0.1
   */
  properties[PROP_ENHANCED_CODE] =
    g_param_spec_string ("enhanced-code", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldTestResult:tls:
   *
   * The TLS version and cipher, or %NULL without TLS.
   *
   * Since: 0.1
   */
  properties[PROP_TLS] =
    g_param_spec_string ("tls", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldTestResult:transcript:
   *
   * The session, line by line, with secrets masked.
   *
   * Since: 0.1
   */
  properties[PROP_TRANSCRIPT] =
    g_param_spec_boxed ("transcript", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldTestResult:error-message:
   *
   * Why the test failed, or %NULL.
   *
   * Since: 0.1
   */
  properties[PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldTestResult:certificate:
   *
   * The certificate that was refused, or %NULL.
   *
   * Since: 0.1
   */
  properties[PROP_CERTIFICATE] =
    g_param_spec_object ("certificate", NULL, NULL, HERALD_TYPE_CERTIFICATE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
herald_test_result_init (HeraldTestResult *self)
{
}

/**
 * herald_test_result_new_from_variant:
 * @result: an `a{sv}` dictionary as returned by `TestProfile`: `ok` and
 *   optionally `reply`, `enhanced-code`, `tls`, `transcript`, `error` and
 *   `certificate`
 * @error: return location for a #GError
 *
 * Creates a test result from its D-Bus form. Keys that are missing or
 * empty give %NULL from their getters; unknown keys are ignored but kept
 * in herald_test_result_to_variant().
 *
 * Returns: (transfer full): a new #HeraldTestResult, or %NULL if @result
 *   lacks `ok` or holds an unusable certificate
 *
 * Since: 0.1
 */
HeraldTestResult *
herald_test_result_new_from_variant (GVariant  *result,
                                     GError   **error)
{
  g_autoptr(HeraldTestResult) self = NULL;
  g_autoptr(GVariant) certificate = NULL;

  g_return_val_if_fail (result != NULL, NULL);
  g_return_val_if_fail (g_variant_is_of_type (result, G_VARIANT_TYPE_VARDICT), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (HERALD_TYPE_TEST_RESULT, NULL);
  self->dict = g_variant_ref_sink (result);

  if (!g_variant_lookup (result, "ok", "b", &self->ok)) {
    g_set_error_literal (error, HERALD_ERROR, HERALD_ERROR_FAILED,
                         _("The gateway sent a test result without an outcome"));
    return NULL;
  }
  self->reply = herald_variant_lookup_string (result, "reply");
  self->enhanced_code = herald_variant_lookup_string (result, "enhanced-code");
  self->tls = herald_variant_lookup_string (result, "tls");
  self->error_message = herald_variant_lookup_string (result, "error");
  if (!g_variant_lookup (result, "transcript", "^as", &self->transcript))
    self->transcript = g_new0 (char *, 1);

  certificate = g_variant_lookup_value (result, "certificate", G_VARIANT_TYPE_VARDICT);
  if (certificate != NULL) {
    self->certificate = herald_certificate_new_from_variant (certificate, error);
    if (self->certificate == NULL)
      return NULL;
  }

  return g_steal_pointer (&self);
}

/**
 * herald_test_result_get_ok:
 * @self: a #HeraldTestResult
 *
 * Checks whether the test message was accepted.
 *
 * Returns: %TRUE if the test message was accepted
 *
 * Since: 0.1
 */
gboolean
herald_test_result_get_ok (HeraldTestResult *self)
{
  g_return_val_if_fail (HERALD_IS_TEST_RESULT (self), FALSE);
  return self->ok;
}

/**
 * herald_test_result_get_reply:
 * @self: a #HeraldTestResult
 *
 * Gets the server's own last reply, such as `250 2.0.0 Ok: queued as
 * 4XyZ` or `535 5.7.8 Authentication failed`; for a local Maildir, where
 * the message was stored.
 *
 * Returns: (transfer none) (nullable): the reply text, or %NULL when no
 *   server answered
 *
 * Since: 0.1
 */
const char *
herald_test_result_get_reply (HeraldTestResult *self)
{
  g_return_val_if_fail (HERALD_IS_TEST_RESULT (self), NULL);
  return self->reply;
}

/**
 * herald_test_result_get_enhanced_code:
 * @self: a #HeraldTestResult
 *
 * Gets the enhanced status code of the server's last reply (RFC 3463),
 * such as `5.7.8`, or %NULL when the server sent none.
 *
 * Returns: (transfer none) (nullable): the enhanced status code of the
 *   server's last reply (RFC 3463), such as `5.7.8`, or %NULL when the
 *   server sent none
 *
 * Since: 0.1
 */
const char *
herald_test_result_get_enhanced_code (HeraldTestResult *self)
{
  g_return_val_if_fail (HERALD_IS_TEST_RESULT (self), NULL);
  return self->enhanced_code;
}

/**
 * herald_test_result_get_tls:
 * @self: a #HeraldTestResult
 *
 * Gets the negotiated TLS protocol version and cipher suite, such as
 * `TLSv1.3 TLS_AES_256_GCM_SHA384`, or %NULL when the session did not use
 * TLS.
 *
 * Returns: (transfer none) (nullable): the negotiated TLS protocol
 *   version and cipher suite, such as `TLSv1.3 TLS_AES_256_GCM_SHA384`, or
 *   %NULL when the session did not use TLS
 *
 * Since: 0.1
 */
const char *
herald_test_result_get_tls (HeraldTestResult *self)
{
  g_return_val_if_fail (HERALD_IS_TEST_RESULT (self), NULL);
  return self->tls;
}

/**
 * herald_test_result_get_transcript:
 * @self: a #HeraldTestResult
 *
 * Gets the session as it went, one line per element, what the client sent
 * and what the server answered. Credentials are masked by the gateway
 * before the transcript leaves it.
 *
 * Returns: (transfer none) (array zero-terminated=1): the transcript
 *   lines, possibly empty (a transport without a conversation, such as
 *   the Maildir one, has none)
 *
 * Since: 0.1
 */
const char * const *
herald_test_result_get_transcript (HeraldTestResult *self)
{
  g_return_val_if_fail (HERALD_IS_TEST_RESULT (self), NULL);
  return (const char * const *) self->transcript;
}

/**
 * herald_test_result_get_error_message:
 * @self: a #HeraldTestResult
 *
 * Gets why the test failed, or %NULL if it succeeded.
 *
 * Returns: (transfer none) (nullable): why the test failed, or %NULL if
 *   it succeeded
 *
 * Since: 0.1
 */
const char *
herald_test_result_get_error_message (HeraldTestResult *self)
{
  g_return_val_if_fail (HERALD_IS_TEST_RESULT (self), NULL);
  return self->error_message;
}

/**
 * herald_test_result_get_certificate:
 * @self: a #HeraldTestResult
 *
 * Gets the server's certificate when the test failed because Herald
 * refused it. The gateway also records it as an untrusted certificate of
 * the profile.
 *
 * Returns: (transfer none) (nullable): the refused certificate, or %NULL
 *   if no certificate was refused
 *
 * Since: 0.1
 */
HeraldCertificate *
herald_test_result_get_certificate (HeraldTestResult *self)
{
  g_return_val_if_fail (HERALD_IS_TEST_RESULT (self), NULL);
  return self->certificate;
}

/**
 * herald_test_result_to_variant:
 * @self: a #HeraldTestResult
 *
 * Gets the dictionary the result was made from, including keys this
 * version of the library does not know.
 *
 * Returns: (transfer full): an `a{sv}` #GVariant
 *
 * Since: 0.1
 */
GVariant *
herald_test_result_to_variant (HeraldTestResult *self)
{
  g_return_val_if_fail (HERALD_IS_TEST_RESULT (self), NULL);
  return g_variant_ref (self->dict);
}
