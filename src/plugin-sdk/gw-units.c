/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-units.c: sizes and durations, read and written one way everywhere
 *
 * Profile keys flagged BYTES or SECONDS, the limits of heraldd.conf and
 * heraldctl's options all read their numbers here, so "10M" means the
 * same wherever it is written. Size multiples are binary whatever the
 * spelling: K, KB and KiB are all 1024 bytes (as Herald read "10M" before
 * these forms existed, and as systemd and Postfix's sizes do), so no
 * value changes meaning with the letters around it.
 */
#define G_LOG_DOMAIN "gw-units"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-units.h"

typedef struct {
  const char *suffix;
  guint64     factor;
} Unit;

static const Unit size_units[] = {
  { "b", 1 },
  { "byte", 1 },
  { "bytes", 1 },
  { "k", G_GUINT64_CONSTANT (1) << 10 },
  { "kb", G_GUINT64_CONSTANT (1) << 10 },
  { "kib", G_GUINT64_CONSTANT (1) << 10 },
  { "m", G_GUINT64_CONSTANT (1) << 20 },
  { "mb", G_GUINT64_CONSTANT (1) << 20 },
  { "mib", G_GUINT64_CONSTANT (1) << 20 },
  { "g", G_GUINT64_CONSTANT (1) << 30 },
  { "gb", G_GUINT64_CONSTANT (1) << 30 },
  { "gib", G_GUINT64_CONSTANT (1) << 30 },
  { "t", G_GUINT64_CONSTANT (1) << 40 },
  { "tb", G_GUINT64_CONSTANT (1) << 40 },
  { "tib", G_GUINT64_CONSTANT (1) << 40 },
};

static const Unit duration_units[] = {
  { "s", 1 },
  { "m", 60 },
  { "h", 3600 },
  { "d", 86400 },
  { "w", 7 * 86400 },
};

/* "a number of bytes (1048576)" and the like: what a plain number means. */
static char *
plain_form (gboolean size,
            guint64  plain_unit)
{
  if (size && plain_unit == GW_UNIT_MIB)
    return g_strdup (_("a number of MiB (1024)"));
  if (size)
    return g_strdup (_("a number of bytes (1048576)"));
  if (plain_unit == GW_UNIT_DAY)
    return g_strdup (_("a number of days (30)"));
  return g_strdup (_("a number of seconds (90)"));
}

static char *
forms (gboolean size,
       guint64  plain_unit)
{
  g_autofree char *plain = plain_form (size, plain_unit);

  if (size)
    /* TRANSLATORS: %s is "a number of bytes (1048576)" or the like; the
     * unit letters are not translated */
    return g_strdup_printf (_("%s, or a number followed by K, M, G or T, alone or with B or "
                               "iB, with or without a space: 10M, 10MB and 10 MiB are all "
                               "10485760 bytes (multiples of 1024)"),
                            plain);
  /* TRANSLATORS: %s is "a number of seconds (90)" or the like; the unit
   * letters are not translated */
  return g_strdup_printf (_("%s, or a number followed by s, m, h, d or w (seconds, minutes, "
                             "hours, days, weeks), with or without a space: 90s, 5m, 2h, 1d"),
                          plain);
}

/**
 * gw_units_size_forms:
 *
 * The forms gw_units_parse_size() accepts with a plain unit of bytes,
 * as one translated sentence for help texts and documentation.
 *
 * Returns: (transfer none): the accepted forms
 */
const char *
gw_units_size_forms (void)
{
  static char *text;

  if (g_once_init_enter (&text))
    g_once_init_leave (&text, forms (TRUE, GW_UNIT_BYTE));
  return text;
}

/**
 * gw_units_duration_forms:
 *
 * The forms gw_units_parse_duration() accepts with a plain unit of
 * seconds, as one translated sentence.
 *
 * Returns: (transfer none): the accepted forms
 */
const char *
gw_units_duration_forms (void)
{
  static char *text;

  if (g_once_init_enter (&text))
    g_once_init_leave (&text, forms (FALSE, GW_UNIT_SECOND));
  return text;
}

static gboolean
refuse (gboolean size,
        guint64  plain_unit,
        GError **error)
{
  g_autofree char *accepted = forms (size, plain_unit);

  /* TRANSLATORS: %s lists the accepted forms of a size or duration */
  g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING, _("use %s"), accepted);
  return FALSE;
}

