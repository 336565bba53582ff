/* gw-smtp-reply.h: one SMTP reply, read with bounded memory */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Limits on what a server may send as one reply. */
#define GW_SMTP_REPLY_MAX_LINE  2048 /* bytes of one line, without CRLF */
#define GW_SMTP_REPLY_MAX_LINES 100  /* lines of one reply */

typedef struct {
  guint  code;          /* 200–599 */
  GStrv  lines;         /* text after "NNN-" / "NNN " of each line, at least one */
  char  *enhanced_code; /* "5.1.1" from the first line when the server offers
                         * ENHANCEDSTATUSCODES, else NULL */
} GwSmtpReply;

#define GW_TYPE_SMTP_REPLY (gw_smtp_reply_get_type ())
GType        gw_smtp_reply_get_type          (void) G_GNUC_CONST;

GwSmtpReply *gw_smtp_reply_new               (guint               code,
                                              const char * const *lines);
GwSmtpReply *gw_smtp_reply_copy              (const GwSmtpReply  *reply);
void         gw_smtp_reply_free              (GwSmtpReply        *reply);

/* Sets enhanced_code from the first line if it starts with one whose
 * class matches the reply code. */
void         gw_smtp_reply_parse_enhanced    (GwSmtpReply        *reply);

/* "550 5.1.1 <x@example.org>: user unknown", lines joined by spaces. */
char        *gw_smtp_reply_to_string         (const GwSmtpReply  *reply);
/* The text without the code: lines joined by spaces. */
char        *gw_smtp_reply_dup_text          (const GwSmtpReply  *reply);

gboolean     gw_smtp_reply_is_positive       (const GwSmtpReply  *reply); /* 2xx, 3xx */
gboolean     gw_smtp_reply_is_transient      (const GwSmtpReply  *reply); /* 4xx */

/*
 * EHLO capabilities: upper-case keyword → parameters (the rest of the line,
 * "" when none), from every line after the first.
 */
GHashTable  *gw_smtp_reply_parse_capabilities (const GwSmtpReply *reply);

/*
 * Reads one reply from @stream (whose buffer must be larger than
 * GW_SMTP_REPLY_MAX_LINE + 2). A line longer than the limit, more lines than
 * the limit, a line that is not three digits and " " or "-", lines with
 * different codes, or the end of the stream are errors
 * (G_IO_ERROR_INVALID_DATA, G_IO_ERROR_CONNECTION_CLOSED); the stream is
 * then unusable. Memory stays bounded by the buffer size.
 * With @enhanced, the enhanced status code is parsed from the first line.
 */
void         gw_smtp_reply_read_async        (GBufferedInputStream *stream,
                                              gboolean              enhanced,
                                              int                   io_priority,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
GwSmtpReply *gw_smtp_reply_read_finish       (GBufferedInputStream *stream,
                                              GAsyncResult         *result,
                                              GError              **error);

/* Whether bytes the server sent are buffered and not yet read. */
gboolean     gw_smtp_reply_has_pending_input (GBufferedInputStream *stream);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GwSmtpReply, gw_smtp_reply_free)

G_END_DECLS
