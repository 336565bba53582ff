/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-router.c: libFuzzer target for the routes document (SetRoutes,
 * routes.json): gw_router_set_json(), then routing a notification by it
 *
 * Input: the JSON text. Every profile named exists (a maildir one). Beyond
 * sanitizers: a document that is accepted routes a notification to at
 * least one profile and prints as JSON that is accepted again.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw-gmime.h"
#include "gw-notification.h"
#include "gw-router.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static GwRouter       *router;
static GwNotification *sample;

static const char *
probe (const char *profile,
       gpointer    user_data,
       GError    **error)
{
  return "maildir";
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autofree char *dir = g_dir_make_tmp ("herald-fuzz-router-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "routes.json", NULL);
  g_autoptr(GVariant) dict = g_variant_ref_sink (g_variant_new_parsed (
    "{'to': <['admin@example.org', 'ops@corp.example.com']>,"
    " 'category': <'device.error'>, 'urgency': <byte 2>, 'app-name': <'smartd'>,"
    " 'tags': <['disk', 'raid']>}"));

  /* As heraldd does before anything parses an address: a rule's address
   * with an encoded word ("=?") is decoded by GMime. */
  g_mime_init ();
  router = gw_router_new (path, probe, NULL);
  sample = gw_notification_new_from_variant (dict, NULL, NULL);
  if (sample == NULL)
    abort ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *json = NULL;
  g_autofree char *again = NULL;
  g_autoptr(GPtrArray) routes = NULL;

  if (size > 65536)
    return 0;
  /* D-Bus strings stop at a NUL, as here. */
  json = g_strndup ((const char *) data, size);
  if (!gw_router_set_json (router, json, NULL))
    return 0;
  routes = gw_router_route (router, sample, "local", NULL);
  if (routes != NULL && routes->len == 0)
    abort ();
  again = gw_router_dup_json (router);
  if (!gw_router_set_json (router, again, NULL))
    abort ();
  return 0;
}
