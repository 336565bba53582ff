/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-json-parse.c: JSON from a network client, parsed within bounds
 *
 * json-glib descends into arrays and objects recursively, so a body of a
 * million "[" would cost the daemon its stack. The nesting is counted in
 * one pass over the text first by gw_json_text_check() (the plugin SDK's
 * gw-json-text.c), the scan every JSON reader of Herald shares.
 */
#define G_LOG_DOMAIN "gw-json-parse"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-json-text.h"
#include "gw-json-parse.h"

JsonNode *
gw_json_parse_bounded (const char *data,
                       gsize       length,
                       guint       max_depth,
                       const char *what,
                       GError    **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  switch (gw_json_text_check (data, length, max_depth)) {
  case GW_JSON_TEXT_NOT_UTF8:
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                 _("%s is not UTF-8 text"), what);
    return NULL;
  case GW_JSON_TEXT_TOO_DEEP:
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                 _("%s nests deeper than %u levels"), what, max_depth);
    return NULL;
  case GW_JSON_TEXT_BAD_ESCAPE:
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                 _("%s is not valid JSON: a string holds an escape that JSON does not have, or \\u0000"),
                 what);
    return NULL;
  case GW_JSON_TEXT_OK:
  default:
    break;
  }
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) length, &local_error)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                 _("%s is not valid JSON: %s"), what, local_error->message);
    return NULL;
  }
  root = json_parser_get_root (parser);
  if (root == NULL) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                 _("%s is empty"), what);
    return NULL;
  }
  return json_node_ref (root);
}
