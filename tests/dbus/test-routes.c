/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-routes.c: routing rules, CheckRoute, fan-out, Retry and the attempt
 * log, over D-Bus against the built heraldd on a private bus */
#include "config.h"

#include <sys/stat.h>

#include <glib/gstdio.h>

#include "herald-error.h"
#include "herald-test-daemon.h"

/* JSON written with single quotes, for readability. */
static char *
json (const char *text)
{
  return g_strdelimit (g_strdup (text), "'", '"');
}

static const char routes_text[] =
  "{'version': 1, 'rules': ["
  " {'name': 'critical-to-ops', 'match': {'category': 'device.*', 'min-urgency': 'critical'},"
  "  'profiles': ['ops-a'], 'add-to': ['admin@example.org']},"
  " {'name': 'backup', 'match': {'app-name': 'backup'}, 'profiles': ['faxer', 'ops-b']},"
  " {'name': 'tagged', 'match': {'tags-all': ['db', 'prod']}, 'profiles': ['ops-b']},"
  " {'name': 'any-tag', 'match': {'tags-any': ['web', 'mail']}, 'profiles': ['ops-a']},"
  " {'name': 'partner', 'match': {'recipient-domain': 'partner.example'}, 'profiles': ['ops-b']},"
  " {'name': 'both', 'match': {'category': 'fanout'}, 'profiles': ['ops-a', 'ops-b'], 'fan-out': true}"
  "]}";

static void
assert_herald_error (GError     *error,
                     HeraldError code)
{
  g_autofree char *remote = NULL;

  g_assert_nonnull (error);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, herald_error_to_dbus_name (code));
  g_assert_error (error, HERALD_ERROR, (gint) code);
}

static void
add_profile (HeraldTestDaemon *daemon,
             const char       *name,
             GVariant         *settings)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = herald_test_call (daemon, "AddProfile",
                                                g_variant_new ("(s@a{sv})", name, settings),
                                                NULL, &error);
  g_assert_no_error (error);
}

static char *
maildir_of (HeraldTestDaemon *daemon,
            const char       *name)
{
  return g_build_filename (daemon->tmpdir, name, NULL);
}

/* ops-a and ops-b deliver to Maildirs of those names; faxer's transport is
 * not installed. */
static HeraldTestDaemon *
daemon_with_profiles (void)
{
  HeraldTestDaemon *daemon = herald_test_daemon_new ();
  const char *names[] = { "ops-a", "ops-b" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    g_autofree char *maildir = maildir_of (daemon, names[i]);
    g_autofree char *from = g_strdup_printf ("%s@herald.example", names[i]);

    add_profile (daemon, names[i],
                 g_variant_new_parsed ("{'transport': <'maildir'>, 'maildir-path': <%s>, "
                                       "'from-address': <%s>}", maildir, from));
  }
  /* A profile file whose plugin went away (AddProfile refuses one). */
  herald_test_write_profile (daemon, "faxer", "[profile]\ntransport=pager\npager-number=5550100\n");
  herald_test_daemon_stop (daemon);
  herald_test_daemon_start (daemon);
  return daemon;
}

static void
set_routes (HeraldTestDaemon *daemon,
            const char       *text,
            GError          **error)
{
  g_autofree char *document = json (text);
  g_autoptr(GVariant) reply = herald_test_call (daemon, "SetRoutes",
                                                g_variant_new ("(s)", document), NULL, error);
}

static char *
get_routes (HeraldTestDaemon *daemon)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = herald_test_call (daemon, "GetRoutes", NULL, "(s)", &error);
  char *routes = NULL;

  g_assert_no_error (error);
  g_variant_get (reply, "(s)", &routes);
  return routes;
}

/* CheckRoute as "PROFILE@RULE=RECIPIENTS|..." with "(-SKIPPED)" and added
 * recipients marked "+". */
