/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-json-text.h: a JSON text checked before a parser sees it (plugin SDK) */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * GW_JSON_TEXT_MAX_DEPTH:
 *
 * A nesting deep enough for the JSON a web API answers with (4 to 6
 * levels), and shallow enough for json-glib's recursive parser.
 */
#define GW_JSON_TEXT_MAX_DEPTH 32

/**
 * GwJsonTextProblem:
 * @GW_JSON_TEXT_OK: nothing found; the text may still be invalid JSON,
 *   which the parser then reports
 * @GW_JSON_TEXT_NOT_UTF8: a NUL byte, or bytes that are not UTF-8
 * @GW_JSON_TEXT_TOO_DEEP: "[" and "{" nest deeper than asked
 * @GW_JSON_TEXT_BAD_ESCAPE: an escape JSON does not have ("\222", "\c"),
 *   which json-glib decodes anyway (an octal escape into a byte that is not
 *   UTF-8), or "\u0000", at which it cuts a string
 *
 * What one pass over a JSON text finds before a parser sees it.
 */
typedef enum {
  GW_JSON_TEXT_OK,
  GW_JSON_TEXT_NOT_UTF8,
  GW_JSON_TEXT_TOO_DEEP,
  GW_JSON_TEXT_BAD_ESCAPE,
} GwJsonTextProblem;

GwJsonTextProblem gw_json_text_check (const char *text,
                                      gsize       length,
                                      guint       max_depth);

G_END_DECLS
