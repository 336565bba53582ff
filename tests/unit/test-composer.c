/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-composer.c: golden tests of composition. Every message is parsed
 * back with GMime and each header and part checked. */
#define G_LOG_DOMAIN "test-composer"

#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <gio/gunixfdlist.h>

#include "herald-error.h"
#include "composer-oracle.h"
#include "gw-composer.h"
#include "gw-gmime.h"
#include "gw-header-block.h"
#include "gw-message-id.h"
#include "herald-test-util.h"
#include "queue-test-util.h"
#include "transport-test-util.h"

static const guint8 png_magic[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R' };

static GwProfile *
profile_with (const char *first_key,
              ...)
{
  g_autoptr(GwProfile) profile = gw_stored_profile_new ("golden", NULL);
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GVariant) settings = NULL;
  g_autoptr(GError) error = NULL;
  va_list args;

  g_variant_dict_insert (&dict, "transport", "s", "maildir");
  g_variant_dict_insert (&dict, "maildir-path", "s", "/nonexistent");
  va_start (args, first_key);
  for (const char *key = first_key; key != NULL; key = va_arg (args, const char *))
    g_variant_dict_insert (&dict, key, "s", va_arg (args, const char *));
  va_end (args);
  settings = g_variant_ref_sink (g_variant_dict_end (&dict));
  gw_stored_profile_apply (profile, settings, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&profile);
}

static GStrv
strv (const char *first,
      ...)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  va_list args;

  va_start (args, first);
  for (const char *s = first; s != NULL; s = va_arg (args, const char *))
    g_strv_builder_add (builder, s);
  va_end (args);
  return g_strv_builder_end (builder);
}

static void
add_attachment (GwNotification *n,
                const char     *name,
                const char     *content_type,
                const void     *data,
                gsize           size)
{
  GwAttachment *attachment = g_new0 (GwAttachment, 1);

  attachment->name = g_strdup (name);
  attachment->content_type = g_strdup (content_type);
  attachment->data = g_bytes_new (data, size);
  n->attachments_size += size;
  g_ptr_array_add (n->attachments, attachment);
}

/* The message in @envelope, checked for CRLF line ends, parsed back. */
static GMimeMessage *
parse_back (GwEnvelope *envelope)
{
  g_autoptr(GBytes) bytes = gw_envelope_load_message (envelope, NULL);
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);
  g_autoptr(GMimeStream) stream = NULL;
  GMimeParser *parser;
  GMimeMessage *message;

  for (gsize i = 0; i < size; i++) {
    if (data[i] == '\n')
      g_assert_true (i > 0 && data[i - 1] == '\r');
    if (data[i] == '\r')
      g_assert_true (i + 1 < size && data[i + 1] == '\n');
  }
  stream = g_mime_stream_mem_new_with_buffer (data, size);
  parser = g_mime_parser_new_with_stream (stream);
  message = g_mime_parser_construct_message (parser, NULL);
  g_object_unref (parser);
  g_assert_nonnull (message);
  return message;
}

static char *
raw_message (GwEnvelope *envelope)
{
  gsize size;
  const char *data = g_bytes_get_data (gw_envelope_get_message (envelope), &size);

  return g_strndup (data, size);
}

/* The raw header block, for checks of the encoded form. */
static char *
raw_headers (GwEnvelope *envelope)
{
  g_autofree char *raw = raw_message (envelope);
  char *end = strstr (raw, "\r\n\r\n");

  g_assert_nonnull (end);
  return g_strndup (raw, end - raw + 2);
}

static void
assert_mailbox (InternetAddressList *list,
                guint                index,
                const char          *name,
                const char          *addr)
{
  InternetAddress *address = internet_address_list_get_address (list, index);
  const char *got = internet_address_get_name (address);

  g_assert_true (INTERNET_ADDRESS_IS_MAILBOX (address));
  g_assert_cmpstr (got != NULL && *got != '\0' ? got : NULL, ==, name);
  /* GMime shows an IDN domain decoded; the ASCII form is what was sent. */
  g_assert_cmpstr (internet_address_mailbox_get_idn_addr (INTERNET_ADDRESS_MAILBOX (address)), ==, addr);
}

static const char *
text_of (GMimeObject *part)
{
  static char *last;

  g_assert_true (GMIME_IS_TEXT_PART (part));
  g_free (last);
  last = g_mime_text_part_get_text (GMIME_TEXT_PART (part));
  /* Line ends are CRLF on the wire; compare the text. */
  {
    g_auto(GStrv) lines = g_strsplit (last, "\r\n", -1);
    g_free (last);
    last = g_strjoinv ("\n", lines);
  }
  return last;
}

/* gw_composer_compose_full(), and the message compared byte for byte
 * with the one a GMimeMessage writes (composer-oracle.c). */
static GwEnvelope *
compose_full (GwProfile      *profile,
              GwNotification *n,
              const char     *spool,
              GError        **error)
{
  GwEnvelope *envelope = gw_composer_compose_full (profile, n, NULL, spool, error);

  if (envelope != NULL) {
    g_autofree char *diff = herald_test_composer_oracle_diff (profile, n, envelope);

    g_assert_cmpstr (diff, ==, NULL);
  }
  return envelope;
}

static GwEnvelope *
compose (GwProfile      *profile,
         GwNotification *n,
         GError        **error)
{
  return compose_full (profile, n, NULL, error);
}

