/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-envelope.c: one composed message on its way to one profile */
#define G_LOG_DOMAIN "gw-envelope"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "gw-envelope.h"
#include "gw-transport.h"

struct _GwEnvelope {
  GObject    parent_instance;
  char      *job_id;
  char      *sender;
  char      *message_id;
  GBytes    *message;  /* or: */
  GwMessageSource *source;
  GPtrArray *recipients;
  GVariant  *certificate_failure;
  char      *tls;
  guint      retry_after;
};

/**
 * GwEnvelope:
 *
 * One composed message on its way to one profile: the sender, the
 * message, its Message-ID and its recipients, each with its result.
 */
G_DEFINE_FINAL_TYPE (GwEnvelope, gw_envelope, G_TYPE_OBJECT)

static void
gw_recipient_free (GwRecipient *recipient)
{
  g_free (recipient->address);
  g_free (recipient->kind);
  g_free (recipient->reply);
  g_free (recipient->enhanced_code);
  g_free (recipient->remote_id);
  g_free (recipient);
}

static void
gw_envelope_finalize (GObject *object)
{
  GwEnvelope *self = GW_ENVELOPE (object);

  g_free (self->job_id);
  g_free (self->sender);
  g_free (self->message_id);
  g_clear_pointer (&self->message, g_bytes_unref);
  g_clear_object (&self->source);
  g_ptr_array_unref (self->recipients);
  g_clear_pointer (&self->certificate_failure, g_variant_unref);
  g_free (self->tls);
  G_OBJECT_CLASS (gw_envelope_parent_class)->finalize (object);
}

static void
gw_envelope_class_init (GwEnvelopeClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_envelope_finalize;
}

static void
gw_envelope_init (GwEnvelope *self)
{
  self->recipients = g_ptr_array_new_with_free_func ((GDestroyNotify) gw_recipient_free);
}

/**
 * gw_envelope_new:
 * @job_id: (nullable): the queue's id of the job, or %NULL outside the queue
 * @sender: the envelope sender (MAIL FROM), "" for none
 * @message_id: the Message-ID, kept across attempts
 * @message: the message in RFC 5322 form with CRLF line ends
 *
 * Makes an envelope without recipients. The daemon makes the envelopes it
 * delivers; a transport makes one to send through another engine (a mail
 * through #GwSmtpSession).
 *
 * Returns: (transfer full): a new envelope
 */
GwEnvelope *
gw_envelope_new (const char *job_id,
                 const char *sender,
                 const char *message_id,
                 GBytes     *message)
{
  GwEnvelope *self = g_object_new (GW_TYPE_ENVELOPE, NULL);

  self->job_id = g_strdup (job_id);
  self->sender = g_strdup (sender);
  self->message_id = g_strdup (message_id);
  self->message = g_bytes_ref (message);
  return self;
}

/**
 * gw_envelope_get_job_id:
 * @self: an envelope
 *
 * Returns: (nullable): the queue's id of the job
 */
const char *
gw_envelope_get_job_id (GwEnvelope *self)
{
  return self->job_id;
}

/**
 * gw_envelope_get_sender:
 * @self: an envelope
 *
 * Returns: the envelope sender, "" for none
 */
const char *
gw_envelope_get_sender (GwEnvelope *self)
{
  return self->sender;
}

/**
 * gw_envelope_get_message_id:
 * @self: an envelope
 *
 * Returns: the Message-ID, the same in every attempt
 */
const char *
gw_envelope_get_message_id (GwEnvelope *self)
{
  return self->message_id;
}

/**
 * gw_envelope_new_from_source:
 * @job_id: (nullable): the queue's id of the job, or %NULL outside the queue
 * @sender: the envelope sender (MAIL FROM), "" for none
 * @message_id: the Message-ID, kept across attempts
 * @source: where the message (RFC 5322, CRLF line ends) is read from
 *
 * Makes an envelope without recipients whose message is not held in
 * memory: the daemon does this for a large one, read from its queue as it
 * is sent.
 *
 * Returns: (transfer full): a new envelope
 */
GwEnvelope *
gw_envelope_new_from_source (const char      *job_id,
                             const char      *sender,
                             const char      *message_id,
                             GwMessageSource *source)
{
  GwEnvelope *self = g_object_new (GW_TYPE_ENVELOPE, NULL);

  self->job_id = g_strdup (job_id);
  self->sender = g_strdup (sender);
  self->message_id = g_strdup (message_id);
  self->source = g_object_ref (source);
  return self;
}

/**
 * gw_envelope_get_message:
 * @self: an envelope
 *
 * The message when it is held in memory. A large one is not: read it with
 * gw_envelope_get_message_source() as it is sent, or whole with
 * gw_envelope_load_message().
 *
 * Returns: (transfer none) (nullable): the message in RFC 5322 form with
 *   CRLF line ends, or %NULL when it is read from a source
 */
