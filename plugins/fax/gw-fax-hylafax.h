/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-fax-hylafax.h: a conversation with hfaxd, and following its jobs */
#pragma once

#include "gw-fax-backend.h"

G_BEGIN_DECLS

typedef struct _GwHylafaxConn GwHylafaxConn;

/* Connects and logs in (USER, PASS when asked). Errors carry hfaxd's own
 * reply: "hfaxd: 530 Login incorrect." */
GwHylafaxConn *gw_hylafax_conn_open      (GwProfile     *profile,
                                          GCancellable  *cancellable,
                                          GError       **error);
/* Sends @line (no CR/LF) and reads the reply; with @expect (1..5) a reply
 * of another class is an error. */
gboolean       gw_hylafax_conn_command   (GwHylafaxConn *conn,
                                          const char    *line,
                                          guint          expect,
                                          GError       **error);
/* KEYWORD "value", after checking the value (a bad one is a permanent
 * error naming @what). */
gboolean       gw_hylafax_conn_command_quoted (GwHylafaxConn *conn,
                                               const char    *keyword,
                                               const char    *what,
                                               const char    *value,
                                               guint          expect,
                                               GError       **error);
/* Uploads @data with PASV + STOT; returns the server's file name. */
char          *gw_hylafax_conn_upload    (GwHylafaxConn *conn,
                                          GBytes        *data,
                                          GError       **error);
const char    *gw_hylafax_conn_get_reply (GwHylafaxConn *conn);
void           gw_hylafax_conn_quit      (GwHylafaxConn *conn);
void           gw_hylafax_conn_free      (GwHylafaxConn *conn);

/* gw-fax-hylafax-jobs.c */
GwRecipientStatus gw_fax_hylafax_poll    (GwProfile     *profile,
                                          const char    *remote_id,
                                          GCancellable  *cancellable,
                                          char         **reply,
                                          GError       **error);
gboolean          gw_fax_hylafax_cancel  (GwProfile     *profile,
                                          const char    *remote_id,
                                          GCancellable  *cancellable,
                                          GError       **error);

G_END_DECLS
