/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-oauth2-sign-in-private.h: shared by gw-oauth2-sign-in.c (the device
 * flow, the end of every flow) and gw-oauth2-browser.c (authorisation
 * code with PKCE and a loopback redirect) */
#pragma once

#include <libsoup/soup.h>

#include "gw-oauth2-private.h"
#include "gw-oauth2-sign-in.h"

G_BEGIN_DECLS

/* How long a person has to approve in a browser (the device flow takes
 * the server's expires_in, at most this). */
#define GW_OAUTH2_SIGN_IN_MAX_S 900

struct _GwOAuth2SignIn {
  GObject       parent_instance;

  GwProfile    *profile;
  char         *name;
  GwOAuth2Flow  flow;
  GTask        *task;          /* while running */
  GCancellable *cancellable;   /* the task's, or our own */
  gulong        cancel_id;
  char         *client_id;
  char         *token_url;
  char         *scope;         /* nullable */
  char         *client_secret; /* wiped, nullable */
  gint64        deadline;      /* monotonic µs */
  guint         timer;         /* the next poll, or the browser's deadline */

  /* device flow */
  char         *device_code;   /* wiped */
  guint         interval;      /* seconds between polls */

  /* browser flow */
  SoupServer   *server;
  char         *redirect_uri;
  char         *state;
  char         *verifier;      /* wiped */
  gboolean      code_taken;
};

/* Emits "progress" with @stage and @details (a floating a{sv} or NULL). */
void gw_oauth2_sign_in_progress (GwOAuth2SignIn *self, const char *stage, GVariant *details);
/* Ends the sign-in with @error (consumed), emitting "failed". */
void gw_oauth2_sign_in_fail     (GwOAuth2SignIn *self, GError *error);
void gw_oauth2_sign_in_fail_new (GwOAuth2SignIn *self, GwTransportError code, const char *format, ...) G_GNUC_PRINTF (3, 4);
/* A token endpoint's answer to a code (device or authorisation): the
 * refresh token is stored and the sign-in ends, or it fails. Returns
 * the endpoint's error code (for the device flow's polling) when the
 * answer was an error the caller may handle, else NULL. */
char *gw_oauth2_sign_in_take_answer (GwOAuth2SignIn *self, guint status, GBytes *body, gboolean polling);
/* POSTs @fields to the token endpoint; the answer goes to @callback. */
void gw_oauth2_sign_in_post (GwOAuth2SignIn *self, const char *url, const GwOAuth2Field *fields, guint n_fields, GAsyncReadyCallback callback);

/* gw-oauth2-browser.c */
void gw_oauth2_sign_in_start_browser (GwOAuth2SignIn *self);
void gw_oauth2_sign_in_stop_browser  (GwOAuth2SignIn *self);

G_END_DECLS
