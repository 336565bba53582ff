/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-socket-watch.c: one lasting main-loop watch on a socket, for its waits
 *
 * A source made for each wait (g_pollable_*_create_source()) costs six
 * writes to the main context's wakeup fd, and as many extra main loop
 * iterations, per wait: GLib signals the context when a poll fd is added
 * or removed, and it removes and adds the fds of a source (and of its
 * child sources) around each dispatch. Under load that was a fifth of the
 * SMTP engine's time per message (issue 18).
 *
 * This source is attached once per socket and never blocked (it may
 * recurse). A wait only sets the events its GPollFD asks for, which GLib
 * reads again at every iteration (gmain.c allows changing them); between
 * waits they are 0. A cancellation reaches it through its ready time.
 */
#define G_LOG_DOMAIN "gw-socket-watch"

#include "config.h"

#include "gw-socket-watch.h"

struct _GwSocketWatch {
  GSource           source;
  GPollFD           pollfd;
  gboolean          polled;       /* @pollfd is in the context */
  GwSocketWatchFunc func;         /* the wait, or NULL */
  gpointer          user_data;
  GCancellable     *cancellable;  /* the last wait's, still connected */
  gulong            cancelled_id;
};

static gboolean
watch_check (GSource *source)
{
  GwSocketWatch *self = (GwSocketWatch *) source;

  /* GLib masks revents with the events asked for, plus ERR and HUP. */
  return self->pollfd.revents != 0;
}

static gboolean
watch_dispatch (GSource    *source,
                GSourceFunc callback,
                gpointer    user_data)
{
  GwSocketWatch *self = (GwSocketWatch *) source;
  gushort revents = self->pollfd.revents;
  GwSocketWatchFunc func = self->func;
  gpointer func_data = self->user_data;

  self->pollfd.revents = 0;
  /* Set by a cancellation: once is enough. */
  if (g_source_get_ready_time (source) != -1)
    g_source_set_ready_time (source, -1);
  if (func == NULL) {
    /* Nobody waits. A failed socket reports ERR or HUP whatever the events
     * asked for: it would make every poll return at once. */
    if ((revents & (G_IO_ERR | G_IO_HUP | G_IO_NVAL)) != 0 && self->polled) {
      g_source_remove_poll (source, &self->pollfd);
      self->polled = FALSE;
    }
    return G_SOURCE_CONTINUE;
  }
  /* A cancellation of an earlier wait's cancellable: not this one's. */
  if (revents == 0 && (self->cancellable == NULL || !g_cancellable_is_cancelled (self->cancellable)))
    return G_SOURCE_CONTINUE;
  self->func = NULL;
  self->user_data = NULL;
  self->pollfd.events = 0;
  /* Last: @func may free the watch (GLib holds the source until we return). */
  func (func_data);
  return G_SOURCE_CONTINUE;
}

static void
watch_disconnect (GwSocketWatch *self)
{
  if (self->cancellable == NULL)
    return;
  g_cancellable_disconnect (self->cancellable, self->cancelled_id);
  self->cancelled_id = 0;
  g_clear_object (&self->cancellable);
}

static GSourceFuncs watch_funcs = {
  .check = watch_check,
  .dispatch = watch_dispatch,
};

GwSocketWatch *
gw_socket_watch_new (GSocket      *socket,
                     GMainContext *context)
{
  GSource *source;
  GwSocketWatch *self;

  g_return_val_if_fail (G_IS_SOCKET (socket), NULL);

  source = g_source_new (&watch_funcs, sizeof (GwSocketWatch));
  self = (GwSocketWatch *) source;
  self->pollfd.fd = g_socket_get_fd (socket);
  self->pollfd.events = 0;
  g_source_add_poll (source, &self->pollfd);
  self->polled = TRUE;
  g_source_set_can_recurse (source, TRUE);
  g_source_set_static_name (source, "[herald] socket watch");
  g_source_attach (source, context);
  return self;
}

GMainContext *
gw_socket_watch_get_context (GwSocketWatch *self)
{
  return g_source_get_context (&self->source);
}

/* Any thread: the cancellable may be cancelled anywhere. */
static void
cancelled_cb (GCancellable *cancellable,
              gpointer      user_data)
{
  g_source_set_ready_time (user_data, 0);
}

void
gw_socket_watch_wait (GwSocketWatch     *self,
                      GIOCondition       condition,
                      GCancellable      *cancellable,
                      GwSocketWatchFunc  func,
                      gpointer           user_data)
{
  g_return_if_fail (self->func == NULL);
  g_return_if_fail (func != NULL);

  self->func = func;
  self->user_data = user_data;
  self->pollfd.events = (gushort) condition;
  self->pollfd.revents = 0;
  if (!self->polled) {
    g_source_add_poll (&self->source, &self->pollfd);
    self->polled = TRUE;
  }
  /* The same cancellable from wait to wait stays connected. */
  if (cancellable != self->cancellable) {
    watch_disconnect (self);
    if (cancellable != NULL) {
      self->cancellable = g_object_ref (cancellable);
      self->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb),
                                                  g_source_ref (&self->source),
                                                  (GDestroyNotify) g_source_unref);
    }
  }
  /* Cancelled before this wait: its signal is spent. */
  if (cancellable != NULL && g_cancellable_is_cancelled (cancellable))
    g_source_set_ready_time (&self->source, 0);
}

void
gw_socket_watch_cancel_wait (GwSocketWatch *self)
{
  self->func = NULL;
  self->user_data = NULL;
  self->pollfd.events = 0;
}

void
gw_socket_watch_free (GwSocketWatch *self)
{
  if (self == NULL)
    return;
  gw_socket_watch_cancel_wait (self);
  watch_disconnect (self);
  g_source_destroy (&self->source);
  g_source_unref (&self->source);
}
