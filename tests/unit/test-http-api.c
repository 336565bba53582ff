/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-http-api.c: what the HTTP door makes of request bodies and of its
 * heraldd.conf keys (gw-http-api-request.c, gw-http-api-settings.c); the
 * requests themselves are tested against the daemon with curl, Alertmanager
 * and Prometheus in tests/integration/test_http_api.py */
#include "config.h"

#include <string.h>

#include "herald-error.h"
#include "gw-http-api-private.h"

static GwNotification *
parse (const char *content_type,
       GBytes     *body,
       GError    **error)
{
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);

  soup_message_headers_replace (headers, "Content-Type", content_type);
  return gw_http_api_parse_notification (headers, body, error);
}

static GwNotification *
parse_json (const char *json,
            GError    **error)
{
  g_autoptr(GBytes) body = g_bytes_new (json, strlen (json));

  return parse ("Application/JSON; charset=utf-8", body, error);
}

static void
test_json (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwNotification) n = parse_json (
    "{\"to\": \"ops@example.org\", \"cc\": [\"a@example.org\", \"b@example.org\"],"
    " \"bcc\": [], \"subject\": \"Disk full\", \"body\": \"Line 1\\nLine 2\", \"html\": \"<p>x</p>\","
    " \"from\": \"nas@example.org\", \"reply-to\": \"admin@example.org\","
    " \"headers\": {\"X-Ticket\": \"42\"}, \"category\": \"device.error\", \"urgency\": \"critical\","
    " \"app-name\": \"nas\", \"tags\": \"env=prod\", \"profile\": \"relay\", \"idempotency-key\": \"k1\","
    " \"attachments\": [{\"name\": \"report.txt\", \"content-type\": \"text/plain\", \"data\": \"aGVsbG8K\"},"
    "                   {\"name\": \"empty.bin\", \"data\": \"\"}]}",
    &error);
  GwAttachment *attachment;

  g_assert_no_error (error);
  g_assert_nonnull (n);
  g_assert_cmpstrv (n->to, ((const char * const[]){ "ops@example.org", NULL }));
  g_assert_cmpstrv (n->cc, ((const char * const[]){ "a@example.org", "b@example.org", NULL }));
  g_assert_cmpstr (n->subject, ==, "Disk full");
  g_assert_cmpstr (n->body, ==, "Line 1\nLine 2");
  g_assert_cmpstr (n->html, ==, "<p>x</p>");
  g_assert_cmpstr (n->from, ==, "nas@example.org");
  g_assert_cmpstr (n->reply_to, ==, "admin@example.org");
  g_assert_cmpuint (n->headers->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (n->headers, 0), ==, "X-Ticket");
  g_assert_cmpstr (n->category, ==, "device.error");
  g_assert_cmpuint (n->urgency, ==, 2);
  g_assert_cmpstr (n->app_name, ==, "nas");
  g_assert_cmpstrv (n->tags, ((const char * const[]){ "env=prod", NULL }));
  g_assert_cmpstr (n->profile, ==, "relay");
  g_assert_cmpstr (n->idempotency_key, ==, "k1");
  g_assert_cmpuint (n->attachments->len, ==, 2);
  attachment = g_ptr_array_index (n->attachments, 0);
  g_assert_cmpstr (attachment->name, ==, "report.txt");
  g_assert_cmpstr (attachment->content_type, ==, "text/plain");
  g_assert_cmpmem (g_bytes_get_data (attachment->data, NULL), g_bytes_get_size (attachment->data), "hello\n", 6);
  attachment = g_ptr_array_index (n->attachments, 1);
  g_assert_null (attachment->content_type);
  g_assert_cmpuint (g_bytes_get_size (attachment->data), ==, 0);
  g_assert_cmpuint (n->attachments_size, ==, 6);
}

