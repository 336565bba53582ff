/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* transport-test-util.h: the built transports in a unit test's process */
#pragma once

#include "gw-plugin-loader.h"

G_BEGIN_DECLS

/* Loads the transport modules in $HERALD_PLUGIN_DIR (the build tree's,
 * set by the test environment) once per process, so the profile schema
 * holds their settings as in heraldd. Returns the loader (transfer none). */
GwPluginLoader *herald_test_load_transports (void);

G_END_DECLS
