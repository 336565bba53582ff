/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* transport-test-util.c: the built transports in a unit test's process */
#include "config.h"

#include "transport-test-util.h"

GwPluginLoader *
herald_test_load_transports (void)
{
  static GwPluginLoader *loader;

  if (loader == NULL) {
    const char *dirs = g_getenv ("HERALD_PLUGIN_DIR");
    g_auto(GStrv) split = NULL;

    g_assert_nonnull (dirs);
    loader = gw_plugin_loader_new ();
    split = g_strsplit (dirs, G_SEARCHPATH_SEPARATOR_S, -1);
    for (guint i = 0; split[i] != NULL; i++) {
      g_autoptr(GError) error = NULL;

      if (*split[i] != '\0' && !gw_plugin_loader_load_directory (loader, split[i], &error))
        g_error ("Cannot load the transports in %s: %s", split[i], error->message);
    }
  }
  return loader;
}
