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
 * is refused except to loopback, certificates are verified against system
 * trust plus the profile's ca-file. Nothing secret is logged, put in an
 * error message or left in freed memory that we own.
 */
#define G_LOG_DOMAIN "gw-oauth2"

#include "config.h"

#include <string.h>

#include <gnutls/gnutls.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <glib/gi18n-lib.h>

#include "gw-oauth2.h"
#include "gw-secret.h"
#include "gw-transport.h"

#define EXPIRY_MARGIN_S   60
#define DEFAULT_LIFETIME_S 300       /* when the endpoint gives no expires_in */
#define MAX_RESPONSE_SIZE (64 * 1024)
#define MAX_SHOWN         200

typedef struct {
  char   *token;      /* wiped */
  gint64  expires_at; /* g_get_monotonic_time () */
  char   *source;     /* which configuration it was obtained for */
} CachedToken;

typedef struct _Refresh Refresh;

typedef struct {
  GTask   *task;
  GSource *cancel_source; /* nullable */
  Refresh *refresh;       /* unowned: the refresh outlives its waiters */
} Waiter;

struct _Refresh {
  GwOAuth2     *self;
  GwProfile    *profile;
  char         *name;
  char         *source;
  char         *refresh_token; /* wiped */
  char         *client_secret; /* wiped, nullable */
  char         *host;
  GPtrArray    *waiters;
  SoupSession  *session;
  SoupMessage  *message;
  GTlsDatabase *ca_database;   /* the profile's ca-file, nullable */
  guint8       *body;          /* MAX_RESPONSE_SIZE, wiped */
  GOutputStream *sink;
};

struct _GwOAuth2 {
  GObject     parent_instance;

  GHashTable *cache;   /* profile name → CachedToken */
  GHashTable *pending; /* profile name → Refresh (unowned, ends itself) */
};

G_DEFINE_TYPE (GwOAuth2, gw_oauth2, G_TYPE_OBJECT)

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
  g_clear_object (&refresh->message);
  g_clear_object (&refresh->session);
  g_clear_object (&refresh->ca_database);
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

/* Server text for an error message: printable ASCII, bounded, with any
 * credential we sent masked in case the endpoint echoes it. */
static char *
sanitize (const char *text, const Refresh *refresh)
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
static char *
make_source (const char *url, const char *client_id, const char *refresh_token)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);

  g_checksum_update (sum, (const guchar *) url, strlen (url) + 1);
  g_checksum_update (sum, (const guchar *) client_id, strlen (client_id) + 1);
  g_checksum_update (sum, (const guchar *) refresh_token, strlen (refresh_token));
  return g_strdup (g_checksum_get_string (sum));
}

/* ---- answering callers ---- */

static void
refresh_finish (Refresh *refresh, const char *token, const GError *error)
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

static void
refresh_fail (Refresh *refresh, GwTransportError code, const char *format, ...) G_GNUC_PRINTF (3, 4);

