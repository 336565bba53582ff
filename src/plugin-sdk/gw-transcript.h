/* gw-transcript.h: a bounded record of an SMTP (or POP3) conversation, secrets masked */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define GW_TRANSCRIPT_MAX_LINES 500
#define GW_TRANSCRIPT_MAX_BYTES (64 * 1024)

#define GW_TYPE_TRANSCRIPT (gw_transcript_get_type ())
G_DECLARE_FINAL_TYPE (GwTranscript, gw_transcript, GW, TRANSCRIPT, GObject)

GwTranscript *gw_transcript_new             (void);

/*
 * Records "C: @line". Credentials are masked here, whatever the caller
 * does: "AUTH MECH initial-response" becomes "AUTH MECH ****", any line
 * sent after a 334 (or a "+" POP3 challenge) becomes "****", and
 * "PASS secret" becomes "PASS ****".
 */
void          gw_transcript_add_client      (GwTranscript *self,
                                             const char   *line);
/* Records "S: @line"; @line is a full reply line such as "250-PIPELINING". */
void          gw_transcript_add_server      (GwTranscript *self,
                                             const char   *line);
/* Records "C: <message, N bytes>" in place of the content. */
void          gw_transcript_add_message     (GwTranscript *self,
                                             gsize         n_bytes);
/* Records "* @note": what happened besides the exchange ("TLS started: ..."). */
void          gw_transcript_add_note        (GwTranscript *self,
                                             const char   *note);

/* (transfer full) the lines so far; never NULL */
GStrv         gw_transcript_dup_lines       (GwTranscript *self);

G_END_DECLS
