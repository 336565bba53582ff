/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-message-reader.c: a complete RFC 5322 message handed in whole,
 * checked and readied for the queue
 *
 * The message is kept as it came: the header fields are copied byte for
 * byte (only Bcc and Resent-Bcc are left out), and GMime rewrites a part
 * only when its content could not travel as it is.
 */
#define G_LOG_DOMAIN "gw-message"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-address.h"
#include "gw-gmime.h"
#include "gw-message-header.h"
#include "gw-message-id.h"
#include "gw-message-private.h"

#define MAX_SUBJECT_LENGTH 998

void
gw_message_free (GwMessage *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->message, g_bytes_unref);
  g_free (self->message_id);
  g_free (self->subject);
  g_free (self->from);
  g_strfreev (self->to);
  g_strfreev (self->cc);
  g_strfreev (self->bcc);
  g_free (self);
}

void
gw_message_append_crlf (GByteArray *out,
                        const char *data,
                        gsize       len)
{
  gsize run = 0;

  for (gsize i = 0; i < len; i++) {
    if (data[i] != '\n' || (i > 0 && data[i - 1] == '\r'))
      continue;
    g_byte_array_append (out, (const guint8 *) data + run, i - run);
    g_byte_array_append (out, (const guint8 *) "\r\n", 2);
    run = i + 1;
  }
  g_byte_array_append (out, (const guint8 *) data + run, len - run);
}

gboolean
gw_message_needs_fix (const guint8 *data,
                      gsize         len,
                      gboolean     *has_8bit)
{
  gsize line = 0;
  gboolean fix = FALSE;

  for (gsize i = 0; i < len; i++) {
    guint8 c = data[i];

    if (c & 0x80)
      *has_8bit = TRUE;
    if (c == '\n') {
      line = 0;
      continue;
    }
    if (c == '\r' && i + 1 < len && data[i + 1] == '\n')
      continue;
    if (c == '\0' || c == '\r' || ++line > GW_MESSAGE_MAX_LINE)
      fix = TRUE;
  }
  return fix;
}

/* An mbox "From " line is not part of the message (sendmail drops it). */
static gsize
skip_mbox_from (const char *data,
                gsize       len)
{
  const char *nl;

  if (len < 5 || memcmp (data, "From ", 5) != 0)
    return 0;
  nl = memchr (data, '\n', len);
  return nl != NULL ? (gsize) (nl - data) + 1 : len;
}

static void
add_addresses (InternetAddressList *list,
               GPtrArray           *out)
{
  for (int i = 0; list != NULL && i < internet_address_list_length (list); i++) {
    InternetAddress *address = internet_address_list_get_address (list, i);

    if (INTERNET_ADDRESS_IS_GROUP (address)) {
      add_addresses (internet_address_group_get_members (INTERNET_ADDRESS_GROUP (address)), out);
    } else {
      const char *addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address));

      if (addr != NULL && *addr != '\0')
        g_ptr_array_add (out, g_strdup (addr));
    }
  }
}

static gboolean
extract_recipients (const char            *data,
                    const GwHeaderSection *section,
                    GwMessage             *result,
                    GError               **error)
{
  static const char * const kinds[] = { "To", "Cc", "Bcc" };
  GStrv *lists[] = { &result->to, &result->cc, &result->bcc };
  guint total = 0;

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++) {
    g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);

    for (guint i = 0; i < section->fields->len; i++) {
      const GwHeaderField *field = &g_array_index (section->fields, GwHeaderField, i);
      g_autofree char *value = NULL;
      g_autoptr(InternetAddressList) list = NULL;

      if (!gw_header_field_is (data, field, kinds[k]))
        continue;
      value = gw_header_field_dup_value (data, field);
      list = internet_address_list_parse (NULL, value);
      add_addresses (list, found);
    }
    total += found->len;
    if (total > GW_MESSAGE_MAX_RECIPIENTS) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE,
                   _("The message names more than %d recipients"), GW_MESSAGE_MAX_RECIPIENTS);
      return FALSE;
    }
    g_ptr_array_add (found, NULL);
    *lists[k] = (GStrv) g_ptr_array_free (g_steal_pointer (&found), FALSE);
  }
  return TRUE;
}

