/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-graph-http.c: one sendMail request (libsoup 3, blocking)
 *
 * Runs in a worker thread with a session of its own, bounded by the
 * profile's timeouts. The request carries an access token: TLS is judged
 * by the profile's policy (gw-http-client-guard.c: verify-certificates,
 * ca-file, pinned-keys, TLS 1.2 or newer) before it is written, a redirect
 * is never followed, and the answer is read up to GW_GRAPH_MAX_ANSWER.
 */
#define G_LOG_DOMAIN "gw-graph"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "gw-graph.h"

static char *
clean_phrase (const char *text)
{
  g_autofree char *out = g_utf8_make_valid (text != NULL ? text : "", -1);

  for (char *p = out; *p != '\0'; p++) {
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  }
  if (strlen (out) > 100)
    out[100] = '\0';
  return g_utf8_make_valid (out, -1);
}

/* The body is read under the cap and a deadline; one too large, or still
 * trickling, counts as absent: the status stands. */
static gboolean
read_body (GwProfile     *profile,
           GInputStream  *stream,
           GCancellable  *cancellable,
           GwGraphAnswer *answer,
           GError       **error)
{
  gint64 deadline = g_get_monotonic_time () +
                    (gint64) gw_profile_get_uint (profile, "conversation-timeout") * G_USEC_PER_SEC;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) body = gw_http_read_capped (stream, GW_GRAPH_MAX_ANSWER, deadline, cancellable,
                                                &local_error);

  g_input_stream_close (stream, NULL, NULL);
  if (body != NULL) {
    gsize length;
    const char *data = g_bytes_get_data (body, &length);

    gw_graph_answer_parse_body (answer, data, length);
    return TRUE;
  }
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE) ||
      g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
    g_debug ("Graph's answer was not read to its end: %s", local_error->message);
    return TRUE;
  }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

gboolean
gw_graph_post (GwProfile     *profile,
               const char    *url,
               const char    *token,
               GBytes        *payload,
               GCancellable  *cancellable,
               GwGraphAnswer *answer,
               GError       **error)
{
  g_autoptr(GUri) uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  g_autoptr(GwHttpClientGuard) guard = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GwSecret) authorization = NULL;
  g_autoptr(GDateTime) now = NULL;

  if (uri == NULL || g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") != 0) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("The Microsoft Graph URL must be an https URL"));
    return FALSE;
  }
  guard = gw_http_client_guard_new (profile, uri, error);
  if (guard == NULL)
    return FALSE;
  session = gw_http_client_session_new (profile);
  message = gw_http_client_guard_new_message (guard, SOUP_METHOD_POST, uri);
  authorization = g_strconcat ("Bearer ", token, NULL);
  soup_message_headers_replace (soup_message_get_request_headers (message), "Authorization", authorization);
  soup_message_set_request_body_from_bytes (message, "text/plain", payload);

  stream = soup_session_send (session, message, cancellable, &local_error);
  if (stream == NULL || !read_body (profile, stream, cancellable, answer, &local_error)) {
    if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
    /* the guard's refusal, or a client certificate the server refused */
    if (gw_http_client_guard_explain (guard, local_error, error))
      return FALSE;
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                 _("Microsoft Graph (%s): %s"), g_uri_get_host (uri), local_error->message);
    return FALSE;
  }
  answer->status = soup_message_get_status (message);
  answer->reason_phrase = clean_phrase (soup_message_get_reason_phrase (message));
  now = g_date_time_new_now_utc ();
  answer->retry_after = gw_graph_parse_retry_after (
    soup_message_headers_get_one (soup_message_get_response_headers (message), "Retry-After"), now);
  return TRUE;
}
