/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-smtp-session-private.h: what the parts of GwSmtpSession share */
#pragma once

#include "gw-profile.h"
#include "gw-smtp-reply-private.h"
#include "gw-smtp-session.h"
#include "gw-tls-policy.h"
#include "gw-transcript.h"

G_BEGIN_DECLS

/*
 * A timer that cancels an operation. @cancellable is cancelled when the
 * timer fires (then @fired is set) or when the caller's cancellable is.
 * @due is when (monotonic µs), 0 while paused; the timer's source may be
 * set to an earlier time and then looks again (gw_deadline_start()).
 */
typedef struct {
  GCancellable *cancellable;
  GCancellable *outer;
  gulong        outer_id;
  GSource      *timer;
  gint64        due;
  gboolean      fired;
} GwDeadline;

struct _GwSmtpSession {
  GObject               parent_instance;

  GwProfile            *profile;
  char                 *host;
  guint16               port;
  char                 *security;      /* none, starttls-if-available, starttls, tls */
  gboolean              implicit_tls;
  guint                 connect_timeout;
  guint                 conversation_timeout;

  GwTranscript         *transcript;    /* nullable */
  GwTlsPolicy          *tls_policy;    /* nullable: TLS not tried yet */
  GTlsCertificate      *client_certificate; /* nullable: tls-client-certificate */
  GVariant             *pop_tls_failure; /* nullable: the POP3 server's certificate refused */
  GSocketConnection    *connection;    /* the TCP connection */
  GIOStream            *stream;        /* the connection, or TLS over it */
  /* @stream's two sides, used without blocking: a GTask (and a main
   * loop iteration for it to return in) per read and write cost more than
   * the I/O itself under load. */
  GPollableInputStream *input;
  GPollableOutputStream *output;
  struct _GwSocketWatch *watch;        /* nullable: @stream's socket, when plain */
  char                 *received;      /* the server's bytes not yet parsed ... */
  gsize                 received_start;
  gsize                 received_len;  /* ... from @received_start on */
  GHashTable           *caps;          /* EHLO keyword → parameters */
  char                 *tls_description;
  char                 *starttls_refusal; /* the server's reply when it refused STARTTLS */
  char                 *helo;          /* the name given in EHLO/HELO */
  GwSmtpReply          *last_reply;
  /* conversation-timeout, per wait of an exchange; kept between exchanges
   * (a cancellable and a timer for each cost more than the wait) */
  GwDeadline            exchange_deadline;

  gboolean              opened;        /* ready for transactions */
  gboolean              broken;        /* conversation state unknown: only close */
  gboolean              closed;
  gboolean              busy;          /* an exchange is running */
  gboolean              need_rset;     /* a transaction ran on this session */
  gboolean              tls_answered;  /* a reply came over TLS (so the server took
                                          our client certificate, if it asked) */
  /* The next transaction goes out with the end of this message when its
   * envelope is known (gw_smtp_session_announce_next()): one write and one
   * wait per message instead of two. */
  GwEnvelope           *next_envelope; /* nullable: announced, not yet sent */
  struct _GwSmtpTransaction *ahead;  /* nullable: sent, waiting for its send_async */
};

void         gw_deadline_start                (GwDeadline          *deadline,
                                               GCancellable        *outer,
                                               guint                seconds);
/* Stops the timer and keeps it for the next start. */
void         gw_deadline_pause                (GwDeadline          *deadline);
void         gw_deadline_stop                 (GwDeadline          *deadline);

/* Replaces the stream the session talks on (after connecting or TLS). */
void         gw_smtp_session_set_stream       (GwSmtpSession       *self,
                                               GIOStream           *stream);
const char  *gw_smtp_session_helo_name        (GwSmtpSession       *self);
void         gw_smtp_session_note             (GwSmtpSession       *self,
                                               const char          *note);

/*
 * Writes @commands (each one line, CRLF added) or @body (a message, sent
 * as gw_smtp_data_encode() makes it, piece by piece), or @body followed by
 * @commands (the next transaction's, pipelined), in one write group,
 * then reads @n_replies replies, each within conversation-timeout (the
 * greeting too: it is a server reply like any other).
 * @what names the wait in errors ("the greeting"); NULL: "the reply to"
 * the command awaited (never pass NULL with credentials in @commands).
 * A 421 reply ends the exchange early (the server is
 * closing): fewer than @n_replies replies are returned, the last one 421.
 * Commands holding credentials are wiped from memory after the write and
 * masked in the transcript. Returns the replies (GwSmtpReply), or NULL with
 * GW_TRANSPORT_ERROR_TEMPORARY (the session is then broken) or
 * G_IO_ERROR_CANCELLED.
 */
void         gw_smtp_session_exchange_async   (GwSmtpSession       *self,
                                               const char * const  *commands,
                                               GBytes              *body,
                                               guint                n_replies,
                                               const char          *what,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
/* The @n_replies replies that the server has sent and the session has
 * read already, all of them, taken without an exchange (which would only
 * complete in the next main loop iteration, its GTask having been made in
 * this one). NULL, with nothing taken, when any is missing, is a 421 or is
 * malformed, or an exchange runs: then run one. */
GPtrArray   *gw_smtp_session_take_received_replies (GwSmtpSession  *self,
                                               guint                n_replies);
/* The same for a message read from @body as it is written; @payload_size:
 * of its DATA payload (GwSmtpDataFacts). Completes with
 * gw_smtp_session_exchange_finish(). */
void         gw_smtp_session_exchange_stream_async (GwSmtpSession  *self,
                                               GInputStream        *body,
                                               gsize                payload_size,
                                               const char          *what,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
GPtrArray   *gw_smtp_session_exchange_finish  (GwSmtpSession       *self,
                                               GAsyncResult        *result,
                                               GError             **error);

/* Forgets a transaction sent ahead (gw-smtp-session-send.c): on a new
 * stream, or when the session closes. */
void         gw_smtp_session_drop_ahead       (GwSmtpSession       *self);

/* AUTH, when the profile has a username (gw-smtp-session-auth.c). */
void         gw_smtp_session_auth_async       (GwSmtpSession       *self,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean     gw_smtp_session_auth_finish      (GwSmtpSession       *self,
                                               GAsyncResult        *result,
                                               GError             **error);

G_END_DECLS