GBytes *
gw_envelope_get_message (GwEnvelope *self)
{
  return self->message;
}

/**
 * gw_envelope_get_message_source:
 * @self: an envelope
 *
 * Returns: (transfer none) (nullable): where the message is read from, or
 *   %NULL when it is held in memory (gw_envelope_get_message())
 */
GwMessageSource *
gw_envelope_get_message_source (GwEnvelope *self)
{
  return self->source;
}

/**
 * gw_envelope_get_message_size:
 * @self: an envelope
 *
 * Returns: the message's length in bytes, held or not
 */
gsize
gw_envelope_get_message_size (GwEnvelope *self)
{
  if (self->source != NULL)
    return gw_message_source_get_size (self->source);
  return g_bytes_get_size (self->message);
}

/**
 * gw_envelope_load_message:
 * @self: an envelope
 * @error: return location for a #GError
 *
 * The whole message, for a transport that needs it in one piece (a JSON
 * request). A message from a source is read here, blocking: prefer reading
 * the source as the message is sent. A read that fails is a
 * %GW_TRANSPORT_ERROR_TEMPORARY, or %GW_TRANSPORT_ERROR_MESSAGE_DAMAGED
 * when the stored message is damaged.
 *
 * Returns: (transfer full): the message, or %NULL
 */
GBytes *
gw_envelope_load_message (GwEnvelope  *self,
                          GError     **error)
{
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree guint8 *data = NULL;
  gsize size, got = 0;

  if (self->source == NULL)
    return g_bytes_ref (self->message);
  size = gw_message_source_get_size (self->source);
  data = g_malloc (MAX (size, 1));
  stream = gw_message_source_open (self->source, &local_error);
  if (stream == NULL || !g_input_stream_read_all (stream, data, size, &got, NULL, &local_error) ||
      got != size) {
    g_set_error (error, GW_TRANSPORT_ERROR,
                 local_error != NULL ? gw_transport_error_for_message_read (local_error)
                                     : GW_TRANSPORT_ERROR_TEMPORARY,
                 _("Cannot read the message from the queue: %s"),
                 local_error != NULL ? local_error->message : _("it is shorter than recorded"));
    return NULL;
  }
  return g_bytes_new_take (g_steal_pointer (&data), size);
}

/**
 * gw_envelope_add_recipient:
 * @self: an envelope
 * @address: the recipient
 * @kind: "to", "cc", "bcc" or a transport's recipient kind
 *
 * Adds a pending recipient.
 */
void
gw_envelope_add_recipient (GwEnvelope *self,
                           const char *address,
                           const char *kind)
{
  GwRecipient *recipient = g_new0 (GwRecipient, 1);

  recipient->address = g_strdup (address);
  recipient->kind = g_strdup (kind);
  recipient->status = GW_RECIPIENT_PENDING;
  g_ptr_array_add (self->recipients, recipient);
}

/**
 * gw_envelope_get_n_recipients:
 * @self: an envelope
 *
 * Returns: how many recipients the envelope has
 */
guint
gw_envelope_get_n_recipients (GwEnvelope *self)
{
  return self->recipients->len;
}

/**
 * gw_envelope_get_recipient:
 * @self: an envelope
 * @index: from 0 to gw_envelope_get_n_recipients() - 1
 *
 * Returns: (transfer none): the recipient
 */
GwRecipient *
gw_envelope_get_recipient (GwEnvelope *self,
                           guint       index)
{
  g_return_val_if_fail (index < self->recipients->len, NULL);
  return g_ptr_array_index (self->recipients, index);
}

/**
 * gw_envelope_set_result:
 * @self: an envelope
 * @index: the recipient
 * @status: its new status
 * @reply: (nullable): the server's reply, for the log and the caller
 * @enhanced_code: (nullable): its enhanced status code
 *
 * Records how the delivery to one recipient went.
 */
void
gw_envelope_set_result (GwEnvelope       *self,
                        guint             index,
                        GwRecipientStatus status,
                        const char       *reply,
                        const char       *enhanced_code)
{
  GwRecipient *recipient = gw_envelope_get_recipient (self, index);

  g_return_if_fail (recipient != NULL);
  recipient->status = status;
  g_free (recipient->reply);
  recipient->reply = g_strdup (reply);
  g_free (recipient->enhanced_code);
  recipient->enhanced_code = g_strdup (enhanced_code);
}

/**
 * gw_envelope_set_pending_result:
 * @self: an envelope
 * @status: the new status
 * @reply: (nullable): the server's reply
 * @enhanced_code: (nullable): its enhanced status code
 *
 * Sets every recipient that is still pending to @status.
 */
