/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-gateway.c: the D-Bus API of the built heraldd on a private bus */
#include "config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gunixfdlist.h>
#include <glib/gstdio.h>

#include "herald-error.h"
#include "herald-test-daemon.h"

static guint
count_profiles (HeraldTestDaemon *daemon)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = herald_test_call (daemon, "ListProfiles", NULL, "(aa{sv})", &error);
  g_autoptr(GVariant) list = NULL;

  g_assert_no_error (error);
  list = g_variant_get_child_value (reply, 0);
  return (guint) g_variant_n_children (list);
}

static GVariant *
get_profile (HeraldTestDaemon *daemon,
             const char       *name,
             GError          **error)
{
  g_autoptr(GVariant) reply = herald_test_call (daemon, "GetProfile", g_variant_new ("(s)", name),
                                                "(a{sv})", error);
  GVariant *dict = NULL;

  if (reply != NULL)
    g_variant_get (reply, "(@a{sv})", &dict);
  return dict;
}

/* Asserts that @error carries @code and its registered D-Bus name. */
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
  g_assert_cmpstr (herald_error_to_dbus_name (code), ==, dbus_name);
}

static void
test_properties (void)
{
  g_autoptr(HeraldTestDaemon) daemon = herald_test_daemon_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) version = NULL;
  g_autoptr(GVariant) transports = NULL;
  g_autofree const char **names = NULL;

  version = g_dbus_connection_call_sync (daemon->connection, "org.herald.Gateway1", "/org/herald/Gateway1",
                                         "org.freedesktop.DBus.Properties", "Get",
                                         g_variant_new ("(ss)", "org.herald.Gateway1", "Version"),
                                         G_VARIANT_TYPE ("(v)"), 0, -1, NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr(GVariant) inner = NULL;
    g_variant_get (version, "(v)", &inner);
    g_assert_cmpstr (g_variant_get_string (inner, NULL), ==, PACKAGE_VERSION);
  }
  transports = g_dbus_connection_call_sync (daemon->connection, "org.herald.Gateway1", "/org/herald/Gateway1",
                                            "org.freedesktop.DBus.Properties", "Get",
                                            g_variant_new ("(ss)", "org.herald.Gateway1", "Transports"),
                                            G_VARIANT_TYPE ("(v)"), 0, -1, NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr(GVariant) inner = NULL;
    g_variant_get (transports, "(v)", &inner);
    names = g_variant_get_strv (inner, NULL);
    g_assert_true (g_strv_contains (names, "maildir"));
  }
}

