/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-graph-transport.c: the "graph" transport (Microsoft Graph sendMail)
 *
 * POST {graph-url}/users/{graph-user}/sendMail, or {graph-url}/me/sendMail
 * when graph-user is empty (a delegated sign-in), with the composed MIME
 * message base64-encoded as text/plain, Graph's documented MIME send. The
 * access token comes from the SDK's OAuth 2.0 code (gw-oauth2.c), cached
 * per profile.
 *
 * Graph's answers: 202 sent; 429 and 503 (and other 5xx, 408) tried again,
 * after Retry-After when Graph gives one; 401 once: the cached token is
 * dropped and the request made again with a fresh one; any other 4xx
 * failed, with Graph's error code and message. A message Graph could never
 * take (over its 4 MB request limit, or naming someone in its headers who
 * is not a recipient of the job) is refused at Send.
 *
 * Built on the plugin SDK only, like a transport out of Herald's tree.
 */
#define G_LOG_DOMAIN "gw-graph"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <gmime/gmime.h>

#include "gw-graph.h"

#define GW_TYPE_GRAPH_TRANSPORT (gw_graph_transport_get_type ())
G_DECLARE_FINAL_TYPE (GwGraphTransport, gw_graph_transport, GW, GRAPH_TRANSPORT, GwTransport)

struct _GwGraphTransport {
  GwTransport parent_instance;
};

/* A type macro, not a call, kept as written */
/* clang-format off */
G_DEFINE_DYNAMIC_TYPE_EXTENDED (GwGraphTransport, gw_graph_transport, GW_TYPE_TRANSPORT,
                                G_TYPE_FLAG_FINAL, {})
/* clang-format on */

#define DEFAULT_GRAPH_URL "https://graph.microsoft.com/v1.0"

typedef struct {
  GwProfile     *profile;
  GwEnvelope    *envelope;
  GBytes        *payload;
  char          *url;
  char          *token;     /* wiped when freed */
  gboolean       retried;   /* a fresh token was asked for after a 401 */
  GwGraphAnswer  answer;
} Delivery;

static void
delivery_free (Delivery *delivery)
{
  g_clear_object (&delivery->profile);
  g_clear_object (&delivery->envelope);
  g_clear_pointer (&delivery->payload, g_bytes_unref);
  g_free (delivery->url);
  gw_secret_free (delivery->token);
  gw_graph_answer_clear (&delivery->answer);
  g_free (delivery);
}

/* {graph-url}/users/{id}/sendMail or {graph-url}/me/sendMail */
static char *
send_url (GwProfile *profile)
{
  const char *base = gw_profile_get_string (profile, "graph-url");
  const char *user = gw_profile_get_string (profile, "graph-user");
  g_autofree char *trimmed = g_strdup (base != NULL ? base : DEFAULT_GRAPH_URL);
  g_autofree char *escaped = NULL;
  gsize len = strlen (trimmed);

  while (len > 0 && trimmed[len - 1] == '/')
    trimmed[--len] = '\0';
  if (user == NULL || *user == '\0')
    return g_strconcat (trimmed, "/me/sendMail", NULL);
  /* one path segment: "/", "?", "#" and the like escaped; "@" of a UPN kept */
  escaped = g_uri_escape_string (user, "@", FALSE);
  return g_strconcat (trimmed, "/users/", escaped, "/sendMail", NULL);
}

static void fetch_token (GTask *task);