static void
test_headers (void)
{
  g_autoptr(GwProfile) profile = profile_with ("from-address", "alerts@bücher.example",
                                               "from-name", "Herald Wächter", NULL);
  g_autoptr(GwNotification) n = gw_notification_new ();
  g_autoptr(GwEnvelope) envelope = NULL;
  g_autoptr(GwEnvelope) again = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *headers = NULL;
  InternetAddressList *list;
  GDateTime *date;

  n->to = strv ("Jane Doe <jane@example.org>", "ops@example.org", NULL);
  n->cc = strv ("\"Doe, John\" <john@example.org>", "jane@example.org", NULL);
  n->bcc = strv ("audit@example.org", NULL);
  n->reply_to = g_strdup ("Service Desk <desk@example.org>");
  n->subject = g_strdup ("Festplatte fast voll: 97 % auf /srv — bitte prüfen");
  n->body = g_strdup ("Volume /srv is at 97%.\n.\nEnd.\n");
  n->app_name = g_strdup ("golden-test");
  n->category = g_strdup ("device.error");
  n->urgency = 2;
  g_ptr_array_add (n->headers, g_strdup ("X-Ticket"));
  g_ptr_array_add (n->headers, g_strdup ("INC-42"));

  envelope = compose (profile, n, &error);
  g_assert_no_error (error);
  message = parse_back (envelope);

  /* From: the profile's, with the IDN domain in ASCII. */
  list = g_mime_message_get_from (message);
  g_assert_cmpint (internet_address_list_length (list), ==, 1);
  assert_mailbox (list, 0, "Herald Wächter", "alerts@xn--bcher-kva.example");
  g_assert_cmpstr (gw_envelope_get_sender (envelope), ==, "alerts@xn--bcher-kva.example");
  list = g_mime_message_get_addresses (message, GMIME_ADDRESS_TYPE_TO);
  g_assert_cmpint (internet_address_list_length (list), ==, 2);
  assert_mailbox (list, 0, "Jane Doe", "jane@example.org");
  assert_mailbox (list, 1, NULL, "ops@example.org");
  list = g_mime_message_get_addresses (message, GMIME_ADDRESS_TYPE_CC);
  g_assert_cmpint (internet_address_list_length (list), ==, 2);
  assert_mailbox (list, 0, "Doe, John", "john@example.org");
  /* Bcc: envelope only. */
  g_assert_cmpint (internet_address_list_length (g_mime_message_get_addresses (message, GMIME_ADDRESS_TYPE_BCC)), ==, 0);
  list = g_mime_message_get_reply_to (message);
  assert_mailbox (list, 0, "Service Desk", "desk@example.org");
  g_assert_cmpstr (g_mime_message_get_subject (message), ==, n->subject);
  date = g_mime_message_get_date (message);
  g_assert_nonnull (date);
  g_assert_cmpint (ABS (g_date_time_to_unix (date) - g_get_real_time () / G_USEC_PER_SEC), <, 24 * 3600);
  g_assert_cmpstr (g_mime_message_get_message_id (message), ==, gw_envelope_get_message_id (envelope));
  g_assert_true (g_str_has_suffix (gw_envelope_get_message_id (envelope), "@xn--bcher-kva.example"));
  g_assert_cmpstr (g_mime_object_get_header (GMIME_OBJECT (message), "MIME-Version"), ==, "1.0");
  g_assert_cmpstr (g_mime_object_get_header (GMIME_OBJECT (message), "Auto-Submitted"), ==, "auto-generated");
  g_assert_cmpstr (g_mime_object_get_header (GMIME_OBJECT (message), "X-Herald-App"), ==, "golden-test");
  g_assert_cmpstr (g_mime_object_get_header (GMIME_OBJECT (message), "X-Herald-Category"), ==, "device.error");
  g_assert_cmpstr (g_mime_object_get_header (GMIME_OBJECT (message), "X-Herald-Urgency"), ==, "critical");
  g_assert_cmpstr (g_mime_object_get_header (GMIME_OBJECT (message), "X-Ticket"), ==, "INC-42");

  /* The wire form: 7-bit headers, RFC 2047 for the subject and the name,
   * and the Bcc address nowhere in the message. */
  headers = raw_headers (envelope);
  for (const char *p = headers; *p != '\0'; p++)
    g_assert_cmpuint ((guchar) *p, <, 0x80);
  {
    const char *subject = strstr (headers, "Subject: ");
    g_assert_nonnull (subject);
    g_assert_true (strstr (subject, "=?utf-8?") < strstr (subject, "\r\n"));
  }
  g_assert_nonnull (strstr (headers, "From: Herald =?"));
  g_assert_nonnull (strstr (headers, "<alerts@xn--bcher-kva.example>"));
  g_assert_null (strstr (headers, "Bcc"));
  {
    g_autofree char *raw = raw_message (envelope);
    g_assert_null (strstr (raw, "audit@example.org"));
  }

  /* Body: text/plain in UTF-8, dot line kept (stuffing is SMTP's job). */
  {
    GMimeObject *body = g_mime_message_get_mime_part (message);
    GMimeContentType *type = g_mime_object_get_content_type (body);

    g_assert_true (g_mime_content_type_is_type (type, "text", "plain"));
    g_assert_cmpstr (g_mime_content_type_get_parameter (type, "charset"), ==, "utf-8");
    g_assert_cmpstr (text_of (body), ==, n->body);
  }

  /* Envelope: every address once (jane is in To and Cc), Bcc kept. */
  g_assert_cmpuint (gw_envelope_get_n_recipients (envelope), ==, 4);
  {
    const char *expected[][2] = {
      { "jane@example.org", "to" }, { "ops@example.org", "to" }, { "john@example.org", "cc" },
      { "audit@example.org", "bcc" },
    };
    for (guint i = 0; i < G_N_ELEMENTS (expected); i++) {
      gboolean found = FALSE;
      for (guint j = 0; j < gw_envelope_get_n_recipients (envelope); j++) {
        GwRecipient *r = gw_envelope_get_recipient (envelope, j);
        if (g_str_equal (r->address, expected[i][0])) {
          g_assert_false (found);
          g_assert_cmpstr (r->kind, ==, expected[i][1]);
          found = TRUE;
        }
      }
      g_assert_true (found);
    }
  }

  /* A new composition is a new message: a new Message-ID. */
  again = compose (profile, n, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gw_envelope_get_message_id (again), !=, gw_envelope_get_message_id (envelope));
}

