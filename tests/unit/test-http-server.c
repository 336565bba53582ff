/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-http-server.c: GwHttpServer on loopback, fetched with a real SoupSession */
#define G_LOG_DOMAIN "test-http-server"

#include "config.h"

#include <libsoup/soup.h>

#include "herald-error.h"
#include "herald-test-util.h"
#include "http-test-util.h"
#include "gw-config.h"
#include "gw-http-server.h"

static void
hello_cb (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  g_autofree char *text = g_strdup_printf ("%s %s", (const char *) user_data, path);

  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, text, strlen (text));
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
}

static void
test_handlers (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwHttpServer) server = gw_http_server_new ("127.0.0.1", 0, NULL, NULL, &error);
  g_autoptr(GBytes) body = NULL;
  g_autofree char *url = NULL;
  g_autofree char *expected_base = NULL;
  g_autofree char *content_type = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (server);
  g_assert_cmpuint (gw_http_server_get_port (server), >, 0);
  g_assert_false (gw_http_server_is_https (server));
  expected_base = g_strdup_printf ("http://127.0.0.1:%u", gw_http_server_get_port (server));
  g_assert_cmpstr (gw_http_server_get_public_base_url (server), ==, expected_base);

  g_assert_true (gw_http_server_add_handler (server, "/hook", hello_cb, (gpointer) "hook", NULL));
  /* A prefix is owned once; a relative one is refused. */
  g_test_expect_message ("gw-http-server", G_LOG_LEVEL_WARNING, "*already taken*");
  g_assert_false (gw_http_server_add_handler (server, "/hook", hello_cb, (gpointer) "again", NULL));
  g_test_expect_message ("gw-http-server", G_LOG_LEVEL_WARNING, "*already taken*");
  g_assert_false (gw_http_server_add_handler (server, "relative", hello_cb, (gpointer) "x", NULL));
  g_test_assert_expected_messages ();

  url = g_strdup_printf ("%s/hook/fax-42", expected_base);
  g_assert_cmpuint (herald_test_http_get ("GET", url, &body, &content_type), ==, 200);
  g_assert_cmpstr (content_type, ==, "text/plain");
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), "hook /hook/fax-42", 17);
  g_clear_pointer (&url, g_free);

  /* Nothing else is served. */
  url = g_strdup_printf ("%s/other", expected_base);
  g_assert_cmpuint (herald_test_http_get ("GET", url, NULL, NULL), ==, 404);
  g_clear_pointer (&url, g_free);

  /* Removing the handler removes the path. */
  g_assert_true (gw_http_server_add_handler (server, "/gone", hello_cb, (gpointer) "gone", NULL));
  gw_http_server_remove_handler (server, "/gone");
  url = g_strdup_printf ("%s/gone/x", expected_base);
  g_assert_cmpuint (herald_test_http_get ("GET", url, NULL, NULL), ==, 404);
}

static void
test_public_url (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwHttpServer) server = gw_http_server_new ("127.0.0.1", 0, "https://herald.example.org/base/",
                                                       NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (gw_http_server_get_public_base_url (server), ==, "https://herald.example.org/base");
  g_clear_object (&server);
  server = gw_http_server_new ("not-an-address", 0, NULL, NULL, &error);
  g_assert_null (server);
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING);
}

/* heraldd.conf [http]: off without a port; each key checked. */
static void
test_config (void)
{
  struct {
    const char *conf;
    gboolean    ok;
    gboolean    enabled;
  } cases[] = {
    { "[gateway]\n", TRUE, FALSE },
    { "[http]\nport=0\n", TRUE, TRUE },
    { "[http]\nport=8025\nlisten-address=::1\npublic-url=https://h.example.org/\nattachment-link-days=2\n", TRUE, TRUE },
    { "[http]\nport=70000\n", FALSE, FALSE },
    { "[http]\nport=x\n", FALSE, FALSE },
    { "[http]\nport=1\nlisten-address=example.org\n", FALSE, FALSE },
    { "[http]\nport=1\npublic-url=ftp://h.example.org\n", FALSE, FALSE },
    { "[http]\nport=1\npublic-url=https://h.example.org/?a=b\n", FALSE, FALSE },
    { "[http]\nport=1\ntls-certificate=cert.pem\n", FALSE, FALSE },
    { "[http]\nport=1\nattachment-link-days=0\n", FALSE, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *dir = herald_test_make_tmpdir ("herald-http-config-XXXXXX");
    g_autofree char *path = g_build_filename (dir, "heraldd.conf", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GwConfig) config = NULL;

    g_test_message ("case %u: %s", i, cases[i].conf);
    g_assert_true (g_file_set_contents (path, cases[i].conf, -1, NULL));
    config = gw_config_new (FALSE, dir, dir, &error);
    if (!cases[i].ok) {
      g_assert_null (config);
      g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING);
    } else {
      g_assert_no_error (error);
      g_assert_cmpint (gw_config_get_http_enabled (config), ==, cases[i].enabled);
    }
    if (i == 2) {
      g_assert_cmpuint (gw_config_get_http_port (config), ==, 8025);
      g_assert_cmpstr (gw_config_get_http_listen_address (config), ==, "::1");
      g_assert_cmpstr (gw_config_get_http_public_url (config), ==, "https://h.example.org");
      g_assert_cmpuint (gw_config_get_attachment_link_days (config), ==, 2);
    } else if (config != NULL) {
      g_assert_cmpstr (gw_config_get_http_listen_address (config), ==, "127.0.0.1");
      g_assert_cmpuint (gw_config_get_attachment_link_days (config), ==, 7);
    }
    herald_test_rm_rf (dir);
  }
}

