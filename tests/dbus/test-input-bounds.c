/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-input-bounds.c: bounds where a caller's input enters heraldd (issue 17,
 * item 7), over D-Bus against the built daemon: custom headers, attachments
 * counted over repeated keys, the nesting of routes JSON. Every refusal is a
 * typed error and leaves nothing queued. */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <gio/gunixfdlist.h>

#include "herald-error.h"
#include "herald-test-daemon.h"

static void
assert_herald_error (GError     *error,
                     HeraldError code,
                     const char *dbus_name)
{
  g_autofree char *remote = NULL;

  g_assert_nonnull (error);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, dbus_name);
  g_assert_error (error, HERALD_ERROR, (gint) code);
}

static guint
count_deliveries (HeraldTestDaemon *daemon)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = herald_test_call (daemon, "ListDeliveries",
                                                g_variant_new_parsed ("(@a{sv} {},)"), "(aa{sv})", &error);
  g_autoptr(GVariant) list = NULL;

  g_assert_no_error (error);
  list = g_variant_get_child_value (reply, 0);
  return (guint) g_variant_n_children (list);
}

/* An a{sv} with "to" and then each of @extra (key, value) in order: a key
 * may repeat, as a D-Bus peer may send it. */
static GVariant *
notification_with (const char *first_key,
                   ...)
{
  GVariantBuilder builder;
  const char *key;
  va_list args;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add_parsed (&builder, "{'to', <['admin@example.org']>}");
  g_variant_builder_add_parsed (&builder, "{'subject', <'bounds'>}");
  va_start (args, first_key);
  for (key = first_key; key != NULL; key = va_arg (args, const char *))
    g_variant_builder_add (&builder, "{sv}", key, va_arg (args, GVariant *));
  va_end (args);
  return g_variant_builder_end (&builder);
}

static GVariant *
headers (guint       count,
         const char *prefix,
         gsize       value_length)
{
  GVariantBuilder builder;
  g_autofree char *value = g_strnfill (value_length, 'v');

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ss}"));
  for (guint i = 0; i < count; i++) {
    g_autofree char *name = g_strdup_printf ("X-%s-%u", prefix, i);
    g_variant_builder_add (&builder, "{ss}", name, value);
  }
  return g_variant_builder_end (&builder);
}

static void
assert_refused (HeraldTestDaemon *daemon,
                GVariant         *notification,
                GUnixFDList      *fd_list,
                HeraldError       code,
                const char       *dbus_name)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (notification);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = herald_test_send (daemon, owned, fd_list, &error);

  g_assert_null (id);
  assert_herald_error (error, code, dbus_name);
}

