/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-message-id.c: Message-IDs and Date values of the messages Herald
 * makes, and delivery ids
 *
 * GMime's g_mime_utils_generate_message_id() opens /dev/urandom and runs
 * an IDN conversion for every message; with the local time zone looked up
 * for every Date, that was a tenth of composing a notification (issue 18).
 * Here the random bits come from getrandom(2) and the zone is kept.
 */
#define G_LOG_DOMAIN "gw-message"

#include "config.h"

#include <sys/random.h>

#include "gw-message-id.h"

#define RANDOM_BYTES 16

static void
fill_random (guint8 *out,
             gsize   len)
{
  gsize done = 0;

  while (done < len) {
    ssize_t n = getrandom (out + done, len - done, 0);

    if (n <= 0)
      break;
    done += (gsize) n;
  }
  /* (Only unique, not secret: GLib's generator fills what is left.) */
  for (; done < len; done++)
    out[done] = (guint8) g_random_int_range (0, 256);
}

static void
append_hex_byte (GString *out,
                 guint8   byte)
{
  static const char hex[] = "0123456789abcdef";

  g_string_append_c (out, hex[byte >> 4]);
  g_string_append_c (out, hex[byte & 0xf]);
}

char *
gw_delivery_id_generate (void)
{
  guint8 bits[16];
  guint64 ms = (guint64) MAX (g_get_real_time (), 0) / 1000;
  GString *id = g_string_sized_new (36);

  fill_random (bits, sizeof bits);
  for (guint i = 0; i < 6; i++)
    bits[i] = (guint8) (ms >> (40 - 8 * i));
  bits[6] = (guint8) ((bits[6] & 0x0f) | 0x70);  /* version 7 */
  bits[8] = (guint8) ((bits[8] & 0x3f) | 0x80);  /* the RFC 9562 variant */
  /* 8-4-4-4-12 hex digits, by hand: printf parsed its format for every
   * Send (issue 18). */
  for (guint i = 0; i < sizeof bits; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      g_string_append_c (id, '-');
    append_hex_byte (id, bits[i]);
  }
  return g_string_free (id, FALSE);
}

/* ASCII letters, digits, dots and hyphens: a dot-atom, safe in any header. */
static gboolean
is_plain_domain (const char *name)
{
  if (name == NULL || *name == '\0' || *name == '.' || g_hostname_is_ip_address (name))
    return FALSE;
  for (const char *p = name; *p != '\0'; p++) {
    if (!g_ascii_isalnum (*p) && *p != '-' && (*p != '.' || p[1] == '.' || p[1] == '\0'))
      return FALSE;
  }
  return TRUE;
}

char *
gw_message_id_generate (const char *domain)
{
  guint8 bits[RANDOM_BYTES];
  g_autofree char *ascii = domain != NULL && *domain != '\0' ? g_hostname_to_ascii (domain) : NULL;
  GString *id = g_string_sized_new (2 * RANDOM_BYTES + 64);

  fill_random (bits, sizeof bits);
  for (gsize i = 0; i < sizeof bits; i++)
    append_hex_byte (id, bits[i]);
  if (!is_plain_domain (ascii)) {
    g_free (ascii);
    ascii = g_hostname_to_ascii (g_get_host_name ());
  }
  g_string_append_c (id, '@');
  g_string_append (id, is_plain_domain (ascii) ? ascii : "localhost");
  return g_string_free (id, FALSE);
}

GDateTime *
gw_message_date_now (void)
{
  static GTimeZone *local;

  if (g_once_init_enter (&local))
    g_once_init_leave (&local, g_time_zone_new_local ());
  return g_date_time_new_now (local);
}
