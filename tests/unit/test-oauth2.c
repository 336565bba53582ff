/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-oauth2.c: the refresh-token grant against a token endpoint served by libsoup on loopback */
#define G_LOG_DOMAIN "test-oauth2"

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "herald-test-util.h"
#include "gw-oauth2.h"
#include "gw-stored-profile.h"
#include "gw-secret-store.h"
#include "gw-transport.h"
#include "transport-test-util.h"

#define CLIENT_ID     "herald-test"
#define CLIENT_SECRET "client-s3cret"
#define REFRESH_1     "refresh-one/+="
#define REFRESH_2     "refresh-two"

typedef enum {
  REPLY_TOKEN,
  REPLY_TOKEN_ROTATE,
  REPLY_INVALID_GRANT,
  REPLY_ECHO_SECRET,
  REPLY_UNAVAILABLE,
  REPLY_NOT_JSON,
  REPLY_DEEP,
  REPLY_CUT_TOKEN,
  REPLY_SLOW,
} ReplyMode;

typedef struct {
  char          *tmpdir;
  GwSecretStore *store;
  GwProfile     *profile;
  GwOAuth2      *oauth;
  SoupServer    *server;
  guint16        port;
  ReplyMode      mode;
  gint64         expires_in;
  guint          hits;          /* requests to /token */
  guint          bad_requests;  /* requests whose form was wrong */
  const char    *expected_refresh;
  gboolean       expect_client_secret;
  GError        *error;
  char          *token;
  guint          done;
} Fixture;

static gboolean
form_is_right (Fixture *f, SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  const char *type = soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg), NULL);
  g_autofree char *text = g_strndup (body->data, body->length);
  g_autoptr(GHashTable) form = soup_form_decode (text);

  return g_strcmp0 (soup_server_message_get_method (msg), "POST") == 0 &&
         g_strcmp0 (type, "application/x-www-form-urlencoded") == 0 &&
         g_strcmp0 (g_hash_table_lookup (form, "grant_type"), "refresh_token") == 0 &&
         g_strcmp0 (g_hash_table_lookup (form, "refresh_token"), f->expected_refresh) == 0 &&
         g_strcmp0 (g_hash_table_lookup (form, "client_id"), CLIENT_ID) == 0 &&
         (f->expect_client_secret
          ? g_strcmp0 (g_hash_table_lookup (form, "client_secret"), CLIENT_SECRET) == 0
          : !g_hash_table_contains (form, "client_secret"));
}

static void
reply_json (SoupServerMessage *msg, guint status, const char *json)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, json, strlen (json));
}

static gboolean
unpause_later (gpointer data)
{
  soup_server_message_unpause (data);
  return G_SOURCE_REMOVE;
}

static void
token_handler (SoupServer *server, SoupServerMessage *msg, const char *path,
               GHashTable *query, gpointer user_data)
{
  Fixture *f = user_data;
  g_autofree char *json = NULL;

  f->hits++;
  if (!form_is_right (f, msg)) {
    f->bad_requests++;
    reply_json (msg, 400, "{\"error\":\"invalid_request\"}");
    return;
  }
  switch (f->mode) {
  case REPLY_TOKEN:
  case REPLY_SLOW:
    json = g_strdup_printf ("{\"access_token\":\"access-%u\",\"token_type\":\"Bearer\",\"expires_in\":%" G_GINT64_FORMAT "}",
                            f->hits, f->expires_in);
    reply_json (msg, 200, json);
    if (f->mode == REPLY_SLOW) {
      soup_server_message_pause (msg);
      g_timeout_add (300, unpause_later, msg);
    }
    break;
  case REPLY_TOKEN_ROTATE:
    json = g_strdup_printf ("{\"access_token\":\"access-%u\",\"token_type\":\"bearer\",\"expires_in\":\"3600\","
                            "\"refresh_token\":\"" REFRESH_2 "\"}", f->hits);
    reply_json (msg, 200, json);
    break;
  case REPLY_INVALID_GRANT:
    reply_json (msg, 400, "{\"error\":\"invalid_grant\",\"error_description\":\"Token has been expired or revoked.\"}");
    break;
  case REPLY_ECHO_SECRET:
    reply_json (msg, 401, "{\"error\":\"invalid_client\",\"error_description\":\"bad secret " CLIENT_SECRET "\"}");
    break;
  case REPLY_UNAVAILABLE:
    reply_json (msg, 503, "{\"error\":\"temporarily_unavailable\"}");
    break;
  case REPLY_NOT_JSON:
    soup_server_message_set_status (msg, 200, NULL);
    soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC, "<html>", 6);
    break;
  case REPLY_DEEP: {
    /* Fits the 64 KiB an answer is read to; json-glib's recursion did not. */
    g_autofree char *open = g_strnfill (60000, '[');

    json = g_strdup_printf ("{\"access_token\":\"access\",\"token_type\":\"Bearer\",\"x\":%s", open);
    reply_json (msg, 200, json);
    break;
  }
  case REPLY_CUT_TOKEN:
    /* json-glib cut the string at the \u0000: a token that was not sent. */
    reply_json (msg, 200, "{\"access_token\":\"access\\u0000-rest\",\"token_type\":\"Bearer\",\"expires_in\":3600}");
    break;

  default:
    g_assert_not_reached ();
  }
}

