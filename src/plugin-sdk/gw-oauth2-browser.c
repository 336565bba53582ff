/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-oauth2-browser.c: signing in with a browser: the authorisation code
 * grant with PKCE (RFC 7636, S256) and a loopback redirect (RFC 8252)
 *
 * A one-time listener on 127.0.0.1 and a port the kernel picks (libsoup's
 * SoupServer) is the redirect URI. The authorisation URL carries a random
 * state and the SHA-256 challenge of a random verifier; the redirect is
 * taken only with that state, once, and the code it brings is exchanged
 * with the verifier, which never left this process, so a code seen by
 * anyone else is worth nothing to them. The listener closes when the
 * sign-in ends, and after GW_OAUTH2_SIGN_IN_MAX_S at the latest.
 */
#define G_LOG_DOMAIN "gw-oauth2"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "gw-oauth2-sign-in-private.h"
#include "gw-secret.h"

static const char page_done[] =
  "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Herald</title></head>"
  "<body><p>Herald has the sign-in. You can close this window.</p></body></html>";
static const char page_refused[] =
  "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Herald</title></head>"
  "<body><p>Herald did not take this sign-in.</p></body></html>";

static void
reply_page (SoupServerMessage *message, guint status, const char *page)
{
  soup_server_message_set_status (message, status, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (message),
                                "Cache-Control", "no-store");
  soup_server_message_set_response (message, "text/html; charset=utf-8", SOUP_MEMORY_STATIC,
                                    page, strlen (page));
}

static void
on_code_exchanged (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GwOAuth2SignIn) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  guint status = 0;

  body = gw_oauth2_post_finish (result, &status, &error);
  if (self->task == NULL)
    return;
  if (body == NULL) {
    gw_oauth2_sign_in_fail (self, g_steal_pointer (&error));
    return;
  }
  /* Not polling: every error ends the sign-in. */
  g_free (gw_oauth2_sign_in_take_answer (self, status, body, FALSE));
}

static void
exchange_code (GwOAuth2SignIn *self, const char *code)
{
  const GwOAuth2Field fields[] = {
    { "grant_type", "authorization_code" },
    { "code", code },
    { "redirect_uri", self->redirect_uri },
    { "client_id", self->client_id },
    { "code_verifier", self->verifier },
    { "client_secret", self->client_secret },
  };

  g_debug ("Exchanging the authorisation code of profile %s", self->name);
  gw_oauth2_sign_in_post (self, self->token_url, fields, G_N_ELEMENTS (fields), on_code_exchanged);
}

static void
on_redirect (SoupServer        *server,
             SoupServerMessage *message,
             const char        *path,
             GHashTable        *query,
             gpointer           user_data)
{
  GwOAuth2SignIn *self = user_data;
  const char *state = query != NULL ? g_hash_table_lookup (query, "state") : NULL;
  const char *code = query != NULL ? g_hash_table_lookup (query, "code") : NULL;
  const char *error_code = query != NULL ? g_hash_table_lookup (query, "error") : NULL;

  /* Anything without our state is not the answer to our request (another
   * program on this machine, a stale tab): refused, and we go on waiting. */
  if (g_strcmp0 (soup_server_message_get_method (message), "GET") != 0 || self->task == NULL ||
      self->code_taken || state == NULL || self->state == NULL || !g_str_equal (state, self->state)) {
    g_debug ("Ignored a request to the sign-in listener of %s", self->name);
    reply_page (message, SOUP_STATUS_BAD_REQUEST, page_refused);
    return;
  }
  self->code_taken = TRUE;
  if (code == NULL || *code == '\0') {
    const char *description = g_hash_table_lookup (query, "error_description");
    g_autofree char *joined = g_strjoin (": ", error_code != NULL ? error_code : "no code",
                                         description, NULL);
    g_autofree char *shown = gw_oauth2_mask (joined, NULL);

    reply_page (message, SOUP_STATUS_OK, page_refused);
    if (g_strcmp0 (error_code, "access_denied") == 0)
      gw_oauth2_sign_in_fail_new (self, GW_TRANSPORT_ERROR_PERMANENT,
                                  _("The sign-in of profile “%s” was declined"), self->name);
    else
      gw_oauth2_sign_in_fail_new (self, GW_TRANSPORT_ERROR_PERMANENT,
                                  _("The authorization endpoint refused the sign-in of profile “%s”: %s"),
                                  self->name, shown);
    return;
  }
  reply_page (message, SOUP_STATUS_OK, page_done);
  gw_oauth2_sign_in_progress (self, "waiting", NULL);
  exchange_code (self, code);
}

