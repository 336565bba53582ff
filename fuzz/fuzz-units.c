/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-units.c: libFuzzer target for the one grammar of sizes and
 * durations (gw_units_parse_size(), gw_units_parse_duration())
 *
 * Input: one byte choosing the grammar and the plain unit, then the text
 * an administrator wrote in a profile key, heraldd.conf or a heraldctl
 * option. Beyond sanitizers: a refusal always says why; an accepted value
 * written back by gw_units_format_size() or gw_units_format_duration()
 * reads back to the same number, so what Herald shows is what it uses.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw-units.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = NULL;
  g_autofree char *shown = NULL;
  g_autoptr(GError) error = NULL;
  gboolean duration;
  guint64 plain;
  guint64 value = 0;
  guint64 again = 0;
  gboolean ok;

  if (size < 1)
    return 0;
  duration = (data[0] & 1) != 0;
  plain = duration ? ((data[0] & 2) ? GW_UNIT_DAY : GW_UNIT_SECOND)
                   : ((data[0] & 2) ? GW_UNIT_MIB : 1);
  text = g_strndup ((const char *) data + 1, size - 1);
  ok = duration ? gw_units_parse_duration (text, plain, &value, &error)
                : gw_units_parse_size (text, plain, &value, &error);
  if (!ok) {
    if (error == NULL || error->message == NULL || *error->message == '\0')
      abort ();
    return 0;
  }
  if (error != NULL)
    abort ();
  /* The formatted form has a unit, so it reads the same whatever the plain unit. */
  shown = duration ? gw_units_format_duration (value) : gw_units_format_size (value);
  ok = duration ? gw_units_parse_duration (shown, GW_UNIT_SECOND, &again, NULL)
                : gw_units_parse_size (shown, 1, &again, NULL);
  if (!ok || again != value)
    abort ();
  return 0;
}
