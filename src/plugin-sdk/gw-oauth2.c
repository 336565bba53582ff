/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-oauth2.c: OAuth 2.0 access tokens by the refresh-token grant (libsoup, json-glib)
 *
 * One shared instance caches a token per profile name until 60 s before it
 * expires. Concurrent requests for one profile share a single refresh: with
 * refresh-token rotation, two parallel grants would invalidate each other.
 * A refresh that has started runs to its end (bounded by the profile's
 * timeouts) even when every caller has gone, so that a rotated refresh token
 * is never lost; callers that cancel are answered at once.
 *
 * The request carries credentials: redirects are never followed, plain http
 * is refused except to loopback, and TLS is judged as for SMTP
 * (gw-http-client-guard.c: system trust plus the profile's ca-file,
 * verify-certificates, pinned-keys, TLS 1.2 or newer) before the form is
 * written. The answer is read into a fixed buffer (a longer one fails
 * as it streams in), and the whole exchange has a deadline. Nothing
 * secret is logged, put in an error message or left in freed memory that
 * we own.
 */
#define G_LOG_DOMAIN "gw-oauth2"

#include "config.h"

#include <string.h>

#include <gnutls/gnutls.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <glib/gi18n-lib.h>

#include "gw-oauth2-private.h"
#include "gw-secret.h"
#include "gw-transport-private.h"

G_DEFINE_TYPE (GwOAuth2, gw_oauth2, G_TYPE_OBJECT)

/* heraldd counts refresh failures for /metrics; the SDK knows no metrics. */
static GwOAuth2RefreshFailureHook refresh_failure_hook;

void
gw_oauth2_set_refresh_failure_hook (GwOAuth2RefreshFailureHook hook)
{
  refresh_failure_hook = hook;
}

static void
cached_token_free (CachedToken *cached)
{
  gw_secret_free (cached->token);
  g_free (cached->source);
  g_free (cached);
}

static void
waiter_free (Waiter *waiter)
{
  if (waiter->cancel_source != NULL) {
    g_source_destroy (waiter->cancel_source);
    g_source_unref (waiter->cancel_source);
  }
  g_object_unref (waiter->task);
  g_free (waiter);
}

static void
refresh_free (Refresh *refresh)
{
  g_ptr_array_unref (refresh->waiters);
  g_clear_object (&refresh->sink);
  if (refresh->body != NULL)
    gnutls_memset (refresh->body, 0, MAX_RESPONSE_SIZE);
  g_free (refresh->body);
  if (refresh->deadline != NULL)
    g_source_destroy (refresh->deadline);
  g_clear_pointer (&refresh->deadline, g_source_unref);
  g_clear_object (&refresh->message);
  g_clear_object (&refresh->session);
  g_clear_object (&refresh->guard);
  g_clear_object (&refresh->cancellable);
  gw_secret_free (refresh->refresh_token);
  gw_secret_free (refresh->client_secret);
  g_free (refresh->host);
  g_free (refresh->source);
  g_free (refresh->name);
  g_object_unref (refresh->profile);
  g_object_unref (refresh->self);
  g_free (refresh);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Refresh, refresh_free)

char *
gw_oauth2_sanitize (const char *text, const Refresh *refresh)
{
  g_autoptr(GString) out = g_string_new (NULL);
  const char *secrets[] = { refresh->refresh_token, refresh->client_secret };

  for (const char *p = text; *p != '\0' && out->len < MAX_SHOWN; p++)
    g_string_append_c (out, (*p >= 0x20 && *p < 0x7f) ? *p : '?');
  for (gsize i = 0; i < G_N_ELEMENTS (secrets); i++) {
    if (secrets[i] != NULL && strlen (secrets[i]) >= 4)
      g_string_replace (out, secrets[i], "(hidden)", 0);
  }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Digest of what the token depends on, so that a changed refresh token,
 * client or endpoint does not keep using a token cached for the old one. */
char *
gw_oauth2_make_source (const char *url, const char *client_id, const char *refresh_token)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);

  g_checksum_update (sum, (const guchar *) url, strlen (url) + 1);
  g_checksum_update (sum, (const guchar *) client_id, strlen (client_id) + 1);
  g_checksum_update (sum, (const guchar *) refresh_token, strlen (refresh_token));
  return g_strdup (g_checksum_get_string (sum));
}

/* ---- answering callers ---- */