/* The longest line of the single message in the default profile's Maildir. */
static gsize
longest_line_of_message (HeraldTestDaemon *daemon,
                         const char       *id)
{
  g_autofree char *maildir = g_build_filename (daemon->state_dir, "Maildir", NULL);
  g_autofree char *state = herald_test_wait_final (daemon, id, 30);
  g_autoptr(GPtrArray) files = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  gsize longest = 0;

  g_assert_cmpstr (state, ==, "sent");
  files = herald_test_maildir_files (maildir);
  g_assert_cmpuint (files->len, >=, 1);
  g_assert_true (g_file_get_contents (g_ptr_array_index (files, files->len - 1), &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    longest = MAX (longest, strlen (lines[i]));
  return longest;
}

static void
test_headers (void)
{
  g_autoptr(HeraldTestDaemon) daemon = herald_test_daemon_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autoptr(GVariant) longest = NULL;
  g_autoptr(GVariant) unicode = NULL;
  g_autoptr(GString) wide = g_string_new (NULL);

  /* Count: 101 in one key, and 60 + 60 in two keys. */
  assert_refused (daemon, notification_with ("headers", headers (101, "A", 4), NULL), NULL,
                  HERALD_ERROR_TOO_LARGE, "org.herald.Gateway1.Error.TooLarge");
  assert_refused (daemon, notification_with ("headers", headers (60, "A", 4),
                                             "headers", headers (60, "B", 4), NULL), NULL,
                  HERALD_ERROR_TOO_LARGE, "org.herald.Gateway1.Error.TooLarge");
  /* Length: "X-L-0: " + value over 998 octets. */
  assert_refused (daemon, notification_with ("headers", headers (1, "L", 998 - strlen ("X-L-0: ") + 1), NULL),
                  NULL, HERALD_ERROR_TOO_LARGE, "org.herald.Gateway1.Error.TooLarge");
  g_assert_cmpuint (count_deliveries (daemon), ==, 0);

  /* Exactly 998 octets with no blank to fold at: accepted, and GMime
   * writes it in encoded words of short lines. */
  longest = g_variant_ref_sink (notification_with ("headers", headers (1, "L", 998 - strlen ("X-L-0: ")), NULL));
  id = herald_test_send (daemon, longest, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (longest_line_of_message (daemon, id), <=, 998);
  g_clear_pointer (&id, g_free);

  /* Non-ASCII grows when encoded (RFC 2047): still no line over 998. */
  for (guint i = 0; i < 495; i++)
    g_string_append (wide, "é");
  unicode = g_variant_ref_sink (notification_with ("headers", g_variant_new_parsed ("{'X-Wide': %s}", wide->str),
                                                   NULL));
  id = herald_test_send (daemon, unicode, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (longest_line_of_message (daemon, id), <=, 998);
}

static void
test_attachments_over_repeated_keys (void)
{
  g_autoptr(HeraldTestDaemon) daemon = herald_test_daemon_new ();
  g_autofree char *path = g_build_filename (daemon->tmpdir, "a.txt", NULL);
  g_autoptr(GUnixFDList) fd_list = g_unix_fd_list_new ();
  g_autoptr(GError) error = NULL;
  GVariantBuilder sixty;
  g_autoptr(GVariant) batch = NULL;
  int fd;

  g_assert_true (g_file_set_contents (path, "x\n", -1, NULL));
  fd = open (path, O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (g_unix_fd_list_append (fd_list, fd, &error), ==, 0);
  close (fd);
  g_variant_builder_init (&sixty, G_VARIANT_TYPE ("a(ssh)"));
  for (guint i = 0; i < 60; i++) {
    g_autofree char *name = g_strdup_printf ("a%u.txt", i);
    g_variant_builder_add (&sixty, "(ssh)", name, "text/plain", 0);
  }
  batch = g_variant_ref_sink (g_variant_builder_end (&sixty));

  /* 60 + 60 in two keys: over the limit of 100, as 120 in one key would be. */
  assert_refused (daemon, notification_with ("attachments", g_variant_ref (batch),
                                             "attachments", g_variant_ref (batch), NULL), fd_list,
                  HERALD_ERROR_TOO_LARGE, "org.herald.Gateway1.Error.TooLarge");
  g_assert_cmpuint (count_deliveries (daemon), ==, 0);
  /* One batch is fine. */
  {
    g_autoptr(GVariant) n = g_variant_ref_sink (notification_with ("attachments", g_variant_ref (batch), NULL));
    g_autofree char *id = herald_test_send (daemon, n, fd_list, &error);
    g_autofree char *state = NULL;

    g_assert_no_error (error);
    state = herald_test_wait_final (daemon, id, 30);
    g_assert_cmpstr (state, ==, "sent");
  }
}

static char *
nested_routes (guint depth)
{
  g_autoptr(GString) json = g_string_new ("{\"version\": 1, \"rules\": [{\"name\": \"deep\", "
                                          "\"match\": {\"category\": \"x\"}, \"profiles\": [\"local\"], "
                                          "\"add-to\": [\"a@example.org\"], \"extra\": ");
  /* The root object, "rules" and the rule are 3 levels already. */
  for (guint i = 3; i < depth; i++)
    g_string_append_c (json, '[');
  for (guint i = 3; i < depth; i++)
    g_string_append_c (json, ']');
  g_string_append (json, "}]}");
  return g_string_free (g_steal_pointer (&json), FALSE);
}

static void
test_routes_nesting (void)
{
  g_autoptr(HeraldTestDaemon) daemon = herald_test_daemon_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *deep = nested_routes (17);
  g_autofree char *very_deep = nested_routes (100000);
  g_autofree char *shallow = nested_routes (16);

  reply = herald_test_call (daemon, "SetRoutes", g_variant_new ("(s)", deep), NULL, &error);
  assert_herald_error (error, HERALD_ERROR_INVALID_ARGUMENT, "org.herald.Gateway1.Error.InvalidArgument");
  g_assert_nonnull (strstr (error->message, "nests deeper than 16"));
  g_clear_error (&error);
  /* Far too deep for a recursive parser: refused as quickly. */
  reply = herald_test_call (daemon, "SetRoutes", g_variant_new ("(s)", very_deep), NULL, &error);
  g_assert_nonnull (error);
  g_clear_error (&error);
  /* 16 levels pass the depth check; "extra" is then the rule's own error. */
  reply = herald_test_call (daemon, "SetRoutes", g_variant_new ("(s)", shallow), NULL, &error);
  assert_herald_error (error, HERALD_ERROR_INVALID_ARGUMENT, "org.herald.Gateway1.Error.InvalidArgument");
  g_assert_null (strstr (error->message, "nests deeper"));
  g_clear_error (&error);
  /* The daemon is alive and kept its routes. */
  reply = herald_test_call (daemon, "GetRoutes", NULL, "(s)", &error);
  g_assert_no_error (error);
  g_assert_null (strstr (g_variant_get_data (reply), "deep"));
}

/* json-glib takes escapes JSON does not have: "\222" became the byte 0x92
 * in a profile name (found by fuzz-router), text that is not UTF-8 where
 * Herald takes UTF-8 for granted. Such a document is refused; JSON's own
 * escapes still pass. */
static void
test_routes_escapes (void)
{
  g_autoptr(HeraldTestDaemon) daemon = herald_test_daemon_new ();
  const char * const refused[] = {
    "{\"version\": 1, \"rules\": [{\"profiles\": [\"loc\\222al\"]}]}",
    "{\"version\": 1, \"rules\": [{\"name\": \"\\critical\", \"profiles\": [\"local\"]}]}",
    "{\"version\": 1, \"rules\": [{\"name\": \"a\\u0000b\", \"profiles\": [\"local\"]}]}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply = herald_test_call (daemon, "SetRoutes", g_variant_new ("(s)", refused[i]),
                                                  NULL, &error);

    g_test_message ("%s", refused[i]);
    assert_herald_error (error, HERALD_ERROR_INVALID_ARGUMENT, "org.herald.Gateway1.Error.InvalidArgument");
    g_assert_nonnull (strstr (error->message, "an escape that JSON does not have"));
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply = herald_test_call (
      daemon, "SetRoutes",
      g_variant_new ("(s)", "{\"version\": 1, \"rules\": [{\"name\": \"caf\\u00e9 \\\"\\\\\\/\", "
                            "\"profiles\": [\"local\"]}]}"),
      NULL, &error);

    g_assert_no_error (error);
    g_assert_nonnull (reply);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* Registers the D-Bus error names, so remote errors come back typed. */
  g_type_ensure (G_TYPE_OBJECT);
  (void) herald_error_quark ();

  g_test_add_func ("/input-bounds/headers", test_headers);
  g_test_add_func ("/input-bounds/attachments-over-repeated-keys", test_attachments_over_repeated_keys);
  g_test_add_func ("/input-bounds/routes-nesting", test_routes_nesting);
  g_test_add_func ("/input-bounds/routes-escapes", test_routes_escapes);
  return g_test_run ();
}
