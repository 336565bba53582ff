/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-oauth2-private.h: what the gw-oauth2*.c files share */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "gw-http-client-guard.h"
#include "gw-oauth2.h"
#include "gw-transport.h"

G_BEGIN_DECLS

#define GW_OAUTH2_EXPIRY_MARGIN_S   60
#define GW_OAUTH2_DEFAULT_LIFETIME_S 300       /* when the endpoint gives no expires_in */
#define GW_OAUTH2_MAX_RESPONSE_SIZE (64 * 1024)
#define GW_OAUTH2_MAX_SHOWN         200

#define GW_OAUTH2_GRANT_REFRESH_TOKEN      "refresh-token"
#define GW_OAUTH2_GRANT_CLIENT_CREDENTIALS "client-credentials"

typedef struct {
  char   *token;      /* wiped */
  gint64  expires_at; /* g_get_monotonic_time () */
  char   *source;     /* which configuration it was obtained for */
} GwOAuth2CachedToken;

typedef struct _GwOAuth2Refresh GwOAuth2Refresh;

typedef struct {
  GTask   *task;
  GSource *cancel_source; /* nullable */
  GwOAuth2Refresh *refresh;       /* unowned: the refresh outlives its waiters */
} GwOAuth2Waiter;

struct _GwOAuth2Refresh {
  GwOAuth2     *self;
  GwProfile    *profile;
  char         *name;
  char         *source;
  gboolean      client_credentials;
  char         *refresh_token;    /* wiped; refresh-token grant */
  char         *client_secret;    /* wiped, nullable */
  char         *client_assertion; /* wiped, nullable: private_key_jwt */
  char         *host;
  GPtrArray    *waiters;
};

struct _GwOAuth2 {
  GObject     parent_instance;

  GHashTable *cache;     /* profile name → GwOAuth2CachedToken */
  GHashTable *pending;   /* profile name → GwOAuth2Refresh (unowned, ends itself) */
  GHashTable *sign_in;   /* profile name → source that needs a sign-in */
};

/* One field of an x-www-form-urlencoded body; a NULL value is left out. */
typedef struct {
  const char *name;
  const char *value;
} GwOAuth2Field;

/* gw-oauth2-post.c: the body of @fields (wiped when freed). */
GBytes     *gw_oauth2_form_new        (const GwOAuth2Field *fields,
                                       guint                n_fields);
/* Whether credentials may go to @uri: https, or http to loopback. */
gboolean    gw_oauth2_url_is_allowed  (GUri               *uri);
/* POSTs @form to @url under @profile's TLS policy and timeouts. Errors:
 * GW_TRANSPORT_ERROR (TEMPORARY: network, TLS refused, deadline, an
 * answer over GW_OAUTH2_MAX_RESPONSE_SIZE; PERMANENT: a URL credentials never go
 * to), G_IO_ERROR_CANCELLED. */
void        gw_oauth2_post_async      (GwProfile          *profile,
                                       const char         *url,
                                       GBytes             *form,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data);
/* The answer's body (wiped when freed) and HTTP @status. */
GBytes     *gw_oauth2_post_finish     (GAsyncResult       *result,
                                       guint              *status,
                                       GError            **error);
/* (transfer none) the endpoint's host, for messages */
const char *gw_oauth2_post_get_host   (GAsyncResult       *result);

/* gw-oauth2-answer.c: reading answers. The object of a JSON answer, or
 * NULL; @parser keeps it. */
JsonObject *gw_oauth2_parse_object    (JsonParser         *parser,
                                       GBytes             *body);
const char *gw_oauth2_get_string_member (JsonObject       *object,
                                         const char       *member);
/* A number, or a string of digits as some servers send; -1 if absent. */
gint64      gw_oauth2_get_int_member  (JsonObject         *object,
                                       const char         *member);
/* Wipes a credential json-glib holds, before the parser is freed. */
void        gw_oauth2_wipe_member     (JsonObject         *object,
                                       const char         *member);
/* Printable ASCII, at most GW_OAUTH2_MAX_SHOWN characters, with each of the
 * NULL-terminated @secrets (of 4 or more characters) masked. */
char       *gw_oauth2_mask            (const char         *text,
                                       const char * const *secrets);

/* Server text for an error message, with any credential we sent masked
 * in case the endpoint echoes it. */
char *gw_oauth2_sanitize       (const char *text, const GwOAuth2Refresh *refresh);
/* Digest of what a token depends on (endpoint, client, credential). */
char *gw_oauth2_make_source    (const char *url, const char *client_id, const char *credential);
/* The digest for @profile as configured now (an empty refresh token when
 * none is stored); NULL with @error when a secret cannot be read. */
char *gw_oauth2_source_for     (GwProfile *profile, GError **error);
/* Answers every waiter with @token or @error and frees @refresh. */
void  gw_oauth2_refresh_finish (GwOAuth2Refresh *refresh, const char *token, const GError *error);
void  gw_oauth2_refresh_fail   (GwOAuth2Refresh *refresh, GwTransportError code, const char *format, ...) G_GNUC_PRINTF (3, 4);
/* The refresh token of @refresh is refused (invalid_grant): the profile
 * needs a sign-in; fails the refresh with a message saying so. */
void  gw_oauth2_refresh_needs_sign_in (GwOAuth2Refresh *refresh, const char *reason);
/* gw-oauth2-answer.c: the endpoint's answer (HTTP @status, @body of
 * @size bytes) caches a token or fails the refresh; frees @refresh. */
void  gw_oauth2_answer         (GwOAuth2Refresh *refresh, guint status, const char *body, gsize size);
/* Caches @token for @name, obtained for @source, with @expires_in (-1:
 * not given); returns the cached copy (owned by the cache). */
const char *gw_oauth2_cache_token (GwOAuth2 *self, const char *name, const char *source, const char *token, gint64 expires_in);

/* gw-oauth2-jwt.c: a client assertion (RFC 7523, RS256, header x5t#S256
 * from "oauth2-client-certificate", key "oauth2-client-key") for
 * @audience (the token endpoint). Errors: GW_TRANSPORT_ERROR_PERMANENT. */
char *gw_oauth2_make_client_assertion (GwProfile  *profile,
                                       const char *audience,
                                       const char *client_id,
                                       GError    **error);
/* Random bytes as base64url without padding (PKCE verifier, state). */
char *gw_oauth2_random_string  (gsize n_bytes);
/* base64url without padding (RFC 7515 appendix C). */
char *gw_oauth2_base64url      (const guint8 *data, gsize len);

G_END_DECLS