static void
test_json_refused (void)
{
  static const struct {
    const char *json;
    int         code;
    const char *mentions;
  } cases[] = {
    { "", HERALD_ERROR_INVALID_ARGUMENT, NULL },
    { "[1]", HERALD_ERROR_INVALID_ARGUMENT, "object" },
    { "{\"to\": \"a@example.org\", \"colour\": \"red\"}", HERALD_ERROR_INVALID_ARGUMENT, "colour" },
    { "{\"to\": 5}", HERALD_ERROR_INVALID_ARGUMENT, "to" },
    { "{\"to\": [\"a@example.org\", 5]}", HERALD_ERROR_INVALID_ARGUMENT, "to" },
    { "{\"to\": \"a@example.org\", \"subject\": [\"x\"]}", HERALD_ERROR_INVALID_ARGUMENT, "subject" },
    { "{\"to\": \"a@example.org\", \"urgency\": 3}", HERALD_ERROR_INVALID_ARGUMENT, "urgency" },
    { "{\"to\": \"a@example.org\", \"urgency\": \"urgent\"}", HERALD_ERROR_INVALID_ARGUMENT, "urgency" },
    { "{\"to\": \"a@example.org\", \"urgency\": 1.5}", HERALD_ERROR_INVALID_ARGUMENT, "urgency" },
    { "{\"to\": \"a@example.org\", \"headers\": {\"X-A\": 1}}", HERALD_ERROR_INVALID_ARGUMENT, "headers" },
    /* Send's own checks */
    { "{\"subject\": \"no one\"}", HERALD_ERROR_NO_RECIPIENTS, NULL },
    { "{\"to\": \"a@example.org\", \"subject\": \"a\\r\\nBcc: x@example.org\"}", HERALD_ERROR_INVALID_ARGUMENT, "subject" },
    /* no transport declares the recipient kind "fax" in this test */
    { "{\"to\": \"a@example.org\", \"fax\": \"call me\"}", HERALD_ERROR_INVALID_ARGUMENT, "fax" },
    /* attachments */
    { "{\"to\": \"a@example.org\", \"attachments\": {}}", HERALD_ERROR_INVALID_ARGUMENT, "attachments" },
    { "{\"to\": \"a@example.org\", \"attachments\": [{\"name\": \"a\"}]}", HERALD_ERROR_INVALID_ARGUMENT, "attachments[0]" },
    { "{\"to\": \"a@example.org\", \"attachments\": [{\"name\": \"a\", \"data\": \"aGVsbG8\"}]}", HERALD_ERROR_INVALID_ARGUMENT, "base64" },
    { "{\"to\": \"a@example.org\", \"attachments\": [{\"name\": \"a\", \"data\": \"AA==\", \"path\": \"/etc/shadow\"}]}",
      HERALD_ERROR_INVALID_ARGUMENT, "attachments[0]" },
    { "{\"to\": \"a@example.org\", \"attachments\": [{\"name\": \"../a\", \"data\": \"AA==\"}]}", HERALD_ERROR_INVALID_ARGUMENT, "plain file name" },
    { "{\"to\": \"a@example.org\", \"attachments\": [{\"name\": \"a\", \"content-type\": \"pdf\", \"data\": \"AA==\"}]}",
      HERALD_ERROR_INVALID_ARGUMENT, "content type" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GwNotification) n = parse_json (cases[i].json, &error);

    g_test_message ("case %u: %s", i, cases[i].json);
    g_assert_null (n);
    g_assert_error (error, HERALD_ERROR, cases[i].code);
    if (cases[i].mentions != NULL)
      g_assert_nonnull (strstr (error->message, cases[i].mentions));
  }
}

static void
test_attachment_limits (void)
{
  g_autoptr(GString) many = g_string_new ("{\"to\": \"a@example.org\", \"attachments\": [");
  g_autoptr(GError) error = NULL;
  g_autoptr(GwNotification) n = NULL;
  g_autoptr(GwNotification) big = gw_notification_new ();
  g_autoptr(GBytes) half = g_bytes_new_take (g_malloc0 (GW_NOTIFICATION_MAX_ATTACHMENTS_SIZE / 2 + 1),
                                              GW_NOTIFICATION_MAX_ATTACHMENTS_SIZE / 2 + 1);

  for (guint i = 0; i <= 100; i++)
    g_string_append_printf (many, "%s{\"name\": \"f%u\", \"data\": \"AA==\"}", i > 0 ? "," : "", i);
  g_string_append (many, "]}");
  n = parse_json (many->str, &error);
  g_assert_null (n);
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* the gateway's ceiling counts every attachment together */
  g_assert_true (gw_notification_add_attachment (big, "a", NULL, half, &error));
  g_assert_false (gw_notification_add_attachment (big, "b", NULL, half, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE);
  g_assert_cmpuint (big->attachments->len, ==, 1);
}

static void
test_base64 (void)
{
  static const struct {
    const char *text;
    const char *decoded;
  } good[] = {
    { "", "" },
    { "aGVsbG8=", "hello" },
    { "aGVsbG8h", "hello!" },
    { "aGVs\r\nbG8=\n", "hello" },
    { "aA==", "h" },
  };
  static const char * const bad[] = {
    "aGVsbG8",
    "aGVs*G8=",
    "=aGVsbG8",
    "aG=sbG8=",
    "aGVsbG8===",
    "aGVsbG8-",
    "aGVs bG8=",
    "aGVsbG8=aGVs",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) bytes = gw_http_api_decode_base64 (good[i].text, "data", &error);

    g_assert_no_error (error);
    g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                     good[i].decoded, strlen (good[i].decoded));
  }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) bytes = gw_http_api_decode_base64 (bad[i], "data", &error);

    g_test_message ("bad base64 %s", bad[i]);
    g_assert_null (bytes);
    g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT);
  }
}