static void
test_html (void)
{
  g_autoptr(GwProfile) profile = profile_with (NULL, NULL);
  g_autoptr(GwProfile) plain = profile_with ("plain-text-only", "true", NULL);
  g_autoptr(GwNotification) n = gw_notification_new ();
  g_autoptr(GError) error = NULL;

  n->to = strv ("jane@example.org", NULL);
  n->html = g_strdup ("<html><body><h1>Disk</h1><p>97&nbsp;% &amp; rising<br>now</p></body></html>");

  /* HTML only: alternative of generated text and the HTML. */
  {
    g_autoptr(GwEnvelope) envelope = compose (profile, n, &error);
    g_autoptr(GMimeMessage) message = NULL;
    GMimeObject *body;

    g_assert_no_error (error);
    message = parse_back (envelope);
    body = g_mime_message_get_mime_part (message);
    g_assert_true (GMIME_IS_MULTIPART (body));
    g_assert_true (g_mime_content_type_is_type (g_mime_object_get_content_type (body), "multipart", "alternative"));
    g_assert_cmpint (g_mime_multipart_get_count (GMIME_MULTIPART (body)), ==, 2);
    g_assert_true (g_mime_content_type_is_type (
      g_mime_object_get_content_type (g_mime_multipart_get_part (GMIME_MULTIPART (body), 0)), "text", "plain"));
    g_assert_cmpstr (text_of (g_mime_multipart_get_part (GMIME_MULTIPART (body), 0)), ==, "Disk\n97 % & rising\nnow\n");
    g_assert_true (g_mime_content_type_is_type (
      g_mime_object_get_content_type (g_mime_multipart_get_part (GMIME_MULTIPART (body), 1)), "text", "html"));
    g_assert_cmpstr (text_of (g_mime_multipart_get_part (GMIME_MULTIPART (body), 1)), ==, n->html);
  }
  /* The caller's text wins over the generated one. */
  n->body = g_strdup ("Disk at 97 %.");
  {
    g_autoptr(GwEnvelope) envelope = compose (profile, n, &error);
    g_autoptr(GMimeMessage) message = parse_back (envelope);
    GMimeObject *body = g_mime_message_get_mime_part (message);

    g_assert_cmpstr (text_of (g_mime_multipart_get_part (GMIME_MULTIPART (body), 0)), ==, "Disk at 97 %.");
  }
  /* plain-text-only: never an HTML part. */
  {
    g_autoptr(GwEnvelope) envelope = compose (plain, n, &error);
    g_autoptr(GMimeMessage) message = parse_back (envelope);
    GMimeObject *body = g_mime_message_get_mime_part (message);
    g_autofree char *raw = raw_message (envelope);

    g_assert_true (g_mime_content_type_is_type (g_mime_object_get_content_type (body), "text", "plain"));
    /* A message ends with a line end. */
    g_assert_cmpstr (text_of (body), ==, "Disk at 97 %.\n");
    g_assert_null (strstr (raw, "text/html"));
    g_assert_null (strstr (raw, "<h1>"));
  }
  g_clear_pointer (&n->body, g_free);
  {
    g_autoptr(GwEnvelope) envelope = compose (plain, n, &error);
    g_autoptr(GMimeMessage) message = parse_back (envelope);
    GMimeObject *body = g_mime_message_get_mime_part (message);

    g_assert_cmpstr (text_of (body), ==, "Disk\n97 % & rising\nnow\n");
  }
}

/* Found by fuzz-compose: a bare CR in the HTML went out as it was. Every
 * line end of a body becomes CRLF on the wire. */
static void
test_line_ends (void)
{
  g_autoptr(GwProfile) profile = profile_with (NULL, NULL);
  g_autoptr(GwNotification) n = gw_notification_new ();
  g_autoptr(GwEnvelope) envelope = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  GMimeObject *body;

  n->to = strv ("jane@example.org", NULL);
  n->body = g_strdup ("one\rtwo\r\nthree\nfour\r");
  n->html = g_strdup ("<sep><org\r");
  envelope = compose (profile, n, &error);
  g_assert_no_error (error);
  /* parse_back() asserts that every CR and LF is part of a CRLF */
  message = parse_back (envelope);
  body = g_mime_message_get_mime_part (message);
  g_assert_cmpstr (text_of (g_mime_multipart_get_part (GMIME_MULTIPART (body), 0)), ==, "one\ntwo\nthree\nfour\n");
  g_assert_cmpstr (text_of (g_mime_multipart_get_part (GMIME_MULTIPART (body), 1)), ==, "<sep><org\n");
}

static void
test_html_to_text (void)
{
  static const struct { const char *html; const char *text; } cases[] = {
    { "<p>one</p><p>two</p>", "one\ntwo\n" },
    { "a<br>b<br/>c<BR />d", "a\nb\nc\nd" },
    { "<html><head><title>T</title><style>p { color: red }</style></head>"
      "<body><h2>Head</h2><pre>x</pre><progress>y</progress></body></html>", "Head\nx\ny" },
    { "<script>alert('<p>')</script>after", "after" },
    { "<ul><li>a</li><li>b</li></ul>", "a\nb\n\n" },
    { "&lt;tag&gt; &amp; &quot;q&quot; &apos;s&apos;&nbsp;.", "<tag> & \"q\" 's' ." },
    { "&#228;&#xE4;&#X1F600; &#0;&#x1b;&#xD800;&#99999999999; &#; &unknown;",
      "ää😀 &#99999999999; &#; &unknown;" },
    { "unclosed <b", "unclosed " },
    /* Found by fuzz-compose: an "&" at the very end was read past. */
    { "tail &", "tail &" },
    { "tail &#", "tail &#" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *text = gw_composer_html_to_text (cases[i].html);

    g_test_message ("%s", cases[i].html);
    g_assert_cmpstr (text, ==, cases[i].text);
  }
}

static void
test_charset (void)
{
  g_autoptr(GwProfile) profile = profile_with ("charset", "iso-8859-1", NULL);
  g_autoptr(GwNotification) n = gw_notification_new ();
  g_autoptr(GwEnvelope) envelope = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  GMimeObject *body;

  n->to = strv ("jane@example.org", NULL);
  n->body = g_strdup ("Grüße aus Köln");
  envelope = compose (profile, n, &error);
  g_assert_no_error (error);
  message = parse_back (envelope);
  body = g_mime_message_get_mime_part (message);
  g_assert_cmpstr (g_mime_content_type_get_parameter (g_mime_object_get_content_type (body), "charset"), ==,
                   "iso-8859-1");
  g_assert_cmpstr (text_of (body), ==, "Grüße aus Köln");
  g_clear_object (&envelope);

  /* Text the charset cannot hold is refused, not mangled. */
  g_free (n->body);
  n->body = g_strdup ("Alarm ⚠");
  envelope = compose (profile, n, &error);
  g_assert_null (envelope);
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT);
}

