/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-smtp-session.c: one SMTP client connection, for every transport that speaks SMTP
 *
 * Everything is asynchronous on GIO streams. Each command group is built
 * into one buffer and goes out in one write (with TCP_NODELAY, so a small
 * command is not held back by Nagle's algorithm waiting for an ACK), and
 * every wait for a reply has its own timer that cancels the wait.
 *
 * Any I/O error, timeout or protocol error leaves the conversation in an
 * unknown state: the session is then "broken" and only good for closing.
 */
#define G_LOG_DOMAIN "gw-smtp-session"

#include "config.h"

#include "gw-smtp-session.h"
#include "gw-smtp-session-private.h"
#include "gw-socket-watch.h"
#include "gw-tls-policy.h"
#include "gw-transport.h"

G_DEFINE_TYPE (GwSmtpSession, gw_smtp_session, G_TYPE_OBJECT)

static void
gw_smtp_session_dispose (GObject *object)
{
  GwSmtpSession *self = GW_SMTP_SESSION (object);

  /* Closing the socket is immediate; a TLS close_notify is not worth a
   * blocking write here. */
  if (self->connection != NULL && !g_io_stream_is_closed (G_IO_STREAM (self->connection)))
    g_io_stream_close (G_IO_STREAM (self->connection), NULL, NULL);
  g_clear_pointer (&self->watch, gw_socket_watch_free);
  g_clear_object (&self->input);
  g_clear_object (&self->output);
  g_clear_pointer (&self->received, g_free);
  gw_smtp_session_drop_ahead (self);
  g_clear_object (&self->next_envelope);
  gw_deadline_stop (&self->exchange_deadline);
  g_clear_object (&self->stream);
  g_clear_object (&self->connection);
  g_clear_object (&self->tls_policy);
  g_clear_object (&self->client_certificate);
  g_clear_object (&self->transcript);
  G_OBJECT_CLASS (gw_smtp_session_parent_class)->dispose (object);
}

static void
gw_smtp_session_finalize (GObject *object)
{
  GwSmtpSession *self = GW_SMTP_SESSION (object);

  g_clear_object (&self->profile);
  g_free (self->host);
  g_free (self->security);
  g_clear_pointer (&self->caps, g_hash_table_unref);
  g_free (self->tls_description);
  g_free (self->starttls_refusal);
  g_free (self->helo);
  g_clear_pointer (&self->last_reply, gw_smtp_reply_free);
  g_clear_pointer (&self->pop_tls_failure, g_variant_unref);
  G_OBJECT_CLASS (gw_smtp_session_parent_class)->finalize (object);
}

static void
gw_smtp_session_class_init (GwSmtpSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gw_smtp_session_dispose;
  object_class->finalize = gw_smtp_session_finalize;
}

static void
gw_smtp_session_init (GwSmtpSession *self)
{
  self->caps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

GwSmtpSession *
gw_smtp_session_new (GwProfile *profile,
                     gboolean   implicit_tls)
{
  GwSmtpSession *self;
  const char *security;

  g_return_val_if_fail (GW_IS_PROFILE (profile), NULL);

  self = g_object_new (GW_TYPE_SMTP_SESSION, NULL);
  self->profile = g_object_ref (profile);
  self->host = g_strdup (gw_profile_get_string (profile, "host"));
  self->port = (guint16) gw_profile_get_uint (profile, "port");
  security = gw_profile_get_string (profile, "security");
  self->security = g_strdup (security != NULL ? security : "starttls");
  self->implicit_tls = implicit_tls || g_str_equal (self->security, "tls");
  self->connect_timeout = (guint) CLAMP (gw_profile_get_uint (profile, "connect-timeout"), 1, 300);
  self->conversation_timeout = (guint) CLAMP (gw_profile_get_uint (profile, "conversation-timeout"), 1, 300);
  return self;
}

void
gw_smtp_session_set_transcript (GwSmtpSession *self,
                                GwTranscript  *transcript)
{
  g_return_if_fail (GW_IS_SMTP_SESSION (self));
  g_return_if_fail (transcript == NULL || GW_IS_TRANSCRIPT (transcript));

  g_set_object (&self->transcript, transcript);
}

GwTranscript *
gw_smtp_session_get_transcript (GwSmtpSession *self)
{
  g_return_val_if_fail (GW_IS_SMTP_SESSION (self), NULL);

  return self->transcript;
}

gboolean
gw_smtp_session_is_usable (GwSmtpSession *self)
{
  g_return_val_if_fail (GW_IS_SMTP_SESSION (self), FALSE);

  return self->opened && !self->broken && !self->closed;
}

const char *
gw_smtp_session_get_tls_description (GwSmtpSession *self)
{
  g_return_val_if_fail (GW_IS_SMTP_SESSION (self), NULL);

  return self->tls_description;
}

const GwSmtpReply *
gw_smtp_session_get_last_reply (GwSmtpSession *self)
{
  g_return_val_if_fail (GW_IS_SMTP_SESSION (self), NULL);

  return self->last_reply;
}

GVariant *
gw_smtp_session_dup_tls_failure (GwSmtpSession *self)
{
  g_return_val_if_fail (GW_IS_SMTP_SESSION (self), NULL);

  if (self->tls_policy != NULL)
    return gw_tls_policy_get_failure (self->tls_policy);
  return self->pop_tls_failure != NULL ? g_variant_ref (self->pop_tls_failure) : NULL;
}

gboolean
gw_smtp_session_has_capability (GwSmtpSession *self,
                                const char    *keyword)
{
  g_return_val_if_fail (GW_IS_SMTP_SESSION (self), FALSE);

  return g_hash_table_contains (self->caps, keyword);
}

void
gw_smtp_session_note (GwSmtpSession *self,
                      const char    *note)
{
  if (self->transcript != NULL)
    gw_transcript_add_note (self->transcript, note);
}

/* ---- close ---- */

static void
close_stream_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = G_TASK (user_data);
  GwSmtpSession *self = g_task_get_source_object (task);
  g_autoptr(GError) local_error = NULL;

  if (!g_io_stream_close_finish (G_IO_STREAM (source), result, &local_error))
    g_debug ("Closing the connection to %s: %s", self->host, local_error->message);
  /* The TLS layer may have left the socket open after a failed close. */
  if (self->connection != NULL && !g_io_stream_is_closed (G_IO_STREAM (self->connection)))
    g_io_stream_close (G_IO_STREAM (self->connection), NULL, NULL);
  g_task_return_boolean (task, TRUE);
}

static void
close_stream (GTask *task)
{
  GwSmtpSession *self = g_task_get_source_object (task);
  GwDeadline *deadline = g_task_get_task_data (task);

  self->closed = TRUE;
  /* No wait is left, and the fd is about to go. */
  g_clear_pointer (&self->watch, gw_socket_watch_free);
  if (self->stream == NULL || g_io_stream_is_closed (self->stream)) {
    g_task_return_boolean (task, TRUE);
    g_object_unref (task);
    return;
  }
  /* Closing the socket itself is immediate; only a healthy TLS session
   * is worth a close_notify, and that write is bounded too. */
  if (self->broken || self->stream == G_IO_STREAM (self->connection)) {
    g_io_stream_close (G_IO_STREAM (self->connection), NULL, NULL);
    g_task_return_boolean (task, TRUE);
    g_object_unref (task);
    return;
  }
  gw_deadline_start (deadline, NULL, self->conversation_timeout);
  g_io_stream_close_async (self->stream, G_PRIORITY_DEFAULT, deadline->cancellable,
                           close_stream_cb, task);
}

static void
close_data_free (GwDeadline *deadline)
{
  gw_deadline_stop (deadline);
  g_free (deadline);
}

static void
quit_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = G_TASK (user_data);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) replies = NULL;

  replies = gw_smtp_session_exchange_finish (GW_SMTP_SESSION (source), result, &local_error);
  if (replies == NULL)
    g_debug ("QUIT: %s", local_error->message);
  close_stream (g_steal_pointer (&task));
}

void
gw_smtp_session_close_async (GwSmtpSession       *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task;
  const char * const quit[] = { "QUIT", NULL };

  g_return_if_fail (GW_IS_SMTP_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gw_smtp_session_close_async);
  g_task_set_task_data (task, g_new0 (GwDeadline, 1), (GDestroyNotify) close_data_free);
  /* A transaction sent ahead may have the server in DATA, where QUIT
   * would be text: only the connection's end leaves it. */
  if (self->ahead != NULL)
    self->broken = TRUE;
  gw_smtp_session_drop_ahead (self);
  g_clear_object (&self->next_envelope);
  if (self->stream != NULL && !self->broken && !self->closed && !self->busy) {
    gw_smtp_session_exchange_async (self, quit, NULL, 1, "the reply to QUIT",
                                    cancellable, quit_cb, task);
    return;
  }
  self->broken = TRUE;
  close_stream (task);
}

gboolean
gw_smtp_session_close_finish (GwSmtpSession *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
