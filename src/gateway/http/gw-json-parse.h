/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-json-parse.h: JSON from a client (a request body, a routes document), parsed within bounds */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Deepest nesting of arrays and objects a request body may have; the
 * payloads Herald reads nest 4 deep. */
#define GW_JSON_MAX_DEPTH 32

/*
 * Parses @length bytes of @data as one JSON value. Refuses a document
 * nested deeper than @max_depth before json-glib (a recursive parser)
 * sees it, one that is not UTF-8 or holds a NUL byte, and one with an
 * escape JSON does not have (gw_json_text_check()).
 * HERALD_ERROR_INVALID_ARGUMENT naming @what ("the request body").
 */
JsonNode *gw_json_parse_bounded (const char *data,
                                 gsize       length,
                                 guint       max_depth,
                                 const char *what,
                                 GError    **error);

G_END_DECLS
