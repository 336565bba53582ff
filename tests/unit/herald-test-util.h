/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-test-util.h: what the unit tests share */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Makes a new directory in the temporary directory, named after @tmpl
 * ("herald-NAME-XXXXXX"); fails the test if it cannot. */
char *herald_test_make_tmpdir (const char *tmpl);

/* Removes @path and everything below it, without following symbolic links. */
void  herald_test_rm_rf       (const char *path);

/* Fails the test unless the permission bits of @path are @mode. */
void  herald_test_assert_mode (const char *path,
                               guint       mode);

G_END_DECLS
