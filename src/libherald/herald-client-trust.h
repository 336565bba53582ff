/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-client-trust.h: HeraldClient's trust manager methods */
#pragma once

#include "herald-client.h"

G_BEGIN_DECLS

void       herald_client_list_untrusted_certificates        (HeraldClient         *self,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
GPtrArray *herald_client_list_untrusted_certificates_finish (HeraldClient         *self,
                                                             GAsyncResult         *result,
                                                             GError              **error);
GPtrArray *herald_client_list_untrusted_certificates_sync   (HeraldClient         *self,
                                                             GCancellable         *cancellable,
                                                             GError              **error);

void       herald_client_list_trusted_certificates          (HeraldClient         *self,
                                                             const char           *profile,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
GPtrArray *herald_client_list_trusted_certificates_finish   (HeraldClient         *self,
                                                             GAsyncResult         *result,
                                                             GError              **error);
GPtrArray *herald_client_list_trusted_certificates_sync     (HeraldClient         *self,
                                                             const char           *profile,
                                                             GCancellable         *cancellable,
                                                             GError              **error);

void       herald_client_trust_certificate                  (HeraldClient         *self,
                                                             const char           *profile,
                                                             const char           *fingerprint,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
gboolean   herald_client_trust_certificate_finish           (HeraldClient         *self,
                                                             GAsyncResult         *result,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean   herald_client_trust_certificate_sync             (HeraldClient         *self,
                                                             const char           *profile,
                                                             const char           *fingerprint,
                                                             GCancellable         *cancellable,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;

void       herald_client_untrust_certificate                (HeraldClient         *self,
                                                             const char           *profile,
                                                             const char           *fingerprint,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
gboolean   herald_client_untrust_certificate_finish         (HeraldClient         *self,
                                                             GAsyncResult         *result,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean   herald_client_untrust_certificate_sync           (HeraldClient         *self,
                                                             const char           *profile,
                                                             const char           *fingerprint,
                                                             GCancellable         *cancellable,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
