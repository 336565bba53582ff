/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-setting-describe.h: a profile key's reference entry, in words
 *
 * Not installed: heraldctl (profile keys, profile show) and heraldd's
 * reference generator (herald-profile(5), docs/profile-keys.md) word the
 * entries of GetProfileKeys the same way through these functions. @key is
 * one a{sv} entry as GetProfileKeys returns it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* (transfer full) the values @key takes: "a duration from 1s to 5m (…)",
 * "one of: none, tls" */
char *gw_setting_describe_values  (GVariant *key);
/* (transfer full) (nullable) its default in its unit ("5m" for 300), or NULL */
char *gw_setting_describe_default (GVariant *key);
/* (transfer full) @n in @key's unit: "5m", "10 MiB", "4" */
char *gw_setting_format_in_unit   (GVariant *key,
                                   guint64   n);

G_END_DECLS
