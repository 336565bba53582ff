/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-json-depth.h: how deep a JSON text nests, and whether its escapes are JSON's */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Routes documents nest 5 deep; this leaves room and keeps the recursive
 * JSON parser's stack small. */
#define GW_ROUTER_MAX_JSON_DEPTH 16

/* What one pass over a JSON text finds before a parser sees it. */
typedef enum {
  GW_JSON_TEXT_OK,
  GW_JSON_TEXT_TOO_DEEP,     /* "[" and "{" nest deeper than asked */
  GW_JSON_TEXT_BAD_ESCAPE,   /* an escape JSON does not have ("\222", "\c"), or
                              * "\u0000": json-glib decodes the first kind
                              * anyway, an octal escape into a byte that is not
                              * UTF-8, and cuts a string at the second */
} GwJsonTextProblem;

GwJsonTextProblem gw_json_text_check (const char *text,
                                      gsize       length,
                                      guint       max_depth);

G_END_DECLS
