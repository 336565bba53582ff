/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-message-private.h: shared by gw-message-reader.c and gw-message-mime.c */
#pragma once

#include "gw-message-reader.h"

G_BEGIN_DECLS

/* More MIME parts than this are refused: GMime's parser recurses once per
 * nesting level, so the count bounds the depth too. */
#define GW_MESSAGE_MAX_PARTS 1000

/* Appends @len bytes of @data to @out with every LF that does not follow a
 * CR written as CRLF (a bare CR is kept). */
void     gw_message_append_crlf (GByteArray  *out,
                                 const char  *data,
                                 gsize        len);

/* Whether @data has a line over 998 octets (its CRLF or LF not counted), a
 * NUL or a bare CR; sets @has_8bit when any byte is 8-bit. */
gboolean gw_message_needs_fix   (const guint8 *data,
                                 gsize         len,
                                 gboolean     *has_8bit);

/*
 * Parses @message (CRLF) with GMime: counts the MIME attachments and their
 * decoded size; with @fix, re-encodes each leaf part whose content needs it
 * (gw_message_needs_fix()) and replaces @message with the result, which
 * must then need no fix anywhere (else HERALD_ERROR_INVALID_MESSAGE: the
 * long line is outside any part's content). HERALD_ERROR_TOO_LARGE for
 * more than GW_MESSAGE_MAX_PARTS parts.
 */
gboolean gw_message_mime_walk   (GBytes      **message,
                                 gboolean      fix,
                                 GwMessage    *result,
                                 GError      **error);

G_END_DECLS
