/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-crash.c: nothing acknowledged is lost when heraldd is killed */
#include "config.h"

#include <glib/gstdio.h>

#include "herald-error.h"
#include "herald-test-daemon.h"

#define N_DEFERRED 40
#define N_RACING   300

static GVariant *
notification (const char *profile,
              guint       index)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  const char *to[] = { "ops@example.org", NULL };
  g_autofree char *subject = g_strdup_printf ("crash test %u", index);

  g_variant_dict_insert (&dict, "to", "^as", to);
  g_variant_dict_insert (&dict, "subject", "s", subject);
  g_variant_dict_insert (&dict, "body", "s", "body");
  if (profile != NULL)
    g_variant_dict_insert (&dict, "profile", "s", profile);
  return g_variant_ref_sink (g_variant_dict_end (&dict));
}

/* Distinct Message-IDs among the delivered files. */
static guint
count_unique_messages (const char *maildir,
                       guint      *n_files)
{
  g_autoptr(GPtrArray) files = herald_test_maildir_files (maildir);
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < files->len; i++) {
    g_autofree char *contents = NULL;
    g_auto(GStrv) lines = NULL;

    g_assert_true (g_file_get_contents (g_ptr_array_index (files, i), &contents, NULL, NULL));
    lines = g_strsplit (contents, "\n", -1);
    for (guint j = 0; lines[j] != NULL; j++) {
      if (g_ascii_strncasecmp (lines[j], "Message-Id:", 11) == 0) {
        g_hash_table_add (ids, g_strdup (lines[j] + 11));
        break;
      }
    }
  }
  *n_files = files->len;
  return g_hash_table_size (ids);
}

static void
wait_all_sent (HeraldTestDaemon *daemon,
               GPtrArray        *ids)
{
  for (guint i = 0; i < ids->len; i++) {
    g_autofree char *state = herald_test_wait_final (daemon, g_ptr_array_index (ids, i), 60);
    g_assert_cmpstr (state, ==, "sent");
  }
}

/* Deliveries that cannot be made yet are acknowledged, then the daemon
 * dies: after the restart every one of them is delivered. */
static void
test_kill_with_deferred_work (void)
{
  g_autoptr(HeraldTestDaemon) daemon = herald_test_daemon_new ();
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *parent = g_build_filename (daemon->tmpdir, "later", NULL);
  g_autofree char *maildir = g_build_filename (parent, "Maildir", NULL);
  guint n_files, n_unique;

  g_assert_true (g_file_set_contents (parent, "", 0, NULL));
  reply = herald_test_call (daemon, "AddProfile",
                            g_variant_new_parsed ("('blocked', {'transport': <'maildir'>, "
                                                  "'maildir-path': <%s>, 'retry-interval': <'1'>})",
                                                  maildir),
                            NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < N_DEFERRED; i++) {
    g_autoptr(GVariant) n = notification ("blocked", i);
    char *id = herald_test_send (daemon, n, NULL, &error);
    g_assert_no_error (error);
    g_ptr_array_add (ids, id);
  }
  herald_test_daemon_kill (daemon);

  /* Nothing was delivered before the kill. */
  g_assert_true (g_file_test (parent, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint (g_unlink (parent), ==, 0);
  herald_test_daemon_start (daemon);
  wait_all_sent (daemon, ids);
  n_unique = count_unique_messages (maildir, &n_files);
  g_assert_cmpuint (n_unique, ==, N_DEFERRED);
  g_assert_cmpuint (n_files, ==, N_DEFERRED);
}

/* The bus limits pending replies per connection; stay below it. */
#define SEND_WINDOW 50

typedef struct {
  GDBusConnection *connection;
  GPtrArray       *ids;
  guint            started;
  guint            pending;
} RaceState;

static void send_next (RaceState *state);

static void
send_cb (GObject      *source,
         GAsyncResult *res,
         gpointer      user_data)
{
  RaceState *state = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), res, &error);
  char *id;

  g_assert_no_error (error);
  g_variant_get (reply, "(s)", &id);
  g_ptr_array_add (state->ids, id);
  state->pending--;
  send_next (state);
}

static void
send_next (RaceState *state)
{
  while (state->started < N_RACING && state->pending < SEND_WINDOW) {
    g_autoptr(GVariant) n = notification (NULL, state->started);

    g_dbus_connection_call (state->connection, "org.herald.Gateway1", "/org/herald/Gateway1",
                            "org.herald.Gateway1", "Send", g_variant_new ("(@a{sv})", n),
                            G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, 60000, NULL,
                            send_cb, state);
    state->started++;
    state->pending++;
  }
}

/* Many concurrent Sends, then SIGKILL the moment the last one is
 * acknowledged, while the dispatcher is still busy. */
static void
test_kill_while_dispatching (void)
{
  g_autoptr(HeraldTestDaemon) daemon = herald_test_daemon_new ();
  g_autofree char *maildir = g_build_filename (daemon->state_dir, "Maildir", NULL);
  RaceState state = { daemon->connection, g_ptr_array_new_with_free_func (g_free), 0, 0 };
  guint n_files, n_unique;

  send_next (&state);
  while (state.pending > 0)
    g_main_context_iteration (NULL, TRUE);
  herald_test_daemon_kill (daemon);

  count_unique_messages (maildir, &n_files);
  g_test_message ("%u of %u delivered before the kill", n_files, N_RACING);

  herald_test_daemon_start (daemon);
  wait_all_sent (daemon, state.ids);
  n_unique = count_unique_messages (maildir, &n_files);
  /* At least once: every acknowledged notification arrived; a duplicate
   * is possible only for one that was in flight at the kill. */
  g_assert_cmpuint (n_unique, ==, N_RACING);
  g_assert_cmpuint (n_files, >=, N_RACING);
  g_test_message ("%u delivered twice", n_files - n_unique);
  /* Each of the (default 4) workers has at most four messages whose
   * results are not committed: the one it delivers and three before it
   * (MAX_PENDING_RECORDS in gw-dispatcher-worker.c), or four before it
   * while it waits for them. */
  g_assert_cmpuint (n_files - n_unique, <=, 4 * 4);
  g_ptr_array_unref (state.ids);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* Register the D-Bus error names before the first call. */
  herald_error_quark ();
  g_test_add_func ("/crash/kill-with-deferred-work", test_kill_with_deferred_work);
  g_test_add_func ("/crash/kill-while-dispatching", test_kill_while_dispatching);
  return g_test_run ();
}
