/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-smtp-data.c: the DATA payload is CRLF-only and correctly dot-stuffed */
#define G_LOG_DOMAIN "test-smtp-data"

#include "config.h"

#include <string.h>

#include "gw-smtp-data.h"

typedef struct {
  const char *name;
  const char *input;
  gsize       input_len; /* 0: strlen (input) */
  const char *expected;
  gsize       expected_len;
} EncodeCase;

/* Inputs are given as literals, so NUL bytes need explicit lengths. */
static const EncodeCase encode_cases[] = {
  { "empty", "", 0, ".\r\n", 0 },
  { "one-line-no-newline", "a", 0, "a\r\n.\r\n", 0 },
  { "crlf-already", "a\r\nb\r\n", 0, "a\r\nb\r\n.\r\n", 0 },
  { "bare-lf", "a\nb\n", 0, "a\r\nb\r\n.\r\n", 0 },
  { "bare-cr", "a\rb\r", 0, "a\r\nb\r\n.\r\n", 0 },
  { "cr-cr-lf", "a\r\r\nb", 0, "a\r\n\r\nb\r\n.\r\n", 0 },
  { "lf-cr", "a\n\rb", 0, "a\r\n\r\nb\r\n.\r\n", 0 },
  { "lf-dot-lf", "a\n.\nb\n", 0, "a\r\n..\r\nb\r\n.\r\n", 0 },
  { "crlf-dot-crlf", "a\r\n.\r\nb", 0, "a\r\n..\r\nb\r\n.\r\n", 0 },
  { "cr-dot-cr", "a\r.\rb", 0, "a\r\n..\r\nb\r\n.\r\n", 0 },
  { "dot-line", ".\r\n", 0, "..\r\n.\r\n", 0 },
  { "dot-dot-line", "..\r\n", 0, "...\r\n.\r\n", 0 },
  { "dot-first-no-newline", ".", 0, "..\r\n.\r\n", 0 },
  { "dot-text", ".hidden\nx.y\n", 0, "..hidden\r\nx.y\r\n.\r\n", 0 },
  { "lone-lf", "\n", 0, "\r\n.\r\n", 0 },
  { "lone-cr", "\r", 0, "\r\n.\r\n", 0 },
  { "blank-lines", "\n\n\r\n\r", 0, "\r\n\r\n\r\n\r\n.\r\n", 0 },
  { "smuggling-lf", "x\n.\r\nMAIL FROM:<a@b>\r\n", 0,
    "x\r\n..\r\nMAIL FROM:<a@b>\r\n.\r\n", 0 },
  { "smuggling-cr", "x\r.\rMAIL FROM:<a@b>\r\n", 0,
    "x\r\n..\r\nMAIL FROM:<a@b>\r\n.\r\n", 0 },
  { "eight-bit", "caf\xc3\xa9\n", 0, "caf\xc3\xa9\r\n.\r\n", 0 },
  { "nul-byte", "a\0b\n", 4, "a\0b\r\n.\r\n", 8 },
};

static GBytes *
case_input (const EncodeCase *c)
{
  return g_bytes_new_static (c->input, c->input_len ? c->input_len : strlen (c->input));
}

static void
assert_bytes_equal (GBytes *actual, const char *expected, gsize expected_len)
{
  gsize len;
  const char *data = g_bytes_get_data (actual, &len);

  g_assert_cmpmem (data, len, expected, expected_len);
}

static void
test_encode_table (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (encode_cases); i++) {
    const EncodeCase *c = &encode_cases[i];
    g_autoptr(GBytes) input = case_input (c);
    g_autoptr(GBytes) output = gw_smtp_data_encode (input);

    g_test_message ("case %s", c->name);
    assert_bytes_equal (output, c->expected, c->expected_len ? c->expected_len : strlen (c->expected));
  }
}

