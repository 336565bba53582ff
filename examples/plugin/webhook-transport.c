/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* webhook-transport.c: an out-of-tree Herald transport
 *
 * Transport "webhook": POSTs each notification as JSON to the profile's
 * "webhook-url", with "Authorization: Bearer <webhook-token>" when the
 * profile has that secret. 2xx delivers, 4xx fails for good, 5xx, 429 and
 * network trouble are tried again later. Redirects are never followed
 * (the token would follow them).
 *
 * It is built against the installed plugin SDK only (pkg-config
 * herald-plugin-1): see meson.build next to it and docs/plugins.md.
 */
#define G_LOG_DOMAIN "webhook"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include <herald-plugin.h>

#define WEBHOOK_TYPE_TRANSPORT (webhook_transport_get_type ())
G_DECLARE_FINAL_TYPE (WebhookTransport, webhook_transport, WEBHOOK, TRANSPORT, GwTransport)

struct _WebhookTransport {
  GwTransport  parent_instance;
};

/* A type macro, not a call, kept as written */
/* clang-format off */
G_DEFINE_DYNAMIC_TYPE_EXTENDED (WebhookTransport, webhook_transport, GW_TYPE_TRANSPORT,
                                G_TYPE_FLAG_FINAL, {})
/* clang-format on */

/* The envelope as the peer gets it: who, what, and the message itself. */
static char *
envelope_to_json (GwProfile  *profile,
                  GwEnvelope *envelope,
                  GBytes     *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = g_strndup (g_bytes_get_data (message, NULL), g_bytes_get_size (message));

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "profile");
  json_builder_add_string_value (builder, gw_profile_get_name (profile));
  json_builder_set_member_name (builder, "message-id");
  json_builder_add_string_value (builder, gw_envelope_get_message_id (envelope));
  json_builder_set_member_name (builder, "sender");
  json_builder_add_string_value (builder, gw_envelope_get_sender (envelope));
  json_builder_set_member_name (builder, "recipients");
  json_builder_begin_array (builder);
  for (guint i = 0; i < gw_envelope_get_n_recipients (envelope); i++) {
    GwRecipient *r = gw_envelope_get_recipient (envelope, i);

    if (r->status == GW_RECIPIENT_PENDING)
      json_builder_add_string_value (builder, r->address);
  }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, g_utf8_validate (text, -1, NULL) ? text : "");
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

typedef struct {
  GwEnvelope  *envelope;
  SoupSession *session;
} Delivery;

static void
delivery_free (Delivery *delivery)
{
  g_clear_object (&delivery->envelope);
  g_clear_object (&delivery->session);
  g_free (delivery);
}

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Delivery *delivery = g_task_get_task_data (task);
  SoupMessage *message = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = NULL;
  guint status;

  body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (body == NULL) {
    /* The server could not be reached: the session failed, try later. */
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                             _("The webhook could not be reached: %s"), error->message);
    return;
  }
  status = soup_message_get_status (message);
  reply = g_strdup_printf ("HTTP %u %s", status, soup_message_get_reason_phrase (message));
  if (SOUP_STATUS_IS_SUCCESSFUL (status))
    gw_envelope_set_pending_result (delivery->envelope, GW_RECIPIENT_SENT, reply, NULL);
  else if (status >= 500 || status == 429)
    gw_envelope_set_pending_result (delivery->envelope, GW_RECIPIENT_TEMPFAIL, reply, NULL);
  else
    gw_envelope_set_pending_result (delivery->envelope, GW_RECIPIENT_PERMFAIL, reply, NULL);
  g_task_return_boolean (task, TRUE);
}

