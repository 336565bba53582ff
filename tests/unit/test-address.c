/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-address.c: which address forms each mode accepts (strict-addresses
 * true and false), and what they become. This table is the documentation
 * of strict and lenient parsing. */
#define G_LOG_DOMAIN "test-address"

#include "config.h"

#include "herald-error.h"
#include "gw-address.h"
#include "gw-gmime.h"

#define REFUSED NULL

typedef struct {
  const char *input;
  const char *strict_addr;    /* REFUSED: strict mode refuses */
  const char *lenient_addr;   /* REFUSED: lenient mode refuses */
  const char *name;           /* display name where accepted, or NULL */
  const char *why;            /* the form, for the reader */
} AddressCase;

static const AddressCase cases[] = {
  /* accepted in both modes */
  { "jane@example.org", "jane@example.org", "jane@example.org", NULL, "bare addr-spec" },
  { "  jane@example.org\t", "jane@example.org", "jane@example.org", NULL, "surrounding blanks" },
  { "Jane Doe <jane@example.org>", "jane@example.org", "jane@example.org", "Jane Doe", "name-addr" },
  { "<jane@example.org>", "jane@example.org", "jane@example.org", NULL, "angle-addr without name" },
  { "\"Doe, Jane\" <jane@example.org>", "jane@example.org", "jane@example.org", "Doe, Jane", "quoted name with a comma" },
  { "\"Jane \\\"JD\\\" Doe\" <jane@example.org>", "jane@example.org", "jane@example.org", "Jane \"JD\" Doe", "quoted-pair in a quoted name" },
  { "jane@example.org (Jane Doe)", "jane@example.org", "jane@example.org", "Jane Doe", "trailing comment as name" },
  { "jane.doe+alerts@example.org", "jane.doe+alerts@example.org", "jane.doe+alerts@example.org", NULL, "dots and plus in a dot-atom" },
  { "\"jane.doe\"@example.org", "\"jane.doe\"@example.org", "\"jane.doe\"@example.org", NULL, "quoted local part" },
  { "root@localhost", "root@localhost", "root@localhost", NULL, "single-label domain" },
  { "jane@[192.0.2.1]", "jane@[192.0.2.1]", "jane@[192.0.2.1]", NULL, "IPv4 address literal" },
  { "jane@[IPv6:2001:db8::1]", "jane@[IPv6:2001:db8::1]", "jane@[IPv6:2001:db8::1]", NULL, "IPv6 address literal" },
  { "Jörg Müller <joerg@example.org>", "joerg@example.org", "joerg@example.org", "Jörg Müller", "UTF-8 display name (RFC 6532)" },
  { "=?utf-8?q?J=C3=B6rg?= <joerg@example.org>", "joerg@example.org", "joerg@example.org", "Jörg", "RFC 2047 encoded name" },
  { "jane@bücher.example", "jane@xn--bcher-kva.example", "jane@xn--bcher-kva.example", NULL, "IDN domain, converted by IDNA" },
  { "Jane <jane@BÜCHER.example>", "jane@xn--bcher-kva.example", "jane@xn--bcher-kva.example", "Jane", "IDN domain in capitals" },
  { "jane@xn--bcher-kva.example", "jane@xn--bcher-kva.example", "jane@xn--bcher-kva.example", NULL, "A-label domain as given" },
  { "jäne@example.org", "jäne@example.org", "jäne@example.org", NULL, "UTF-8 local part (needs SMTPUTF8)" },

  /* the sloppy forms: lenient only */
  { "Jane Q. Public <jqp@example.org>", REFUSED, "jqp@example.org", "Jane Q. Public", "unquoted dot in the name" },
  { "Doe, Jane <jane@example.org>", REFUSED, "jane@example.org", "Doe, Jane", "unquoted comma in the name" },
  { "jane@example.org <jane@example.org>", REFUSED, "jane@example.org", "jane@example.org", "address as the name" },
  { "Jane Doe jane@example.org", REFUSED, "jane@example.org", "Jane Doe", "missing angle brackets" },
  { "jane@example.org.", REFUSED, "jane@example.org", NULL, "trailing dot after the domain" },
  { "Jane <jane@example.org.>", REFUSED, "jane@example.org", "Jane", "trailing dot inside brackets" },
  { "jane.@docomo.ne.jp", REFUSED, "jane.@docomo.ne.jp", NULL, "trailing dot in the local part" },
  { ".jane@example.org", REFUSED, ".jane@example.org", NULL, "leading dot in the local part" },
  { "ja..ne@example.org", REFUSED, "ja..ne@example.org", NULL, "doubled dot in the local part" },

  /* refused in both modes */
  { "", REFUSED, REFUSED, NULL, "empty" },
  { "   ", REFUSED, REFUSED, NULL, "blanks only" },
  { "jane", REFUSED, REFUSED, NULL, "no domain" },
  { "@example.org", REFUSED, REFUSED, NULL, "no local part" },
  { "jane@", REFUSED, REFUSED, NULL, "empty domain" },
  { "jane@@example.org", REFUSED, REFUSED, NULL, "two at signs" },
  { "jane @ example.org", REFUSED, REFUSED, NULL, "blanks around @" },
  { "a@example.org, b@example.org", REFUSED, REFUSED, NULL, "two addresses in one entry" },
  { "a@example.org b@example.org", REFUSED, REFUSED, NULL, "two addresses, no comma" },
  { "a@example.org;b@example.org", REFUSED, REFUSED, NULL, "two addresses with a semicolon" },
  { "Team: a@example.org;", REFUSED, REFUSED, NULL, "group syntax" },
  { "Jane <jane@example.org", REFUSED, REFUSED, NULL, "unclosed angle bracket" },
  { "Jane jane@example.org>", REFUSED, REFUSED, NULL, "stray closing bracket" },
  { "Jane <jane@example.org> extra", REFUSED, REFUSED, NULL, "text after the address" },
  { "\"Jane <jane@example.org>", REFUSED, REFUSED, NULL, "unclosed quoted name" },
  { "Jane <<jane@example.org>>", REFUSED, REFUSED, NULL, "doubled brackets" },
  { "jane@example.org (Jane (JD) Doe)", REFUSED, REFUSED, NULL, "nested comment" },
  { "jane@exa_mple.org", REFUSED, REFUSED, NULL, "underscore in the domain" },
  { "jane@-example.org", REFUSED, REFUSED, NULL, "label starting with a hyphen" },
  { "jane@example..org", REFUSED, REFUSED, NULL, "empty label" },
  { "jane@example.org..", REFUSED, REFUSED, NULL, "two trailing dots" },
  { "jane@[300.1.1.1]", REFUSED, REFUSED, NULL, "bad address literal" },
  { "jane@[2001:db8::1]", REFUSED, REFUSED, NULL, "IPv6 literal without the IPv6: tag" },
  { "\"jane doe\"@example.org", REFUSED, REFUSED, NULL, "blank in a quoted local part" },
  { "\"ja<ne\"@example.org", REFUSED, REFUSED, NULL, "bracket in a quoted local part" },
  /* found by fuzz-address: a quoted local part hiding "," and "@" */
  { "\"jane.e,@e\"@e", REFUSED, REFUSED, NULL, "comma and at sign in a quoted local part" },
  { "\"john..doe\"@example.org", "\"john..doe\"@example.org", "\"john..doe\"@example.org", NULL,
    "doubled dot, quoted" },
  { "jane(x)@example.org", REFUSED, REFUSED, NULL, "comment inside the address" },
  { "0123456789012345678901234567890123456789012345678901234567890123456789@example.org", REFUSED, REFUSED, NULL,
    "local part over 64 bytes" },
  { "=?utf-8?q?a=0D=0ABcc=3A_x=40example=2Eorg?= <jane@example.org>", REFUSED, REFUSED, NULL,
    "encoded word hiding a line break" },
};

