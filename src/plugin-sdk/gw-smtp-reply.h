/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-smtp-reply.h: one SMTP reply, read with bounded memory */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * GW_SMTP_REPLY_MAX_LINE:
 *
 * The longest reply line read, in bytes without CRLF.
 */
#define GW_SMTP_REPLY_MAX_LINE  2048

/**
 * GW_SMTP_REPLY_MAX_LINES:
 *
 * The most lines one reply may have.
 */
#define GW_SMTP_REPLY_MAX_LINES 100

/**
 * GwSmtpReply:
 * @code: the reply code, 200–599
 * @lines: the text after "NNN-" or "NNN " of each line, at least one
 * @enhanced_code: (nullable): "5.1.1" from the first line when the server
 *   offers ENHANCEDSTATUSCODES
 *
 * One reply of an SMTP server (a boxed type).
 */
typedef struct {
  guint  code;
  GStrv  lines;
  char  *enhanced_code;
} GwSmtpReply;

#define GW_TYPE_SMTP_REPLY (gw_smtp_reply_get_type ())
GType        gw_smtp_reply_get_type          (void) G_GNUC_CONST;

GwSmtpReply *gw_smtp_reply_new               (guint               code,
                                              const char * const *lines);
GwSmtpReply *gw_smtp_reply_copy              (const GwSmtpReply  *reply);
void         gw_smtp_reply_free              (GwSmtpReply        *reply);

void         gw_smtp_reply_parse_enhanced    (GwSmtpReply        *reply);

char        *gw_smtp_reply_to_string         (const GwSmtpReply  *reply);
char        *gw_smtp_reply_dup_text          (const GwSmtpReply  *reply);

gboolean     gw_smtp_reply_is_positive       (const GwSmtpReply  *reply);
gboolean     gw_smtp_reply_is_transient      (const GwSmtpReply  *reply);

char        *gw_smtp_reply_explain           (const GwSmtpReply  *reply,
                                              const char         *profile_name,
                                              gboolean            oauth);
char        *gw_smtp_reply_describe          (const GwSmtpReply  *reply,
                                              const char         *profile_name,
                                              gboolean            oauth);

GHashTable  *gw_smtp_reply_parse_capabilities (const GwSmtpReply *reply);

void         gw_smtp_reply_read_async        (GBufferedInputStream *stream,
                                              gboolean              enhanced,
                                              int                   io_priority,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
GwSmtpReply *gw_smtp_reply_read_finish       (GBufferedInputStream *stream,
                                              GAsyncResult         *result,
                                              GError              **error);
GwSmtpReply *gw_smtp_reply_read_buffered     (GBufferedInputStream *stream,
                                              gboolean              enhanced,
                                              GError              **error);

gboolean     gw_smtp_reply_has_pending_input (GBufferedInputStream *stream);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GwSmtpReply, gw_smtp_reply_free)

G_END_DECLS
