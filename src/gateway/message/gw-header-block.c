/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-header-block.c: a message's header block without a GMimeMessage
 *
 * A GMimeMessage is a tree of GObjects with a header list, a hash table
 * and change events: building and freeing one was most of the 42 µs that
 * composing a notification took (issue 18). Here each header is formatted
 * by the same GMime function that the message calls for it, so the bytes
 * do not change (test-composer and fuzz-compose compare them with a
 * GMimeMessage built as before).
 */
#define G_LOG_DOMAIN "gw-message"

#include "config.h"

#include <string.h>

#include "gw-header-block.h"

/* The unstructured headers the composer writes for every message: their
 * GMimeHeader objects are made once, for their names. */
static const char * const common_names[] = {
  "Date", "Subject", "Auto-Submitted", "X-Herald-App", "X-Herald-Category", "X-Herald-Urgency",
  "MIME-Version"
};

static GMimeHeaderList *
common_headers (void)
{
  static GMimeHeaderList *headers;

  if (g_once_init_enter (&headers)) {
    GMimeHeaderList *list = g_mime_header_list_new (g_mime_parser_options_get_default ());

    for (guint i = 0; i < G_N_ELEMENTS (common_names); i++)
      g_mime_header_list_append (list, common_names[i], NULL, NULL);
    g_once_init_leave (&headers, list);
  }
  return headers;
}

static gboolean
is_lwsp (char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void
gw_header_block_append_text (GString    *block,
                             const char *name,
                             const char *value,
                             const char *charset)
{
  GMimeHeader *header = g_mime_header_list_get_header (common_headers (), name);

  if (header != NULL) {
    g_autofree char *raw = g_mime_header_format_default (header, NULL, value, charset);

    g_string_append_printf (block, "%s:%s", name, raw);
  } else {
    /* Any other name (a caller's header): GMime picks its formatter by
     * the name, so the header is made as the message made it. */
    g_autoptr(GMimeHeaderList) list = g_mime_header_list_new (g_mime_parser_options_get_default ());

    g_mime_header_list_append (list, name, value, charset);
    header = g_mime_header_list_get_header_at (list, 0);
    g_string_append_printf (block, "%s:%s", name, g_mime_header_get_raw_value (header));
  }
}

void
gw_header_block_set_text (GString    *block,
                          const char *name,
                          const char *value,
                          const char *charset)
{
  const char *end = value + strlen (value);
  g_autofree char *trimmed = NULL;

  while (is_lwsp (*value))
    value++;
  while (end > value && is_lwsp (end[-1]))
    end--;
  trimmed = g_strndup (value, (gsize) (end - value));
  gw_header_block_append_text (block, name, trimmed, charset);
}

void
gw_header_block_append_mailboxes (GString             *block,
                                  const char          *name,
                                  InternetAddressList *list)
{
  g_autoptr(GString) header = NULL;

  if (internet_address_list_length (list) == 0)
    return;
  /* Folding counts the line from the start of its own string. */
  header = g_string_new (name);
  g_string_append (header, ": ");
  internet_address_list_encode (list, NULL, header);
  g_string_append_len (block, header->str, (gssize) header->len);
}

void
gw_header_block_append_message_id (GString    *block,
                                   const char *message_id)
{
  g_string_append_printf (block, "Message-Id: <%s>\n", message_id);
}