/* No CR or LF may appear in the output except as part of CRLF. */
static void
assert_crlf_only (GBytes *output)
{
  gsize len;
  const guint8 *p = g_bytes_get_data (output, &len);

  for (gsize i = 0; i < len; i++) {
    if (p[i] == '\r')
      g_assert_true (i + 1 < len && p[i + 1] == '\n');
    if (p[i] == '\n')
      g_assert_true (i > 0 && p[i - 1] == '\r');
  }
}

/* The reference normalisation, written independently of the encoder:
 * CRLF, then lone CR, then lone LF, each become CRLF; a final line end is
 * added when missing. */
static GByteArray *
normalise (GBytes *input)
{
  gsize len;
  const guint8 *p = g_bytes_get_data (input, &len);
  GByteArray *out = g_byte_array_new ();
  gsize i = 0;

  while (i < len) {
    if (p[i] == '\r' && i + 1 < len && p[i + 1] == '\n') {
      g_byte_array_append (out, (const guint8 *) "\r\n", 2);
      i += 2;
    } else if (p[i] == '\r' || p[i] == '\n') {
      g_byte_array_append (out, (const guint8 *) "\r\n", 2);
      i++;
    } else {
      g_byte_array_append (out, p + i, 1);
      i++;
    }
  }
  if (out->len > 0 && !(out->len >= 2 && out->data[out->len - 2] == '\r' && out->data[out->len - 1] == '\n'))
    g_byte_array_append (out, (const guint8 *) "\r\n", 2);
  return out;
}

/* What a receiving server does: split at CRLF, stop at ".", drop one
 * leading dot from every other line. */
static GByteArray *
unstuff (GBytes *output)
{
  gsize len;
  const guint8 *p = g_bytes_get_data (output, &len);
  GByteArray *out = g_byte_array_new ();
  gsize start = 0;
  gboolean terminated = FALSE;

  while (start < len) {
    const guint8 *end = memchr (p + start, '\n', len - start);
    gsize line_len;

    g_assert_nonnull (end);
    line_len = (gsize) (end - (p + start)) + 1;
    g_assert_cmpuint (line_len, >=, 2);
    if (line_len == 3 && p[start] == '.') {
      terminated = TRUE;
      g_assert_cmpuint (start + line_len, ==, len); /* nothing after the end */
      break;
    }
    if (p[start] == '.')
      g_byte_array_append (out, p + start + 1, line_len - 1);
    else
      g_byte_array_append (out, p + start, line_len);
    start += line_len;
  }
  g_assert_true (terminated);
  return out;
}

static void
check_round_trip (GBytes *input)
{
  g_autoptr(GBytes) output = gw_smtp_data_encode (input);
  g_autoptr(GByteArray) expected = normalise (input);
  g_autoptr(GByteArray) got = NULL;
  gsize len;
  const guint8 *p = g_bytes_get_data (output, &len);

  assert_crlf_only (output);
  /* The payload always ends with CRLF.CRLF (or is ".\r\n" alone). */
  g_assert_cmpuint (len, >=, 3);
  g_assert_cmpmem (p + len - 3, 3, ".\r\n", 3);
  if (len > 3)
    g_assert_cmpmem (p + len - 5, 2, "\r\n", 2);
  got = unstuff (output);
  g_assert_cmpmem (got->data, got->len, expected->data, expected->len);
}

static void
test_round_trip_table (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (encode_cases); i++) {
    g_autoptr(GBytes) input = case_input (&encode_cases[i]);

    g_test_message ("case %s", encode_cases[i].name);
    check_round_trip (input);
  }
}

/* A random message of fewer than @max_len bytes over a small alphabet rich
 * in line ends and dots. */
static GBytes *
random_message (gint32 max_len)
{
  static const char alphabet[] = "\r\n.a\xff";
  gsize len = (gsize) g_test_rand_int_range (0, max_len);
  guint8 *buf = g_malloc (len + 1);

  for (gsize i = 0; i < len; i++)
    buf[i] = (guint8) alphabet[g_test_rand_int_range (0, sizeof alphabet - 1)];
  return g_bytes_new_take (buf, len);
}

