/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-alertmanager.c: libFuzzer target for gw_alertmanager_convert()
 *
 * Input: a webhook payload as Alertmanager or Grafana would POST it. Beyond
 * "no crash, no leak, no UB", a payload that converts must make a
 * notification that Send accepts as it is (with a recipient added): a
 * one-line subject and tags, body text within Send's limits, a valid
 * urgency and an idempotency key of the documented form.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw-alertmanager.h"
#include "gw-notification.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GVariant) converted = NULL;
  g_autoptr(GVariant) request = NULL;
  g_autoptr(GwNotification) n = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  const char * const to[] = { "ops@example.org", NULL };

  converted = gw_alertmanager_convert ((const char *) data, size, &error);
  if (converted == NULL) {
    /* every refusal is a typed error with a message */
    if (error == NULL || error->message == NULL || *error->message == '\0')
      abort ();
    return 0;
  }
  g_variant_dict_init (&dict, converted);
  g_variant_dict_insert (&dict, "to", "^as", to);
  request = g_variant_ref_sink (g_variant_dict_end (&dict));
  n = gw_notification_new_from_variant (request, NULL, &error);
  if (n == NULL)
    abort ();
  if (n->subject == NULL || strpbrk (n->subject, "\r\n") != NULL || n->body == NULL ||
      n->urgency > 2 || g_strcmp0 (n->category, GW_ALERTMANAGER_CATEGORY) != 0 ||
      n->idempotency_key == NULL || strlen (n->idempotency_key) != strlen ("alertmanager:") + 64)
    abort ();
  return 0;
}
