/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hs-maildrop-file.c: the maildrop file's envelope, written and parsed
 *
 * Plain C without GLib (see hs-maildrop-file.h). Every length is checked
 * against the buffer before it is read.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hs-maildrop-file.h"

/* marks a text for xgettext; the caller translates it */
#define N_(text) (text)

void
hs_maildrop_envelope_clear (HsMaildropEnvelope *envelope)
{
  for (size_t i = 0; i < envelope->n_recipients; i++)
    free (envelope->recipients[i]);
  free (envelope->recipients);
  free (envelope->sender);
  free (envelope->full_name);
  free (envelope->app_name);
  free (envelope->idempotency_key);
  memset (envelope, 0, sizeof *envelope);
}

static int
value_is_clean (const char *value,
                size_t      len)
{
  if (len == 0)
    return 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char) value[i];

    if (c < 0x20 || c == 0x7f)
      return 0;
  }
  return 1;
}

static char *
copy (const char *value,
      size_t      len)
{
  char *out = malloc (len + 1);

  if (out == NULL)
    abort ();
  memcpy (out, value, len);
  out[len] = '\0';
  return out;
}

/* Sets *@slot to the value unless it is set already. */
static const char *
take_once (char      **slot,
           const char *value,
           size_t      len)
{
  if (*slot != NULL)
    return N_("a key of the maildrop envelope appears twice");
  *slot = copy (value, len);
  return NULL;
}

static const char *
take (HsMaildropEnvelope *envelope,
      const char         *key,
      size_t              key_len,
      const char         *value,
      size_t              len)
{
#define KEY_IS(name) (key_len == sizeof name - 1 && memcmp (key, name, key_len) == 0)
  if (KEY_IS ("recipient")) {
    char **grown;

    if (envelope->n_recipients >= HS_MAILDROP_MAX_RECIPIENTS)
      return N_("the maildrop envelope has more than 1000 recipients");
    grown = realloc (envelope->recipients, (envelope->n_recipients + 1) * sizeof *grown);
    if (grown == NULL)
      abort ();
    envelope->recipients = grown;
    envelope->recipients[envelope->n_recipients++] = copy (value, len);
    return NULL;
  }
  if (KEY_IS ("extract-recipients")) {
    if (envelope->extract_recipients)
      return N_("a key of the maildrop envelope appears twice");
    if (len != 3 || memcmp (value, "yes", 3) != 0)
      return N_("extract-recipients in the maildrop envelope must be “yes”");
    envelope->extract_recipients = 1;
    return NULL;
  }
  if (KEY_IS ("sender"))
    return take_once (&envelope->sender, value, len);
  if (KEY_IS ("full-name"))
    return take_once (&envelope->full_name, value, len);
  if (KEY_IS ("app-name"))
    return take_once (&envelope->app_name, value, len);
  if (KEY_IS ("idempotency-key"))
    return take_once (&envelope->idempotency_key, value, len);
#undef KEY_IS
  return N_("the maildrop envelope has an unknown key");
}

