/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-message-reader.c: a complete message as SendMessage and the sendmail
 * door read it: headers kept byte for byte, Bcc removed, -t, fields added
 * only when missing, header injection refused, long lines re-encoded,
 * attachments counted */
#define G_LOG_DOMAIN "test-message-reader"

#include "config.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "herald-error.h"
#include "gw-gmime.h"
#include "gw-message-reader.h"

static const GwMessageReadOptions plain = { FALSE, "cron@host.example", "Cron Daemon" };
static const GwMessageReadOptions extract = { TRUE, "cron@host.example", NULL };

static GwMessage *
read_text (const char                 *text,
           gsize                       len,
           const GwMessageReadOptions *options,
           GError                    **error)
{
  g_autoptr(GBytes) raw = g_bytes_new (text, len == 0 ? strlen (text) : len);

  return gw_message_read (raw, options, error);
}

static char *
message_text (GwMessage *m)
{
  gsize len;
  const char *data = g_bytes_get_data (m->message, &len);

  return g_strndup (data, len);
}

/* The header section of @text (up to the empty line), CRLF included. */
static char *
header_of (const char *text)
{
  const char *end = strstr (text, "\r\n\r\n");

  g_assert_nonnull (end);
  return g_strndup (text, (gsize) (end - text) + 2);
}

static GMimeMessage *
parse (GwMessage *m)
{
  gsize len;
  const char *data = g_bytes_get_data (m->message, &len);
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer (data, len);
  g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream (stream);
  GMimeMessage *message = g_mime_parser_construct_message (parser, NULL);

  g_assert_nonnull (message);
  return message;
}

/* The decoded text of a part. */
static char *
decoded (GMimeObject *object)
{
  g_autoptr(GMimeStream) out = g_mime_stream_mem_new ();
  GByteArray *bytes;

  g_assert_true (GMIME_IS_PART (object));
  g_mime_data_wrapper_write_to_stream (g_mime_part_get_content (GMIME_PART (object)), out);
  bytes = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (out));
  return g_strndup ((const char *) bytes->data, bytes->len);
}

static void
test_kept (void)
{
  static const char input[] =
    "From: Cron Daemon <root@host.example>\n"
    "To: root\n"
    "Subject: Cron <root@host> run-parts\n"
    "  --report /etc/cron.daily\n"
    "X-Odd:   spaced   \n"
    "Date: Tue, 3 Mar 2026 10:00:00 +0100\n"
    "Message-ID: <kept.1@host.example>\n"
    "\n"
    "line one\n"
    "..a line with dots\n"
    "\n"
    "last line\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(GwMessage) m = read_text (input, 0, &plain, &error);
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  text = message_text (m);
  /* byte for byte, LF made CRLF; nothing added */
  g_assert_cmpstr (text, ==,
    "From: Cron Daemon <root@host.example>\r\n"
    "To: root\r\n"
    "Subject: Cron <root@host> run-parts\r\n"
    "  --report /etc/cron.daily\r\n"
    "X-Odd:   spaced   \r\n"
    "Date: Tue, 3 Mar 2026 10:00:00 +0100\r\n"
    "Message-ID: <kept.1@host.example>\r\n"
    "\r\n"
    "line one\r\n"
    "..a line with dots\r\n"
    "\r\n"
    "last line\r\n");
  g_assert_cmpstr (m->message_id, ==, "kept.1@host.example");
  g_assert_cmpstr (m->subject, ==, "Cron <root@host> run-parts  --report /etc/cron.daily");
  g_assert_cmpstr (m->from, ==, "root@host.example");
  g_assert_null (m->to);
  g_assert_false (m->has_8bit);
  g_assert_false (m->needs_smtputf8);
  g_assert_cmpuint (m->n_reencoded, ==, 0);
  g_assert_cmpuint (m->n_attachments, ==, 0);
  g_assert_cmpuint (m->urgency, ==, 1);
}

