/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-oauth2-sign-in.c: signing a profile in: the device authorisation
 * grant (RFC 8628), the end every flow shares, and the check of a client
 * credentials profile
 *
 * Device flow: the device authorisation endpoint gives a device code (kept
 * here, wiped), a user code and a verification URI, which the person opens
 * on any device. The token endpoint is then polled at the interval the
 * server gave: authorization_pending waits, slow_down adds five seconds,
 * expired_token and access_denied end the sign-in, and so does the
 * server's expires_in. The refresh token of the answer is stored as the
 * profile's secret (the secret store writes atomically); it never leaves
 * this process and never appears in a message or a progress signal.
 */
#define G_LOG_DOMAIN "gw-oauth2"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <glib/gi18n-lib.h>

#include "gw-oauth2-sign-in-private.h"
#include "gw-secret.h"

#define DEVICE_GRANT "urn:ietf:params:oauth:grant-type:device_code"
#define SLOW_DOWN_S  5

G_DEFINE_FINAL_TYPE (GwOAuth2SignIn, gw_oauth2_sign_in, G_TYPE_OBJECT)

enum {
  SIGNAL_PROGRESS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

void
gw_oauth2_sign_in_progress (GwOAuth2SignIn *self,
                            const char     *stage,
                            GVariant       *details)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (details != NULL ? details
                                                  : g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));

  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, stage, owned);
}

/* Stops timers and the listener; the running task, if any, is returned. */
static GTask *
stop (GwOAuth2SignIn *self)
{
  g_clear_handle_id (&self->timer, g_source_remove);
  gw_oauth2_sign_in_stop_browser (self);
  if (self->cancel_id != 0)
    g_cancellable_disconnect (self->cancellable, self->cancel_id);
  self->cancel_id = 0;
  g_clear_pointer (&self->device_code, gw_secret_free);
  g_clear_pointer (&self->verifier, gw_secret_free);
  return g_steal_pointer (&self->task);
}

void
gw_oauth2_sign_in_fail (GwOAuth2SignIn *self,
                        GError         *error)
{
  g_autoptr(GTask) task = stop (self);
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  if (task == NULL) {
    g_error_free (error);
    return;
  }
  g_info ("Sign-in of profile %s failed: %s", self->name, error->message);
  g_variant_dict_insert (&dict, "message", "s", error->message);
  gw_oauth2_sign_in_progress (self, "failed", g_variant_dict_end (&dict));
  g_task_return_error (task, error);
}

void
gw_oauth2_sign_in_fail_new (GwOAuth2SignIn  *self,
                            GwTransportError code,
                            const char      *format,
                            ...)
{
  va_list args;
  GError *error;

  va_start (args, format);
  error = g_error_new_valist (GW_TRANSPORT_ERROR, code, format, args);
  va_end (args);
  gw_oauth2_sign_in_fail (self, error);
}

static void
succeed (GwOAuth2SignIn *self)
{
  g_autoptr(GTask) task = stop (self);
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  if (task == NULL)
    return;
  g_info ("Profile %s is signed in", self->name);
  g_variant_dict_insert (&dict, "grant", "s", gw_profile_get_string (self->profile, "oauth2-grant"));
  gw_oauth2_sign_in_progress (self, "done", g_variant_dict_end (&dict));
  g_task_return_boolean (task, TRUE);
}

/* Printable ASCII of the endpoint's words, with our secrets masked. */
static char *
shown_text (GwOAuth2SignIn *self, const char *code, const char *description)
{
  const char *secrets[3] = { NULL };
  g_autofree char *joined = g_strjoin (": ", code, description, NULL);
  guint n = 0;

  /* NULL ends the list: leave the unset ones out. */
  if (self->client_secret != NULL)
    secrets[n++] = self->client_secret;
  if (self->device_code != NULL)
    secrets[n++] = self->device_code;
  return gw_oauth2_mask (joined, secrets);
}

