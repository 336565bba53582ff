/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-mime-bytes.c: GMime memory streams over GBytes, without copies
 *
 * g_mime_stream_mem_new_with_buffer() copies its buffer, and a composed
 * message read out of a memory stream was copied once more: with a 40 MiB
 * attachment that made two extra copies of 40 and 53 MiB per Send (issue
 * 18). Here a stream reads the caller's bytes in place, and a stream's
 * buffer becomes the message's GBytes as it is.
 */
#define G_LOG_DOMAIN "gw-message"

#include "config.h"

#include "gw-gmime.h"

typedef struct {
  GByteArray *view;    /* points into bytes; never frees it */
  GBytes     *bytes;
} BytesView;

static void
bytes_view_free (gpointer data)
{
  BytesView *v = data;

  /* Takes the borrowed data back out of the array before it goes. */
  g_byte_array_steal (v->view, NULL);
  g_byte_array_unref (v->view);
  g_bytes_unref (v->bytes);
  g_free (v);
}

GMimeStream *
gw_mime_stream_new_for_bytes (GBytes *bytes)
{
  BytesView *v = g_new0 (BytesView, 1);
  gsize size;
  gconstpointer data = g_bytes_get_data (bytes, &size);
  GMimeStream *stream;

  /* The stream only reads: GMime serialises the content, never writes it. */
  v->bytes = g_bytes_ref (bytes);
  v->view = g_byte_array_new_take ((guint8 *) data, size);
  stream = g_mime_stream_mem_new_with_byte_array (v->view);
  g_mime_stream_mem_set_owner (GMIME_STREAM_MEM (stream), FALSE);
  g_object_set_data_full (G_OBJECT (stream), "gw-bytes-view", v, bytes_view_free);
  return stream;
}

GBytes *
gw_mime_stream_mem_steal_bytes (GMimeStreamMem *stream)
{
  GByteArray *buffer = g_mime_stream_mem_get_byte_array (stream);

  if (!g_mime_stream_mem_get_owner (stream))
    return g_bytes_new (buffer->data, buffer->len);
  g_mime_stream_mem_set_owner (stream, FALSE);
  g_mime_stream_mem_set_byte_array (stream, g_byte_array_new ());
  g_mime_stream_mem_set_owner (stream, TRUE);
  /* The array grew by doubling: give back what it holds beyond its bytes
   * (for a large message a mremap, not a copy). */
  {
    gsize len = 0;
    guint8 *data = g_byte_array_steal (buffer, &len);

    g_byte_array_unref (buffer);
    return g_bytes_new_take (g_realloc (data, MAX (len, 1)), len);
  }
}