static void
webhook_transport_deliver (GwTransport        *transport,
                           GwProfile          *profile,
                           GObject            *session,
                           GwEnvelope         *envelope,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (transport, cancellable, callback, user_data);
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) whole = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GwSecret) token = NULL;
  Delivery *delivery = g_new0 (Delivery, 1);
  char *json;
  guint timeout = (guint) gw_profile_get_uint (profile, "conversation-timeout");

  g_task_set_source_tag (task, webhook_transport_deliver);
  delivery->envelope = g_object_ref (envelope);
  delivery->session = soup_session_new_with_options ("timeout", timeout, "idle-timeout", timeout, NULL);
  g_task_set_task_data (task, delivery, (GDestroyNotify) delivery_free);

  message = soup_message_new (SOUP_METHOD_POST, gw_profile_get_string (profile, "webhook-url"));
  if (message == NULL) {
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                             _("“webhook-url” is not a URL libsoup can use"));
    return;
  }
  /* Secrets are read by their declared key, used, and wiped. */
  token = gw_profile_dup_secret (profile, "webhook-token", &error);
  if (error != NULL) {
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                             "%s", error->message);
    return;
  }
  if (token != NULL) {
    g_autoptr(GwSecret) header = g_strconcat ("Bearer ", token, NULL);
    soup_message_headers_replace (soup_message_get_request_headers (message), "Authorization", header);
  }
  soup_message_set_flags (message, SOUP_MESSAGE_NO_REDIRECT);
  /* A large message is not held in memory by the envelope: JSON needs it
   * whole, so it is read here (a transport that writes it in pieces reads
   * gw_envelope_get_message_source() instead). */
  whole = gw_envelope_load_message (envelope, &error);
  if (whole == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  json = envelope_to_json (profile, envelope, whole);
  body = g_bytes_new_take (json, strlen (json));
  soup_message_set_request_body_from_bytes (message, "application/json", body);
  soup_session_send_and_read_async (delivery->session, message, G_PRIORITY_DEFAULT, cancellable,
                                    sent_cb, g_steal_pointer (&task));
}

static gboolean
webhook_transport_deliver_finish (GwTransport  *transport,
                                  GAsyncResult *result,
                                  GError      **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
webhook_transport_validate_profile (GwTransport *transport,
                                    GwProfile   *profile,
                                    GError     **error)
{
  if (gw_profile_get_string (profile, "webhook-url") == NULL) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("A webhook profile needs “webhook-url”"));
    return FALSE;
  }
  return TRUE;
}

static char *
webhook_transport_describe (GwTransport *transport,
                            GwProfile   *profile)
{
  return g_strdup_printf ("webhook %s", gw_profile_get_string (profile, "webhook-url"));
}

static void
webhook_transport_class_init (WebhookTransportClass *klass)
{
  GwTransportClass *transport_class = GW_TRANSPORT_CLASS (klass);

  transport_class->abi_version = GW_TRANSPORT_ABI_VERSION;
  transport_class->name = "webhook";
  transport_class->validate_profile = webhook_transport_validate_profile;
  transport_class->describe = webhook_transport_describe;
  transport_class->deliver = webhook_transport_deliver;
  transport_class->deliver_finish = webhook_transport_deliver_finish;

  /* The keys this transport brings. The URL decides where the token goes,
   * so it carries the flag the credential-redirect guard protects. */
  gw_transport_class_set_translation_domain (transport_class, GETTEXT_PACKAGE);
  gw_transport_class_install_setting (transport_class,
    gw_setting_spec_new ("webhook-url", GW_SETTING_URL, GW_SETTING_FLAG_REDIRECTS_SECRETS, NULL,
                         N_("Where notifications are POSTed as JSON")));
  gw_transport_class_install_setting (transport_class,
    gw_setting_spec_new ("webhook-token", GW_SETTING_STRING, GW_SETTING_FLAG_SECRET, NULL,
                         N_("Bearer token sent with each request")));
  gw_transport_class_install_timeouts (transport_class);
}

static void
webhook_transport_class_finalize (WebhookTransportClass *klass)
{
}

static void
webhook_transport_init (WebhookTransport *self)
{
}

G_MODULE_EXPORT void g_io_module_load (GIOModule *module);
G_MODULE_EXPORT void g_io_module_unload (GIOModule *module);

G_MODULE_EXPORT void
g_io_module_load (GIOModule *module)
{
  webhook_transport_register_type (G_TYPE_MODULE (module));
  g_io_extension_point_implement (GW_TRANSPORT_EXTENSION_POINT, WEBHOOK_TYPE_TRANSPORT, "webhook", 0);
}

G_MODULE_EXPORT void
g_io_module_unload (GIOModule *module)
{
}