static void
test_table (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    const AddressCase *c = &cases[i];

    for (int strict = 1; strict >= 0; strict--) {
      const char *expected = strict ? c->strict_addr : c->lenient_addr;
      g_autoptr(GError) error = NULL;
      g_autofree char *name = NULL;
      g_autofree char *addr = NULL;
      gboolean ok = gw_address_parse ("to", c->input, strict, &name, &addr, &error);

      g_test_message ("%s mode, %s: “%s” → %s", strict ? "strict" : "lenient", c->why, c->input,
                      ok ? addr : error->message);
      if (expected == REFUSED) {
        g_assert_false (ok);
        g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ADDRESS);
        /* The error names the entry and where it was. */
        g_assert_nonnull (strstr (error->message, "“to”"));
      } else {
        g_assert_no_error (error);
        g_assert_true (ok);
        g_assert_cmpstr (addr, ==, expected);
        g_assert_cmpstr (name, ==, c->name);
      }
    }
  }
}

/* Line breaks and controls are an injection attempt, not a bad address. */
static void
test_controls (void)
{
  static const char * const inputs[] = {
    "jane@example.org\r\nBcc: evil@example.org",
    "Jane\nBcc: evil@example.org <jane@example.org>",
    "jane@example.org\r",
    "jane\x01@example.org",
  };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++) {
    for (int strict = 1; strict >= 0; strict--) {
      g_autoptr(GError) error = NULL;

      g_assert_false (gw_address_parse ("cc", inputs[i], strict, NULL, NULL, &error));
      g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT);
    }
  }
}

static void
test_domain (void)
{
  g_assert_cmpstr (gw_address_get_domain ("jane@example.org"), ==, "example.org");
  g_assert_cmpstr (gw_address_get_domain ("\"a@b\"@example.org"), ==, "example.org");
  g_assert_null (gw_address_get_domain ("jane"));
  g_assert_true (gw_address_check_addr_spec ("from-address", "jane@example.org", NULL));
  g_assert_false (gw_address_check_addr_spec ("from-address", "Jane <jane@example.org>", NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();
  g_test_add_func ("/address/table", test_table);
  g_test_add_func ("/address/controls", test_controls);
  g_test_add_func ("/address/domain", test_domain);
  return g_test_run ();
}
