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
  g_unlink (bad);
  g_rmdir (bad_dir);

  g_assert_cmpint (g_chmod (f->module, 0644), ==, 0);
  g_assert_true (gw_plugin_loader_load_directory (loader, f->tmpdir, &error));
  g_assert_no_error (error);
  g_assert_nonnull (gw_plugin_loader_lookup (loader, "maildir"));
  names = gw_plugin_loader_dup_names (loader);
  g_assert_cmpstrv (names, ((const char * const[]) { "maildir", NULL }));
}

/* Transports the loader must refuse, declared here. */
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
  g_test_expect_message ("gw-plugin-loader", G_LOG_LEVEL_WARNING, "*built for plugin ABI 1, this daemon has 2*");
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
  /* Last: its transports stay registered for the rest of the process. */
  g_test_add_func ("/plugin-loader/refused-transports", test_refused_transports);
  return g_test_run ();
}