static gboolean
parse (const char *text,
       gboolean    size,
       guint64     plain_unit,
       guint64    *result,
       GError    **error)
{
  const Unit      *units = size ? size_units : duration_units;
  guint            n_units = size ? G_N_ELEMENTS (size_units) : G_N_ELEMENTS (duration_units);
  const char      *p = text;
  const char      *digits;
  g_autofree char *suffix = NULL;
  guint64          n = 0;
  guint64          factor = plain_unit;

  g_return_val_if_fail (plain_unit > 0, FALSE);
  if (text == NULL)
    return refuse (size, plain_unit, error);
  while (g_ascii_isspace (*p))
    p++;
  digits = p;
  while (g_ascii_isdigit (*p)) {
    guint digit = (guint) (*p - '0');

    /* No strtoull and errno: a value read in one thread cannot be spoilt
     * by another's, and a sign or a base prefix is never taken. */
    if (n > (G_MAXUINT64 - digit) / 10) {
      g_set_error_literal (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING, _("too large"));
      return FALSE;
    }
    n = n * 10 + digit;
    p++;
  }
  if (p == digits)
    return refuse (size, plain_unit, error);
  while (*p == ' ' || *p == '\t')
    p++;
  suffix = g_ascii_strdown (p, -1);
  g_strchomp (suffix);
  if (*suffix != '\0') {
    factor = 0;
    for (guint i = 0; i < n_units && factor == 0; i++) {
      if (g_str_equal (suffix, units[i].suffix))
        factor = units[i].factor;
    }
    if (factor == 0)
      return refuse (size, plain_unit, error);
  }
  if (n > G_MAXUINT64 / factor) {
    g_set_error_literal (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING, _("too large"));
    return FALSE;
  }
  *result = n * factor;
  return TRUE;
}

/**
 * gw_units_parse_size:
 * @text: a size: "1048576", "10M", "10MB", "10 MiB", "512k"
 * @plain_unit: what a number without a suffix counts: %GW_UNIT_BYTE, or
 *   %GW_UNIT_MIB for a key named so
 * @bytes: (out): the size in bytes
 * @error: return location for %HERALD_ERROR_INVALID_SETTING, whose message
 *   is the reason alone ("use a number of bytes …", listing the accepted
 *   forms, or "too large"), for the caller to put after the key's name
 *
 * Reads a size. The suffixes K, M, G and T, alone or followed by B or iB,
 * in any case and after optional blanks, are binary multiples: 10M, 10MB
 * and 10 MiB are all 10485760 bytes. Leading and trailing blanks are
 * ignored; signs, fractions and anything else are refused.
 *
 * Returns: whether @text is a size
 */
gboolean
gw_units_parse_size (const char *text,
                     guint64     plain_unit,
                     guint64    *bytes,
                     GError    **error)
{
  g_return_val_if_fail (bytes != NULL, FALSE);
  return parse (text, TRUE, plain_unit, bytes, error);
}

/**
 * gw_units_parse_duration:
 * @text: a duration: "90", "90s", "5m", "2h", "1d", "2w"
 * @plain_unit: what a number without a suffix counts: %GW_UNIT_SECOND, or
 *   %GW_UNIT_DAY for a key named so
 * @seconds: (out): the duration in seconds
 * @error: return location for %HERALD_ERROR_INVALID_SETTING, whose message
 *   is the reason alone, listing the accepted forms
 *
 * Reads a duration: a number, optionally followed (after optional blanks)
 * by s, m, h, d or w in any case.
 *
 * Returns: whether @text is a duration
 */
gboolean
gw_units_parse_duration (const char *text,
                         guint64     plain_unit,
                         guint64    *seconds,
                         GError    **error)
{
  g_return_val_if_fail (seconds != NULL, FALSE);
  return parse (text, FALSE, plain_unit, seconds, error);
}

/**
 * gw_units_format_size:
 * @bytes: a size
 *
 * Writes a size in a form gw_units_parse_size() reads back exactly: the
 * largest binary unit it is a whole multiple of ("10 MiB", "1536 bytes").
 *
 * Returns: (transfer full): the text
 */
char *
gw_units_format_size (guint64 bytes)
{
  static const char * const names[] = { "TiB", "GiB", "MiB", "KiB" };

  for (guint i = 0; i < G_N_ELEMENTS (names) && bytes > 0; i++) {
    guint64 factor = G_GUINT64_CONSTANT (1) << (10 * (4 - i));

    if (bytes % factor == 0)
      return g_strdup_printf ("%" G_GUINT64_FORMAT " %s", bytes / factor, names[i]);
  }
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%" G_GUINT64_FORMAT " byte",
                                       "%" G_GUINT64_FORMAT " bytes", bytes),
                          bytes);
}

/**
 * gw_units_format_duration:
 * @seconds: a duration
 *
 * Writes a duration in a form gw_units_parse_duration() reads back
 * exactly: the largest of d, h, m and s it is a whole multiple of ("5d",
 * "90s").
 *
 * Returns: (transfer full): the text
 */
char *
gw_units_format_duration (guint64 seconds)
{
  static const Unit shown[] = { { "d", 86400 }, { "h", 3600 }, { "m", 60 } };

  for (guint i = 0; i < G_N_ELEMENTS (shown) && seconds > 0; i++) {
    if (seconds % shown[i].factor == 0)
      return g_strdup_printf ("%" G_GUINT64_FORMAT "%s", seconds / shown[i].factor, shown[i].suffix);
  }
  return g_strdup_printf ("%" G_GUINT64_FORMAT "s", seconds);
}
