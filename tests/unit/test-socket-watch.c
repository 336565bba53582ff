/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-socket-watch.c: the lasting watch the SMTP engine waits on
 *
 * Each test runs a main context of its own over a socket pair, with a poll
 * function that counts the iterations the context's wakeup fd ended: the
 * watch exists so that a wait costs none.
 */
#define G_LOG_DOMAIN "test-socket-watch"

#include "config.h"

#include <sys/socket.h>
#include <unistd.h>

#include "gw-socket-watch.h"

typedef struct {
  GMainContext  *context;
  GSocket       *ours;
  int            theirs;      /* the other end, plain fd */
  GwSocketWatch *watch;
  guint          called;
} Fixture;

static guint wakeups;  /* polls that returned for the context's wakeup fd */
static int watched_fd;

static gint
counting_poll (GPollFD *fds,
               guint    n_fds,
               gint     timeout)
{
  gint n = g_poll (fds, n_fds, timeout);

  for (guint i = 0; i < n_fds; i++) {
    if (fds[i].fd != watched_fd && fds[i].revents != 0)
      wakeups++;
  }
  return n;
}

static void drain (Fixture *fx);

static void
fixture_set_up (Fixture      *fx,
                gconstpointer data)
{
  int pair[2];
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), ==, 0);
  fx->ours = g_socket_new_from_fd (pair[0], &error);
  g_assert_no_error (error);
  g_socket_set_blocking (fx->ours, FALSE);
  fx->theirs = pair[1];
  watched_fd = pair[0];
  fx->context = g_main_context_new ();
  g_main_context_set_poll_func (fx->context, counting_poll);
  fx->watch = gw_socket_watch_new (fx->ours, fx->context);
  fx->called = 0;
  /* Adding the socket to the context woke it, once. */
  drain (fx);
  wakeups = 0;
}

static void
fixture_tear_down (Fixture      *fx,
                   gconstpointer data)
{
  g_clear_pointer (&fx->watch, gw_socket_watch_free);
  g_clear_object (&fx->ours);
  if (fx->theirs >= 0)
    close (fx->theirs);
  g_main_context_unref (fx->context);
}

static void
count_cb (gpointer user_data)
{
  Fixture *fx = user_data;

  fx->called++;
}

/* Iterates without blocking until nothing is left to dispatch (bounded). */
static void
drain (Fixture *fx)
{
  for (guint i = 0; i < 100 && g_main_context_iteration (fx->context, FALSE); i++)
    ;
}

static void
their_write (Fixture *fx)
{
  g_assert_cmpint (write (fx->theirs, "x", 1), ==, 1);
}

static void
our_read (Fixture *fx)
{
  char byte;

  g_assert_cmpint (g_socket_receive (fx->ours, &byte, 1, NULL, NULL), ==, 1);
}

/* A wait for @condition, one blocking iteration, and the count of calls
 * after it. */
static void
wait_once (Fixture      *fx,
           GIOCondition  condition,
           GCancellable *cancellable,
           guint         expected_calls)
{
  gw_socket_watch_wait (fx->watch, condition, cancellable, count_cb, fx);
  g_main_context_iteration (fx->context, TRUE);
  g_assert_cmpuint (fx->called, ==, expected_calls);
}

/* A wait ends once, when the socket is readable; the next one waits again,
 * and no wait wakes the context. */
static void
test_wait_readable (Fixture      *fx,
                    gconstpointer data)
{
  for (guint round = 1; round <= 50; round++) {
    gw_socket_watch_wait (fx->watch, G_IO_IN, NULL, count_cb, fx);
    drain (fx);
    g_assert_cmpuint (fx->called, ==, round - 1);
    their_write (fx);
    while (fx->called < round)
      g_main_context_iteration (fx->context, TRUE);
    our_read (fx);
  }
  g_assert_cmpuint (wakeups, ==, 0);
}

/* Readable while nobody waits: nothing is called, and iterations do not
 * spin on it. */
static void
test_readable_unwatched (Fixture      *fx,
                         gconstpointer data)
{
  their_write (fx);
  wait_once (fx, G_IO_IN, NULL, 1);

  /* Still readable: the byte was not read. */
  g_assert_false (g_main_context_iteration (fx->context, FALSE));
  g_assert_cmpuint (fx->called, ==, 1);
  /* A new wait sees it at once. */
  wait_once (fx, G_IO_IN, NULL, 2);
}

