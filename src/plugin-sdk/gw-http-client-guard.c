/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-http-client-guard.c: a profile's TLS policy on libsoup requests, and
 * response bodies read under a cap
 *
 * libsoup makes the TLS connection itself. The guard takes part twice:
 * its "accept-certificate" (emitted only when system trust refused) asks
 * the profile's GwTlsPolicy, and its "network-event" at
 * G_SOCKET_CLIENT_TLS_HANDSHAKED, after the handshake and before libsoup
 * writes the request, checks the protocol version and the pins. A refusal
 * there shuts the socket down in both directions: the request, with the
 * credentials it carries, cannot leave, and libsoup fails the message.
 * The caller then asks the guard for the real reason.
 *
 * When the profile sets "tls-client-certificate", the guard also hands
 * libsoup the certificate to present when the server asks for one
 * (mutual TLS), read at gw_http_client_guard_new().
 */
#define G_LOG_DOMAIN "gw-http-client"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "gw-http-client-guard.h"
#include "gw-tls-client.h"
#include "gw-tls-policy.h"
#include "gw-transport.h"

#define READ_BLOCK 16384

struct _GwHttpClientGuard {
  GObject      parent_instance;
  GwTlsPolicy *policy;   /* NULL for plain http */
  GTlsCertificate *client_certificate; /* nullable */
  GError      *refusal;  /* set by the version or pin check */
};

G_DEFINE_FINAL_TYPE (GwHttpClientGuard, gw_http_client_guard, G_TYPE_OBJECT)

static void
gw_http_client_guard_finalize (GObject *object)
{
  GwHttpClientGuard *self = GW_HTTP_CLIENT_GUARD (object);

  g_clear_object (&self->policy);
  g_clear_object (&self->client_certificate);
  g_clear_error (&self->refusal);
  G_OBJECT_CLASS (gw_http_client_guard_parent_class)->finalize (object);
}

static void
gw_http_client_guard_class_init (GwHttpClientGuardClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_http_client_guard_finalize;
}

static void
gw_http_client_guard_init (GwHttpClientGuard *self)
{
}

/**
 * gw_http_client_guard_new:
 * @profile: the profile the request is made for
 * @uri: the request's URI
 * @error: return location for a #GW_TRANSPORT_ERROR error: TEMPORARY when
 *   the ca-file cannot be loaded, PERMANENT when the profile's client
 *   certificate cannot be used (gw_tls_client_certificate_load())
 *
 * For a libsoup request of @profile to @uri: an https URI gets the
 * profile's TLS policy (verify-certificates, ca-file, the pinned-keys of
 * its host and port) and, when the profile sets one, its TLS client
 * certificate; a plain http URI (loopback only, the callers check) none.
 *
 * Returns: (transfer full) (nullable): the guard
 */
GwHttpClientGuard *
gw_http_client_guard_new (GwProfile  *profile,
                          GUri       *uri,
                          GError    **error)
{
  g_autoptr(GwHttpClientGuard) self = g_object_new (GW_TYPE_HTTP_CLIENT_GUARD, NULL);
  const char *scheme = g_uri_get_scheme (uri);
  int port = g_uri_get_port (uri);
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (GW_IS_PROFILE (profile), NULL);

  if (g_ascii_strcasecmp (scheme, "https") != 0)
    return g_steal_pointer (&self);
  self->policy = gw_tls_policy_new (profile, g_uri_get_host (uri),
                                    (guint16) (port > 0 ? port : 443), error);
  if (self->policy == NULL)
    return NULL;
  self->client_certificate = gw_tls_client_certificate_load (profile, &local_error);
  if (local_error != NULL) {
    g_propagate_error (error, g_steal_pointer (&local_error));
    return NULL;
  }
  gw_tls_policy_set_client_certificate (self->policy, self->client_certificate);
  return g_steal_pointer (&self);
}

static gboolean
on_accept_certificate (SoupMessage          *message,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  GwHttpClientGuard *self = GW_HTTP_CLIENT_GUARD (user_data);

  return gw_tls_policy_accept_certificate (self->policy, certificate, errors);
}

