/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-oauth2-post.c: one form POSTed to an OAuth 2.0 endpoint (libsoup)
 *
 * Every request of the OAuth 2.0 code goes through here: the token
 * endpoint (refresh, client credentials, device code, authorisation code)
 * and the device authorisation endpoint. Each carries credentials, so
 * redirects are never followed, plain http is refused except to loopback,
 * and TLS is judged as for SMTP (gw-http-client-guard.c: system trust plus
 * the profile's ca-file, verify-certificates, pinned-keys, TLS 1.2 or
 * newer) before the form is written. The answer is read into a fixed
 * buffer (a longer one fails as it streams in) that is wiped when freed,
 * and the whole exchange has a deadline taken from the profile's timeouts.
 */
#define G_LOG_DOMAIN "gw-oauth2"

#include "config.h"

#include <string.h>

#include <gnutls/gnutls.h>
#include <libsoup/soup.h>
#include <glib/gi18n-lib.h>

#include "gw-oauth2-private.h"
#include "gw-secret.h"

typedef struct {
  char              *host;
  SoupSession       *session;
  SoupMessage       *message;
  GwHttpClientGuard *guard;
  GCancellable      *cancellable;   /* cancelled at the deadline or by the caller */
  GCancellable      *caller;        /* nullable */
  gulong             caller_id;
  GSource           *deadline;
  guint              deadline_s;
  guint8            *body;          /* GW_OAUTH2_MAX_RESPONSE_SIZE, wiped */
  GOutputStream     *sink;
} Post;

static void
wipe_buffer (guint8 *body)
{
  gnutls_memset (body, 0, GW_OAUTH2_MAX_RESPONSE_SIZE);
  g_free (body);
}

static void
post_free (Post *post)
{
  if (post->caller != NULL)
    g_cancellable_disconnect (post->caller, post->caller_id);
  g_clear_object (&post->caller);
  g_clear_object (&post->sink);
  if (post->body != NULL)
    wipe_buffer (post->body);
  if (post->deadline != NULL)
    g_source_destroy (post->deadline);
  g_clear_pointer (&post->deadline, g_source_unref);
  g_clear_object (&post->message);
  g_clear_object (&post->session);
  g_clear_object (&post->guard);
  g_clear_object (&post->cancellable);
  g_free (post->host);
  g_free (post);
}

/* The caller's cancellation, or the deadline, in words. */
static void
return_stopped (GTask *task)
{
  Post *post = g_task_get_task_data (task);

  if (post->caller != NULL && g_cancellable_is_cancelled (post->caller))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));
  else
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                             _("The OAuth 2.0 endpoint at %s did not answer within %u s"),
                             post->host, post->deadline_s);
}

static void
on_body_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Post *post = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  guint8 *body;
  gssize size;

  size = g_output_stream_splice_finish (G_OUTPUT_STREAM (source), result, &error);
  if (size < 0) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      return_stopped (task);
    else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
      g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                               _("The OAuth 2.0 endpoint at %s sent more than %u bytes"),
                               post->host, (guint) GW_OAUTH2_MAX_RESPONSE_SIZE);
    else
      g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                               _("Cannot read the answer of the OAuth 2.0 endpoint at %s: %s"),
                               post->host, error->message);
    return;
  }
  /* The buffer goes to the caller, wiped when the bytes are freed. */
  body = g_steal_pointer (&post->body);
  g_task_return_pointer (task, g_bytes_new_with_free_func (body, (gsize) size, (GDestroyNotify) wipe_buffer, body),
                         (GDestroyNotify) g_bytes_unref);
}

static void
on_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Post *post = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  g_autoptr(GError) refusal = NULL;

  if (stream == NULL) {
    if (gw_http_client_guard_explain (post->guard, error, &refusal))
      g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                               _("OAuth 2.0 endpoint: %s"), refusal->message);
    else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      return_stopped (task);
    else
      g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                               _("Cannot reach the OAuth 2.0 endpoint at %s: %s"),
                               post->host, error->message);
    return;
  }
  /* A fixed buffer: a longer answer fails with G_IO_ERROR_NO_SPACE. */
  post->body = g_malloc0 (GW_OAUTH2_MAX_RESPONSE_SIZE);
  post->sink = g_memory_output_stream_new (post->body, GW_OAUTH2_MAX_RESPONSE_SIZE, NULL, NULL);
  g_output_stream_splice_async (post->sink, stream,
                                G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE | G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                                G_PRIORITY_DEFAULT, post->cancellable, on_body_read, g_steal_pointer (&task));
}

static gboolean
on_deadline (gpointer user_data)
{
  Post *post = user_data;

  /* on_sent or on_body_read fails the request with the cancellation. */
  g_cancellable_cancel (post->cancellable);
  return G_SOURCE_REMOVE;
}