static void
test_added (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwMessage) m = NULL;
  g_autofree char *text = NULL;
  g_autofree char *expected_id = NULL;

  /* no header at all: the whole input is the body */
  m = read_text ("hello, this is no header\nsecond line\n", 0, &plain, &error);
  g_assert_no_error (error);
  text = message_text (m);
  g_assert_true (g_str_has_prefix (text, "From: Cron Daemon <cron@host.example>\r\nDate: "));
  expected_id = g_strdup_printf ("\r\nMessage-ID: <%s>\r\n\r\nhello, this is no header\r\nsecond line\r\n",
                                 m->message_id);
  g_assert_nonnull (strstr (text, expected_id));
  g_assert_true (g_str_has_suffix (m->message_id, "@host.example"));
  g_assert_cmpstr (m->from, ==, "cron@host.example");
  g_clear_pointer (&m, gw_message_free);
  g_clear_pointer (&text, g_free);

  /* a non-header line ends the header section, and an empty line goes in */
  m = read_text ("Subject: x\nnot a header line\n", 0, &plain, &error);
  g_assert_no_error (error);
  text = message_text (m);
  g_assert_true (g_str_has_prefix (text, "Subject: x\r\nFrom: "));
  g_assert_true (g_str_has_suffix (text, "\r\n\r\nnot a header line\r\n"));
  g_clear_pointer (&m, gw_message_free);
  g_clear_pointer (&text, g_free);

  /* an mbox From line is dropped; no line end at the end is added */
  m = read_text ("From root  Tue Mar  3 10:00:00 2026\nFrom: a@b.example\nSubject: y\n\nbody", 0,
                 &plain, &error);
  g_assert_no_error (error);
  text = message_text (m);
  g_assert_true (g_str_has_prefix (text, "From: a@b.example\r\nSubject: y\r\nDate: "));
  g_assert_true (g_str_has_suffix (text, "\r\n\r\nbody\r\n"));
  g_assert_true (g_str_has_suffix (m->message_id, "@b.example"));
  g_clear_pointer (&m, gw_message_free);
  g_clear_pointer (&text, g_free);

  /* an empty message: the added fields and an empty body */
  m = read_text ("", 0, &plain, &error);
  g_assert_no_error (error);
  text = message_text (m);
  g_assert_true (g_str_has_prefix (text, "From: "));
  g_assert_true (g_str_has_suffix (text, ">\r\n\r\n"));
}

static void
test_extract (void)
{
  static const char input[] =
    "From: a@example.org\n"
    "To: Root <root>, ops@example.org\n"
    "Cc: team: x@example.org, y@example.org;\n"
    "Bcc: hidden@example.org,\n"
    "  hidden2@example.org\n"
    "Resent-Bcc: resent@example.org\n"
    "Subject: =?UTF-8?Q?caf=C3=A9?=\n"
    "\n"
    "Bcc: in the body stays\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(GwMessage) m = read_text (input, 0, &extract, &error);
  g_autofree char *text = NULL;
  g_autofree char *header = NULL;
  const char * const to[] = { "root", "ops@example.org", NULL };
  const char * const cc[] = { "x@example.org", "y@example.org", NULL };
  const char * const bcc[] = { "hidden@example.org", "hidden2@example.org", NULL };

  g_assert_no_error (error);
  g_assert_cmpstrv (m->to, to);
  g_assert_cmpstrv (m->cc, cc);
  g_assert_cmpstrv (m->bcc, bcc);
  g_assert_cmpstr (m->subject, ==, "café");
  text = message_text (m);
  header = header_of (text);
  g_assert_null (strstr (header, "Bcc"));
  g_assert_null (strstr (text, "hidden"));
  g_assert_null (strstr (text, "resent@"));
  g_assert_nonnull (strstr (text, "\r\n\r\nBcc: in the body stays\r\n"));
  g_assert_nonnull (strstr (header, "Cc: team: x@example.org, y@example.org;\r\n"));
  g_clear_pointer (&m, gw_message_free);
  g_clear_pointer (&text, g_free);

  /* without -t Bcc goes all the same, and nothing is collected */
  m = read_text (input, 0, &plain, &error);
  g_assert_no_error (error);
  g_assert_null (m->to);
  g_assert_null (m->bcc);
  text = message_text (m);
  g_assert_null (strstr (text, "hidden"));
}