static GBytes *
form (SoupMessageHeaders *headers,
      gboolean            with_notification,
      const char         *field_without_file)
{
  g_autoptr(SoupMultipart) multipart = soup_multipart_new ("multipart/form-data");
  g_autoptr(GBytes) json = NULL;
  g_autoptr(GBytes) pdf = g_bytes_new_static ("%PDF-1.4\n", 9);
  g_autoptr(GBytes) blob = g_bytes_new_static ("\x00\x01\x02", 3);
  GBytes *body = NULL;

  if (with_notification) {
    static const char text[] = "{\"to\": [\"ops@example.org\"], \"subject\": \"with files\"}";

    json = g_bytes_new_static (text, strlen (text));
    soup_multipart_append_form_file (multipart, "notification", NULL, "application/json", json);
  }
  if (field_without_file != NULL)
    soup_multipart_append_form_string (multipart, field_without_file, "x");
  soup_multipart_append_form_file (multipart, "file", "report.pdf", "application/pdf", pdf);
  soup_multipart_append_form_file (multipart, "file", "dir/blob.bin", "application/octet-stream", blob);
  soup_multipart_to_message (multipart, headers, &body);
  return body;
}

static void
test_multipart (void)
{
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_autoptr(GBytes) body = form (headers, TRUE, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GwNotification) n = gw_http_api_parse_notification (headers, body, &error);
  GwAttachment *pdf, *blob;

  g_assert_no_error (error);
  g_assert_cmpstr (n->subject, ==, "with files");
  g_assert_cmpuint (n->attachments->len, ==, 2);
  pdf = g_ptr_array_index (n->attachments, 0);
  blob = g_ptr_array_index (n->attachments, 1);
  g_assert_cmpstr (pdf->name, ==, "report.pdf");
  g_assert_cmpstr (pdf->content_type, ==, "application/pdf");
  g_assert_cmpuint (g_bytes_get_size (pdf->data), ==, 9);
  /* a path is cut to its file name; "I do not know" means: detect it */
  g_assert_cmpstr (blob->name, ==, "blob.bin");
  g_assert_null (blob->content_type);
  g_assert_cmpmem (g_bytes_get_data (blob->data, NULL), 3, "\x00\x01\x02", 3);
}

static void
test_multipart_refused (void)
{
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_autoptr(GBytes) without = form (headers, FALSE, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GwNotification) n = gw_http_api_parse_notification (headers, without, &error);
  g_autoptr(GBytes) stray = NULL;
  g_autoptr(GBytes) text = g_bytes_new_static ("hello", 5);

  g_assert_null (n);
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_clear_pointer (&headers, soup_message_headers_unref);
  headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  stray = form (headers, TRUE, "password");
  n = gw_http_api_parse_notification (headers, stray, &error);
  g_assert_null (n);
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "password"));
  g_clear_error (&error);

  /* a boundary that is not there, and another content type */
  soup_message_headers_replace (headers, "Content-Type", "multipart/form-data; boundary=nothing-like-it");
  n = gw_http_api_parse_notification (headers, stray, &error);
  g_assert_null (n);
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  n = parse ("text/plain", text, &error);
  g_assert_null (n);
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NOT_SUPPORTED);
}

