/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-graph-message.c: the body of a sendMail request in MIME format
 *
 * Graph takes the message as one base64 string (Content-Type text/plain)
 * and sends it to every address of its To, Cc and Bcc headers; it has no
 * envelope of its own. Herald keeps Bcc recipients in the envelope only,
 * so the envelope's pending recipients the headers do not name are put
 * into a Bcc header of the copy sent (Exchange removes it before the
 * message goes out). A header address that is not a pending recipient
 * (a route that split the recipients, a fallback for some of them) would
 * get the message although this job is not for them: such a message is
 * refused, at Send when the route shows it, else when it is delivered.
 *
 * The request is bounded by Graph's 4 MB: the base64 of the message (4
 * bytes for every 3) must stay under GW_GRAPH_MAX_REQUEST, so a message
 * of about 3 MB at most.
 */
#define G_LOG_DOMAIN "gw-graph"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <gmime/gmime.h>

#include "gw-graph.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeParser, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeMessage, g_object_unref)

/* The length of the header block, blank line included (the whole message
 * when it has no body). */
static gsize
header_length (const char *data,
               gsize       size)
{
  for (gsize i = 0; i + 1 < size; i++) {
    if (data[i] == '\n' && data[i + 1] == '\n')
      return i + 2;
    if (data[i] == '\n' && data[i + 1] == '\r' && i + 2 < size && data[i + 2] == '\n')
      return i + 3;
  }
  return size;
}

static void
add_addresses (GHashTable          *set,
               InternetAddressList *list)
{
  for (int i = 0; list != NULL && i < internet_address_list_length (list); i++) {
    InternetAddress *address = internet_address_list_get_address (list, i);

    if (INTERNET_ADDRESS_IS_GROUP (address)) {
      add_addresses (set, internet_address_group_get_members (INTERNET_ADDRESS_GROUP (address)));
    } else if (INTERNET_ADDRESS_IS_MAILBOX (address)) {
      const char *addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address));

      if (addr != NULL && *addr != '\0')
        g_hash_table_add (set, g_utf8_casefold (addr, -1));
    }
  }
}

/* The lower-cased addresses of the message's To, Cc and Bcc headers. */
static GHashTable *
header_recipients (GBytes *message)
{
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gsize size;
  const char *data = g_bytes_get_data (message, &size);
  gsize length = header_length (data, size);
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer (data, length);
  g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream (stream);
  g_autoptr(GMimeMessage) parsed = g_mime_parser_construct_message (parser, NULL);
  const GMimeAddressType types[] = { GMIME_ADDRESS_TYPE_TO, GMIME_ADDRESS_TYPE_CC,
                                     GMIME_ADDRESS_TYPE_BCC };

  if (parsed == NULL)
    return set;
  for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
    add_addresses (set, g_mime_message_get_addresses (parsed, types[i]));
  return set;
}

/* The message's own line ending, for the header we add. */
static const char *
line_ending (GBytes *message)
{
  gsize size;
  const char *data = g_bytes_get_data (message, &size);
  const char *nl = size > 0 ? memchr (data, '\n', size) : NULL;

  return nl != NULL && nl > data && nl[-1] == '\r' ? "\r\n" : "\n";
}

/* The Bcc header to add ("" when none), or NULL with @error set. */
static char *
plan_recipients (GwEnvelope *envelope,
                 GBytes     *message,
                 GError    **error)
{
  g_autoptr(GHashTable) named = header_recipients (message);
  const char *eol = line_ending (message);
  g_autoptr(GHashTable) pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GString) bcc = g_string_new (NULL);
  GHashTableIter iter;
  const char *address;

  for (guint i = 0; i < gw_envelope_get_n_recipients (envelope); i++) {
    GwRecipient *r = gw_envelope_get_recipient (envelope, i);
    g_autofree char *folded = NULL;

    if (r->status != GW_RECIPIENT_PENDING)
      continue;
    folded = g_utf8_casefold (r->address, -1);
    if (!g_hash_table_contains (named, folded)) {
      /* RFC 5322 allows one Bcc field: all go into it. */
      if (bcc->len == 0)
        g_string_append (bcc, "Bcc: ");
      else
        g_string_append_printf (bcc, ",%s ", eol);
      g_string_append (bcc, r->address);
    }
    g_hash_table_add (pending, g_steal_pointer (&folded));
  }
  g_hash_table_iter_init (&iter, named);
  while (g_hash_table_iter_next (&iter, (gpointer *) &address, NULL)) {
    if (!g_hash_table_contains (pending, address)) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_NOT_SUPPORTED,
                   _("Microsoft Graph sends a message to every address of its To, Cc and Bcc "
                     "headers, and %s is not a recipient of this delivery (routes or a fallback "
                     "split the recipients): send it through an SMTP profile"),
                   address);
      return NULL;
    }
  }
  if (bcc->len > 0)
    g_string_append (bcc, eol);
  return g_string_free (g_steal_pointer (&bcc), FALSE);
}

static gsize
base64_length (gsize size)
{
  return (size + 2) / 3 * 4;
}

static gboolean
check_size (gsize   message_size,
            GError **error)
{
  gsize encoded = base64_length (message_size);

  if (encoded <= GW_GRAPH_MAX_REQUEST)
    return TRUE;
  g_set_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE,
               _("The message is %" G_GSIZE_FORMAT " bytes, %" G_GSIZE_FORMAT " in base64: "
                 "Microsoft Graph takes at most %" G_GSIZE_FORMAT " bytes per request (a message "
                 "of about 3 MB). Send large attachments as links (attachments-as-url) or "
                 "through an SMTP profile"),
               message_size, encoded, GW_GRAPH_MAX_REQUEST);
  return FALSE;
}

/* The message and the Bcc header to add before it, both within Graph's
 * request limit. Graph takes a few MiB: a message too large is refused
 * before it is read (a large one is not held by its envelope). */
static gboolean
load_checked (GwEnvelope  *envelope,
              GBytes     **message,
              char       **bcc,
              GError     **error)
{
  if (!check_size (gw_envelope_get_message_size (envelope), error))
    return FALSE;
  *message = gw_envelope_load_message (envelope, error);
  if (*message == NULL)
    return FALSE;
  *bcc = plan_recipients (envelope, *message, error);
  return *bcc != NULL && check_size (strlen (*bcc) + g_bytes_get_size (*message), error);
}

gboolean
gw_graph_check_message (GwEnvelope *envelope,
                        GError    **error)
{
  g_autoptr(GBytes) message = NULL;
  g_autofree char *bcc = NULL;

  return load_checked (envelope, &message, &bcc, error);
}

GBytes *
gw_graph_build_payload (GwEnvelope *envelope,
                        GError    **error)
{
  g_autoptr(GBytes) message = NULL;
  g_autofree char *bcc = NULL;
  gsize size, bcc_length;
  const guchar *data;
  char *out;
  int state = 0, save = 0;
  gsize written;

  if (!load_checked (envelope, &message, &bcc, error))
    return NULL;
  data = g_bytes_get_data (message, &size);
  bcc_length = strlen (bcc);
  /* One base64 stream over the Bcc header and the message, without
   * copying the message: no line breaks (Graph wants one string). */
  out = g_malloc ((bcc_length / 3 + 1) * 4 + 4 + (size / 3 + 1) * 4 + 4 + 4);
  written = g_base64_encode_step ((const guchar *) bcc, bcc_length, FALSE, out, &state, &save);
  written += g_base64_encode_step (data, size, FALSE, out + written, &state, &save);
  written += g_base64_encode_close (FALSE, out + written, &state, &save);
  return g_bytes_new_take (out, written);
}
