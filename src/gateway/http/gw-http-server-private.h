/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-http-server-private.h: GwHttpServer's parts shared by its two files */
#pragma once

#include "gw-http-server.h"

G_BEGIN_DECLS

typedef struct _GwHttpConn GwHttpConn;

struct _GwHttpServer {
  GObject          parent_instance;
  SoupServer      *server;
  GSocketService  *service;
  GTlsCertificate *certificate; /* nullable: plain HTTP */
  GHashTable      *routes;      /* path prefix → GwHttpRouteLimits */
  GHashTable      *conns;       /* set of GwHttpConn, the open connections */
  GwHttpLimits     limits;
  char            *public_url;
  guint            port;
  gint64           busy_logged; /* monotonic µs of the last "too many" log line */
};

/* The body cap and body time of the route serving @path. */
void gw_http_server_route_limits (GwHttpServer *self,
                                  const char   *path,
                                  guint64      *max_body_size,
                                  guint        *body_timeout);

/* gw-http-server-conn.c: each connection from accept to close */
void gw_http_conn_accept         (GwHttpServer      *self,
                                  GSocketConnection *connection);
void gw_http_conn_watch_message  (GwHttpServer      *self,
                                  SoupServerMessage *msg);
/* The server goes: its connections forget it. */
void gw_http_conn_forget_server  (GwHttpServer      *self);

G_END_DECLS
