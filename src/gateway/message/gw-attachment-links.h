/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-attachment-links.h: attachments kept in the spool and served as links */
#pragma once

#include "gw-http-server.h"

G_BEGIN_DECLS

#define GW_TYPE_ATTACHMENT_LINKS (gw_attachment_links_get_type ())
G_DECLARE_FINAL_TYPE (GwAttachmentLinks, gw_attachment_links, GW, ATTACHMENT_LINKS, GObject)

/*
 * Keeps attachments below @spool_dir and serves them on @server under
 * "/a/<token>/<file name>". Links stay valid for @days; expired files are
 * removed now, every hour, and when an expired link is asked for.
 */
GwAttachmentLinks *gw_attachment_links_new   (const char        *spool_dir,
                                              GwHttpServer      *server,
                                              guint              days,
                                              GError           **error);

/* When a link stored now expires (seconds since the epoch). */
gint64             gw_attachment_links_get_default_expiry (GwAttachmentLinks *self);

/*
 * Stores @data under a new unguessable token (32 random bytes) until
 * @expires_at (seconds since the epoch) and returns the full URL.
 * @content_type NULL serves application/octet-stream.
 * HERALD_ERROR_STORAGE when the spool cannot be written.
 */
char              *gw_attachment_links_store (GwAttachmentLinks *self,
                                              const char        *name,
                                              const char        *content_type,
                                              GBytes            *data,
                                              gint64             expires_at,
                                              GError           **error);

/* The same, with the attachment's @size bytes read from @data. */
char              *gw_attachment_links_store_stream (GwAttachmentLinks *self,
                                                     const char        *name,
                                                     const char        *content_type,
                                                     GInputStream      *data,
                                                     gsize              size,
                                                     gint64             expires_at,
                                                     GError           **error);

/* A batch: stores through it go to @self's spool, belong to @owner_uid
 * (counted in gw_attachment_links_get_usage()) and are listed, so that
 * gw_attachment_links_discard() can take them back when the notification
 * they were stored for is refused after all. */
GwAttachmentLinks *gw_attachment_links_new_batch (GwAttachmentLinks *self,
                                                  guint              owner_uid);
/* Removes what @batch stored. */
void               gw_attachment_links_discard   (GwAttachmentLinks *batch);
/* Bytes of unexpired attachments the spool holds for @uid. */
guint64            gw_attachment_links_get_usage (GwAttachmentLinks *self,
                                                  guint              uid);

/* Removes every attachment that expired at @now (seconds since the epoch)
 * or whose files are damaged; returns how many went. */
guint              gw_attachment_links_sweep (GwAttachmentLinks *self,
                                              gint64             now);

G_END_DECLS
