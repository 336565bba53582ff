/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-json-depth.h: how deep a JSON text nests, before a parser sees it */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Routes documents nest 5 deep; this leaves room and keeps the recursive
 * JSON parser's stack small. */
#define GW_ROUTER_MAX_JSON_DEPTH 16

gboolean gw_json_depth_within (const char *text,
                               gssize      length,
                               guint       max_depth);

G_END_DECLS
