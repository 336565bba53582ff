/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-units.c: the one grammar of sizes and durations (gw-units.c) */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "herald-error.h"
#include "gw-config-quantity.h"
#include "gw-units.h"

typedef struct {
  const char *text;
  gboolean    ok;
  guint64     value;
} Case;

static const Case size_cases[] = {
  { "0", TRUE, 0 },
  { "1048576", TRUE, 1048576 },
  { " 1048576 ", TRUE, 1048576 },
  { "100b", TRUE, 100 },
  { "100 bytes", TRUE, 100 },
  { "10k", TRUE, 10240 },
  { "10K", TRUE, 10240 },
  { "10KB", TRUE, 10240 },
  { "10 KiB", TRUE, 10240 },
  { "10M", TRUE, 10485760 },
  { "10MB", TRUE, 10485760 },
  { "10 MiB", TRUE, 10485760 },
  { "10mib", TRUE, 10485760 },
  { "10\tMB", TRUE, 10485760 },
  { "2G", TRUE, G_GUINT64_CONSTANT (2147483648) },
  { "1 GiB", TRUE, G_GUINT64_CONSTANT (1073741824) },
  { "1T", TRUE, G_GUINT64_CONSTANT (1) << 40 },
  { "16777215T", TRUE, G_GUINT64_CONSTANT (16777215) << 40 },
  { "16777216T", FALSE, 0 },                 /* 2^64: too large */
  { "18446744073709551615", TRUE, G_MAXUINT64 },
  { "18446744073709551616", FALSE, 0 },
  { "", FALSE, 0 },
  { "   ", FALSE, 0 },
  { "M", FALSE, 0 },
  { "-1", FALSE, 0 },
  { "+1", FALSE, 0 },
  { "1.5M", FALSE, 0 },
  { "0x10", FALSE, 0 },
  { "10 M B", FALSE, 0 },
  { "10MiBs", FALSE, 0 },
  { "10P", FALSE, 0 },
  { "10s", FALSE, 0 },
};

static const Case duration_cases[] = {
  { "0", TRUE, 0 },
  { "90", TRUE, 90 },
  { "90s", TRUE, 90 },
  { "90 s", TRUE, 90 },
  { "5m", TRUE, 300 },
  { "5M", TRUE, 300 },
  { "2h", TRUE, 7200 },
  { "1d", TRUE, 86400 },
  { "2w", TRUE, 1209600 },
  { " 1d ", TRUE, 86400 },
  { "", FALSE, 0 },
  { "s", FALSE, 0 },
  { "1.5h", FALSE, 0 },
  { "-5", FALSE, 0 },
  { "5 min", FALSE, 0 },
  { "5ms", FALSE, 0 },
  { "10MB", FALSE, 0 },
  { "1y", FALSE, 0 },
  { "30500568904944w", FALSE, 0 },          /* over 2^64 seconds */
};

static void
test_sizes (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (size_cases); i++) {
    g_autoptr(GError) error = NULL;
    guint64 bytes = 12345;
    gboolean ok = gw_units_parse_size (size_cases[i].text, GW_UNIT_BYTE, &bytes, &error);

    g_test_message ("size “%s”", size_cases[i].text);
    g_assert_cmpint (ok, ==, size_cases[i].ok);
    if (ok) {
      g_assert_no_error (error);
      g_assert_cmpuint (bytes, ==, size_cases[i].value);
    } else {
      g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING);
      g_assert_cmpuint (bytes, ==, 12345);
    }
  }
}

static void
test_durations (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (duration_cases); i++) {
    g_autoptr(GError) error = NULL;
    guint64 seconds = 12345;
    gboolean ok = gw_units_parse_duration (duration_cases[i].text, GW_UNIT_SECOND, &seconds, &error);

    g_test_message ("duration “%s”", duration_cases[i].text);
    g_assert_cmpint (ok, ==, duration_cases[i].ok);
    if (ok) {
      g_assert_no_error (error);
      g_assert_cmpuint (seconds, ==, duration_cases[i].value);
    } else {
      g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING);
      g_assert_cmpuint (seconds, ==, 12345);
    }
  }
}

/* A key whose plain numbers count MiB or days keeps them, and takes the
 * suffixed forms too. */