static void
test_attachments (void)
{
  g_autoptr(GwProfile) profile = profile_with (NULL, NULL);
  g_autoptr(GwNotification) n = gw_notification_new ();
  g_autoptr(GwEnvelope) envelope = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *raw = NULL;
  GMimeObject *mixed;
  static const char report[] = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n";
  static const char notes[] = "line one\nline two\n";
  struct {
    const char *filename;
    const char *type;
    const char *subtype;
    gconstpointer data;
    gsize size;
  } expected[] = {
    { "Bericht März 2026.pdf", "application", "pdf", report, sizeof report - 1 },
    { "screen.png", "image", "png", png_magic, sizeof png_magic },
    { "notes.txt", "text", "plain", notes, sizeof notes - 1 },
    { "blob", "application", "x-custom", "\x00\x01\x02", 3 },
  };

  n->to = strv ("jane@example.org", NULL);
  n->body = g_strdup ("Four attachments.");
  /* Given type, detected from the name and magic, detected from the
   * content, given type with parameters. */
  add_attachment (n, expected[0].filename, NULL, report, sizeof report - 1);
  add_attachment (n, expected[1].filename, NULL, png_magic, sizeof png_magic);
  add_attachment (n, expected[2].filename, NULL, notes, sizeof notes - 1);
  add_attachment (n, expected[3].filename, "application/x-custom; version=2", "\x00\x01\x02", 3);
  envelope = compose (profile, n, &error);
  g_assert_no_error (error);
  message = parse_back (envelope);
  raw = raw_message (envelope);

  mixed = g_mime_message_get_mime_part (message);
  g_assert_true (g_mime_content_type_is_type (g_mime_object_get_content_type (mixed), "multipart", "mixed"));
  g_assert_cmpint (g_mime_multipart_get_count (GMIME_MULTIPART (mixed)), ==, 1 + G_N_ELEMENTS (expected));
  g_assert_cmpstr (text_of (g_mime_multipart_get_part (GMIME_MULTIPART (mixed), 0)), ==, "Four attachments.");
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++) {
    GMimeObject *part = g_mime_multipart_get_part (GMIME_MULTIPART (mixed), i + 1);
    GMimeContentType *type = g_mime_object_get_content_type (part);
    g_autoptr(GMimeStream) out = g_mime_stream_mem_new ();
    GByteArray *bytes;
    g_autofree char *mime_type = g_mime_content_type_get_mime_type (type);

    g_test_message ("attachment %s: %s", expected[i].filename, mime_type);
    g_assert_true (GMIME_IS_PART (part));
    g_assert_true (g_mime_content_type_is_type (type, expected[i].type, expected[i].subtype));
    g_assert_cmpstr (g_mime_part_get_filename (GMIME_PART (part)), ==, expected[i].filename);
    g_assert_true (g_mime_object_get_content_disposition (part) != NULL);
    g_assert_cmpstr (g_mime_content_disposition_get_disposition (g_mime_object_get_content_disposition (part)),
                     ==, "attachment");
    g_assert_cmpint (g_mime_part_get_content_encoding (GMIME_PART (part)), ==, GMIME_CONTENT_ENCODING_BASE64);
    g_mime_data_wrapper_write_to_stream (g_mime_part_get_content (GMIME_PART (part)), out);
    bytes = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (out));
    g_assert_cmpmem (bytes->data, bytes->len, expected[i].data, expected[i].size);
  }
  g_assert_cmpstr (g_mime_content_type_get_parameter (
    g_mime_object_get_content_type (g_mime_multipart_get_part (GMIME_MULTIPART (mixed), 4)), "version"), ==, "2");
  /* RFC 2231 for the non-ASCII name, in the wire form (GMime picks the
   * smallest charset that holds it); the parse back above decoded it. */
  g_assert_nonnull (strstr (raw, "filename*=iso-8859-1''Bericht%20M%E4rz%202026.pdf"));
  g_assert_nonnull (strstr (raw, "filename=notes.txt"));
}

/* Attachments of GW_COMPOSER_FILE_MIN bytes and more: the message is
 * written to a file with no name in the spool directory, not held in
 * memory, and reads back as the same message. */
static void
test_large_attachment (void)
{
  g_autofree char *spool = herald_test_make_tmpdir ("herald-composer-XXXXXX");
  g_autoptr(GwProfile) profile = profile_with (NULL, NULL);
  g_autoptr(GwNotification) n = gw_notification_new ();
  g_autoptr(GwEnvelope) envelope = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GMimeStream) out = g_mime_stream_mem_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  gsize size = GW_COMPOSER_FILE_MIN + 4099;
  g_autofree guint8 *data = g_malloc (size);
  GMimeObject *part;
  GByteArray *decoded;

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) g_test_rand_int_range (0, 256);
  n->to = strv ("jane@example.org", NULL);
  n->body = g_strdup ("A large attachment.");
  add_attachment (n, "large.bin", "application/octet-stream", data, size);
  envelope = compose_full (profile, n, spool, &error);
  g_assert_no_error (error);
  g_assert_null (gw_envelope_get_message (envelope));
  g_assert_nonnull (gw_envelope_get_message_source (envelope));
  g_assert_cmpuint (gw_envelope_get_message_size (envelope), >, size * 4 / 3);
  dir = g_dir_open (spool, 0, &error);
  g_assert_no_error (error);
  g_assert_null (g_dir_read_name (dir));  /* nothing left behind by name */

  message = parse_back (envelope);
  part = g_mime_multipart_get_part (GMIME_MULTIPART (g_mime_message_get_mime_part (message)), 1);
  g_assert_cmpstr (g_mime_part_get_filename (GMIME_PART (part)), ==, "large.bin");
  g_mime_data_wrapper_write_to_stream (g_mime_part_get_content (GMIME_PART (part)), out);
  decoded = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (out));
  g_assert_cmpmem (decoded->data, decoded->len, data, size);
  herald_test_rm_rf (spool);

  /* A spool directory that cannot take it: a storage error, nothing half made. */
  g_clear_object (&envelope);
  envelope = compose_full (profile, n, "/nonexistent/herald-spool", &error);
  g_assert_null (envelope);
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE);
}

/* A large attachment passed as a descriptor is copied into a file with no
 * name in the spool directory (not read into memory), without moving the
 * caller's offset; a small one, or one without a spool, is read into
 * memory. Either way it composes into the same attachment. */