static void
test_refused (void)
{
  g_autofree char *long_line = g_strdup_printf ("Subject: %0999d\n\nbody\n", 0);
  g_autofree char *at_limit = g_strdup_printf ("X-A: %0993d\n\nbody\n", 0);
  GString *many = g_string_new (NULL);
  g_autofree char *many_text = NULL;
  static const struct { const char *text; gsize len; int code; } cases[] = {
    { "Subject: a\0b\n\nbody\n", 19, HERALD_ERROR_INVALID_MESSAGE },
    { "Subject: a\rBcc: x@example.org\n\nbody\n", 0, HERALD_ERROR_INVALID_MESSAGE },
    { "Subject: a\n b\rc\n\nbody\n", 0, HERALD_ERROR_INVALID_MESSAGE },
    { "Subject: caf\xe9\n\nbody\n", 0, HERALD_ERROR_INVALID_MESSAGE },
    { "Subject: end with CR\r", 0, HERALD_ERROR_INVALID_MESSAGE },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GwMessage) m = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_test_message ("case %u", i);
    m = read_text (cases[i].text, cases[i].len, &plain, &error);
    g_assert_null (m);
    g_assert_error (error, HERALD_ERROR, cases[i].code);
    g_clear_error (&error);
  }
  m = read_text (long_line, 0, &plain, &error);
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_MESSAGE);
  g_assert_nonnull (strstr (error->message, "998"));
  g_clear_error (&error);
  /* 998 octets is allowed */
  m = read_text (at_limit, 0, &plain, &error);
  g_assert_no_error (error);
  g_clear_pointer (&m, gw_message_free);

  for (guint i = 0; i < 1001; i++)
    g_string_append_printf (many, "X-N%u: v\n", i);
  g_string_append (many, "\nbody\n");
  many_text = g_string_free (many, FALSE);
  m = read_text (many_text, 0, &plain, &error);
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE);
  g_clear_error (&error);
}

static void
test_eight_bit (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwMessage) m = NULL;
  g_autofree char *text = NULL;

  m = read_text ("Subject: Grüße\nTo: a@example.org\n\nbody\n", 0, &plain, &error);
  g_assert_no_error (error);
  g_assert_true (m->needs_smtputf8);
  g_assert_false (m->has_8bit);
  g_assert_cmpstr (m->subject, ==, "Grüße");
  g_clear_pointer (&m, gw_message_free);

  m = read_text ("Subject: x\n\nGrüße aus K\xf6ln\n", 0, &plain, &error);
  g_assert_no_error (error);
  g_assert_false (m->needs_smtputf8);
  g_assert_true (m->has_8bit);
  g_assert_cmpuint (m->n_reencoded, ==, 0);
  /* an 8-bit body is kept byte for byte */
  text = message_text (m);
  g_assert_true (g_str_has_suffix (text, "\r\n\r\nGrüße aus K\xf6ln\r\n"));
}

static void
test_long_line (void)
{
  g_autofree char *line = g_strnfill (3000, 'x');
  g_autofree char *input = g_strdup_printf ("Subject: long\n\nbefore\n%s\nä after\n", line);
  g_autofree char *expected = g_strdup_printf ("before\n%s\nä after\n", line);
  g_autoptr(GError) error = NULL;
  g_autoptr(GwMessage) m = read_text (input, 0, &plain, &error);
  g_autoptr(GMimeMessage) parsed = NULL;
  g_autofree char *text = NULL;
  g_autofree char *header = NULL;
  g_autofree char *content = NULL;
  g_auto(GStrv) lines = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (m->n_reencoded, ==, 1);
  text = message_text (m);
  header = header_of (text);
  g_assert_true (g_str_has_prefix (header, "Subject: long\r\n"));
  g_assert_nonnull (strstr (header, "MIME-Version: 1.0\r\n"));
  g_assert_nonnull (strstr (header, "Content-Transfer-Encoding: quoted-printable\r\n"));
  g_assert_nonnull (strstr (header, "charset=utf-8"));
  lines = g_strsplit (text, "\r\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    g_assert_cmpuint (strlen (lines[i]), <=, 998);
  for (const char *p = text; *p != '\0'; p++)
    g_assert_true (*p != '\n' || (p > text && p[-1] == '\r'));
  /* the content, decoded, is what was sent (GMime reads CRLF as LF) */
  parsed = parse (m);
  content = decoded (g_mime_message_get_mime_part (parsed));
  {
    g_autoptr(GString) lf = g_string_new (content);
    g_string_replace (lf, "\r\n", "\n", 0);
    g_assert_cmpstr (lf->str, ==, expected);
  }
}

static void
test_bare_cr_body (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwMessage) m = read_text ("Subject: progress\n\n10%\r20%\r30%\ndone\n", 0, &plain, &error);
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (m->n_reencoded, ==, 1);
  text = message_text (m);
  g_assert_nonnull (strstr (text, "10%=0D20%=0D30%\r\n"));
  /* no bare CR leaves */
  for (const char *p = text; *p != '\0'; p++)
    g_assert_true (*p != '\r' || p[1] == '\n');
}