static void
test_plain_units (void)
{
  g_autoptr(GError) error = NULL;
  guint64 n = 0;

  g_assert_true (gw_units_parse_size ("1024", GW_UNIT_MIB, &n, NULL));
  g_assert_cmpuint (n, ==, G_GUINT64_CONSTANT (1) << 30);
  g_assert_true (gw_units_parse_size ("2G", GW_UNIT_MIB, &n, NULL));
  g_assert_cmpuint (n, ==, G_GUINT64_CONSTANT (2) << 30);
  g_assert_true (gw_units_parse_duration ("30", GW_UNIT_DAY, &n, NULL));
  g_assert_cmpuint (n, ==, 30 * 86400);
  g_assert_true (gw_units_parse_duration ("2w", GW_UNIT_DAY, &n, NULL));
  g_assert_cmpuint (n, ==, 14 * 86400);
  g_assert_false (gw_units_parse_size ("lots", GW_UNIT_MIB, &n, &error));
  g_assert_nonnull (strstr (error->message, "a number of MiB (1024)"));
}

/* The error lists every accepted form, so a bad value can be fixed from
 * the message alone. */
static void
test_errors_list_forms (void)
{
  g_autoptr(GError) size_error = NULL;
  g_autoptr(GError) duration_error = NULL;
  g_autoptr(GError) big_error = NULL;
  guint64 n;
  const char * const size_forms[] = { "a number of bytes", "K, M, G or T", "10M", "10MB",
                                      "10 MiB", "1024", NULL };
  const char * const duration_forms[] = { "a number of seconds", "s, m, h, d or w", "90s",
                                          "5m", "2h", "1d", NULL };

  g_assert_false (gw_units_parse_size ("10 megs", GW_UNIT_BYTE, &n, &size_error));
  g_assert_false (gw_units_parse_duration ("soon", GW_UNIT_SECOND, &n, &duration_error));
  for (guint i = 0; size_forms[i] != NULL; i++) {
    g_assert_nonnull (strstr (size_error->message, size_forms[i]));
    g_assert_nonnull (strstr (gw_units_size_forms (), size_forms[i]));
  }
  for (guint i = 0; duration_forms[i] != NULL; i++) {
    g_assert_nonnull (strstr (duration_error->message, duration_forms[i]));
    g_assert_nonnull (strstr (gw_units_duration_forms (), duration_forms[i]));
  }
  g_assert_false (gw_units_parse_size ("99999999999999999999", GW_UNIT_BYTE, &n, &big_error));
  g_assert_cmpstr (big_error->message, ==, "too large");
}

/* What is written is read back to the same number. */
static void
test_format_round_trip (void)
{
  const guint64 sizes[] = { 0, 1, 1000, 1024, 1536, 10485760, G_GUINT64_CONSTANT (1) << 40,
                            G_GUINT64_CONSTANT (3) << 41, G_MAXUINT64 };
  const guint64 durations[] = { 0, 1, 59, 60, 90, 300, 3600, 5400, 86400, 432000, 2592000,
                                G_MAXUINT64 };
  g_autofree char *ten_mib = gw_units_format_size (10485760);
  g_autofree char *five_days = gw_units_format_duration (432000);
  g_autofree char *odd = gw_units_format_size (1536);

  g_assert_cmpstr (ten_mib, ==, "10 MiB");
  g_assert_cmpstr (five_days, ==, "5d");
  g_assert_cmpstr (odd, ==, "1536 bytes");
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++) {
    g_autofree char *text = gw_units_format_size (sizes[i]);
    guint64 back = 0;

    g_assert_true (gw_units_parse_size (text, GW_UNIT_BYTE, &back, NULL));
    g_assert_cmpuint (back, ==, sizes[i]);
  }
  for (guint i = 0; i < G_N_ELEMENTS (durations); i++) {
    g_autofree char *text = gw_units_format_duration (durations[i]);
    guint64 back = 0;

    g_assert_true (gw_units_parse_duration (text, GW_UNIT_SECOND, &back, NULL));
    g_assert_cmpuint (back, ==, durations[i]);
  }
}

/* heraldd.conf reads its sizes and durations with the same grammar, and
 * its plain numbers keep the unit the key is named after. */
