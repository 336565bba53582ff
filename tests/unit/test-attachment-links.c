/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-attachment-links.c: attachments kept in a spool and served as links
 * by GwHttpServer, fetched with a real HTTP client */
#define G_LOG_DOMAIN "test-attachment-links"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "herald-error.h"
#include "herald-test-util.h"
#include "http-test-util.h"
#include "gw-attachment-links.h"

typedef struct {
  char              *tmpdir;
  char              *spool;
  GwHttpServer      *server;
  GwAttachmentLinks *links;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->tmpdir = herald_test_make_tmpdir ("herald-links-XXXXXX");
  f->spool = g_build_filename (f->tmpdir, "attachments", NULL);
  f->server = gw_http_server_new ("127.0.0.1", 0, NULL, NULL, &error);
  g_assert_no_error (error);
  f->links = gw_attachment_links_new (f->spool, f->server, 7, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->links);
  g_clear_object (&f->server);
  herald_test_rm_rf (f->tmpdir);
  g_free (f->spool);
  g_free (f->tmpdir);
}

static guint
count_entries (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  guint n = 0;

  g_assert_nonnull (handle);
  while (g_dir_read_name (handle) != NULL)
    n++;
  return n;
}

static gint64
now_s (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* "BASE/a/TOKEN/NAME": the token, or fail. */
static char *
token_of (Fixture *f, const char *url)
{
  const char *base = gw_http_server_get_public_base_url (f->server);
  const char *token;
  const char *slash;

  g_assert_true (g_str_has_prefix (url, base));
  token = url + strlen (base);
  g_assert_true (g_str_has_prefix (token, "/a/"));
  token += 3;
  slash = strchr (token, '/');
  g_assert_nonnull (slash);
  return g_strndup (token, slash - token);
}

static void
test_download (Fixture *f, gconstpointer data)
{
  static const char content[] = "disk usage 97%\n";
  g_autoptr(GBytes) bytes = g_bytes_new_static (content, strlen (content));
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *other = NULL;
  g_autofree char *token = NULL;
  g_autofree char *wrong = NULL;
  g_autofree char *type = NULL;

  url = gw_attachment_links_store (f->links, "report 1.txt", "text/plain", bytes,
                                   gw_attachment_links_get_default_expiry (f->links), &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (url, "/report%201.txt"));
  token = token_of (f, url);
  /* 32 random bytes, base64url: 43 characters of [A-Za-z0-9_-]. */
  g_assert_cmpuint (strlen (token), ==, 43);
  g_assert_cmpuint (strspn (token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), ==, 43);
  /* The spool does not hold the token itself. */
  {
    g_autofree char *by_token = g_build_filename (f->spool, token, NULL);
    g_assert_false (g_file_test (by_token, G_FILE_TEST_EXISTS));
  }
  /* Two links never share a token. */
  other = gw_attachment_links_store (f->links, "report 1.txt", NULL, bytes,
                                     gw_attachment_links_get_default_expiry (f->links), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (other, !=, url);

  g_assert_cmpuint (herald_test_http_get ("GET", url, &body, &type), ==, 200);
  g_assert_cmpstr (type, ==, "text/plain");
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), content, strlen (content));
  g_assert_cmpuint (herald_test_http_get ("HEAD", url, NULL, NULL), ==, 200);
  g_assert_cmpuint (herald_test_http_get ("POST", url, NULL, NULL), ==, 405);

  /* Another name, another token, a malformed token: unknown. */
  wrong = g_strdup_printf ("%s/a/%s/other.txt", gw_http_server_get_public_base_url (f->server), token);
  g_assert_cmpuint (herald_test_http_get ("GET", wrong, NULL, NULL), ==, 404);
  g_clear_pointer (&wrong, g_free);
  wrong = g_strdup_printf ("%s/a/%s/report%%201.txt", gw_http_server_get_public_base_url (f->server),
                           "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  g_assert_cmpuint (herald_test_http_get ("GET", wrong, NULL, NULL), ==, 404);
  g_clear_pointer (&wrong, g_free);
  wrong = g_strdup_printf ("%s/a/short/report%%201.txt", gw_http_server_get_public_base_url (f->server));
  g_assert_cmpuint (herald_test_http_get ("GET", wrong, NULL, NULL), ==, 404);
  g_clear_pointer (&wrong, g_free);
  wrong = g_strdup_printf ("%s/a/%s", gw_http_server_get_public_base_url (f->server), token);
  g_assert_cmpuint (herald_test_http_get ("GET", wrong, NULL, NULL), ==, 404);
}

/* Many pieces (the file is streamed 64 KiB at a time): the bytes arrive
 * whole and in order, also when the file grew after it was stored (its
 * size is read when it is served). */
static void
test_large_download (Fixture *f, gconstpointer data)
{
  gsize size = 3 * 1024 * 1024 + 123;
  g_autofree guint8 *content = g_malloc (size);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *token = NULL;
  g_autofree char *data_path = NULL;

  for (gsize i = 0; i < size; i++)
    content[i] = (guint8) (i * 7 + i / 65536);
  bytes = g_bytes_new_static (content, size - 1000);
  url = gw_attachment_links_store (f->links, "big.bin", NULL, bytes,
                                   gw_attachment_links_get_default_expiry (f->links), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (herald_test_http_get ("GET", url, &body, NULL), ==, 200);
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), content, size - 1000);
  g_clear_pointer (&body, g_bytes_unref);

  token = token_of (f, url);
  {
    g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
    data_path = g_build_filename (f->spool, hash, "data", NULL);
  }
  g_assert_true (g_file_set_contents (data_path, (const char *) content, (gssize) size, NULL));
  g_assert_cmpuint (herald_test_http_get ("GET", url, &body, NULL), ==, 200);
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), content, size);
  g_assert_cmpuint (herald_test_http_get ("HEAD", url, NULL, NULL), ==, 200);
  /* Gone from under its info: unknown, not an error page. */
  g_assert_cmpint (g_unlink (data_path), ==, 0);
  g_assert_cmpuint (herald_test_http_get ("GET", url, NULL, NULL), ==, 404);
}

