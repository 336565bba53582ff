/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-graph.c: the graph transport's answers and request bodies */
#include "config.h"

#include <string.h>

#include <gmime/gmime.h>

#include "gw-graph.h"

static void
test_error_body (void)
{
  const char body[] = "{\"error\": {\"code\": \"ErrorSendAsDenied\", \"message\": \"The user account "
                      "which was used to submit this request does not have the right to send mail "
                      "on behalf of the specified sending account.\\r\\nCannot submit message.\", "
                      "\"innerError\": {\"request-id\": \"abc\"}}}";
  GwGraphAnswer answer = { 403, g_strdup ("Forbidden") };
  g_autofree char *text = NULL;

  gw_graph_answer_parse_body (&answer, body, strlen (body));
  g_assert_cmpstr (answer.error_code, ==, "ErrorSendAsDenied");
  /* control characters become blanks */
  g_assert_null (strchr (answer.error_message, '\r'));
  text = gw_graph_answer_describe (&answer);
  g_assert_true (g_str_has_prefix (text, "HTTP 403 Forbidden: ErrorSendAsDenied: The user account"));
  g_assert_nonnull (strstr (text, "Cannot submit message."));
  gw_graph_answer_clear (&answer);
  g_assert_null (answer.error_code);
  g_assert_cmpuint (answer.status, ==, 0);
}

static void
test_odd_bodies (void)
{
  const char *bodies[] = { "", "not json", "[1, 2]", "{\"error\": \"text\"}",
                           "{\"error\": {\"code\": 42}}", "{\"message\": \"x\"}" };

  for (gsize i = 0; i < G_N_ELEMENTS (bodies); i++) {
    GwGraphAnswer answer = { 400, g_strdup ("Bad Request") };
    g_autofree char *text = NULL;

    gw_graph_answer_parse_body (&answer, bodies[i], strlen (bodies[i]));
    g_assert_null (answer.error_code);
    text = gw_graph_answer_describe (&answer);
    g_assert_cmpstr (text, ==, "HTTP 400 Bad Request");
    gw_graph_answer_clear (&answer);
  }
}

/* Answers json-glib must not see (gw_json_text_check()): nested past
 * GW_JSON_TEXT_MAX_DEPTH (a recursive parser's stack), a \u0000 that would
 * cut the code short, an escape JSON does not have, bytes that are not
 * UTF-8. None gives an error code. (60,000 brackets fit in the 64 KiB of
 * an answer read, and overflowed the stack.) */
static void
test_hostile_bodies (void)
{
  g_autofree char *open = g_strnfill (60000, '[');
  g_autofree char *deep = g_strdup_printf ("{\"error\": {\"code\": \"X\", \"a\": %s", open);
  const char *bodies[] = { deep, "{\"error\": {\"code\": \"Error\\u0000Denied\"}}",
                           "{\"error\": {\"code\": \"Error\\222\"}}",
                           "{\"error\": {\"code\": \"Error\xff\"}}" };

  for (gsize i = 0; i < G_N_ELEMENTS (bodies); i++) {
    GwGraphAnswer answer = { 400, g_strdup ("Bad Request") };

    gw_graph_answer_parse_body (&answer, bodies[i], strlen (bodies[i]));
    g_assert_null (answer.error_code);
    gw_graph_answer_clear (&answer);
  }
}

static void
test_long_message_bounded (void)
{
  g_autofree char *long_text = g_strnfill (10000, 'x');
  g_autofree char *body = g_strdup_printf ("{\"error\":{\"code\":\"ErrorX\",\"message\":\"%s\"}}", long_text);
  GwGraphAnswer answer = { 400 };

  gw_graph_answer_parse_body (&answer, body, strlen (body));
  g_assert_cmpuint (strlen (answer.error_message), <=, 300);
  gw_graph_answer_clear (&answer);
}

static void
test_retry_after (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_utc (2026, 12, 4, 10, 0, 0);

  g_assert_cmpuint (gw_graph_parse_retry_after (NULL, now), ==, 0);
  g_assert_cmpuint (gw_graph_parse_retry_after ("", now), ==, 0);
  g_assert_cmpuint (gw_graph_parse_retry_after ("120", now), ==, 120);
  g_assert_cmpuint (gw_graph_parse_retry_after (" 7 ", now), ==, 7);
  g_assert_cmpuint (gw_graph_parse_retry_after ("0", now), ==, 1);
  g_assert_cmpuint (gw_graph_parse_retry_after ("999999999", now), ==, GW_GRAPH_MAX_RETRY_AFTER);
  g_assert_cmpuint (gw_graph_parse_retry_after ("12abc", now), ==, 0);
  g_assert_cmpuint (gw_graph_parse_retry_after ("-5", now), ==, 0);
  g_assert_cmpuint (gw_graph_parse_retry_after ("Fri, 04 Dec 2026 10:01:30 GMT", now), ==, 90);
  g_assert_cmpuint (gw_graph_parse_retry_after ("Fri, 04 Dec 2026 09:00:00 GMT", now), ==, 1);
  g_assert_cmpuint (gw_graph_parse_retry_after ("Sat, 04 Dec 2027 10:00:00 GMT", now), ==,
                    GW_GRAPH_MAX_RETRY_AFTER);
  g_assert_cmpuint (gw_graph_parse_retry_after ("tomorrow", now), ==, 0);
}

static GwEnvelope *
make_envelope (const char         *message,
               const char * const *recipients)
{
  g_autoptr(GBytes) bytes = g_bytes_new (message, strlen (message));
  GwEnvelope *envelope = gw_envelope_new ("1", "alerts@example.org", "<1@example.org>", bytes);

  for (guint i = 0; recipients[i] != NULL; i++)
    gw_envelope_add_recipient (envelope, recipients[i], "to");
  return envelope;
}

