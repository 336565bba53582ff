/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-recipient-window.c: the rolling 24 hours of max-recipients-per-day */
#include "config.h"

#include "gw-recipient-window.h"

#define DAY GW_RECIPIENT_WINDOW_MINUTES

static void
test_count_and_expiry (void)
{
  g_autoptr(GwRecipientWindow) window = gw_recipient_window_new ();

  g_assert_cmpuint (gw_recipient_window_count (window, 1000), ==, 0);
  gw_recipient_window_add (window, 1000, 3);
  gw_recipient_window_add (window, 1000, 2);
  gw_recipient_window_add (window, 1010, 4);
  /* out of order (a late result of an earlier minute) */
  gw_recipient_window_add (window, 1005, 1);
  g_assert_cmpuint (gw_recipient_window_count (window, 1010), ==, 10);
  /* minute 1000 counts through 1000 + 1439 and is gone at 1000 + 1440 */
  g_assert_cmpuint (gw_recipient_window_count (window, 1000 + DAY - 1), ==, 10);
  g_assert_cmpuint (gw_recipient_window_count (window, 1000 + DAY), ==, 5);
  g_assert_cmpuint (gw_recipient_window_count (window, 1010 + DAY), ==, 0);
}

static void
test_give_back (void)
{
  g_autoptr(GwRecipientWindow) window = gw_recipient_window_new ();

  gw_recipient_window_add (window, 50, 5);
  gw_recipient_window_add (window, 50, -3);
  g_assert_cmpuint (gw_recipient_window_count (window, 50), ==, 2);
  /* never below zero; giving back to an unknown minute does nothing */
  gw_recipient_window_add (window, 50, -9);
  gw_recipient_window_add (window, 49, -9);
  g_assert_cmpuint (gw_recipient_window_count (window, 50), ==, 0);
  gw_recipient_window_add (window, 51, 1);
  g_assert_cmpuint (gw_recipient_window_count (window, 51), ==, 1);
}

static void
test_room_at (void)
{
  g_autoptr(GwRecipientWindow) window = gw_recipient_window_new ();

  /* empty: everything fits now, even more than the limit (alone) */
  g_assert_cmpint (gw_recipient_window_room_at (window, 100, 10, 3), ==, 100);
  g_assert_cmpint (gw_recipient_window_room_at (window, 100, 10, 50), ==, 100);
  gw_recipient_window_add (window, 100, 6);
  gw_recipient_window_add (window, 200, 3);
  gw_recipient_window_add (window, 300, 1);
  /* 10 of 10 used */
  g_assert_cmpint (gw_recipient_window_room_at (window, 300, 10, 0), ==, 300);
  /* one more: when minute 100 leaves */
  g_assert_cmpint (gw_recipient_window_room_at (window, 300, 10, 1), ==, 100 + DAY);
  /* seven more: 100 and 200 must leave */
  g_assert_cmpint (gw_recipient_window_room_at (window, 300, 10, 7), ==, 200 + DAY);
  /* more than the limit: only when the window is empty */
  g_assert_cmpint (gw_recipient_window_room_at (window, 300, 10, 11), ==, 300 + DAY);
  /* later, part of it has left */
  g_assert_cmpint (gw_recipient_window_room_at (window, 100 + DAY, 10, 6), ==, 100 + DAY);
  g_assert_cmpint (gw_recipient_window_room_at (window, 100 + DAY, 10, 7), ==, 200 + DAY);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/recipient-window/count-and-expiry", test_count_and_expiry);
  g_test_add_func ("/recipient-window/give-back", test_give_back);
  g_test_add_func ("/recipient-window/room-at", test_room_at);
  return g_test_run ();
}
