/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* heraldctl-sign-in.c: heraldctl profile sign-in NAME [--browser]
 *
 * The gateway runs the OAuth 2.0 flow and keeps the refresh token; this
 * command only shows the person what to do (the verification URI and the
 * user code, or the authorisation URL, opened with xdg-open when there is
 * a display) and waits. The token never reaches this process. Leaving
 * (Ctrl-C) ends the sign-in: the gateway sees its caller leave the bus.
 */
#define G_LOG_DOMAIN "heraldctl"

#include "config.h"

#include <glib/gi18n.h>

#include "heraldctl.h"

typedef struct {
  HeraldCtl  *ctl;
  const char *profile;
  GMainLoop  *loop;
  GError     *error;
  gboolean    done;
  gboolean    said_waiting;
} SignIn;

/* Something the gateway sent, as text that cannot move the cursor. */
static char *
shown (GVariant *details, const char *key)
{
  const char *value = NULL;

  g_variant_lookup (details, key, "&s", &value);
  return heraldctl_sanitize (value != NULL ? value : "");
}

/* xdg-open, only where a browser can appear: a display and the tool. */
static void
open_in_browser (const char *url)
{
  g_autofree char *xdg_open = g_find_program_in_path ("xdg-open");
  g_autoptr(GError) error = NULL;
  const char *argv[] = { NULL, url, NULL };

  if (xdg_open == NULL || (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL))
    return;
  argv[0] = xdg_open;
  if (!g_spawn_async (NULL, (char **) argv, NULL,
                      G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, &error))
    g_printerr (_("heraldctl: cannot open a browser: %s\n"), error->message);
}

static void
print_json_event (const char *profile, const char *stage, GVariant *details)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  GVariantIter iter;
  const char *key;
  GVariant *value;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "profile");
  json_builder_add_string_value (builder, profile);
  json_builder_set_member_name (builder, "stage");
  json_builder_add_string_value (builder, stage);
  g_variant_iter_init (&iter, details);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value)) {
    json_builder_set_member_name (builder, key);
    if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
      json_builder_add_string_value (builder, g_variant_get_string (value, NULL));
    else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
      json_builder_add_int_value (builder, g_variant_get_uint32 (value));
    else if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
      json_builder_add_boolean_value (builder, g_variant_get_boolean (value));
    else
      json_builder_add_null_value (builder);
  }
  json_builder_end_object (builder);
  heraldctl_print_json (json_builder_get_root (builder));
}

static void
progress_cb (HeraldClient *client,
             const char   *profile,
             const char   *stage,
             GVariant     *details,
             gpointer      user_data)
{
  SignIn *sign_in = user_data;

  if (g_strcmp0 (profile, sign_in->profile) != 0)
    return;
  if (sign_in->ctl->json) {
    print_json_event (profile, stage, details);
  } else if (g_str_equal (stage, "verify")) {
    g_autofree char *uri = shown (details, "verification-uri");
    g_autofree char *code = shown (details, "user-code");
    guint32 expires_in = 0;

    g_variant_lookup (details, "expires-in", "u", &expires_in);
    /* TRANSLATORS: the first %s is a profile, the second a URL, the third a code such as ABCD-EFGH */
    g_print (_("To sign in profile “%s”, open %s and enter the code %s\n"), profile, uri, code);
    /* TRANSLATORS: %u is a number of minutes */
    g_print (_("The code expires in %u minutes.\n"), (expires_in + 59) / 60);
  } else if (g_str_equal (stage, "authorize")) {
    g_autofree char *url = shown (details, "authorize-url");

    /* TRANSLATORS: %s is a profile */
    g_print (_("To sign in profile “%s”, open this address in a browser on the gateway's machine:\n"),
             profile);
    g_print ("%s\n", url);
    open_in_browser (url);
  } else if (g_str_equal (stage, "waiting") && !sign_in->said_waiting) {
    sign_in->said_waiting = TRUE;
    g_print (_("Waiting for the sign-in…\n"));
  }
}

static void
sign_in_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  SignIn *sign_in = user_data;

  sign_in->done = herald_client_sign_in_finish (HERALD_CLIENT (source), result, &sign_in->error);
  g_main_loop_quit (sign_in->loop);
}

int
heraldctl_profile_sign_in (HeraldCtl  *ctl,
                           int         argc,
                           char      **argv)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  gboolean browser = FALSE;
  HeraldClient *client;
  int status = HERALDCTL_EXIT_OK;
  SignIn sign_in = { ctl };
  gulong handler;
  const GOptionEntry entries[] = {
    { "browser", 'b', 0, G_OPTION_ARG_NONE, &browser,
      N_("Sign in with a browser on the gateway's machine (authorization code with PKCE) "
         "instead of a code entered on any device"),
        NULL },
    { NULL }
  };

  if (!heraldctl_parse_command (ctl, "profile sign-in", _("NAME [--browser]"),
                                _("Sign a profile in to its OAuth 2.0 provider (Microsoft 365, Gmail, ...). "
                                  "Shows an address and a code to enter there, or with --browser an "
                                  "address to open in a browser, and waits until the sign-in is done. "
                                  "The gateway stores the refresh token as the profile's secret; it is "
                                  "never shown."),
                                entries, &argc, &argv))
    return HERALDCTL_EXIT_USAGE;
  if (argc != 2)
    return heraldctl_usage_error (_("“profile sign-in” takes one profile name"));

  client = heraldctl_connect (ctl, &status);
  if (client == NULL)
    return status;
  sign_in.profile = argv[1];
  sign_in.loop = loop;
  handler = g_signal_connect (client, "sign-in-progress", G_CALLBACK (progress_cb), &sign_in);
  herald_client_sign_in (client, argv[1], browser ? HERALD_SIGN_IN_FLOW_BROWSER : HERALD_SIGN_IN_FLOW_DEVICE,
                         NULL, sign_in_cb, &sign_in);
  g_main_loop_run (loop);
  g_signal_handler_disconnect (client, handler);
  if (!sign_in.done) {
    status = heraldctl_fail (ctl, sign_in.error);
    g_clear_error (&sign_in.error);
    return status;
  }
  if (!ctl->json)
    /* TRANSLATORS: %s is a profile */
    g_print (_("Profile “%s” is signed in; its deliveries go out now.\n"), argv[1]);
  return HERALDCTL_EXIT_OK;
}