static char *
decode (GBytes *payload)
{
  g_autofree char *text = g_strndup (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
  gsize length;
  guchar *data;

  g_assert_null (strchr (text, '\n'));
  data = g_base64_decode (text, &length);
  return (char *) g_realloc (data, length + 1);
}

#define MESSAGE \
  "From: Alerts <alerts@example.org>\r\n" \
  "To: Ops <ops@example.org>, \"Doe, Jane\" <JANE@example.org>\r\n" \
  "Cc: team: lead@example.org;\r\n" \
  "Subject: disk full\r\n" \
  "\r\n" \
  "Body with To: nobody@example.org in it.\r\n"

static void
test_payload_adds_bcc (void)
{
  const char * const recipients[] = { "ops@example.org", "jane@example.org", "lead@example.org",
                                      "hidden@example.org", "secret@example.org", NULL };
  g_autoptr(GwEnvelope) envelope = make_envelope (MESSAGE, recipients);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) payload = gw_graph_build_payload (envelope, &error);
  g_autofree char *decoded = NULL;
  gsize length;

  g_assert_no_error (error);
  decoded = decode (payload);
  length = strlen (decoded);
  g_assert_cmpstr (decoded, ==, "Bcc: hidden@example.org,\r\n secret@example.org\r\n" MESSAGE);
  g_assert_cmpuint (g_bytes_get_size (payload), ==, (length + 2) / 3 * 4);
  g_assert_true (gw_graph_check_message (envelope, &error));
}

static void
test_payload_exact (void)
{
  const char * const recipients[] = { "ops@example.org", "jane@example.org", "lead@example.org", NULL };
  g_autoptr(GwEnvelope) envelope = make_envelope (MESSAGE, recipients);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) payload = gw_graph_build_payload (envelope, &error);
  g_autofree char *decoded = decode (payload);

  g_assert_cmpstr (decoded, ==, MESSAGE);
}

/* A header recipient who is not a recipient of this job would get it too. */
static void
test_payload_refuses_split (void)
{
  const char * const recipients[] = { "ops@example.org", "lead@example.org", NULL };
  g_autoptr(GwEnvelope) envelope = make_envelope (MESSAGE, recipients);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) payload = gw_graph_build_payload (envelope, &error);

  g_assert_null (payload);
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "jane@example.org"));
  g_clear_error (&error);
  g_assert_false (gw_graph_check_message (envelope, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NOT_SUPPORTED);

  /* a recipient already sent (a later attempt) is not pending either */
  {
    const char * const all[] = { "ops@example.org", "jane@example.org", "lead@example.org", NULL };
    g_autoptr(GwEnvelope) again = make_envelope (MESSAGE, all);
    g_autoptr(GError) again_error = NULL;

    gw_envelope_set_result (again, 1, GW_RECIPIENT_SENT, "HTTP 202", NULL);
    g_assert_false (gw_graph_check_message (again, &again_error));
    g_assert_error (again_error, HERALD_ERROR, HERALD_ERROR_NOT_SUPPORTED);
  }
}

static void
test_payload_lf_message (void)
{
  const char * const recipients[] = { "a@example.org", "b@example.org", NULL };
  g_autoptr(GwEnvelope) envelope = make_envelope ("To: a@example.org\nSubject: x\n\nbody\n", recipients);
  g_autoptr(GBytes) payload = gw_graph_build_payload (envelope, NULL);
  g_autofree char *decoded = decode (payload);

  g_assert_cmpstr (decoded, ==, "Bcc: b@example.org\nTo: a@example.org\nSubject: x\n\nbody\n");
}

static void
test_size_limit (void)
{
  const char * const recipients[] = { "a@example.org", NULL };
  const char head[] = "To: a@example.org\r\n\r\n";
  /* the largest message whose base64 fits, and one byte more */
  gsize fits = GW_GRAPH_MAX_REQUEST / 4 * 3;
  g_autofree char *big = g_malloc (fits + 2);

  memset (big, 'x', fits + 1);
  memcpy (big, head, strlen (head));
  big[fits] = '\0';
  {
    g_autoptr(GwEnvelope) envelope = make_envelope (big, recipients);
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) payload = gw_graph_build_payload (envelope, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (g_bytes_get_size (payload), ==, GW_GRAPH_MAX_REQUEST);
  }
  big[fits] = 'x';
  big[fits + 1] = '\0';
  {
    g_autoptr(GwEnvelope) envelope = make_envelope (big, recipients);
    g_autoptr(GError) error = NULL;

    g_assert_false (gw_graph_check_message (envelope, &error));
    g_assert_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE);
    g_assert_null (gw_graph_build_payload (envelope, NULL));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

  g_test_add_func ("/graph/answer/error-body", test_error_body);
  g_test_add_func ("/graph/answer/odd-bodies", test_odd_bodies);
  g_test_add_func ("/graph/answer/long-message-bounded", test_long_message_bounded);
  g_test_add_func ("/graph/answer/hostile-bodies", test_hostile_bodies);
  g_test_add_func ("/graph/answer/retry-after", test_retry_after);
  g_test_add_func ("/graph/payload/adds-bcc", test_payload_adds_bcc);
  g_test_add_func ("/graph/payload/exact", test_payload_exact);
  g_test_add_func ("/graph/payload/refuses-split", test_payload_refuses_split);
  g_test_add_func ("/graph/payload/lf-message", test_payload_lf_message);
  g_test_add_func ("/graph/payload/size-limit", test_size_limit);
  return g_test_run ();
}