/* The refresh token of a successful answer: stored, and the access token
 * that came with it cached. */
static void
take_tokens (GwOAuth2SignIn *self, JsonObject *object)
{
  const char *refresh_token = gw_oauth2_get_string_member (object, "refresh_token");
  const char *access_token = gw_oauth2_get_string_member (object, "access_token");
  g_autoptr(GError) error = NULL;
  g_autofree char *source = NULL;
  GwOAuth2 *oauth = gw_oauth2_get_default ();

  if (refresh_token == NULL || *refresh_token == '\0') {
    gw_oauth2_sign_in_fail_new (self, GW_TRANSPORT_ERROR_PERMANENT,
                                _("The sign-in of profile “%s” succeeded, but the provider gave no refresh "
                                  "token, so deliveries could not go on after an hour: ask for offline "
                                  "access (Microsoft: add the scope offline_access to oauth2-scope)"),
                                self->name);
    return;
  }
  if (!gw_profile_store_secret (self->profile, "oauth2-refresh-token", refresh_token, &error)) {
    gw_oauth2_sign_in_fail_new (self, GW_TRANSPORT_ERROR_TEMPORARY,
                                _("Cannot store the refresh token of profile “%s”: %s"),
                                self->name, error->message);
    return;
  }
  gw_oauth2_signed_in (oauth, self->name);
  source = gw_oauth2_source_for (self->profile, NULL);
  if (access_token != NULL && *access_token != '\0' && source != NULL)
    gw_oauth2_cache_token (oauth, self->name, source, access_token,
                           gw_oauth2_get_int_member (object, "expires_in"));
  succeed (self);
}

char *
gw_oauth2_sign_in_take_answer (GwOAuth2SignIn *self,
                               guint           status,
                               GBytes         *body,
                               gboolean        polling)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object = gw_oauth2_parse_object (parser, body);
  const char *code = gw_oauth2_get_string_member (object, "error");
  char *handled = NULL;

  if (status >= 200 && status < 300 && object != NULL) {
    take_tokens (self, object);
  } else if (polling && (g_strcmp0 (code, "authorization_pending") == 0 ||
                         g_strcmp0 (code, "slow_down") == 0)) {
    handled = g_strdup (code);
  } else if (g_strcmp0 (code, "access_denied") == 0) {
    gw_oauth2_sign_in_fail_new (self, GW_TRANSPORT_ERROR_PERMANENT,
                                _("The sign-in of profile “%s” was declined"), self->name);
  } else if (g_strcmp0 (code, "expired_token") == 0) {
    gw_oauth2_sign_in_fail_new (self, GW_TRANSPORT_ERROR_PERMANENT,
                                _("The code for profile “%s” expired before the sign-in was approved; "
                                  "start the sign-in again"),
                                 self->name);
  } else {
    g_autofree char *shown = shown_text (self, code != NULL ? code : soup_status_get_phrase (status),
                                         gw_oauth2_get_string_member (object, "error_description"));
    gw_oauth2_sign_in_fail_new (self, status >= 500 ? GW_TRANSPORT_ERROR_TEMPORARY : GW_TRANSPORT_ERROR_PERMANENT,
                                _("The OAuth 2.0 token endpoint refused the sign-in of profile “%s”: "
                                  "%s (HTTP %u)"),
                                 self->name, shown, status);
  }
  gw_oauth2_wipe_member (object, "access_token");
  gw_oauth2_wipe_member (object, "refresh_token");
  gw_oauth2_wipe_member (object, "id_token");
  return handled;
}

void
gw_oauth2_sign_in_post (GwOAuth2SignIn      *self,
                        const char          *url,
                        const GwOAuth2Field *fields,
                        guint                n_fields,
                        GAsyncReadyCallback  callback)
{
  g_autoptr(GBytes) form = gw_oauth2_form_new (fields, n_fields);

  gw_oauth2_post_async (self->profile, url, form, self->cancellable, callback, g_object_ref (self));
}