void
gw_oauth2_refresh_finish (Refresh *refresh, const char *token, const GError *error)
{
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&refresh->waiters);

  refresh->waiters = g_ptr_array_new ();
  g_hash_table_remove (refresh->self->pending, refresh->name);
  for (guint i = 0; i < waiters->len; i++) {
    Waiter *waiter = waiters->pdata[i];
    if (token != NULL)
      g_task_return_pointer (waiter->task, g_strdup (token), (GDestroyNotify) gw_secret_free);
    else
      g_task_return_error (waiter->task, g_error_copy (error));
  }
  refresh_free (refresh);
}

void
gw_oauth2_refresh_fail (Refresh *refresh, GwTransportError code, const char *format, ...)
{
  g_autoptr(GError) error = NULL;
  va_list args;

  va_start (args, format);
  error = g_error_new_valist (GW_TRANSPORT_ERROR, code, format, args);
  va_end (args);
  g_debug ("Token refresh for profile “%s” failed: %s", refresh->name, error->message);
  if (refresh_failure_hook != NULL)
    refresh_failure_hook (refresh->name);
  gw_oauth2_refresh_finish (refresh, NULL, error);
}

static gboolean
on_waiter_cancelled (GCancellable *cancellable, gpointer user_data)
{
  Waiter *waiter = user_data;

  g_task_return_error_if_cancelled (waiter->task);
  g_ptr_array_remove (waiter->refresh->waiters, waiter);
  return G_SOURCE_REMOVE;
}

static void
add_waiter (Refresh *refresh, GTask *task)
{
  Waiter *waiter = g_new0 (Waiter, 1);
  GCancellable *cancellable = g_task_get_cancellable (task);

  waiter->task = g_object_ref (task);
  waiter->refresh = refresh;
  if (cancellable != NULL) {
    waiter->cancel_source = g_cancellable_source_new (cancellable);
    g_source_set_callback (waiter->cancel_source, G_SOURCE_FUNC (on_waiter_cancelled), waiter, NULL);
    g_source_attach (waiter->cancel_source, g_task_get_context (task));
  }
  g_ptr_array_add (refresh->waiters, waiter);
}

static void
on_body_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Refresh *refresh = user_data;
  g_autoptr(GError) error = NULL;
  gssize size;

  size = g_output_stream_splice_finish (G_OUTPUT_STREAM (source), result, &error);
  if (size < 0) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      gw_oauth2_refresh_fail (refresh, GW_TRANSPORT_ERROR_TEMPORARY,
                              _("The OAuth 2.0 token endpoint (%s) did not answer within %u s"),
                              refresh->host, refresh->deadline_s);
    else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
      gw_oauth2_refresh_fail (refresh, GW_TRANSPORT_ERROR_TEMPORARY,
                              _("The OAuth 2.0 token endpoint (%s) sent more than %u bytes"),
                              refresh->host, (guint) MAX_RESPONSE_SIZE);
    else
      gw_oauth2_refresh_fail (refresh, GW_TRANSPORT_ERROR_TEMPORARY,
                              _("Cannot read the answer of the OAuth 2.0 token endpoint (%s): %s"),
                              refresh->host, error->message);
    return;
  }
  gw_oauth2_answer (refresh, soup_message_get_status (refresh->message),
                    (const char *) refresh->body, (gsize) size);
}

static void
on_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Refresh *refresh = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  g_autoptr(GError) refusal = NULL;

  if (stream == NULL) {
    if (gw_http_client_guard_explain (refresh->guard, error, &refusal))
      gw_oauth2_refresh_fail (refresh, GW_TRANSPORT_ERROR_TEMPORARY,
                    _("OAuth 2.0 token endpoint: %s"), refusal->message);
    else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      gw_oauth2_refresh_fail (refresh, GW_TRANSPORT_ERROR_TEMPORARY,
                    _("The OAuth 2.0 token endpoint (%s) did not answer within %u s"),
                    refresh->host, refresh->deadline_s);
    else
      gw_oauth2_refresh_fail (refresh, GW_TRANSPORT_ERROR_TEMPORARY,
                    _("Cannot reach the OAuth 2.0 token endpoint (%s): %s"),
                    refresh->host, error->message);
    return;
  }
  /* A fixed buffer: a longer answer fails with G_IO_ERROR_NO_SPACE. */
  refresh->body = g_malloc0 (MAX_RESPONSE_SIZE);
  refresh->sink = g_memory_output_stream_new (refresh->body, MAX_RESPONSE_SIZE, NULL, NULL);
  g_output_stream_splice_async (refresh->sink, stream,
                                G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE | G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                                G_PRIORITY_DEFAULT, refresh->cancellable, on_body_read, refresh);
}

