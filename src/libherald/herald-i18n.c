/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-i18n.c: message catalogue of libherald */
#define G_LOG_DOMAIN "herald-i18n"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-private.h"

void
herald_i18n_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized)) {
    /* HERALD_LOCALEDIR: the build tree's catalogues, for tests */
    const char *localedir = g_getenv ("HERALD_LOCALEDIR");

    bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
    bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
    g_once_init_leave (&initialized, 1);
  }
}
