/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-header-block.h: a message's header block, each header formatted by
 * the GMime function a GMimeMessage formats it with, without the message */
#pragma once

#include "gw-gmime.h"

G_BEGIN_DECLS

/* Each function appends one header to @block ("Name: value", folded,
 * RFC 2047 where needed) with LF line ends, or nothing for an empty list. */

/* An unstructured header appended to a message (g_mime_object_append_header). */
void gw_header_block_append_text       (GString             *block,
                                        const char          *name,
                                        const char          *value,
                                        const char          *charset);
/* One of the headers g_mime_message_new (TRUE) lists first (Date,
 * Subject), set later (g_mime_object_set_header): the value trimmed. */
void gw_header_block_set_text          (GString             *block,
                                        const char          *name,
                                        const char          *value,
                                        const char          *charset);
/* From, Reply-To, To, Cc: @mailboxes, pairs of a display name (or NULL)
 * and an address with an ASCII domain, encoded and folded. */
void gw_header_block_append_mailboxes  (GString             *block,
                                        const char          *name,
                                        GPtrArray           *mailboxes);
/* "Message-Id: <@message_id>" (g_mime_message_set_message_id). */
void gw_header_block_append_message_id (GString             *block,
                                        const char          *message_id);

G_END_DECLS
