/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-compose.c: libFuzzer target for Send's validation and composition
 *
 * Input: one byte choosing a profile, then a serialised a{sv} (GVariant
 * wire format), read as g_variant_new_from_data() and taken to its normal
 * form as D-Bus would deliver it. Then the same code Send runs:
 * gw_notification_new_from_variant() and gw_composer_compose_full().
 * Handles 0 and 1 of the fd list are small regular files, so attachments
 * are exercised too. A composed message must be CRLF-only, parse back,
 * and be the message a GMimeMessage writes (composer-oracle.c).
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gio/gunixfdlist.h>

#include "composer-oracle.h"
#include "gw-composer.h"
#include "gw-gmime.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static GwProfile   *profiles[4];
static GUnixFDList *fd_list;

static GwProfile *
make_profile (const char *name,
              const char *first_key,
              ...)
{
  GwProfile *profile = gw_stored_profile_new (name, NULL);
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GVariant) settings = NULL;
  va_list args;

  /* Only keys every profile has: composition needs no transport loaded. */
  va_start (args, first_key);
  for (const char *key = first_key; key != NULL; key = va_arg (args, const char *))
    g_variant_dict_insert (&dict, key, "s", va_arg (args, const char *));
  va_end (args);
  settings = g_variant_ref_sink (g_variant_dict_end (&dict));
  if (!gw_stored_profile_apply (profile, settings, NULL))
    abort ();
  return profile;
}

static int
small_file (const char *content)
{
  char path[] = "/tmp/herald-fuzz-XXXXXX";
  int fd = g_mkstemp (path);

  if (fd < 0 || write (fd, content, strlen (content)) != (ssize_t) strlen (content))
    abort ();
  unlink (path);
  return fd;
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  int fds[2];

  g_mime_init ();
  profiles[0] = make_profile ("strict", NULL, NULL);
  profiles[1] = make_profile ("lenient", "strict-addresses", "false", "plain-text-only", "true",
                              "charset", "iso-8859-1", "max-attachment-size", "64", NULL);
  profiles[2] = make_profile ("override", "allow-from-override", "true", "from-address",
                              "alerts@example.org", "from-name", "Herald", NULL);
  profiles[3] = make_profile ("links", "attachments-as-url", "true", NULL);
  fds[0] = small_file ("%PDF-1.4\nreport\n");
  fds[1] = small_file ("\x89PNG\r\n\x1a\n");
  fd_list = g_unix_fd_list_new_from_array (fds, 2);
  return 0;
}

static void
check_message (GwProfile      *profile,
               GwNotification *n,
               GwEnvelope     *envelope)
{
  g_autoptr(GBytes) bytes = gw_envelope_load_message (envelope, NULL);
  gsize size;
  const char *raw = g_bytes_get_data (bytes, &size);
  g_autoptr(GMimeStream) stream = NULL;
  GMimeParser *parser;
  GMimeMessage *message;

  for (gsize i = 0; i < size; i++) {
    if ((raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r')) ||
        (raw[i] == '\r' && (i + 1 == size || raw[i + 1] != '\n')) || raw[i] == '\0')
      abort ();
  }
  if (gw_envelope_get_n_recipients (envelope) == 0 || gw_envelope_get_message_id (envelope) == NULL)
    abort ();
  stream = g_mime_stream_mem_new_with_buffer (raw, size);
  parser = g_mime_parser_new_with_stream (stream);
  message = g_mime_parser_construct_message (parser, NULL);
  if (message == NULL || g_mime_message_get_message_id (message) == NULL)
    abort ();
  g_object_unref (message);
  g_object_unref (parser);
  {
    g_autofree char *diff = herald_test_composer_oracle_diff (profile, n, envelope);

    if (diff != NULL) {
      fprintf (stderr, "%s\n", diff);
      abort ();
    }
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GVariant) normal = NULL;
  g_autoptr(GwNotification) n = NULL;
  g_autoptr(GwEnvelope) envelope = NULL;
  GwProfile *profile;

  if (size < 1 || size > 65536)
    return 0;
  profile = profiles[data[0] % G_N_ELEMENTS (profiles)];
  /* A GBytes copy is aligned as GVariant wants. */
  bytes = g_bytes_new (data + 1, size - 1);
  variant = g_variant_ref_sink (g_variant_new_from_data (G_VARIANT_TYPE_VARDICT,
                                                         g_bytes_get_data (bytes, NULL),
                                                         g_bytes_get_size (bytes), FALSE,
                                                         NULL, NULL));
  normal = g_variant_get_normal_form (variant);
  n = gw_notification_new_from_variant (normal, fd_list, NULL);
  if (n == NULL)
    return 0;
  envelope = gw_composer_compose_full (profile, n, NULL, NULL, NULL);
  if (envelope != NULL)
    check_message (profile, n, envelope);
  return 0;
}
