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
  GCancellable   *cancellable;
  gboolean        timed_out;
} Follow;

/* "deferred: 451 4.3.0 Try later (next attempt at 2026-11-22 08:05:00)" */
static char *
describe_progress (HeraldDelivery *delivery)
{
  g_autoptr(GString) line = NULL;
  HeraldDeliveryState state = herald_delivery_get_state (delivery);
  const char *reason = herald_delivery_get_reason (delivery);
  const char *reply = herald_delivery_get_reply (delivery);
  GDateTime *next = herald_delivery_get_next_attempt (delivery);

  line = g_string_new (herald_delivery_state_to_string (state));
  /* while queued or sending, the reason is still the previous attempt's */
  if (state != HERALD_DELIVERY_STATE_QUEUED && state != HERALD_DELIVERY_STATE_SENDING) {
    if (reason != NULL && *reason != '\0' && g_strcmp0 (reason, line->str) != 0)
      g_string_append_printf (line, ": %s", reason);
    else if (reply != NULL && *reply != '\0')
      g_string_append_printf (line, ": %s", reply);
  }
  if ((state == HERALD_DELIVERY_STATE_DEFERRED || state == HERALD_DELIVERY_STATE_SUBMITTED) &&
      next != NULL) {
    g_autofree char *when = heraldctl_format_time (next);
    g_string_append (line, " ");
    /* TRANSLATORS: %s is a date and time */
    g_string_append_printf (line, _("(next attempt at %s)"), when);
  }
  return heraldctl_sanitize (line->str);
}

/* A line on standard error per change on the way; the final state itself
 * is printed by heraldctl_follow_delivery(). */
static void
delivery_changed_cb (HeraldClient        *client,
                     const char          *id,
                     HeraldDeliveryState  state,
                     HeraldDelivery      *delivery,
                     Follow              *follow)
{
  g_autofree char *line = NULL;

  if (g_strcmp0 (id, follow->id) != 0 || herald_delivery_state_is_final (state))
    return;
  line = describe_progress (delivery);
  g_printerr ("%s\n", line);
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

static gboolean
timeout_cb (gpointer user_data)
{
  Follow *follow = user_data;

  follow->timed_out = TRUE;
  g_cancellable_cancel (follow->cancellable);
  return G_SOURCE_REMOVE;
}

/* Progress goes to standard error when someone may be watching it: on a
 * terminal, and whenever standard output is not one (a script or a log
 * would otherwise see nothing for as long as the delivery is pending). */
static gboolean
show_progress (void)
{
  return isatty (STDERR_FILENO) || !isatty (STDOUT_FILENO);
}

/* --timeout ran out: prints where the delivery stands and returns
 * HERALDCTL_EXIT_TIMEOUT. */
static int
report_timeout (HeraldCtl    *ctl,
                HeraldClient *client,
                const char   *id,
                guint         timeout)
{
  g_autoptr(HeraldDelivery) delivery = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *progress = NULL;

  delivery = herald_client_get_delivery_sync (client, id, NULL, &error);
  if (delivery == NULL) {
    heraldctl_fail (ctl, error);
    return HERALDCTL_EXIT_TIMEOUT;
  }
  if (ctl->json) {
    heraldctl_print_json (heraldctl_delivery_to_json (delivery));
  } else {
    g_print ("%s\n", herald_delivery_state_to_string (herald_delivery_get_state (delivery)));
    progress = describe_progress (delivery);
    g_printerr (g_dngettext (GETTEXT_PACKAGE,
                             "heraldctl: stopped waiting after %u second; delivery %s goes on: %s\n",
                             "heraldctl: stopped waiting after %u seconds; delivery %s goes on: %s\n",
                             timeout),
                timeout, id, progress);
  }
  return HERALDCTL_EXIT_TIMEOUT;
}

/* The exit status for a final delivery. */
static int
exit_status_for (HeraldDeliveryState state)
{
  switch (state) {
  case HERALD_DELIVERY_STATE_SENT:
    return HERALDCTL_EXIT_OK;
  case HERALD_DELIVERY_STATE_PARTIAL:
    return HERALDCTL_EXIT_PARTIAL;
  case HERALD_DELIVERY_STATE_FAILED:
  case HERALD_DELIVERY_STATE_CANCELLED:
  case HERALD_DELIVERY_STATE_QUEUED:
  case HERALD_DELIVERY_STATE_SENDING:
  case HERALD_DELIVERY_STATE_DEFERRED:
  case HERALD_DELIVERY_STATE_SUBMITTED:
  default:
    return HERALDCTL_EXIT_DELIVERY_FAILED;
  }
}

/*
 * Waits until the delivery @id is final, or for @timeout seconds (0: no
 * limit), and prints it: the state on standard output and, unless it was
 * sent, the summary ("sent to 1 of 2; refused: ...") on standard error; or
 * the whole delivery as JSON. Returns 0 if it was sent, 5 if it was sent
 * to some recipients only, 3 if it failed or was cancelled, 6 when the
 * timeout ran out first.
 */
int
heraldctl_follow_delivery (HeraldCtl  *ctl,
                           const char *id,
                           guint       timeout)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(HeraldDelivery) delivery = NULL;
  Follow follow = { .loop = loop, .id = id, .cancellable = cancellable };
  HeraldDeliveryState state;
  gulong handler = 0;
  guint timer = 0;
  int status = HERALDCTL_EXIT_OK;
  HeraldClient *client = heraldctl_connect (ctl, &status);

  if (client == NULL)
    return status;
  if (show_progress ())
    handler = g_signal_connect (client, "delivery-changed",
                                G_CALLBACK (delivery_changed_cb), &follow);
  if (timeout > 0)
    timer = g_timeout_add_seconds (timeout, timeout_cb, &follow);
  g_debug ("Waiting for delivery %s", id);
  if (show_progress () && !isatty (STDOUT_FILENO))
    g_printerr (_("Waiting for delivery %s to be sent, failed or cancelled…\n"), id);
  herald_client_wait_for_delivery (client, id, cancellable, wait_cb, &follow);
  g_main_loop_run (loop);
  g_clear_signal_handler (&handler, client);
  if (!follow.timed_out)
    g_clear_handle_id (&timer, g_source_remove);

  delivery = g_steal_pointer (&follow.delivery);
  error = g_steal_pointer (&follow.error);
  if (delivery == NULL && follow.timed_out)
    return report_timeout (ctl, client, id, timeout);
  if (delivery == NULL)
    return heraldctl_fail (ctl, error);

  state = herald_delivery_get_state (delivery);
  if (ctl->json) {
    heraldctl_print_json (heraldctl_delivery_to_json (delivery));
  } else {
    const char *summary = herald_delivery_get_summary (delivery);
    g_autofree char *clean = heraldctl_sanitize (summary != NULL ? summary : "");

    g_print ("%s\n", herald_delivery_state_to_string (state));
    if (state != HERALD_DELIVERY_STATE_SENT && *clean != '\0' &&
        g_strcmp0 (clean, herald_delivery_state_to_string (state)) != 0)
      g_printerr ("heraldctl: %s\n", clean);
  }
  return exit_status_for (state);
}