static void
test_attachment_copied_to_spool (void)
{
  g_autofree char *spool = herald_test_make_tmpdir ("herald-spool-XXXXXX");
  g_autofree char *path = g_build_filename (spool, "caller.bin", NULL);
  g_autoptr(GwProfile) profile = profile_with (NULL, NULL);
  gsize size = GW_ATTACHMENT_FILE_MIN + 12345;
  g_autofree guint8 *data = g_malloc (size);
  const char * const spools[] = { spool, NULL };
  int fd;

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) g_test_rand_int_range (0, 256);
  g_assert_true (g_file_set_contents (path, (const char *) data, (gssize) size, NULL));
  fd = open (path, O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (lseek (fd, 99, SEEK_SET), ==, 99);

  for (guint i = 0; i < G_N_ELEMENTS (spools); i++) {
    g_autoptr(GwNotification) n = gw_notification_new ();
    g_autoptr(GUnixFDList) fd_list = g_unix_fd_list_new ();
    g_autoptr(GVariant) value = g_variant_ref_sink (g_variant_new_parsed ("[('a.bin', 'application/octet-stream', @h 0)]"));
    g_autoptr(GError) error = NULL;
    g_autoptr(GInputStream) stream = NULL;
    g_autoptr(GByteArray) got = g_byte_array_new ();
    g_autoptr(GwEnvelope) envelope = NULL;
    g_autoptr(GMimeMessage) message = NULL;
    g_autoptr(GMimeStream) out = g_mime_stream_mem_new ();
    GwAttachment *attachment;
    GMimeObject *part;
    GByteArray *decoded;
    guint8 piece[8192];
    gssize r;

    g_assert_cmpint (g_unix_fd_list_append (fd_list, fd, NULL), ==, 0);
    n->to = strv ("jane@example.org", NULL);
    g_assert_true (gw_notification_take_attachments (n, value, fd_list, spools[i], &error));
    g_assert_no_error (error);
    attachment = g_ptr_array_index (n->attachments, 0);
    g_assert_true ((attachment->file != NULL) == (spools[i] != NULL));
    g_assert_true ((attachment->data == NULL) == (spools[i] != NULL));
    g_assert_cmpuint (gw_attachment_get_size (attachment), ==, size);
    g_assert_cmpuint (n->attachments_size, ==, size);
    stream = gw_attachment_open (attachment, &error);
    g_assert_no_error (error);
    while ((r = g_input_stream_read (stream, piece, sizeof piece, NULL, &error)) > 0)
      g_byte_array_append (got, piece, (guint) r);
    g_assert_no_error (error);
    g_assert_cmpmem (got->data, got->len, data, size);

    envelope = compose_full (profile, n, spool, &error);
    g_assert_no_error (error);
    message = parse_back (envelope);
    part = g_mime_multipart_get_part (GMIME_MULTIPART (g_mime_message_get_mime_part (message)), 1);
    g_mime_data_wrapper_write_to_stream (g_mime_part_get_content (GMIME_PART (part)), out);
    decoded = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (out));
    g_assert_cmpmem (decoded->data, decoded->len, data, size);
  }
  g_assert_cmpint (lseek (fd, 0, SEEK_CUR), ==, 99);
  close (fd);
  {
    g_autoptr(GDir) dir = g_dir_open (spool, 0, NULL);
    const char *name;

    while ((name = g_dir_read_name (dir)) != NULL)
      g_assert_cmpstr (name, ==, "caller.bin");  /* the copies have no name */
  }
  herald_test_rm_rf (spool);
}

/* The spool directory full: the copy of a large attachment fails with a
 * storage error (ours, not the caller's bad input), and nothing is kept. */
static void
test_attachment_spool_full (void)
{
  g_autofree char *spool = herald_test_make_tmpdir ("herald-spool-full-XXXXXX");
  g_autofree char *caller_dir = herald_test_make_tmpdir ("herald-caller-XXXXXX");
  g_autofree char *path = g_build_filename (caller_dir, "big.bin", NULL);
  g_autofree char *data = g_strnfill (GW_ATTACHMENT_FILE_MIN * 2, 'x');
  g_autoptr(GwNotification) n = gw_notification_new ();
  g_autoptr(GUnixFDList) fd_list = g_unix_fd_list_new ();
  g_autoptr(GVariant) value = g_variant_ref_sink (g_variant_new_parsed ("[('big.bin', '', @h 0)]"));
  g_autoptr(GError) error = NULL;
  int fd;

  if (!queue_test_mount_tmpfs (spool, 64 * 1024))
    return;
  g_assert_true (g_file_set_contents (path, data, -1, NULL));
  fd = open (path, O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (g_unix_fd_list_append (fd_list, fd, NULL), ==, 0);
  close (fd);
  g_assert_false (gw_notification_take_attachments (n, value, fd_list, spool, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE);
  g_assert_nonnull (strstr (error->message, "big.bin"));
  g_assert_cmpuint (n->attachments->len, ==, 0);
  queue_test_umount (spool);
  herald_test_rm_rf (spool);
  herald_test_rm_rf (caller_dir);
}

static void
test_size_limit (void)
{
  g_autoptr(GwProfile) profile = profile_with ("max-attachment-size", "1000", NULL);
  g_autoptr(GwNotification) n = gw_notification_new ();
  g_autoptr(GwEnvelope) envelope = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *data = g_malloc0 (600);

  n->to = strv ("jane@example.org", NULL);
  add_attachment (n, "a.bin", NULL, data, 600);
  envelope = compose (profile, n, &error);
  g_assert_no_error (error);
  g_clear_object (&envelope);
  add_attachment (n, "b.bin", NULL, data, 600);
  envelope = compose (profile, n, &error);
  g_assert_null (envelope);
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "1200"));
  g_assert_nonnull (strstr (error->message, "1000"));
}

static void
test_from_override (void)
{
  g_autoptr(GwProfile) closed = profile_with ("from-address", "alerts@example.org", NULL);
  g_autoptr(GwProfile) open = profile_with ("from-address", "alerts@example.org",
                                            "allow-from-override", "true", NULL);
  g_autoptr(GwNotification) n = gw_notification_new ();
  g_autoptr(GwEnvelope) envelope = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GError) error = NULL;

  n->to = strv ("jane@example.org", NULL);
  n->from = g_strdup ("Backup Robot <backup@example.org>");
  envelope = compose (closed, n, &error);
  g_assert_null (envelope);
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED);
  g_clear_error (&error);

  envelope = compose (open, n, &error);
  g_assert_no_error (error);
  message = parse_back (envelope);
  assert_mailbox (g_mime_message_get_from (message), 0, "Backup Robot", "backup@example.org");
  g_assert_cmpstr (gw_envelope_get_sender (envelope), ==, "backup@example.org");
}

/* Every injection vector of a Send dictionary is a typed error before
 * anything is composed. */