/* ---- the device authorisation grant ---- */

static void poll_token_endpoint (GwOAuth2SignIn *self);

static gboolean
on_poll_due (gpointer user_data)
{
  GwOAuth2SignIn *self = user_data;

  self->timer = 0;
  poll_token_endpoint (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_poll (GwOAuth2SignIn *self, gboolean slow_down)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  if (g_get_monotonic_time () + (gint64) self->interval * G_USEC_PER_SEC > self->deadline) {
    gw_oauth2_sign_in_fail_new (self, GW_TRANSPORT_ERROR_PERMANENT,
                                _("The code for profile “%s” expired before the sign-in was approved; "
                                  "start the sign-in again"),
                                 self->name);
    return;
  }
  g_variant_dict_insert (&dict, "interval", "u", self->interval);
  g_variant_dict_insert (&dict, "slow-down", "b", slow_down);
  gw_oauth2_sign_in_progress (self, "waiting", g_variant_dict_end (&dict));
  self->timer = g_timeout_add_seconds (self->interval, on_poll_due, self);
}

static void
on_polled (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GwOAuth2SignIn) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *code = NULL;
  guint status = 0;

  body = gw_oauth2_post_finish (result, &status, &error);
  if (self->task == NULL)
    return;
  if (body == NULL) {
    /* RFC 8628 3.5: a connection that fails is tried again, more slowly. */
    if (g_error_matches (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY)) {
      g_debug ("Polling for the sign-in of %s: %s", self->name, error->message);
      self->interval = MIN (self->interval * 2, 60);
      schedule_poll (self, TRUE);
    } else {
      gw_oauth2_sign_in_fail (self, g_steal_pointer (&error));
    }
    return;
  }
  code = gw_oauth2_sign_in_take_answer (self, status, body, TRUE);
  if (code == NULL)
    return;
  if (g_str_equal (code, "slow_down"))
    self->interval += SLOW_DOWN_S;
  schedule_poll (self, g_str_equal (code, "slow_down"));
}

static void
poll_token_endpoint (GwOAuth2SignIn *self)
{
  const GwOAuth2Field fields[] = {
    { "grant_type", DEVICE_GRANT },
    { "device_code", self->device_code },
    { "client_id", self->client_id },
    { "client_secret", self->client_secret },
  };

  gw_oauth2_sign_in_post (self, self->token_url, fields, G_N_ELEMENTS (fields), on_polled);
}

/* Something to show a person: printable ASCII, bounded. */
static gboolean
is_showable (const char *text, gsize max)
{
  if (text == NULL || *text == '\0' || strlen (text) > max)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++) {
    if (*p <= 0x20 || *p >= 0x7f)
      return FALSE;
  }
  return TRUE;
}

