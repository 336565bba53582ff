/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-smtp-reply.c: SMTP replies are parsed exactly and read with bounded memory */
#define G_LOG_DOMAIN "test-smtp-reply"

#include "config.h"

#include <string.h>

#include "gw-smtp-reply.h"

/* ---- an endless input stream, counting what is read from it ---- */

#define TEST_TYPE_ENDLESS_STREAM (test_endless_stream_get_type ())
G_DECLARE_FINAL_TYPE (TestEndlessStream, test_endless_stream, TEST, ENDLESS_STREAM, GInputStream)

struct _TestEndlessStream {
  GInputStream parent_instance;
  char        *prefix;   /* sent once */
  char        *pattern;  /* then repeated forever */
  gsize        offset;
  gsize        total;    /* bytes handed out */
};

G_DEFINE_TYPE (TestEndlessStream, test_endless_stream, G_TYPE_INPUT_STREAM)

static gssize
endless_read (GInputStream *stream, void *buffer, gsize count, GCancellable *cancellable, GError **error)
{
  TestEndlessStream *self = TEST_ENDLESS_STREAM (stream);
  gsize prefix_len = strlen (self->prefix);
  gsize pattern_len = strlen (self->pattern);
  char *out = buffer;

  for (gsize i = 0; i < count; i++, self->offset++) {
    if (self->offset < prefix_len)
      out[i] = self->prefix[self->offset];
    else
      out[i] = self->pattern[(self->offset - prefix_len) % pattern_len];
  }
  self->total += count;
  return (gssize) count;
}

static gboolean
endless_close (GInputStream *stream, GCancellable *cancellable, GError **error)
{
  return TRUE;
}

static void
endless_finalize (GObject *object)
{
  TestEndlessStream *self = TEST_ENDLESS_STREAM (object);

  g_free (self->prefix);
  g_free (self->pattern);
  G_OBJECT_CLASS (test_endless_stream_parent_class)->finalize (object);
}

static void
test_endless_stream_class_init (TestEndlessStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = endless_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = endless_read;
  G_INPUT_STREAM_CLASS (klass)->close_fn = endless_close;
}

static void
test_endless_stream_init (TestEndlessStream *self)
{
}

static TestEndlessStream *
endless_new (const char *prefix, const char *pattern)
{
  TestEndlessStream *self = g_object_new (TEST_TYPE_ENDLESS_STREAM, NULL);

  self->prefix = g_strdup (prefix);
  self->pattern = g_strdup (pattern);
  return self;
}

/* ---- helpers ---- */

