/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* http-test-util.c: a real HTTP client for tests whose server runs on the
 * same main context */
#include "config.h"

#include <libsoup/soup.h>

#include "http-test-util.h"

typedef struct {
  guint   status;
  GBytes *body;
  char   *content_type;
  gboolean done;
} Fetch;

static void
fetch_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Fetch *fetch = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GError) error = NULL;

  fetch->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
  fetch->status = soup_message_get_status (msg);
  fetch->content_type = g_strdup (soup_message_headers_get_content_type (
                                    soup_message_get_response_headers (msg), NULL));
  fetch->done = TRUE;
}

/* The server runs on this thread's main context, so the client is async
 * and the loop turns until the answer (bounded by the session's timeout). */
guint
herald_test_http_get_full (const char  *method,
                           const char  *url,
                           const char  *ca_file,
                           GBytes     **body,
                           char       **content_type)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 10, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  Fetch fetch = { 0 };

  g_assert_nonnull (msg);
  if (ca_file != NULL) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GTlsDatabase) database = g_tls_file_database_new (ca_file, &error);

    g_assert_no_error (error);
    soup_session_set_tls_database (session, database);
  }
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, fetch_cb, &fetch);
  while (!fetch.done)
    g_main_context_iteration (NULL, TRUE);
  if (body != NULL)
    *body = g_steal_pointer (&fetch.body);
  g_clear_pointer (&fetch.body, g_bytes_unref);
  if (content_type != NULL)
    *content_type = g_steal_pointer (&fetch.content_type);
  g_free (fetch.content_type);
  return fetch.status;
}

guint
herald_test_http_get (const char  *method,
                      const char  *url,
                      GBytes     **body,
                      char       **content_type)
{
  return herald_test_http_get_full (method, url, NULL, body, content_type);
}