static void
refresh_fail (Refresh *refresh, GwTransportError code, const char *format, ...)
{
  g_autoptr(GError) error = NULL;
  va_list args;

  va_start (args, format);
  error = g_error_new_valist (GW_TRANSPORT_ERROR, code, format, args);
  va_end (args);
  g_debug ("Token refresh for profile “%s” failed: %s", refresh->name, error->message);
  refresh_finish (refresh, NULL, error);
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

/* ---- the response ---- */

static const char *
get_string_member (JsonObject *object, const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* Wipes a credential that json-glib holds, before the parser is freed. */
static void
wipe_member (JsonObject *object, const char *member)
{
  const char *value = get_string_member (object, member);

  if (value != NULL)
    gnutls_memset ((char *) value, 0, strlen (value));
}

/* expires_in as a number, or as a string of digits as some servers send. */
static gint64
get_expires_in (JsonObject *object)
{
  JsonNode *node = json_object_get_member (object, "expires_in");
  guint64 value = 0;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return -1;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return CLAMP (json_node_get_int (node), 0, G_MAXINT32);
  if (json_node_get_value_type (node) == G_TYPE_STRING &&
      g_ascii_string_to_unsigned (json_node_get_string (node), 10, 0, G_MAXINT32, &value, NULL))
    return (gint64) value;
  return -1;
}

/* Stores a rotated refresh token back as the profile's secret. */
static gboolean
store_refresh_token (Refresh *refresh, const char *rotated)
{
  g_autoptr(GError) error = NULL;

  if (!gw_profile_store_secret (refresh->profile, "oauth2-refresh-token", rotated, &error)) {
    g_warning ("Cannot store the rotated OAuth 2.0 refresh token of profile “%s”: %s",
               refresh->name, error->message);
    return FALSE;
  }
  g_debug ("Stored the rotated refresh token of profile “%s”", refresh->name);
  return TRUE;
}

static void
handle_success (Refresh *refresh, JsonObject *object)
{
  const char *access_token = get_string_member (object, "access_token");
  const char *token_type = get_string_member (object, "token_type");
  const char *rotated = get_string_member (object, "refresh_token");
  gint64 expires_in = get_expires_in (object);
  gint64 lifetime;
  CachedToken *cached;

  if (access_token == NULL || *access_token == '\0') {
    refresh_fail (refresh, GW_TRANSPORT_ERROR_TEMPORARY,
                  _("The OAuth 2.0 token endpoint (%s) answered without an access token"),
                  refresh->host);
    return;
  }
  if (token_type != NULL && g_ascii_strcasecmp (token_type, "bearer") != 0) {
    g_autofree char *shown = sanitize (token_type, refresh);
    refresh_fail (refresh, GW_TRANSPORT_ERROR_PERMANENT,
                  _("The OAuth 2.0 token endpoint (%s) issued a token of type “%s”, not a bearer token"),
                  refresh->host, shown);
    return;
  }

  if (rotated != NULL && *rotated != '\0' && g_strcmp0 (rotated, refresh->refresh_token) != 0 &&
      store_refresh_token (refresh, rotated)) {
    g_autofree char *url = g_strdup (gw_profile_get_string (refresh->profile, "oauth2-token-url"));
    const char *client_id = gw_profile_get_string (refresh->profile, "oauth2-client-id");
    g_free (refresh->source);
    refresh->source = make_source (url, client_id, rotated);
  }

  lifetime = expires_in < 0 ? DEFAULT_LIFETIME_S : expires_in;
  lifetime = lifetime > 2 * EXPIRY_MARGIN_S ? lifetime - EXPIRY_MARGIN_S : lifetime / 2;
  cached = g_new0 (CachedToken, 1);
  cached->token = g_strdup (access_token);
  cached->expires_at = g_get_monotonic_time () + lifetime * G_USEC_PER_SEC;
  cached->source = g_strdup (refresh->source);
  g_hash_table_replace (refresh->self->cache, g_strdup (refresh->name), cached);
  g_debug ("New access token for profile “%s”, cached for %" G_GINT64_FORMAT " s",
           refresh->name, lifetime);
  refresh_finish (refresh, cached->token, NULL);
}

static void
handle_failure (Refresh *refresh, guint status, JsonObject *object)
{
  const char *code = get_string_member (object, "error");
  const char *description = get_string_member (object, "error_description");
  g_autofree char *joined = g_strjoin (": ", code != NULL ? code : soup_status_get_phrase (status),
                                       description, NULL);
  g_autofree char *shown = sanitize (joined != NULL ? joined : "", refresh);
  /* Overload and timeouts pass; other client errors (invalid_grant,
   * invalid_client, ...) need a person. */
  gboolean temporary = status >= 500 || status == SOUP_STATUS_REQUEST_TIMEOUT || status == 429;

  if (status >= 300 && status < 400)
    refresh_fail (refresh, GW_TRANSPORT_ERROR_PERMANENT,
                  _("The OAuth 2.0 token endpoint (%s) answered with a redirect (HTTP %u); "
                    "redirects are not followed with credentials"), refresh->host, status);
  else
    refresh_fail (refresh, temporary ? GW_TRANSPORT_ERROR_TEMPORARY : GW_TRANSPORT_ERROR_PERMANENT,
                  _("The OAuth 2.0 token endpoint (%s) refused the refresh: %s (HTTP %u)"),
                  refresh->host, shown, status);
}

static void
on_body_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Refresh *refresh = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object = NULL;
  gssize size;
  guint status;

  size = g_output_stream_splice_finish (G_OUTPUT_STREAM (source), result, &error);
  if (size < 0) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
      refresh_fail (refresh, GW_TRANSPORT_ERROR_TEMPORARY,
                    _("The OAuth 2.0 token endpoint (%s) sent more than %u bytes"),
                    refresh->host, (guint) MAX_RESPONSE_SIZE);
    else
      refresh_fail (refresh, GW_TRANSPORT_ERROR_TEMPORARY,
                    _("Cannot read the answer of the OAuth 2.0 token endpoint (%s): %s"),
                    refresh->host, error->message);
    return;
  }

  status = soup_message_get_status (refresh->message);
  if (size > 0 && json_parser_load_from_data (parser, (const char *) refresh->body, size, NULL) &&
      json_parser_get_root (parser) != NULL && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    object = json_node_get_object (json_parser_get_root (parser));

  if (status >= 200 && status < 300 && object == NULL)
    refresh_fail (refresh, GW_TRANSPORT_ERROR_TEMPORARY,
                  _("The OAuth 2.0 token endpoint (%s) did not answer with a JSON object"),
                  refresh->host);
  else if (status >= 200 && status < 300)
    handle_success (refresh, object);
  else
    handle_failure (refresh, status, object);

  wipe_member (object, "access_token");
  wipe_member (object, "refresh_token");
}

static void
on_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Refresh *refresh = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);

  if (stream == NULL) {
    refresh_fail (refresh, GW_TRANSPORT_ERROR_TEMPORARY,
                  _("Cannot reach the OAuth 2.0 token endpoint (%s): %s"),
                  refresh->host, error->message);
    return;
  }
  /* A fixed buffer: a longer answer fails with G_IO_ERROR_NO_SPACE. */
  refresh->body = g_malloc0 (MAX_RESPONSE_SIZE);
  refresh->sink = g_memory_output_stream_new (refresh->body, MAX_RESPONSE_SIZE, NULL, NULL);
  g_output_stream_splice_async (refresh->sink, stream,
                                G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE | G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                                G_PRIORITY_DEFAULT, NULL, on_body_read, refresh);
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

