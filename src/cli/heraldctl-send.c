/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* heraldctl-send.c: heraldctl send */
#define G_LOG_DOMAIN "heraldctl"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "heraldctl.h"

/* A body on standard input larger than this is surely a mistake. */
#define BODY_MAX (64 * 1024 * 1024)

typedef struct {
  char     **to;
  char     **cc;
  char     **bcc;
  char     **fax;
  char     **attach;
  char     **tags;
  char     **headers;
  char      *subject;
  char      *body;
  char      *from;
  char      *reply_to;
  char      *profile;
  char      *category;
  char      *urgency;
  char      *app_name;
  char      *idempotency_key;
  gboolean   wait;
  char      *timeout_text;
  guint      timeout;
} SendOptions;

static void
send_options_clear (SendOptions *options)
{
  g_strfreev (options->to);
  g_strfreev (options->cc);
  g_strfreev (options->bcc);
  g_strfreev (options->fax);
  g_strfreev (options->attach);
  g_strfreev (options->tags);
  g_strfreev (options->headers);
  g_free (options->subject);
  g_free (options->body);
  g_free (options->from);
  g_free (options->reply_to);
  g_free (options->profile);
  g_free (options->category);
  g_free (options->urgency);
  g_free (options->app_name);
  g_free (options->idempotency_key);
  g_free (options->timeout_text);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SendOptions, send_options_clear)

static char *
read_body_from_stdin (GError **error)
{
  g_autoptr(GString) body = g_string_new (NULL);
  char buffer[65536];

  for (;;) {
    gssize n = read (STDIN_FILENO, buffer, sizeof buffer);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot read the body from standard input: %s"),
                   g_strerror (saved_errno));
      return NULL;
    }
    if (n == 0)
      break;
    if (body->len + n > BODY_MAX) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                   _("The body on standard input is larger than %d MiB"),
                   BODY_MAX / 1024 / 1024);
      return NULL;
    }
    g_string_append_len (body, buffer, n);
  }
  if (strlen (body->str) != body->len || !g_utf8_validate (body->str, body->len, NULL)) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                         _("The body on standard input is not UTF-8 text"));
    return NULL;
  }
  return g_string_free (g_steal_pointer (&body), FALSE);
}

static void
add_each (HeraldNotification  *notification,
          char               **values,
          void               (*add) (HeraldNotification *, const char *))
{
  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    add (notification, values[i]);
}

/* Builds the notification; returns the exit status of a failure, or -1. */
static int
build_notification (HeraldCtl           *ctl,
                    SendOptions         *options,
                    HeraldNotification  *notification)
{
  HeraldUrgency urgency;

  add_each (notification, options->to, herald_notification_add_to);
  add_each (notification, options->cc, herald_notification_add_cc);
  add_each (notification, options->bcc, herald_notification_add_bcc);
  add_each (notification, options->fax, herald_notification_add_fax);
  add_each (notification, options->tags, herald_notification_add_tag);
  herald_notification_set_subject (notification, options->subject);
  herald_notification_set_from (notification, options->from);
  herald_notification_set_reply_to (notification, options->reply_to);
  herald_notification_set_profile (notification, options->profile);
  herald_notification_set_category (notification, options->category);
  herald_notification_set_idempotency_key (notification, options->idempotency_key);
  herald_notification_set_app_name (notification, options->app_name != NULL ?
                                                   options->app_name : "heraldctl");

  if (options->urgency != NULL) {
    if (!herald_urgency_from_string (options->urgency, &urgency))
      return heraldctl_usage_error (_("unknown urgency “%s”: use low, normal or critical"),
                                    options->urgency);
    herald_notification_set_urgency (notification, urgency);
  }

  for (guint i = 0; options->headers != NULL && options->headers[i] != NULL; i++) {
    const char *header = options->headers[i];
    const char *colon = strchr (header, ':');
    g_autofree char *name = NULL;

    if (colon == NULL || colon == header)
      return heraldctl_usage_error (_("“%s” is not of the form NAME:VALUE"), header);
    name = g_strndup (header, colon - header);
    herald_notification_set_header (notification, name, g_strstrip ((char *) colon + 1));
  }

  for (guint i = 0; options->attach != NULL && options->attach[i] != NULL; i++) {
    g_autoptr(GError) error = NULL;

    if (!herald_notification_add_attachment_path (notification, options->attach[i],
                                                  NULL, NULL, &error))
      return heraldctl_fail (ctl, error);
  }

  if (options->body == NULL && !isatty (STDIN_FILENO)) {
    g_autoptr(GError) error = NULL;

    options->body = read_body_from_stdin (&error);
    if (options->body == NULL)
      return heraldctl_fail (ctl, error);
  }
  herald_notification_set_body (notification, options->body);
  return -1;
}

