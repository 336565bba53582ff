/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-queue-inbox.c: which pushes wake the queue's writer
 *
 * A writer that lingers for more results is woken only by an urgent push
 * or a full inbox; the other items wait for its deadline. Each test pops
 * on a thread of its own and pushes once that thread waits.
 */
#define G_LOG_DOMAIN "test-queue-inbox"

#include "config.h"

#include "gw-queue-inbox.h"

/* Items that end a lingering wait in these tests (the writer passes what
 * its batch lacks of RECORD_LINGER_MIN). */
#define LINGER_FOR 5

typedef struct {
  GwQueueInbox *inbox;
  gint64        deadline;
  guint         linger_for;
  gint64        returned;   /* monotonic µs */
} Pop;

static gpointer
pop_thread (gpointer data)
{
  Pop *pop = data;
  gpointer item = gw_queue_inbox_pop (pop->inbox, pop->deadline, pop->linger_for);

  pop->returned = g_get_monotonic_time ();
  return item;
}

/* Starts a pop on a thread and returns once it waits. */
static GThread *
start_pop (Pop *pop)
{
  GThread *thread = g_thread_new ("pop", pop_thread, pop);

  for (;;) {
    gboolean waiting;

    g_mutex_lock (&pop->inbox->lock);
    waiting = pop->inbox->waiting;
    g_mutex_unlock (&pop->inbox->lock);
    if (waiting)
      return thread;
    g_usleep (1000);
  }
}

/* A lingering pop on a thread, @wait_us from its deadline, once it waits. */
static GThread *
start_lingering_pop (GwQueueInbox *inbox,
                     Pop          *pop,
                     gint64        wait_us)
{
  pop->inbox = inbox;
  pop->linger_for = LINGER_FOR;
  pop->deadline = g_get_monotonic_time () + wait_us;
  return start_pop (pop);
}

static void
test_urgent_wakes (void)
{
  GwQueueInbox inbox;
  Pop pop = { 0 };
  GThread *thread;

  gw_queue_inbox_init (&inbox);
  /* A deadline far off: only the urgent push ends the wait. */
  thread = start_lingering_pop (&inbox, &pop, 600 * G_USEC_PER_SEC);
  gw_queue_inbox_push (&inbox, GINT_TO_POINTER (1), FALSE);
  gw_queue_inbox_push (&inbox, GINT_TO_POINTER (2), TRUE);
  /* The items keep their order: the first comes first. */
  g_assert_cmpint (GPOINTER_TO_INT (g_thread_join (thread)), ==, 1);
  g_assert_cmpint (pop.returned, <, pop.deadline);
  g_assert_cmpint (GPOINTER_TO_INT (gw_queue_inbox_pop (&inbox, GW_QUEUE_INBOX_NOW, 0)), ==, 2);
  g_assert_null (gw_queue_inbox_pop (&inbox, GW_QUEUE_INBOX_NOW, 0));
  gw_queue_inbox_clear (&inbox);
}

static void
test_others_wait_for_deadline (void)
{
  GwQueueInbox inbox;
  Pop pop = { 0 };
  GThread *thread;

  gw_queue_inbox_init (&inbox);
  thread = start_lingering_pop (&inbox, &pop, 200 * 1000);
  gw_queue_inbox_push (&inbox, GINT_TO_POINTER (1), FALSE);
  g_assert_cmpint (GPOINTER_TO_INT (g_thread_join (thread)), ==, 1);
  g_assert_cmpint (pop.returned, >=, pop.deadline);
  gw_queue_inbox_clear (&inbox);
}

/* So do @linger_for items, urgent or not. */
static void
test_full_inbox_wakes (void)
{
  GwQueueInbox inbox;
  Pop pop = { 0 };
  GThread *thread;

  gw_queue_inbox_init (&inbox);
  thread = start_lingering_pop (&inbox, &pop, 600 * G_USEC_PER_SEC);
  for (int i = 1; i <= LINGER_FOR; i++)
    gw_queue_inbox_push (&inbox, GINT_TO_POINTER (i), FALSE);
  g_assert_cmpint (GPOINTER_TO_INT (g_thread_join (thread)), ==, 1);
  g_assert_cmpint (pop.returned, <, pop.deadline);
  for (int i = 2; i <= LINGER_FOR; i++)
    g_assert_cmpint (GPOINTER_TO_INT (gw_queue_inbox_pop (&inbox, GW_QUEUE_INBOX_NOW, 0)), ==, i);
  gw_queue_inbox_clear (&inbox);
}

/* Not lingering (the writer idle, or flushing after a quiet delay), every
 * push wakes it. */
static void
test_any_push_wakes_when_not_lingering (void)
{
  GwQueueInbox inbox;
  Pop pop = { &inbox, GW_QUEUE_INBOX_FOREVER, 0, 0 };
  Pop timed = { &inbox, 0, 0, 0 };
  GThread *thread;

  gw_queue_inbox_init (&inbox);
  thread = start_pop (&pop);
  gw_queue_inbox_push (&inbox, GINT_TO_POINTER (1), FALSE);
  g_assert_cmpint (GPOINTER_TO_INT (g_thread_join (thread)), ==, 1);

  timed.deadline = g_get_monotonic_time () + 600 * G_USEC_PER_SEC;
  thread = start_pop (&timed);
  gw_queue_inbox_push (&inbox, GINT_TO_POINTER (2), FALSE);
  g_assert_cmpint (GPOINTER_TO_INT (g_thread_join (thread)), ==, 2);
  g_assert_cmpint (timed.returned, <, timed.deadline);
  gw_queue_inbox_clear (&inbox);
}

/* An item that came between the writer's last look and its lingering
 * wait may be urgent: it is taken at once. */
static void
test_waiting_item_taken_at_once (void)
{
  GwQueueInbox inbox;
  gint64 deadline;

  gw_queue_inbox_init (&inbox);
  gw_queue_inbox_push (&inbox, GINT_TO_POINTER (1), TRUE);
  deadline = g_get_monotonic_time () + 600 * G_USEC_PER_SEC;
  g_assert_cmpint (GPOINTER_TO_INT (gw_queue_inbox_pop (&inbox, deadline, LINGER_FOR)), ==, 1);
  g_assert_cmpint (g_get_monotonic_time (), <, deadline);
  g_assert_null (gw_queue_inbox_pop (&inbox, GW_QUEUE_INBOX_NOW, LINGER_FOR));
  gw_queue_inbox_clear (&inbox);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/queue/inbox/urgent-wakes", test_urgent_wakes);
  g_test_add_func ("/queue/inbox/others-wait-for-deadline", test_others_wait_for_deadline);
  g_test_add_func ("/queue/inbox/full-inbox-wakes", test_full_inbox_wakes);
  g_test_add_func ("/queue/inbox/not-lingering", test_any_push_wakes_when_not_lingering);
  g_test_add_func ("/queue/inbox/waiting-item", test_waiting_item_taken_at_once);
  return g_test_run ();
}
