/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-transport.h: base class of transport plugins (the plugin SDK) */
#pragma once

#include <gio/gio.h>

#include "gw-envelope.h"
#include "gw-http-server.h"
#include "gw-profile.h"
#include "gw-profile-store.h"

G_BEGIN_DECLS

/* GIOExtensionPoint that transport modules implement. */
#define GW_TRANSPORT_EXTENSION_POINT "herald-transport"

/* Bumped whenever GwTransportClass changes incompatibly; the loader refuses
 * a plugin built against another version. */
#define GW_TRANSPORT_ABI_VERSION 1

/* Session-level failures reported by open_session/deliver. */
#define GW_TRANSPORT_ERROR (gw_transport_error_quark ())
typedef enum {
  GW_TRANSPORT_ERROR_TEMPORARY,    /* retry later: 4xx, timeouts, connection failures, disk full */
  GW_TRANSPORT_ERROR_PERMANENT,    /* do not retry: 5xx, bad configuration */
  GW_TRANSPORT_ERROR_TLS_REQUIRED, /* retry later: TLS, which the profile's security or its
                                    * credentials need, was missing or refused; nothing sent */
} GwTransportError;

GQuark gw_transport_error_quark (void);

#define GW_TYPE_TRANSPORT (gw_transport_get_type ())
G_DECLARE_DERIVABLE_TYPE (GwTransport, gw_transport, GW, TRANSPORT, GObject)

struct _GwTransportClass {
  GObjectClass parent_class;

  guint        abi_version;  /* set to GW_TRANSPORT_ABI_VERSION in class_init */
  const char  *name;         /* transport name used by the profile key "transport" */

  /* Checks what the schema cannot: required keys, combinations. */
  gboolean   (*validate_profile)    (GwTransport   *self,
                                     GwProfile     *profile,
                                     GError       **error);

  /* Optional: opens a session (a connection) used for several deliveries.
   * Transports without sessions leave these NULL and get a NULL session. */
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

  /* Delivers @envelope, setting each recipient's result. Returning FALSE with
   * GW_TRANSPORT_ERROR means the whole session failed: every still pending
   * recipient gets that result, and the session is not reused. */
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

  /* One line for people: "maildir /var/mail/x", "smtp mail.example.org:587 (starttls)". */
  char      *(*describe)            (GwTransport   *self,
                                     GwProfile     *profile);

  /* Sends @envelope now, outside the queue, and reports how it went as the
   * a{sv} TestProfile returns (ok, reply, enhanced-code, tls, transcript,
   * error, certificate). The default opens a session, delivers, closes. */
  void       (*test)                (GwTransport   *self,
                                     GwProfile     *profile,
                                     GwEnvelope    *envelope,
                                     GCancellable  *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer       user_data);
  GVariant  *(*test_finish)         (GwTransport   *self,
                                     GAsyncResult  *result,
                                     GError       **error);

  /* Optional, for servers that take a job and send it later (fax servers
   * and fax APIs). deliver stores the server's job id on the recipient
   * with gw_envelope_set_remote_id() and marks it GW_RECIPIENT_SUBMITTED.
   * poll_remote asks for that job's state now: it returns the recipient
   * status (SUBMITTED while the server still works on it, SENT, PERMFAIL)
   * and the server's words in @reply. cancel_remote removes the job from
   * the server. Both fail with GW_TRANSPORT_ERROR when the server cannot
   * be asked. */
  void       (*poll_remote)         (GwTransport   *self,
                                     GwProfile     *profile,
                                     const char    *remote_id,
                                     GCancellable  *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer       user_data);
  GwRecipientStatus (*poll_remote_finish) (GwTransport   *self,
                                     GAsyncResult  *result,
                                     char         **reply,
                                     GError       **error);
  void       (*cancel_remote)       (GwTransport   *self,
                                     GwProfile     *profile,
                                     const char    *remote_id,
                                     GCancellable  *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer       user_data);
  gboolean   (*cancel_remote_finish) (GwTransport  *self,
                                     GAsyncResult  *result,
                                     GError       **error);

  /* Optional: called once the daemon has given the transport its profile
   * store and HTTP server, before any delivery (register webhooks here). */
  void       (*attached)            (GwTransport   *self);

