/* gw-tls-policy.h: how a profile trusts a server's TLS certificate
 *
 * Shared by the SMTP session (STARTTLS and implicit TLS) and the POP3 login.
 */
#pragma once

#include <gio/gio.h>

#include "gw-profile.h"
#include "gw-transport.h"

G_BEGIN_DECLS

#define GW_TYPE_TLS_POLICY (gw_tls_policy_get_type ())
G_DECLARE_FINAL_TYPE (GwTlsPolicy, gw_tls_policy, GW, TLS_POLICY, GObject)

GwTlsPolicy *gw_tls_policy_new              (GwProfile           *profile,
                                             const char          *host,
                                             guint16              port,
                                             GError             **error);

void         gw_tls_policy_handshake_async  (GwTlsPolicy         *self,
                                             GIOStream           *base,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
GIOStream   *gw_tls_policy_handshake_finish (GwTlsPolicy         *self,
                                             GAsyncResult        *result,
                                             GError             **error);

GVariant    *gw_tls_policy_get_failure      (GwTlsPolicy         *self);

char        *gw_tls_describe_connection     (GTlsConnection      *connection);

char        *gw_tls_spki_pin                (GTlsCertificate     *certificate,
                                             GError             **error);

void         gw_tls_policy_install_settings (GwTransportClass    *klass);

G_END_DECLS
