/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-smtp-session.h: one SMTP client connection, for every transport that speaks SMTP (plugin SDK) */
#pragma once

#include <gio/gio.h>

#include "gw-envelope.h"
#include "gw-profile.h"
#include "gw-smtp-reply.h"
#include "gw-transcript.h"
#include "gw-transport.h"

G_BEGIN_DECLS

/**
 * GwSmtpSession:
 *
 * One SMTP client connection (GIO streams, GnuTLS through
 * glib-networking), shared by every transport that speaks SMTP: EHLO,
 * STARTTLS or implicit TLS, AUTH, PIPELINING, SIZE, 8BITMIME, SMTPUTF8,
 * DSN, connection reuse, per-recipient results, CRLF-only output.
 */
#define GW_TYPE_SMTP_SESSION (gw_smtp_session_get_type ())
G_DECLARE_FINAL_TYPE (GwSmtpSession, gw_smtp_session, GW, SMTP_SESSION, GObject)

/**
 * gw_smtp_session_new:
 * @profile: a profile with the keys of gw_smtp_session_install_settings()
 * @implicit_tls: TLS from the first byte (RFC 8314); security=tls has the
 *   same effect
 *
 * Makes a session; nothing is sent before gw_smtp_session_open_async().
 * TLS, once required, never falls back to plaintext.
 *
 * Returns: (transfer full): a new session
 */
GwSmtpSession     *gw_smtp_session_new                  (GwProfile           *profile,
                                                         gboolean             implicit_tls);

/**
 * gw_smtp_session_set_transcript:
 * @self: a session
 * @transcript: (nullable): where to record the conversation
 *
 * Records the conversation from now on, secrets masked.
 */
void               gw_smtp_session_set_transcript       (GwSmtpSession       *self,
                                                         GwTranscript        *transcript);

/**
 * gw_smtp_session_get_transcript:
 * @self: a session
 *
 * Returns: (transfer none) (nullable): the transcript being recorded
 */
GwTranscript      *gw_smtp_session_get_transcript       (GwSmtpSession       *self);

/**
 * gw_smtp_session_open_async:
 * @self: a session
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the session is ready for messages
 * @user_data: data for @callback
 *
 * Connects (POP-before-SMTP first when the profile asks), reads the
 * greeting, EHLO (HELO fallback), STARTTLS as the security mode requires,
 * EHLO again, and AUTH when the profile has a username.
 */
void               gw_smtp_session_open_async           (GwSmtpSession       *self,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);

/**
 * gw_smtp_session_open_finish:
 * @self: a session
 * @result: the result given to the callback
 * @error: return location for a #GW_TRANSPORT_ERROR_TEMPORARY error
 *   (connection, timeout, TLS, STARTTLS missing, authentication; see also
 *   gw_smtp_session_dup_tls_failure()) or %G_IO_ERROR_CANCELLED
 *
 * Returns: whether the session is open
 */
