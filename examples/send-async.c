/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* send-async.c: list the gateway's profiles and send a notification with an
 * attachment, using libherald's async API, then wait for the final state.
 *
 *   send-async --to admin@example.org [--attach FILE] [--profile NAME] [--system]
 *
 * Build: cc send-async.c $(pkg-config --cflags --libs libherald-1) -o send-async
 * Exit status: 0 sent, 1 failed, partly sent or cancelled, 2 a Herald
 * error (printed with its HeraldError code), 3 no final state within 60 s. */
#include <locale.h>
#include <stdlib.h>

#include <herald.h>

typedef struct {
  GMainLoop          *loop;
  HeraldClient       *client;
  HeraldNotification *notification;
  GCancellable       *cancellable;
  int                 status;
  guint               timeout_id;
} Example;

static void
fail (Example      *example,
      const GError *error)
{
  if (error->domain == HERALD_ERROR) {
    g_autoptr(GEnumClass) codes = g_type_class_ref (HERALD_TYPE_ERROR);
    GEnumValue *code = g_enum_get_value (codes, error->code);

    g_printerr ("Herald error %s: %s\n", code != NULL ? code->value_nick : "?", error->message);
  } else {
    g_printerr ("error: %s\n", error->message);
  }
  example->status = 2;
  g_main_loop_quit (example->loop);
}

static void
delivery_changed_cb (HeraldClient        *client,
                     const char          *id,
                     HeraldDeliveryState  state,
                     HeraldDelivery      *delivery,
                     gpointer             user_data)
{
  g_autoptr(GEnumClass) states = g_type_class_ref (HERALD_TYPE_DELIVERY_STATE);

  g_print ("delivery %s: %s\n", id, g_enum_get_value (states, state)->value_nick);
}

static void
waited_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Example *example = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HeraldDelivery) delivery =
    herald_client_wait_for_delivery_finish (HERALD_CLIENT (source), result, &error);

  if (delivery == NULL) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_printerr ("no final state within 60 s\n");
      example->status = 3;
      g_main_loop_quit (example->loop);
      return;
    }
    fail (example, error);
    return;
  }
  g_print ("final state: %s (%s)\n",
           herald_delivery_state_to_string (herald_delivery_get_state (delivery)),
           herald_delivery_get_summary (delivery));
  example->status = herald_delivery_get_state (delivery) == HERALD_DELIVERY_STATE_SENT ? 0 : 1;
  g_main_loop_quit (example->loop);
}

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Example *example = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = herald_client_send_finish (HERALD_CLIENT (source), result, &error);

  if (id == NULL) {
    fail (example, error);
    return;
  }
  g_print ("delivery %s accepted\n", id);
  herald_client_wait_for_delivery (example->client, id, example->cancellable, waited_cb, example);
}

static void
profiles_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Example *example = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) profiles =
    herald_client_list_profiles_finish (HERALD_CLIENT (source), result, &error);

  if (profiles == NULL) {
    fail (example, error);
    return;
  }
  g_print ("%u profile(s):\n", profiles->len);
  for (guint i = 0; i < profiles->len; i++) {
    HeraldProfile *profile = g_ptr_array_index (profiles, i);
    g_print ("  %s (%s)\n", herald_profile_get_name (profile), herald_profile_get_transport (profile));
  }
  herald_client_send (example->client, example->notification, NULL, sent_cb, example);
}

static void
client_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Example *example = user_data;
  g_autoptr(GError) error = NULL;

  example->client = herald_client_new_finish (result, &error);
  if (example->client == NULL) {
    fail (example, error);
    return;
  }
  g_signal_connect (example->client, "delivery-changed", G_CALLBACK (delivery_changed_cb), example);
  herald_client_list_profiles (example->client, NULL, profiles_cb, example);
}

static gboolean
timeout_cb (gpointer user_data)
{
  Example *example = user_data;

  example->timeout_id = 0;
  g_cancellable_cancel (example->cancellable);
  return G_SOURCE_REMOVE;
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *to = NULL;
  g_autofree char *attach = NULL;
  g_autofree char *profile = NULL;
  gboolean system_bus = FALSE;
  const GOptionEntry entries[] = {
    { "to", 0, 0, G_OPTION_ARG_STRING, &to, "Recipient", "ADDRESS" },
    { "attach", 0, 0, G_OPTION_ARG_FILENAME, &attach, "Attach a file", "FILE" },
    { "profile", 0, 0, G_OPTION_ARG_STRING, &profile, "Send through this profile", "NAME" },
    { "system", 0, 0, G_OPTION_ARG_NONE, &system_bus, "Use the system gateway", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(HeraldNotification) notification = NULL;
  Example example = { loop, NULL, NULL, cancellable, 3, 0 };

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || to == NULL) {
    g_printerr ("usage: send-async --to ADDRESS [--attach FILE] [--profile NAME]%s%s\n",
                error != NULL ? ": " : "", error != NULL ? error->message : "");
    return 64;
  }

  /* from its properties, as any GObject; or herald_notification_new() and setters */
  notification = g_object_new (HERALD_TYPE_NOTIFICATION,
                               "to", (const char * const[]) { to, NULL },
                               "subject", "Hello from the Herald C example",
                               "body", "Sent by send-async.c with libherald's async API.",
                               "profile", profile,
                               NULL);
  example.notification = notification;
  if (attach != NULL && !herald_notification_add_attachment_path (notification, attach, NULL, NULL, &error)) {
    g_printerr ("error: %s\n", error->message);
    return 2;
  }

  herald_client_new (system_bus ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION, NULL, client_cb, &example);
  example.timeout_id = g_timeout_add_seconds (60, timeout_cb, &example);
  g_main_loop_run (loop);
  g_clear_handle_id (&example.timeout_id, g_source_remove);
  g_clear_object (&example.client);
  return example.status;
}