const char *
hs_maildrop_envelope_parse (const char         *data,
                            size_t              len,
                            HsMaildropEnvelope *envelope,
                            size_t             *header_len)
{
  size_t magic_len = strlen (HS_MAILDROP_MAGIC);
  size_t p = magic_len;

  memset (envelope, 0, sizeof *envelope);
  if (len < magic_len || memcmp (data, HS_MAILDROP_MAGIC, magic_len) != 0)
    return N_("the file does not start with a maildrop envelope of version 1");
  for (;;) {
    size_t window = len - p < HS_MAILDROP_MAX_LINE ? len - p : HS_MAILDROP_MAX_LINE;
    const char *line = data + p;
    const char *nl = memchr (line, '\n', window);
    const char *eq;
    const char *problem;

    if (nl == NULL) {
      hs_maildrop_envelope_clear (envelope);
      return window == HS_MAILDROP_MAX_LINE ? N_("a line of the maildrop envelope is too long")
                                            : N_("the maildrop envelope has no end");
    }
    p += (size_t) (nl - line) + 1;
    if (nl == line)
      break;
    eq = memchr (line, '=', (size_t) (nl - line));
    if (eq == NULL || eq == line || !value_is_clean (eq + 1, (size_t) (nl - eq - 1))) {
      hs_maildrop_envelope_clear (envelope);
      return N_("a line of the maildrop envelope is not KEY=VALUE with a clean value");
    }
    problem = take (envelope, line, (size_t) (eq - line), eq + 1, (size_t) (nl - eq - 1));
    if (problem != NULL) {
      hs_maildrop_envelope_clear (envelope);
      return problem;
    }
    if (p > HS_MAILDROP_MAX_HEADER) {
      hs_maildrop_envelope_clear (envelope);
      return N_("the maildrop envelope is too large");
    }
  }
  if (envelope->idempotency_key == NULL) {
    hs_maildrop_envelope_clear (envelope);
    return N_("the maildrop envelope has no idempotency-key");
  }
  *header_len = p;
  return NULL;
}

/* Appends "KEY=VALUE\n" to @out (room checked by the caller's sizing). */
static int
append (char      **out,
        size_t     *used,
        size_t     *size,
        const char *key,
        const char *value)
{
  size_t key_len = strlen (key);
  size_t value_len = strlen (value);
  size_t need = key_len + value_len + 2;

  if (!value_is_clean (value, value_len) || need > HS_MAILDROP_MAX_LINE)
    return 0;
  if (*used + need + 1 > *size) {
    size_t grown = (*size + need + 1) * 2;
    char *bigger = realloc (*out, grown);

    if (bigger == NULL)
      abort ();
    *out = bigger;
    *size = grown;
  }
  memcpy (*out + *used, key, key_len);
  (*out)[*used + key_len] = '=';
  memcpy (*out + *used + key_len + 1, value, value_len);
  (*out)[*used + need - 1] = '\n';
  *used += need;
  (*out)[*used] = '\0';
  return 1;
}

char *
hs_maildrop_envelope_format (const HsMaildropEnvelope *envelope,
                             size_t                   *len,
                             const char              **problem)
{
  size_t size = 4096;
  size_t used = strlen (HS_MAILDROP_MAGIC);
  char *out = malloc (size);
  int ok = 1;

  if (out == NULL)
    abort ();
  memcpy (out, HS_MAILDROP_MAGIC, used + 1);
  *problem = NULL;
  if (envelope->n_recipients > HS_MAILDROP_MAX_RECIPIENTS || envelope->idempotency_key == NULL) {
    *problem = N_("too many recipients, or no idempotency key");
    free (out);
    return NULL;
  }
  if (envelope->sender != NULL)
    ok = ok && append (&out, &used, &size, "sender", envelope->sender);
  for (size_t i = 0; i < envelope->n_recipients; i++)
    ok = ok && append (&out, &used, &size, "recipient", envelope->recipients[i]);
  if (envelope->extract_recipients)
    ok = ok && append (&out, &used, &size, "extract-recipients", "yes");
  if (envelope->full_name != NULL)
    ok = ok && append (&out, &used, &size, "full-name", envelope->full_name);
  if (envelope->app_name != NULL)
    ok = ok && append (&out, &used, &size, "app-name", envelope->app_name);
  ok = ok && append (&out, &used, &size, "idempotency-key", envelope->idempotency_key);
  if (!ok) {
    *problem = N_("a recipient, the sender, the name or the key is empty, too long or holds a control character");
    free (out);
    return NULL;
  }
  if (used + 2 > size) {
    char *bigger = realloc (out, used + 2);

    if (bigger == NULL)
      abort ();
    out = bigger;
  }
  out[used++] = '\n';
  out[used] = '\0';
  *len = used;
  return out;
}