gboolean           gw_smtp_session_open_finish          (GwSmtpSession       *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

/**
 * gw_smtp_session_send_async:
 * @self: an open session
 * @envelope: the message and its pending recipients
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Sends @envelope: RSET when a transaction ran before on this session, then
 * MAIL, RCPT for each pending recipient and DATA, pipelined in one write
 * when the server offers PIPELINING. Each recipient gets its result with
 * the server's reply and enhanced status code; a refused RCPT fails that
 * recipient only.
 */
void               gw_smtp_session_send_async           (GwSmtpSession       *self,
                                                         GwEnvelope          *envelope,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);

/**
 * gw_smtp_session_announce_next:
 * @self: a session
 * @envelope: (nullable): the envelope this session sends after the
 *   current (or imminent) one
 *
 * Tells the session, while gw_smtp_session_send_async() runs or just
 * before it is called, which envelope it sends after that one. When the
 * server offers PIPELINING and both messages are in memory, the next
 * transaction's commands go out in the same write as the end of this
 * message (RFC 2920, 3.1): one write and one wait per message instead of
 * two. Announced before the call, it is known even when this message goes
 * out at once (the replies to its transaction, sent ahead, being in
 * already). The gw_smtp_session_send_async() after that one must then be
 * for @envelope (see gw_smtp_session_has_sent_ahead()); for
 * another one the session is not usable. %NULL withdraws an announcement
 * that nothing was sent for yet.
 */
void               gw_smtp_session_announce_next        (GwSmtpSession       *self,
                                                         GwEnvelope          *envelope);

/**
 * gw_smtp_session_has_sent_ahead:
 * @self: a session
 * @envelope: an envelope
 *
 * Returns: whether the transaction of @envelope went out ahead, with the
 *   end of the message before it (gw_smtp_session_announce_next()). Send
 *   @envelope with gw_smtp_session_send_async() then, even when
 *   gw_smtp_session_is_usable() says no (the server may have closed after
 *   answering): its replies are already in.
 */
gboolean           gw_smtp_session_has_sent_ahead       (GwSmtpSession       *self,
                                                         GwEnvelope          *envelope);

/**
 * gw_smtp_session_send_finish:
 * @self: a session
 * @result: the result given to the callback
 * @error: return location for a #GW_TRANSPORT_ERROR error: PERMANENT for a
 *   5xx to MAIL or DATA, a message over the server's SIZE or a non-ASCII
 *   sender without SMTPUTF8; TEMPORARY for 4xx, timeouts and broken
 *   connections
 *
 * Returns: %TRUE when the transaction ran to its end, whatever each
 *   recipient's result; %FALSE when the message as a whole could not be
 *   sent (recipients whose fate the server told keep it, the others stay
 *   pending). After %FALSE check gw_smtp_session_is_usable().
 */
gboolean           gw_smtp_session_send_finish          (GwSmtpSession       *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

/**
 * gw_smtp_session_close_async:
 * @self: a session
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when closed
 * @user_data: data for @callback
 *
 * Sends QUIT when the conversation is still in order, and closes.
 */
void               gw_smtp_session_close_async          (GwSmtpSession       *self,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);

/**
 * gw_smtp_session_close_finish:
 * @self: a session
 * @result: the result given to the callback
 * @error: return location for %G_IO_ERROR_CANCELLED (the only failure; the
 *   connection is closed either way)
 *
 * Returns: %TRUE unless cancelled
 */
gboolean           gw_smtp_session_close_finish         (GwSmtpSession       *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

/**
 * gw_smtp_session_is_usable:
 * @self: a session
 *
 * Returns: whether the session is open and can carry another message
 */
gboolean           gw_smtp_session_is_usable            (GwSmtpSession       *self);

/**
 * gw_smtp_session_get_tls_description:
 * @self: a session
 *
 * Returns: (nullable): "TLSv1.3 TLS_AES_256_GCM_SHA384", or %NULL on a
 *   plaintext session
 */
const char        *gw_smtp_session_get_tls_description  (GwSmtpSession       *self);

/**
 * gw_smtp_session_get_last_reply:
 * @self: a session
 *
 * Returns: (transfer none) (nullable): the server's last reply
 */
const GwSmtpReply *gw_smtp_session_get_last_reply       (GwSmtpSession       *self);

/**
 * gw_smtp_session_dup_tls_failure:
 * @self: a session
 *
 * Returns: (transfer full) (nullable): when the server's certificate was
 *   refused, the SMTP server's or the POP-before-SMTP server's, its details (see gw_tls_policy_get_failure())
 */
GVariant          *gw_smtp_session_dup_tls_failure      (GwSmtpSession       *self);

/**
 * gw_smtp_session_has_capability:
 * @self: a session
 * @keyword: an EHLO keyword in upper case
 *
 * Returns: whether the server advertised @keyword in its last EHLO
 */
gboolean           gw_smtp_session_has_capability       (GwSmtpSession       *self,
                                                         const char          *keyword);

void               gw_smtp_session_install_settings     (GwTransportClass    *klass,
                                                         const char          *default_port,
                                                         const char          *default_security);

G_END_DECLS