static void
test_injection (void)
{
  static const struct {
    const char *notification;
    HeraldError code;
  } cases[] = {
    { "{'to': <['a@example.org\\r\\nBcc: evil@example.org']>}", HERALD_ERROR_INVALID_ARGUMENT },
    { "{'to': <['a@example.org']>, 'cc': <['Evil\\n <e@example.org>']>}", HERALD_ERROR_INVALID_ARGUMENT },
    { "{'to': <['a@example.org']>, 'bcc': <['e@example.org\\u0001x']>}", HERALD_ERROR_INVALID_ARGUMENT },
    { "{'to': <['a@example.org']>, 'subject': <'x\\r\\nBcc: evil@example.org'>}", HERALD_ERROR_INVALID_ARGUMENT },
    { "{'to': <['a@example.org']>, 'subject': <'x\\rBcc: evil@example.org'>}", HERALD_ERROR_INVALID_ARGUMENT },
    { "{'to': <['a@example.org']>, 'from': <'a@example.org\\nBcc: e@example.org'>}", HERALD_ERROR_INVALID_ARGUMENT },
    { "{'to': <['a@example.org']>, 'reply-to': <'a@example.org\\r\\n'>}", HERALD_ERROR_INVALID_ARGUMENT },
    { "{'to': <['a@example.org']>, 'category': <'a\\nb'>}", HERALD_ERROR_INVALID_ARGUMENT },
    { "{'to': <['a@example.org']>, 'app-name': <'a\\r\\nX-Evil: 1'>}", HERALD_ERROR_INVALID_ARGUMENT },
    { "{'to': <['a@example.org']>, 'headers': <{'X-Ok': 'a\\r\\nBcc: evil@example.org'}>}", HERALD_ERROR_INVALID_ARGUMENT },
    { "{'to': <['a@example.org']>, 'headers': <{'X-Ok\\r\\nBcc': 'evil@example.org'}>}", HERALD_ERROR_INVALID_ARGUMENT },
    { "{'to': <['a@example.org']>, 'attachments': <[('a\\r\\n.txt', '', @h 0)]>}", HERALD_ERROR_INVALID_ARGUMENT },
    { "{'to': <['a@example.org']>, 'attachments': <[('a.txt', 'text/plain\\r\\nX: y', @h 0)]>}", HERALD_ERROR_INVALID_ARGUMENT },
  };
  static const char * const reserved[] = {
    "From", "To", "Cc", "Bcc", "Date", "Message-ID", "MIME-Version", "Content-Type",
    "Content-Transfer-Encoding", "content-disposition", "Subject", "Reply-To", "Sender",
    "Return-Path", "Received", "Resent-To", "X Space", "X:Colon", "",
  };
  g_autoptr(GwProfile) profile = profile_with (NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) dict = g_variant_parse (G_VARIANT_TYPE_VARDICT, cases[i].notification, NULL, NULL, &error);
    g_autoptr(GwNotification) n = NULL;

    g_assert_no_error (error);
    g_test_message ("case %u: %s", i, cases[i].notification);
    n = gw_notification_new_from_variant (dict, NULL, &error);
    g_assert_null (n);
    g_assert_error (error, HERALD_ERROR, (gint) cases[i].code);
  }
  /* Custom headers cannot replace what the gateway writes. */
  for (guint i = 0; i < G_N_ELEMENTS (reserved); i++) {
    g_autoptr(GwNotification) n = gw_notification_new ();
    g_autoptr(GwEnvelope) envelope = NULL;
    g_autoptr(GError) error = NULL;

    n->to = strv ("jane@example.org", NULL);
    g_ptr_array_add (n->headers, g_strdup (reserved[i]));
    g_ptr_array_add (n->headers, g_strdup ("x@example.org"));
    envelope = compose (profile, n, &error);
    g_test_message ("header “%s”", reserved[i]);
    g_assert_null (envelope);
    g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT);
  }
}

/* Message-IDs: random, the domain in ASCII, the host name for anything
 * that is not a plain domain. */
static void
test_message_ids (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *host = g_hostname_to_ascii (g_get_host_name ());
  const char * const not_domains[] = { "", "[192.0.2.1]", "192.0.2.1", "a b.example",
                                       "x(y).example", "..example", "example." };

  for (guint i = 0; i < 1000; i++) {
    char *id = gw_message_id_generate ("example.org");

    g_assert_true (g_str_has_suffix (id, "@example.org"));
    g_assert_cmpuint (strlen (id), ==, 32 + strlen ("@example.org"));
    for (const char *p = id; *p != '@'; p++)
      g_assert_true (g_ascii_isxdigit (*p));
    g_assert_true (g_hash_table_add (seen, id));
  }
  {
    g_autofree char *idn = gw_message_id_generate ("bücher.example");

    g_assert_true (g_str_has_suffix (idn, "@xn--bcher-kva.example"));
  }
  for (guint i = 0; i < G_N_ELEMENTS (not_domains); i++) {
    g_autofree char *id = gw_message_id_generate (not_domains[i]);
    const char *at = strchr (id, '@');

    g_assert_nonnull (at);
    g_assert_true (g_str_equal (at + 1, host) || g_str_equal (at + 1, "localhost"));
  }
  {
    g_autofree char *id = gw_message_id_generate (NULL);

    g_assert_nonnull (strchr (id, '@'));
  }
}

/* Delivery ids: UUIDs of version 7 whose first 48 bits are the time in
 * milliseconds, so that later ones sort after; the rest random. */
static void
test_delivery_ids (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *previous = NULL;

  for (guint i = 0; i < 1000; i++) {
    guint64 before = (guint64) g_get_real_time () / 1000;
    char *id = gw_delivery_id_generate ();
    guint64 after = (guint64) g_get_real_time () / 1000;
    g_autofree char *hex = g_strndup (id, 8);
    g_autofree char *millis = g_strconcat (hex, id + 9, NULL);
    guint64 stamp;

    millis[12] = '\0';
    stamp = g_ascii_strtoull (millis, NULL, 16);
    g_assert_true (g_uuid_string_is_valid (id));
    g_assert_cmpuint (strlen (id), ==, 36);
    g_assert_cmpint (id[14], ==, '7');
    g_assert_nonnull (strchr ("89ab", id[19]));
    g_assert_cmpuint (stamp, >=, before);
    g_assert_cmpuint (stamp, <=, after);
    /* Later, or within the same millisecond. */
    if (previous != NULL)
      g_assert_cmpint (strncmp (previous, id, 13), <=, 0);
    g_free (previous);
    previous = g_strdup (id);
    g_assert_true (g_hash_table_add (seen, id));
    if (i % 100 == 0)
      g_usleep (1500);
  }
}

