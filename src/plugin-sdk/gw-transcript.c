/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-transcript.c: a bounded record of an SMTP (or POP3) conversation, secrets masked
 *
 * The transcript is shown to administrators (TestProfile) and may end up in
 * bug reports, so masking is decided here from the conversation itself
 * rather than left to every caller: the last server line tells whether the
 * next client line answers a SASL challenge.
 */
#define G_LOG_DOMAIN "gw-transcript"

#include "config.h"

#include <string.h>

#include "gw-transcript.h"

struct _GwTranscript {
  GObject    parent_instance;

  GPtrArray *lines;
  gsize      bytes;
  gboolean   truncated;
  gboolean   in_challenge; /* the last server line was a 334 or "+ " */
};

/**
 * GwTranscript:
 *
 * A bounded record of a conversation with a server, for
 * TestProfile, with every credential masked.
 */
G_DEFINE_TYPE (GwTranscript, gw_transcript, G_TYPE_OBJECT)

static void
gw_transcript_finalize (GObject *object)
{
  GwTranscript *self = GW_TRANSCRIPT (object);

  g_ptr_array_unref (self->lines);
  G_OBJECT_CLASS (gw_transcript_parent_class)->finalize (object);
}

static void
gw_transcript_class_init (GwTranscriptClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_transcript_finalize;
}

static void
gw_transcript_init (GwTranscript *self)
{
  self->lines = g_ptr_array_new_with_free_func (g_free);
}

/**
 * gw_transcript_new:
 * Makes an empty transcript, bounded to %GW_TRANSCRIPT_MAX_LINES lines and
 * %GW_TRANSCRIPT_MAX_BYTES bytes.
 *
 * Returns: (transfer full): a new transcript
 */
GwTranscript *
gw_transcript_new (void)
{
  return g_object_new (GW_TYPE_TRANSCRIPT, NULL);
}

static void
add_line (GwTranscript *self,
          char         *line)
{
  gsize len = strlen (line);

  if (self->truncated) {
    g_free (line);
    return;
  }
  /* Keep room for the truncation marker itself. */
  if (self->lines->len + 1 >= GW_TRANSCRIPT_MAX_LINES || self->bytes + len > GW_TRANSCRIPT_MAX_BYTES) {
    g_free (line);
    g_ptr_array_add (self->lines, g_strdup ("... truncated"));
    self->truncated = TRUE;
    return;
  }
  self->bytes += len;
  g_ptr_array_add (self->lines, line);
}

static gboolean
has_prefix_ci (const char *line,
               const char *prefix)
{
  return g_ascii_strncasecmp (line, prefix, strlen (prefix)) == 0;
}

/**
 * gw_transcript_add_client:
 * @self: a transcript
 * @line: a line the client sent, without its line end
 *
 * Records "C: @line". Credentials are masked here whatever the caller
 * does: "AUTH MECH initial-response" becomes "AUTH MECH ****", a line sent
 * after a 334 (or a POP3 "+" challenge) becomes "****", and "PASS secret"
 * becomes "PASS ****".
 */
void
gw_transcript_add_client (GwTranscript *self,
                          const char   *line)
{
  g_return_if_fail (GW_IS_TRANSCRIPT (self));
  g_return_if_fail (line != NULL);

  if (self->in_challenge) {
    /* Answers to a challenge are credentials, or derived from them. */
    add_line (self, g_strdup ("C: ****"));
    self->in_challenge = FALSE;
    return;
  }
  if (has_prefix_ci (line, "AUTH ")) {
    const char *mech = line + 5;
    gsize mech_len = strcspn (mech, " ");

    if (mech[mech_len] == ' ')
      add_line (self, g_strdup_printf ("C: AUTH %.*s ****", (int) mech_len, mech));
    else
      add_line (self, g_strdup_printf ("C: AUTH %.*s", (int) mech_len, mech));
    return;
  }
  if (has_prefix_ci (line, "PASS ") || has_prefix_ci (line, "APOP ")) {
    add_line (self, g_strdup_printf ("C: %.4s ****", line));
    return;
  }
  add_line (self, g_strdup_printf ("C: %s", line));
}

/**
 * gw_transcript_add_server:
 * @self: a transcript
 * @line: a full reply line such as "250-PIPELINING"
 *
 * Records "S: @line".
 */
void
gw_transcript_add_server (GwTranscript *self,
                          const char   *line)
{
  g_return_if_fail (GW_IS_TRANSCRIPT (self));
  g_return_if_fail (line != NULL);

  self->in_challenge = g_str_has_prefix (line, "334") || g_str_has_prefix (line, "+ ") ||
                       g_str_equal (line, "+");
  add_line (self, g_strdup_printf ("S: %s", line));
}

/**
 * gw_transcript_add_message:
 * @self: a transcript
 * @n_bytes: the message's size
 *
 * Records "C: <message, N bytes>" in place of the content.
 */
void
gw_transcript_add_message (GwTranscript *self,
                           gsize         n_bytes)
{
  g_return_if_fail (GW_IS_TRANSCRIPT (self));

  self->in_challenge = FALSE;
  add_line (self, g_strdup_printf ("C: <message, %" G_GSIZE_FORMAT " bytes>", n_bytes));
}

/**
 * gw_transcript_add_note:
 * @self: a transcript
 * @note: what happened besides the exchange ("TLS started: ...")
 *
 * Records "* @note".
 */
void
gw_transcript_add_note (GwTranscript *self,
                        const char   *note)
{
  g_return_if_fail (GW_IS_TRANSCRIPT (self));

  add_line (self, g_strdup_printf ("* %s", note));
}

/**
 * gw_transcript_dup_lines:
 * @self: a transcript
 *
 * Returns: (transfer full): the lines so far; never %NULL
 */
GStrv
gw_transcript_dup_lines (GwTranscript *self)
{
  GStrv out;

  g_return_val_if_fail (GW_IS_TRANSCRIPT (self), NULL);

  out = g_new0 (char *, self->lines->len + 1);
  for (guint i = 0; i < self->lines->len; i++)
    out[i] = g_strdup (self->lines->pdata[i]);
  return out;
}