static void
test_round_trip_random (void)
{
  for (guint n = 0; n < 2000; n++) {
    g_autoptr(GBytes) input = random_message (40);

    check_round_trip (input);
  }
}

static void
test_large (void)
{
  gsize len = 1024 * 1024;
  g_autofree char *buf = g_malloc (len);
  g_autoptr(GBytes) input = NULL;

  for (gsize i = 0; i < len; i++)
    buf[i] = (i % 77 == 76) ? '\n' : (i % 77 == 0 ? '.' : 'x');
  input = g_bytes_new_take (g_steal_pointer (&buf), len);
  check_round_trip (input);
}

/* A byte above 127 in the header (up to its first empty line, LF or CRLF)
 * needs SMTPUTF8 (RFC 6532); in the body, BODY=8BITMIME (RFC 6152). */
typedef struct {
  const char *text;
  gboolean    header;
  gboolean    body;
} EightBitCase;

static void
test_8bit_parts (void)
{
  static const EightBitCase cases[] = {
    { "Subject: caf\xc3\xa9\r\n\r\nplain\r\n", TRUE, FALSE },
    { "Subject: x\r\n\r\ncaf\xc3\xa9\r\n", FALSE, TRUE },
    { "Subject: x\n\ncaf\xe9\n", FALSE, TRUE },
    { "Subject: caf\xc3\xa9\r\n", TRUE, FALSE },
    { "\r\ncaf\xe9", FALSE, TRUE },
    { "Subject: x\r\n\r\n", FALSE, FALSE },
    { "A: x\r\n\r\r\n\xe9", TRUE, FALSE },    /* CR CR LF is no empty line */
    { "A: \xe9\r\r\nB: y\r\n\r\nplain", TRUE, FALSE },
    { "plain\r\ntext\r\n", FALSE, FALSE },
    { "", FALSE, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GBytes) message = g_bytes_new_static (cases[i].text, strlen (cases[i].text));
    GwSmtpDataFacts facts;

    g_test_message ("case %u", i);
    gw_smtp_data_facts_of_bytes (&facts, message);
    g_assert_cmpint (facts.header_8bit, ==, cases[i].header);
    g_assert_cmpint (facts.body_8bit, ==, cases[i].body);
  }
  /* One 8-bit byte anywhere in a long body: in a word, at its edges, at
   * a chunk's end, last. */
  {
    static const gsize offsets[] = { 0, 1, 7, 8, 9, 15, 4095, 4096, 4097, 8191, 9999 };
    g_autofree char *text = g_strnfill (4 + 10000, 'a');

    memcpy (text, "\r\n\r", 3);
    text[3] = '\n';
    for (guint i = 0; i < G_N_ELEMENTS (offsets); i++) {
      g_autoptr(GBytes) message = NULL;
      GwSmtpDataFacts facts;

      text[4 + offsets[i]] = (char) 0xe9;
      message = g_bytes_new (text, strlen (text));
      gw_smtp_data_facts_of_bytes (&facts, message);
      g_assert_false (facts.header_8bit);
      g_assert_true (facts.body_8bit);
      text[4 + offsets[i]] = 'a';
    }
    {
      g_autoptr(GBytes) message = g_bytes_new (text, strlen (text));
      GwSmtpDataFacts facts;

      gw_smtp_data_facts_of_bytes (&facts, message);
      g_assert_false (facts.body_8bit);
    }
  }
  g_assert_true (gw_smtp_data_is_ascii ("user@example.org"));
  g_assert_false (gw_smtp_data_is_ascii ("us\xc3\xa9r@example.org"));
}

/* The payload and the facts of @message when it comes in pieces of
 * 1..@max_piece bytes (a message read from its source) are those of the
 * whole message: a CR LF, a dot at a line start or the empty line that
 * ends the header split between two pieces changes nothing. */