static void
test_expiry (Fixture *f, gconstpointer data)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static ("x", 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *expired = NULL;
  g_autofree char *valid = NULL;
  g_autofree char *stale = NULL;

  /* Stored already expired: 410 Gone, and its files go at once. */
  expired = gw_attachment_links_store (f->links, "old.bin", NULL, bytes, now_s () - 1, &error);
  g_assert_no_error (error);
  valid = gw_attachment_links_store (f->links, "new.bin", NULL, bytes, now_s () + 3600, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_entries (f->spool), ==, 2);
  g_assert_cmpuint (herald_test_http_get ("GET", expired, NULL, NULL), ==, 410);
  g_assert_cmpuint (count_entries (f->spool), ==, 1);
  /* Asked again: now unknown. */
  g_assert_cmpuint (herald_test_http_get ("GET", expired, NULL, NULL), ==, 404);
  g_assert_cmpuint (herald_test_http_get ("GET", valid, NULL, NULL), ==, 200);

  /* The sweep removes what expired by the time given, and only that. */
  stale = gw_attachment_links_store (f->links, "stale.bin", NULL, bytes, now_s () + 60, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (gw_attachment_links_sweep (f->links, now_s ()), ==, 0);
  g_assert_cmpuint (gw_attachment_links_sweep (f->links, now_s () + 120), ==, 1);
  g_assert_cmpuint (count_entries (f->spool), ==, 1);
  g_assert_cmpuint (herald_test_http_get ("GET", stale, NULL, NULL), ==, 404);
  g_assert_cmpuint (herald_test_http_get ("GET", valid, NULL, NULL), ==, 200);
  g_assert_cmpuint (gw_attachment_links_sweep (f->links, now_s () + 7200), ==, 1);
  g_assert_cmpuint (count_entries (f->spool), ==, 0);
  g_assert_cmpuint (herald_test_http_get ("GET", valid, NULL, NULL), ==, 404);
}

/* A new store sweeps what expired while the daemon was down, and what a
 * crash left half-written. */
static void
test_sweep_at_start (Fixture *f, gconstpointer data)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static ("x", 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *expired = NULL;
  g_autofree char *valid = NULL;
  g_autofree char *half = g_build_filename (f->spool, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", NULL);
  g_autofree char *foreign = g_build_filename (f->spool, "not-ours", NULL);

  expired = gw_attachment_links_store (f->links, "old.bin", NULL, bytes, now_s () - 10, &error);
  g_assert_no_error (error);
  valid = gw_attachment_links_store (f->links, "new.bin", NULL, bytes, now_s () + 3600, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir (half, 0700), ==, 0);
  g_assert_true (g_file_set_contents (foreign, "", 0, NULL));
  g_clear_object (&f->links);

  f->links = gw_attachment_links_new (f->spool, f->server, 7, &error);
  g_assert_no_error (error);
  g_assert_false (g_file_test (half, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (foreign, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_entries (f->spool), ==, 2);
  g_assert_cmpuint (herald_test_http_get ("GET", valid, NULL, NULL), ==, 200);
  g_assert_cmpuint (herald_test_http_get ("GET", expired, NULL, NULL), ==, 404);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/attachment-links/download", Fixture, NULL, fixture_set_up, test_download, fixture_tear_down);
  g_test_add ("/attachment-links/large-download", Fixture, NULL, fixture_set_up, test_large_download,
              fixture_tear_down);
  g_test_add ("/attachment-links/expiry", Fixture, NULL, fixture_set_up, test_expiry, fixture_tear_down);
  g_test_add ("/attachment-links/sweep-at-start", Fixture, NULL, fixture_set_up, test_sweep_at_start,
              fixture_tear_down);
  return g_test_run ();
}
