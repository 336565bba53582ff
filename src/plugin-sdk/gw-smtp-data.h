/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-smtp-data.h: what goes on the wire in an SMTP transaction */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The DATA payload for @message (any line ends): every bare LF, bare CR
 * and CRLF becomes CRLF, a line starting with "." gets another ".", the
 * last line is ended with CRLF, and the terminating ".\r\n" is appended.
 * An empty message gives ".\r\n" alone.
 */
GBytes   *gw_smtp_data_encode          (GBytes     *message);

/* Whether @message holds a byte above 127 (BODY=8BITMIME is needed). */
gboolean  gw_smtp_data_has_8bit        (GBytes     *message);

/* Whether the header section of @message (up to its first empty line)
 * holds a byte above 127: UTF-8 header fields (RFC 6532) need SMTPUTF8. */
gboolean  gw_smtp_data_header_has_8bit (GBytes     *message);

/* Whether the body of @message (after its first empty line) holds a byte
 * above 127: it needs BODY=8BITMIME (RFC 6152). */
gboolean  gw_smtp_data_body_has_8bit   (GBytes     *message);

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
