/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-dispatcher-quota.c: a profile's max-recipients-per-day
 *
 * Providers cap the recipients a mailbox may send to per day (Exchange
 * Online 10,000, Gmail 500, each over a rolling 24 hours). A profile with
 * max-recipients-per-day counts the recipients its transport handed to the
 * server in the last 24 hours (gw-recipient-window.c, one bucket a minute);
 * a job that would go over waits, "deferred" until the minute enough of
 * the oldest recipients leave the window, with a reply that says so. It
 * never fails for it, and the wait is no attempt.
 *
 * A worker reserves the job's pending recipients before it delivers (the
 * pool's workers run in one thread, so two cannot both take the last
 * room), then gives back those the server never got (a connection that
 * failed) and writes the rest with the attempt's result: the count
 * survives a restart (table profile_recipients, gw-queue-quota.c).
 * Counting starts when the key is set; nothing is counted without it.
 */
#define G_LOG_DOMAIN "gw-dispatcher"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "gw-dispatcher-private.h"

static gint64
now_minute (void)
{
  return g_get_real_time () / (60 * G_USEC_PER_SEC);
}

/* The pool's window, read from the queue the first time it is needed. */
static GwRecipientWindow *
pool_window (GwDispatcher *self,
             const char   *profile_name)
{
  GwPool *pool = gw_dispatcher_get_pool (self, profile_name);
  g_autoptr(GArray) counts = NULL;
  g_autoptr(GError) error = NULL;

  if (pool->recipients != NULL)
    return pool->recipients;
  pool->recipients = gw_recipient_window_new ();
  counts = gw_queue_read_recipient_counts (self->queue, profile_name,
                                           now_minute () - GW_RECIPIENT_WINDOW_MINUTES + 1, &error);
  if (counts == NULL) {
    g_warning ("Cannot read the recipients %s sent in the last 24 hours: %s; counting from now",
               profile_name, error->message);
    return pool->recipients;
  }
  for (guint i = 0; i + 1 < counts->len; i += 2)
    gw_recipient_window_add (pool->recipients, g_array_index (counts, gint64, i),
                             g_array_index (counts, gint64, i + 1));
  return pool->recipients;
}

static guint
count_status (GwEnvelope        *envelope,
              GwRecipientStatus  status)
{
  guint n = 0;

  for (guint i = 0; i < gw_envelope_get_n_recipients (envelope); i++)
    n += gw_envelope_get_recipient (envelope, i)->status == status;
  return n;
}

gboolean
gw_dispatcher_take_recipients (GwDispatcher      *self,
                               const char        *profile_name,
                               GwProfile         *profile,
                               GwEnvelope        *envelope,
                               GwRecipientTicket *ticket,
                               gint64            *room_at)
{
  guint64 limit = gw_profile_get_uint (profile, "max-recipients-per-day");
  GwRecipientWindow *window;
  gint64 minute, room;
  guint pending;

  *ticket = (GwRecipientTicket){ 0 };
  /* most profiles have no limit: nothing to count on the hot path */
  if (limit == 0)
    return TRUE;
  pending = count_status (envelope, GW_RECIPIENT_PENDING);
  if (pending == 0)
    return TRUE;
  window = pool_window (self, profile_name);
  minute = now_minute ();
  room = gw_recipient_window_room_at (window, minute, limit, pending);
  if (room > minute) {
    *room_at = room * 60 * G_USEC_PER_SEC;
    return FALSE;
  }
  gw_recipient_window_add (window, minute, pending);
  ticket->reserved = pending;
  ticket->submitted_before = count_status (envelope, GW_RECIPIENT_SUBMITTED);
  ticket->minute = minute;
  return TRUE;
}

void
gw_dispatcher_settle_recipients (GwDispatcher      *self,
                                 const char        *profile_name,
                                 GwRecipientTicket *ticket,
                                 GwEnvelope        *envelope,
                                 GwAttemptResult   *result)
{
  guint handed;

  if (ticket->reserved == 0)
    return;
  /* What the server answered for: sent, taken to send later, or refused. */
  handed = count_status (envelope, GW_RECIPIENT_SENT) + count_status (envelope, GW_RECIPIENT_PERMFAIL) +
           count_status (envelope, GW_RECIPIENT_SUBMITTED) - ticket->submitted_before;
  handed = MIN (handed, ticket->reserved);
  if (handed < ticket->reserved)
    gw_recipient_window_add (pool_window (self, profile_name), ticket->minute,
                             -(gint64) (ticket->reserved - handed));
  result->quota_recipients = handed;
  result->quota_minute = ticket->minute;
  *ticket = (GwRecipientTicket){ 0 };
}

char *
gw_dispatcher_describe_hold (GwDispatcher *self,
                             const char   *profile_name,
                             GwProfile    *profile,
                             gint64        room_at)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (room_at / G_USEC_PER_SEC);
  g_autofree char *when_text = g_date_time_format (when, "%Y-%m-%d %H:%M UTC");
  g_autofree char *used = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                           gw_recipient_window_count (pool_window (self, profile_name),
                                                                      now_minute ()));
  g_autofree char *limit = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                            gw_profile_get_uint (profile, "max-recipients-per-day"));

  /* (Format macros inside _() would cut the message for xgettext.) */
  return g_strdup_printf (_("Waiting for the daily recipient quota: profile “%s” handed %s "
                            "recipients to its server in the last 24 hours, and its "
                            "max-recipients-per-day is %s; this delivery goes on at %s"),
                          profile_name, used, limit, when_text);
}
