/* gw-envelope.h: one composed message on its way to one profile */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
  GW_RECIPIENT_PENDING,
  GW_RECIPIENT_SENT,
  GW_RECIPIENT_TEMPFAIL,
  GW_RECIPIENT_PERMFAIL,
  /* Accepted by a server that sends it later (a fax server or fax API):
   * not yet sent, followed by polling its remote id. */
  GW_RECIPIENT_SUBMITTED,
} GwRecipientStatus;

typedef struct {
  char              *address;
  char              *kind;          /* to, cc, bcc, fax */
  GwRecipientStatus  status;
  char              *reply;         /* the server's reply, or NULL */
  char              *enhanced_code; /* e.g. "5.1.1", or NULL */
  char              *remote_id;     /* the server's job id (fax), or NULL */
} GwRecipient;

#define GW_TYPE_ENVELOPE (gw_envelope_get_type ())
G_DECLARE_FINAL_TYPE (GwEnvelope, gw_envelope, GW, ENVELOPE, GObject)

GwEnvelope  *gw_envelope_new                 (const char  *job_id,
                                              const char  *sender,
                                              const char  *message_id,
                                              GBytes      *message);
const char  *gw_envelope_get_job_id          (GwEnvelope  *self);
const char  *gw_envelope_get_sender          (GwEnvelope  *self);
const char  *gw_envelope_get_message_id      (GwEnvelope  *self);
/* The message in RFC 5322 form with CRLF line ends. */
GBytes      *gw_envelope_get_message         (GwEnvelope  *self);

void         gw_envelope_add_recipient       (GwEnvelope  *self,
                                              const char  *address,
                                              const char  *kind);
guint        gw_envelope_get_n_recipients    (GwEnvelope  *self);
GwRecipient *gw_envelope_get_recipient       (GwEnvelope  *self,
                                              guint        index);
void         gw_envelope_set_result          (GwEnvelope  *self,
                                              guint        index,
                                              GwRecipientStatus status,
                                              const char  *reply,
                                              const char  *enhanced_code);
/* Sets every still pending recipient to @status with @reply. */
void         gw_envelope_set_pending_result  (GwEnvelope  *self,
                                              GwRecipientStatus status,
                                              const char  *reply,
                                              const char  *enhanced_code);

/* Details (a{sv}) of a server certificate the transport refused, so the
 * daemon can record it for the trust manager; NULL if none. */
void         gw_envelope_set_certificate_failure (GwEnvelope *self,
                                                  GVariant   *certificate);
GVariant    *gw_envelope_get_certificate_failure (GwEnvelope *self);

/* The TLS in use when the transport last talked to the server for this
 * envelope ("TLSv1.3 TLS_AES_256_GCM_SHA384"), or NULL for none; the
 * dispatcher records it in the attempt log. */
void         gw_envelope_set_tls             (GwEnvelope  *self,
                                              const char  *tls);
const char  *gw_envelope_get_tls             (GwEnvelope  *self);

/* Remembers the job id a server gave recipient @index's job. */
void         gw_envelope_set_remote_id       (GwEnvelope  *self,
                                              guint        index,
                                              const char  *remote_id);

const char  *gw_recipient_status_to_string   (GwRecipientStatus status);

G_END_DECLS