static void
posted_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Delivery *delivery = g_task_get_task_data (task);
  GwGraphAnswer *answer = &delivery->answer;
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = NULL;
  guint status;

  if (!g_task_propagate_boolean (G_TASK (result), &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  status = answer->status;
  if (status == 401 && !delivery->retried) {
    /* The token may have been revoked or expired early: one fresh token. */
    g_debug ("Microsoft Graph refused the access token of profile %s: fetching a fresh one",
             gw_profile_get_name (delivery->profile));
    delivery->retried = TRUE;
    gw_oauth2_forget (gw_oauth2_get_default (), gw_profile_get_name (delivery->profile));
    gw_graph_answer_clear (answer);
    fetch_token (g_steal_pointer (&task));
    return;
  }
  reply = gw_graph_answer_describe (answer);
  if (status >= 200 && status < 300) {
    gw_envelope_set_pending_result (delivery->envelope, GW_RECIPIENT_SENT, reply, NULL);
  } else if (status == 408 || status == 429 || status >= 500) {
    gw_envelope_set_pending_result (delivery->envelope, GW_RECIPIENT_TEMPFAIL, reply, NULL);
    gw_envelope_set_retry_after (delivery->envelope, answer->retry_after);
  } else if (status >= 300 && status < 400) {
    g_autofree char *text = NULL;

    text = g_strdup_printf (_("%s (a redirect, which is never followed: check graph-url)"), reply);
    gw_envelope_set_pending_result (delivery->envelope, GW_RECIPIENT_PERMFAIL, text, NULL);
  } else {
    gw_envelope_set_pending_result (delivery->envelope, GW_RECIPIENT_PERMFAIL, reply, NULL);
  }
  g_task_return_boolean (task, TRUE);
}

static void
post_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Delivery *delivery = task_data;
  GError *error = NULL;

  if (gw_graph_post (delivery->profile, delivery->url, delivery->token, delivery->payload,
                     cancellable, &delivery->answer, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
token_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Delivery *delivery = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) post = NULL;

  gw_secret_free (delivery->token);
  delivery->token = gw_oauth2_get_token_finish (GW_OAUTH2 (source), result, &error);
  if (delivery->token == NULL) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
    /* Fixed by the administrator (sign in again): the queue waits. */
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                             _("Cannot get an OAuth 2.0 access token for Microsoft Graph: %s"),
                             error->message);
    return;
  }
  /* The request runs in a thread; its task shares the delivery's data. */
  post = g_task_new (g_task_get_source_object (task), g_task_get_cancellable (task), posted_cb,
                     g_object_ref (task));
  g_task_set_task_data (post, delivery, NULL);
  g_task_run_in_thread (post, post_in_thread);
}

/* Consumes @task. */
static void
fetch_token (GTask *task)
{
  Delivery *delivery = g_task_get_task_data (task);

  gw_oauth2_get_token_async (gw_oauth2_get_default (), delivery->profile, delivery->retried,
                             g_task_get_cancellable (task), token_cb, task);
}

static void
gw_graph_transport_deliver (GwTransport        *transport,
                            GwProfile          *profile,
                            GObject            *session,
                            GwEnvelope         *envelope,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (transport, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  Delivery *delivery = g_new0 (Delivery, 1);

  g_task_set_source_tag (task, gw_graph_transport_deliver);
  g_task_set_task_data (task, delivery, (GDestroyNotify) delivery_free);
  delivery->profile = g_object_ref (profile);
  delivery->envelope = g_object_ref (envelope);
  delivery->url = send_url (profile);
  delivery->payload = gw_graph_build_payload (envelope, &error);
  if (delivery->payload == NULL) {
    /* Checked at Send already; a fallback job can still get here. */
    gw_envelope_set_pending_result (envelope, GW_RECIPIENT_PERMFAIL, error->message, NULL);
    g_task_return_boolean (task, TRUE);
    return;
  }
  fetch_token (g_steal_pointer (&task));
}

static gboolean
gw_graph_transport_deliver_finish (GwTransport  *transport,
                                   GAsyncResult *result,
                                   GError      **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
gw_graph_transport_check_content (GwTransport *transport,
                                  GwProfile   *profile,
                                  GwEnvelope  *envelope,
                                  GError     **error)
{
  return gw_graph_check_message (envelope, error);
}

static gboolean
gw_graph_transport_validate_profile (GwTransport *transport,
                                     GwProfile   *profile,
                                     GError     **error)
{
  const char *url = gw_profile_get_string (profile, "graph-url");
  g_autoptr(GUri) uri = url != NULL ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;
  const char * const required[] = { "oauth2-token-url", "oauth2-client-id", NULL };

  if (uri == NULL || g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") != 0 ||
      g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("“graph-url” must be an https URL without query or fragment, such as %s"),
                 DEFAULT_GRAPH_URL);
    return FALSE;
  }
  for (guint i = 0; required[i] != NULL; i++) {
    if (gw_profile_get_string (profile, required[i]) == NULL) {
      g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                   _("Profile “%s” needs “%s”: Microsoft Graph takes only OAuth 2.0 access tokens"),
                   gw_profile_get_name (profile), required[i]);
      return FALSE;
    }
  }
  /* Google's endpoints give no token that Graph takes. */
  if (g_strcmp0 (gw_profile_get_string (profile, "provider"), "gmail") == 0) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("Profile “%s”: Microsoft Graph works with provider microsoft365, outlook-com or "
                   "generic, not gmail (use an smtp profile for Gmail)"),
                 gw_profile_get_name (profile));
    return FALSE;
  }
  /* An app-only token has no signed-in user: /me would be refused by Graph. */
  if (g_strcmp0 (gw_profile_get_string (profile, "oauth2-grant"), "client-credentials") == 0 &&
      gw_profile_get_string (profile, "graph-user") == NULL) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("Profile “%s” uses the client credentials grant, which has no signed-in user: "
                   "set “graph-user” to the mailbox that sends"),
                 gw_profile_get_name (profile));
    return FALSE;
  }
  return TRUE;
}