/* X-Priority 1–5, else Importance (RFC 2156) or Priority; 1 without. */
static guint8
read_urgency (const char            *data,
              const GwHeaderSection *section)
{
  static const struct { const char *word; guint8 urgency; } words[] = {
    { "high", 2 }, { "urgent", 2 }, { "normal", 1 }, { "low", 0 }, { "non-urgent", 0 },
  };
  const GwHeaderField *field = gw_header_section_find (section, data, "X-Priority");
  const char *names[] = { "Importance", "Priority" };

  if (field != NULL) {
    g_autofree char *value = gw_header_field_dup_value (data, field);

    if (value[0] >= '1' && value[0] <= '5')
      return value[0] <= '2' ? 2 : value[0] == '3' ? 1 : 0;
  }
  for (guint n = 0; n < G_N_ELEMENTS (names); n++) {
    g_autofree char *value = NULL;

    field = gw_header_section_find (section, data, names[n]);
    if (field == NULL)
      continue;
    value = gw_header_field_dup_value (data, field);
    for (guint i = 0; i < G_N_ELEMENTS (words); i++) {
      if (g_ascii_strcasecmp (value, words[i].word) == 0)
        return words[i].urgency;
    }
  }
  return 1;
}

/* The decoded Subject, controls made spaces, cut at a character boundary. */
static char *
read_subject (const char            *data,
              const GwHeaderSection *section)
{
  const GwHeaderField *field = gw_header_section_find (section, data, "Subject");
  g_autofree char *value = NULL;
  char *text;
  char *end;

  if (field == NULL)
    return NULL;
  value = gw_header_field_dup_value (data, field);
  text = g_mime_utils_header_decode_text (NULL, value);
  for (char *p = text; *p != '\0'; p++) {
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  }
  if (strlen (text) > MAX_SUBJECT_LENGTH) {
    end = g_utf8_find_prev_char (text, text + MAX_SUBJECT_LENGTH + 1);
    *(end != NULL ? end : text) = '\0';
  }
  return text;
}

static char *
read_first_mailbox (const char            *data,
                    const GwHeaderSection *section,
                    const char            *name)
{
  const GwHeaderField *field = gw_header_section_find (section, data, name);
  g_autofree char *value = NULL;
  g_autoptr(InternetAddressList) list = NULL;
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);

  if (field == NULL)
    return NULL;
  value = gw_header_field_dup_value (data, field);
  list = internet_address_list_parse (NULL, value);
  add_addresses (list, found);
  return found->len > 0 ? g_strdup (g_ptr_array_index (found, 0)) : NULL;
}

static char *
read_message_id (const char            *data,
                 const GwHeaderSection *section)
{
  const GwHeaderField *field = gw_header_section_find (section, data, "Message-ID");
  g_autofree char *value = NULL;
  char *id;

  if (field == NULL)
    return NULL;
  value = gw_header_field_dup_value (data, field);
  id = g_mime_utils_decode_message_id (value);
  /* kept as the sender wrote it; the queue's copy is bounded */
  if (id == NULL || *id == '\0' || strlen (id) > GW_MESSAGE_MAX_LINE) {
    g_free (id);
    id = g_strndup (value, GW_MESSAGE_MAX_LINE);
  }
  return id;
}

static void
append_text (GByteArray *out,
             const char *text)
{
  g_byte_array_append (out, (const guint8 *) text, strlen (text));
}

/* From, Date and Message-ID, each only when the message has none. */
static void
append_missing_fields (GByteArray                 *out,
                       const char                 *data,
                       const GwHeaderSection      *section,
                       const GwMessageReadOptions *options,
                       GwMessage                  *result)
{
  const char *domain = NULL;

  if (gw_header_section_find (section, data, "From") == NULL && options->from_address != NULL) {
    g_autoptr(InternetAddress) mailbox = internet_address_mailbox_new (options->from_name,
                                                                       options->from_address);
    g_autofree char *text = internet_address_to_string (mailbox, NULL, TRUE);

    append_text (out, "From: ");
    append_text (out, text);
    append_text (out, "\r\n");
    g_free (result->from);
    result->from = g_strdup (options->from_address);
  }
  if (gw_header_section_find (section, data, "Date") == NULL) {
    g_autoptr(GDateTime) now = gw_message_date_now ();
    g_autofree char *date = g_mime_utils_header_format_date (now);

    append_text (out, "Date: ");
    append_text (out, date);
    append_text (out, "\r\n");
  }
  if (result->message_id == NULL) {
    if (result->from != NULL)
      domain = gw_address_get_domain (result->from);
    result->message_id = gw_message_id_generate (domain);
    append_text (out, "Message-ID: <");
    append_text (out, result->message_id);
    append_text (out, ">\r\n");
  }
}

/* Header fields (without Bcc) and added ones, the empty line, the body;
 * all with CRLF line ends. */
