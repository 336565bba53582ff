/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-error.c: HeraldError and its D-Bus error names */
#define G_LOG_DOMAIN "herald-error"

#include "config.h"

#include <gio/gio.h>

#include "herald-error.h"

static const GDBusErrorEntry herald_error_entries[] = {
  { HERALD_ERROR_FAILED,                 "org.herald.Gateway1.Error.Failed" },
  { HERALD_ERROR_INVALID_ARGUMENT,       "org.herald.Gateway1.Error.InvalidArgument" },
  { HERALD_ERROR_INVALID_SETTING,        "org.herald.Gateway1.Error.InvalidSetting" },
  { HERALD_ERROR_NO_SUCH_PROFILE,        "org.herald.Gateway1.Error.NoSuchProfile" },
  { HERALD_ERROR_PROFILE_EXISTS,         "org.herald.Gateway1.Error.ProfileExists" },
  { HERALD_ERROR_NO_SUCH_DELIVERY,       "org.herald.Gateway1.Error.NoSuchDelivery" },
  { HERALD_ERROR_INVALID_ADDRESS,        "org.herald.Gateway1.Error.InvalidAddress" },
  { HERALD_ERROR_NO_RECIPIENTS,          "org.herald.Gateway1.Error.NoRecipients" },
  { HERALD_ERROR_TOO_LARGE,              "org.herald.Gateway1.Error.TooLarge" },
  { HERALD_ERROR_TRANSPORT_UNAVAILABLE,  "org.herald.Gateway1.Error.TransportUnavailable" },
  { HERALD_ERROR_INVALID_STATE,          "org.herald.Gateway1.Error.InvalidState" },
  { HERALD_ERROR_NOT_AUTHORIZED,         "org.herald.Gateway1.Error.NotAuthorized" },
  { HERALD_ERROR_SECRET_STORE,           "org.herald.Gateway1.Error.SecretStore" },
  { HERALD_ERROR_STORAGE,                "org.herald.Gateway1.Error.Storage" },
  { HERALD_ERROR_NOT_SUPPORTED,          "org.herald.Gateway1.Error.NotSupported" },
  { HERALD_ERROR_QUOTA_EXCEEDED,         "org.herald.Gateway1.Error.QuotaExceeded" },
  { HERALD_ERROR_INVALID_MESSAGE,        "org.herald.Gateway1.Error.InvalidMessage" },
  { HERALD_ERROR_NO_SUCH_TOKEN,          "org.herald.Gateway1.Error.NoSuchToken" },
  { HERALD_ERROR_TOKEN_EXISTS,           "org.herald.Gateway1.Error.TokenExists" },
  { HERALD_ERROR_SIGN_IN_FAILED,         "org.herald.Gateway1.Error.SignInFailed" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (herald_error_entries) == HERALD_ERROR_LAST);

/**
 * herald_error_quark:
 *
 * Registers the D-Bus error names of %HERALD_ERROR on first use, so that an
 * error coming back over D-Bus is turned into its #HeraldError code.
 *
 * Returns: the #GQuark of %HERALD_ERROR
 *
 * Since: 0.1
 */
GQuark
herald_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("herald-error-quark", &quark,
                                      herald_error_entries,
                                      G_N_ELEMENTS (herald_error_entries));
  return (GQuark) quark;
}

/**
 * herald_error_to_dbus_name:
 * @code: a #HeraldError
 *
 * Gets the D-Bus error name of @code, such as
 * `org.herald.Gateway1.Error.NoSuchProfile`.
 *
 * Returns: (transfer none): the D-Bus error name of @code, such as
 *   `org.herald.Gateway1.Error.NoSuchProfile`
 *
 * Since: 0.1
 */
const char *
herald_error_to_dbus_name (HeraldError code)
{
  if ((guint) code >= G_N_ELEMENTS (herald_error_entries))
    code = HERALD_ERROR_FAILED;
  return herald_error_entries[code].dbus_error_name;
}
