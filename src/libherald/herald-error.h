/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-error.h: the one public error domain of Herald */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * HERALD_ERROR:
 *
 * The error domain of Herald. Errors returned by the gateway over D-Bus are
 * mapped to it, so C, Python and JavaScript callers receive a
 * #HeraldError code rather than a generic D-Bus error.
 *
 * Since: 0.1
 */
#define HERALD_ERROR (herald_error_quark ())

/**
 * HeraldError:
 * @HERALD_ERROR_FAILED: a failure with no more specific code
 * @HERALD_ERROR_INVALID_ARGUMENT: a method argument is malformed
 * @HERALD_ERROR_INVALID_SETTING: a profile setting has a bad key or value
 * @HERALD_ERROR_NO_SUCH_PROFILE: the named profile does not exist
 * @HERALD_ERROR_PROFILE_EXISTS: a profile of that name already exists
 * @HERALD_ERROR_NO_SUCH_DELIVERY: no delivery has that id
 * @HERALD_ERROR_INVALID_ADDRESS: an address is malformed or unsafe
 * @HERALD_ERROR_NO_RECIPIENTS: a notification names no recipient
 * @HERALD_ERROR_TOO_LARGE: a notification or attachment exceeds a limit
 * @HERALD_ERROR_TRANSPORT_UNAVAILABLE: the profile's transport is not installed
 * @HERALD_ERROR_INVALID_STATE: the operation does not fit the object's state
 * @HERALD_ERROR_NOT_AUTHORIZED: the caller may not do this
 * @HERALD_ERROR_SECRET_STORE: the encrypted secret store cannot be used
 * @HERALD_ERROR_STORAGE: the queue or profile storage failed (disk full, ...)
 * @HERALD_ERROR_NOT_SUPPORTED: the request is valid but not supported
 * @HERALD_ERROR_QUOTA_EXCEEDED: the caller is over one of its quotas (the
 *   message names the limit); nothing was stored
 * @HERALD_ERROR_INVALID_MESSAGE: a complete message (SendMessage, herald-sendmail)
 *   is malformed or unsafe: header syntax, a NUL or bare CR in a header, an
 *   overlong header line
 * @HERALD_ERROR_NO_SUCH_TOKEN: no HTTP API token has that name
 * @HERALD_ERROR_TOKEN_EXISTS: an HTTP API token of that name already exists
 * @HERALD_ERROR_SIGN_IN_FAILED: an OAuth 2.0 sign-in did not succeed: declined,
 *   expired, refused by the provider (its words in the message), or the
 *   profile lacks an endpoint
 *
 * Error codes of %HERALD_ERROR. Each has a D-Bus error name
 * `org.herald.Gateway1.Error.*`.
 *
 * Since: 0.1
 */
typedef enum {
  HERALD_ERROR_FAILED,
  HERALD_ERROR_INVALID_ARGUMENT,
  HERALD_ERROR_INVALID_SETTING,
  HERALD_ERROR_NO_SUCH_PROFILE,
  HERALD_ERROR_PROFILE_EXISTS,
  HERALD_ERROR_NO_SUCH_DELIVERY,
  HERALD_ERROR_INVALID_ADDRESS,
  HERALD_ERROR_NO_RECIPIENTS,
  HERALD_ERROR_TOO_LARGE,
  HERALD_ERROR_TRANSPORT_UNAVAILABLE,
  HERALD_ERROR_INVALID_STATE,
  HERALD_ERROR_NOT_AUTHORIZED,
  HERALD_ERROR_SECRET_STORE,
  HERALD_ERROR_STORAGE,
  HERALD_ERROR_NOT_SUPPORTED,
  HERALD_ERROR_QUOTA_EXCEEDED,
  HERALD_ERROR_INVALID_MESSAGE,
  HERALD_ERROR_NO_SUCH_TOKEN,
  HERALD_ERROR_TOKEN_EXISTS,
  HERALD_ERROR_SIGN_IN_FAILED,
  /*< private >*/
  HERALD_ERROR_LAST
} HeraldError;

GQuark       herald_error_quark        (void);
const char  *herald_error_to_dbus_name (HeraldError code);

G_END_DECLS
