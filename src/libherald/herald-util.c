/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-util.c: small helpers shared inside libherald */
#define G_LOG_DOMAIN "herald-util"

#include "config.h"

#include "herald-private.h"

/* Microseconds since the epoch under @key of the a{sv} @dict, as a UTC
 * GDateTime; missing, zero or negative means none. */
GDateTime *
herald_variant_lookup_time (GVariant   *dict,
                            const char *key)
{
  gint64 usec = 0;
  g_autoptr(GDateTime) seconds = NULL;

  if (!g_variant_lookup (dict, key, "x", &usec) || usec <= 0)
    return NULL;
  seconds = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  if (seconds == NULL)
    return NULL;
  return g_date_time_add (seconds, usec % G_USEC_PER_SEC);
}

/* The string under @key of the a{sv} @dict, or NULL when it is missing or
 * empty. */
char *
herald_variant_lookup_string (GVariant   *dict,
                              const char *key)
{
  char *value = NULL;

  if (g_variant_lookup (dict, key, "s", &value) && *value == '\0')
    g_clear_pointer (&value, g_free);
  return value;
}