static void
store_result_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GwSmtpReply *
read_reply (GBufferedInputStream *stream, gboolean enhanced, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  gw_smtp_reply_read_async (stream, enhanced, G_PRIORITY_DEFAULT, NULL, store_result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return gw_smtp_reply_read_finish (stream, result, error);
}

static GBufferedInputStream *
stream_for (const char *text)
{
  g_autoptr(GInputStream) base = g_memory_input_stream_new_from_data (g_strdup (text), strlen (text), g_free);

  return G_BUFFERED_INPUT_STREAM (g_buffered_input_stream_new_sized (base, 8192));
}

/* ---- tests ---- */

static void
test_single_line (void)
{
  g_autoptr(GBufferedInputStream) stream = stream_for ("220 mail.example.org ESMTP ready\r\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(GwSmtpReply) reply = read_reply (stream, FALSE, &error);
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (reply->code, ==, 220);
  g_assert_cmpuint (g_strv_length (reply->lines), ==, 1);
  g_assert_cmpstr (reply->lines[0], ==, "mail.example.org ESMTP ready");
  g_assert_null (reply->enhanced_code);
  text = gw_smtp_reply_to_string (reply);
  g_assert_cmpstr (text, ==, "220 mail.example.org ESMTP ready");
  g_assert_false (gw_smtp_reply_has_pending_input (stream));
}

static void
test_multi_line_and_capabilities (void)
{
  g_autoptr(GBufferedInputStream) stream =
    stream_for ("250-mail.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
                "250-AUTH PLAIN LOGIN\r\n250-AUTH=PLAIN LOGIN\r\n250-8bitmime\r\n250 SMTPUTF8\r\n"
                "250 next\r\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(GwSmtpReply) reply = read_reply (stream, FALSE, &error);
  g_autoptr(GHashTable) caps = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (reply->code, ==, 250);
  g_assert_cmpuint (g_strv_length (reply->lines), ==, 7);
  caps = gw_smtp_reply_parse_capabilities (reply);
  g_assert_cmpstr (g_hash_table_lookup (caps, "PIPELINING"), ==, "");
  g_assert_cmpstr (g_hash_table_lookup (caps, "SIZE"), ==, "10240000");
  g_assert_cmpstr (g_hash_table_lookup (caps, "AUTH"), ==, "PLAIN LOGIN");
  g_assert_true (g_hash_table_contains (caps, "8BITMIME"));
  g_assert_true (g_hash_table_contains (caps, "SMTPUTF8"));
  g_assert_false (g_hash_table_contains (caps, "MAIL.EXAMPLE.ORG"));
  /* The next reply is still buffered, and read next. */
  g_assert_true (gw_smtp_reply_has_pending_input (stream));
  {
    g_autoptr(GwSmtpReply) next = read_reply (stream, FALSE, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (next->lines[0], ==, "next");
  }
}

static void
test_enhanced_codes (void)
{
  struct {
    const char *input;
    gboolean    enhanced;
    const char *code;
  } cases[] = {
    { "550 5.1.1 <x@example.org>: user unknown\r\n", TRUE, "5.1.1" },
    { "550 5.1.1 <x@example.org>: user unknown\r\n", FALSE, NULL },
    { "250 2.0.0 Ok: queued as ABC\r\n", TRUE, "2.0.0" },
    { "451 4.7.1 Try again\r\n", TRUE, "4.7.1" },
    { "550 4.7.1 class mismatch\r\n", TRUE, NULL },
    { "550 5.123.456 long\r\n", TRUE, "5.123.456" },
    { "550 5.1234.1 too long\r\n", TRUE, NULL },
    { "550 5.1.1x glued\r\n", TRUE, NULL },
    { "550 no code\r\n", TRUE, NULL },
    { "550-5.1.1 first\r\n550 5.1.1 second\r\n", TRUE, "5.1.1" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GBufferedInputStream) stream = stream_for (cases[i].input);
    g_autoptr(GError) error = NULL;
    g_autoptr(GwSmtpReply) reply = read_reply (stream, cases[i].enhanced, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (reply->enhanced_code, ==, cases[i].code);
  }
}

static void
test_lenient_forms (void)
{
  g_autoptr(GBufferedInputStream) stream = stream_for ("250\r\n354 go ahead\n221-bye\n221\r\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(GwSmtpReply) bare = read_reply (stream, FALSE, &error);
  g_autoptr(GwSmtpReply) lf = NULL;
  g_autoptr(GwSmtpReply) multi = NULL;
  g_autofree char *bare_text = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (bare->code, ==, 250);
  g_assert_cmpstr (bare->lines[0], ==, "");
  bare_text = gw_smtp_reply_to_string (bare);
  g_assert_cmpstr (bare_text, ==, "250");
  lf = read_reply (stream, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lf->code, ==, 354);
  multi = read_reply (stream, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (multi->code, ==, 221);
  g_assert_cmpuint (g_strv_length (multi->lines), ==, 2);
}

static void
test_sanitized (void)
{
  g_autoptr(GBufferedInputStream) stream = stream_for ("550 bad\tbyte \xff here\r\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(GwSmtpReply) reply = read_reply (stream, FALSE, &error);

  g_assert_no_error (error);
  g_assert_true (g_utf8_validate (reply->lines[0], -1, NULL));
  g_assert_null (strchr (reply->lines[0], '\t'));
}

static void
test_malformed (void)
{
  const char *inputs[] = {
    "hello\r\n",
    "25\r\n",
    "2500 x\r\n",
    "250x\r\n",
    "abc def\r\n",
    "150 preliminary\r\n",
    "650 out of range\r\n",
    "250-first\r\n354 other code\r\n",
    "",                  /* end of stream */
    "250-unfinished\r\n", /* end of stream within a reply */
    "250 no line end",
  };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++) {
    g_autoptr(GBufferedInputStream) stream = stream_for (inputs[i]);
    g_autoptr(GError) error = NULL;
    g_autoptr(GwSmtpReply) reply = read_reply (stream, FALSE, &error);

    g_test_message ("input %u", i);
    g_assert_null (reply);
    g_assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA) ||
                   g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED));
  }
}

static void
test_line_limits (void)
{
  GString *line = g_string_new ("250 ");
  g_autofree char *at_limit = NULL;
  g_autofree char *over_limit = NULL;

  /* Exactly GW_SMTP_REPLY_MAX_LINE bytes is fine, one more is not. */
  while (line->len < GW_SMTP_REPLY_MAX_LINE)
    g_string_append_c (line, 'x');
  at_limit = g_strdup_printf ("%s\r\n", line->str);
  over_limit = g_strdup_printf ("%sx\r\n", line->str);
  g_string_free (line, TRUE);
  {
    g_autoptr(GBufferedInputStream) stream = stream_for (at_limit);
    g_autoptr(GError) error = NULL;
    g_autoptr(GwSmtpReply) reply = read_reply (stream, FALSE, &error);
    g_assert_no_error (error);
  }
  {
    g_autoptr(GBufferedInputStream) stream = stream_for (over_limit);
    g_autoptr(GError) error = NULL;
    g_autoptr(GwSmtpReply) reply = read_reply (stream, FALSE, &error);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  }
}

static void
test_line_count_limit (void)
{
  GString *ok = g_string_new (NULL);
  g_autofree char *ok_text = NULL;

  for (guint i = 1; i < GW_SMTP_REPLY_MAX_LINES; i++)
    g_string_append (ok, "250-line\r\n");
  g_string_append (ok, "250 last\r\n");
  ok_text = g_string_free (ok, FALSE);
  {
    g_autoptr(GBufferedInputStream) stream = stream_for (ok_text);
    g_autoptr(GError) error = NULL;
    g_autoptr(GwSmtpReply) reply = read_reply (stream, FALSE, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_strv_length (reply->lines), ==, GW_SMTP_REPLY_MAX_LINES);
  }
  {
    /* One line more is refused. */
    g_autofree char *too_many = g_strconcat ("250-line\r\n", ok_text, NULL);
    g_autoptr(GBufferedInputStream) stream = stream_for (too_many);
    g_autoptr(GError) error = NULL;
    g_autoptr(GwSmtpReply) reply = read_reply (stream, FALSE, &error);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  }
}

/* A megabyte without a newline fails once the limit is passed: the reader
 * never takes more than one buffer from the stream. */
static void
test_huge_line_bounded (void)
{
  g_autoptr(TestEndlessStream) endless = endless_new ("250 ", "A");
  g_autoptr(GBufferedInputStream) stream =
    G_BUFFERED_INPUT_STREAM (g_buffered_input_stream_new_sized (G_INPUT_STREAM (endless), 8192));
  g_autoptr(GError) error = NULL;
  g_autoptr(GwSmtpReply) reply = read_reply (stream, FALSE, &error);

  g_assert_null (reply);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_cmpuint (endless->total, <=, 8192);
}

static void
test_endless_continuation_bounded (void)
{
  g_autoptr(TestEndlessStream) endless = endless_new ("", "250-more\r\n");
  g_autoptr(GBufferedInputStream) stream =
    G_BUFFERED_INPUT_STREAM (g_buffered_input_stream_new_sized (G_INPUT_STREAM (endless), 8192));
  g_autoptr(GError) error = NULL;
  g_autoptr(GwSmtpReply) reply = read_reply (stream, FALSE, &error);

  g_assert_null (reply);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_cmpuint (endless->total, <=, 2 * 8192);
}

static void
test_copy (void)
{
  const char * const lines[] = { "5.1.1 unknown", NULL };
  g_autoptr(GwSmtpReply) reply = gw_smtp_reply_new (550, lines);
  g_autoptr(GwSmtpReply) copy = NULL;

  gw_smtp_reply_parse_enhanced (reply);
  copy = gw_smtp_reply_copy (reply);
  g_assert_cmpuint (copy->code, ==, 550);
  g_assert_cmpstr (copy->lines[0], ==, "5.1.1 unknown");
  g_assert_cmpstr (copy->enhanced_code, ==, "5.1.1");
  g_assert_false (gw_smtp_reply_is_positive (copy));
  g_assert_false (gw_smtp_reply_is_transient (copy));
}

/* The provider replies of gw-smtp-reply-advice.c: the server's text stays
 * first and whole, the advice follows; other replies are left alone. */
static const struct {
  guint       code;
  const char *lines[3];
  gboolean    parse_enhanced;
  gboolean    oauth;
  const char *expect;      /* a piece of the advice, or NULL: none */
} advice_cases[] = {
  /* A table, kept as written */
  /* clang-format off */
  { 535, { "5.7.139 Authentication unsuccessful, basic authentication is disabled.", NULL },
    TRUE, FALSE, "heraldctl profile sign-in corp" },
  { 535, { "5.7.139 Authentication unsuccessful, the user is locked by your organization's "
           "security defaults policy.", NULL }, FALSE, FALSE, "OAuth 2.0 instead of the password" },
  { 550, { "5.7.30 Basic authentication is not supported for Client Submission.", NULL },
    TRUE, FALSE, "client submission (SMTP AUTH)" },
  { 535, { "5.7.3 Authentication unsuccessful [MW4PR04CA0001.namprd04.prod.outlook.com]", NULL },
    TRUE, FALSE, "Authenticated SMTP on for the mailbox" },
  { 535, { "5.7.3 Authentication unsuccessful", NULL }, TRUE, TRUE, "SMTP.SendAsApp" },
  { 550, { "5.7.60 SMTP; Client does not have permissions to send as this sender", NULL },
    TRUE, FALSE, "Send As permission" },
  { 554, { "5.2.252 SendAsDenied; alerts@example.org not allowed to send as boss@example.org",
           NULL }, TRUE, FALSE, "Send As permission" },
  { 534, { "5.7.9 Application-specific password required. Learn more at",
           "5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor", NULL },
    TRUE, FALSE, "app password" },
  { 534, { "5.7.9 Application-specific password required.", NULL }, FALSE, TRUE, "sign-in corp" },
  /* not the table's: same class, other codes */
  { 535, { "5.7.8 Username and Password not accepted.", NULL }, TRUE, FALSE, NULL },
  { 535, { "5.7.31 Something else", NULL }, TRUE, FALSE, NULL },
  { 550, { "5.1.1 <x@example.org>: user unknown", NULL }, TRUE, FALSE, NULL },
  { 535, { "Authentication failed 5.7.139", NULL }, FALSE, FALSE, NULL },
  /* clang-format on */
};

static void
test_advice (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (advice_cases); i++) {
    g_autoptr(GwSmtpReply) reply = gw_smtp_reply_new (advice_cases[i].code, advice_cases[i].lines);
    g_autofree char *plain = NULL;
    g_autofree char *advice = NULL;
    g_autofree char *described = NULL;

    if (advice_cases[i].parse_enhanced)
      gw_smtp_reply_parse_enhanced (reply);
    plain = gw_smtp_reply_to_string (reply);
    advice = gw_smtp_reply_explain (reply, "corp", advice_cases[i].oauth);
    described = gw_smtp_reply_describe (reply, "corp", advice_cases[i].oauth);
    g_test_message ("%s -> %s", plain, described);
    g_assert_true (g_str_has_prefix (described, plain));
    if (advice_cases[i].expect == NULL) {
      g_assert_null (advice);
      g_assert_cmpstr (described, ==, plain);
      continue;
    }
    g_assert_nonnull (advice);
    g_assert_nonnull (strstr (advice, advice_cases[i].expect));
    g_assert_nonnull (strstr (described, advice));
  }
}

/* Without a profile name there is no command to show, still the advice. */
static void
test_advice_without_profile (void)
{
  const char * const lines[] = { "5.7.139 Authentication unsuccessful", NULL };
  g_autoptr(GwSmtpReply) reply = gw_smtp_reply_new (535, lines);
  g_autofree char *advice = gw_smtp_reply_explain (reply, NULL, FALSE);

  g_assert_nonnull (strstr (advice, "OAuth 2.0"));
  g_assert_null (strstr (advice, "heraldctl"));
}

/* Replies already buffered are read at once; a reply whose last line has
 * not come is left alone, for the asynchronous read. */
static void
test_read_buffered (void)
{
  static const char data[] = "250-2.1.0 first\r\n250 Ok\r\n354 go on\r\n250-partial\r\n250 en";
  g_autoptr(GInputStream) base = g_memory_input_stream_new_from_data (data, sizeof data - 1, NULL);
  g_autoptr(GInputStream) input = g_buffered_input_stream_new_sized (base, 8192);
  GBufferedInputStream *buffered = G_BUFFERED_INPUT_STREAM (input);
  g_autoptr(GwSmtpReply) none = NULL;
  g_autoptr(GError) error = NULL;
  gsize avail = 0;

  /* Nothing buffered yet: nothing read, nothing waited for. */
  none = gw_smtp_reply_read_buffered (buffered, TRUE, &error);
  g_assert_no_error (error);
  g_assert_null (none);
  g_assert_cmpint (g_buffered_input_stream_fill (buffered, -1, NULL, &error), ==, sizeof data - 1);
  g_assert_no_error (error);
  {
    g_autoptr(GwSmtpReply) first = gw_smtp_reply_read_buffered (buffered, TRUE, &error);
    g_autoptr(GwSmtpReply) second = gw_smtp_reply_read_buffered (buffered, TRUE, &error);
    g_autoptr(GwSmtpReply) partial = NULL;

    g_assert_no_error (error);
    g_assert_nonnull (first);
    g_assert_cmpuint (first->code, ==, 250);
    g_assert_cmpuint (g_strv_length (first->lines), ==, 2);
    g_assert_cmpstr (first->lines[1], ==, "Ok");
    g_assert_cmpstr (first->enhanced_code, ==, "2.1.0");
    g_assert_nonnull (second);
    g_assert_cmpuint (second->code, ==, 354);
    /* "250-partial" came, its last line not: left in the buffer. */
    partial = gw_smtp_reply_read_buffered (buffered, TRUE, &error);
    g_assert_no_error (error);
    g_assert_null (partial);
    g_buffered_input_stream_peek_buffer (buffered, &avail);
    g_assert_cmpuint (avail, ==, strlen ("250-partial\r\n250 en"));
  }
}

static void
test_read_buffered_malformed (void)
{
  static const char data[] = "250-fine\r\nxyz nonsense\r\n";
  g_autoptr(GInputStream) base = g_memory_input_stream_new_from_data (data, sizeof data - 1, NULL);
  g_autoptr(GInputStream) input = g_buffered_input_stream_new_sized (base, 8192);
  g_autoptr(GwSmtpReply) reply = NULL;
  g_autoptr(GError) error = NULL;

  g_buffered_input_stream_fill (G_BUFFERED_INPUT_STREAM (input), -1, NULL, NULL);
  reply = gw_smtp_reply_read_buffered (G_BUFFERED_INPUT_STREAM (input), FALSE, &error);
  g_assert_null (reply);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/smtp-reply/single-line", test_single_line);
  g_test_add_func ("/smtp-reply/read-buffered", test_read_buffered);
  g_test_add_func ("/smtp-reply/read-buffered-malformed", test_read_buffered_malformed);
  g_test_add_func ("/smtp-reply/multi-line-capabilities", test_multi_line_and_capabilities);
  g_test_add_func ("/smtp-reply/enhanced-codes", test_enhanced_codes);
  g_test_add_func ("/smtp-reply/lenient-forms", test_lenient_forms);
  g_test_add_func ("/smtp-reply/sanitized", test_sanitized);
  g_test_add_func ("/smtp-reply/malformed", test_malformed);
  g_test_add_func ("/smtp-reply/line-limits", test_line_limits);
  g_test_add_func ("/smtp-reply/line-count-limit", test_line_count_limit);
  g_test_add_func ("/smtp-reply/huge-line-bounded", test_huge_line_bounded);
  g_test_add_func ("/smtp-reply/endless-continuation-bounded", test_endless_continuation_bounded);
  g_test_add_func ("/smtp-reply/copy", test_copy);
  g_test_add_func ("/smtp-reply/advice", test_advice);
  g_test_add_func ("/smtp-reply/advice-without-profile", test_advice_without_profile);
  return g_test_run ();
}
