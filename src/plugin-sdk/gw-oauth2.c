/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-oauth2.c: OAuth 2.0 access tokens by the refresh-token or the client
 * credentials grant (libsoup, json-glib)
 *
 * One shared instance caches a token per profile name until 60 s before it
 * expires. The profile's "oauth2-grant" says how a token is got: with the
 * refresh token a sign-in stored (gw-oauth2-sign-in.c), or with the
 * client's own credentials, a secret or a certificate assertion
 * (gw-oauth2-jwt.c), which have no refresh token: a new access token is
 * asked for when the old one expires. A refresh token the endpoint refuses
 * (invalid_grant), or none at all, puts the profile in the state "sign-in
 * required" until a sign-in or a new token changes its configuration. Concurrent requests for one profile share a single refresh: with
 * refresh-token rotation, two parallel grants would invalidate each other.
 * A refresh that has started runs to its end (bounded by the profile's
 * timeouts) even when every caller has gone, so that a rotated refresh token
 * is never lost; callers that cancel are answered at once.
 *
 * The request itself (no redirects, TLS policy, bounded answer, deadline)
 * is gw-oauth2-post.c's. Nothing secret is logged, put in an error message
 * or left in freed memory that we own.
 */
#define G_LOG_DOMAIN "gw-oauth2"

#include "config.h"

#include <string.h>

#include <gnutls/gnutls.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <glib/gi18n-lib.h>

#include "gw-oauth2-private.h"
#include "gw-oauth2-sign-in.h"
#include "gw-secret.h"
#include "gw-transport-private.h"

#define JWT_BEARER "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

G_DEFINE_TYPE (GwOAuth2, gw_oauth2, G_TYPE_OBJECT)

/* heraldd counts refresh failures for /metrics; the SDK knows no metrics. */
static GwOAuth2RefreshFailureHook refresh_failure_hook;

void
gw_oauth2_set_refresh_failure_hook (GwOAuth2RefreshFailureHook hook)
{
  refresh_failure_hook = hook;
}

static void
cached_token_free (GwOAuth2CachedToken *cached)
{
  gw_secret_free (cached->token);
  g_free (cached->source);
  g_free (cached);
}

static void
waiter_free (GwOAuth2Waiter *waiter)
{
  if (waiter->cancel_source != NULL) {
    g_source_destroy (waiter->cancel_source);
    g_source_unref (waiter->cancel_source);
  }
  g_object_unref (waiter->task);
  g_free (waiter);
}

static void
refresh_free (GwOAuth2Refresh *refresh)
{
  g_ptr_array_unref (refresh->waiters);
  gw_secret_free (refresh->refresh_token);
  gw_secret_free (refresh->client_secret);
  gw_secret_free (refresh->client_assertion);
  g_free (refresh->host);
  g_free (refresh->source);
  g_free (refresh->name);
  g_object_unref (refresh->profile);
  g_object_unref (refresh->self);
  g_free (refresh);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GwOAuth2Refresh, refresh_free)

char *
gw_oauth2_sanitize (const char *text, const GwOAuth2Refresh *refresh)
{
  const char *secrets[4] = { NULL };
  guint n = 0;

  /* NULL ends the list: leave the unset ones out. */
  if (refresh->refresh_token != NULL)
    secrets[n++] = refresh->refresh_token;
  if (refresh->client_secret != NULL)
    secrets[n++] = refresh->client_secret;
  if (refresh->client_assertion != NULL)
    secrets[n++] = refresh->client_assertion;
  return gw_oauth2_mask (text, secrets);
}

/* Digest of what the token depends on, so that a changed refresh token,
 * client or endpoint does not keep using a token cached for the old one. */
char *
gw_oauth2_make_source (const char *url, const char *client_id, const char *credential)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);

  g_checksum_update (sum, (const guchar *) url, strlen (url) + 1);
  g_checksum_update (sum, (const guchar *) client_id, strlen (client_id) + 1);
  g_checksum_update (sum, (const guchar *) credential, strlen (credential));
  return g_strdup (g_checksum_get_string (sum));
}