/* The header block writes plain text headers without GMime: their bytes
 * must be GMime's, for values at and around every edge of that shortcut
 * (blanks, "=?", control and 8-bit bytes, the folding length) and for
 * seeded random ones over the characters that matter. */
static void
check_header_as_gmime (const char *name,
                       const char *value)
{
  g_autoptr(GMimeHeaderList) list = g_mime_header_list_new (g_mime_parser_options_get_default ());
  g_autoptr(GString) block = g_string_new (NULL);
  g_autofree char *raw = NULL;
  g_autofree char *expected = NULL;

  g_mime_header_list_append (list, name, NULL, NULL);
  raw = g_mime_header_format_default (g_mime_header_list_get_header_at (list, 0), NULL, value, "utf-8");
  expected = g_strconcat (name, ":", raw, NULL);
  gw_header_block_append_text (block, name, value, "utf-8");
  g_assert_cmpstr (block->str, ==, expected);
}

static void
test_plain_header_as_gmime (void)
{
  const char *names[] = { "Subject", "X-Herald-Category", "X-Herald-App" };
  const char *values[] = {
    "backup",
    "Disk almost full",
    " leading",
    "trailing ",
    "two  blanks",
    "tab\there",
    "a=?b",
    "=?utf-8?q?x?=",
    "a=b?c",
    "caf\xc3\xa9",
    "line\nbreak",
    "del\x7f",
    "~!#$%&'()*+,-./:;<>@[\\]^_`{|}",
    "",
    " ",
    "x",
  };
  const char alphabet[] = "aZ~ =?\t!";
  g_autoptr(GRand) rand = g_rand_new_with_seed (18);

  for (guint n = 0; n < G_N_ELEMENTS (names); n++) {
    for (guint v = 0; v < G_N_ELEMENTS (values); v++)
      check_header_as_gmime (names[n], values[v]);
    /* One word, then words of four, around the length where GMime folds. */
    for (gsize length = 50; length <= 90; length++) {
      g_autofree char *word = g_strnfill (length, 'w');
      g_autoptr(GString) words = g_string_new (NULL);

      check_header_as_gmime (names[n], word);
      while (words->len < length)
        g_string_append (words, words->len == 0 ? "wwww" : " www");
      check_header_as_gmime (names[n], words->str);
    }
    for (guint i = 0; i < 3000; i++) {
      gsize length = (gsize) g_rand_int_range (rand, 1, 90);
      g_autofree char *value = g_malloc (length + 1);

      for (gsize j = 0; j < length; j++)
        value[j] = alphabet[g_rand_int_range (rand, 0, (gint32) strlen (alphabet))];
      value[length] = '\0';
      check_header_as_gmime (names[n], value);
    }
  }
}

/* Every header and body shape that GMime folds, encodes or ends in its own
 * way: compose() compares each message with a GMimeMessage's. */
static void
test_same_as_gmime (void)
{
  static const char * const texts[] = {
    "", "\n", "no line end", "two\r\nCRLF lines\r\n", "a lone\rCR", "From me\nto you\n",
    "one\nFrom here\n", "From", "8-bit: Grüße\n", "\x01\x7f controls\n", ".\n..\n", "tab\there  \n",
    "mostly 8-bit: äöüßéèêë\n"
  };
  static const char * const subjects[] = {
    "Herald benchmark 1", "", "  \tpadded  \t", "Festplatte fast voll: 97 % auf /srv — bitte prüfen",
    "A rather long subject line that goes on and on past the seventy-eight column fold",
    /* one word of 130 letters */
    "Rindfleischetikettierungsueberwachungsaufgabenuebertragungsgesetz"
    "Rindfleischetikettierungsueberwachungsaufgabenuebertragungsgesetz",
    "=?utf-8?q?looks_encoded?= but is not", "ÄÖÜ äöü ÄÖÜ äöü ÄÖÜ äöü ÄÖÜ äöü ÄÖÜ äöü ÄÖÜ äöü ÄÖÜ äöü"
  };
  static const char * const to[] = {
    "Jane Doe <jane@example.org>", "\"Doe, John\" <john@example.org>", "Jörg Müller <joerg@example.org>",
    "a.b@xn--bcher-kva.example", "ops@example.org", "\"Quote \\\"me\\\"\" <q@example.org>",
    "Operations Team On Call Rotation For The Storage Cluster <storage-oncall@example.org>",
    "x1@example.org", "x2@example.org", "x3@example.org", "x4@example.org", NULL,
    /* Plain addresses (composed without GMime's objects), folded; a long
     * one first wraps the line at once. */
    "storage-cluster-on-call-rotation-primary-and-secondary@operations.example.org",
    "backup-operations@example.org", "Mixed.Case@Example.ORG", "a@b.example", "x@[192.0.2.1]",
    "third-line-of-recipients-is-reached-about-here@example.org", "ops@xn--bcher-kva.example", NULL,
    /* Display names GMime encodes, quotes or breaks between words. */
    "A Very Long Display Name That Goes On And On Beyond The Fold Length Of Seventy-Eight <l@example.org>",
    "Ünïcode Ünïcode Ünïcode Ünïcode Ünïcode Ünïcode Ünïcode Ünïcode Ünïcode <u2@example.org>",
    "\"Smith, J.\" <j@example.org>", "plain@example.org", "Short <s@example.org>",
    "Another Rather Long Name For Wrapping <another-rather-long-address@example.org>", NULL
  };
  /* Where each list of recipients starts in @to. */
  static const guint to_lists[] = { 0, 5, 6, 7, 12, 20 };
  g_autoptr(GPtrArray) bodies = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GwProfile) plain = profile_with (NULL, NULL);
  g_autoptr(GwProfile) named = profile_with ("from-address", "alerts@bücher.example",
                                             "from-name", "Herald Wächter, Überwachung", NULL);
  g_autoptr(GwProfile) latin = profile_with ("charset", "iso-8859-15", "plain-text-only", "true", NULL);
  GwProfile *profiles[] = { plain, named, latin };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    g_ptr_array_add (bodies, g_strdup (texts[i]));
  /* The longest line sent as it is, and one octet more. */
  g_ptr_array_add (bodies, g_strnfill (998, 'a'));
  g_ptr_array_add (bodies, g_strnfill (999, 'b'));
  for (guint b = 0; b < bodies->len; b++) {
    for (guint p = 0; p < G_N_ELEMENTS (profiles); p++) {
      g_autoptr(GwNotification) n = gw_notification_new ();
      g_autoptr(GwEnvelope) envelope = NULL;
      g_autoptr(GError) error = NULL;

      n->to = g_strdupv ((GStrv) (to + to_lists[b % G_N_ELEMENTS (to_lists)]));
      n->subject = g_strdup (subjects[b % G_N_ELEMENTS (subjects)]);
      n->body = g_strdup (g_ptr_array_index (bodies, b));
      if (b % 3 == 1)
        n->html = g_strdup_printf ("<p>%s</p>", (char *) g_ptr_array_index (bodies, b));
      if (b % 2 == 0) {
        n->cc = strv ("Ünïcode Name <u@example.org>", NULL);
        n->reply_to = g_strdup ("Service Désk <desk@example.org>");
        n->app_name = g_strdup ("Sicherungsüberwachung");
        n->category = g_strdup ("device.error");
        n->urgency = 2;
      }
      g_ptr_array_add (n->headers, g_strdup ("X-Ticket"));
      g_ptr_array_add (n->headers, g_strdup (b % 2 == 0 ? "  INC-42  " : "Grüße aus dem Rechenzentrum"));
      g_ptr_array_add (n->headers, g_strdup ("References"));
      g_ptr_array_add (n->headers, g_strdup ("<a@example.org> <b@example.org>"));
      g_ptr_array_add (n->headers, g_strdup ("X-Long"));
      g_ptr_array_add (n->headers, g_strdup (subjects[4]));
      g_test_message ("body %u, profile %u", b, p);
      envelope = compose (profiles[p], n, &error);
      /* Text that ISO-8859-15 cannot write is refused; the rest is composed. */
      if (envelope == NULL)
        g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT);
      else
        g_assert_no_error (error);
      g_assert_true (envelope != NULL || profiles[p] == latin);
    }
  }
}