/* A wait dropped before the socket is ready is never called. */
static void
test_cancel_wait (Fixture      *fx,
                  gconstpointer data)
{
  gw_socket_watch_wait (fx->watch, G_IO_IN, NULL, count_cb, fx);
  gw_socket_watch_cancel_wait (fx->watch);
  their_write (fx);
  drain (fx);
  g_assert_cmpuint (fx->called, ==, 0);
}

static gpointer
cancel_thread (gpointer data)
{
  g_usleep (20 * 1000);
  g_cancellable_cancel (data);
  return NULL;
}

/* A cancellation from another thread ends the wait although the socket
 * stays silent; a wait on a cancellable already cancelled ends at once. */
static void
test_cancelled (Fixture      *fx,
                gconstpointer data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GThread *thread;

  gw_socket_watch_wait (fx->watch, G_IO_IN, cancellable, count_cb, fx);
  thread = g_thread_new ("cancel", cancel_thread, cancellable);
  while (fx->called == 0)
    g_main_context_iteration (fx->context, TRUE);
  g_thread_join (thread);
  g_assert_cmpuint (fx->called, ==, 1);

  /* The same cancellable, already cancelled. */
  wait_once (fx, G_IO_IN, cancellable, 2);
  /* Once only. */
  drain (fx);
  g_assert_cmpuint (fx->called, ==, 2);
}

/* An earlier wait's cancellable, cancelled during a later wait with none,
 * does not end the later one. */
static void
test_stale_cancellable (Fixture      *fx,
                        gconstpointer data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  their_write (fx);
  wait_once (fx, G_IO_IN, cancellable, 1);
  our_read (fx);

  gw_socket_watch_wait (fx->watch, G_IO_IN, NULL, count_cb, fx);
  g_cancellable_cancel (cancellable);
  drain (fx);
  g_assert_cmpuint (fx->called, ==, 1);
  their_write (fx);
  g_main_context_iteration (fx->context, TRUE);
  g_assert_cmpuint (fx->called, ==, 2);
}

/* The peer gone while nobody waits: the hang-up does not make every
 * iteration return, and the next wait learns of it at once. */
static void
test_hangup_unwatched (Fixture      *fx,
                       gconstpointer data)
{
  their_write (fx);
  wait_once (fx, G_IO_IN, NULL, 1);
  our_read (fx);

  close (fx->theirs);
  fx->theirs = -1;
  drain (fx);
  g_assert_false (g_main_context_iteration (fx->context, FALSE));
  g_assert_cmpuint (fx->called, ==, 1);

  wait_once (fx, G_IO_IN, NULL, 2);
}

/* Writable: a wait for room ends at once on an empty socket. */
static void
test_wait_writable (Fixture      *fx,
                    gconstpointer data)
{
  wait_once (fx, G_IO_OUT, NULL, 1);
  drain (fx);
  g_assert_cmpuint (fx->called, ==, 1);
}

/* The watch freed by its own callback (a session closed on an error). */
static void
free_cb (gpointer user_data)
{
  Fixture *fx = user_data;

  fx->called++;
  g_clear_pointer (&fx->watch, gw_socket_watch_free);
}

static void
test_free_in_callback (Fixture      *fx,
                       gconstpointer data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  gw_socket_watch_wait (fx->watch, G_IO_IN, cancellable, free_cb, fx);
  their_write (fx);
  g_main_context_iteration (fx->context, TRUE);
  g_assert_cmpuint (fx->called, ==, 1);
  g_assert_null (fx->watch);
  /* Disconnected from the cancellable it held. */
  g_cancellable_cancel (cancellable);
  drain (fx);
  g_assert_cmpuint (fx->called, ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/socket-watch/wait-readable", test_wait_readable);
  ADD ("/socket-watch/readable-unwatched", test_readable_unwatched);
  ADD ("/socket-watch/cancel-wait", test_cancel_wait);
  ADD ("/socket-watch/cancelled", test_cancelled);
  ADD ("/socket-watch/stale-cancellable", test_stale_cancellable);
  ADD ("/socket-watch/hangup-unwatched", test_hangup_unwatched);
  ADD ("/socket-watch/wait-writable", test_wait_writable);
  ADD ("/socket-watch/free-in-callback", test_free_in_callback);
#undef ADD
  return g_test_run ();
}
