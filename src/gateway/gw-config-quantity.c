/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-config-quantity.c: sizes and durations of heraldd.conf
 *
 * Every limit of heraldd.conf that is a size or a duration is read here,
 * with the plugin SDK's grammar (gw-units.c), so "10M" or "5m" mean in
 * heraldd.conf what they mean in a profile and on heraldctl's command line.
 */
#define G_LOG_DOMAIN "gw-config"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-config-quantity.h"
#include "gw-units.h"

static char *
format (GwQuantity kind,
        guint64    n)
{
  return kind == GW_QUANTITY_SIZE ? gw_units_format_size (n) : gw_units_format_duration (n);
}

gboolean
gw_config_read_quantity (GKeyFile   *keyfile,
                         const char *path,
                         const char *group,
                         const char *key,
                         GwQuantity  kind,
                         guint64     plain_unit,
                         guint64     min,
                         guint64     max,
                         guint64    *value,
                         GError    **error)
{
  g_autofree char *text = g_key_file_get_value (keyfile, group, key, NULL);
  g_autoptr(GError) local_error = NULL;
  guint64 n = 0;
  gboolean ok;

  if (text == NULL)
    return TRUE;
  if (kind == GW_QUANTITY_SIZE)
    ok = gw_units_parse_size (text, plain_unit, &n, &local_error);
  else
    ok = gw_units_parse_duration (text, plain_unit, &n, &local_error);
  if (!ok) {
    /* TRANSLATORS: a file, a group such as "http", a key, its value, and
     * why it is refused (the accepted forms) */
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                 _("%s: [%s] %s=%s: %s"), path, group, key, g_strstrip (text), local_error->message);
    return FALSE;
  }
  if (n < min || n > max || n % plain_unit != 0) {
    g_autofree char *lo = format (kind, min);
    g_autofree char *hi = format (kind, max);
    g_autofree char *unit = format (kind, plain_unit);

    if (n % plain_unit != 0)
      /* TRANSLATORS: a file, a group, a key, its value, and a unit such as "1d" or "1 MiB" */
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                   _("%s: [%s] %s=%s: must be a whole multiple of %s"),
                   path, group, key, g_strstrip (text), unit);
    else
      /* TRANSLATORS: a file, a group, a key, its value, the smallest and the largest value allowed */
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                   _("%s: [%s] %s=%s: must be from %s to %s"),
                   path, group, key, g_strstrip (text), lo, hi);
    return FALSE;
  }
  *value = n;
  return TRUE;
}