static void
on_caller_cancelled (GCancellable *caller, gpointer user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

/* The schema checks this already; credentials are worth checking twice. */
gboolean
gw_oauth2_url_is_allowed (GUri *uri)
{
  const char *host = uri != NULL ? g_uri_get_host (uri) : NULL;
  g_autoptr(GInetAddress) address = host != NULL ? g_inet_address_new_from_string (host) : NULL;

  if (host == NULL || *host == '\0')
    return FALSE;
  return g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0 ||
         (g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") == 0 &&
          (g_ascii_strcasecmp (host, "localhost") == 0 ||
           (address != NULL && g_inet_address_get_is_loopback (address))));
}

void
gw_oauth2_post_async (GwProfile          *profile,
                      const char         *url,
                      GBytes             *form,
                      GCancellable       *cancellable,
                      GAsyncReadyCallback callback,
                      gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, callback, user_data);
  g_autoptr(GUri) uri = url != NULL ? g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL) : NULL;
  g_autoptr(GError) error = NULL;
  guint64 connect_timeout = gw_profile_get_uint (profile, "connect-timeout");
  guint64 conversation_timeout = gw_profile_get_uint (profile, "conversation-timeout");
  guint64 timeout = MAX (connect_timeout, conversation_timeout);
  Post *post = g_new0 (Post, 1);

  g_task_set_source_tag (task, gw_oauth2_post_async);
  g_task_set_task_data (task, post, (GDestroyNotify) post_free);
  if (uri == NULL || !gw_oauth2_url_is_allowed (uri)) {
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                             _("An OAuth 2.0 endpoint must be an https URL (or http to this machine)"));
    return;
  }
  post->host = g_strdup (g_uri_get_host (uri));
  post->guard = gw_http_client_guard_new (profile, uri, &error);
  if (post->guard == NULL) {
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY, "%s", error->message);
    return;
  }
  /* Connecting, then the answer: one timeout each, and no more in all,
   * however slowly an endpoint trickles its bytes. */
  post->deadline_s = (guint) MIN (connect_timeout + 2 * conversation_timeout, 3600);
  if (post->deadline_s == 0)
    post->deadline_s = 90;
  post->cancellable = g_cancellable_new ();
  if (cancellable != NULL) {
    post->caller = g_object_ref (cancellable);
    post->caller_id = g_cancellable_connect (cancellable, G_CALLBACK (on_caller_cancelled),
                                             post->cancellable, NULL);
  }
  post->deadline = g_timeout_source_new_seconds (post->deadline_s);
  g_source_set_callback (post->deadline, on_deadline, post, NULL);
  g_source_attach (post->deadline, g_main_context_get_thread_default ());

  post->session = soup_session_new_with_options ("timeout", (guint) (timeout > 0 ? timeout : 30),
                                                 "user-agent", "herald/" PACKAGE_VERSION,
                                                 NULL);
  post->message = gw_http_client_guard_new_message (post->guard, SOUP_METHOD_POST, uri);
  soup_message_set_request_body_from_bytes (post->message, "application/x-www-form-urlencoded", form);
  soup_session_send_async (post->session, post->message, G_PRIORITY_DEFAULT,
                           post->cancellable, on_sent, g_steal_pointer (&task));
}

GBytes *
gw_oauth2_post_finish (GAsyncResult *result,
                       guint        *status,
                       GError      **error)
{
  GTask *task = G_TASK (result);
  Post *post = g_task_get_task_data (task);

  *status = post->message != NULL ? soup_message_get_status (post->message) : 0;
  return g_task_propagate_pointer (task, error);
}

const char *
gw_oauth2_post_get_host (GAsyncResult *result)
{
  Post *post = g_task_get_task_data (G_TASK (result));

  return post->host;
}

/* x-www-form-urlencoded: all but unreserved characters escaped, straight
 * into a buffer sized once, so that no unwiped copy of a credential is
 * left behind by growing it. Fields without a value are left out. */
GBytes *
gw_oauth2_form_new (const GwOAuth2Field *fields,
                    guint                n_fields)
{
  gsize bound = 16;
  GString *form;
  gsize len;
  char *data;

  for (guint i = 0; i < n_fields; i++) {
    if (fields[i].value != NULL)
      bound += strlen (fields[i].name) + 2 + 3 * strlen (fields[i].value);
  }
  form = g_string_sized_new (bound);
  for (guint i = 0; i < n_fields; i++) {
    if (fields[i].value == NULL)
      continue;
    g_string_append_printf (form, "%s%s=", form->len > 0 ? "&" : "", fields[i].name);
    g_string_append_uri_escaped (form, fields[i].value, NULL, FALSE);
  }
  len = form->len;
  data = g_string_free (form, FALSE);
  return g_bytes_new_with_free_func (data, len, (GDestroyNotify) gw_secret_free, data);
}