static void
check_pieces (GBytes *message,
              guint   max_piece)
{
  gsize len = 0;
  const guint8 *in = g_bytes_get_data (message, &len);
  g_autoptr(GBytes) whole = gw_smtp_data_encode (message);
  g_autoptr(GByteArray) got = g_byte_array_new ();
  GwSmtpDataEncoder enc;
  GwSmtpDataFacts facts, whole_facts;
  guint8 out[16];
  gsize at = 0;

  gw_smtp_data_encoder_init (&enc);
  gw_smtp_data_facts_init (&facts);
  while (at < len) {
    gsize piece = (gsize) g_test_rand_int_range (1, (gint32) max_piece + 1);
    gsize done = 0;

    piece = MIN (piece, len - at);  /* MIN() evaluates its arguments twice */

    gw_smtp_data_facts_add (&facts, in + at, piece);
    /* A small output buffer too: the encoder stops when it is full. */
    while (done < piece) {
      gsize room = (gsize) g_test_rand_int_range (2, sizeof out + 1);
      gsize consumed = 0;
      gsize n = gw_smtp_data_encoder_encode (&enc, in + at + done, piece - done, &consumed, out, room);

      g_byte_array_append (got, out, (guint) n);
      done += consumed;
    }
    at += piece;
  }
  g_byte_array_append (got, out, (guint) gw_smtp_data_encoder_finish (&enc, out));
  gw_smtp_data_facts_end (&facts);

  g_assert_cmpmem (got->data, got->len, g_bytes_get_data (whole, NULL), g_bytes_get_size (whole));
  g_assert_cmpuint (facts.payload_size, ==, g_bytes_get_size (whole));
  gw_smtp_data_facts_of_bytes (&whole_facts, message);
  g_assert_cmpint (facts.header_8bit, ==, whole_facts.header_8bit);
  g_assert_cmpint (facts.body_8bit, ==, whole_facts.body_8bit);
}

static void
test_pieces (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (encode_cases); i++) {
    const EncodeCase *c = &encode_cases[i];
    g_autoptr(GBytes) input = g_bytes_new_static (c->input, c->input_len ? c->input_len : strlen (c->input));

    g_test_message ("case %s", c->name);
    check_pieces (input, 1);
    check_pieces (input, 3);
  }
  for (guint n = 0; n < 2000; n++) {
    g_autoptr(GBytes) input = random_message (60);

    check_pieces (input, 1 + n % 7);
  }
}

static void
test_address_safety (void)
{
  g_assert_true (gw_smtp_data_address_is_safe ("user@example.org"));
  g_assert_true (gw_smtp_data_address_is_safe ("\xc3\xa9@example.org"));
  g_assert_false (gw_smtp_data_address_is_safe (""));
  g_assert_false (gw_smtp_data_address_is_safe (NULL));
  g_assert_false (gw_smtp_data_address_is_safe ("a@b>\r\nRCPT TO:<c@d"));
  g_assert_false (gw_smtp_data_address_is_safe ("a@b\nx"));
  g_assert_false (gw_smtp_data_address_is_safe ("a b@c"));
  g_assert_false (gw_smtp_data_address_is_safe ("<a@b>"));
}

static void
test_xtext (void)
{
  g_autofree char *plain = gw_smtp_data_xtext ("job-42.abc");
  g_autofree char *special = gw_smtp_data_xtext ("a+b=c d\xc3\xa9");

  g_assert_cmpstr (plain, ==, "job-42.abc");
  g_assert_cmpstr (special, ==, "a+2Bb+3Dc+20d+C3+A9");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/smtp-data/encode-table", test_encode_table);
  g_test_add_func ("/smtp-data/round-trip-table", test_round_trip_table);
  g_test_add_func ("/smtp-data/round-trip-random", test_round_trip_random);
  g_test_add_func ("/smtp-data/large", test_large);
  g_test_add_func ("/smtp-data/8bit-parts", test_8bit_parts);
  g_test_add_func ("/smtp-data/pieces", test_pieces);
  g_test_add_func ("/smtp-data/address-safety", test_address_safety);
  g_test_add_func ("/smtp-data/xtext", test_xtext);
  return g_test_run ();
}
