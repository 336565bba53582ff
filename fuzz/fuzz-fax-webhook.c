/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-fax-webhook.c: libFuzzer target for the fax API's status callbacks,
 * gw_fax_webhook_verify() (plugins/fax/gw-fax-webhook.c)
 *
 * Input: one byte; low bit 1: the body is signed correctly (so its JSON is
 * read), 0: the first line is the signature header as sent. Then the body.
 * Beyond sanitizers: an accepted webhook names a fax id of one printable
 * line, and a wrong signature is never accepted.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw-fax-http.h"

#define SECRET "whsec-fuzz"
#define NOW    G_GINT64_CONSTANT (1767225600)

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static char *
sign (GBytes *body)
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) SECRET, strlen (SECRET));
  g_autofree char *prefix = g_strdup_printf ("%" G_GINT64_FORMAT ".", NOW);
  gsize size;
  const guchar *bytes = g_bytes_get_data (body, &size);

  g_hmac_update (hmac, (const guchar *) prefix, (gssize) strlen (prefix));
  g_hmac_update (hmac, bytes, (gssize) size);
  return g_strdup_printf ("t=%" G_GINT64_FORMAT ",v1=%s", NOW, g_hmac_get_string (hmac));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) body = NULL;
  g_autofree char *header = NULL;
  g_autofree char *id = NULL;
  g_autofree char *status = NULL;
  gboolean signed_body;

  if (size < 1 || size > 65536)
    return 0;
  signed_body = data[0] & 1;
  if (signed_body) {
    body = g_bytes_new (data + 1, size - 1);
    header = sign (body);
  } else {
    const uint8_t *end = memchr (data + 1, '\n', size - 1);
    gsize header_length = end != NULL ? (gsize) (end - data - 1) : size - 1;

    header = g_strndup ((const char *) data + 1, header_length);
    body = end != NULL ? g_bytes_new (end + 1, size - 1 - header_length - 1) : g_bytes_new (NULL, 0);
  }
  id = gw_fax_webhook_verify (SECRET, header, body, NOW, &status, NULL);
  if (id == NULL)
    return 0;
  if (*id == '\0' || strpbrk (id, "\r\n") != NULL)
    abort ();
  if (!signed_body) {
    /* Accepted as sent: then it must be the right signature. */
    g_autofree char *expected = sign (body);
    if (strstr (header, strchr (expected, ',') + 4) == NULL)
      abort ();
  }
  return 0;
}