static void
run_certtool (const char *dir,
              const char *args)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *command = g_strdup_printf ("certtool %s", args);
  g_auto(GStrv) argv = NULL;
  int status = 0;

  g_assert_true (g_shell_parse_argv (command, NULL, &argv, &error));
  g_spawn_sync (dir, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

/* [http] with tls-certificate and tls-key (relative to the config
 * directory): HTTPS, checked by a client that trusts the test CA. */
static void
test_https (void)
{
  g_autofree char *certtool = g_find_program_in_path ("certtool");
  g_autofree char *dir = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *ca_tmpl = NULL;
  g_autofree char *server_tmpl = NULL;
  g_autofree char *ca = NULL;
  g_autofree char *url = NULL;
  g_autofree char *prefix = NULL;
  g_autoptr(GwConfig) config = NULL;
  g_autoptr(GwHttpServer) server = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  if (certtool == NULL) {
    g_test_skip ("certtool (gnutls-bin) not installed");
    return;
  }
  dir = herald_test_make_tmpdir ("herald-https-XXXXXX");
  conf = g_build_filename (dir, "heraldd.conf", NULL);
  ca_tmpl = g_build_filename (dir, "ca.tmpl", NULL);
  server_tmpl = g_build_filename (dir, "server.tmpl", NULL);
  ca = g_build_filename (dir, "ca.pem", NULL);
  g_assert_true (g_file_set_contents (ca_tmpl, "cn = \"Herald Test CA\"\nca\ncert_signing_key\nexpiration_days = 2\n", -1, NULL));
  g_assert_true (g_file_set_contents (server_tmpl, "cn = \"localhost\"\ndns_name = \"localhost\"\n"
                                      "ip_address = \"127.0.0.1\"\ntls_www_server\nsigning_key\n"
                                      "encryption_key\nexpiration_days = 2\n", -1, NULL));
  run_certtool (dir, "--generate-privkey --outfile ca.key");
  run_certtool (dir, "--generate-self-signed --load-privkey ca.key --template ca.tmpl --outfile ca.pem");
  run_certtool (dir, "--generate-privkey --outfile server.key");
  run_certtool (dir, "--generate-certificate --load-privkey server.key --load-ca-certificate ca.pem "
                     "--load-ca-privkey ca.key --template server.tmpl --outfile server.pem");
  g_assert_true (g_file_set_contents (conf, "[http]\nport=0\ntls-certificate=server.pem\ntls-key=server.key\n",
                                      -1, NULL));

  config = gw_config_new (FALSE, dir, dir, &error);
  g_assert_no_error (error);
  server = gw_http_server_new_from_config (config, &error);
  g_assert_no_error (error);
  g_assert_nonnull (server);
  g_assert_true (gw_http_server_is_https (server));
  prefix = g_strdup_printf ("https://127.0.0.1:%u", gw_http_server_get_port (server));
  g_assert_cmpstr (gw_http_server_get_public_base_url (server), ==, prefix);
  g_assert_true (gw_http_server_add_handler (server, "/hook", hello_cb, (gpointer) "tls", NULL));
  url = g_strdup_printf ("%s/hook/x", prefix);
  g_assert_cmpuint (herald_test_http_get_full ("GET", url, ca, &body, NULL), ==, 200);
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), "tls /hook/x", 11);
  g_clear_object (&server);

  /* A key that does not load is a setting error, not a plain-HTTP server. */
  g_assert_true (g_file_set_contents (conf, "[http]\nport=0\ntls-certificate=server.pem\ntls-key=missing.key\n",
                                      -1, NULL));
  g_clear_object (&config);
  config = gw_config_new (FALSE, dir, dir, &error);
  g_assert_no_error (error);
  server = gw_http_server_new_from_config (config, &error);
  g_assert_null (server);
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING);
  herald_test_rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/http-server/handlers", test_handlers);
  g_test_add_func ("/http-server/public-url", test_public_url);
  g_test_add_func ("/http-server/config", test_config);
  g_test_add_func ("/http-server/https", test_https);
  return g_test_run ();
}