static char *
check_route (HeraldTestDaemon *daemon,
             const char       *notification,
             GError          **error)
{
  g_autoptr(GVariant) n = g_variant_parse (G_VARIANT_TYPE ("a{sv}"), notification, NULL, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) jobs = NULL;
  GString *out = g_string_new (NULL);
  GVariantIter iter;
  GVariant *job;

  g_assert_nonnull (n);
  reply = herald_test_call (daemon, "CheckRoute", g_variant_new ("(@a{sv})", n), "(aa{sv})", error);
  if (reply == NULL)
    return g_string_free (out, TRUE);
  jobs = g_variant_get_child_value (reply, 0);
  g_variant_iter_init (&iter, jobs);
  while ((job = g_variant_iter_next_value (&iter)) != NULL) {
    g_autoptr(GVariant) owned = job;
    g_autofree const char **recipients = NULL;
    g_autofree const char **added = NULL;
    g_autofree const char **skipped = NULL;
    const char *profile, *rule;

    g_assert_true (g_variant_lookup (job, "profile", "&s", &profile));
    g_assert_true (g_variant_lookup (job, "rule", "&s", &rule));
    g_assert_true (g_variant_lookup (job, "recipients", "^a&s", &recipients));
    g_assert_true (g_variant_lookup (job, "added", "^a&s", &added));
    g_assert_true (g_variant_lookup (job, "skipped", "^a&s", &skipped));
    g_assert_true (g_variant_lookup (job, "transport", "&s", NULL));
    if (out->len > 0)
      g_string_append_c (out, '|');
    g_string_append_printf (out, "%s@%s", profile, rule);
    for (guint i = 0; skipped[i] != NULL; i++)
      g_string_append_printf (out, "(-%s)", skipped[i]);
    g_string_append_c (out, '=');
    for (guint i = 0; recipients[i] != NULL; i++)
      g_string_append_printf (out, "%s%s%s", i > 0 ? "," : "", recipients[i],
                              g_strv_contains (added, recipients[i]) ? "+" : "");
  }
  return g_string_free (out, FALSE);
}

static void
test_set_routes (void)
{
  g_autoptr(HeraldTestDaemon) daemon = daemon_with_profiles ();
  g_autofree char *path = g_build_filename (daemon->config_home, "herald", "routes.json", NULL);
  g_autofree char *empty = get_routes (daemon);
  g_autofree char *stored = NULL;
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;
  GStatBuf st;
  const struct { const char *document; HeraldError code; const char *message; } bad[] = {
    { "{'version': 1, 'rules': [{'name': 'ok', 'profiles': ['ops-a']},"
      " {'name': 'critical', 'match': {'min-urgency': 'urgent'}, 'profiles': ['ops-a']}]}",
      HERALD_ERROR_INVALID_ARGUMENT,
      "rule 2 (“critical”): “min-urgency” must be low, normal, critical or 0–2" },
    { "{'version': 1, 'rules': [{'profiles': ['ops-a'], 'colour': 'red'}]}",
      HERALD_ERROR_INVALID_ARGUMENT, "rule 1: unknown field “colour”" },
    { "{'version': 1, 'rules': [{'name': 'r', 'match': {'subject': 'x'}, 'profiles': ['ops-a']}]}",
      HERALD_ERROR_INVALID_ARGUMENT, "rule 1 (“r”): unknown match field “subject”" },
    { "{'version': 1, 'rules': [{'name': 'ghostly', 'profiles': ['ops-a', 'ghost']}]}",
      HERALD_ERROR_NO_SUCH_PROFILE, "rule 1 (“ghostly”): “profiles” names “ghost”, which is not a profile" },
    { "{'version': 1, 'rules': [{'add-to': ['not an address']}]}",
      HERALD_ERROR_INVALID_ARGUMENT, "rule 1: “add-to” holds “not an address”" },
    { "{'version': 1, 'rules': [", HERALD_ERROR_INVALID_ARGUMENT, "The routes document is not valid JSON" },
    { "{'version': 3}", HERALD_ERROR_INVALID_ARGUMENT, "“version” must be 1" },
  };

  /* no rules at first, and no file */
  g_assert_nonnull (strstr (empty, "\"rules\" : ["));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  set_routes (daemon, routes_text, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  stored = get_routes (daemon);
  g_assert_nonnull (strstr (stored, "critical-to-ops"));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autofree char *now = NULL;

    g_test_message ("bad document %u: %s", i, bad[i].document);
    set_routes (daemon, bad[i].document, &error);
    assert_herald_error (error, bad[i].code);
    g_test_message ("→ %s", error->message);
    g_assert_nonnull (strstr (error->message, bad[i].message));
    g_clear_error (&error);
    /* the old rules stay */
    now = get_routes (daemon);
    g_assert_cmpstr (now, ==, stored);
  }

  /* a profile named by a rule cannot be removed */
  {
    g_autoptr(GVariant) reply = herald_test_call (daemon, "RemoveProfile",
                                                  g_variant_new ("(s)", "ops-b"), NULL, &error);
    assert_herald_error (error, HERALD_ERROR_INVALID_STATE);
    g_assert_nonnull (strstr (error->message, "rule 2 (“backup”)"));
    g_clear_error (&error);
  }

  /* GetRoutes survives a restart, and its output is a valid document */
  herald_test_daemon_stop (daemon);
  herald_test_daemon_start (daemon);
  after = get_routes (daemon);
  g_assert_cmpstr (after, ==, stored);
  {
    g_autoptr(GVariant) reply = herald_test_call (daemon, "SetRoutes", g_variant_new ("(s)", after),
                                                  NULL, &error);
    g_assert_no_error (error);
  }
}

