/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-composition.c: composition and delivery policy through the built
 * heraldd: attachments as links (downloaded with Python's urllib, a real
 * HTTP client), the attachment size limit, and the Message-ID kept across
 * a retry. */
#include "config.h"

#include <fcntl.h>
#include <unistd.h>

#include <gio/gunixfdlist.h>
#include <glib/gstdio.h>

#include "herald-error.h"
#include "herald-test-daemon.h"

#define REPORT "disk usage 97%\n"

static void
add_profile (HeraldTestDaemon *daemon,
             const char       *name,
             GVariant         *settings)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = herald_test_call (daemon, "AddProfile",
                                                g_variant_new ("(s@a{sv})", name, settings), NULL, &error);
  g_assert_no_error (error);
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

/* A notification to @profile with one attachment "report 1.txt" holding
 * REPORT, passed as a file descriptor. */
static char *
send_with_attachment (HeraldTestDaemon *daemon,
                      const char       *profile,
                      GError          **error)
{
  g_autofree char *path = g_build_filename (daemon->tmpdir, "report.txt", NULL);
  g_autoptr(GUnixFDList) fd_list = g_unix_fd_list_new ();
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  const char *to[] = { "admin@example.org", NULL };
  int fd;

  g_assert_true (g_file_set_contents (path, REPORT, -1, NULL));
  fd = open (path, O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (g_unix_fd_list_append (fd_list, fd, NULL), ==, 0);
  close (fd);
  g_variant_dict_insert (&dict, "to", "^as", to);
  g_variant_dict_insert (&dict, "subject", "s", "Disk report");
  g_variant_dict_insert (&dict, "body", "s", "See the attachment.");
  g_variant_dict_insert (&dict, "html", "s", "<html><body><p>See the attachment.</p></body></html>");
  g_variant_dict_insert (&dict, "profile", "s", profile);
  g_variant_dict_insert_value (&dict, "attachments",
                               g_variant_new_parsed ("[('report 1.txt', 'text/plain', @h 0)]"));
  return herald_test_send (daemon, g_variant_dict_end (&dict), fd_list, error);
}

static char *
read_only_message (const char *maildir)
{
  g_autoptr(GPtrArray) files = herald_test_maildir_files (maildir);
  char *contents = NULL;

  g_assert_cmpuint (files->len, ==, 1);
  g_assert_true (g_file_get_contents (g_ptr_array_index (files, 0), &contents, NULL, NULL));
  return contents;
}

/* GET @url with Python's urllib; returns the status, the body in @body. */
static int
http_get (const char *url,
          char      **body)
{
  static const char script[] =
    "import sys, urllib.request, urllib.error\n"
    "try:\n"
    "    with urllib.request.urlopen(sys.argv[1], timeout=10) as r:\n"
    "        sys.stdout.write(r.read().decode())\n"
    "        sys.stderr.write(str(r.status))\n"
    "except urllib.error.HTTPError as e:\n"
    "    sys.stderr.write(str(e.code))\n";
  const char *argv[] = { "/usr/bin/python3", "-c", script, url, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  /* No proxy from the environment for a loopback test. */
  g_assert_true (g_spawn_sync (NULL, (char **) argv, (char *[]) { (char *) "no_proxy=*", NULL }, 0,
                               NULL, NULL, &out, &err, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  if (body != NULL)
    *body = g_steal_pointer (&out);
  return (int) g_ascii_strtoll (err, NULL, 10);
}

/* The one "http://127.0.0.1:PORT/a/TOKEN/NAME" in @message. */
static char *
find_link (const char *message)
{
  g_autoptr(GRegex) regex = g_regex_new ("http://127\\.0\\.0\\.1:[0-9]+/a/[A-Za-z0-9_-]{43}/report%201\\.txt",
                                         0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;

  g_assert_true (g_regex_match (regex, message, 0, &match));
  return g_match_info_fetch (match, 0);
}

static char *
only_spool_entry (HeraldTestDaemon *daemon)
{
  g_autofree char *spool = g_build_filename (daemon->state_dir, "attachments", NULL);
  g_autoptr(GDir) dir = g_dir_open (spool, 0, NULL);
  const char *name;
  char *entry = NULL;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL) {
    g_assert_null (entry);
    entry = g_build_filename (spool, name, NULL);
  }
  return entry;
}

static void
expire_entry (const char *entry)
{
  g_autofree char *info_path = g_build_filename (entry, "info", NULL);
  g_autoptr(GKeyFile) info = g_key_file_new ();

  /* What seven days do to the entry. */
  g_assert_true (g_key_file_load_from_file (info, info_path, G_KEY_FILE_NONE, NULL));
  g_key_file_set_int64 (info, "attachment", "expires", g_get_real_time () / G_USEC_PER_SEC - 1);
  g_assert_true (g_key_file_save_to_file (info, info_path, NULL));
}

/* The daemon again, with its HTTP server on any free loopback port. */
static void
restart_with_http (HeraldTestDaemon *daemon)
{
  g_autofree char *config_dir = g_build_filename (daemon->config_home, "herald", NULL);
  g_autofree char *conf = g_build_filename (config_dir, "heraldd.conf", NULL);

  herald_test_daemon_stop (daemon);
  g_assert_cmpint (g_mkdir_with_parents (config_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (conf, "[http]\nport=0\n", -1, NULL));
  herald_test_daemon_start (daemon);
}

static void
test_attachments_as_links (void)
{
  g_autoptr(HeraldTestDaemon) daemon = herald_test_daemon_new ();
  g_autofree char *maildir = g_build_filename (daemon->tmpdir, "links-maildir", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *state = NULL;
  g_autofree char *message = NULL;
  g_autofree char *url = NULL;
  g_autofree char *body = NULL;
  g_autofree char *tampered = NULL;
  g_autofree char *entry = NULL;

  restart_with_http (daemon);
  add_profile (daemon, "links", herald_test_settings ("transport", "maildir", "maildir-path", maildir,
                                             "attachments-as-url", "true", NULL));

  id = send_with_attachment (daemon, "links", &error);
  g_assert_no_error (error);
  state = herald_test_wait_final (daemon, id, 20);
  g_assert_cmpstr (state, ==, "sent");
  message = read_only_message (maildir);
  /* The link replaces the part, in the text and in the HTML. */
  g_assert_null (strstr (message, "Content-Disposition: attachment"));
  g_assert_null (strstr (message, "filename="));
  g_assert_nonnull (strstr (message, "multipart/alternative"));
  url = find_link (message);
  g_test_message ("link: %s", url);

  g_assert_cmpint (http_get (url, &body), ==, 200);
  g_assert_cmpstr (body, ==, REPORT);
  /* A guessed token is unknown. */
  tampered = g_strdup (url);
  {
    char *last = strstr (tampered, "/report") - 1;
    *last = *last == 'A' ? 'B' : 'A';
  }
  g_assert_cmpint (http_get (tampered, NULL), ==, 404);

  /* After the expiry: 410 once, the files are gone, then 404. */
  entry = only_spool_entry (daemon);
  expire_entry (entry);
  g_assert_cmpint (http_get (url, NULL), ==, 410);
  g_assert_false (g_file_test (entry, G_FILE_TEST_EXISTS));
  g_assert_cmpint (http_get (url, NULL), ==, 404);
  g_clear_pointer (&entry, g_free);
  g_clear_pointer (&id, g_free);
  g_clear_pointer (&state, g_free);

  /* Expired while the daemon was down: removed when it starts. */
  id = send_with_attachment (daemon, "links", &error);
  g_assert_no_error (error);
  state = herald_test_wait_final (daemon, id, 20);
  g_assert_cmpstr (state, ==, "sent");
  entry = only_spool_entry (daemon);
  herald_test_daemon_stop (daemon);
  expire_entry (entry);
  herald_test_daemon_start (daemon);
  g_assert_false (g_file_test (entry, G_FILE_TEST_EXISTS));
}

/* ASCII lines, so that the download compares as text. */
static GString *
large_text (gsize size)
{
  GString *text = g_string_sized_new (size + 80);

  for (guint line = 0; text->len < size; line++)
    g_string_append_printf (text, "line %u of a large attachment\n", line);
  return text;
}

/* The first attachment part's base64 content in @message (LF line ends, as
 * the maildir stores it), decoded. */
static GBytes *
decode_attachment (const char *message,
                   const char *filename)
{
  g_autofree char *marker = g_strdup_printf ("filename=%s", filename);
  const char *start = strstr (message, marker);
  const char *end;
  g_autofree char *encoded = NULL;
  gsize len = 0;
  guchar *data;

  g_assert_nonnull (start);
  start = strstr (start, "\n\n");
  g_assert_nonnull (start);
  end = strstr (start + 2, "\n--");
  g_assert_nonnull (end);
  /* g_base64_decode() skips the line breaks. */
  encoded = g_strndup (start + 2, (gsize) (end - start - 2));
  data = g_base64_decode (encoded, &len);
  return g_bytes_new_take (data, len);
}

/* An attachment of some MiB (copied into a file with no name in the state
 * directory, the message written to another, both read in pieces) arrives
 * whole, inline and as a link; the caller's file offset does not move, and
 * nothing is left in the state directory by name. */
static void
test_large_attachment (void)
{
  g_autoptr(HeraldTestDaemon) daemon = herald_test_daemon_new ();
  g_autofree char *inline_dir = g_build_filename (daemon->tmpdir, "inline-maildir", NULL);
  g_autofree char *links_dir = g_build_filename (daemon->tmpdir, "links-maildir", NULL);
  g_autofree char *path = g_build_filename (daemon->tmpdir, "big.txt", NULL);
  g_autoptr(GString) text = large_text (3 * 1024 * 1024 + 5);
  const char * const profiles[] = { "inline", "links" };
  const char *to[] = { "admin@example.org", NULL };
  int fd;

  restart_with_http (daemon);
  add_profile (daemon, "inline", herald_test_settings ("transport", "maildir", "maildir-path", inline_dir, NULL));
  add_profile (daemon, "links", herald_test_settings ("transport", "maildir", "maildir-path", links_dir, "attachments-as-url", "true", NULL));
  g_assert_true (g_file_set_contents (path, text->str, (gssize) text->len, NULL));
  fd = open (path, O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (lseek (fd, 17, SEEK_SET), ==, 17);

  for (guint i = 0; i < G_N_ELEMENTS (profiles); i++) {
    g_autoptr(GUnixFDList) fd_list = g_unix_fd_list_new ();
    g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *id = NULL;
    g_autofree char *state = NULL;
    g_autofree char *message = NULL;

    g_assert_cmpint (g_unix_fd_list_append (fd_list, fd, NULL), ==, 0);
    g_variant_dict_insert (&dict, "to", "^as", to);
    g_variant_dict_insert (&dict, "body", "s", "A large attachment.");
    g_variant_dict_insert (&dict, "profile", "s", profiles[i]);
    g_variant_dict_insert_value (&dict, "attachments", g_variant_new_parsed ("[('big.txt', 'text/plain', @h 0)]"));
    id = herald_test_send (daemon, g_variant_dict_end (&dict), fd_list, &error);
    g_assert_no_error (error);
    state = herald_test_wait_final (daemon, id, 30);
    g_assert_cmpstr (state, ==, "sent");
    message = read_only_message (i == 0 ? inline_dir : links_dir);
    if (i == 0) {
      g_autoptr(GBytes) got = decode_attachment (message, "big.txt");

      g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), text->str, text->len);
    } else {
      g_autoptr(GRegex) regex = g_regex_new ("http://127\\.0\\.0\\.1:[0-9]+/a/[A-Za-z0-9_-]{43}/big\\.txt", 0, 0, NULL);
      g_autoptr(GMatchInfo) match = NULL;
      g_autofree char *url = NULL;
      g_autofree char *body = NULL;

      /* The text part is quoted-printable: its soft line breaks go. */
      g_autoptr(GRegex) soft_break = g_regex_new ("=\n", 0, 0, NULL);
      g_autofree char *unfolded = g_regex_replace_literal (soft_break, message, -1, 0, "", 0, NULL);

      g_assert_true (g_regex_match (regex, unfolded, 0, &match));
      url = g_match_info_fetch (match, 0);
      g_assert_cmpint (http_get (url, &body), ==, 200);
      g_assert_cmpstr (body, ==, text->str);
    }
  }
  g_assert_cmpint (lseek (fd, 0, SEEK_CUR), ==, 17);
  close (fd);
  {
    g_autoptr(GDir) dir = g_dir_open (daemon->state_dir, 0, NULL);
    const char *name;

    while ((name = g_dir_read_name (dir)) != NULL)
      g_assert_false (g_str_has_prefix (name, ".herald-message"));
  }
}

/* Without the HTTP server, a links profile refuses attachments: typed
 * error, nothing queued, nothing kept. */
static void
test_links_need_http (void)
{
  g_autoptr(HeraldTestDaemon) daemon = herald_test_daemon_new ();
  g_autofree char *maildir = g_build_filename (daemon->tmpdir, "links-maildir", NULL);
  g_autofree char *spool = g_build_filename (daemon->state_dir, "attachments", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *remote = NULL;

  add_profile (daemon, "links", herald_test_settings ("transport", "maildir", "maildir-path", maildir,
                                             "attachments-as-url", "true", NULL));
  id = send_with_attachment (daemon, "links", &error);
  g_assert_null (id);
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NOT_SUPPORTED);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, "org.herald.Gateway1.Error.NotSupported");
  g_assert_nonnull (strstr (error->message, "[http]"));
  g_assert_cmpuint (count_deliveries (daemon), ==, 0);
  g_assert_false (g_file_test (spool, G_FILE_TEST_EXISTS));
}

/* max-attachment-size: the error names the total and the limit; nothing
 * is queued. */
static void
test_attachment_size_limit (void)
{
  g_autoptr(HeraldTestDaemon) daemon = herald_test_daemon_new ();
  g_autofree char *maildir = g_build_filename (daemon->tmpdir, "small-maildir", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *remote = NULL;
  g_autofree char *state = NULL;

  add_profile (daemon, "small", herald_test_settings ("transport", "maildir", "maildir-path", maildir,
                                             "max-attachment-size", "10", NULL));
  id = send_with_attachment (daemon, "small", &error);
  g_assert_null (id);
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, "org.herald.Gateway1.Error.TooLarge");
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "15 bytes"));
  g_assert_nonnull (strstr (error->message, "10 bytes"));
  g_assert_cmpuint (count_deliveries (daemon), ==, 0);
  g_clear_error (&error);

  /* At the limit it goes. */
  {
    g_autoptr(GVariant) reply = herald_test_call (daemon, "UpdateProfile",
                                                  g_variant_new ("(s@a{sv})", "small",
                                                                 herald_test_settings ("max-attachment-size", "15", NULL)),
                                                  NULL, &error);
    g_assert_no_error (error);
  }
  id = send_with_attachment (daemon, "small", &error);
  g_assert_no_error (error);
  state = herald_test_wait_final (daemon, id, 20);
  g_assert_cmpstr (state, ==, "sent");
  g_assert_cmpuint (count_deliveries (daemon), ==, 1);
}

/* The queue holds the composed message: a retry sends the same Message-ID. */
static void
test_message_id_kept_on_retry (void)
{
  g_autoptr(HeraldTestDaemon) daemon = herald_test_daemon_new ();
  g_autofree char *blocker = g_build_filename (daemon->tmpdir, "not-yet", NULL);
  g_autofree char *maildir = g_build_filename (blocker, "Maildir", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *state = NULL;
  g_autofree char *message = NULL;
  g_autofree char *message_id = NULL;
  g_autofree char *header = NULL;
  g_autoptr(GVariant) reply = NULL;
  const char *to[] = { "admin@example.org", NULL };
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  /* A Maildir below a regular file cannot be made: the first try defers. */
  g_assert_true (g_file_set_contents (blocker, "", 0, NULL));
  add_profile (daemon, "later", herald_test_settings ("transport", "maildir", "maildir-path", maildir,
                                             "retry-interval", "300", NULL));
  g_variant_dict_insert (&dict, "to", "^as", to);
  g_variant_dict_insert (&dict, "subject", "s", "retry me");
  g_variant_dict_insert (&dict, "profile", "s", "later");
  id = herald_test_send (daemon, g_variant_dict_end (&dict), NULL, &error);
  g_assert_no_error (error);
  for (gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;;) {
    g_autoptr(GVariant) delivery = herald_test_call (daemon, "GetDelivery", g_variant_new ("(s)", id),
                                                     "(a{sv})", &error);
    g_autoptr(GVariant) fields = g_variant_get_child_value (delivery, 0);

    g_clear_pointer (&state, g_free);
    g_variant_lookup (fields, "state", "s", &state);
    if (g_str_equal (state, "deferred")) {
      g_assert_true (g_variant_lookup (fields, "message-id", "s", &message_id));
      break;
    }
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_usleep (20 * 1000);
  }
  g_assert_cmpint (g_unlink (blocker), ==, 0);
  reply = herald_test_call (daemon, "Retry", g_variant_new ("(s)", id), NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&state, g_free);
  state = herald_test_wait_final (daemon, id, 20);
  g_assert_cmpstr (state, ==, "sent");
  message = read_only_message (maildir);
  header = g_strdup_printf ("<%s>", message_id);
  g_assert_nonnull (strstr (message, header));
}

/* Every injection vector through D-Bus: a typed error, nothing queued. */
static void
test_injection_refused (void)
{
  static const char * const vectors[] = {
    "{'to': <['a@example.org\\r\\nRCPT TO:<evil@example.org>']>}",
    "{'to': <['Evil\\r\\nBcc: e@example.org <a@example.org>']>}",
    "{'to': <['a@example.org']>, 'cc': <['c@example.org\\n']>}",
    "{'to': <['a@example.org']>, 'bcc': <['b@example.org\\r']>}",
    "{'to': <['a@example.org']>, 'subject': <'x\\nBcc: evil@example.org'>}",
    "{'to': <['a@example.org']>, 'reply-to': <'r@example.org\\r\\nX: y'>}",
    "{'to': <['a@example.org']>, 'app-name': <'app\\r\\nBcc: e@example.org'>}",
    "{'to': <['a@example.org']>, 'category': <'c\\u0001'>}",
    "{'to': <['a@example.org']>, 'headers': <{'X-Ok': 'v\\r\\nBcc: e@example.org'}>}",
    "{'to': <['a@example.org']>, 'headers': <{'X-Bad\\nBcc': 'e@example.org'}>}",
    "{'to': <['a@example.org']>, 'headers': <{'From': 'boss@example.org'}>}",
    "{'to': <['a@example.org']>, 'headers': <{'To': 'e@example.org'}>}",
    "{'to': <['a@example.org']>, 'headers': <{'cc': 'e@example.org'}>}",
    "{'to': <['a@example.org']>, 'headers': <{'Date': 'Mon, 1 Jan 2001 00:00:00 +0000'}>}",
    "{'to': <['a@example.org']>, 'headers': <{'Message-ID': '<x@example.org>'}>}",
    "{'to': <['a@example.org']>, 'headers': <{'MIME-Version': '2.0'}>}",
    "{'to': <['a@example.org']>, 'headers': <{'Content-Type': 'text/html'}>}",
    "{'to': <['a@example.org']>, 'headers': <{'Content-Transfer-Encoding': '8bit'}>}",
  };
  g_autoptr(HeraldTestDaemon) daemon = herald_test_daemon_new ();

  for (guint i = 0; i < G_N_ELEMENTS (vectors); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) n = g_variant_parse (G_VARIANT_TYPE_VARDICT, vectors[i], NULL, NULL, &error);
    g_autofree char *id = NULL;
    g_autofree char *remote = NULL;

    g_assert_no_error (error);
    g_test_message ("vector %u: %s", i, vectors[i]);
    id = herald_test_send (daemon, n, NULL, &error);
    g_assert_null (id);
    g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT);
    remote = g_dbus_error_get_remote_error (error);
    g_assert_cmpstr (remote, ==, "org.herald.Gateway1.Error.InvalidArgument");
  }
  g_assert_cmpuint (count_deliveries (daemon), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* Registers the D-Bus error names before any reply is decoded. */
  g_type_ensure (G_TYPE_OBJECT);
  (void) herald_error_quark ();
  g_test_add_func ("/composition/attachments-as-links", test_attachments_as_links);
  g_test_add_func ("/composition/links-need-http", test_links_need_http);
  g_test_add_func ("/composition/attachment-size-limit", test_attachment_size_limit);
  g_test_add_func ("/composition/large-attachment", test_large_attachment);
  g_test_add_func ("/composition/message-id-kept-on-retry", test_message_id_kept_on_retry);
  g_test_add_func ("/composition/injection-refused", test_injection_refused);
  return g_test_run ();
}
