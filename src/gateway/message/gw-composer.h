/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-composer.h: turns a notification into the final MIME message (GMime) */
#pragma once

#include "gw-attachment-links.h"
#include "gw-envelope.h"
#include "gw-notification.h"
#include "gw-stored-profile.h"

G_BEGIN_DECLS

/*
 * Composes the message a profile sends for @notification: From from the
 * profile (a notification's "from" only with allow-from-override), To and Cc
 * headers, Bcc only in the envelope, Subject, Date, a new Message-ID, text or
 * multipart/alternative body, attachments. The result has CRLF line ends.
 * Errors: HERALD_ERROR_INVALID_ADDRESS, _INVALID_ARGUMENT, _TOO_LARGE,
 * _NOT_AUTHORIZED (from override refused).
 */
GwEnvelope *gw_composer_compose      (GwProfile      *profile,
                                      GwNotification *notification,
                                      GError        **error);

/* Attachments of this many bytes or more make a message that is written
 * to a file in the spool directory, not held in memory: the envelope
 * reads it from its GwMessageSource. */
#define GW_COMPOSER_FILE_MIN (192 * 1024)

/* The same; with a profile that has attachments-as-url, attachments go to
 * @links and the body carries their URLs instead
 * (HERALD_ERROR_NOT_SUPPORTED when @links is NULL: no HTTP server).
 * @spool_dir: where a large message is written (NULL: the temporary
 * directory); HERALD_ERROR_STORAGE when it cannot be. */
GwEnvelope *gw_composer_compose_full (GwProfile         *profile,
                                      GwNotification    *n,
                                      GwAttachmentLinks *links,
                                      const char        *spool_dir,
                                      GError           **error);

/* Plain text made from HTML: tags dropped, block ends as line breaks,
 * common entities decoded. */
char       *gw_composer_html_to_text (const char     *html);

G_END_DECLS