static const char mime_message[] =
  "From: a@example.org\n"
  "To: b@example.org\n"
  "MIME-Version: 1.0\n"
  "Content-Type: multipart/mixed; boundary=\"XYZ\"\n"
  "\n"
  "preamble\n"
  "--XYZ\n"
  "Content-Type: text/plain; charset=utf-8\n"
  "\n"
  "See the report.\n"
  "--XYZ\n"
  "Content-Type: application/pdf\n"
  "Content-Disposition: attachment; filename=\"report.pdf\"\n"
  "Content-Transfer-Encoding: base64\n"
  "\n"
  "JVBERi0xLjQKJcOkw7zDtsOfCg==\n"
  "--XYZ\n"
  "Content-Type: text/csv; name=\"data.csv\"\n"
  "\n"
  "a,b\n"
  "%s\n"
  "--XYZ--\n";

static void
test_attachments (void)
{
  g_autofree char *long_csv = g_strnfill (2000, '1');
  g_autofree char *input = g_strdup_printf (mime_message, "1,2");
  g_autofree char *long_input = g_strdup_printf (mime_message, long_csv);
  g_autoptr(GError) error = NULL;
  g_autoptr(GwMessage) m = read_text (input, 0, &plain, &error);
  g_autoptr(GMimeMessage) parsed = NULL;
  g_autofree char *text = NULL;
  g_autofree char *csv = NULL;
  /* the line end before a boundary belongs to the boundary */
  g_autofree char *expected_csv = g_strdup_printf ("a,b\n%s", long_csv);
  GMimeMultipart *mixed;

  g_assert_no_error (error);
  g_assert_cmpuint (m->n_attachments, ==, 2);
  /* 19 bytes of PDF and 8 of CSV ("a,b\r\n1,2" without the boundary's CRLF) */
  g_assert_cmpuint (m->attachments_size, ==, 19 + 8);
  g_assert_cmpuint (m->n_reencoded, ==, 0);
  g_clear_pointer (&m, gw_message_free);

  /* a long line in the CSV: that part alone becomes quoted-printable */
  m = read_text (long_input, 0, &plain, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (m->n_reencoded, ==, 1);
  text = message_text (m);
  g_assert_nonnull (strstr (text, "JVBERi0xLjQKJcOkw7zDtsOfCg==\r\n"));
  g_assert_nonnull (strstr (text, "preamble\r\n"));
  parsed = parse (m);
  mixed = GMIME_MULTIPART (g_mime_message_get_mime_part (parsed));
  g_assert_cmpint (g_mime_multipart_get_count (mixed), ==, 3);
  g_assert_cmpint (g_mime_part_get_content_encoding (GMIME_PART (g_mime_multipart_get_part (mixed, 2))),
                   ==, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  g_assert_cmpint (g_mime_part_get_content_encoding (GMIME_PART (g_mime_multipart_get_part (mixed, 0))),
                   ==, GMIME_CONTENT_ENCODING_DEFAULT);
  csv = decoded (g_mime_multipart_get_part (mixed, 2));
  {
    g_autoptr(GString) lf = g_string_new (csv);
    g_string_replace (lf, "\r\n", "\n", 0);
    g_assert_cmpstr (lf->str, ==, expected_csv);
  }

  /* a long line in the preamble cannot be re-encoded */
  {
    g_autofree char *preamble = g_strdup_printf ("Content-Type: multipart/mixed; boundary=Q\n\n%s\n--Q\n\nx\n--Q--\n",
                                                 long_csv);
    g_autoptr(GwMessage) refused = read_text (preamble, 0, &plain, &error);

    g_assert_null (refused);
    g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_MESSAGE);
  }
}

static void
test_urgency (void)
{
  static const struct { const char *header; guint8 urgency; } cases[] = {
    { "X-Priority: 1 (Highest)", 2 }, { "X-Priority: 2", 2 }, { "X-Priority: 3", 1 },
    { "X-Priority: 4", 0 }, { "X-Priority: 5 (Lowest)", 0 }, { "Importance: High", 2 },
    { "Importance: low", 0 }, { "Priority: urgent", 2 }, { "Priority: non-urgent", 0 },
    { "X-Priority: junk", 1 }, { "X-Other: 1", 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *input = g_strdup_printf ("%s\nSubject: u\n\nbody\n", cases[i].header);
    g_autoptr(GError) error = NULL;
    g_autoptr(GwMessage) m = read_text (input, 0, &plain, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (m->urgency, ==, cases[i].urgency);
  }
}

/* Every input of the fuzz corpus (found crashes included) that is accepted
 * is a fixed point: reading the result again changes nothing. */
static void
test_fixed_point (void)
{
  g_autofree char *corpus = g_test_build_filename (G_TEST_DIST, "..", "..", "fuzz", "corpus",
                                                    "message-reader", NULL);
  g_autoptr(GDir) dir = g_dir_open (corpus, 0, NULL);
  const char *name;
  guint accepted = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL) {
    g_autofree char *path = g_build_filename (corpus, name, NULL);
    g_autofree char *data = NULL;
    gsize len = 0;
    GwMessageReadOptions options = { FALSE, NULL, NULL };
    g_autoptr(GBytes) raw = NULL;
    g_autoptr(GwMessage) first = NULL;
    g_autoptr(GwMessage) again = NULL;

    g_test_message ("%s", name);
    g_assert_true (g_file_get_contents (path, &data, &len, NULL));
    /* the fuzzer's flags byte; maildrop files (4) are read as messages */
    g_assert_cmpuint (len, >, 0);
    options.extract_recipients = data[0] & 1;
    options.from_address = (data[0] & 2) ? "fuzz@example.org" : NULL;
    raw = g_bytes_new (data + 1, len - 1);
    first = gw_message_read (raw, &options, NULL);
    if (first == NULL)
      continue;
    accepted++;
    again = gw_message_read (first->message, &options, NULL);
    g_assert_nonnull (again);
    g_assert_cmpuint (again->n_reencoded, ==, 0);
    g_assert_true (g_bytes_equal (again->message, first->message));
  }
  g_assert_cmpuint (accepted, >, 5);
}

static void
test_read_fd (void)
{
  int fd = memfd_create ("test-message", MFD_CLOEXEC);
  int pipe_fds[2];
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, "Subject: x\n\nbody\n", 17), ==, 17);
  bytes = gw_message_read_fd (fd, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (bytes), ==, 17);
  /* the file offset is not moved */
  g_assert_cmpint (lseek (fd, 0, SEEK_CUR), ==, 17);
  close (fd);

  g_assert_cmpint (pipe (pipe_fds), ==, 0);
  g_assert_null (gw_message_read_fd (pipe_fds[0], &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT);
  close (pipe_fds[0]);
  close (pipe_fds[1]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();
  g_test_add_func ("/message-reader/kept", test_kept);
  g_test_add_func ("/message-reader/added", test_added);
  g_test_add_func ("/message-reader/extract", test_extract);
  g_test_add_func ("/message-reader/refused", test_refused);
  g_test_add_func ("/message-reader/eight-bit", test_eight_bit);
  g_test_add_func ("/message-reader/long-line", test_long_line);
  g_test_add_func ("/message-reader/bare-cr-body", test_bare_cr_body);
  g_test_add_func ("/message-reader/attachments", test_attachments);
  g_test_add_func ("/message-reader/urgency", test_urgency);
  g_test_add_func ("/message-reader/fixed-point", test_fixed_point);
  g_test_add_func ("/message-reader/read-fd", test_read_fd);
  return g_test_run ();
}
