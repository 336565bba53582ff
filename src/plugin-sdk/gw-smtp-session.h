/* gw-smtp-session.h: one SMTP client connection, shared by the smtp, smtps and fax plugins */
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

/*
 * A session for @profile (keys host, port, security, auth, username,
 * password, oauth2-*, pop-before-smtp, helo-name, connect-timeout,
 * conversation-timeout, verify-certificates, ca-file, pinned-keys, dsn,
 * dsn-notify, dsn-ret). With @implicit_tls (smtps), or security=tls, TLS
 * starts with the first byte and never falls back to plaintext.
 */
GwSmtpSession     *gw_smtp_session_new                  (GwProfile           *profile,
                                                         gboolean             implicit_tls);

/* Records the conversation (secrets masked) into @transcript from now on. */
void               gw_smtp_session_set_transcript       (GwSmtpSession       *self,
                                                         GwTranscript        *transcript);
GwTranscript      *gw_smtp_session_get_transcript       (GwSmtpSession       *self);

/*
 * Connects (POP-before-SMTP first when the profile asks), reads the
 * greeting, EHLO (HELO fallback), STARTTLS as the security mode requires,
 * EHLO again, AUTH when the profile has a username.
 * Errors: GW_TRANSPORT_ERROR_TEMPORARY for connection, timeout, TLS,
 * STARTTLS-missing and authentication failures (see also
 * gw_smtp_session_dup_tls_failure()); G_IO_ERROR_CANCELLED.
 */
void               gw_smtp_session_open_async           (GwSmtpSession       *self,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean           gw_smtp_session_open_finish          (GwSmtpSession       *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

/*
 * Sends @envelope: RSET when a transaction ran before on this session, then
 * MAIL, RCPT for each pending recipient, DATA (pipelined in one write when
 * the server offers PIPELINING). Each recipient gets its result with
 * gw_envelope_set_result() (server reply and enhanced status code).
 *
 * Returns TRUE when the transaction ran to its end, whatever each
 * recipient's result (a refused RCPT fails that recipient only).
 * Returns FALSE when the message as a whole could not be sent; recipients
 * whose fate the server told keep that result, the others stay pending:
 * GW_TRANSPORT_ERROR_PERMANENT for a 5xx to MAIL or DATA, a message over
 * the server's SIZE or a non-ASCII sender without SMTPUTF8;
 * GW_TRANSPORT_ERROR_TEMPORARY for 4xx, timeouts and broken connections.
 * After a FALSE return, check gw_smtp_session_is_usable() before reusing.
 */
void               gw_smtp_session_send_async           (GwSmtpSession       *self,
                                                         GwEnvelope          *envelope,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean           gw_smtp_session_send_finish          (GwSmtpSession       *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

/* QUIT (when the conversation is still in order) and close. Never fails
 * except with G_IO_ERROR_CANCELLED; the connection is closed either way. */
void               gw_smtp_session_close_async          (GwSmtpSession       *self,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean           gw_smtp_session_close_finish         (GwSmtpSession       *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

/* Whether the session is open and in a state to carry another message. */
gboolean           gw_smtp_session_is_usable            (GwSmtpSession       *self);

/* "TLSv1.3 TLS_AES_256_GCM_SHA384", or NULL on a plaintext session. */
const char        *gw_smtp_session_get_tls_description  (GwSmtpSession       *self);

/* The server's last reply, or NULL. */
const GwSmtpReply *gw_smtp_session_get_last_reply       (GwSmtpSession       *self);

/* When the server's certificate was refused: see gw_tls_policy_get_failure(). */
GVariant          *gw_smtp_session_dup_tls_failure      (GwSmtpSession       *self);

/* Whether the server advertised @keyword (upper case) in its last EHLO. */
gboolean           gw_smtp_session_has_capability       (GwSmtpSession       *self,
                                                         const char          *keyword);

void               gw_smtp_session_install_settings     (GwTransportClass    *klass,
                                                         const char          *default_port,
                                                         const char          *default_security);

G_END_DECLS