/* ---- the request ---- */

/* x-www-form-urlencoded field: all but unreserved characters escaped,
 * straight into @form, so that no unwiped copy of a credential is made. */
static void
append_form_field (GString *form, const char *name, const char *value)
{
  g_string_append_printf (form, "%s%s=", form->len > 0 ? "&" : "", name);
  g_string_append_uri_escaped (form, value, NULL, FALSE);
}

static GBytes *
build_form (Refresh *refresh, const char *client_id)
{
  gsize bound = 128 + 3 * (strlen (refresh->refresh_token) + strlen (client_id) +
                           (refresh->client_secret != NULL ? strlen (refresh->client_secret) : 0));
  /* Sized once so that growing never leaves a copy in freed memory. */
  GString *form = g_string_sized_new (bound);
  gsize len;
  char *data;

  append_form_field (form, "grant_type", "refresh_token");
  append_form_field (form, "refresh_token", refresh->refresh_token);
  append_form_field (form, "client_id", client_id);
  if (refresh->client_secret != NULL)
    append_form_field (form, "client_secret", refresh->client_secret);
  len = form->len;
  data = g_string_free (form, FALSE);
  return g_bytes_new_with_free_func (data, len, (GDestroyNotify) gw_secret_free, data);
}

static gboolean
on_deadline (gpointer user_data)
{
  Refresh *refresh = user_data;

  /* on_sent or on_body_read fails the refresh with the cancellation. */
  g_cancellable_cancel (refresh->cancellable);
  return G_SOURCE_REMOVE;
}

/* The schema checks this already; credentials are worth checking twice. */
static gboolean
url_is_allowed (GUri *uri)
{
  const char *host = g_uri_get_host (uri);
  g_autoptr(GInetAddress) address = host != NULL ? g_inet_address_new_from_string (host) : NULL;

  if (host == NULL || *host == '\0')
    return FALSE;
  return g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0 ||
         (g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") == 0 &&
          (g_ascii_strcasecmp (host, "localhost") == 0 ||
           (address != NULL && g_inet_address_get_is_loopback (address))));
}

static void
start_refresh (Refresh *refresh, const char *url, const char *client_id)
{
  g_autoptr(GUri) uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  g_autoptr(GBytes) form = NULL;
  g_autoptr(GError) error = NULL;
  guint64 connect_timeout = gw_profile_get_uint (refresh->profile, "connect-timeout");
  guint64 conversation_timeout = gw_profile_get_uint (refresh->profile, "conversation-timeout");
  guint64 timeout = MAX (connect_timeout, conversation_timeout);

  if (uri == NULL || !url_is_allowed (uri)) {
    gw_oauth2_refresh_fail (refresh, GW_TRANSPORT_ERROR_PERMANENT,
                  _("oauth2-token-url must be an https URL (or http to this machine)"));
    return;
  }
  refresh->host = g_strdup (g_uri_get_host (uri));
  refresh->guard = gw_http_client_guard_new (refresh->profile, uri, &error);
  if (refresh->guard == NULL) {
    gw_oauth2_refresh_fail (refresh, GW_TRANSPORT_ERROR_TEMPORARY, "%s", error->message);
    return;
  }
  /* Connecting, then the answer: one timeout each, and no more in all,
   * however slowly an endpoint trickles its bytes. */
  refresh->deadline_s = (guint) MIN (connect_timeout + 2 * conversation_timeout, 3600);
  if (refresh->deadline_s == 0)
    refresh->deadline_s = 90;
  refresh->cancellable = g_cancellable_new ();
  refresh->deadline = g_timeout_source_new_seconds (refresh->deadline_s);
  g_source_set_callback (refresh->deadline, on_deadline, refresh, NULL);
  g_source_attach (refresh->deadline, g_main_context_get_thread_default ());

  refresh->session = soup_session_new_with_options ("timeout", (guint) (timeout > 0 ? timeout : 30),
                                                    "user-agent", "herald/" PACKAGE_VERSION,
                                                    NULL);
  refresh->message = soup_message_new_from_uri (SOUP_METHOD_POST, uri);
  soup_message_set_flags (refresh->message, SOUP_MESSAGE_NO_REDIRECT);
  soup_message_headers_replace (soup_message_get_request_headers (refresh->message),
                                "Accept", "application/json");
  gw_http_client_guard_watch (refresh->guard, refresh->message);
  form = build_form (refresh, client_id);
  soup_message_set_request_body_from_bytes (refresh->message, "application/x-www-form-urlencoded", form);

  g_debug ("Refreshing the access token of profile “%s” at %s", refresh->name, refresh->host);
  soup_session_send_async (refresh->session, refresh->message, G_PRIORITY_DEFAULT,
                           refresh->cancellable, on_sent, refresh);
}