static void
test_default_profile (void)
{
  g_autoptr(HeraldTestDaemon) daemon = herald_test_daemon_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = herald_test_call (daemon, "ListProfiles", NULL, "(aa{sv})", &error);
  g_autoptr(GVariant) profiles = NULL;
  g_autoptr(GVariant) local = NULL;
  g_autofree char *expected = g_build_filename (daemon->state_dir, "Maildir", NULL);
  g_autofree char *file = g_build_filename (daemon->state_dir, "profiles", "local.conf", NULL);
  const char *value;
  gboolean is_default;
  GStatBuf st;

  g_assert_no_error (error);
  g_variant_get (reply, "(@aa{sv})", &profiles);
  g_assert_cmpuint (g_variant_n_children (profiles), ==, 1);
  local = g_variant_get_child_value (profiles, 0);
  g_assert_true (g_variant_lookup (local, "name", "&s", &value));
  g_assert_cmpstr (value, ==, "local");
  g_assert_true (g_variant_lookup (local, "transport", "&s", &value));
  g_assert_cmpstr (value, ==, "maildir");
  g_assert_true (g_variant_lookup (local, "maildir-path", "&s", &value));
  g_assert_cmpstr (value, ==, expected);
  g_assert_true (g_variant_lookup (local, "default", "b", &is_default));
  g_assert_true (is_default);
  g_assert_cmpint (g_stat (file, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

static void
test_profile_crud (void)
{
  g_autoptr(HeraldTestDaemon) daemon = herald_test_daemon_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) profile = NULL;
  guint64 port;
  const char *value;

  reply = herald_test_call (daemon, "AddProfile",
                            g_variant_new ("(s@a{sv})", "relay",
                                           herald_test_settings ("transport", "smtp", "host", "mail.example.org",
                                                        "port", "2525", "from-address", "gw@example.org", NULL)),
                            NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);

  profile = get_profile (daemon, "relay", &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (profile, "host", "&s", &value));
  g_assert_cmpstr (value, ==, "mail.example.org");
  g_assert_true (g_variant_lookup (profile, "port", "t", &port));
  g_assert_cmpuint (port, ==, 2525);
  g_assert_true (g_variant_lookup (profile, "security", "&s", &value));
  g_assert_cmpstr (value, ==, "starttls");
  g_clear_pointer (&profile, g_variant_unref);

  /* Adding it again is refused. */
  reply = herald_test_call (daemon, "AddProfile",
                            g_variant_new ("(s@a{sv})", "relay", herald_test_settings ("transport", "smtp", NULL)),
                            NULL, &error);
  assert_herald_error (error, HERALD_ERROR_PROFILE_EXISTS, "org.herald.Gateway1.Error.ProfileExists");
  g_clear_error (&error);

  /* A bad value names the key and changes nothing. */
  reply = herald_test_call (daemon, "UpdateProfile",
                            g_variant_new ("(s@a{sv})", "relay",
                                           herald_test_settings ("port", "70000", "host", "other.example.org", NULL)),
                            NULL, &error);
  assert_herald_error (error, HERALD_ERROR_INVALID_SETTING, "org.herald.Gateway1.Error.InvalidSetting");
  g_assert_nonnull (strstr (error->message, "port"));
  g_clear_error (&error);
  reply = herald_test_call (daemon, "UpdateProfile",
                            g_variant_new ("(s@a{sv})", "relay", herald_test_settings ("security", "sometimes", NULL)),
                            NULL, &error);
  assert_herald_error (error, HERALD_ERROR_INVALID_SETTING, "org.herald.Gateway1.Error.InvalidSetting");
  g_assert_nonnull (strstr (error->message, "security"));
  g_assert_nonnull (strstr (error->message, "starttls-if-available"));
  g_clear_error (&error);
  reply = herald_test_call (daemon, "UpdateProfile",
                            g_variant_new ("(s@a{sv})", "relay", herald_test_settings ("hots", "x", NULL)),
                            NULL, &error);
  assert_herald_error (error, HERALD_ERROR_INVALID_SETTING, "org.herald.Gateway1.Error.InvalidSetting");
  g_assert_nonnull (strstr (error->message, "hots"));
  g_clear_error (&error);
  profile = get_profile (daemon, "relay", &error);
  g_assert_true (g_variant_lookup (profile, "host", "&s", &value));
  g_assert_cmpstr (value, ==, "mail.example.org");
  g_clear_pointer (&profile, g_variant_unref);

  /* A good update applies. */
  reply = herald_test_call (daemon, "UpdateProfile",
                            g_variant_new ("(s@a{sv})", "relay",
                                           herald_test_settings ("security", "starttls-if-available",
                                                        "connect-timeout", "5m", NULL)),
                            NULL, &error);
  g_assert_no_error (error);
  profile = get_profile (daemon, "relay", &error);
  g_assert_true (g_variant_lookup (profile, "security", "&s", &value));
  g_assert_cmpstr (value, ==, "starttls-if-available");
  g_assert_true (g_variant_lookup (profile, "connect-timeout", "t", &port));
  g_assert_cmpuint (port, ==, 300);
  g_clear_pointer (&profile, g_variant_unref);

  /* Bad names and missing profiles. */
  reply = herald_test_call (daemon, "GetProfile", g_variant_new ("(s)", "../etc"), NULL, &error);
  assert_herald_error (error, HERALD_ERROR_INVALID_ARGUMENT, "org.herald.Gateway1.Error.InvalidArgument");
  g_clear_error (&error);
  reply = herald_test_call (daemon, "GetProfile", g_variant_new ("(s)", "nope"), NULL, &error);
  assert_herald_error (error, HERALD_ERROR_NO_SUCH_PROFILE, "org.herald.Gateway1.Error.NoSuchProfile");
  g_clear_error (&error);

  /* The default profile stays. */
  reply = herald_test_call (daemon, "RemoveProfile", g_variant_new ("(s)", "local"), NULL, &error);
  assert_herald_error (error, HERALD_ERROR_INVALID_STATE, "org.herald.Gateway1.Error.InvalidState");
  g_clear_error (&error);

  reply = herald_test_call (daemon, "RemoveProfile", g_variant_new ("(s)", "relay"), NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  reply = herald_test_call (daemon, "RemoveProfile", g_variant_new ("(s)", "relay"), NULL, &error);
  assert_herald_error (error, HERALD_ERROR_NO_SUCH_PROFILE, "org.herald.Gateway1.Error.NoSuchProfile");
  g_clear_error (&error);

  /* Profiles survive a restart. */
  reply = herald_test_call (daemon, "AddProfile",
                            g_variant_new ("(s@a{sv})", "kept",
                                           herald_test_settings ("transport", "smtps", "host", "smtp.example.net", NULL)),
                            NULL, &error);
  g_assert_no_error (error);
  herald_test_daemon_stop (daemon);
  herald_test_daemon_start (daemon);
  profile = get_profile (daemon, "kept", &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (profile, "port", "t", &port));
  g_assert_cmpuint (port, ==, 465);
}

/* Bad SMTP settings are refused at AddProfile with the key named. */
static void
test_bad_settings (void)
{
  g_autoptr(HeraldTestDaemon) daemon = herald_test_daemon_new ();
  const struct { const char *key; const char *value; } cases[] = {
    { "security", "tls1" },
    { "auth", "kerberos" },
    { "port", "0" },
    { "port", "65536" },
    { "connect-timeout", "301" },
    { "conversation-timeout", "0" },
    { "ca-file", "/nonexistent/ca.pem" },
    { "pinned-keys", "abc123" },
    { "pinned-keys", "zz00000000000000000000000000000000000000000000000000000000000000" },
    { "transport", "carrier-pigeon" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply = NULL;
    g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

    g_variant_dict_insert (&dict, "transport", "s", "smtp");
    g_variant_dict_insert (&dict, "host", "s", "mail.example.org");
    g_variant_dict_insert (&dict, cases[i].key, "s", cases[i].value);
    reply = herald_test_call (daemon, "AddProfile",
                              g_variant_new ("(s@a{sv})", "bad", g_variant_dict_end (&dict)), NULL, &error);
    g_test_message ("%s=%s", cases[i].key, cases[i].value);
    assert_herald_error (error, HERALD_ERROR_INVALID_SETTING, "org.herald.Gateway1.Error.InvalidSetting");
    g_assert_nonnull (strstr (error->message, cases[i].key));
  }
  g_assert_cmpuint (count_profiles (daemon), ==, 1);
}

static gboolean
variant_mentions (GVariant   *variant,
                  const char *needle)
{
  g_autofree char *text = g_variant_print (variant, TRUE);
  return strstr (text, needle) != NULL;
}

static void
test_secret_write_only (void)
{
  static const char secret[] = "s3cr3t-Pa55word-for-test";
  g_autoptr(HeraldTestDaemon) daemon = herald_test_daemon_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) profile = NULL;
  g_autofree char *secrets_path = g_build_filename (daemon->state_dir, "secrets", NULL);
  g_autofree char *profile_path = g_build_filename (daemon->state_dir, "profiles", "relay.conf", NULL);
  g_autofree char *contents = NULL;
  gboolean is_set = TRUE;

  reply = herald_test_call (daemon, "AddProfile",
                            g_variant_new ("(s@a{sv})", "relay",
                                           herald_test_settings ("transport", "smtp", "host", "mail.example.org",
                                                        "username", "gw", NULL)),
                            NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  profile = get_profile (daemon, "relay", &error);
  g_assert_true (g_variant_lookup (profile, "password-set", "b", &is_set));
  g_assert_false (is_set);
  g_clear_pointer (&profile, g_variant_unref);

  reply = herald_test_call (daemon, "SetSecret", g_variant_new ("(sss)", "relay", "password", secret),
                            NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);

  profile = get_profile (daemon, "relay", &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (profile, "password-set", "b", &is_set));
  g_assert_true (is_set);
  g_assert_false (g_variant_lookup (profile, "password", "s", NULL));
  g_assert_false (variant_mentions (profile, secret));
  reply = herald_test_call (daemon, "ListProfiles", NULL, "(aa{sv})", &error);
  g_assert_no_error (error);
  g_assert_false (variant_mentions (reply, secret));
  g_clear_pointer (&reply, g_variant_unref);

  /* Neither the profile file nor the encrypted store holds the plaintext. */
  g_assert_true (g_file_get_contents (profile_path, &contents, NULL, NULL));
  g_assert_null (strstr (contents, secret));
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (secrets_path, &contents, NULL, NULL));
  g_assert_null (strstr (contents, secret));

  /* Only secret keys go through SetSecret. */
  reply = herald_test_call (daemon, "SetSecret", g_variant_new ("(sss)", "relay", "host", "x"), NULL, &error);
  assert_herald_error (error, HERALD_ERROR_INVALID_ARGUMENT, "org.herald.Gateway1.Error.InvalidArgument");
  g_clear_error (&error);
  reply = herald_test_call (daemon, "SetSecret", g_variant_new ("(sss)", "ghost", "password", "x"), NULL, &error);
  assert_herald_error (error, HERALD_ERROR_NO_SUCH_PROFILE, "org.herald.Gateway1.Error.NoSuchProfile");
  g_clear_error (&error);

  /* Removing the secret. */
  reply = herald_test_call (daemon, "SetSecret", g_variant_new ("(sss)", "relay", "password", ""), NULL, &error);
  g_assert_no_error (error);
  profile = get_profile (daemon, "relay", &error);
  g_assert_true (g_variant_lookup (profile, "password-set", "b", &is_set));
  g_assert_false (is_set);
}

typedef struct {
  GPtrArray *states;
  char      *id;
  GVariant  *last_details;
} SignalLog;

/* Each DeliveriesChanged carries one or more changes: the log keeps those
 * of its delivery. */
static void
deliveries_changed_cb (GDBusConnection *connection,
                       const char      *sender,
                       const char      *path,
                       const char      *interface,
                       const char      *signal,
                       GVariant        *parameters,
                       gpointer         user_data)
{
  SignalLog *log = user_data;
  g_autoptr(GVariantIter) changes = NULL;
  const char *id, *state;
  GVariant *details;

  g_variant_get (parameters, "(a(ssa{sv}))", &changes);
  while (g_variant_iter_next (changes, "(&s&s@a{sv})", &id, &state, &details)) {
    if (g_strcmp0 (id, log->id) == 0) {
      g_ptr_array_add (log->states, g_strdup (state));
      g_clear_pointer (&log->last_details, g_variant_unref);
      log->last_details = g_steal_pointer (&details);
    }
    g_clear_pointer (&details, g_variant_unref);
  }
}

static GVariant *
notification_to (const char *to,
                 const char *subject,
                 const char *body)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  const char *recipients[] = { to, NULL };

  g_variant_dict_insert (&dict, "to", "^as", recipients);
  g_variant_dict_insert (&dict, "subject", "s", subject);
  g_variant_dict_insert (&dict, "body", "s", body);
  return g_variant_dict_end (&dict);
}

static void
test_send_to_maildir (void)
{
  g_autoptr(HeraldTestDaemon) daemon = herald_test_daemon_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *maildir = g_build_filename (daemon->state_dir, "Maildir", NULL);
  g_autofree char *attachment_path = g_build_filename (daemon->tmpdir, "report.txt", NULL);
  g_autoptr(GUnixFDList) fd_list = g_unix_fd_list_new ();
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *id = NULL;
  g_autofree char *state = NULL;
  SignalLog log = { g_ptr_array_new_with_free_func (g_free), NULL, NULL };
  const char *to[] = { "Admin <admin@example.org>", NULL };
  const char *bcc[] = { "hidden@example.org", NULL };
  guint subscription;
  int fd;

  g_assert_true (g_file_set_contents (attachment_path, "disk usage 97%\n", -1, NULL));
  fd = open (attachment_path, O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (g_unix_fd_list_append (fd_list, fd, &error), ==, 0);
  g_assert_no_error (error);
  close (fd);

  g_variant_dict_insert (&dict, "to", "^as", to);
  g_variant_dict_insert (&dict, "bcc", "^as", bcc);
  g_variant_dict_insert (&dict, "subject", "s", "Disk almost full");
  g_variant_dict_insert (&dict, "body", "s", "Volume /srv is at 97%.\n.\nEnd.");
  g_variant_dict_insert (&dict, "category", "s", "device.error");
  g_variant_dict_insert (&dict, "urgency", "y", 2);
  g_variant_dict_insert (&dict, "app-name", "s", "test-gateway");
  g_variant_dict_insert_value (&dict, "attachments",
                               g_variant_new_parsed ("[('report.txt', '', @h 0)]"));

  subscription = g_dbus_connection_signal_subscribe (daemon->connection, "org.herald.Gateway1",
                                                     "org.herald.Gateway1", "DeliveriesChanged",
                                                     "/org/herald/Gateway1", NULL, 0,
                                                     deliveries_changed_cb, &log, NULL);
  id = herald_test_send (daemon, g_variant_dict_end (&dict), fd_list, &error);
  g_assert_no_error (error);
  g_assert_nonnull (id);
  /* A UUID of version 7, as the D-Bus reference says (time-ordered). */
  g_assert_true (g_uuid_string_is_valid (id));
  g_assert_cmpint (id[14], ==, '7');
  log.id = id;
  state = herald_test_wait_final (daemon, id, 20);
  g_assert_cmpstr (state, ==, "sent");

  /* The signal reached us with the final state. */
  for (gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
       (log.states->len == 0 || g_strcmp0 (g_ptr_array_index (log.states, log.states->len - 1), "sent") != 0)
       && g_get_monotonic_time () < deadline;)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (log.states->len, >=, 2);
  g_assert_cmpstr (g_ptr_array_index (log.states, log.states->len - 1), ==, "sent");
  g_dbus_connection_signal_unsubscribe (daemon->connection, subscription);
  /* The final signal carries the delivery's details as of that change. */
  {
    const char *profile = NULL;
    guint32 attempts = 0;
    gint64 next_attempt = -1;

    g_assert_true (g_variant_lookup (log.last_details, "profile", "&s", &profile));
    g_assert_cmpstr (profile, ==, "local");
    g_assert_true (g_variant_lookup (log.last_details, "attempts", "u", &attempts));
    g_assert_cmpuint (attempts, ==, 1);
    g_assert_true (g_variant_lookup (log.last_details, "next-attempt", "x", &next_attempt));
    g_assert_cmpint (next_attempt, ==, 0);
    g_assert_false (g_variant_lookup (log.last_details, "reason", "&s", &profile));
  }
  g_clear_pointer (&log.last_details, g_variant_unref);

  files = herald_test_maildir_files (maildir);
  g_assert_cmpuint (files->len, ==, 1);
  g_assert_true (g_file_get_contents (g_ptr_array_index (files, 0), &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "Subject: Disk almost full"));
  g_assert_nonnull (strstr (contents, "admin@example.org"));
  g_assert_true (strstr (contents, "Message-Id: <") != NULL || strstr (contents, "Message-ID: <") != NULL);
  g_assert_null (strstr (contents, "hidden@example.org"));
  g_assert_nonnull (strstr (contents, "report.txt"));
  g_assert_nonnull (strstr (contents, "X-Herald-Urgency: critical"));
  g_assert_null (strstr (contents, "\r\n"));

  reply = herald_test_call (daemon, "GetDelivery", g_variant_new ("(s)", id), "(a{sv})", &error);
  g_assert_no_error (error);
  {
    g_autoptr(GVariant) delivery = g_variant_get_child_value (reply, 0);
    g_autoptr(GVariant) recipients = g_variant_lookup_value (delivery, "recipients", G_VARIANT_TYPE ("aa{sv}"));
    const char *profile;
    guint32 attempts;

    g_assert_true (g_variant_lookup (delivery, "profile", "&s", &profile));
    g_assert_cmpstr (profile, ==, "local");
    g_assert_true (g_variant_lookup (delivery, "attempts", "u", &attempts));
    g_assert_cmpuint (attempts, ==, 1);
    g_assert_cmpuint (g_variant_n_children (recipients), ==, 2);
  }
  g_clear_pointer (&reply, g_variant_unref);

  reply = herald_test_call (daemon, "ListDeliveries", g_variant_new_parsed ("({'state': <'sent'>},)"),
                            "(aa{sv})", &error);
  g_assert_no_error (error);
  g_assert_true (variant_mentions (reply, id));
  g_clear_pointer (&reply, g_variant_unref);
  reply = herald_test_call (daemon, "ListDeliveries", g_variant_new_parsed ("({'state': <'bogus'>},)"),
                            "(aa{sv})", &error);
  assert_herald_error (error, HERALD_ERROR_INVALID_ARGUMENT, "org.herald.Gateway1.Error.InvalidArgument");
  g_clear_error (&error);

  /* A sent delivery cannot be cancelled; an unknown one does not exist. */
  reply = herald_test_call (daemon, "Cancel", g_variant_new ("(s)", id), NULL, &error);
  assert_herald_error (error, HERALD_ERROR_INVALID_STATE, "org.herald.Gateway1.Error.InvalidState");
  g_clear_error (&error);
  reply = herald_test_call (daemon, "Cancel", g_variant_new ("(s)", "no-such-id"), NULL, &error);
  assert_herald_error (error, HERALD_ERROR_NO_SUCH_DELIVERY, "org.herald.Gateway1.Error.NoSuchDelivery");
  g_clear_error (&error);
  reply = herald_test_call (daemon, "GetDelivery", g_variant_new ("(s)", "no-such-id"), NULL, &error);
  assert_herald_error (error, HERALD_ERROR_NO_SUCH_DELIVERY, "org.herald.Gateway1.Error.NoSuchDelivery");
  g_ptr_array_unref (log.states);
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

static void
test_bad_input (void)
{
  g_autoptr(HeraldTestDaemon) daemon = herald_test_daemon_new ();
  struct {
    const char *notification;
    HeraldError code;
    const char *dbus_name;
  } cases[] = {
    { "{'subject': <'no recipient'>}", HERALD_ERROR_NO_RECIPIENTS, "org.herald.Gateway1.Error.NoRecipients" },
    { "{'to': <['a@example.org\\r\\nRCPT TO:<evil@example.org>']>}", HERALD_ERROR_INVALID_ARGUMENT,
      "org.herald.Gateway1.Error.InvalidArgument" },
    { "{'to': <['a@example.org\\nBcc: evil@example.org']>}", HERALD_ERROR_INVALID_ARGUMENT,
      "org.herald.Gateway1.Error.InvalidArgument" },
    { "{'to': <['a@example.org']>, 'subject': <'x\\r\\nBcc: evil@example.org'>}", HERALD_ERROR_INVALID_ARGUMENT,
      "org.herald.Gateway1.Error.InvalidArgument" },
    { "{'to': <['not an address']>}", HERALD_ERROR_INVALID_ADDRESS, "org.herald.Gateway1.Error.InvalidAddress" },
    { "{'to': <['a@example.org']>, 'profile': <'nope'>}", HERALD_ERROR_NO_SUCH_PROFILE,
      "org.herald.Gateway1.Error.NoSuchProfile" },
    { "{'to': <['a@example.org']>, 'colour': <'red'>}", HERALD_ERROR_INVALID_ARGUMENT,
      "org.herald.Gateway1.Error.InvalidArgument" },
    { "{'to': <'a@example.org'>}", HERALD_ERROR_INVALID_ARGUMENT, "org.herald.Gateway1.Error.InvalidArgument" },
    { "{'to': <['a@example.org']>, 'urgency': <byte 7>}", HERALD_ERROR_INVALID_ARGUMENT,
      "org.herald.Gateway1.Error.InvalidArgument" },
    { "{'to': <['a@example.org']>, 'headers': <{'Bcc': 'evil@example.org'}>}", HERALD_ERROR_INVALID_ARGUMENT,
      "org.herald.Gateway1.Error.InvalidArgument" },
    { "{'to': <['a@example.org']>, 'headers': <{'X-Ok': 'a\\r\\nBcc: evil@example.org'}>}",
      HERALD_ERROR_INVALID_ARGUMENT, "org.herald.Gateway1.Error.InvalidArgument" },
    { "{'to': <['a@example.org']>, 'from': <'boss@example.org'>}", HERALD_ERROR_NOT_AUTHORIZED,
      "org.herald.Gateway1.Error.NotAuthorized" },
    { "{'to': <['a@example.org']>, 'attachments': <[('x.txt', '', @h 3)]>}", HERALD_ERROR_INVALID_ARGUMENT,
      "org.herald.Gateway1.Error.InvalidArgument" },
    { "{'fax': <['+1 724 627 9591']>}", HERALD_ERROR_NOT_SUPPORTED, "org.herald.Gateway1.Error.NotSupported" },
  };
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GVariant) notification = g_variant_parse (G_VARIANT_TYPE ("a{sv}"), cases[i].notification,
                                                        NULL, NULL, &error);
    g_autofree char *id = NULL;

    g_assert_no_error (error);
    g_test_message ("case %u: %s", i, cases[i].notification);
    id = herald_test_send (daemon, notification, NULL, &error);
    g_assert_null (id);
    assert_herald_error (error, cases[i].code, cases[i].dbus_name);
    g_clear_error (&error);
  }
  /* Nothing was queued by any of them. */
  g_assert_cmpuint (count_deliveries (daemon), ==, 0);

  /* A transport that is not installed is refused at Send, not lost later:
   * a profile file whose plugin went away (AddProfile refuses one). */
  herald_test_write_profile (daemon, "future",
                             "[profile]\ntransport=pager\npager-number=5550100\n");
  herald_test_daemon_stop (daemon);
  herald_test_daemon_start (daemon);
  reply = herald_test_call (daemon, "GetProfile", g_variant_new ("(s)", "future"), NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  reply = herald_test_call (daemon, "AddProfile",
                            g_variant_new ("(s@a{sv})", "future2",
                                           herald_test_settings ("transport", "pager", NULL)),
                            NULL, &error);
  assert_herald_error (error, HERALD_ERROR_INVALID_SETTING, "org.herald.Gateway1.Error.InvalidSetting");
  g_clear_error (&error);
  {
    g_autoptr(GVariant) n = g_variant_ref_sink (g_variant_new_parsed ("{'to': <['a@example.org']>, 'profile': <'future'>}"));
    g_autofree char *id = herald_test_send (daemon, n, NULL, &error);
    g_assert_null (id);
    assert_herald_error (error, HERALD_ERROR_TRANSPORT_UNAVAILABLE,
                         "org.herald.Gateway1.Error.TransportUnavailable");
    g_clear_error (&error);
  }
  g_assert_cmpuint (count_deliveries (daemon), ==, 0);
}

static void
test_cancel_deferred (void)
{
  g_autoptr(HeraldTestDaemon) daemon = herald_test_daemon_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *blocker = g_build_filename (daemon->tmpdir, "not-a-dir", NULL);
  g_autofree char *maildir = g_build_filename (blocker, "Maildir", NULL);
  g_autofree char *id = NULL;
  g_autofree char *state = NULL;
  g_autoptr(GVariant) n = NULL;

  /* A Maildir below a regular file cannot be created: delivery defers. */
  g_assert_true (g_file_set_contents (blocker, "", 0, NULL));
  reply = herald_test_call (daemon, "AddProfile",
                            g_variant_new ("(s@a{sv})", "blocked",
                                           herald_test_settings ("transport", "maildir", "maildir-path", maildir,
                                                        "retry-interval", "300", NULL)),
                            NULL, &error);
  g_assert_no_error (error);
  n = notification_to ("a@example.org", "stuck", "body");
  {
    g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (n);
    g_variant_dict_insert (&dict, "profile", "s", "blocked");
    g_clear_pointer (&n, g_variant_unref);
    n = g_variant_ref_sink (g_variant_dict_end (&dict));
  }
  id = herald_test_send (daemon, n, NULL, &error);
  g_assert_no_error (error);

  for (gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;;) {
    g_autoptr(GVariant) delivery = herald_test_call (daemon, "GetDelivery", g_variant_new ("(s)", id),
                                                     "(a{sv})", &error);
    g_autoptr(GVariant) dict = g_variant_get_child_value (delivery, 0);
    g_clear_pointer (&state, g_free);
    g_variant_lookup (dict, "state", "s", &state);
    if (g_str_equal (state, "deferred"))
      break;
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_usleep (20 * 1000);
  }
  reply = herald_test_call (daemon, "Cancel", g_variant_new ("(s)", id), NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&state, g_free);
  state = herald_test_wait_final (daemon, id, 5);
  g_assert_cmpstr (state, ==, "cancelled");
}

/* TestProfile sends a real message now and reports the outcome. */
static void
test_test_profile (void)
{
  g_autoptr(HeraldTestDaemon) daemon = herald_test_daemon_new ();
  g_autofree char *maildir = g_build_filename (daemon->state_dir, "Maildir", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GPtrArray) files = NULL;
  const char *text;
  gboolean ok = FALSE;

  reply = herald_test_call (daemon, "TestProfile", g_variant_new ("(ss)", "local", "admin@example.org"),
                            "(a{sv})", &error);
  g_assert_no_error (error);
  result = g_variant_get_child_value (reply, 0);
  g_assert_true (g_variant_lookup (result, "ok", "b", &ok));
  g_assert_true (ok);
  g_assert_true (g_variant_lookup (result, "reply", "&s", &text));
  g_assert_true (g_str_has_prefix (text, "stored "));
  files = herald_test_maildir_files (maildir);
  g_assert_cmpuint (files->len, ==, 1);
  /* Nothing went through the queue. */
  g_assert_cmpuint (count_deliveries (daemon), ==, 0);
  g_clear_pointer (&reply, g_variant_unref);

  reply = herald_test_call (daemon, "TestProfile", g_variant_new ("(ss)", "nope", "admin@example.org"),
                            NULL, &error);
  assert_herald_error (error, HERALD_ERROR_NO_SUCH_PROFILE, "org.herald.Gateway1.Error.NoSuchProfile");
  g_clear_error (&error);
  reply = herald_test_call (daemon, "TestProfile", g_variant_new ("(ss)", "local", "admin@example.org\r\nDATA"),
                            NULL, &error);
  assert_herald_error (error, HERALD_ERROR_INVALID_ARGUMENT, "org.herald.Gateway1.Error.InvalidArgument");
  g_clear_error (&error);
  reply = herald_test_call (daemon, "TestProfile", g_variant_new ("(ss)", "local", "not an address"),
                            NULL, &error);
  assert_herald_error (error, HERALD_ERROR_INVALID_ADDRESS, "org.herald.Gateway1.Error.InvalidAddress");
  g_clear_error (&error);
}

/* A Send repeated with the same idempotency key returns the first id. */
static void
test_idempotency_key (void)
{
  g_autoptr(HeraldTestDaemon) daemon = herald_test_daemon_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *other = NULL;

  first = herald_test_send (daemon, g_variant_new_parsed ("{'to': <['a@example.org']>, "
                                                          "'idempotency-key': <'backup-2026-11-22'>}"),
                            NULL, &error);
  g_assert_no_error (error);
  second = herald_test_send (daemon, g_variant_new_parsed ("{'to': <['a@example.org']>, "
                                                           "'idempotency-key': <'backup-2026-11-22'>}"),
                             NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (first, ==, second);
  other = herald_test_send (daemon, g_variant_new_parsed ("{'to': <['a@example.org']>, "
                                                          "'idempotency-key': <'backup-2026-11-23'>}"),
                            NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (first, !=, other);
  g_assert_cmpuint (count_deliveries (daemon), ==, 2);
}

/* --idle-timeout: exit when idle, but never with work waiting. */
static void
test_idle_timeout (void)
{
  const char *args[] = { "--idle-timeout", "1", NULL };
  g_autoptr(HeraldTestDaemon) daemon = herald_test_daemon_new_with_args (args);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *blocker = g_build_filename (daemon->tmpdir, "blocker", NULL);
  g_autofree char *maildir = g_build_filename (blocker, "Maildir", NULL);
  g_autofree char *id = NULL;
  g_autofree char *state = NULL;

  g_assert_true (herald_test_daemon_wait_exit (daemon, 10));

  /* With a deferred delivery it stays, and delivers once it can. */
  g_assert_true (g_file_set_contents (blocker, "", 0, NULL));
  herald_test_daemon_start (daemon);
  reply = herald_test_call (daemon, "AddProfile",
                            g_variant_new_parsed ("('later', {'transport': <'maildir'>, "
                                                  "'maildir-path': <%s>, 'retry-interval': <'3'>})", maildir),
                            NULL, &error);
  g_assert_no_error (error);
  id = herald_test_send (daemon, g_variant_new_parsed ("{'to': <['a@example.org']>, 'profile': <'later'>}"),
                         NULL, &error);
  g_assert_no_error (error);
  g_assert_false (herald_test_daemon_wait_exit (daemon, 2));
  g_assert_cmpint (g_unlink (blocker), ==, 0);
  state = herald_test_wait_final (daemon, id, 30);
  g_assert_cmpstr (state, ==, "sent");
  g_assert_true (herald_test_daemon_wait_exit (daemon, 10));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* Register the D-Bus error names before the first call. */
  herald_error_quark ();
  g_test_add_func ("/gateway/properties", test_properties);
  g_test_add_func ("/gateway/default-profile", test_default_profile);
  g_test_add_func ("/gateway/profile-crud", test_profile_crud);
  g_test_add_func ("/gateway/secret-write-only", test_secret_write_only);
  g_test_add_func ("/gateway/send-to-maildir", test_send_to_maildir);
  g_test_add_func ("/gateway/bad-input", test_bad_input);
  g_test_add_func ("/gateway/cancel-deferred", test_cancel_deferred);
  g_test_add_func ("/gateway/idle-timeout", test_idle_timeout);
  g_test_add_func ("/gateway/idempotency-key", test_idempotency_key);
  g_test_add_func ("/gateway/test-profile", test_test_profile);
  g_test_add_func ("/gateway/bad-settings", test_bad_settings);
  return g_test_run ();
}