/* Plain-text bodies are copied a line at a time without GMime: seeded
 * random bodies of the pieces that decide how (line ends of every kind,
 * "From " where a line may start, 8-bit bytes, lines around the 998-octet
 * limit) compose to GMime's bytes (compose() compares them). */
static void
test_plain_body_as_gmime (void)
{
  static const char * const pieces[] = {
    "a", "b ", " ", "\r", "\n", "\r\n", "From ", "From", "F", "\xc3\xa9", ".", "\t"
  };
  g_autoptr(GwProfile) profile = profile_with (NULL, NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (18);

  for (guint i = 0; i < 400; i++) {
    g_autoptr(GwNotification) n = gw_notification_new ();
    g_autoptr(GwEnvelope) envelope = NULL;
    g_autoptr(GError) error = NULL;
    GString *body = g_string_new (NULL);
    gint32 parts = g_rand_int_range (rand, 0, 12);

    for (gint32 j = 0; j < parts; j++) {
      if (g_rand_int_range (rand, 0, 8) == 0) {
        g_autofree char *line = g_strnfill ((gsize) g_rand_int_range (rand, 995, 1002), 'z');

        g_string_append (body, line);
      } else {
        g_string_append (body, pieces[g_rand_int_range (rand, 0, G_N_ELEMENTS (pieces))]);
      }
    }
    n->to = strv ("ops@example.org", NULL);
    n->subject = g_strdup ("random body");
    n->body = g_string_free (body, FALSE);
    envelope = compose (profile, n, &error);
    g_assert_no_error (error);
    g_assert_nonnull (envelope);
  }
}

/* Domains GLib writes in IDNA that libidn2 cannot encode again (GMime
 * wrote them decoded, found by fuzz-compose): headers stay 7-bit, with the
 * ASCII form given, with and without a display name. */
static void
test_idn_header_ascii (void)
{
  g_autoptr(GwProfile) profile = profile_with (NULL, NULL);
  g_autoptr(GwNotification) n = gw_notification_new ();
  g_autoptr(GwEnvelope) envelope = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *headers = NULL;

  /* (GMime wrote the second as "a@b(w)lc": its decoded form.) */
  n->to = strv ("jane@büycprܓteople", "a@xn--l-repog", NULL);
  n->cc = strv ("Jane Doe <doe@büycprܓteople>", NULL);
  envelope = compose (profile, n, &error);
  g_assert_no_error (error);
  headers = raw_headers (envelope);
  for (const char *p = headers; *p != '\0'; p++)
    g_assert_cmpuint ((guchar) *p, <, 0x80);
  g_assert_nonnull (strstr (headers, "\r\nTo: jane@xn--bycprteople-thb583r, a@xn--l-repog\r\n"));
  g_assert_nonnull (strstr (headers, "\r\nCc: Jane Doe <doe@xn--bycprteople-thb583r>\r\n"));
}

int
main (int   argc,
      char *argv[])
{
  /* Before any thread exists: a small tmpfs private to this process. */
  queue_test_private_mounts ();
  g_test_init (&argc, &argv, NULL);
  herald_test_load_transports ();
  g_mime_init ();
  g_test_add_func ("/composer/headers", test_headers);
  g_test_add_func ("/composer/message-ids", test_message_ids);
  g_test_add_func ("/composer/delivery-ids", test_delivery_ids);
  g_test_add_func ("/composer/html", test_html);
  g_test_add_func ("/composer/html-to-text", test_html_to_text);
  g_test_add_func ("/composer/charset", test_charset);
  g_test_add_func ("/composer/line-ends", test_line_ends);
  g_test_add_func ("/composer/attachments", test_attachments);
  g_test_add_func ("/composer/large-attachment", test_large_attachment);
  g_test_add_func ("/composer/attachment-copied-to-spool", test_attachment_copied_to_spool);
  g_test_add_func ("/composer/attachment-spool-full", test_attachment_spool_full);
  g_test_add_func ("/composer/size-limit", test_size_limit);
  g_test_add_func ("/composer/from-override", test_from_override);
  g_test_add_func ("/composer/injection", test_injection);
  g_test_add_func ("/composer/same-as-gmime", test_same_as_gmime);
  g_test_add_func ("/composer/plain-header-as-gmime", test_plain_header_as_gmime);
  g_test_add_func ("/composer/plain-body-as-gmime", test_plain_body_as_gmime);
  g_test_add_func ("/composer/idn-header-ascii", test_idn_header_ascii);
  return g_test_run ();
}
