/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-setting-describe.c: a profile key's reference entry, in words
 *
 * One wording for `heraldctl profile keys`, `profile show` and the
 * generated reference (herald-profile(5), docs/profile-keys.md), made from
 * what GetProfileKeys says of a key, so that a key a transport declares is
 * described everywhere without a word written for it.
 */
#define G_LOG_DOMAIN "gw-setting-spec"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "gw-setting-describe.h"
#include "gw-units.h"

static const char *
lookup_string (GVariant   *key,
               const char *member)
{
  const char *value = NULL;

  return g_variant_lookup (key, member, "&s", &value) ? value : NULL;
}

/* A number of @key written in its unit. */
char *
gw_setting_format_in_unit (GVariant *key,
                           guint64   n)
{
  const char *unit = lookup_string (key, "unit");

  if (g_strcmp0 (unit, "seconds") == 0)
    return gw_units_format_duration (n);
  if (g_strcmp0 (unit, "bytes") == 0)
    return gw_units_format_size (n);
  return g_strdup_printf ("%" G_GUINT64_FORMAT, n);
}

char *
gw_setting_describe_values (GVariant *key)
{
  const char             *type = lookup_string (key, "type");
  const char             *unit = lookup_string (key, "unit");
  g_autofree const char **values = NULL;
  guint64                 min = 0, max = 0;

  if (g_variant_lookup (key, "values", "^a&s", &values)) {
    g_autofree char *joined = g_strjoinv (", ", (char **) values);

    if (g_strcmp0 (type, "string-list") == 0)
      /* TRANSLATORS: %s is a list of values such as "success, failure, delay" */
      return g_strdup_printf (_("a list of: %s"), joined);
    /* TRANSLATORS: %s is a list of values such as "none, starttls, tls" */
    return g_strdup_printf (_("one of: %s"), joined);
  }
  if (g_variant_lookup (key, "min", "t", &min) && g_variant_lookup (key, "max", "t", &max)) {
    g_autofree char *lo = gw_setting_format_in_unit (key, min);
    g_autofree char *hi = gw_setting_format_in_unit (key, max);

    if (g_strcmp0 (unit, "seconds") == 0)
      /* TRANSLATORS: the bounds of a duration, such as "1s" and "5m" */
      return g_strdup_printf (_("a duration from %s to %s (90, 90s, 5m, 2h, 1d)"), lo, hi);
    if (g_strcmp0 (unit, "bytes") == 0)
      /* TRANSLATORS: the bounds of a size, such as "0 bytes" and "1 TiB" */
      return g_strdup_printf (_("a size from %s to %s (1048576, 10M, 10MB, 10 MiB)"), lo, hi);
    /* TRANSLATORS: the bounds of a number */
    return g_strdup_printf (_("a number from %s to %s"), lo, hi);
  }
  if (g_strcmp0 (type, "secret") == 0)
    return g_strdup (_("a secret: write-only, set with “heraldctl profile set-password NAME --key KEY”"));
  if (g_strcmp0 (type, "boolean") == 0)
    return g_strdup (_("true or false (also yes/no, on/off, 1/0)"));
  if (g_strcmp0 (type, "host") == 0)
    return g_strdup (_("a host name or IP address"));
  if (g_strcmp0 (type, "address") == 0)
    return g_strdup (_("an e-mail address"));
  if (g_strcmp0 (type, "path") == 0)
    return g_strdup (_("an absolute path"));
  if (g_strcmp0 (type, "url") == 0)
    return g_strdup (_("an https:// URL"));
  if (g_strcmp0 (type, "profile") == 0)
    return g_strdup (_("the name of another profile"));
  if (g_strcmp0 (type, "pins") == 0)
    return g_strdup (_("a list of SHA-256 public key pins (64 hex digits, optionally @HOST:PORT)"));
  return g_strdup (_("text"));
}

char *
gw_setting_describe_default (GVariant *key)
{
  const char *text = lookup_string (key, "default");
  guint64     n;

  if (text == NULL || *text == '\0')
    return NULL;
  if (lookup_string (key, "unit") != NULL && g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, &n, NULL))
    return gw_setting_format_in_unit (key, n);
  return g_strdup (text);
}
