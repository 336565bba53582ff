/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-transport.h: base class of transport plugins (plugin SDK) */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "gw-envelope.h"
#include "gw-profile.h"
#include "gw-setting-spec.h"

G_BEGIN_DECLS

/**
 * GW_TRANSPORT_EXTENSION_POINT:
 *
 * The #GIOExtensionPoint transport modules implement, with the required
 * type #GwTransport: a module's g_io_module_load() registers its type and
 * calls g_io_extension_point_implement() with this name.
 */
#define GW_TRANSPORT_EXTENSION_POINT "herald-transport"

/**
 * GW_TRANSPORT_ABI_VERSION:
 *
 * The plugin ABI: bumped whenever #GwTransportClass or what a transport
 * relies on changes incompatibly. A transport sets
 * `klass->abi_version = GW_TRANSPORT_ABI_VERSION` in its class_init; the
 * daemon refuses a transport built for another version. 3: a large
 * message's envelope holds no bytes (gw_envelope_get_message() is %NULL;
 * read gw_envelope_get_message_source() or gw_envelope_load_message()).
 */
#define GW_TRANSPORT_ABI_VERSION 3

/**
 * GW_TRANSPORT_ERROR:
 *
 * The error domain of failures a transport reports from open_session and
 * deliver (#GwTransportError).
 */
#define GW_TRANSPORT_ERROR (gw_transport_error_quark ())

/**
 * GwTransportError:
 * @GW_TRANSPORT_ERROR_TEMPORARY: retry later: 4xx replies, timeouts,
 *   connection failures, a full disk
 * @GW_TRANSPORT_ERROR_PERMANENT: do not retry: 5xx replies, a bad
 *   configuration
 * @GW_TRANSPORT_ERROR_TLS_REQUIRED: retry later: TLS, which the profile's
 *   security or its credentials need, was missing or refused; nothing sent
 * @GW_TRANSPORT_ERROR_MESSAGE_DAMAGED: do not retry, here or by a
 *   fallback: the queued message cannot be read back (its source said
 *   %G_IO_ERROR_INVALID_DATA); the job is set aside as corrupt
 *
 * How a delivery failed.
 */
typedef enum {
  GW_TRANSPORT_ERROR_TEMPORARY,
  GW_TRANSPORT_ERROR_PERMANENT,
  GW_TRANSPORT_ERROR_TLS_REQUIRED,
  GW_TRANSPORT_ERROR_MESSAGE_DAMAGED,
} GwTransportError;

GQuark           gw_transport_error_quark            (void);
GwTransportError gw_transport_error_for_message_read (const GError *read_error);

#define GW_TYPE_TRANSPORT (gw_transport_get_type ())
G_DECLARE_DERIVABLE_TYPE (GwTransport, gw_transport, GW, TRANSPORT, GObject)

/**
 * GwTransportClass:
 * @parent_class: the parent class
 * @abi_version: set to %GW_TRANSPORT_ABI_VERSION in class_init
 * @name: the transport's name, the value of the profile key "transport"
 * @validate_profile: checks what the setting specs cannot (required keys,
 *   combinations) when a profile is added or changed; errors are
 *   #GW_TRANSPORT_ERROR, shown to the administrator
 * @open_session: optional: opens a session (a connection) used for several
 *   deliveries; transports without sessions leave it and the two below
 *   %NULL and get a %NULL session
 * @open_session_finish: finishes @open_session
 * @close_session: optional: closes a session (the daemon drops its
 *   reference afterwards)
 * @deliver: delivers an envelope, setting each recipient's result with
 *   gw_envelope_set_result(); failing with #GW_TRANSPORT_ERROR means the
 *   whole session failed: every still pending recipient gets that result
 *   and the session is not reused
 * @deliver_finish: finishes @deliver
 * @describe: one line for people: "smtp mail.example.org:587 (starttls)";
 *   the default is the transport's name
 * @test: sends an envelope now, outside the queue, for TestProfile; the
 *   default opens a session, delivers and closes
 * @test_finish: finishes @test: the a{sv} TestProfile returns (see
 *   gw_transport_build_test_result())
 * @check_content: optional: checks at Send, before anything is queued,
 *   that the composed envelope is something this transport can deliver
 *   (a transport of printed pages refuses a picture it cannot print); errors are
 *   #HeraldError codes (%HERALD_ERROR_INVALID_ARGUMENT, ...) that go back
 *   to the caller
 * @check_recipient: optional, for transports with a recipient kind (see
 *   gw_transport_class_set_recipient_kind()): checks one recipient of
 *   that kind at Send and in routing rules; errors are
 *   %HERALD_ERROR_INVALID_ADDRESS
 * @announce_next: optional: told, while @deliver runs on @session or just
 *   before it is called, which envelope the daemon delivers after it there, so that part of it may go out
 *   early (an SMTP client pipelines the next transaction with the end of
 *   this message); the next @deliver on @session is for that envelope, or
 *   the daemon closes the session first
 *
 * The virtual methods of a transport. A transport also declares, in its
 * class_init, its settings (gw_transport_class_install_setting()), and
 * optionally a recipient kind and HTTP routes; servers that take a job
 * and send it later are followed through the #GwRemoteJobs interface.
 */
struct _GwTransportClass {
  GObjectClass parent_class;

  guint        abi_version;
  const char  *name;

  gboolean   (*validate_profile)    (GwTransport   *self,
                                     GwProfile     *profile,
                                     GError       **error);

  void       (*open_session)        (GwTransport   *self,
                                     GwProfile     *profile,
                                     GCancellable  *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer       user_data);
  GObject   *(*open_session_finish) (GwTransport   *self,
                                     GAsyncResult  *result,
                                     GError       **error);
  void       (*close_session)       (GwTransport   *self,
                                     GObject       *session);

