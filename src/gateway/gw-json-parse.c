/* gw-json-parse.c: JSON from a network client, parsed within bounds
 *
 * json-glib descends into arrays and objects recursively, so a body of a
 * million "[" would cost the daemon its stack. The nesting is counted in
 * one pass over the text first (brackets inside strings do not count).
 * When the input-bounds work of issue 17 lands, its gw_json_depth_within()
 * does the same and can take the place of depth_within() here.
 */
#define G_LOG_DOMAIN "gw-json-parse"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-json-parse.h"

static gboolean
depth_within (const char *data,
              gsize       length,
              guint       max_depth)
{
  guint depth = 0;
  gboolean quoted = FALSE;

  for (gsize i = 0; i < length; i++) {
    switch (data[i]) {
    case '\\':
      /* an escape inside a string: what follows cannot close it */
      if (quoted)
        i++;
      break;
    case '"':
      quoted = !quoted;
      break;
    case '[':
    case '{':
      if (!quoted && ++depth > max_depth)
        return FALSE;
      break;
    case ']':
    case '}':
      if (!quoted && depth > 0)
        depth--;
      break;
    default:
      break;
    }
  }
  return TRUE;
}

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

  if (memchr (data, '\0', length) != NULL || !g_utf8_validate (data, (gssize) length, NULL)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                 _("%s is not UTF-8 text"), what);
    return NULL;
  }
  if (!depth_within (data, length, max_depth)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                 _("%s nests deeper than %u levels"), what, max_depth);
    return NULL;
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
