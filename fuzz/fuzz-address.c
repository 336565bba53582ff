/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-address.c: libFuzzer target for gw_address_parse()
 *
 * Input: one byte whose low bit selects strict (1) or lenient (0) parsing,
 * then the address text. Beyond "no crash, no leak, no UB", an accepted
 * address must be safe for SMTP and parse again to itself.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw-address.h"
#include "gw-gmime.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_mime_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = NULL;
  g_autofree char *name = NULL;
  g_autofree char *addr = NULL;
  g_autofree char *again = NULL;
  gboolean strict;

  if (size < 1 || size > 4096)
    return 0;
  strict = data[0] & 1;
  /* D-Bus strings hold no NUL: stop at the first one as they would. */
  text = g_strndup ((const char *) data + 1, size - 1);
  if (!gw_address_parse ("to", text, strict, &name, &addr, NULL))
    return 0;

  if (strlen (addr) > 254 || strchr (addr, '@') == NULL || strpbrk (addr, " \t\r\n<>,;") != NULL ||
      !g_utf8_validate (addr, -1, NULL))
    abort ();
  if (name != NULL && (strpbrk (name, "\r\n") != NULL || !g_utf8_validate (name, -1, NULL)))
    abort ();
  /* The normalised address is a fixed point. */
  if (!gw_address_parse ("to", addr, strict, NULL, &again, NULL) || strcmp (addr, again) != 0)
    abort ();
  return 0;
}