/* Stops every byte in either direction on @tls's socket. */
static void
shut_down (GIOStream *tls)
{
  g_autoptr(GIOStream) base = NULL;

  g_object_get (tls, "base-io-stream", &base, NULL);
  if (G_IS_SOCKET_CONNECTION (base))
    g_socket_shutdown (g_socket_connection_get_socket (G_SOCKET_CONNECTION (base)), TRUE, TRUE, NULL);
  else
    g_io_stream_close (tls, NULL, NULL);
}

static void
on_network_event (SoupMessage        *message,
                  GSocketClientEvent  event,
                  GIOStream          *connection,
                  gpointer            user_data)
{
  GwHttpClientGuard *self = GW_HTTP_CLIENT_GUARD (user_data);
  g_autoptr(GError) error = NULL;

  /* The certificate goes on the connection before its handshake, not
   * when the server asks for it (libsoup's way): GIO's TLS session cache
   * keys resumable sessions by it, so a session resumed with another
   * certificate, or none, never carries this profile's identity, nor a
   * session of this profile another's. */
  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING && G_IS_TLS_CONNECTION (connection) &&
      self->client_certificate != NULL) {
    g_tls_connection_set_certificate (G_TLS_CONNECTION (connection), self->client_certificate);
    return;
  }
  if (event != G_SOCKET_CLIENT_TLS_HANDSHAKED || !G_IS_TLS_CONNECTION (connection))
    return;
  if (gw_tls_policy_check_connection (self->policy, G_TLS_CONNECTION (connection), &error))
    return;
  g_debug ("Refusing the TLS connection: %s", error->message);
  g_clear_error (&self->refusal);
  self->refusal = g_steal_pointer (&error);
  shut_down (connection);
}

/**
 * gw_http_client_guard_watch:
 * @self: a guard
 * @message: the request to judge
 *
 * Judges @message's TLS connection: the certificate by the policy, then,
 * once the handshake is done, the protocol version (TLS 1.2 or newer) and
 * the pins. A connection that fails is shut down at its socket there and
 * then, so the request (and its credentials) is never written.
 */
void
gw_http_client_guard_watch (GwHttpClientGuard *self,
                            SoupMessage       *message)
{
  g_return_if_fail (GW_IS_HTTP_CLIENT_GUARD (self));
  g_return_if_fail (SOUP_IS_MESSAGE (message));

  if (self->policy == NULL)
    return;
  gw_tls_policy_start (self->policy);
  g_clear_error (&self->refusal);
  g_signal_connect_object (message, "accept-certificate", G_CALLBACK (on_accept_certificate), self, 0);
  g_signal_connect_object (message, "network-event", G_CALLBACK (on_network_event), self, 0);
}

/**
 * gw_http_client_guard_new_message:
 * @self: a guard
 * @method: the HTTP method, such as %SOUP_METHOD_POST
 * @uri: the URI the guard was made for
 *
 * A request that carries credentials as every Herald client sends it: it
 * never follows a redirect (the credentials would go wherever it points),
 * asks for JSON, and is watched by the guard (gw_http_client_guard_watch()).
 *
 * Returns: (transfer full): the request
 */
SoupMessage *
gw_http_client_guard_new_message (GwHttpClientGuard *self,
                                  const char        *method,
                                  GUri              *uri)
{
  SoupMessage *message;

  g_return_val_if_fail (GW_IS_HTTP_CLIENT_GUARD (self), NULL);

  message = soup_message_new_from_uri (method, uri);
  soup_message_set_flags (message, SOUP_MESSAGE_NO_REDIRECT);
  soup_message_headers_replace (soup_message_get_request_headers (message), "Accept", "application/json");
  gw_http_client_guard_watch (self, message);
  return message;
}

/**
 * gw_http_client_session_new:
 * @profile: the profile the requests are made for
 *
 * A session for a transport's blocking requests, with the profile's
 * "connect-timeout" (idle connections) and "conversation-timeout" (each
 * read and write), and Herald's user agent.
 *
 * Returns: (transfer full): the session
 */