/* ---- public API ---- */

GwOAuth2 *
gw_oauth2_get_default (void)
{
  static gsize instance = 0;

  if (g_once_init_enter (&instance))
    g_once_init_leave (&instance, (gsize) g_object_new (GW_TYPE_OAUTH2, NULL));
  return (GwOAuth2 *) instance;
}

void
gw_oauth2_get_token_async (GwOAuth2            *self,
                           GwProfile           *profile,
                           gboolean             force_refresh,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GwSecret) refresh_token = NULL;
  g_autoptr(Refresh) refresh = NULL;
  g_autofree char *source = NULL;
  const char *name, *url, *client_id;
  CachedToken *cached;
  Refresh *pending;

  g_return_if_fail (GW_IS_OAUTH2 (self));
  g_return_if_fail (GW_IS_PROFILE (profile));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gw_oauth2_get_token_async);
  name = gw_profile_get_name (profile);
  url = gw_profile_get_string (profile, "oauth2-token-url");
  client_id = gw_profile_get_string (profile, "oauth2-client-id");

  if (url == NULL || client_id == NULL) {
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                             _("Profile “%s” needs oauth2-token-url and oauth2-client-id for OAuth 2.0"), name);
    return;
  }
  refresh_token = gw_profile_dup_secret (profile, "oauth2-refresh-token", &error);
  if (error != NULL) {
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                             _("Cannot read the OAuth 2.0 refresh token of profile “%s”: %s"), name, error->message);
    return;
  }
  if (refresh_token == NULL || *refresh_token == '\0') {
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                             _("Profile “%s” has no oauth2-refresh-token"), name);
    return;
  }
  source = gw_oauth2_make_source (url, client_id, refresh_token);

  cached = g_hash_table_lookup (self->cache, name);
  if (cached != NULL && !force_refresh && g_str_equal (cached->source, source) &&
      g_get_monotonic_time () < cached->expires_at) {
    g_task_return_pointer (task, g_strdup (cached->token), (GDestroyNotify) gw_secret_free);
    return;
  }

  /* A refresh already under way answers this caller too. */
  pending = g_hash_table_lookup (self->pending, name);
  if (pending != NULL) {
    add_waiter (pending, task);
    return;
  }

  refresh = g_new0 (Refresh, 1);
  refresh->self = g_object_ref (self);
  refresh->profile = g_object_ref (profile);
  refresh->name = g_strdup (name);
  refresh->source = g_steal_pointer (&source);
  refresh->refresh_token = g_steal_pointer (&refresh_token);
  refresh->client_secret = gw_profile_dup_secret (profile, "oauth2-client-secret", &error);
  refresh->waiters = g_ptr_array_new_with_free_func ((GDestroyNotify) waiter_free);
  if (error != NULL) {
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                             _("Cannot read the OAuth 2.0 client secret of profile “%s”: %s"), name, error->message);
    return;
  }
  add_waiter (refresh, task);
  g_hash_table_insert (self->pending, g_strdup (name), refresh);
  start_refresh (g_steal_pointer (&refresh), url, client_id);
}

char *
gw_oauth2_get_token_finish (GwOAuth2      *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (GW_IS_OAUTH2 (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
gw_oauth2_forget (GwOAuth2   *self,
                  const char *profile_name)
{
  g_return_if_fail (GW_IS_OAUTH2 (self));
  g_return_if_fail (profile_name != NULL);

  g_hash_table_remove (self->cache, profile_name);
}

static void
gw_oauth2_finalize (GObject *object)
{
  GwOAuth2 *self = GW_OAUTH2 (object);

  g_hash_table_unref (self->cache);
  g_hash_table_unref (self->pending);

  G_OBJECT_CLASS (gw_oauth2_parent_class)->finalize (object);
}

static void
gw_oauth2_class_init (GwOAuth2Class *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_oauth2_finalize;
}

static void
gw_oauth2_init (GwOAuth2 *self)
{
  self->cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) cached_token_free);
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}
