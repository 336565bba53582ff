/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-graph-answer.c: libFuzzer target for what the graph transport reads
 * of Microsoft Graph's answers (gw_graph_answer_parse_body(),
 * gw_graph_parse_retry_after(), gw_graph_answer_describe())
 *
 * Input: a Retry-After value, then a NUL, then an error body as a server
 * would send it. Beyond sanitizers: the Retry-After is 0 or within
 * 1..GW_GRAPH_MAX_RETRY_AFTER; Graph's error.code and error.message come
 * out as valid UTF-8 without control characters and bounded, so that what
 * a hostile endpoint sends cannot break a log line or a reply; the
 * description of the answer is valid UTF-8 too.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw-graph.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* What Graph's text may become in a delivery's reason. */
static void
check_text (const char *text)
{
  if (text == NULL)
    return;
  if (!g_utf8_validate (text, -1, NULL) || g_utf8_strlen (text, -1) > 300)
    abort ();
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const char *input = (const char *) data;
  const char *nul = memchr (input, '\0', size);
  g_autofree char *retry = g_strndup (input, nul != NULL ? (gsize) (nul - input) : size);
  const char *body = nul != NULL ? nul + 1 : "";
  gsize body_size = nul != NULL ? size - (gsize) (nul + 1 - input) : 0;
  g_autoptr(GDateTime) now = g_date_time_new_utc (2026, 12, 5, 12, 0, 0);
  g_autofree char *described = NULL;
  GwGraphAnswer answer = { 0 };
  guint seconds;

  seconds = gw_graph_parse_retry_after (retry, now);
  if (seconds > GW_GRAPH_MAX_RETRY_AFTER)
    abort ();
  answer.status = 400 + (size % 200);
  answer.reason_phrase = g_strdup ("Bad Request");
  gw_graph_answer_parse_body (&answer, body, body_size);
  check_text (answer.error_code);
  check_text (answer.error_message);
  described = gw_graph_answer_describe (&answer);
  if (described == NULL || !g_utf8_validate (described, -1, NULL))
    abort ();
  gw_graph_answer_clear (&answer);
  return 0;
}
