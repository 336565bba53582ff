/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-graph.h: the graph transport's parts (Microsoft Graph sendMail)
 *
 * gw-graph-message.c  the request body: the composed MIME message, with
 *                     a Bcc header for envelope recipients the headers do
 *                     not name, base64-encoded; the size limit
 * gw-graph-answer.c   Graph's answer: status, error code and message,
 *                     Retry-After
 * gw-graph-http.c     one POST over HTTPS (blocking, in a worker thread)
 * gw-graph-transport.c the transport class: settings, token, the outcome
 */
#pragma once

#include <herald-plugin.h>

G_BEGIN_DECLS

/* Graph refuses a JSON request over 4 MB; a MIME send is one base64
 * string of that request. We keep the base64 body under this. */
#define GW_GRAPH_MAX_REQUEST ((gsize) 4 * 1000 * 1000)

/* An answer is read up to this size; Graph's error bodies are small. */
#define GW_GRAPH_MAX_ANSWER ((gsize) 64 * 1024)

/* The longest Retry-After honoured, in seconds. */
#define GW_GRAPH_MAX_RETRY_AFTER 86400

typedef struct {
  guint  status;         /* HTTP status; 0 before an answer */
  char  *reason_phrase;
  char  *error_code;     /* Graph's error.code, cleaned, or NULL */
  char  *error_message;  /* Graph's error.message, cleaned, or NULL */
  guint  retry_after;    /* seconds, 0: none given */
} GwGraphAnswer;

void      gw_graph_answer_clear          (GwGraphAnswer *answer);
/* Reads error.code and error.message from Graph's JSON error body. */
void      gw_graph_answer_parse_body     (GwGraphAnswer *answer,
                                          const char    *body,
                                          gsize          length);
/* "120" or an HTTP date: the seconds from @now, clamped to
 * 1..GW_GRAPH_MAX_RETRY_AFTER; 0 when absent or unreadable. */
guint     gw_graph_parse_retry_after     (const char    *value,
                                          GDateTime     *now);
/* "HTTP 403 Forbidden: ErrorSendAsDenied: The user ..." */
char     *gw_graph_answer_describe       (const GwGraphAnswer *answer);

/* The base64 body for @envelope's pending recipients. Fails with
 * HERALD_ERROR_NOT_SUPPORTED when the message's To/Cc/Bcc name someone who
 * is not a pending recipient (Graph sends to every address the headers
 * name), HERALD_ERROR_TOO_LARGE over GW_GRAPH_MAX_REQUEST. */
GBytes   *gw_graph_build_payload         (GwEnvelope    *envelope,
                                          GError       **error);
/* The same checks without building the body (at Send). */
gboolean  gw_graph_check_message         (GwEnvelope    *envelope,
                                          GError       **error);

/* POSTs @payload as text/plain with "Authorization: Bearer @token" to
 * @url through the profile's TLS policy (gw_http_client_guard), never
 * following a redirect, and fills @answer. FALSE (GW_TRANSPORT_ERROR)
 * when no HTTP answer came: TEMPORARY for connection, TLS and timeouts. */
gboolean  gw_graph_post                  (GwProfile     *profile,
                                          const char    *url,
                                          const char    *token,
                                          GBytes        *payload,
                                          GCancellable  *cancellable,
                                          GwGraphAnswer *answer,
                                          GError       **error);

G_END_DECLS