/* Called only when system trust refused the certificate: tries the
 * profile's ca-file, with the same checks (identity, validity). */
static gboolean
on_accept_certificate (SoupMessage          *message,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  Refresh *refresh = user_data;
  g_autoptr(GSocketConnectable) identity = NULL;
  g_autoptr(GError) error = NULL;
  GUri *uri = soup_message_get_uri (message);
  GTlsCertificateFlags flags;

  if (refresh->ca_database == NULL)
    return FALSE;
  identity = g_network_address_new (g_uri_get_host (uri), (guint16) g_uri_get_port (uri));
  flags = g_tls_database_verify_chain (refresh->ca_database, certificate,
                                       G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER, identity,
                                       NULL, G_TLS_DATABASE_VERIFY_NONE, NULL, &error);
  if (error != NULL || flags != 0) {
    g_debug ("Token endpoint certificate refused also by the profile's ca-file (flags 0x%x)", flags);
    return FALSE;
  }
  return TRUE;
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
  const char *ca_file = gw_profile_get_string (refresh->profile, "ca-file");
  guint64 timeout = MAX (gw_profile_get_uint (refresh->profile, "connect-timeout"),
                         gw_profile_get_uint (refresh->profile, "conversation-timeout"));

  if (uri == NULL || !url_is_allowed (uri)) {
    refresh_fail (refresh, GW_TRANSPORT_ERROR_PERMANENT,
                  _("oauth2-token-url must be an https URL (or http to this machine)"));
    return;
  }
  refresh->host = g_strdup (g_uri_get_host (uri));
  if (ca_file != NULL && g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0) {
    g_autoptr(GError) error = NULL;
    refresh->ca_database = g_tls_file_database_new (ca_file, &error);
    if (refresh->ca_database == NULL) {
      refresh_fail (refresh, GW_TRANSPORT_ERROR_PERMANENT,
                    _("Cannot load the ca-file %s: %s"), ca_file, error->message);
      return;
    }
  }

  refresh->session = soup_session_new_with_options ("timeout", (guint) (timeout > 0 ? timeout : 30),
                                                    "user-agent", "herald/" PACKAGE_VERSION,
                                                    NULL);
  refresh->message = soup_message_new_from_uri (SOUP_METHOD_POST, uri);
  soup_message_set_flags (refresh->message, SOUP_MESSAGE_NO_REDIRECT);
  soup_message_headers_replace (soup_message_get_request_headers (refresh->message),
                                "Accept", "application/json");
  g_signal_connect (refresh->message, "accept-certificate", G_CALLBACK (on_accept_certificate), refresh);
  form = build_form (refresh, client_id);
  soup_message_set_request_body_from_bytes (refresh->message, "application/x-www-form-urlencoded", form);

  g_debug ("Refreshing the access token of profile “%s” at %s", refresh->name, refresh->host);
  soup_session_send_async (refresh->session, refresh->message, G_PRIORITY_DEFAULT, NULL,
                           on_sent, refresh);
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
  source = make_source (url, client_id, refresh_token);

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