static GByteArray *
assemble (const char                 *data,
          gsize                       len,
          const GwHeaderSection      *section,
          const GwMessageReadOptions *options,
          GwMessage                  *result,
          gsize                      *body_offset)
{
  GByteArray *out = g_byte_array_sized_new (len + len / 32 + 256);

  for (guint i = 0; i < section->fields->len; i++) {
    const GwHeaderField *field = &g_array_index (section->fields, GwHeaderField, i);

    if (gw_header_field_is (data, field, "Bcc") || gw_header_field_is (data, field, "Resent-Bcc"))
      continue;
    gw_message_append_crlf (out, data + field->start, field->end - field->start);
    if (data[field->end - 1] != '\n')
      append_text (out, "\r\n");
  }
  append_missing_fields (out, data, section, options, result);
  append_text (out, "\r\n");
  *body_offset = out->len;
  gw_message_append_crlf (out, data + section->body_start, len - section->body_start);
  if (len > section->body_start && data[len - 1] != '\n')
    append_text (out, "\r\n");
  return out;
}

GwMessage *
gw_message_read (GBytes                     *raw,
                 const GwMessageReadOptions *options,
                 GError                    **error)
{
  g_autoptr(GwMessage) result = g_new0 (GwMessage, 1);
  g_auto(GwHeaderSection) section = { NULL, };
  gsize len = 0;
  const char *data = g_bytes_get_data (raw, &len);
  gsize skip;
  GByteArray *out;
  gsize body_offset;
  gboolean fix;

  if (len > GW_MESSAGE_MAX_SIZE) {
    g_autofree char *limit = g_strdup_printf ("%" G_GUINT64_FORMAT, GW_MESSAGE_MAX_SIZE);
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE,
                 _("The message is larger than the gateway's limit of %s bytes"), limit);
    return NULL;
  }
  if (data == NULL)
    data = "";
  skip = skip_mbox_from (data, len);
  data += skip;
  len -= skip;
  if (!gw_header_section_scan (data, len, &section, error))
    return NULL;
  if (options->extract_recipients && !extract_recipients (data, &section, result, error))
    return NULL;
  result->from = read_first_mailbox (data, &section, "From");
  result->message_id = read_message_id (data, &section);
  result->subject = read_subject (data, &section);
  result->urgency = read_urgency (data, &section);
  result->needs_smtputf8 = section.utf8;

  out = assemble (data, len, &section, options, result, &body_offset);
  /* An empty Message-ID field stays; the queue still needs an id. */
  if (*result->message_id == '\0') {
    g_free (result->message_id);
    result->message_id = gw_message_id_generate (NULL);
  }
  fix = gw_message_needs_fix (out->data + body_offset, out->len - body_offset, &result->has_8bit);
  result->message = g_byte_array_free_to_bytes (out);
  if (!gw_message_mime_walk (&result->message, fix, result, error))
    return NULL;
  /* Whatever the header section made of it (found by fuzz-message-reader):
   * no line over 998 octets leaves, in the header section either. */
  {
    gsize size;
    const guint8 *bytes = g_bytes_get_data (result->message, &size);
    gboolean ignored = FALSE;

    if (gw_message_needs_fix (bytes, size, &ignored)) {
      g_set_error_literal (error, HERALD_ERROR, HERALD_ERROR_INVALID_MESSAGE,
                           _("The message has a line over 998 octets, a NUL or a bare carriage "
                             "return outside the content of any MIME part"));
      return NULL;
    }
  }
  return g_steal_pointer (&result);
}

GBytes *
gw_message_read_fd (int      fd,
                    GError **error)
{
  struct stat st;
  g_autoptr(GByteArray) data = g_byte_array_new ();
  guint8 buffer[65536];
  off_t offset = 0;

  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)) {
    g_set_error_literal (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                         _("The message must be passed as a regular file or a memfd"));
    return NULL;
  }
  for (;;) {
    /* pread: the caller's file offset is not ours to move. */
    ssize_t n = pread (fd, buffer, sizeof buffer, offset);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int saved_errno = errno;
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                   _("Cannot read the message: %s"), g_strerror (saved_errno));
      return NULL;
    }
    if (n == 0)
      break;
    if ((guint64) data->len + (guint64) n > GW_MESSAGE_MAX_SIZE) {
      g_autofree char *limit = g_strdup_printf ("%" G_GUINT64_FORMAT, GW_MESSAGE_MAX_SIZE);
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE,
                   _("The message is larger than the gateway's limit of %s bytes"), limit);
      return NULL;
    }
    g_byte_array_append (data, buffer, (guint) n);
    offset += n;
  }
  return g_byte_array_free_to_bytes (g_steal_pointer (&data));
}