static gboolean
uses_client_credentials (GwProfile *profile)
{
  return g_strcmp0 (gw_profile_get_string (profile, "oauth2-grant"), GW_OAUTH2_GRANT_CLIENT_CREDENTIALS) == 0;
}

/* What a client-credentials token depends on besides endpoint and
 * client: the scope and the secret or key it was asked with. */
static char *
client_credential_digest (GwProfile *profile, GError **error)
{
  g_autoptr(GwSecret) secret = gw_profile_dup_secret (profile, "oauth2-client-secret", error);
  g_autoptr(GwSecret) key = NULL;
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  const char *scope = gw_profile_get_string (profile, "oauth2-scope");
  const char *certificate = gw_profile_get_string (profile, "oauth2-client-certificate");

  if (error != NULL && *error != NULL)
    return NULL;
  key = gw_profile_dup_secret (profile, "oauth2-client-key", error);
  if (error != NULL && *error != NULL)
    return NULL;
  g_checksum_update (sum, (const guchar *) "client-credentials", -1);
  for (const char *part[] = { scope, secret, key, certificate }, **p = part; p < part + 4; p++) {
    g_checksum_update (sum, (const guchar *) "\n", 1);
    if (*p != NULL)
      g_checksum_update (sum, (const guchar *) *p, strlen (*p));
  }
  return g_strdup (g_checksum_get_string (sum));
}

char *
gw_oauth2_source_for (GwProfile *profile, GError **error)
{
  const char *url = gw_profile_get_string (profile, "oauth2-token-url");
  const char *client_id = gw_profile_get_string (profile, "oauth2-client-id");
  g_autoptr(GwSecret) credential = NULL;

  if (uses_client_credentials (profile))
    credential = client_credential_digest (profile, error);
  else
    credential = gw_profile_dup_secret (profile, "oauth2-refresh-token", error);
  if (error != NULL && *error != NULL)
    return NULL;
  return gw_oauth2_make_source (url != NULL ? url : "", client_id != NULL ? client_id : "",
                                credential != NULL ? credential : "");
}

/* ---- answering callers ---- */

void
gw_oauth2_refresh_finish (GwOAuth2Refresh *refresh, const char *token, const GError *error)
{
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&refresh->waiters);

  refresh->waiters = g_ptr_array_new ();
  g_hash_table_remove (refresh->self->pending, refresh->name);
  for (guint i = 0; i < waiters->len; i++) {
    GwOAuth2Waiter *waiter = waiters->pdata[i];
    if (token != NULL)
      g_task_return_pointer (waiter->task, g_strdup (token), (GDestroyNotify) gw_secret_free);
    else
      g_task_return_error (waiter->task, g_error_copy (error));
  }
  refresh_free (refresh);
}

void
gw_oauth2_refresh_fail (GwOAuth2Refresh *refresh, GwTransportError code, const char *format, ...)
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

void
gw_oauth2_refresh_needs_sign_in (GwOAuth2Refresh *refresh, const char *reason)
{
  g_autoptr(GError) error = NULL;

  g_hash_table_replace (refresh->self->sign_in, g_strdup (refresh->name), g_strdup (refresh->source));
  /* Temporary: deliveries wait for the sign-in instead of failing. */
  error = g_error_new (GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                       _("Profile “%s” needs a sign-in: the OAuth 2.0 token endpoint (%s) refused "
                         "its refresh token: %s; run “heraldctl profile sign-in %s”"),
                       refresh->name, refresh->host, reason, refresh->name);
  g_info ("Profile %s needs a sign-in (the token endpoint refused its refresh token)", refresh->name);
  if (refresh_failure_hook != NULL)
    refresh_failure_hook (refresh->name);
  gw_oauth2_refresh_finish (refresh, NULL, error);
}

static gboolean
on_waiter_cancelled (GCancellable *cancellable, gpointer user_data)
{
  GwOAuth2Waiter *waiter = user_data;

  g_task_return_error_if_cancelled (waiter->task);
  g_ptr_array_remove (waiter->refresh->waiters, waiter);
  return G_SOURCE_REMOVE;
}