static gboolean
on_browser_deadline (gpointer user_data)
{
  GwOAuth2SignIn *self = user_data;

  self->timer = 0;
  gw_oauth2_sign_in_fail_new (self, GW_TRANSPORT_ERROR_PERMANENT,
                              _("Nobody completed the sign-in of profile “%s” in the browser within %u "
                                "minutes; start it again"),
                               self->name, GW_OAUTH2_SIGN_IN_MAX_S / 60);
  return G_SOURCE_REMOVE;
}

/* The authorisation URL: the endpoint's own query kept, ours added. */
static char *
authorize_url (GwOAuth2SignIn *self, const char *endpoint, const char *challenge)
{
  g_autoptr(GString) url = g_string_new (endpoint);
  const char *fields[][2] = {
    { "response_type", "code" },
    { "client_id", self->client_id },
    { "redirect_uri", self->redirect_uri },
    { "scope", self->scope },
    { "state", self->state },
    { "code_challenge", challenge },
    { "code_challenge_method", "S256" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++) {
    if (fields[i][1] == NULL)
      continue;
    g_string_append_c (url, i == 0 && strchr (endpoint, '?') == NULL ? '?' : '&');
    g_string_append_printf (url, "%s=", fields[i][0]);
    g_string_append_uri_escaped (url, fields[i][1], NULL, FALSE);
  }
  return g_string_free (g_steal_pointer (&url), FALSE);
}

static char *
s256_challenge (const char *verifier)
{
  guint8 digest[32];
  gsize len = sizeof digest;
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);

  g_checksum_update (sum, (const guchar *) verifier, strlen (verifier));
  g_checksum_get_digest (sum, digest, &len);
  return gw_oauth2_base64url (digest, len);
}

void
gw_oauth2_sign_in_start_browser (GwOAuth2SignIn *self)
{
  const char *endpoint = gw_profile_get_string (self->profile, "oauth2-authorize-url");
  g_autoptr(GError) error = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *url = NULL;
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  GSList *uris;
  guint port;

  if (endpoint == NULL) {
    gw_oauth2_sign_in_fail_new (self, GW_TRANSPORT_ERROR_PERMANENT,
                                _("Profile “%s” has no oauth2-authorize-url for a sign-in with a browser; "
                                  "set it, or sign in with a code"),
                                 self->name);
    return;
  }
  /* 32 random bytes: a 43-character verifier (RFC 7636 4.1). */
  self->verifier = gw_oauth2_random_string (32);
  self->state = gw_oauth2_random_string (16);
  if (self->verifier == NULL || self->state == NULL) {
    gw_oauth2_sign_in_fail_new (self, GW_TRANSPORT_ERROR_TEMPORARY, _("No random numbers"));
    return;
  }
  self->server = soup_server_new ("server-header", "herald", NULL);
  soup_server_add_handler (self->server, "/", on_redirect, self, NULL);
  if (!soup_server_listen_local (self->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error)) {
    gw_oauth2_sign_in_fail_new (self, GW_TRANSPORT_ERROR_TEMPORARY,
                                _("Cannot listen on 127.0.0.1 for the sign-in: %s"), error->message);
    return;
  }
  uris = soup_server_get_uris (self->server);
  port = uris != NULL ? (guint) g_uri_get_port (uris->data) : 0;
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  self->redirect_uri = g_strdup_printf ("http://127.0.0.1:%u/", port);
  challenge = s256_challenge (self->verifier);
  url = authorize_url (self, endpoint, challenge);

  self->timer = g_timeout_add_seconds (GW_OAUTH2_SIGN_IN_MAX_S, on_browser_deadline, self);
  g_variant_dict_insert (&dict, "authorize-url", "s", url);
  g_variant_dict_insert (&dict, "redirect-uri", "s", self->redirect_uri);
  g_variant_dict_insert (&dict, "expires-in", "u", (guint) GW_OAUTH2_SIGN_IN_MAX_S);
  gw_oauth2_sign_in_progress (self, "authorize", g_variant_dict_end (&dict));
}

static gboolean
disconnect_later (gpointer user_data)
{
  SoupServer *server = user_data;

  soup_server_disconnect (server);
  return G_SOURCE_REMOVE;
}

void
gw_oauth2_sign_in_stop_browser (GwOAuth2SignIn *self)
{
  if (self->server == NULL)
    return;
  /* The page of the redirect may still be on its way out: close the
   * listener a little later. */
  soup_server_remove_handler (self->server, "/");
  g_timeout_add_seconds_full (G_PRIORITY_LOW, 2, disconnect_later, g_steal_pointer (&self->server),
                              g_object_unref);
}
