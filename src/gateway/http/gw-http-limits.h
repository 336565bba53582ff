/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-http-limits.h: what one client may cost Herald's HTTP server
 *
 * Read from heraldd.conf [http]; the server applies them to every
 * connection, and a route may declare its own body cap and body time
 * (GwHttpRouteLimits) when the server-wide ones do not fit it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define GW_HTTP_DEFAULT_MAX_CONNECTIONS 64
#define GW_HTTP_DEFAULT_HEADER_TIMEOUT  10      /* seconds */
#define GW_HTTP_DEFAULT_BODY_TIMEOUT    60      /* seconds */
#define GW_HTTP_DEFAULT_IDLE_TIMEOUT    30      /* seconds */
#define GW_HTTP_DEFAULT_MAX_BODY_SIZE   (1024 * 1024)

typedef struct {
  guint   max_connections;  /* open at once; more are refused at accept */
  guint   header_timeout;   /* from accept (TLS handshake included) to the end of the headers */
  guint   body_timeout;     /* from the end of the headers to the end of the body */
  guint   idle_timeout;     /* with no byte moving either way (a stalled download, say) */
  guint64 max_body_size;    /* request body cap of routes that declare none */
} GwHttpLimits;

/* What a route declares; 0 in a field takes the server's value. */
typedef struct {
  guint64 max_body_size;
  guint   body_timeout;
} GwHttpRouteLimits;

/* The defaults above. */
void     gw_http_limits_init (GwHttpLimits *limits);

/*
 * Reads the limit keys of @keyfile's [http] group into @limits; keys not
 * set keep their value. @path names the file in errors.
 * HERALD_ERROR_INVALID_SETTING for a value out of range.
 */
gboolean gw_http_limits_load (GwHttpLimits *limits,
                              GKeyFile     *keyfile,
                              const char   *path,
                              GError      **error);

G_END_DECLS
