/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-smtp-data.h: what goes on the wire in an SMTP transaction */
#pragma once

#include <glib.h>

#include "gw-message-source.h"

G_BEGIN_DECLS

/*
 * The DATA payload for @message (any line ends): every bare LF, bare CR
 * and CRLF becomes CRLF, a line starting with "." gets another ".", the
 * last line is ended with CRLF, and the terminating ".\r\n" is appended.
 * An empty message gives ".\r\n" alone.
 */
GBytes   *gw_smtp_data_encode          (GBytes     *message);

/* The DATA payload of gw_smtp_data_encode(), made piece by piece as it is
 * written (gw-smtp-data.c): a message of tens of MiB is not copied whole,
 * and may come in pieces from a GwMessageSource. A line end split between
 * two pieces ("\r" | "\n") is still one line end. */
typedef struct {
  gboolean  line_start;
  gboolean  after_cr;    /* the last byte was CR: an LF now is its pair */
} GwSmtpDataEncoder;

void   gw_smtp_data_encoder_init   (GwSmtpDataEncoder *enc);
/* Encodes from @in (@in_len bytes) into @out (room for @out_size, at
 * least 2): returns the bytes written, and in @consumed those of @in
 * taken. */
gsize  gw_smtp_data_encoder_encode (GwSmtpDataEncoder *enc,
                                    const guint8      *in,
                                    gsize              in_len,
                                    gsize             *consumed,
                                    guint8            *out,
                                    gsize              out_size);
/* The end of the payload into @out (room for 5): CRLF when the last line
 * has none, then ".\r\n". Returns the bytes written. */
gsize  gw_smtp_data_encoder_finish (GwSmtpDataEncoder *enc,
                                    guint8            *out);

/* What the transaction must know of a message before it starts, learned in
 * one pass over its pieces. */
typedef struct {
  GwSmtpDataEncoder encoder;
  gsize     payload_size;  /* of the DATA payload, terminator included */
  gboolean  header_8bit;   /* a byte above 127 before the first empty line */
  gboolean  body_8bit;     /* and after it */
  gboolean  in_body;
  gboolean  line_start;
  gboolean  cr_at_line_start;
} GwSmtpDataFacts;

void   gw_smtp_data_facts_init     (GwSmtpDataFacts   *facts);
void   gw_smtp_data_facts_add      (GwSmtpDataFacts   *facts,
                                    const guint8      *data,
                                    gsize              len);
/* After the last piece: the terminator counted. */
void   gw_smtp_data_facts_end      (GwSmtpDataFacts   *facts);
/* The facts of a whole message. */
void   gw_smtp_data_facts_of_bytes (GwSmtpDataFacts   *facts,
                                    GBytes            *message);
/* The facts of the message @source holds, read from it in pieces (in a
 * thread: its reads may block). */
void   gw_smtp_data_facts_read_async  (GwMessageSource     *source,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
gboolean gw_smtp_data_facts_read_finish (GAsyncResult      *result,
                                         GwSmtpDataFacts   *facts,
                                         GError           **error);
/* The size of gw_smtp_data_encode (@message), without making it. */
gsize  gw_smtp_data_encoded_size   (GBytes            *message);

/* Whether @text holds a byte above 127 (SMTPUTF8 is needed). */
gboolean  gw_smtp_data_is_ascii        (const char *text);

/*
 * Whether @address can be put between "<" and ">" in MAIL FROM or RCPT TO:
 * non-empty, at most 998 bytes, no controls, spaces, "<" or ">". Envelope
 * addresses are validated upstream; this is the last line of defence
 * against command injection.
 */
gboolean  gw_smtp_data_address_is_safe (const char *address);

/* RFC 3461 xtext: printable ASCII except "+" and "=" as is, the rest "+XX". */
char     *gw_smtp_data_xtext           (const char *text);

G_END_DECLS
