/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-recipient-window.h: recipients handed to a server in the last 24 hours
 *
 * For a profile's max-recipients-per-day: a rolling window of 24 hours (as
 * Exchange Online and Gmail count their sending limits), kept in buckets of
 * one minute. A bucket counts in full until a whole day has passed after
 * its minute ended, so the count never undercounts a recipient.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The window, in minutes. */
#define GW_RECIPIENT_WINDOW_MINUTES 1440

typedef struct _GwRecipientWindow GwRecipientWindow;

GwRecipientWindow *gw_recipient_window_new     (void);
void               gw_recipient_window_free    (GwRecipientWindow *self);

/* Adds @recipients (negative: gives them back) in @minute (minutes since
 * the epoch, UTC). A bucket never goes below 0. */
void               gw_recipient_window_add     (GwRecipientWindow *self,
                                                gint64             minute,
                                                gint64             recipients);
/* The recipients counted at @now_minute; forgets the buckets out of the
 * window. */
guint64            gw_recipient_window_count   (GwRecipientWindow *self,
                                                gint64             now_minute);
/* The minute from which @needed more recipients fit under @limit: the
 * minute when enough old buckets have left the window (when @needed is
 * more than @limit: when the window is empty). @now_minute when they fit
 * now. */
gint64             gw_recipient_window_room_at (GwRecipientWindow *self,
                                                gint64             now_minute,
                                                guint64            limit,
                                                guint64            needed);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GwRecipientWindow, gw_recipient_window_free)

G_END_DECLS