/* What provider=microsoft365|outlook-com fills in on a graph profile: the
 * Graph scope (".default" for an app-only token) and Exchange Online's
 * published limits. The endpoints are the SDK's presets. */
static void
add_presets (GwTransportClass *klass)
{
  static const struct {
    const char *conditions;
    const char *key;
    const char *value;
  } presets[] = {
    { "provider=microsoft365", "oauth2-scope", "https://graph.microsoft.com/Mail.Send offline_access" },
    { "provider=microsoft365,oauth2-grant=client-credentials", "oauth2-scope",
      "https://graph.microsoft.com/.default" },
    { "provider=microsoft365", "rate-limit", "30" },
    { "provider=microsoft365", "max-recipients-per-day", "10000" },
    { "provider=outlook-com", "oauth2-scope", "https://graph.microsoft.com/Mail.Send offline_access" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    gw_transport_class_add_preset (klass, presets[i].conditions, presets[i].key, presets[i].value);
}

static char *
gw_graph_transport_describe (GwTransport *transport,
                             GwProfile   *profile)
{
  g_autofree char *url = send_url (profile);

  return g_strdup_printf ("graph %s", url);
}

/* A user id (GUID) or user principal name: no blanks or controls. */
static gboolean
check_graph_user (const GwSettingSpec *spec,
                  GVariant           **value,
                  GError             **error)
{
  const char *text = g_variant_get_string (*value, NULL);

  if (strlen (text) > 320)
    return gw_setting_spec_refuse (spec, text, _("longer than 320 characters"), error);
  for (const char *p = text; *p != '\0'; p++) {
    if (g_ascii_isspace (*p) || *p == '/')
      return gw_setting_spec_refuse (spec, text, _("no blanks or slashes in a user id or name"), error);
  }
  return TRUE;
}

static void
gw_graph_transport_class_init (GwGraphTransportClass *klass)
{
  GwTransportClass *transport_class = GW_TRANSPORT_CLASS (klass);
  GwSettingSpec *spec;

  transport_class->abi_version = GW_TRANSPORT_ABI_VERSION;
  transport_class->name = "graph";
  transport_class->validate_profile = gw_graph_transport_validate_profile;
  transport_class->describe = gw_graph_transport_describe;
  transport_class->deliver = gw_graph_transport_deliver;
  transport_class->deliver_finish = gw_graph_transport_deliver_finish;
  transport_class->check_content = gw_graph_transport_check_content;

  gw_transport_class_set_translation_domain (transport_class, GETTEXT_PACKAGE);
  /* The URL decides where the access token goes. */
  gw_transport_class_install_setting (transport_class,
    gw_setting_spec_new ("graph-url", GW_SETTING_URL,
                         GW_SETTING_FLAG_REDIRECTS_SECRETS | GW_SETTING_FLAG_SERVER_HOST,
                         DEFAULT_GRAPH_URL, N_("Microsoft Graph endpoint (https)")));
  spec = gw_setting_spec_new ("graph-user", GW_SETTING_STRING, 0, NULL,
                              N_("Mailbox that sends: user id or principal name; "
                                 "empty: the signed-in user (/me)"));
  gw_setting_spec_set_check (spec, check_graph_user);
  gw_transport_class_install_setting (transport_class, spec);
  gw_oauth2_install_settings (transport_class);
  add_presets (transport_class);
  gw_tls_policy_install_settings (transport_class);
  /* a tenant may ask for mutual TLS: the token and Graph requests present it */
  gw_tls_client_install_settings (transport_class);
  gw_transport_class_install_timeouts (transport_class);
}

static void
gw_graph_transport_class_finalize (GwGraphTransportClass *klass)
{
}

static void
gw_graph_transport_init (GwGraphTransport *self)
{
}

G_MODULE_EXPORT void g_io_module_load (GIOModule *module);
G_MODULE_EXPORT void g_io_module_unload (GIOModule *module);

G_MODULE_EXPORT void
g_io_module_load (GIOModule *module)
{
  /* heraldd has done it already; GMime counts the calls. */
  g_mime_init ();
  gw_graph_transport_register_type (G_TYPE_MODULE (module));
  g_io_extension_point_implement (GW_TRANSPORT_EXTENSION_POINT, GW_TYPE_GRAPH_TRANSPORT, "graph", 0);
}

G_MODULE_EXPORT void
g_io_module_unload (GIOModule *module)
{
}