static void
add_waiter (GwOAuth2Refresh *refresh, GTask *task)
{
  GwOAuth2Waiter *waiter = g_new0 (GwOAuth2Waiter, 1);
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
on_posted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GwOAuth2Refresh *refresh = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  guint status = 0;
  gsize size = 0;
  const char *data;

  body = gw_oauth2_post_finish (result, &status, &error);
  if (body == NULL) {
    gw_oauth2_refresh_fail (refresh, error->domain == GW_TRANSPORT_ERROR ? error->code : GW_TRANSPORT_ERROR_TEMPORARY,
                            "%s", error->message);
    return;
  }
  data = g_bytes_get_data (body, &size);
  gw_oauth2_answer (refresh, status, data, size);
}

/* ---- the request ---- */

static void
start_refresh (GwOAuth2Refresh *refresh, const char *url, const char *client_id)
{
  g_autoptr(GUri) uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  g_autoptr(GBytes) form = NULL;
  const char *scope = gw_profile_get_string (refresh->profile, "oauth2-scope");

  if (uri == NULL || !gw_oauth2_url_is_allowed (uri)) {
    gw_oauth2_refresh_fail (refresh, GW_TRANSPORT_ERROR_PERMANENT,
                  _("oauth2-token-url must be an https URL (or http to this machine)"));
    return;
  }
  refresh->host = g_strdup (g_uri_get_host (uri));
  if (refresh->client_credentials) {
    const GwOAuth2Field fields[] = {
      { "grant_type", "client_credentials" },
      { "client_id", client_id },
      { "scope", scope },
      { "client_secret", refresh->client_assertion == NULL ? refresh->client_secret : NULL },
      { "client_assertion_type", refresh->client_assertion != NULL ? JWT_BEARER : NULL },
      { "client_assertion", refresh->client_assertion },
    };
    form = gw_oauth2_form_new (fields, G_N_ELEMENTS (fields));
  } else {
    const GwOAuth2Field fields[] = {
      { "grant_type", "refresh_token" },
      { "refresh_token", refresh->refresh_token },
      { "client_id", client_id },
      { "client_secret", refresh->client_secret },
      { "scope", scope },
    };
    form = gw_oauth2_form_new (fields, G_N_ELEMENTS (fields));
  }
  g_debug ("Asking %s for an access token for profile “%s” (%s)", refresh->host, refresh->name,
           refresh->client_credentials ? "client credentials" : "refresh token");
  gw_oauth2_post_async (refresh->profile, url, form, NULL, on_posted, refresh);
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

/* The credentials of the grant into @refresh; FALSE with @task answered
 * when they cannot be had. */
static gboolean
read_credentials (GwOAuth2Refresh *refresh, GTask *task, const char *url, const char *client_id)
{
  g_autoptr(GError) error = NULL;
  const char *name = refresh->name;

  refresh->client_secret = gw_profile_dup_secret (refresh->profile, "oauth2-client-secret", &error);
  if (error != NULL) {
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                             _("Cannot read the OAuth 2.0 client secret of profile “%s”: %s"), name, error->message);
    return FALSE;
  }
  if (!refresh->client_credentials)
    return TRUE;
  /* A certificate assertion when a key is stored, else the secret. */
  if (gw_profile_has_secret (refresh->profile, "oauth2-client-key")) {
    refresh->client_assertion = gw_oauth2_make_client_assertion (refresh->profile, url, client_id, &error);
    if (refresh->client_assertion == NULL) {
      g_task_return_error (task, g_steal_pointer (&error));
      return FALSE;
    }
  } else if (refresh->client_secret == NULL || *refresh->client_secret == '\0') {
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                             _("Profile “%s” uses the client credentials grant and needs "
                               "oauth2-client-secret, or oauth2-client-key with oauth2-client-certificate"),
                             name);
    return FALSE;
  }
  return TRUE;
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
  g_autoptr(GwOAuth2Refresh) refresh = NULL;
  g_autofree char *source = NULL;
  const char *name, *url, *client_id;
  gboolean client_credentials;
  GwOAuth2CachedToken *cached;
  GwOAuth2Refresh *pending;

  g_return_if_fail (GW_IS_OAUTH2 (self));
  g_return_if_fail (GW_IS_PROFILE (profile));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gw_oauth2_get_token_async);
  name = gw_profile_get_name (profile);
  url = gw_profile_get_string (profile, "oauth2-token-url");
  client_id = gw_profile_get_string (profile, "oauth2-client-id");
  client_credentials = uses_client_credentials (profile);

  if (url == NULL || client_id == NULL) {
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                             _("Profile “%s” needs oauth2-token-url and oauth2-client-id for OAuth 2.0"), name);
    return;
  }
  source = gw_oauth2_source_for (profile, &error);
  if (source == NULL) {
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                             _("Cannot read the OAuth 2.0 credentials of profile “%s”: %s"), name, error->message);
    return;
  }
  if (!client_credentials) {
    refresh_token = gw_profile_dup_secret (profile, "oauth2-refresh-token", NULL);
    if (refresh_token == NULL || *refresh_token == '\0') {
      /* Nothing to refresh with: a person has to sign in first. */
      g_hash_table_replace (self->sign_in, g_strdup (name), g_strdup (source));
      g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                               _("Profile “%s” needs a sign-in: it has no OAuth 2.0 refresh token yet; "
                                 "run “heraldctl profile sign-in %s”"),
                                name, name);
      return;
    }
  }

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

  refresh = g_new0 (GwOAuth2Refresh, 1);
  refresh->self = g_object_ref (self);
  refresh->profile = g_object_ref (profile);
  refresh->name = g_strdup (name);
  refresh->source = g_steal_pointer (&source);
  refresh->client_credentials = client_credentials;
  refresh->refresh_token = g_steal_pointer (&refresh_token);
  refresh->waiters = g_ptr_array_new_with_free_func ((GDestroyNotify) waiter_free);
  if (!read_credentials (refresh, task, url, client_id))
    return;
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

