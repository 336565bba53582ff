/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-http-api-settings.h: heraldd.conf [http] keys of the HTTP API
 *
 *   api=false                   serve /v1/..., /metrics, /healthz, /readyz
 *   api-max-body-size=16777216  bytes of a POST /v1/notifications body
 *   metrics-require-token=false GET /metrics needs a valid token
 *   api-allow-plain-http=false  serve the API without TLS on an address
 *                               that is not loopback (tokens in the clear)
 *   ready-min-free-space=67108864  bytes free under the state directory
 *                               below which /readyz answers 503
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define GW_HTTP_API_DEFAULT_MAX_BODY   (G_GUINT64_CONSTANT (16) * 1024 * 1024)
#define GW_HTTP_API_MIN_MAX_BODY       (G_GUINT64_CONSTANT (1024))
/* 64 MiB of attachments in base64 and the text around them */
#define GW_HTTP_API_MAX_MAX_BODY       (G_GUINT64_CONSTANT (96) * 1024 * 1024)
#define GW_HTTP_API_DEFAULT_MIN_FREE   (G_GUINT64_CONSTANT (64) * 1024 * 1024)

typedef struct {
  gboolean enabled;
  guint64  max_body_size;
  gboolean metrics_require_token;
  gboolean allow_plain_http;
  guint64  min_free_space;
} GwHttpApiSettings;

void     gw_http_api_settings_init (GwHttpApiSettings *settings);

/*
 * Reads the keys above from @keyfile's [http] group; keys not set keep
 * their value. @listen_address and @tls say where the server listens and
 * whether it speaks HTTPS: api=true on an address that is not loopback
 * without TLS needs api-allow-plain-http=true. @path names the file in
 * errors (HERALD_ERROR_INVALID_SETTING).
 */
gboolean gw_http_api_settings_load (GwHttpApiSettings *settings,
                                    GKeyFile          *keyfile,
                                    const char        *path,
                                    const char        *listen_address,
                                    gboolean           tls,
                                    GError           **error);

G_END_DECLS
