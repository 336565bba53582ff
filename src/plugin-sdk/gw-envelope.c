/* gw-envelope.c: one composed message on its way to one profile */
#define G_LOG_DOMAIN "gw-envelope"

#include "config.h"

#include "gw-envelope.h"

struct _GwEnvelope {
  GObject    parent_instance;
  char      *job_id;
  char      *sender;
  char      *message_id;
  GBytes    *message;
  GPtrArray *recipients;
  GVariant  *certificate_failure;
  char      *tls;
};

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

const char *
gw_envelope_get_job_id (GwEnvelope *self)
{
  return self->job_id;
}

const char *
gw_envelope_get_sender (GwEnvelope *self)
{
  return self->sender;
}

const char *
gw_envelope_get_message_id (GwEnvelope *self)
{
  return self->message_id;
}

GBytes *
gw_envelope_get_message (GwEnvelope *self)
{
  return self->message;
}

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

guint
gw_envelope_get_n_recipients (GwEnvelope *self)
{
  return self->recipients->len;
}

GwRecipient *
gw_envelope_get_recipient (GwEnvelope *self,
                           guint       index)
{
  g_return_val_if_fail (index < self->recipients->len, NULL);
  return g_ptr_array_index (self->recipients, index);
}

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

void
gw_envelope_set_certificate_failure (GwEnvelope *self,
                                     GVariant   *certificate)
{
  g_clear_pointer (&self->certificate_failure, g_variant_unref);
  if (certificate != NULL)
    self->certificate_failure = g_variant_ref_sink (certificate);
}

GVariant *
gw_envelope_get_certificate_failure (GwEnvelope *self)
{
  return self->certificate_failure;
}

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

const char *
gw_envelope_get_tls (GwEnvelope *self)
{
  g_return_val_if_fail (GW_IS_ENVELOPE (self), NULL);

  return self->tls;
}

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