int
heraldctl_send (HeraldCtl  *ctl,
                int         argc,
                char      **argv)
{
  g_auto(SendOptions) options = { 0 };
  g_autoptr(HeraldNotification) notification = herald_notification_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  HeraldClient *client;
  int status = HERALDCTL_EXIT_OK;
  const GOptionEntry entries[] = {
    { "to", 't', 0, G_OPTION_ARG_STRING_ARRAY, &options.to,
      N_("Add a recipient (repeatable)"), N_("ADDRESS") },
    { "cc", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options.cc,
      N_("Add a copy recipient (repeatable)"), N_("ADDRESS") },
    { "bcc", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options.bcc,
      N_("Add a blind copy recipient (repeatable)"), N_("ADDRESS") },
    { "fax", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options.fax,
      N_("Add a fax number (repeatable)"), N_("NUMBER") },
    { "subject", 's', 0, G_OPTION_ARG_STRING, &options.subject,
      N_("The subject"), N_("TEXT") },
    { "body", 'b', 0, G_OPTION_ARG_STRING, &options.body,
      N_("The body; without it the body is read from standard input when that is "
         "not a terminal"),
      N_("TEXT") },
    { "attach", 'a', 0, G_OPTION_ARG_FILENAME_ARRAY, &options.attach,
      N_("Attach a file (repeatable)"), N_("FILE") },
    { "profile", 'p', 0, G_OPTION_ARG_STRING, &options.profile,
      N_("Send through this profile instead of the routing rules"), N_("NAME") },
    { "category", 'c', 0, G_OPTION_ARG_STRING, &options.category,
      N_("The category, for routing rules"), N_("CATEGORY") },
    { "urgency", 'u', 0, G_OPTION_ARG_STRING, &options.urgency,
      N_("The urgency: low, normal or critical"), N_("URGENCY") },
    { "app-name", 0, 0, G_OPTION_ARG_STRING, &options.app_name,
      N_("The application name (default: heraldctl)"), N_("NAME") },
    { "tag", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options.tags,
      N_("Add a tag, for routing rules (repeatable)"), N_("TAG") },
    { "from", 0, 0, G_OPTION_ARG_STRING, &options.from,
      N_("The sender, where the profile allows overriding it"), N_("ADDRESS") },
    { "reply-to", 0, 0, G_OPTION_ARG_STRING, &options.reply_to,
      N_("The address for replies"), N_("ADDRESS") },
    { "header", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options.headers,
      N_("Add a message header (repeatable)"), N_("NAME:VALUE") },
    { "idempotency-key", 0, 0, G_OPTION_ARG_STRING, &options.idempotency_key,
      N_("Send at most once for this key"), N_("KEY") },
    { "wait", 'w', 0, G_OPTION_ARG_NONE, &options.wait,
      N_("Wait until the delivery is sent, partly sent, failed or cancelled; progress "
         "goes to standard error"),
      NULL },
    { "timeout", 0, 0, G_OPTION_ARG_STRING, &options.timeout_text,
      N_("With --wait: stop waiting after DURATION (90, 90s, 5m, 2h, 1d; exit status 6); "
         "the delivery goes on"),
      N_("DURATION") },
    { NULL }
  };

  if (!heraldctl_parse_command (ctl, "send", NULL,
                                _("Send a notification. Prints the delivery id; with "
                                  "--wait, follows the delivery to its final state and "
                                  "prints it."),
                                entries, &argc, &argv))
    return HERALDCTL_EXIT_USAGE;
  if (argc > 1)
    return heraldctl_usage_error (_("unexpected argument “%s”"), argv[1]);
  if (!heraldctl_parse_duration ("--timeout", options.timeout_text, &options.timeout))
    return HERALDCTL_EXIT_USAGE;
  if (options.timeout > 0 && !options.wait)
    return heraldctl_usage_error (_("--timeout needs --wait"));

  status = build_notification (ctl, &options, notification);
  if (status >= 0)
    return status;

  status = HERALDCTL_EXIT_OK;
  client = heraldctl_connect (ctl, &status);
  if (client == NULL)
    return status;
  id = herald_client_send_sync (client, notification, NULL, &error);
  if (id == NULL)
    return heraldctl_fail (ctl, error);

  if (ctl->json && !options.wait) {
    g_autoptr(JsonBuilder) builder = json_builder_new ();

    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "id");
    json_builder_add_string_value (builder, id);
    json_builder_end_object (builder);
    heraldctl_print_json (json_builder_get_root (builder));
    return HERALDCTL_EXIT_OK;
  }
  if (!ctl->json) {
    g_print ("%s\n", id);
    fflush (stdout);
  }
  if (options.wait)
    return heraldctl_follow_delivery (ctl, id, (guint) options.timeout);
  return HERALDCTL_EXIT_OK;
}
