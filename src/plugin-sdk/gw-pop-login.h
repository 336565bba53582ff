/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-pop-login.h: POP-before-SMTP, a POP3 login that reads nothing
 *
 * Logs into the profile's POP3 server (pop-host, pop-port, pop-security,
 * pop-username, secret pop-password) with USER/PASS, then QUIT. Only STLS,
 * USER, PASS and QUIT are ever sent: no mail is read or deleted.
 */
#pragma once

#include <gio/gio.h>

#include "gw-profile.h"

G_BEGIN_DECLS

/*
 * pop-host defaults to the profile's host; pop-username and pop-password
 * default to username and password when pop-username is unset. pop-port
 * defaults to 995 for pop-security=tls, else 110. pop-security=stls
 * requires STLS; PASS is sent in the clear only with pop-security=none.
 * connect-timeout bounds the TCP connection, conversation-timeout every
 * wait after it (TLS handshake, greeting, each reply). The TLS policy sees
 * only the pins scoped to the POP3 server's host:port.
 *
 * Errors: GW_TRANSPORT_ERROR_TEMPORARY for connection, TLS, protocol and
 * login failures (-ERR, with the server's text); _PERMANENT for a profile
 * that lacks a host or credentials; G_IO_ERROR_CANCELLED.
 */
void     gw_pop_login_async  (GwProfile           *profile,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data);
gboolean gw_pop_login_finish (GAsyncResult        *result,
                              GError             **error);

/* When the login of @result failed because the POP3 server's certificate
 * was refused: gw_tls_policy_get_failure(). Else NULL. (transfer full) */
GVariant *gw_pop_login_dup_tls_failure (GAsyncResult  *result);

/* "host:port" of @profile's POP3 server (gw_tls_endpoint_name()), or NULL
 * when the profile does no POP-before-SMTP. */
char    *gw_pop_login_dup_endpoint (GwProfile *profile);

G_END_DECLS
