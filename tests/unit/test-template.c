/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-template.c: templates expand in one pass; a caller's text stays text */
#define G_LOG_DOMAIN "test-template"

#include "config.h"

#include "herald-error.h"
#include "gw-template.h"

static const char * const fax_names[] = { "subject", "number", "pin", NULL };

static char *
expand_fax (const char *tmpl,
            const char *subject,
            GError    **error)
{
  const GwTemplateValue values[] = {
    { "subject", subject }, { "number", "4930123456" }, { "pin", "SECRET-PIN" }, { NULL, NULL }
  };

  return gw_template_expand (tmpl, values, error);
}

static void
test_expand (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = expand_fax ("Fax {number}: {subject}", "Disk full", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, "Fax 4930123456: Disk full");
}

/* The defect of issue 17: a caller's "{pin}" must not become the PIN. */
static void
test_placeholder_in_value_stays_literal (void)
{
  static const char * const subjects[] = {
    "{pin}", "x{pin}y", "{{pin}}", "{number}{pin}{subject}", "}{pin}{", "{", "}", NULL
  };

  for (guint i = 0; subjects[i] != NULL; i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *text = expand_fax ("{subject}", subjects[i], &error);
    g_autofree char *both = expand_fax ("{subject}/{subject}", subjects[i], &error);
    g_autofree char *doubled = g_strdup_printf ("%s/%s", subjects[i], subjects[i]);

    g_assert_no_error (error);
    g_assert_cmpstr (text, ==, subjects[i]);
    g_assert_cmpstr (both, ==, doubled);
    g_assert_null (g_strstr_len (text, -1, "SECRET-PIN"));
  }
}

static void
test_pin_only_where_the_template_says (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = expand_fax ("PIN {pin} {subject}", "{pin}", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, "PIN SECRET-PIN {pin}");
}

static void
test_brace_escapes (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = expand_fax ("{{subject}} is {subject}; }}{{", "S", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, "{subject} is S; }{");
  g_assert_true (gw_template_check ("{{pin}}", fax_names, NULL));
  g_assert_false (gw_template_uses ("{{pin}}", "pin"));
  g_assert_true (gw_template_uses ("a{pin}", "pin"));
}

static void
test_missing_value_inserts_nothing (void)
{
  const GwTemplateValue values[] = { { "number", NULL }, { NULL, NULL } };
  g_autoptr(GError) error = NULL;
  g_autofree char *text = gw_template_expand ("[{number}]", values, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, "[]");
}

static void
test_unknown_and_malformed (void)
{
  static const char * const bad[] = {
    "{password}", "{Subject}", "{}", "{subject", "subject}", "{sub ject}", "a { b", "{{{x}}}",
    "{aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}", NULL
  };

  for (guint i = 0; bad[i] != NULL; i++) {
    g_autoptr(GError) check_error = NULL;
    g_autoptr(GError) expand_error = NULL;
    g_autofree char *text = expand_fax (bad[i], "S", &expand_error);

    g_assert_false (gw_template_check (bad[i], fax_names, &check_error));
    g_assert_error (check_error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING);
    g_assert_null (text);
    g_assert_error (expand_error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING);
  }
}

static void
test_unknown_names_the_known (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (gw_template_check ("{password}", fax_names, &error));
  g_assert_nonnull (g_strstr_len (error->message, -1, "{password}"));
  g_assert_nonnull (g_strstr_len (error->message, -1, "{subject}, {number}, {pin}"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/template/expand", test_expand);
  g_test_add_func ("/template/placeholder-in-value-stays-literal", test_placeholder_in_value_stays_literal);
  g_test_add_func ("/template/pin-only-where-the-template-says", test_pin_only_where_the_template_says);
  g_test_add_func ("/template/brace-escapes", test_brace_escapes);
  g_test_add_func ("/template/missing-value-inserts-nothing", test_missing_value_inserts_nothing);
  g_test_add_func ("/template/unknown-and-malformed", test_unknown_and_malformed);
  g_test_add_func ("/template/unknown-names-the-known", test_unknown_names_the_known);
  return g_test_run ();
}
