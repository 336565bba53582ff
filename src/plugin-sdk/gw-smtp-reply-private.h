/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-smtp-reply-private.h: replies parsed from bytes a caller buffers */
#pragma once

#include "gw-smtp-reply.h"

G_BEGIN_DECLS

/* The lines of a reply taken so far: a reply may span several reads. */
typedef struct {
  gboolean   enhanced;
  guint      code;
  GPtrArray *lines;
} GwSmtpReplyParser;

void         gw_smtp_reply_parser_init        (GwSmtpReplyParser   *parser,
                                               gboolean             enhanced);
void         gw_smtp_reply_parser_clear       (GwSmtpReplyParser   *parser);
/* Takes the complete lines at the start of @buf, up to a reply's last;
 * *@consumed says how many bytes they were. *@out is the reply once its
 * last line is in. FALSE with @error (G_IO_ERROR_INVALID_DATA) for the
 * limits and forms gw_smtp_reply_read_async() refuses. */
gboolean     gw_smtp_reply_parser_take        (GwSmtpReplyParser   *parser,
                                               const char          *buf,
                                               gsize                avail,
                                               gsize               *consumed,
                                               GwSmtpReply        **out,
                                               GError             **error);

G_END_DECLS
