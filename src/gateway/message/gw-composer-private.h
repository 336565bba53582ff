/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-composer-private.h: the parts of composition shared by the files of
 * the composer (gw-composer.c, -text.c, -attachments.c) */
#pragma once

#include "gw-composer.h"
#include "gw-gmime.h"

G_BEGIN_DECLS

/* The headers of the text part that gw_composer_append_plain_text()
 * writes, as GMime writes them, and the blank line after them. */
#define GW_COMPOSER_PLAIN_TEXT_HEADERS "Content-Type: text/plain; charset=utf-8\r\n\r\n"

/* gw-composer-text.c */
void         gw_composer_body_texts        (GwProfile      *profile,
                                            GwNotification *n,
                                            const char     *links_text,
                                            const char     *links_html,
                                            char          **text,
                                            char          **html);
GMimeObject *gw_composer_make_body         (const char     *text,
                                            const char     *html,
                                            const char     *charset,
                                            GError        **error);
gboolean     gw_composer_append_plain_text (GByteArray     *out,
                                            const char     *text);

/* gw-composer-attachments.c */
gboolean     gw_composer_store_links       (GwAttachmentLinks *links,
                                            GwProfile         *profile,
                                            GwNotification    *n,
                                            char             **links_text,
                                            char             **links_html,
                                            GError           **error);
GMimeObject *gw_composer_make_attachment   (GwAttachment      *attachment);

G_END_DECLS