static void
test_check_route (void)
{
  g_autoptr(HeraldTestDaemon) daemon = daemon_with_profiles ();
  g_autoptr(GError) error = NULL;
  const struct { const char *notification; const char *expected; } cases[] = {
    { "{'to': <['a@example.com']>, 'category': <'device.disk'>, 'urgency': <byte 2>}",
      "ops-a@critical-to-ops=a@example.com,admin@example.org+" },
    { "{'to': <['a@example.com']>, 'category': <'device.disk'>, 'urgency': <byte 1>}",
      "local@default=a@example.com" },
    { "{'to': <['a@example.com']>, 'app-name': <'backup'>}",
      "ops-b@backup(-faxer)=a@example.com" },
    { "{'to': <['a@example.com']>, 'tags': <['prod', 'db']>}", "ops-b@tagged=a@example.com" },
    { "{'to': <['a@example.com']>, 'tags': <['prod']>}", "local@default=a@example.com" },
    { "{'to': <['a@example.com']>, 'tags': <['mail']>}", "ops-a@any-tag=a@example.com" },
    { "{'to': <['a@example.com']>, 'cc': <['P <p@Partner.Example>']>}",
      "ops-b@partner=a@example.com,P <p@Partner.Example>" },
    { "{'to': <['a@example.com']>, 'category': <'fanout'>}",
      "ops-a@both=a@example.com|ops-b@both=a@example.com" },
    /* an explicit profile bypasses the rules */
    { "{'to': <['a@example.com']>, 'category': <'device.disk'>, 'urgency': <byte 2>, 'profile': <'ops-b'>}",
      "ops-b@explicit=a@example.com" },
    /* attachments are ignored, no descriptors needed */
    { "{'to': <['a@example.com']>, 'attachments': <[('x.txt', '', @h 0)]>}", "local@default=a@example.com" },
  };
  g_autofree char *none = NULL;

  none = check_route (daemon, "{'to': <['a@example.com']>, 'category': <'fanout'>}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (none, ==, "local@default=a@example.com");

  set_routes (daemon, routes_text, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *got = NULL;

    g_test_message ("case %u: %s", i, cases[i].notification);
    got = check_route (daemon, cases[i].notification, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (got, ==, cases[i].expected);
  }

  /* the errors of Send */
  g_free (check_route (daemon, "{'subject': <'nobody'>}", &error));
  assert_herald_error (error, HERALD_ERROR_NO_RECIPIENTS);
  g_clear_error (&error);
  g_free (check_route (daemon, "{'fax': <['+1 555 0100']>}", &error));
  assert_herald_error (error, HERALD_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_free (check_route (daemon, "{'to': <['a@example.com']>, 'profile': <'faxer'>}", &error));
  assert_herald_error (error, HERALD_ERROR_TRANSPORT_UNAVAILABLE);
  g_clear_error (&error);
  g_free (check_route (daemon, "{'to': <['not an address']>, 'category': <'fanout'>}", &error));
  assert_herald_error (error, HERALD_ERROR_INVALID_ADDRESS);
  g_clear_error (&error);

  /* nothing was queued */
  {
    g_autoptr(GVariant) reply = herald_test_call (daemon, "ListDeliveries",
                                                  g_variant_new_parsed ("(@a{sv} {},)"), "(aa{sv})", &error);
    g_autoptr(GVariant) list = g_variant_get_child_value (reply, 0);
    g_assert_cmpuint (g_variant_n_children (list), ==, 0);
  }
}

static GVariant *
get_delivery (HeraldTestDaemon *daemon,
              const char       *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = herald_test_call (daemon, "GetDelivery", g_variant_new ("(s)", id),
                                                "(a{sv})", &error);

  g_assert_no_error (error);
  return g_variant_get_child_value (reply, 0);
}

static char *
file_contents (const char *path)
{
  char *contents = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  return contents;
}

static void
test_send_fan_out (void)
{
  g_autoptr(HeraldTestDaemon) daemon = daemon_with_profiles ();
  g_autofree char *maildir_a = maildir_of (daemon, "ops-a");
  g_autofree char *maildir_b = maildir_of (daemon, "ops-b");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) files_a = NULL;
  g_autoptr(GPtrArray) files_b = NULL;
  g_autoptr(GVariant) delivery = NULL;
  g_autoptr(GVariant) log = NULL;
  g_autofree const char **profiles = NULL;
  g_autofree char *id = NULL;
  g_autofree char *state = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  set_routes (daemon, routes_text, &error);
  g_assert_no_error (error);
  id = herald_test_send (daemon, g_variant_new_parsed ("{'to': <['someone@example.com']>, "
                                                       "'subject': <'Fanned out'>, 'category': <'fanout'>}"),
                         NULL, &error);
  g_assert_no_error (error);
  state = herald_test_wait_final (daemon, id, 20);
  g_assert_cmpstr (state, ==, "sent");

  /* one message in each Maildir, each composed by its own profile */
  files_a = herald_test_maildir_files (maildir_a);
  files_b = herald_test_maildir_files (maildir_b);
  g_assert_cmpuint (files_a->len, ==, 1);
  g_assert_cmpuint (files_b->len, ==, 1);
  a = file_contents (g_ptr_array_index (files_a, 0));
  b = file_contents (g_ptr_array_index (files_b, 0));
  g_assert_nonnull (strstr (a, "Subject: Fanned out"));
  g_assert_nonnull (strstr (b, "Subject: Fanned out"));
  g_assert_nonnull (strstr (a, "ops-a@herald.example"));
  g_assert_nonnull (strstr (b, "ops-b@herald.example"));

  delivery = get_delivery (daemon, id);
  g_assert_true (g_variant_lookup (delivery, "profiles", "^a&s", &profiles));
  g_assert_cmpuint (g_strv_length ((char **) profiles), ==, 2);
  g_assert_true (g_strv_contains (profiles, "ops-a"));
  g_assert_true (g_strv_contains (profiles, "ops-b"));

  /* the attempt log: one attempt per job */
  log = g_variant_lookup_value (delivery, "log", G_VARIANT_TYPE ("aa{sv}"));
  g_assert_nonnull (log);
  g_assert_cmpuint (g_variant_n_children (log), ==, 2);
  for (guint i = 0; i < 2; i++) {
    g_autoptr(GVariant) attempt = g_variant_get_child_value (log, i);
    g_autofree const char **recipients = NULL;
    const char *result, *profile;
    gint64 started;

    g_assert_true (g_variant_lookup (attempt, "result", "&s", &result));
    g_assert_cmpstr (result, ==, "sent");
    g_assert_true (g_variant_lookup (attempt, "profile", "&s", &profile));
    g_assert_true (g_strv_contains (profiles, profile));
    g_assert_true (g_variant_lookup (attempt, "started", "x", &started));
    g_assert_cmpint (started, >, 0);
    g_assert_true (g_variant_lookup (attempt, "recipients", "^a&s", &recipients));
    g_assert_true (g_strv_contains (recipients, "someone@example.com"));
  }

  /* ListDeliveries brings the log only when asked */
  {
    g_autoptr(GVariant) reply = herald_test_call (daemon, "ListDeliveries",
                                                  g_variant_new_parsed ("({'log': <true>},)"),
                                                  "(aa{sv})", &error);
    g_autoptr(GVariant) list = NULL;
    g_autoptr(GVariant) first = NULL;
    g_autoptr(GVariant) listed_log = NULL;

    g_assert_no_error (error);
    list = g_variant_get_child_value (reply, 0);
    first = g_variant_get_child_value (list, 0);
    listed_log = g_variant_lookup_value (first, "log", G_VARIANT_TYPE ("aa{sv}"));
    g_assert_nonnull (listed_log);
    g_assert_cmpuint (g_variant_n_children (listed_log), ==, 2);
  }
  {
    g_autoptr(GVariant) reply = herald_test_call (daemon, "ListDeliveries",
                                                  g_variant_new_parsed ("(@a{sv} {},)"), "(aa{sv})", &error);
    g_autoptr(GVariant) list = g_variant_get_child_value (reply, 0);
    g_autoptr(GVariant) first = g_variant_get_child_value (list, 0);

    g_assert_no_error (error);
    g_assert_false (g_variant_lookup (first, "log", "aa{sv}", NULL));
  }
  {
    g_autoptr(GVariant) reply = herald_test_call (daemon, "ListDeliveries",
                                                  g_variant_new_parsed ("({'log': <'yes'>},)"),
                                                  "(aa{sv})", &error);
    assert_herald_error (error, HERALD_ERROR_INVALID_ARGUMENT);
  }
}

static char *
state_of (HeraldTestDaemon *daemon,
          const char       *id)
{
  g_autoptr(GVariant) delivery = get_delivery (daemon, id);
  char *state = NULL;

  g_assert_true (g_variant_lookup (delivery, "state", "s", &state));
  return state;
}

static void
test_retry (void)
{
  g_autoptr(HeraldTestDaemon) daemon = herald_test_daemon_new ();
  g_autofree char *blocker = g_build_filename (daemon->tmpdir, "not-a-dir", NULL);
  g_autofree char *maildir = g_build_filename (blocker, "Maildir", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) delivery = NULL;
  g_autoptr(GVariant) log = NULL;
  g_autoptr(GVariant) last = NULL;
  g_autofree char *id = NULL;
  g_autofree char *state = NULL;
  const char *result;
  gint64 start;

  /* a Maildir below a regular file cannot be created: the delivery defers,
   * with its next attempt an hour away */
  g_assert_true (g_file_set_contents (blocker, "", 0, NULL));
  add_profile (daemon, "blocked",
               g_variant_new_parsed ("{'transport': <'maildir'>, 'maildir-path': <%s>, "
                                     "'retry-interval': <'3600'>}", maildir));
  id = herald_test_send (daemon, g_variant_new_parsed ("{'to': <['a@example.org']>, "
                                                       "'profile': <'blocked'>}"), NULL, &error);
  g_assert_no_error (error);
  for (gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;;) {
    g_clear_pointer (&state, g_free);
    state = state_of (daemon, id);
    if (g_str_equal (state, "deferred"))
      break;
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_usleep (20 * 1000);
  }

  /* once the blocker is gone, Retry delivers at once */
  g_assert_cmpint (g_unlink (blocker), ==, 0);
  start = g_get_monotonic_time ();
  reply = herald_test_call (daemon, "Retry", g_variant_new ("(s)", id), NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&state, g_free);
  state = herald_test_wait_final (daemon, id, 10);
  g_assert_cmpstr (state, ==, "sent");
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);

  delivery = get_delivery (daemon, id);
  log = g_variant_lookup_value (delivery, "log", G_VARIANT_TYPE ("aa{sv}"));
  g_assert_cmpuint (g_variant_n_children (log), ==, 2);
  last = g_variant_get_child_value (log, 0);
  g_assert_true (g_variant_lookup (last, "result", "&s", &result));
  g_assert_cmpstr (result, ==, "deferred");
  g_clear_pointer (&last, g_variant_unref);
  last = g_variant_get_child_value (log, 1);
  g_assert_true (g_variant_lookup (last, "result", "&s", &result));
  g_assert_cmpstr (result, ==, "sent");

  /* a sent delivery cannot be retried; an unknown one does not exist */
  g_clear_pointer (&reply, g_variant_unref);
  reply = herald_test_call (daemon, "Retry", g_variant_new ("(s)", id), NULL, &error);
  assert_herald_error (error, HERALD_ERROR_INVALID_STATE);
  g_clear_error (&error);
  reply = herald_test_call (daemon, "Retry", g_variant_new ("(s)", "no-such-id"), NULL, &error);
  assert_herald_error (error, HERALD_ERROR_NO_SUCH_DELIVERY);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  herald_error_quark ();
  g_test_add_func ("/routes/set-routes", test_set_routes);
  g_test_add_func ("/routes/check-route", test_check_route);
  g_test_add_func ("/routes/send-fan-out", test_send_fan_out);
  g_test_add_func ("/routes/retry", test_retry);
  return g_test_run ();
}