static void
test_owner_key (void)
{
  g_autoptr(GwNotification) n = gw_notification_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *too_long = g_strnfill (GW_HTTP_API_MAX_CLIENT_KEY + 1, 'k');
  GwApiToken       token = { .name = (char *) "ci", .id = (char *) "0123456789abcdef" };
  g_autofree char *first = NULL;

  g_assert_true (gw_http_api_set_owner_key (n, &token, "retry-7", &error));
  g_assert_cmpstr (n->idempotency_key, ==, "http/0123456789abcdef/retry-7");
  g_assert_true (gw_http_api_set_owner_key (n, &token, NULL, &error));
  g_assert_true (g_str_has_prefix (n->idempotency_key, "http/0123456789abcdef/~"));
  first = g_strdup (n->idempotency_key);
  g_assert_true (gw_http_api_set_owner_key (n, &token, NULL, &error));
  g_assert_cmpstr (first, !=, n->idempotency_key);

  g_assert_false (gw_http_api_set_owner_key (n, &token, too_long, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (gw_http_api_set_owner_key (n, &token, "a\nb", &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (gw_http_api_set_owner_key (n, &token, "", &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT);
}

static gboolean
load_settings (const char        *text,
               const char        *address,
               gboolean           tls,
               GwHttpApiSettings *settings,
               GError           **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();

  g_assert_true (g_key_file_load_from_data (keyfile, text, -1, G_KEY_FILE_NONE, NULL));
  gw_http_api_settings_init (settings);
  return gw_http_api_settings_load (settings, keyfile, "heraldd.conf", address, tls, error);
}

static void
test_settings (void)
{
  static const char * const bad[] = {
    "[http]\napi=yes please\n",
    "[http]\napi-max-body-size=12\n",
    "[http]\napi-max-body-size=-1\n",
    "[http]\napi-max-body-size=1000000000000\n",
    "[http]\nmetrics-require-token=2\n",
    "[http]\nready-min-free-space=lots\n",
  };
  GwHttpApiSettings settings;
  g_autoptr(GError) error = NULL;

  g_assert_true (load_settings ("[http]\nport=1\n", "127.0.0.1", FALSE, &settings, &error));
  g_assert_false (settings.enabled);
  g_assert_cmpuint (settings.max_body_size, ==, GW_HTTP_API_DEFAULT_MAX_BODY);
  g_assert_false (settings.metrics_require_token);
  g_assert_true (load_settings ("[http]\napi=true\napi-max-body-size=2048\nmetrics-require-token=true\n"
                                "ready-min-free-space=0\n",
                                "::1", FALSE, &settings, &error));
  g_assert_true (settings.enabled);
  g_assert_cmpuint (settings.max_body_size, ==, 2048);
  g_assert_true (settings.metrics_require_token);
  g_assert_cmpuint (settings.min_free_space, ==, 0);

  /* tokens over a network need TLS, or the administrator's word */
  g_assert_false (load_settings ("[http]\napi=true\n", "0.0.0.0", FALSE, &settings, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING);
  g_clear_error (&error);
  g_assert_false (load_settings ("[http]\napi=true\n", "192.0.2.10", FALSE, &settings, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING);
  g_clear_error (&error);
  g_assert_true (load_settings ("[http]\napi=true\n", "192.0.2.10", TRUE, &settings, &error));
  g_assert_true (load_settings ("[http]\napi=true\napi-allow-plain-http=true\n", "0.0.0.0", FALSE,
                                &settings, &error));
  g_assert_no_error (error);
  /* without the API the links server may listen anywhere as before */
  g_assert_true (load_settings ("[http]\nport=8025\n", "0.0.0.0", FALSE, &settings, &error));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_test_message ("%s", bad[i]);
    g_assert_false (load_settings (bad[i], "127.0.0.1", FALSE, &settings, &error));
    g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING);
    g_clear_error (&error);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/http-api/json", test_json);
  g_test_add_func ("/http-api/json-refused", test_json_refused);
  g_test_add_func ("/http-api/attachment-limits", test_attachment_limits);
  g_test_add_func ("/http-api/base64", test_base64);
  g_test_add_func ("/http-api/multipart", test_multipart);
  g_test_add_func ("/http-api/multipart-refused", test_multipart_refused);
  g_test_add_func ("/http-api/owner-key", test_owner_key);
  g_test_add_func ("/http-api/settings", test_settings);
  return g_test_run ();
}
