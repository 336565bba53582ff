/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-plugin-loader.c: only safely owned, non-writable modules are loaded */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "herald-error.h"
#include "gw-plugin-loader.h"
#include "herald-test-util.h"

typedef struct {
  char *tmpdir;
  char *module;   /* a copy of the built maildir plugin */
} Fixture;

static void
fixture_set_up (Fixture      *f,
                gconstpointer data)
{
  const char *plugin_dir = g_getenv ("HERALD_MAILDIR_PLUGIN");
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_nonnull (plugin_dir);
  f->tmpdir = herald_test_make_tmpdir ("herald-plugins-XXXXXX");
  f->module = g_build_filename (f->tmpdir, "libherald-maildir.so", NULL);
  g_assert_true (g_file_get_contents (plugin_dir, &contents, &length, &error));
  g_assert_true (g_file_set_contents_full (f->module, contents, (gssize) length,
                                           G_FILE_SET_CONTENTS_NONE, 0644, &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture      *f,
                   gconstpointer data)
{
  herald_test_rm_rf (f->tmpdir);
  g_free (f->module);
  g_free (f->tmpdir);
}

static void
test_check_modes (Fixture      *f,
                  gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (gw_plugin_loader_check_file (f->module, &error));
  g_assert_no_error (error);

  g_assert_cmpint (g_chmod (f->module, 0664), ==, 0);
  g_assert_false (gw_plugin_loader_check_file (f->module, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED);
  g_assert_nonnull (strstr (error->message, "writable"));
  g_clear_error (&error);

  g_assert_cmpint (g_chmod (f->module, 0646), ==, 0);
  g_assert_false (gw_plugin_loader_check_file (f->module, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED);
  g_clear_error (&error);
}

static void
test_check_symlink_and_owner (Fixture      *f,
                              gconstpointer data)
{
  g_autofree char *link = g_build_filename (f->tmpdir, "link.so", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (symlink (f->module, link), ==, 0);
  g_assert_false (gw_plugin_loader_check_file (link, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED);
  g_assert_nonnull (strstr (error->message, "symbolic link"));
  g_clear_error (&error);

  if (geteuid () != 0) {
    g_test_skip ("changing a file's owner needs root");
    return;
  }
  g_assert_cmpint (chown (f->module, 65534, 65534), ==, 0);
  g_assert_false (gw_plugin_loader_check_file (f->module, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED);
  g_assert_nonnull (strstr (error->message, "owned by uid 65534"));
}

/* A refused module is skipped with a warning; a good one provides its
 * transport. Types cannot be registered twice, so both happen in one run. */
static void
test_load_directory (Fixture      *f,
                     gconstpointer data)
{
  g_autofree char *bad_dir = g_build_filename (f->tmpdir, "bad", NULL);
  g_autofree char *bad = g_build_filename (bad_dir, "libherald-maildir.so", NULL);
  g_autoptr(GwPluginLoader) refusing = gw_plugin_loader_new ();
  g_autoptr(GwPluginLoader) loader = gw_plugin_loader_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;

  g_assert_cmpint (g_mkdir (bad_dir, 0700), ==, 0);
  g_assert_cmpint (link (f->module, bad), ==, 0);
  g_assert_cmpint (g_chmod (bad, 0666), ==, 0);
  g_test_expect_message ("gw-plugin-loader", G_LOG_LEVEL_WARNING, "Refusing plugin*writable*");
  g_assert_true (gw_plugin_loader_load_directory (refusing, bad_dir, &error));
  g_test_assert_expected_messages ();
  g_assert_null (gw_plugin_loader_lookup (refusing, "maildir"));
  /* Refused before any of its code ran: its type was never registered. */
  g_assert_cmpuint (g_type_from_name ("GwMaildirTransport"), ==, 0);
  g_unlink (bad);
  g_rmdir (bad_dir);

  g_assert_cmpint (g_chmod (f->module, 0644), ==, 0);
  g_assert_true (gw_plugin_loader_load_directory (loader, f->tmpdir, &error));
  g_assert_no_error (error);
  g_assert_nonnull (gw_plugin_loader_lookup (loader, "maildir"));
  names = gw_plugin_loader_dup_names (loader);
  g_assert_cmpstrv (names, ((const char * const[]) { "maildir", NULL }));
}

static void
copy_file (const char *from,
           const char *to)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_nonnull (from);
  g_assert_true (g_file_get_contents (from, &contents, &length, &error));
  g_assert_true (g_file_set_contents_full (to, contents, (gssize) length,
                                           G_FILE_SET_CONTENTS_NONE, 0644, &error));
  g_assert_no_error (error);
}

/* The path is swapped for another module (by rename and by symlink) after
 * the check: what loads is the file that was checked. */
static void
test_swap_after_check (Fixture      *f,
                       gconstpointer data)
{
  g_autofree char *dir = g_build_filename (f->tmpdir, "swap", NULL);
  g_autofree char *empty = g_build_filename (f->tmpdir, "empty", NULL);
  g_autofree char *path = g_build_filename (dir, "libherald-transport.so", NULL);
  g_autofree char *other = g_build_filename (f->tmpdir, "other.so", NULL);
  g_autoptr(GwPluginLoader) loader = gw_plugin_loader_new ();
  g_autoptr(GError) error = NULL;
  int dir_fd, fd;

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (empty, 0755), ==, 0);
  copy_file (g_getenv ("HERALD_FAX_PLUGIN"), path);
  copy_file (g_getenv ("HERALD_SMTP_PLUGIN"), other);

  dir_fd = gw_plugin_loader_open_directory (dir, &error);
  g_assert_no_error (error);
  fd = gw_plugin_loader_open_module (dir_fd, "libherald-transport.so", path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fd, >=, 0);
  close (dir_fd);

  /* Swapped: first renamed over, then a symlink to the other module. */
  g_assert_cmpint (g_rename (other, path), ==, 0);
  g_assert_cmpint (g_unlink (path), ==, 0);
  copy_file (g_getenv ("HERALD_SMTP_PLUGIN"), other);
  g_assert_cmpint (symlink (other, path), ==, 0);

  g_assert_true (gw_plugin_loader_load_fd (fd, path, &error));
  g_assert_no_error (error);
  /* Instantiate what was loaded (the empty directory adds nothing). */
  g_assert_true (gw_plugin_loader_load_directory (loader, empty, &error));
  g_assert_no_error (error);
  g_assert_nonnull (gw_plugin_loader_lookup (loader, "fax"));
  g_assert_null (gw_plugin_loader_lookup (loader, "smtp"));
  g_assert_cmpuint (g_type_from_name ("GwSmtpPlugin"), ==, 0);

  /* And the symlink itself is refused when the directory is read. */
  g_test_expect_message ("gw-plugin-loader", G_LOG_LEVEL_WARNING, "Refusing plugin*symbolic link*");
  g_assert_true (gw_plugin_loader_load_directory (loader, dir, &error));
  g_test_assert_expected_messages ();
  g_assert_null (gw_plugin_loader_lookup (loader, "smtp"));
}

/* A directory others could write to is refused whole: a module in it
 * could be replaced between two starts. */
static void
test_bad_directory (Fixture      *f,
                    gconstpointer data)
{
  g_autoptr(GwPluginLoader) loader = gw_plugin_loader_new ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_chmod (f->tmpdir, 0775), ==, 0);
  g_assert_false (gw_plugin_loader_load_directory (loader, f->tmpdir, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED);
  g_assert_nonnull (strstr (error->message, "Plugin directory"));
  g_assert_nonnull (strstr (error->message, "writable"));
  g_clear_error (&error);

  g_assert_cmpint (g_chmod (f->tmpdir, 01777), ==, 0);
  g_assert_false (gw_plugin_loader_load_directory (loader, f->tmpdir, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED);
  g_clear_error (&error);
  g_assert_cmpint (g_chmod (f->tmpdir, 0755), ==, 0);

  if (geteuid () != 0) {
    g_test_skip ("changing a directory's owner needs root");
    return;
  }
  g_assert_cmpint (chown (f->tmpdir, 65534, 65534), ==, 0);
  g_assert_false (gw_plugin_loader_load_directory (loader, f->tmpdir, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED);
  g_assert_nonnull (strstr (error->message, "owned by uid 65534"));
  g_assert_cmpint (chown (f->tmpdir, 0, 0), ==, 0);
  g_assert_null (gw_plugin_loader_lookup (loader, "maildir"));
}

/* Something that is not a regular file never blocks or loads. */
static void
test_fifo_refused (Fixture      *f,
                   gconstpointer data)
{
  g_autofree char *fifo = g_build_filename (f->tmpdir, "fifo.so", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (mkfifo (fifo, 0644), ==, 0);
  g_assert_false (gw_plugin_loader_check_file (fifo, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED);
}

static void
touch (const char *directory,
       const char *name)
{
  g_autofree char *path = g_build_filename (directory, name, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, "", 0, &error));
  g_assert_no_error (error);
}

static char *
make_subdir (const char *parent,
             const char *name,
             int         mode)
{
  char *path = g_build_filename (parent, name, NULL);

  g_assert_cmpint (g_mkdir (path, 0700), ==, 0);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
  return path;
}

/* HERALD_PLUGIN_DIR=build/plugins: the modules of the directory, then
 * those of each subdirectory one level down; never through a symlinked or
 * group-writable subdirectory, never deeper. */
static void
test_list_modules (Fixture      *f,
                   gconstpointer data)
{
  g_autofree char *a = make_subdir (f->tmpdir, "a", 0755);
  g_autofree char *b = make_subdir (f->tmpdir, "b", 0700);
  g_autofree char *deeper = make_subdir (a, "deeper", 0755);
  g_autofree char *open = make_subdir (f->tmpdir, "open", 0777);
  g_autofree char *linked = g_build_filename (f->tmpdir, "linked", NULL);
  g_autofree char *missing = g_build_filename (f->tmpdir, "missing", NULL);
  g_autoptr(GPtrArray) paths = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *a1 = g_build_filename (a, "libherald-a1.so", NULL);
  g_autofree char *a2 = g_build_filename (a, "libherald-a2.so", NULL);
  g_autofree char *b1 = g_build_filename (b, "libherald-b.so", NULL);

  touch (b, "libherald-b.so");
  touch (b, "README");
  touch (a, "libherald-a2.so");
  touch (a, "libherald-a1.so");
  touch (deeper, "libherald-deep.so");
  touch (open, "libherald-open.so");
  g_assert_cmpint (symlink (a, linked), ==, 0);

  g_test_expect_message ("gw-plugin-loader", G_LOG_LEVEL_WARNING,
                         "Not looking for plugins in */open: writable*");
  paths = gw_plugin_loader_list_modules (f->tmpdir, &error);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_ptr_array_add (paths, NULL);

  g_assert_cmpstrv ((const char * const *) paths->pdata,
                    ((const char * const[]) { f->module, a1, a2, b1, NULL }));

  g_assert_null (gw_plugin_loader_list_modules (missing, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

/* Transports the loader must refuse, declared here. */
/* Type macros, not calls, kept as written */
/* clang-format off */
typedef struct { GwTransport parent_instance; } TestTransport;
typedef struct { GwTransportClass parent_class; } TestTransportClass;

#define DEFINE_TEST_TRANSPORT(TypeName, type_name, transport_name, abi, declare)        \
  typedef TestTransport TypeName;                                                      \
  typedef TestTransportClass TypeName##Class;                                          \
  static GType type_name##_get_type (void);                                            \
  G_DEFINE_TYPE (TypeName, type_name, GW_TYPE_TRANSPORT)                               \
  static void type_name##_class_init (TypeName##Class *klass)                          \
  {                                                                                    \
    GwTransportClass *transport_class = GW_TRANSPORT_CLASS (klass);                    \
    transport_class->abi_version = (abi);                                              \
    transport_class->name = (transport_name);                                          \
    declare;                                                                           \
  }                                                                                    \
  static void type_name##_init (TypeName *self) {}

DEFINE_TEST_TRANSPORT (TestOldAbi, test_old_abi, "old-abi", 1, (void) 0)
DEFINE_TEST_TRANSPORT (TestFirst, test_first, "first", GW_TRANSPORT_ABI_VERSION,
  gw_transport_class_install_setting (transport_class,
    gw_setting_spec_new ("pager-level", GW_SETTING_STRING, 0, NULL, "Level")))
DEFINE_TEST_TRANSPORT (TestClash, test_clash, "clash", GW_TRANSPORT_ABI_VERSION,
  gw_transport_class_install_setting (transport_class,
    gw_setting_spec_new_uint ("pager-level", 0, 9, NULL, 0, "Level as a number")))
DEFINE_TEST_TRANSPORT (TestCoreKey, test_core_key, "core-key", GW_TRANSPORT_ABI_VERSION,
  gw_transport_class_install_setting (transport_class,
    gw_setting_spec_new_uint ("retry-interval", 1, 9, "1", 0, "Mine")))
/* clang-format on */

/* Another ABI, a key declared unlike another transport, a key every
 * profile has: each transport is refused with a warning, and the others
 * load. */
static void
test_refused_transports (void)
{
  g_autoptr(GwPluginLoader) loader = gw_plugin_loader_new ();
  g_autofree char *empty = herald_test_make_tmpdir ("herald-plugins-XXXXXX");
  g_autoptr(GError) error = NULL;

  g_io_extension_point_implement (GW_TRANSPORT_EXTENSION_POINT, test_first_get_type (), "first", 40);
  g_io_extension_point_implement (GW_TRANSPORT_EXTENSION_POINT, test_old_abi_get_type (), "old-abi", 30);
  g_io_extension_point_implement (GW_TRANSPORT_EXTENSION_POINT, test_clash_get_type (), "clash", 20);
  g_io_extension_point_implement (GW_TRANSPORT_EXTENSION_POINT, test_core_key_get_type (), "core-key", 10);
  /* Instantiated in the order of their priorities, before the maildir
   * module of the other tests (priority 0). */
  g_test_expect_message ("gw-plugin-loader", G_LOG_LEVEL_INFO, "Transport first available");
  g_test_expect_message ("gw-plugin-loader", G_LOG_LEVEL_WARNING, "*built for plugin ABI 1, this daemon has " G_STRINGIFY (GW_TRANSPORT_ABI_VERSION) "*");
  g_test_expect_message ("gw-plugin-loader", G_LOG_LEVEL_WARNING,
                         "Refusing transport clash: *“pager-level” unlike another transport*");
  g_test_expect_message ("gw-plugin-loader", G_LOG_LEVEL_WARNING,
                         "Refusing transport core-key: *“retry-interval”, a key every profile has*");
  g_assert_true (gw_plugin_loader_load_directory (loader, empty, &error));
  g_assert_no_error (error);
  g_test_assert_expected_messages ();
  g_assert_nonnull (gw_plugin_loader_lookup (loader, "first"));
  g_assert_null (gw_plugin_loader_lookup (loader, "old-abi"));
  g_assert_null (gw_plugin_loader_lookup (loader, "clash"));
  g_assert_null (gw_plugin_loader_lookup (loader, "core-key"));
  herald_test_rm_rf (empty);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/plugin-loader/check-modes", Fixture, NULL, fixture_set_up, test_check_modes, fixture_tear_down);
  g_test_add ("/plugin-loader/check-symlink-and-owner", Fixture, NULL, fixture_set_up,
              test_check_symlink_and_owner, fixture_tear_down);
  g_test_add ("/plugin-loader/load-directory", Fixture, NULL, fixture_set_up, test_load_directory,
              fixture_tear_down);
  /* After load-directory, which expects maildir as the only transport. */
  g_test_add ("/plugin-loader/swap-after-check", Fixture, NULL, fixture_set_up, test_swap_after_check,
              fixture_tear_down);
  g_test_add ("/plugin-loader/bad-directory", Fixture, NULL, fixture_set_up, test_bad_directory,
              fixture_tear_down);
  g_test_add ("/plugin-loader/fifo-refused", Fixture, NULL, fixture_set_up, test_fifo_refused,
              fixture_tear_down);
  g_test_add ("/plugin-loader/list-modules", Fixture, NULL, fixture_set_up, test_list_modules,
              fixture_tear_down);
  /* Last: its transports stay registered for the rest of the process. */
  g_test_add_func ("/plugin-loader/refused-transports", test_refused_transports);
  return g_test_run ();
}