SoupSession *
gw_http_client_session_new (GwProfile *profile)
{
  g_return_val_if_fail (GW_IS_PROFILE (profile), NULL);

  return soup_session_new_with_options (
    "timeout", (guint) gw_profile_get_uint (profile, "conversation-timeout"),
    "idle-timeout", (guint) gw_profile_get_uint (profile, "connect-timeout"),
    "user-agent", "herald/" PACKAGE_VERSION, NULL);
}

/**
 * gw_http_client_guard_refused:
 * @self: a guard
 * @error: return location for the refusal
 *
 * After a request failed: whether the guard refused its connection.
 *
 * Returns: %TRUE with @error set when the guard refused the connection,
 *   %FALSE for any other failure
 */
gboolean
gw_http_client_guard_refused (GwHttpClientGuard  *self,
                              GError            **error)
{
  GError *refusal;

  g_return_val_if_fail (GW_IS_HTTP_CLIENT_GUARD (self), FALSE);

  if (self->policy == NULL)
    return FALSE;
  refusal = self->refusal != NULL ? g_error_copy (self->refusal)
            : gw_tls_policy_refusal_error (self->policy);
  if (refusal == NULL)
    return FALSE;
  g_propagate_error (error, refusal);
  return TRUE;
}

/**
 * gw_http_client_guard_explain:
 * @self: a guard
 * @failure: (nullable): the error the request failed with
 * @error: return location for the explanation
 *
 * After a request failed: whether the guard refused its connection
 * (gw_http_client_guard_refused()), or the server ended the TLS session
 * after the profile's client certificate was presented: a server that
 * does not take the certificate says so with an alert, or by closing.
 *
 * Returns: %TRUE with @error set (a #GW_TRANSPORT_ERROR_TEMPORARY error)
 *   in either case, %FALSE for any other failure
 */
gboolean
gw_http_client_guard_explain (GwHttpClientGuard  *self,
                              const GError       *failure,
                              GError            **error)
{
  GError *refusal;

  g_return_val_if_fail (GW_IS_HTTP_CLIENT_GUARD (self), FALSE);

  if (gw_http_client_guard_refused (self, error))
    return TRUE;
  if (self->policy == NULL || self->client_certificate == NULL)
    return FALSE;
  refusal = gw_tls_policy_client_refusal_error (self->policy, failure);
  if (refusal == NULL)
    return FALSE;
  g_propagate_error (error, refusal);
  return TRUE;
}

/**
 * gw_http_read_capped:
 * @stream: a response body
 * @max_size: the most bytes to accept
 * @deadline: g_get_monotonic_time() to give up at between two reads, 0 for
 *   none
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for %G_IO_ERROR_MESSAGE_TOO_LARGE as soon as more
 *   than @max_size bytes came (no more is read or kept), %G_IO_ERROR_TIMED_OUT
 *   or a read error
 *
 * Reads @stream to its end, under a cap.
 *
 * Returns: (transfer full) (nullable): the body
 */
GBytes *
gw_http_read_capped (GInputStream  *stream,
                     gsize          max_size,
                     gint64         deadline,
                     GCancellable  *cancellable,
                     GError       **error)
{
  g_autoptr(GByteArray) data = g_byte_array_new ();

  for (;;) {
    guint8 block[READ_BLOCK];
    gssize n;

    if (deadline > 0 && g_get_monotonic_time () > deadline) {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                           _("The answer did not arrive in time"));
      return NULL;
    }
    /* One byte past the cap is enough to know it is too large. */
    n = g_input_stream_read (stream, block, MIN (sizeof block, max_size + 1 - data->len),
                             cancellable, error);
    if (n < 0)
      return NULL;
    if (n == 0)
      return g_byte_array_free_to_bytes (g_steal_pointer (&data));
    g_byte_array_append (data, block, (guint) n);
    if (data->len > max_size) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                   _("The answer is larger than %" G_GSIZE_FORMAT " bytes"), max_size);
      return NULL;
    }
  }
}
