/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-pop-login-private.h: the POP3 login's helpers in gw-pop-server.c */
#pragma once

#include "gw-profile.h"

G_BEGIN_DECLS

#define GW_POP_MAX_COMMAND 255   /* RFC 2449: commands up to 255 octets with CRLF */

/* Where the POP3 server is: pop-host (else the SMTP host), pop-port (else
 * 995 for pop-security=tls, 110 otherwise); @security gets pop-security. */
const char *gw_pop_server_locate    (GwProfile   *profile,
                                     const char **security,
                                     guint16     *port);
/* Whether @value may follow USER or PASS: no control character, not empty,
 * and the command within GW_POP_MAX_COMMAND. */
gboolean    gw_pop_argument_is_safe (const char  *value);

G_END_DECLS
