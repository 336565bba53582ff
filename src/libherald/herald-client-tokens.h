/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-client-tokens.h: HeraldClient's methods for HTTP API tokens */
#pragma once

#include "herald-client.h"
#include "herald-token.h"

G_BEGIN_DECLS

void       herald_client_add_token           (HeraldClient         *self,
                                              HeraldToken          *token,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
char      *herald_client_add_token_finish    (HeraldClient         *self,
                                              GAsyncResult         *result,
                                              GError              **error);
char      *herald_client_add_token_sync      (HeraldClient         *self,
                                              HeraldToken          *token,
                                              GCancellable         *cancellable,
                                              GError              **error);

void       herald_client_list_tokens         (HeraldClient         *self,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
GPtrArray *herald_client_list_tokens_finish  (HeraldClient         *self,
                                              GAsyncResult         *result,
                                              GError              **error);
GPtrArray *herald_client_list_tokens_sync    (HeraldClient         *self,
                                              GCancellable         *cancellable,
                                              GError              **error);

void       herald_client_remove_token        (HeraldClient         *self,
                                              const char           *name,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
gboolean   herald_client_remove_token_finish (HeraldClient         *self,
                                              GAsyncResult         *result,
                                              GError              **error);
gboolean   herald_client_remove_token_sync   (HeraldClient         *self,
                                              const char           *name,
                                              GCancellable         *cancellable,
                                              GError              **error);

G_END_DECLS