static void
on_device_code (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GwOAuth2SignIn) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  JsonObject *object;
  const char *device_code, *user_code, *uri, *uri_complete;
  gint64 expires_in, interval;
  guint status = 0;

  body = gw_oauth2_post_finish (result, &status, &error);
  if (self->task == NULL)
    return;
  if (body == NULL) {
    gw_oauth2_sign_in_fail (self, g_steal_pointer (&error));
    return;
  }
  object = gw_oauth2_parse_object (parser, body);
  if (status < 200 || status >= 300 || object == NULL) {
    const char *code = object != NULL ? gw_oauth2_get_string_member (object, "error") : NULL;
    g_autofree char *shown = shown_text (self, code != NULL ? code : soup_status_get_phrase (status),
                                         gw_oauth2_get_string_member (object, "error_description"));
    gw_oauth2_sign_in_fail_new (self, status >= 500 ? GW_TRANSPORT_ERROR_TEMPORARY : GW_TRANSPORT_ERROR_PERMANENT,
                                _("The OAuth 2.0 device authorization endpoint refused profile “%s”: %s (HTTP %u)"),
                                self->name, shown, status);
    return;
  }
  device_code = gw_oauth2_get_string_member (object, "device_code");
  user_code = gw_oauth2_get_string_member (object, "user_code");
  /* Google names it verification_url. */
  uri = gw_oauth2_get_string_member (object, "verification_uri");
  if (uri == NULL)
    uri = gw_oauth2_get_string_member (object, "verification_url");
  uri_complete = gw_oauth2_get_string_member (object, "verification_uri_complete");
  expires_in = gw_oauth2_get_int_member (object, "expires_in");
  interval = gw_oauth2_get_int_member (object, "interval");
  if (device_code == NULL || *device_code == '\0' || !is_showable (user_code, 64) || !is_showable (uri, 2048)) {
    gw_oauth2_sign_in_fail_new (self, GW_TRANSPORT_ERROR_PERMANENT,
                                _("The OAuth 2.0 device authorization endpoint gave profile “%s” no usable "
                                  "device code, user code and verification URI"),
                                 self->name);
    gw_oauth2_wipe_member (object, "device_code");
    return;
  }
  self->device_code = g_strdup (device_code);
  gw_oauth2_wipe_member (object, "device_code");
  self->interval = interval > 0 ? (guint) MIN (interval, 60) : 5;
  expires_in = expires_in > 0 ? MIN (expires_in, GW_OAUTH2_SIGN_IN_MAX_S) : GW_OAUTH2_SIGN_IN_MAX_S;
  self->deadline = g_get_monotonic_time () + expires_in * G_USEC_PER_SEC;

  g_variant_dict_insert (&dict, "verification-uri", "s", uri);
  g_variant_dict_insert (&dict, "user-code", "s", user_code);
  if (is_showable (uri_complete, 2048))
    g_variant_dict_insert (&dict, "verification-uri-complete", "s", uri_complete);
  g_variant_dict_insert (&dict, "expires-in", "u", (guint) expires_in);
  g_variant_dict_insert (&dict, "interval", "u", self->interval);
  gw_oauth2_sign_in_progress (self, "verify", g_variant_dict_end (&dict));
  schedule_poll (self, FALSE);
}

static void
start_device (GwOAuth2SignIn *self)
{
  const char *url = gw_profile_get_string (self->profile, "oauth2-device-url");
  const GwOAuth2Field fields[] = {
    { "client_id", self->client_id },
    { "scope", self->scope },
  };

  if (url == NULL) {
    gw_oauth2_sign_in_fail_new (self, GW_TRANSPORT_ERROR_PERMANENT,
                                _("Profile “%s” has no oauth2-device-url for a sign-in with a code; "
                                  "set it, or sign in with a browser"),
                                 self->name);
    return;
  }
  g_debug ("Asking for a device code for profile %s", self->name);
  gw_oauth2_sign_in_post (self, url, fields, G_N_ELEMENTS (fields), on_device_code);
}

/* ---- client credentials: nobody signs in; check a token comes ---- */

static void
on_client_token (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GwOAuth2SignIn) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GwSecret) token = gw_oauth2_get_token_finish (GW_OAUTH2 (source), result, &error);

  if (self->task == NULL)
    return;
  if (token == NULL)
    gw_oauth2_sign_in_fail (self, g_steal_pointer (&error));
  else
    succeed (self);
}

/* ---- running ---- */

