/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-transcript.h: a bounded record of an SMTP (or POP3) conversation, secrets masked */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * GW_TRANSCRIPT_MAX_LINES:
 *
 * The most lines a transcript keeps; later lines are dropped.
 */
#define GW_TRANSCRIPT_MAX_LINES 500

/**
 * GW_TRANSCRIPT_MAX_BYTES:
 *
 * The most bytes a transcript keeps.
 */
#define GW_TRANSCRIPT_MAX_BYTES (64 * 1024)

#define GW_TYPE_TRANSCRIPT (gw_transcript_get_type ())
G_DECLARE_FINAL_TYPE (GwTranscript, gw_transcript, GW, TRANSCRIPT, GObject)

GwTranscript *gw_transcript_new             (void);

void          gw_transcript_add_client      (GwTranscript *self,
                                             const char   *line);
void          gw_transcript_add_server      (GwTranscript *self,
                                             const char   *line);
void          gw_transcript_add_message     (GwTranscript *self,
                                             gsize         n_bytes);
void          gw_transcript_add_note        (GwTranscript *self,
                                             const char   *note);

GStrv         gw_transcript_dup_lines       (GwTranscript *self);

G_END_DECLS
