/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* heraldctl-wait.c: following a delivery to its final state */
#define G_LOG_DOMAIN "heraldctl"

#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "heraldctl.h"

typedef struct {
  GMainLoop      *loop;
  const char     *id;
  HeraldDelivery *delivery;
  GError         *error;
} Follow;

/* One line per change on standard error, only when it is a terminal. */
static void
delivery_changed_cb (HeraldClient        *client,
                     const char          *id,
                     HeraldDeliveryState  state,
                     HeraldDelivery      *delivery,
                     Follow              *follow)
{
  g_autoptr(GString) line = NULL;
  g_autofree char *clean = NULL;
  const char *reason = herald_delivery_get_reason (delivery);
  const char *reply = herald_delivery_get_reply (delivery);
  GDateTime *next = herald_delivery_get_next_attempt (delivery);

  if (g_strcmp0 (id, follow->id) != 0)
    return;

  line = g_string_new (herald_delivery_state_to_string (state));
  /* while queued or sending, the reason is still the previous attempt's */
  if (state != HERALD_DELIVERY_STATE_QUEUED && state != HERALD_DELIVERY_STATE_SENDING) {
    if (reason != NULL && *reason != '\0' && g_strcmp0 (reason, line->str) != 0)
      g_string_append_printf (line, ": %s", reason);
    else if (reply != NULL && *reply != '\0')
      g_string_append_printf (line, ": %s", reply);
  }
  if (state == HERALD_DELIVERY_STATE_DEFERRED && next != NULL) {
    g_autofree char *when = heraldctl_format_time (next);
    /* TRANSLATORS: %s is a date and time */
    g_string_append (line, " ");
    g_string_append_printf (line, _("(next attempt at %s)"), when);
  }
  clean = heraldctl_sanitize (line->str);
  g_printerr ("%s\n", clean);
}

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Follow *follow = user_data;

  follow->delivery = herald_client_wait_for_delivery_finish (HERALD_CLIENT (source), result,
                                                             &follow->error);
  g_main_loop_quit (follow->loop);
}

/*
 * Waits until the delivery @id is final and prints it: the state (and the
 * reason when it failed) as text, or the whole delivery as JSON. Returns
 * 0 if it was sent, 3 if it failed or was cancelled.
 */
int
heraldctl_follow_delivery (HeraldCtl  *ctl,
                           const char *id)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(HeraldDelivery) delivery = NULL;
  Follow follow = { .loop = loop, .id = id };
  HeraldDeliveryState state;
  gulong handler = 0;
  int status = HERALDCTL_EXIT_OK;
  HeraldClient *client = heraldctl_connect (ctl, &status);

  if (client == NULL)
    return status;
  if (isatty (STDERR_FILENO))
    handler = g_signal_connect (client, "delivery-changed",
                                G_CALLBACK (delivery_changed_cb), &follow);
  herald_client_wait_for_delivery (client, id, NULL, wait_cb, &follow);
  g_main_loop_run (loop);
  g_clear_signal_handler (&handler, client);

  delivery = g_steal_pointer (&follow.delivery);
  error = g_steal_pointer (&follow.error);
  if (delivery == NULL)
    return heraldctl_fail (ctl, error);

  state = herald_delivery_get_state (delivery);
  if (ctl->json) {
    heraldctl_print_json (heraldctl_delivery_to_json (delivery));
  } else {
    const char *reason = herald_delivery_get_reason (delivery);
    g_autofree char *clean = heraldctl_sanitize (reason != NULL ? reason : "");

    g_print ("%s\n", herald_delivery_state_to_string (state));
    if (state != HERALD_DELIVERY_STATE_SENT && *clean != '\0' &&
        g_strcmp0 (clean, herald_delivery_state_to_string (state)) != 0)
      g_printerr ("heraldctl: %s\n", clean);
  }
  return state == HERALD_DELIVERY_STATE_SENT ? HERALDCTL_EXIT_OK
                                             : HERALDCTL_EXIT_DELIVERY_FAILED;
}