static gboolean
on_cancelled_idle (gpointer user_data)
{
  GwOAuth2SignIn *self = user_data;

  gw_oauth2_sign_in_fail (self, g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The sign-in was cancelled")));
  return G_SOURCE_REMOVE;
}

static void
on_cancelled (GCancellable *cancellable, gpointer user_data)
{
  /* Not from within the handler: it may run inside g_cancellable_cancel()
   * called by code that holds our state. */
  g_idle_add_full (G_PRIORITY_DEFAULT, on_cancelled_idle, g_object_ref (user_data), g_object_unref);
}

void
gw_oauth2_sign_in_run_async (GwOAuth2SignIn      *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  const char *grant;

  g_return_if_fail (GW_IS_OAUTH2_SIGN_IN (self));
  g_return_if_fail (self->task == NULL);

  /* No GCancellable on the task: cancelling goes through on_cancelled. */
  self->task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (self->task, gw_oauth2_sign_in_run_async);
  g_clear_object (&self->cancellable);
  self->cancellable = cancellable != NULL ? g_object_ref (cancellable) : g_cancellable_new ();
  self->cancel_id = g_cancellable_connect (self->cancellable, G_CALLBACK (on_cancelled), self, NULL);

  grant = gw_profile_get_string (self->profile, "oauth2-grant");
  self->client_id = g_strdup (gw_profile_get_string (self->profile, "oauth2-client-id"));
  self->token_url = g_strdup (gw_profile_get_string (self->profile, "oauth2-token-url"));
  self->scope = g_strdup (gw_profile_get_string (self->profile, "oauth2-scope"));
  if (self->client_id == NULL || self->token_url == NULL) {
    gw_oauth2_sign_in_fail_new (self, GW_TRANSPORT_ERROR_PERMANENT,
                                _("Profile “%s” needs oauth2-client-id and oauth2-token-url to sign in "
                                  "(or a provider that fills in the endpoints)"),
                                 self->name);
    return;
  }
  if (g_strcmp0 (grant, GW_OAUTH2_GRANT_CLIENT_CREDENTIALS) == 0) {
    gw_oauth2_get_token_async (gw_oauth2_get_default (), self->profile, TRUE, self->cancellable,
                               on_client_token, g_object_ref (self));
    return;
  }
  self->client_secret = gw_profile_dup_secret (self->profile, "oauth2-client-secret", &error);
  if (error != NULL) {
    gw_oauth2_sign_in_fail_new (self, GW_TRANSPORT_ERROR_PERMANENT,
                                _("Cannot read the OAuth 2.0 client secret of profile “%s”: %s"),
                                self->name, error->message);
    return;
  }
  if (self->flow == GW_OAUTH2_FLOW_BROWSER)
    gw_oauth2_sign_in_start_browser (self);
  else
    start_device (self);
}

gboolean
gw_oauth2_sign_in_run_finish (GwOAuth2SignIn  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

GwOAuth2SignIn *
gw_oauth2_sign_in_new (GwProfile    *profile,
                       GwOAuth2Flow  flow)
{
  GwOAuth2SignIn *self;

  g_return_val_if_fail (GW_IS_PROFILE (profile), NULL);

  self = g_object_new (GW_TYPE_OAUTH2_SIGN_IN, NULL);
  self->profile = g_object_ref (profile);
  self->name = g_strdup (gw_profile_get_name (profile));
  self->flow = flow;
  return self;
}

static void
gw_oauth2_sign_in_dispose (GObject *object)
{
  GwOAuth2SignIn *self = GW_OAUTH2_SIGN_IN (object);
  g_autoptr(GTask) task = stop (self);

  /* A task holds a reference to us, so none is left running here. */
  g_warn_if_fail (task == NULL);
  G_OBJECT_CLASS (gw_oauth2_sign_in_parent_class)->dispose (object);
}

static void
gw_oauth2_sign_in_finalize (GObject *object)
{
  GwOAuth2SignIn *self = GW_OAUTH2_SIGN_IN (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->profile);
  g_free (self->name);
  g_free (self->client_id);
  g_free (self->token_url);
  g_free (self->scope);
  gw_secret_free (self->client_secret);
  g_free (self->redirect_uri);
  g_free (self->state);
  G_OBJECT_CLASS (gw_oauth2_sign_in_parent_class)->finalize (object);
}

static void
gw_oauth2_sign_in_class_init (GwOAuth2SignInClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gw_oauth2_sign_in_dispose;
  object_class->finalize = gw_oauth2_sign_in_finalize;
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_VARIANT);
}

static void
gw_oauth2_sign_in_init (GwOAuth2SignIn *self)
{
}
