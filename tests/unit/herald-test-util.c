/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-test-util.c: temporary directories and file checks for the unit tests */
#define G_LOG_DOMAIN "herald-test-util"

#include "config.h"

#include <sys/stat.h>

#include <glib/gstdio.h>

#include "herald-test-util.h"

char *
herald_test_make_tmpdir (const char *tmpl)
{
  g_autoptr(GError) error = NULL;
  char *path = g_dir_make_tmp (tmpl, &error);

  g_assert_no_error (error);
  return path;
}

void
herald_test_rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
    g_autofree char *child = g_build_filename (path, name, NULL);
    if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
      herald_test_rm_rf (child);
    else
      g_unlink (child);
  }
  g_rmdir (path);
}

void
herald_test_assert_mode (const char *path,
                         guint       mode)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 07777, ==, mode);
}
