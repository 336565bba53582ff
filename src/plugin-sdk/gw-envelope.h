/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-envelope.h: one composed message on its way to one profile */
#pragma once

#include <glib-object.h>

#include "gw-message-source.h"

G_BEGIN_DECLS

/**
 * GwRecipientStatus:
 * @GW_RECIPIENT_PENDING: not tried yet in this attempt
 * @GW_RECIPIENT_SENT: delivered
 * @GW_RECIPIENT_TEMPFAIL: failed for now: try again later
 * @GW_RECIPIENT_PERMFAIL: failed for good
 * @GW_RECIPIENT_SUBMITTED: accepted by a server that sends it later; not
 *   yet sent, followed through #GwRemoteJobs by its remote id
 *
 * Where one recipient of an envelope stands.
 */
typedef enum {
  GW_RECIPIENT_PENDING,
  GW_RECIPIENT_SENT,
  GW_RECIPIENT_TEMPFAIL,
  GW_RECIPIENT_PERMFAIL,
  GW_RECIPIENT_SUBMITTED,
} GwRecipientStatus;

/**
 * GwRecipient:
 * @address: the recipient: a mail address, or a recipient of the
 *   transport's own kind
 * @kind: "to", "cc", "bcc", or the transport's recipient kind
 * @status: where it stands; set it with gw_envelope_set_result()
 * @reply: (nullable): the server's reply
 * @enhanced_code: (nullable): the enhanced status code, "5.1.1"
 * @remote_id: (nullable): the job id a server that sends later gave it
 *
 * One recipient of an envelope. Read the fields; change them only through
 * the envelope's functions.
 */
typedef struct {
  char              *address;
  char              *kind;
  GwRecipientStatus  status;
  char              *reply;
  char              *enhanced_code;
  char              *remote_id;
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
GBytes      *gw_envelope_get_message         (GwEnvelope  *self);
GwEnvelope  *gw_envelope_new_from_source     (const char  *job_id,
                                              const char  *sender,
                                              const char  *message_id,
                                              GwMessageSource *source);
GwMessageSource *gw_envelope_get_message_source (GwEnvelope *self);
gsize        gw_envelope_get_message_size    (GwEnvelope  *self);
GBytes      *gw_envelope_load_message        (GwEnvelope  *self,
                                              GError     **error);

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
void         gw_envelope_set_pending_result  (GwEnvelope  *self,
                                              GwRecipientStatus status,
                                              const char  *reply,
                                              const char  *enhanced_code);

void         gw_envelope_set_certificate_failure (GwEnvelope *self,
                                                  GVariant   *certificate);
GVariant    *gw_envelope_get_certificate_failure (GwEnvelope *self);

void         gw_envelope_set_tls             (GwEnvelope  *self,
                                              const char  *tls);
const char  *gw_envelope_get_tls             (GwEnvelope  *self);

void         gw_envelope_set_retry_after     (GwEnvelope  *self,
                                              guint        seconds);
guint        gw_envelope_get_retry_after     (GwEnvelope  *self);

void         gw_envelope_set_remote_id       (GwEnvelope  *self,
                                              guint        index,
                                              const char  *remote_id);

const char  *gw_recipient_status_to_string   (GwRecipientStatus status);

G_END_DECLS
