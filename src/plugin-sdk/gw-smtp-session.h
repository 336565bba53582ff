/* gw-smtp-session.h: one SMTP client connection, for every transport that speaks SMTP (plugin SDK) */
#pragma once

#include <gio/gio.h>

#include "gw-envelope.h"
#include "gw-profile.h"
#include "gw-smtp-reply.h"
#include "gw-transcript.h"
#include "gw-transport.h"

G_BEGIN_DECLS

#define GW_TYPE_SMTP_SESSION (gw_smtp_session_get_type ())
G_DECLARE_FINAL_TYPE (GwSmtpSession, gw_smtp_session, GW, SMTP_SESSION, GObject)

GwSmtpSession     *gw_smtp_session_new                  (GwProfile           *profile,
                                                         gboolean             implicit_tls);

void               gw_smtp_session_set_transcript       (GwSmtpSession       *self,
                                                         GwTranscript        *transcript);
GwTranscript      *gw_smtp_session_get_transcript       (GwSmtpSession       *self);

void               gw_smtp_session_open_async           (GwSmtpSession       *self,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean           gw_smtp_session_open_finish          (GwSmtpSession       *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

void               gw_smtp_session_send_async           (GwSmtpSession       *self,
                                                         GwEnvelope          *envelope,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean           gw_smtp_session_send_finish          (GwSmtpSession       *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

void               gw_smtp_session_close_async          (GwSmtpSession       *self,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean           gw_smtp_session_close_finish         (GwSmtpSession       *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

gboolean           gw_smtp_session_is_usable            (GwSmtpSession       *self);

const char        *gw_smtp_session_get_tls_description  (GwSmtpSession       *self);

const GwSmtpReply *gw_smtp_session_get_last_reply       (GwSmtpSession       *self);

GVariant          *gw_smtp_session_dup_tls_failure      (GwSmtpSession       *self);

gboolean           gw_smtp_session_has_capability       (GwSmtpSession       *self,
                                                         const char          *keyword);

void               gw_smtp_session_install_settings     (GwTransportClass    *klass,
                                                         const char          *default_port,
                                                         const char          *default_security);

G_END_DECLS
