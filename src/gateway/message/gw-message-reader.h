/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-message-reader.h: a complete RFC 5322 message handed in whole
 * (D-Bus SendMessage, herald-sendmail, the maildrop), checked and readied
 * for the queue */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The largest complete message taken, in bytes (the queue holds it whole). */
#define GW_MESSAGE_MAX_SIZE        (G_GUINT64_CONSTANT (64) * 1024 * 1024)
/* Recipients a message may name in To, Cc and Bcc for -t. */
#define GW_MESSAGE_MAX_RECIPIENTS  1000

typedef struct {
  /* sendmail -t: the recipients are read from To, Cc and Bcc. */
  gboolean    extract_recipients;
  /* For a From field the message lacks: the address (NULL: none added)
   * and the display name (sendmail -F, or NULL). */
  const char *from_address;
  const char *from_name;
} GwMessageReadOptions;

typedef struct {
  GBytes   *message;          /* the message as queued: CRLF line ends */
  char     *message_id;       /* without angle brackets */
  char     *subject;          /* decoded (UTF-8), or NULL */
  char     *from;             /* addr-spec of the first From mailbox, or NULL */
  GStrv     to;               /* -t only: addr-specs from To, Cc and Bcc */
  GStrv     cc;
  GStrv     bcc;
  guint8    urgency;          /* 0 low, 1 normal, 2 critical */
  gboolean  has_8bit;         /* 8-bit body: BODY=8BITMIME (RFC 6152) */
  gboolean  needs_smtputf8;   /* UTF-8 header: SMTPUTF8 (RFC 6531, 6532) */
  guint     n_attachments;
  guint64   attachments_size; /* decoded bytes of the MIME attachments */
  guint     n_reencoded;      /* parts re-encoded (lines over 998 octets, bare CR, NUL) */
} GwMessage;

/*
 * Reads the message in @raw (LF or CRLF line ends, an mbox "From " line
 * first is dropped):
 * - the header section is checked (gw_header_section_scan(): header
 *   injection, line and size bounds);
 * - with extract_recipients the addresses in To, Cc and Bcc are collected;
 * - Bcc and Resent-Bcc fields are removed (they must not reach a
 *   recipient); every other header and the body are kept as they are;
 * - From (from the options), Date and Message-ID are added only when missing;
 * - a MIME part (or a non-MIME body) with a line over 998 octets, a bare CR
 *   or a NUL is re-encoded, quoted-printable for text, base64 otherwise, so
 *   its content reaches the recipient unchanged; a non-MIME body so
 *   re-encoded gets MIME-Version and Content-Type;
 * - urgency from X-Priority (1–2 critical, 3 normal, 4–5 low), else
 *   Importance or Priority (high/urgent, normal, low/non-urgent);
 * - the MIME attachments (parts with Content-Disposition: attachment or a
 *   file name) are counted and their decoded size summed.
 * Errors: HERALD_ERROR_TOO_LARGE (over GW_MESSAGE_MAX_SIZE, header bounds,
 * more than GW_MESSAGE_MAX_RECIPIENTS), HERALD_ERROR_INVALID_MESSAGE.
 */
GwMessage *gw_message_read            (GBytes                     *raw,
                                       const GwMessageReadOptions *options,
                                       GError                    **error);
void       gw_message_free            (GwMessage                  *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GwMessage, gw_message_free)

/* Reads the whole of the regular file (or memfd) @fd from offset 0, at most
 * GW_MESSAGE_MAX_SIZE bytes (HERALD_ERROR_TOO_LARGE); the file offset is
 * not moved. HERALD_ERROR_INVALID_ARGUMENT for anything but a regular
 * file. */
GBytes    *gw_message_read_fd         (int                         fd,
                                       GError                    **error);

G_END_DECLS
