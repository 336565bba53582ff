/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-units.h: sizes and durations, read and written one way everywhere (plugin SDK) */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * GW_UNIT_BYTE:
 *
 * The plain unit of a size: a number without a suffix is bytes.
 */
#define GW_UNIT_BYTE   G_GUINT64_CONSTANT (1)
/**
 * GW_UNIT_MIB:
 *
 * A mebibyte, for a key whose plain numbers count MiB (max-stored-mib).
 */
#define GW_UNIT_MIB    (G_GUINT64_CONSTANT (1024) * 1024)
/**
 * GW_UNIT_SECOND:
 *
 * The plain unit of a duration: a number without a suffix is seconds.
 */
#define GW_UNIT_SECOND G_GUINT64_CONSTANT (1)
/**
 * GW_UNIT_DAY:
 *
 * A day, for a key whose plain numbers count days (delivery-log-days).
 */
#define GW_UNIT_DAY    G_GUINT64_CONSTANT (86400)

gboolean    gw_units_parse_size      (const char *text,
                                      guint64     plain_unit,
                                      guint64    *bytes,
                                      GError    **error);
gboolean    gw_units_parse_duration  (const char *text,
                                      guint64     plain_unit,
                                      guint64    *seconds,
                                      GError    **error);
const char *gw_units_size_forms      (void);
const char *gw_units_duration_forms  (void);
char       *gw_units_format_size     (guint64     bytes) G_GNUC_WARN_UNUSED_RESULT;
char       *gw_units_format_duration (guint64     seconds) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