  void       (*deliver)             (GwTransport   *self,
                                     GwProfile     *profile,
                                     GObject       *session,
                                     GwEnvelope    *envelope,
                                     GCancellable  *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer       user_data);
  gboolean   (*deliver_finish)      (GwTransport   *self,
                                     GAsyncResult  *result,
                                     GError       **error);

  char      *(*describe)            (GwTransport   *self,
                                     GwProfile     *profile);

  void       (*test)                (GwTransport   *self,
                                     GwProfile     *profile,
                                     GwEnvelope    *envelope,
                                     GCancellable  *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer       user_data);
  GVariant  *(*test_finish)         (GwTransport   *self,
                                     GAsyncResult  *result,
                                     GError       **error);

  gboolean   (*check_content)       (GwTransport   *self,
                                     GwProfile     *profile,
                                     GwEnvelope    *envelope,
                                     GError       **error);
  gboolean   (*check_recipient)     (GwTransport   *self,
                                     const char    *address,
                                     GError       **error);
  void       (*announce_next)       (GwTransport   *self,
                                     GObject       *session,
                                     GwEnvelope    *envelope);

  /*< private >*/
  gpointer padding[7];
};

/**
 * GwTransportHttpFunc:
 * @transport: the transport that declared the route
 * @message: the request; answer it with soup_server_message_set_status()
 *   and friends before returning
 * @path: the request's path, at or below the route's prefix
 * @query: (nullable): the query parameters
 *
 * Serves one request of a route declared with
 * gw_transport_class_add_http_route(), in the main context. The request
 * comes from anyone who can reach Herald's HTTP server: authenticate it
 * (a signature, a secret of the profile named in the path) before acting
 * on it, and answer an unknown profile and a bad signature alike.
 */
typedef void (*GwTransportHttpFunc) (GwTransport       *transport,
                                     SoupServerMessage *message,
                                     const char        *path,
                                     GHashTable        *query);

/* What a transport declares, in class_init */
void         gw_transport_class_set_translation_domain (GwTransportClass    *klass,
                                                        const char          *domain);
void         gw_transport_class_install_setting  (GwTransportClass    *klass,
                                                  GwSettingSpec       *spec);
GwSettingSpec * const *gw_transport_class_list_settings (GwTransportClass *klass,
                                                  guint               *n_specs);
void         gw_transport_class_set_recipient_kind (GwTransportClass  *klass,
                                                  const char          *kind);
void         gw_transport_class_add_http_route   (GwTransportClass    *klass,
                                                  const char          *path_prefix,
                                                  GwTransportHttpFunc  func);
void         gw_transport_class_add_http_route_full (GwTransportClass *klass,
                                                  const char          *path_prefix,
                                                  guint64              max_body_size,
                                                  GwTransportHttpFunc  func);
void         gw_transport_class_install_timeouts (GwTransportClass    *klass);
void         gw_transport_class_add_preset       (GwTransportClass    *klass,
                                                  const char          *conditions,
                                                  const char          *key,
                                                  const char          *value);

const char  *gw_transport_get_name               (GwTransport   *self);
const char  *gw_transport_get_recipient_kind     (GwTransport   *self);
gboolean     gw_transport_validate_profile       (GwTransport   *self,
                                                  GwProfile     *profile,
                                                  GError       **error);
void         gw_transport_open_session           (GwTransport   *self,
                                                  GwProfile     *profile,
                                                  GCancellable  *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer       user_data);
GObject     *gw_transport_open_session_finish    (GwTransport   *self,
                                                  GAsyncResult  *result,
                                                  GError       **error);
void         gw_transport_close_session          (GwTransport   *self,
                                                  GObject       *session);
void         gw_transport_deliver                (GwTransport   *self,
                                                  GwProfile     *profile,
                                                  GObject       *session,
                                                  GwEnvelope    *envelope,
                                                  GCancellable  *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer       user_data);
gboolean     gw_transport_deliver_finish         (GwTransport   *self,
                                                  GAsyncResult  *result,
                                                  GError       **error);
void         gw_transport_announce_next          (GwTransport   *self,
                                                  GObject       *session,
                                                  GwEnvelope    *envelope);
char        *gw_transport_describe               (GwTransport   *self,
                                                  GwProfile     *profile);
gboolean     gw_transport_check_content          (GwTransport   *self,
                                                  GwProfile     *profile,
                                                  GwEnvelope    *envelope,
                                                  GError       **error);
gboolean     gw_transport_check_recipient        (GwTransport   *self,
                                                  const char    *address,
                                                  GError       **error);
/* Aligned declarations, kept as written */
/* clang-format off */
GVariant    *gw_transport_build_test_result      (GwEnvelope         *envelope,
                                                  const char         *error_text,
                                                  const char         *reply,
                                                  const char         *enhanced_code,
                                                  const char         *tls,
                                                  GVariant           *certificate,
                                                  const char * const *transcript);
/* clang-format on */
void         gw_transport_test                   (GwTransport   *self,
                                                  GwProfile     *profile,
                                                  GwEnvelope    *envelope,
                                                  GCancellable  *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer       user_data);
GVariant    *gw_transport_test_finish            (GwTransport   *self,
                                                  GAsyncResult  *result,
                                                  GError       **error);

/* What the daemon offers a transport */
GwProfile   *gw_transport_lookup_profile         (GwTransport   *self,
                                                  const char    *name);
char        *gw_transport_dup_http_url           (GwTransport   *self,
                                                  const char    *path);

G_END_DECLS
