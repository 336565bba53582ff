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

void     gw_pop_login_async  (GwProfile           *profile,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data);
gboolean gw_pop_login_finish (GAsyncResult        *result,
                              GError             **error);

G_END_DECLS
