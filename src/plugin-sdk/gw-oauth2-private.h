/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-oauth2-private.h: the token refresh, shared by gw-oauth2.c and
 * gw-oauth2-answer.c */
#pragma once

#include <libsoup/soup.h>

#include "gw-http-client-guard.h"
#include "gw-oauth2.h"
#include "gw-transport.h"

G_BEGIN_DECLS

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
  GwHttpClientGuard *guard;
  GCancellable *cancellable;   /* cancelled at the deadline */
  GSource      *deadline;      /* on the context the refresh runs in */
  guint         deadline_s;
  guint8       *body;          /* MAX_RESPONSE_SIZE, wiped */
  GOutputStream *sink;
};

struct _GwOAuth2 {
  GObject     parent_instance;

  GHashTable *cache;   /* profile name → CachedToken */
  GHashTable *pending; /* profile name → Refresh (unowned, ends itself) */
};

/* Server text for an error message: printable ASCII, bounded, with any
 * credential we sent masked in case the endpoint echoes it. */
char *gw_oauth2_sanitize       (const char *text, const Refresh *refresh);
/* Digest of what a token depends on (endpoint, client, refresh token). */
char *gw_oauth2_make_source    (const char *url, const char *client_id, const char *refresh_token);
/* Answers every waiter with @token or @error and frees @refresh. */
void  gw_oauth2_refresh_finish (Refresh *refresh, const char *token, const GError *error);
void  gw_oauth2_refresh_fail   (Refresh *refresh, GwTransportError code, const char *format, ...) G_GNUC_PRINTF (3, 4);
/* gw-oauth2-answer.c: the endpoint's answer (HTTP @status, @body of
 * @size bytes) caches a token or fails the refresh; frees @refresh. */
void  gw_oauth2_answer         (Refresh *refresh, guint status, const char *body, gsize size);

G_END_DECLS