static void
test_config_quantities (void)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  const char *conf =
    "[http]\nheader-timeout=2m\nbody-timeout=45\nmax-body-size=64K\napi-max-body-size=16 MiB\n"
    "idle-timeout=2h\nready-min-free-space=lots\n"
    "[quotas]\nmax-stored-mib=2G\n[gateway]\ndelivery-log-days=2w\n[x]\nhalf-day=12h\n";
  guint64 n = 7;

  g_assert_true (g_key_file_load_from_data (keyfile, conf, -1, G_KEY_FILE_NONE, NULL));
  g_assert_true (gw_config_read_quantity (keyfile, "h.conf", "http", "header-timeout", GW_QUANTITY_DURATION,
                                          GW_UNIT_SECOND, 1, 3600, &n, NULL));
  g_assert_cmpuint (n, ==, 120);
  g_assert_true (gw_config_read_quantity (keyfile, "h.conf", "http", "body-timeout", GW_QUANTITY_DURATION,
                                          GW_UNIT_SECOND, 1, 3600, &n, NULL));
  g_assert_cmpuint (n, ==, 45);
  g_assert_true (gw_config_read_quantity (keyfile, "h.conf", "http", "max-body-size", GW_QUANTITY_SIZE,
                                          GW_UNIT_BYTE, 1024, G_MAXUINT32, &n, NULL));
  g_assert_cmpuint (n, ==, 65536);
  g_assert_true (gw_config_read_quantity (keyfile, "h.conf", "http", "api-max-body-size", GW_QUANTITY_SIZE,
                                          GW_UNIT_BYTE, 1024, G_MAXUINT32, &n, NULL));
  g_assert_cmpuint (n, ==, 16777216);
  g_assert_true (gw_config_read_quantity (keyfile, "h.conf", "quotas", "max-stored-mib", GW_QUANTITY_SIZE,
                                          GW_UNIT_MIB, 0, G_MAXUINT64, &n, NULL));
  g_assert_cmpuint (n, ==, G_GUINT64_CONSTANT (2) << 30);
  g_assert_true (gw_config_read_quantity (keyfile, "h.conf", "gateway", "delivery-log-days", GW_QUANTITY_DURATION,
                                          GW_UNIT_DAY, GW_UNIT_DAY, 3650 * GW_UNIT_DAY, &n, NULL));
  g_assert_cmpuint (n, ==, 14 * GW_UNIT_DAY);
  /* absent: untouched */
  n = 7;
  g_assert_true (gw_config_read_quantity (keyfile, "h.conf", "http", "nothing", GW_QUANTITY_SIZE,
                                          GW_UNIT_BYTE, 0, 10, &n, NULL));
  g_assert_cmpuint (n, ==, 7);
  /* out of range: the range in the key's unit */
  g_assert_false (gw_config_read_quantity (keyfile, "h.conf", "http", "idle-timeout", GW_QUANTITY_DURATION,
                                           GW_UNIT_SECOND, 1, 3600, &n, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING);
  g_assert_cmpstr (error->message, ==, "h.conf: [http] idle-timeout=2h: must be from 1s to 1h");
  g_clear_error (&error);
  /* not of the grammar: the forms */
  g_assert_false (gw_config_read_quantity (keyfile, "h.conf", "http", "ready-min-free-space", GW_QUANTITY_SIZE,
                                           GW_UNIT_BYTE, 0, G_MAXUINT64, &n, &error));
  g_assert_nonnull (strstr (error->message, "h.conf: [http] ready-min-free-space=lots: use a number of bytes"));
  g_assert_nonnull (strstr (error->message, "10 MiB"));
  g_clear_error (&error);
  /* a key counted in days takes whole days only */
  g_assert_false (gw_config_read_quantity (keyfile, "h.conf", "x", "half-day", GW_QUANTITY_DURATION,
                                           GW_UNIT_DAY, 0, G_MAXUINT64, &n, &error));
  g_assert_cmpstr (error->message, ==, "h.conf: [x] half-day=12h: must be a whole multiple of 1d");
  g_assert_cmpuint (n, ==, 7);
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "C");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/units/sizes", test_sizes);
  g_test_add_func ("/units/durations", test_durations);
  g_test_add_func ("/units/plain-units", test_plain_units);
  g_test_add_func ("/units/errors-list-forms", test_errors_list_forms);
  g_test_add_func ("/units/format-round-trip", test_format_round_trip);
  g_test_add_func ("/units/config-quantities", test_config_quantities);
  return g_test_run ();
}
