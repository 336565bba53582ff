/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-service-private.h: shared by the halves of the D-Bus service */
#pragma once

#include "herald-error.h"
#include "gw-api-tokens.h"
#include "gw-authority.h"
#include "gw-attachment-links.h"
#include "gw-dispatcher.h"
#include "gw-http-server.h"
#include "gw-intake.h"
#include "gw-maildrop.h"
#include "gw-message-request.h"
#include "gw-notification.h"
#include "gw-plugin-loader.h"
#include "gw-profile-status.h"
#include "gw-profile-store.h"
#include "gw-queue.h"
#include "gw-router.h"
#include "gw-secret-store.h"
#include "gw-service.h"
#include "gw-service-signals.h"
#include "gw-untrusted-store.h"

G_BEGIN_DECLS

struct _GwService {
  GwDBusGateway1Skeleton parent_instance;
  GwConfig       *config;
  GwSecretStore  *secrets;
  GwProfileStore *profiles;
  GwPluginLoader *plugins;
  GwQueue        *queue;
  GwDispatcher   *dispatcher;
  GwUntrustedStore *untrusted;
  GwIntake       *intake;        /* Send, CheckRoute, GetQuota; the routing rules */
  guint           parsing;       /* Sends being read, messages not yet committed */
  gint64          last_activity;
  GwAuthority    *authority;     /* set by gw_service_export() */
  GwUntrustedStore *trusted;     /* details of certificates trusted by TrustCertificate */
  GwHttpServer   *http;          /* NULL unless heraldd.conf enables [http] */
  GwAttachmentLinks *links;      /* attachments-as-url; NULL without http */
  GwMaildrop     *maildrop;      /* NULL without a maildrop directory */
  GwApiTokens    *tokens;        /* bearer tokens of the HTTP API */
  GObject        *http_api;      /* GwHttpApi; NULL unless [http] api=true */
  GHashTable     *sign_ins;      /* profile name → running SignIn call (unowned); lazily made */
  GwProfileStatus *status;       /* each profile's last TestProfile */
  GwChangeFolder *changes;       /* DeliveriesChanged, folded under load */
};

void       gw_service_touch            (GwService             *self);
/* Completes @invocation with @error as a HeraldError (other domains become
 * HERALD_ERROR_FAILED). Returns TRUE, for handlers to return it. */
gboolean   gw_service_return_error     (GDBusMethodInvocation *invocation,
                                        GError                *error);
gboolean   gw_service_return_new_error (GDBusMethodInvocation *invocation,
                                        HeraldError            code,
                                        const char            *format,
                                        ...) G_GNUC_PRINTF (3, 4);
/* The named profile, or NULL after completing @invocation with an error. */
GwProfile *gw_service_lookup_profile   (GwService             *self,
                                        GDBusMethodInvocation *invocation,
                                        const char            *name);

/* gw-service-deliveries.c */
gboolean gw_service_handle_send             (GwDBusGateway1 *object, GDBusMethodInvocation *invocation,
                                             GUnixFDList *fd_list, GVariant *notification);
gboolean gw_service_handle_get_delivery     (GwDBusGateway1 *object, GDBusMethodInvocation *invocation,
                                             const char *id);
gboolean gw_service_handle_list_deliveries  (GwDBusGateway1 *object, GDBusMethodInvocation *invocation,
                                             GVariant *filter);
gboolean gw_service_handle_cancel           (GwDBusGateway1 *object, GDBusMethodInvocation *invocation,
                                             const char *id);
gboolean gw_service_handle_test_profile     (GwDBusGateway1 *object, GDBusMethodInvocation *invocation,
                                             const char *name, const char *recipient);
gboolean gw_service_handle_retry            (GwDBusGateway1 *object, GDBusMethodInvocation *invocation,
                                             const char *id);
gboolean gw_service_handle_get_quota        (GwDBusGateway1        *object,
                                             GDBusMethodInvocation *invocation,
                                             GVariant              *options);
