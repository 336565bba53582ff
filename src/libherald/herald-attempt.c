/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-attempt.c: one attempt at a delivery, from the outgoing log */
#define G_LOG_DOMAIN "herald-attempt"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-attempt.h"
#include "herald-error.h"
#include "herald-private.h"

/**
 * HeraldAttempt:
 *
 * One attempt at delivering a notification through one profile, as the
 * gateway's outgoing log keeps it: when it started, how long it took, the
 * recipients it was for, its result, the server's reply with its enhanced
 * status code, and the TLS protocol and cipher used.
 *
 * Get them with herald_delivery_get_log().
 *
 * Since: 0.1
 */
struct _HeraldAttempt {
  GObject    parent_instance;

  GVariant  *dict;
  GDateTime *started;
  guint      duration_ms;
  char      *profile;
  char      *result;
  char      *reply;
  char      *enhanced_code;
  char      *tls;
  GStrv      recipients;
};

G_DEFINE_FINAL_TYPE (HeraldAttempt, herald_attempt, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STARTED,
  PROP_DURATION_MS,
  PROP_PROFILE,
  PROP_RESULT,
  PROP_REPLY,
  PROP_ENHANCED_CODE,
  PROP_TLS,
  PROP_RECIPIENTS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
herald_attempt_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  HeraldAttempt *self = HERALD_ATTEMPT (object);

  switch (prop_id) {
  case PROP_STARTED:
    g_value_set_boxed (value, herald_attempt_get_started (self));
    break;
  case PROP_DURATION_MS:
    g_value_set_uint (value, herald_attempt_get_duration_ms (self));
    break;
  case PROP_PROFILE:
    g_value_set_string (value, herald_attempt_get_profile (self));
    break;
  case PROP_RESULT:
    g_value_set_string (value, herald_attempt_get_result (self));
    break;
  case PROP_REPLY:
    g_value_set_string (value, herald_attempt_get_reply (self));
    break;
  case PROP_ENHANCED_CODE:
    g_value_set_string (value, herald_attempt_get_enhanced_code (self));
    break;
  case PROP_TLS:
    g_value_set_string (value, herald_attempt_get_tls (self));
    break;
  case PROP_RECIPIENTS:
    g_value_set_boxed (value, herald_attempt_get_recipients (self));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
herald_attempt_finalize (GObject *object)
{
  HeraldAttempt *self = HERALD_ATTEMPT (object);

  g_clear_pointer (&self->dict, g_variant_unref);
  g_clear_pointer (&self->started, g_date_time_unref);
  g_free (self->profile);
  g_free (self->result);
  g_free (self->reply);
  g_free (self->enhanced_code);
  g_free (self->tls);
  g_strfreev (self->recipients);

  G_OBJECT_CLASS (herald_attempt_parent_class)->finalize (object);
}

static void
herald_attempt_class_init (HeraldAttemptClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = herald_attempt_get_property;
  object_class->finalize = herald_attempt_finalize;
  herald_i18n_init ();

  /**
   * HeraldAttempt:started:
   *
   * When the attempt started (UTC).
   *
   * Since: 0.1
   */
  properties[PROP_STARTED] =
    g_param_spec_boxed ("started", NULL, NULL, G_TYPE_DATE_TIME,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldAttempt:duration-ms:
   *
   * How long the attempt took, in milliseconds.
   *
   * Since: 0.1
   */
  properties[PROP_DURATION_MS] =
    g_param_spec_uint ("duration-ms", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldAttempt:profile:
   *
   * The profile the attempt went through.
   *
   * Since: 0.1
   */
  properties[PROP_PROFILE] =
    g_param_spec_string ("profile", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldAttempt:result:
   *
   * What came of it: `sent`, `deferred`, `submitted`, `partial` or `failed`.
   *
   * Since: 0.1
   */
  properties[PROP_RESULT] =
    g_param_spec_string ("result", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldAttempt:reply:
   *
   * The server's reply or the local error.
   *
   * Since: 0.1
   */
  properties[PROP_REPLY] =
    g_param_spec_string ("reply", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldAttempt:enhanced-code:
   *
   * The enhanced status code of the reply, such as `5.1.1`.
   *
   * Since: 0.1
   */
  properties[PROP_ENHANCED_CODE] =
    g_param_spec_string ("enhanced-code", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldAttempt:tls:
   *
   * The TLS version and cipher, or %NULL without TLS.
   *
   * Since: 0.1
   */
  properties[PROP_TLS] =
    g_param_spec_string ("tls", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldAttempt:recipients:
   *
   * The recipients tried in this attempt.
   *
   * Since: 0.1
   */
  properties[PROP_RECIPIENTS] =
    g_param_spec_boxed ("recipients", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
herald_attempt_init (HeraldAttempt *self)
{
}

/**
 * herald_attempt_new_from_variant:
 * @attempt: an `a{sv}` dictionary as in the `log` of `GetDelivery`:
 *   `started`, `duration-ms`, `profile`, `result`, `reply`,
 *   `enhanced-code`, `tls` and `recipients`
 * @error: return location for a #GError
 *
 * Creates an attempt from its D-Bus form. Keys that are missing or empty
 * give %NULL from their getters; unknown keys are kept in
 * herald_attempt_to_variant().
 *
 * Returns: (transfer full): a new #HeraldAttempt, or %NULL if @attempt
 *   lacks `started` or `result`
 *
 * Since: 0.1
 */
HeraldAttempt *
herald_attempt_new_from_variant (GVariant  *attempt,
                                 GError   **error)
{
  g_autoptr(HeraldAttempt) self = NULL;

  g_return_val_if_fail (attempt != NULL, NULL);
  g_return_val_if_fail (g_variant_is_of_type (attempt, G_VARIANT_TYPE_VARDICT), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (HERALD_TYPE_ATTEMPT, NULL);
  self->dict = g_variant_ref_sink (attempt);
  self->started = herald_variant_lookup_time (attempt, "started");
  self->result = herald_variant_lookup_string (attempt, "result");
  if (self->started == NULL || self->result == NULL) {
    g_set_error_literal (error, HERALD_ERROR, HERALD_ERROR_FAILED,
                         _("The gateway sent an attempt without its time or result"));
    return NULL;
  }
  g_variant_lookup (attempt, "duration-ms", "u", &self->duration_ms);
  self->profile = herald_variant_lookup_string (attempt, "profile");
  self->reply = herald_variant_lookup_string (attempt, "reply");
  self->enhanced_code = herald_variant_lookup_string (attempt, "enhanced-code");
  self->tls = herald_variant_lookup_string (attempt, "tls");
  if (!g_variant_lookup (attempt, "recipients", "^as", &self->recipients))
    self->recipients = g_new0 (char *, 1);

  return g_steal_pointer (&self);
}

/**
 * herald_attempt_get_started:
 * @self: a #HeraldAttempt
 *
 * Gets when the attempt started, in UTC.
 *
 * Returns: (transfer none): when the attempt started, in UTC
 *
 * Since: 0.1
 */
GDateTime *
herald_attempt_get_started (HeraldAttempt *self)
{
  g_return_val_if_fail (HERALD_IS_ATTEMPT (self), NULL);
  return self->started;
}

/**
 * herald_attempt_get_duration_ms:
 * @self: a #HeraldAttempt
 *
 * Gets how long the attempt took, in milliseconds.
 *
 * Returns: how long the attempt took, in milliseconds
 *
 * Since: 0.1
 */
guint
herald_attempt_get_duration_ms (HeraldAttempt *self)
{
  g_return_val_if_fail (HERALD_IS_ATTEMPT (self), 0);
  return self->duration_ms;
}

/**
 * herald_attempt_get_profile:
 * @self: a #HeraldAttempt
 *
 * Gets the profile the attempt went through.
 *
 * Returns: (transfer none) (nullable): the profile the attempt went
 *   through
 *
 * Since: 0.1
 */
const char *
herald_attempt_get_profile (HeraldAttempt *self)
{
  g_return_val_if_fail (HERALD_IS_ATTEMPT (self), NULL);
  return self->profile;
}

/**
 * herald_attempt_get_result:
 * @self: a #HeraldAttempt
 *
 * Gets the result of the attempt: `sent`, `deferred` (a temporary
 * failure: another attempt follows) or `failed`.
 *
 * Returns: (transfer none): `sent`, `deferred` (a temporary failure:
 *   another attempt follows) or `failed`
 *
 * Since: 0.1
 */
const char *
herald_attempt_get_result (HeraldAttempt *self)
{
  g_return_val_if_fail (HERALD_IS_ATTEMPT (self), NULL);
  return self->result;
}

/**
 * herald_attempt_get_reply:
 * @self: a #HeraldAttempt
 *
 * Gets the server's reply, such as `451 4.3.0 Try again later`, or the
 * local error when no server answered.
 *
 * Returns: (transfer none) (nullable): the server's reply, such as
 *   `451 4.3.0 Try again later`, or the local error when no server
 *   answered
 *
 * Since: 0.1
 */
const char *
herald_attempt_get_reply (HeraldAttempt *self)
{
  g_return_val_if_fail (HERALD_IS_ATTEMPT (self), NULL);
  return self->reply;
}

/**
 * herald_attempt_get_enhanced_code:
 * @self: a #HeraldAttempt
 *
 * Gets the enhanced status code of the reply (RFC 3463), such as `4.3.0`.
 *
 * Returns: (transfer none) (nullable): the enhanced status code of the
 *   reply (RFC 3463), such as `4.3.0`
 *
 * Since: 0.1
 */
const char *
herald_attempt_get_enhanced_code (HeraldAttempt *self)
{
  g_return_val_if_fail (HERALD_IS_ATTEMPT (self), NULL);
  return self->enhanced_code;
}

/**
 * herald_attempt_get_tls:
 * @self: a #HeraldAttempt
 *
 * Gets the TLS protocol version and cipher suite used, such as `TLSv1.3
 * TLS_AES_256_GCM_SHA384`, or %NULL when the attempt did not use TLS.
 *
 * Returns: (transfer none) (nullable): the TLS protocol version and cipher
 *   suite used, such as `TLSv1.3 TLS_AES_256_GCM_SHA384`, or %NULL when the
 *   attempt did not use TLS
 *
 * Since: 0.1
 */
const char *
herald_attempt_get_tls (HeraldAttempt *self)
{
  g_return_val_if_fail (HERALD_IS_ATTEMPT (self), NULL);
  return self->tls;
}

/**
 * herald_attempt_get_recipients:
 * @self: a #HeraldAttempt
 *
 * Gets the recipients the attempt was for, possibly empty.
 *
 * Returns: (transfer none) (array zero-terminated=1): the recipients the
 *   attempt was for, possibly empty
 *
 * Since: 0.1
 */
const char * const *
herald_attempt_get_recipients (HeraldAttempt *self)
{
  g_return_val_if_fail (HERALD_IS_ATTEMPT (self), NULL);
  return (const char * const *) self->recipients;
}

/**
 * herald_attempt_to_variant:
 * @self: a #HeraldAttempt
 *
 * Gets the dictionary the attempt was made from, including keys this
 * version of the library does not know.
 *
 * Returns: (transfer full): an `a{sv}` #GVariant
 *
 * Since: 0.1
 */
GVariant *
herald_attempt_to_variant (HeraldAttempt *self)
{
  g_return_val_if_fail (HERALD_IS_ATTEMPT (self), NULL);
  return g_variant_ref (self->dict);
}