static void
redirect_handler (SoupServer *server, SoupServerMessage *msg, const char *path,
                  GHashTable *query, gpointer user_data)
{
  soup_server_message_set_redirect (msg, 302, "/token");
}

static void
apply (GwProfile *profile, const char *key, const char *value)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariantBuilder) builder = g_variant_builder_new (G_VARIANT_TYPE_VARDICT);

  g_variant_builder_add (builder, "{sv}", key, g_variant_new_string (value));
  g_assert_true (gw_stored_profile_apply (profile, g_variant_builder_end (builder), &error));
  g_assert_no_error (error);
}

static void
set_url (Fixture *f, const char *scheme, const char *path)
{
  g_autofree char *url = g_strdup_printf ("%s://127.0.0.1:%u%s", scheme, f->port, path);
  apply (f->profile, "oauth2-token-url", url);
}

static void
start_server (Fixture *f, GTlsCertificate *certificate)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;

  f->server = soup_server_new ("tls-certificate", certificate, NULL);
  soup_server_add_handler (f->server, "/token", token_handler, f, NULL);
  soup_server_add_handler (f->server, "/redirect", redirect_handler, f, NULL);
  soup_server_listen_local (f->server, 0,
                            SOUP_SERVER_LISTEN_IPV4_ONLY | (certificate != NULL ? SOUP_SERVER_LISTEN_HTTPS : 0),
                            &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (f->server);
  f->port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->tmpdir = herald_test_make_tmpdir ("herald-oauth2-XXXXXX");
  f->store = gw_secret_store_new (f->tmpdir, &error);
  g_assert_no_error (error);
  f->profile = gw_stored_profile_new ("oauth", f->store);
  f->oauth = g_object_new (GW_TYPE_OAUTH2, NULL);
  f->expires_in = 3600;
  f->expected_refresh = REFRESH_1;
  f->expect_client_secret = TRUE;

  start_server (f, NULL);
  set_url (f, "http", "/token");
  apply (f->profile, "oauth2-client-id", CLIENT_ID);
  apply (f->profile, "oauth2-client-secret", CLIENT_SECRET);
  apply (f->profile, "oauth2-refresh-token", REFRESH_1);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  if (f->server != NULL)
    soup_server_disconnect (f->server);
  g_clear_object (&f->server);
  g_clear_object (&f->oauth);
  g_clear_object (&f->profile);
  g_clear_object (&f->store);
  g_clear_error (&f->error);
  g_clear_pointer (&f->token, gw_secret_free);
  /* Let sources of finished connections run before the next test. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  herald_test_rm_rf (f->tmpdir);
  g_free (f->tmpdir);
}

static void
on_token (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Fixture *f = user_data;

  g_clear_pointer (&f->token, gw_secret_free);
  g_clear_error (&f->error);
  f->token = gw_oauth2_get_token_finish (GW_OAUTH2 (source), result, &f->error);
  if (f->error != NULL)
    g_test_message ("error: %s", f->error->message);
  f->done++;
}

/* Runs one request to its end; returns the token (owned by @f) or NULL. */
static const char *
get_token (Fixture *f, gboolean force)
{
  guint before = f->done;

  gw_oauth2_get_token_async (f->oauth, f->profile, force, NULL, on_token, f);
  while (f->done == before)
    g_main_context_iteration (NULL, TRUE);
  return f->token;
}

#define assert_token(f, expected) g_assert_true (g_strcmp0 ((f)->token, (expected)) == 0)

static void
test_cache (Fixture *f, gconstpointer data)
{
  g_assert_nonnull (get_token (f, FALSE));
  g_assert_no_error (f->error);
  assert_token (f, "access-1");
  g_assert_cmpuint (f->hits, ==, 1);

  /* cached: the server is not asked again */
  get_token (f, FALSE);
  assert_token (f, "access-1");
  g_assert_cmpuint (f->hits, ==, 1);

  /* forced */
  get_token (f, TRUE);
  assert_token (f, "access-2");
  g_assert_cmpuint (f->hits, ==, 2);

  /* forgotten after a 535 */
  gw_oauth2_forget (f->oauth, "oauth");
  get_token (f, FALSE);
  assert_token (f, "access-3");
  g_assert_cmpuint (f->hits, ==, 3);

  /* a new refresh token set by the administrator invalidates the cache */
  apply (f->profile, "oauth2-refresh-token", REFRESH_2);
  f->expected_refresh = REFRESH_2;
  get_token (f, FALSE);
  assert_token (f, "access-4");
  g_assert_cmpuint (f->hits, ==, 4);
  g_assert_cmpuint (f->bad_requests, ==, 0);
}

/* Tokens that expire within the 60 s margin are not kept. */
static void
test_short_lifetime (Fixture *f, gconstpointer data)
{
  f->expires_in = 1;
  get_token (f, FALSE);
  assert_token (f, "access-1");
  get_token (f, FALSE);
  assert_token (f, "access-2");
  g_assert_cmpuint (f->hits, ==, 2);
}

static void
test_no_client_secret (Fixture *f, gconstpointer data)
{
  apply (f->profile, "oauth2-client-secret", "");
  f->expect_client_secret = FALSE;
  get_token (f, FALSE);
  g_assert_no_error (f->error);
  g_assert_cmpuint (f->bad_requests, ==, 0);
}

static void
test_rotation (Fixture *f, gconstpointer data)
{
  g_autoptr(GwSecret) stored = NULL;
  g_autoptr(GError) error = NULL;

  f->mode = REPLY_TOKEN_ROTATE;
  get_token (f, FALSE);
  g_assert_no_error (f->error);
  assert_token (f, "access-1");

  stored = gw_profile_dup_secret (f->profile, "oauth2-refresh-token", &error);
  g_assert_no_error (error);
  g_assert_true (g_strcmp0 (stored, REFRESH_2) == 0);

  /* still cached after the rotation; the next grant uses the new token */
  get_token (f, FALSE);
  g_assert_cmpuint (f->hits, ==, 1);
  f->expected_refresh = REFRESH_2;
  get_token (f, TRUE);
  assert_token (f, "access-2");
  g_assert_cmpuint (f->bad_requests, ==, 0);
}

static void
test_invalid_grant (Fixture *f, gconstpointer data)
{
  g_assert_false (gw_oauth2_needs_sign_in (f->oauth, f->profile));
  f->mode = REPLY_INVALID_GRANT;
  g_assert_null (get_token (f, FALSE));
  /* Temporary: the deliveries wait for a sign-in. */
  g_assert_error (f->error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY);
  g_assert_nonnull (strstr (f->error->message, "needs a sign-in"));
  g_assert_nonnull (strstr (f->error->message, "invalid_grant: Token has been expired or revoked."));
  g_assert_nonnull (strstr (f->error->message, "HTTP 400"));
  g_assert_null (strstr (f->error->message, REFRESH_1));
  g_assert_null (strstr (f->error->message, CLIENT_SECRET));
  g_assert_cmpuint (f->bad_requests, ==, 0);
  g_assert_true (gw_oauth2_needs_sign_in (f->oauth, f->profile));

  /* A new refresh token ends the state, even before it is tried. */
  apply (f->profile, "oauth2-refresh-token", REFRESH_2);
  g_assert_false (gw_oauth2_needs_sign_in (f->oauth, f->profile));
  apply (f->profile, "oauth2-refresh-token", REFRESH_1);
  g_assert_true (gw_oauth2_needs_sign_in (f->oauth, f->profile));

  /* So does a token obtained. */
  f->mode = REPLY_TOKEN;
  get_token (f, FALSE);
  g_assert_no_error (f->error);
  g_assert_false (gw_oauth2_needs_sign_in (f->oauth, f->profile));
}

/* An endpoint that echoes a credential does not get it into our message. */
static void
test_echoed_secret (Fixture *f, gconstpointer data)
{
  f->mode = REPLY_ECHO_SECRET;
  get_token (f, FALSE);
  g_assert_error (f->error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT);
  g_assert_null (strstr (f->error->message, CLIENT_SECRET));
  g_assert_nonnull (strstr (f->error->message, "invalid_client: bad secret (hidden)"));
}

static void
test_unavailable (Fixture *f, gconstpointer data)
{
  f->mode = REPLY_UNAVAILABLE;
  get_token (f, FALSE);
  g_assert_error (f->error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY);
  g_assert_nonnull (strstr (f->error->message, "temporarily_unavailable"));

  f->mode = REPLY_NOT_JSON;
  get_token (f, FALSE);
  g_assert_error (f->error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY);

  /* Answers checked before json-glib parses them (gw_json_text_check()). */
  f->mode = REPLY_DEEP;
  get_token (f, FALSE);
  g_assert_error (f->error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY);
  f->mode = REPLY_CUT_TOKEN;
  get_token (f, FALSE);
  g_assert_error (f->error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY);
}

static void
test_redirect (Fixture *f, gconstpointer data)
{
  set_url (f, "http", "/redirect");
  get_token (f, FALSE);
  g_assert_error (f->error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT);
  g_assert_nonnull (strstr (f->error->message, "redirect"));
  g_assert_cmpuint (f->hits, ==, 0);
}

static void
test_unreachable (Fixture *f, gconstpointer data)
{
  /* the port of a server that is gone */
  soup_server_disconnect (f->server);
  get_token (f, FALSE);
  g_assert_error (f->error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY);
}

static void
test_missing_settings (Fixture *f, gconstpointer data)
{
  apply (f->profile, "oauth2-refresh-token", "");
  get_token (f, FALSE);
  /* No refresh token: a person must sign in; nothing is asked. */
  g_assert_error (f->error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY);
  g_assert_nonnull (strstr (f->error->message, "heraldctl profile sign-in oauth"));
  g_assert_true (gw_oauth2_needs_sign_in (f->oauth, f->profile));
  g_assert_cmpuint (f->hits, ==, 0);

  apply (f->profile, "oauth2-token-url", "");
  get_token (f, FALSE);
  g_assert_error (f->error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT);
  g_assert_cmpuint (f->hits, ==, 0);
}

/* Concurrent callers share one request; a caller that cancels is answered
 * at once while the refresh completes and is cached for the others. */
static void
test_concurrent_and_cancel (Fixture *f, gconstpointer data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  f->mode = REPLY_SLOW;
  gw_oauth2_get_token_async (f->oauth, f->profile, FALSE, cancellable, on_token, f);
  gw_oauth2_get_token_async (f->oauth, f->profile, FALSE, NULL, on_token, f);
  g_cancellable_cancel (cancellable);
  while (f->done < 1)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (f->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  while (f->done < 2)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (f->error);
  assert_token (f, "access-1");
  g_assert_cmpuint (f->hits, ==, 1);

  f->mode = REPLY_TOKEN;
  get_token (f, FALSE);
  assert_token (f, "access-1");
  g_assert_cmpuint (f->hits, ==, 1);
}

/* ---- https with the profile's ca-file ---- */

static void
run_certtool (const char *dir, const char *args)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *command = g_strdup_printf ("certtool %s", args);
  g_auto(GStrv) argv = NULL;
  int status = 0;

  g_assert_true (g_shell_parse_argv (command, NULL, &argv, &error));
  g_spawn_sync (dir, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

static void
make_certificates (const char *dir)
{
  g_autofree char *ca_tmpl = g_build_filename (dir, "ca.tmpl", NULL);
  g_autofree char *server_tmpl = g_build_filename (dir, "server.tmpl", NULL);

  g_assert_true (g_file_set_contents (ca_tmpl, "cn = \"Herald Test CA\"\nca\ncert_signing_key\nexpiration_days = 2\n", -1, NULL));
  g_assert_true (g_file_set_contents (server_tmpl, "cn = \"localhost\"\ndns_name = \"localhost\"\n"
                                      "ip_address = \"127.0.0.1\"\ntls_www_server\nsigning_key\n"
                                      "encryption_key\nexpiration_days = 2\n", -1, NULL));
  run_certtool (dir, "--generate-privkey --outfile ca.key");
  run_certtool (dir, "--generate-self-signed --load-privkey ca.key --template ca.tmpl --outfile ca.pem");
  run_certtool (dir, "--generate-privkey --outfile server.key");
  run_certtool (dir, "--generate-certificate --load-privkey server.key --load-ca-certificate ca.pem "
                     "--load-ca-privkey ca.key --template server.tmpl --outfile server.pem");
}

static void
test_https_ca_file (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autofree char *cert_path = g_build_filename (f->tmpdir, "server.pem", NULL);
  g_autofree char *key_path = g_build_filename (f->tmpdir, "server.key", NULL);
  g_autofree char *ca_path = g_build_filename (f->tmpdir, "ca.pem", NULL);
  g_autofree char *certtool = g_find_program_in_path ("certtool");

  if (certtool == NULL) {
    g_test_skip ("certtool (gnutls-bin) not installed");
    return;
  }
  make_certificates (f->tmpdir);
  certificate = g_tls_certificate_new_from_files (cert_path, key_path, &error);
  g_assert_no_error (error);
  g_clear_object (&f->server);
  start_server (f, certificate);
  set_url (f, "https", "/token");

  /* system trust alone does not know the test CA */
  get_token (f, FALSE);
  g_assert_error (f->error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY);
  g_assert_cmpuint (f->hits, ==, 0);

  apply (f->profile, "ca-file", ca_path);
  get_token (f, FALSE);
  g_assert_no_error (f->error);
  assert_token (f, "access-1");
  g_assert_cmpuint (f->hits, ==, 1);
}

static void
test_default_instance (void)
{
  g_assert_true (gw_oauth2_get_default () == gw_oauth2_get_default ());
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  herald_test_load_transports ();
  /* loopback only: no proxy from the environment */
  g_unsetenv ("http_proxy");
  g_unsetenv ("https_proxy");
  g_unsetenv ("HTTP_PROXY");
  g_unsetenv ("HTTPS_PROXY");
  g_unsetenv ("no_proxy");
  g_unsetenv ("CREDENTIALS_DIRECTORY");

#define ADD(path, func) g_test_add ("/oauth2/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("cache", test_cache);
  ADD ("short-lifetime", test_short_lifetime);
  ADD ("no-client-secret", test_no_client_secret);
  ADD ("rotation", test_rotation);
  ADD ("invalid-grant", test_invalid_grant);
  ADD ("echoed-secret", test_echoed_secret);
  ADD ("unavailable", test_unavailable);
  ADD ("redirect", test_redirect);
  ADD ("unreachable", test_unreachable);
  ADD ("missing-settings", test_missing_settings);
  ADD ("concurrent-and-cancel", test_concurrent_and_cancel);
  ADD ("https-ca-file", test_https_ca_file);
#undef ADD
  g_test_add_func ("/oauth2/default-instance", test_default_instance);
  return g_test_run ();
}