/**
 * gw_oauth2_needs_sign_in:
 * @self: the shared #GwOAuth2
 * @profile: a profile
 *
 * Whether the profile is in the state "sign-in required": a token was
 * asked for, and the endpoint refused its refresh token (invalid_grant)
 * or it had none, and its refresh token, client and endpoint are still
 * those. A new refresh token (a sign-in, or one an administrator set),
 * another client or endpoint, or an access token obtained ends the state.
 * Never for the client credentials grant.
 *
 * Returns: whether a person has to sign the profile in before its
 *   deliveries can go out
 */
gboolean
gw_oauth2_needs_sign_in (GwOAuth2  *self,
                         GwProfile *profile)
{
  const char *marked;
  g_autofree char *source = NULL;
  g_autoptr(GVariant) grant = NULL;

  g_return_val_if_fail (GW_IS_OAUTH2 (self), FALSE);
  g_return_val_if_fail (GW_IS_PROFILE (profile), FALSE);

  marked = g_hash_table_lookup (self->sign_in, gw_profile_get_name (profile));
  if (marked == NULL)
    return FALSE;
  /* The profile may have changed to a transport without OAuth since. */
  grant = gw_profile_dup_value (profile, "oauth2-grant");
  if (grant == NULL || uses_client_credentials (profile))
    return FALSE;
  source = gw_oauth2_source_for (profile, NULL);
  return source != NULL && g_str_equal (source, marked);
}

void
gw_oauth2_signed_in (GwOAuth2   *self,
                     const char *profile_name)
{
  g_return_if_fail (GW_IS_OAUTH2 (self));

  g_hash_table_remove (self->sign_in, profile_name);
  g_hash_table_remove (self->cache, profile_name);
}

static void
gw_oauth2_finalize (GObject *object)
{
  GwOAuth2 *self = GW_OAUTH2 (object);

  g_hash_table_unref (self->cache);
  g_hash_table_unref (self->pending);
  g_hash_table_unref (self->sign_in);

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
  self->sign_in = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}
