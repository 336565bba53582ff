/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-config-quantity.h: sizes and durations of heraldd.conf, read by the SDK's one grammar */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  GW_QUANTITY_SIZE,      /* gw_units_parse_size(): 10M, 10MB, 10 MiB, bytes */
  GW_QUANTITY_DURATION,  /* gw_units_parse_duration(): 90s, 5m, 2h, 1d, seconds */
} GwQuantity;

/*
 * Reads @key of [@group] in @keyfile as a size or a duration: a plain
 * number counts @plain_unit (GW_UNIT_BYTE, GW_UNIT_MIB, GW_UNIT_SECOND,
 * GW_UNIT_DAY), a suffixed one what its suffix says. @value (in bytes or
 * seconds) is left alone when the key is absent. A value that is not of
 * the grammar, out of [@min, @max] (bytes or seconds), or not a whole
 * multiple of @plain_unit is HERALD_ERROR_INVALID_SETTING naming @path,
 * the group, the key and the accepted forms or the range.
 */
gboolean gw_config_read_quantity (GKeyFile   *keyfile,
                                  const char *path,
                                  const char *group,
                                  const char *key,
                                  GwQuantity  kind,
                                  guint64     plain_unit,
                                  guint64     min,
                                  guint64     max,
                                  guint64    *value,
                                  GError    **error);

G_END_DECLS
