/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-header-block.c: a message's header block without a GMimeMessage
 *
 * A GMimeMessage is a tree of GObjects with a header list, a hash table
 * and change events: building and freeing one was most of the 42 µs that
 * composing a notification took (issue 18). Here each unstructured header
 * is formatted by the same GMime function that the message calls for it,
 * and address headers are folded as GMime folds them, so the bytes do not
 * change (test-composer and fuzz-compose compare them with a GMimeMessage
 * built as before), but for one GMime bug mended (append_mailbox()).
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

/* Where GMime folds a header (GMIME_FOLD_LEN, a private constant). */
#define FOLD_LENGTH 78

/* TRUE when GMime would write @value as it is, on the header's line: words
 * of printable ASCII between single blanks, none that could be read as an
 * encoded word ("=?"), and a line that needs no folding. Most of the
 * composer's headers are such ("X-Herald-App: backup"); formatting them
 * through GMime was a quarter of composing a message (issue 18).
 * /composer/plain-header-as-gmime holds the two to the same bytes. */
static gboolean
is_plain_header_text (const char *name,
                      const char *value)
{
  gsize length = 0;

  if (*value == '\0' || *value == ' ')
    return FALSE;
  for (const char *p = value; *p != '\0'; p++, length++) {
    guchar c = (guchar) *p;

    if (c == ' ' ? p[1] == ' ' || p[1] == '\0' : c < 0x21 || c > 0x7e || (c == '=' && p[1] == '?'))
      return FALSE;
  }
  return strlen (name) + 2 + length <= FOLD_LENGTH;
}

void
gw_header_block_append_text (GString    *block,
                             const char *name,
                             const char *value,
                             const char *charset)
{
  GMimeHeader *header = g_mime_header_list_get_header (common_headers (), name);

  g_string_append (block, name);
  g_string_append_c (block, ':');
  if (header != NULL && is_plain_header_text (name, value)) {
    g_string_append_c (block, ' ');
    g_string_append (block, value);
    g_string_append_c (block, '\n');
  } else if (header != NULL) {
    g_autofree char *raw = g_mime_header_format_default (header, NULL, value, charset);

    g_string_append (block, raw);
  } else {
    /* Any other name (a caller's header): GMime picks its formatter by
     * the name, so the header is made as the message made it. */
    g_autoptr(GMimeHeaderList) list = g_mime_header_list_new (g_mime_parser_options_get_default ());

    g_mime_header_list_append (list, name, value, charset);
    header = g_mime_header_list_get_header_at (list, 0);
    g_string_append (block, g_mime_header_get_raw_value (header));
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

/* Ends the line, as GMime's linewrap() does: a blank just written becomes
 * the line end, and the next line starts with a tab. */
static void
wrap_line (GString *header,
           gsize   *line)
{
  if (header->len > 0 && header->str[header->len - 1] == ' ')
    g_string_truncate (header, header->len - 1);
  g_string_append (header, "\n\t");
  *line = 1;
}

/* A display name longer than a line, broken between its words (a quoted
 * string stays whole), as GMime's append_folded_name() does. */
static void
append_folded_name (GString    *header,
                    gsize      *line,
                    const char *name)
{
  const char *word = name;

  while (*word != '\0') {
    const char *end = word;
    gsize len;

    if (*end == '"') {
      for (end++; *end != '\0' && *end != '"'; end++) {
        if (*end == '\\' && end[1] != '\0')
          end++;
      }
      if (*end == '"')
        end++;
    } else {
      while (*end != '\0' && !is_lwsp (*end))
        end++;
    }
    len = (gsize) (end - word);
    if (*line > 1 && *line + len > FOLD_LENGTH)
      wrap_line (header, line);
    g_string_append_len (header, word, (gssize) len);
    *line += len;
    word = end;
    while (is_lwsp (*word))
      word++;
    if (*word != '\0' && is_lwsp (*end)) {
      g_string_append_c (header, ' ');
      (*line)++;
    }
  }
}

/* One mailbox, folded as GMime's mailbox_to_string() folds it. The display
 * name is encoded by GMime (RFC 2047 or quoted); the address is written as
 * it is, its domain already in ASCII: GMime would decode an IDNA domain and
 * encode it again, and write it as UTF-8 when libidn2 cannot (found by
 * fuzz-compose), which no header may carry. */
static void
append_mailbox (GString    *header,
                gsize      *line,
                const char *display,
                const char *address)
{
  gsize len = strlen (address);

  if (display != NULL && *display != '\0') {
    g_autofree char *name = g_mime_utils_header_encode_phrase (NULL, display, NULL);
    gsize name_len = strlen (name);

    if (*line + name_len > FOLD_LENGTH && name_len > FOLD_LENGTH) {
      append_folded_name (header, line, name);
    } else {
      if (*line + name_len > FOLD_LENGTH && *line > 1)
        wrap_line (header, line);
      g_string_append (header, name);
      *line += name_len;
    }
    if (*line + len + 3 >= FOLD_LENGTH) {
      g_string_append (header, "\n\t<");
      *line = 2;
    } else {
      g_string_append (header, " <");
      *line += 2;
    }
    g_string_append (header, address);
    g_string_append_c (header, '>');
    *line += len + 1;
    return;
  }
  if (*line + len > FOLD_LENGTH)
    wrap_line (header, line);
  g_string_append (header, address);
  *line += len;
}

void
gw_header_block_append_mailboxes (GString    *block,
                                  const char *name,
                                  GPtrArray  *mailboxes)
{
  g_autoptr(GString) header = NULL;
  gsize line;

  if (mailboxes->len == 0)
    return;
  /* Folding counts the line from the start of the header. */
  header = g_string_new (name);
  g_string_append (header, ": ");
  line = header->len;
  for (guint i = 0; i + 1 < mailboxes->len; i += 2) {
    if (i > 0) {
      g_string_append (header, ", ");
      line += 2;
    }
    append_mailbox (header, &line, g_ptr_array_index (mailboxes, i), g_ptr_array_index (mailboxes, i + 1));
  }
  g_string_append_c (header, '\n');
  g_string_append_len (block, header->str, (gssize) header->len);
}

void
gw_header_block_append_message_id (GString    *block,
                                   const char *message_id)
{
  g_string_append_printf (block, "Message-Id: <%s>\n", message_id);
}