  /* Shrunk by the five pointers above, so the class keeps its size and
   * plugins built before them (NULL there) load unchanged. */
  gpointer padding[5];
};

const char *gw_transport_get_name            (GwTransport   *self);
gboolean    gw_transport_validate_profile    (GwTransport   *self,
                                              GwProfile     *profile,
                                              GError       **error);
void        gw_transport_open_session        (GwTransport   *self,
                                              GwProfile     *profile,
                                              GCancellable  *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer       user_data);
/* Returns a session, or NULL with @error unset for session-less transports. */
GObject    *gw_transport_open_session_finish (GwTransport   *self,
                                              GAsyncResult  *result,
                                              GError       **error);
void        gw_transport_close_session       (GwTransport   *self,
                                              GObject       *session);
void        gw_transport_deliver             (GwTransport   *self,
                                              GwProfile     *profile,
                                              GObject       *session,
                                              GwEnvelope    *envelope,
                                              GCancellable  *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer       user_data);
gboolean    gw_transport_deliver_finish      (GwTransport   *self,
                                              GAsyncResult  *result,
                                              GError       **error);
char       *gw_transport_describe            (GwTransport   *self,
                                              GwProfile     *profile);
/* The a{sv} TestProfile returns, from the first recipient's result of
 * @envelope; @reply and @enhanced_code are used when the recipient has
 * none, @error_text when the test failed before any recipient. Returns a
 * full (non-floating) reference. */
GVariant   *gw_transport_build_test_result   (GwEnvelope         *envelope,
                                              const char         *error_text,
                                              const char         *reply,
                                              const char         *enhanced_code,
                                              const char         *tls,
                                              GVariant           *certificate,
                                              const char * const *transcript);
void        gw_transport_test                (GwTransport   *self,
                                              GwProfile     *profile,
                                              GwEnvelope    *envelope,
                                              GCancellable  *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer       user_data);
/* (transfer full) a{sv}, never floating */
GVariant   *gw_transport_test_finish         (GwTransport   *self,
                                              GAsyncResult  *result,
                                              GError       **error);

/* The profiles, for transports that build on another profile (the fax
 * plugin's email backend sends through the SMTP profile "fax-via"). */
void        gw_transport_set_profile_store   (GwTransport    *self,
                                              GwProfileStore *store);
/* (transfer none) or NULL */
GwProfile  *gw_transport_lookup_profile      (GwTransport    *self,
                                              const char     *name);

/* Called by the daemon once profile store and HTTP server are set. */
void        gw_transport_attached            (GwTransport   *self);
/* Emits "remote-changed" (profile name, remote id): the server says the
 * job changed, so the daemon asks about it now instead of at the next
 * poll interval. Any thread. */
void        gw_transport_remote_changed      (GwTransport   *self,
                                              const char    *profile,
                                              const char    *remote_id);

gboolean    gw_transport_can_poll_remote     (GwTransport   *self);
void        gw_transport_poll_remote         (GwTransport   *self,
                                              GwProfile     *profile,
                                              const char    *remote_id,
                                              GCancellable  *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer       user_data);
GwRecipientStatus gw_transport_poll_remote_finish (GwTransport   *self,
                                              GAsyncResult  *result,
                                              char         **reply,
                                              GError       **error);
gboolean    gw_transport_can_cancel_remote   (GwTransport   *self);
void        gw_transport_cancel_remote       (GwTransport   *self,
                                              GwProfile     *profile,
                                              const char    *remote_id,
                                              GCancellable  *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer       user_data);
gboolean    gw_transport_cancel_remote_finish (GwTransport  *self,
                                              GAsyncResult  *result,
                                              GError       **error);

/* Herald's HTTP server (heraldd.conf [http]) for transports that receive
 * callbacks such as webhooks, or NULL when it is not enabled. The daemon
 * sets it on every loaded transport before any profile is used. */
GwHttpServer *gw_transport_get_http_server   (GwTransport   *self);
void          gw_transport_set_http_server   (GwTransport   *self,
                                              GwHttpServer  *server);

G_END_DECLS