void
gw_envelope_set_pending_result (GwEnvelope       *self,
                                GwRecipientStatus status,
                                const char       *reply,
                                const char       *enhanced_code)
{
  for (guint i = 0; i < self->recipients->len; i++) {
    GwRecipient *recipient = g_ptr_array_index (self->recipients, i);

    if (recipient->status == GW_RECIPIENT_PENDING)
      gw_envelope_set_result (self, i, status, reply, enhanced_code);
  }
}

/**
 * gw_recipient_status_to_string:
 * @status: a recipient status
 *
 * Returns: "pending", "sent", "deferred", "failed" or "submitted"
 */
const char *
gw_recipient_status_to_string (GwRecipientStatus status)
{
  switch (status) {
  case GW_RECIPIENT_PENDING:
    return "pending";
  case GW_RECIPIENT_SENT:
    return "sent";
  case GW_RECIPIENT_TEMPFAIL:
    return "deferred";
  case GW_RECIPIENT_PERMFAIL:
    return "failed";
  case GW_RECIPIENT_SUBMITTED:
    return "submitted";
  default:
    return "unknown";
  }
}

/**
 * gw_envelope_set_certificate_failure:
 * @self: an envelope
 * @certificate: (nullable): the a{sv} of gw_tls_policy_get_failure()
 *
 * Records the server certificate the transport refused, so the daemon
 * shows it to the trust manager.
 */
void
gw_envelope_set_certificate_failure (GwEnvelope *self,
                                     GVariant   *certificate)
{
  g_clear_pointer (&self->certificate_failure, g_variant_unref);
  if (certificate != NULL)
    self->certificate_failure = g_variant_ref_sink (certificate);
}

/**
 * gw_envelope_get_certificate_failure:
 * @self: an envelope
 *
 * Returns: (transfer none) (nullable): the refused certificate's details
 */
GVariant *
gw_envelope_get_certificate_failure (GwEnvelope *self)
{
  return self->certificate_failure;
}

/**
 * gw_envelope_set_tls:
 * @self: an envelope
 * @tls: (nullable): "TLSv1.3 TLS_AES_256_GCM_SHA384", or %NULL for none
 *
 * Records the TLS in use when the transport last talked to the server for
 * this envelope; the daemon keeps it in the attempt log.
 */
void
gw_envelope_set_tls (GwEnvelope *self,
                     const char *tls)
{
  g_return_if_fail (GW_IS_ENVELOPE (self));

  if (g_strcmp0 (self->tls, tls) == 0)
    return;
  g_free (self->tls);
  self->tls = g_strdup (tls);
}

/**
 * gw_envelope_get_tls:
 * @self: an envelope
 *
 * Returns: (nullable): the TLS recorded with gw_envelope_set_tls()
 */
const char *
gw_envelope_get_tls (GwEnvelope *self)
{
  g_return_val_if_fail (GW_IS_ENVELOPE (self), NULL);

  return self->tls;
}

/**
 * gw_envelope_set_retry_after:
 * @self: an envelope
 * @seconds: when the server wants to be asked again, in seconds from now;
 *   0: no wish
 *
 * For recipients left %GW_RECIPIENT_TEMPFAIL: the server said when to
 * come back (an HTTP `Retry-After`). The next attempt is then made after
 * @seconds (at most a day) rather than after the profile's back-off.
 */
void
gw_envelope_set_retry_after (GwEnvelope *self,
                             guint       seconds)
{
  g_return_if_fail (GW_IS_ENVELOPE (self));

  self->retry_after = MIN (seconds, 86400);
}

/**
 * gw_envelope_get_retry_after:
 * @self: an envelope
 *
 * Returns: the seconds given to gw_envelope_set_retry_after(), or 0
 */
guint
gw_envelope_get_retry_after (GwEnvelope *self)
{
  g_return_val_if_fail (GW_IS_ENVELOPE (self), 0);

  return self->retry_after;
}

/**
 * gw_envelope_set_remote_id:
 * @self: an envelope
 * @index: the recipient
 * @remote_id: the job id the server gave the recipient's job
 *
 * Remembers the id a server that sends later gave the job (see
 * #GwRemoteJobs); the daemon stores it with the recipient.
 */
void
gw_envelope_set_remote_id (GwEnvelope *self,
                           guint       index,
                           const char *remote_id)
{
  GwRecipient *recipient;

  g_return_if_fail (GW_IS_ENVELOPE (self));
  g_return_if_fail (index < self->recipients->len);
  recipient = g_ptr_array_index (self->recipients, index);
  g_free (recipient->remote_id);
  recipient->remote_id = g_strdup (remote_id);
}
