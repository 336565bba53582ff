/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-json-depth.h: how deep a JSON text nests, before a parser sees it */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Routes documents nest 5 deep; this leaves room and keeps the recursive
 * JSON parser's stack small. */
#define GW_ROUTER_MAX_JSON_DEPTH 16

gboolean gw_json_depth_within   (const char *text,
                                 gssize      length,
                                 guint       max_depth);
/* FALSE when a string of @text holds an escape JSON does not have ("\222",
 * "\c") or "\u0000". json-glib decodes the first kind anyway, an octal
 * escape into a byte that is not UTF-8, and cuts a string at the second. */
gboolean gw_json_escapes_valid  (const char *text,
                                 gssize      length);

G_END_DECLS