/* A delivery as GetDelivery shows it (with "log"), whoever asks. */
GVariant  *gw_service_get_delivery   (GwService *self, const char *id, GError **error);
/* Cancel, whoever asks: jobs a server accepted are removed there first. */
void       gw_service_cancel_async   (GwService *self, const char *id, GAsyncReadyCallback callback, gpointer user_data);
gboolean   gw_service_cancel_finish  (GwService *self, GAsyncResult *result, GError **error);
/* A GwChangeBatchFunc: emits one DeliveriesChanged, from the queue's writer
 * thread or the main thread. */
void     gw_service_emit_deliveries_changed (const GwChange *changes, guint n_changes, gpointer user_data);

/* gw-service-routes.c */
gboolean gw_service_handle_get_profile_keys (GwDBusGateway1 *object, GDBusMethodInvocation *invocation,
                                             const char *transport);
gboolean gw_service_handle_get_routes       (GwDBusGateway1 *object, GDBusMethodInvocation *invocation);
gboolean gw_service_handle_set_routes       (GwDBusGateway1 *object, GDBusMethodInvocation *invocation,
                                             const char *routes);
gboolean gw_service_handle_check_route      (GwDBusGateway1 *object, GDBusMethodInvocation *invocation,
                                             GVariant *notification);

/* gw-service-message.c */
gboolean gw_service_handle_send_message   (GwDBusGateway1 *object, GDBusMethodInvocation *invocation,
                                           GUnixFDList *fd_list, GVariant *message,
                                           const char *sender, const char * const *recipients,
                                           GVariant *options);

/* gw-service-maildrop.c: picks up the maildrop ([sendmail] maildrop-directory) */
void     gw_service_start_maildrop        (GwService *self);
/* gw-service-tokens.c */
gboolean gw_service_handle_add_token    (GwDBusGateway1 *object, GDBusMethodInvocation *invocation, const char *name, GVariant *scope);
gboolean gw_service_handle_list_tokens  (GwDBusGateway1 *object, GDBusMethodInvocation *invocation);
gboolean gw_service_handle_remove_token (GwDBusGateway1 *object, GDBusMethodInvocation *invocation, const char *name);

/* gw-service-sign-in.c: SignIn, CancelSignIn, and making the deliveries
 * that waited for a sign-in of @profile due (after a sign-in, or a new
 * secret or setting that may end the wait). */
gboolean gw_service_handle_sign_in (GwDBusGateway1 *object, GDBusMethodInvocation *invocation, const char *name, GVariant *options);
gboolean gw_service_handle_cancel_sign_in (GwDBusGateway1 *object, GDBusMethodInvocation *invocation, const char *name);
void     gw_service_wake_held             (GwService *self, const char *profile);

/* gw-service-authorize.c: every call is authorised before its handler runs */
void     gw_service_class_init_authorization (GDBusInterfaceSkeletonClass *klass);
/* Whether UpdateProfile(@name, @settings) changes where stored secrets go. */
gboolean gw_service_update_redirects_secrets (GwService *self, const char *name, GVariant *settings);

/* gw-service-trust.c */
gboolean gw_service_handle_list_untrusted_certificates (GwDBusGateway1 *object,
                                                        GDBusMethodInvocation *invocation);
gboolean gw_service_handle_trust_certificate           (GwDBusGateway1 *object, GDBusMethodInvocation *invocation,
                                                        const char *profile, const char *fingerprint);
gboolean gw_service_handle_list_trusted_certificates   (GwDBusGateway1 *object, GDBusMethodInvocation *invocation,
                                                        const char *profile);
gboolean gw_service_handle_untrust_certificate         (GwDBusGateway1 *object, GDBusMethodInvocation *invocation,
                                                        const char *profile, const char *fingerprint);
/* Whether the caller of @invocation may see delivery @id; if not, completes
 * @invocation with NoSuchDelivery (another caller's delivery is not shown
 * to exist). */
gboolean gw_service_check_delivery_owner (GwService *self, GDBusMethodInvocation *invocation,
                                          const char *id);

G_END_DECLS
