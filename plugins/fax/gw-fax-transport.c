/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-fax-transport.c: the fax transport plugin
 *
 * A fax profile picks a backend with "fax-backend"; the backends differ only
 * in how they reach the fax service, so the table below is all that routes
 * between them. The message the queue holds is read back into a cover text
 * and documents (gw-fax.c) before any backend sees it.
 *
 * The transport declares the recipient kind "fax" (numbers, checked at
 * Send), checks the documents at Send, and follows the jobs a fax server
 * accepted through GwRemoteJobs.
 */
#define G_LOG_DOMAIN "gw-fax"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "gw-fax-backend.h"
#include "gw-fax-http.h"
#include "gw-remote-jobs.h"

static const GwFaxBackend * const backends[] = {
  &gw_fax_email_backend,
  &gw_fax_hylafax_backend,
  &gw_fax_http_backend,
};

#define GW_TYPE_FAX_TRANSPORT (gw_fax_transport_get_type ())
G_DECLARE_FINAL_TYPE (GwFaxTransport, gw_fax_transport, GW, FAX_TRANSPORT, GwTransport)

struct _GwFaxTransport {
  GwTransport parent_instance;
};

static void gw_fax_transport_remote_jobs_init (GwRemoteJobsInterface *iface);

/* A type macro, not a call, kept as written */
/* clang-format off */
G_DEFINE_DYNAMIC_TYPE_EXTENDED (GwFaxTransport, gw_fax_transport, GW_TYPE_TRANSPORT,
                                G_TYPE_FLAG_FINAL,
                                G_IMPLEMENT_INTERFACE_DYNAMIC (GW_TYPE_REMOTE_JOBS,
                                                               gw_fax_transport_remote_jobs_init))
/* clang-format on */

gboolean
gw_fax_require_key (GwProfile  *profile,
                    const char *key,
                    GError    **error)
{
  if (gw_profile_get_string (profile, key) != NULL)
    return TRUE;
  g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
               _("A fax profile with backend “%s” needs “%s”"),
               gw_profile_get_string (profile, "fax-backend"), key);
  return FALSE;
}

char *
gw_fax_recipient_number (GwProfile  *profile,
                         GwEnvelope *envelope,
                         guint       index)
{
  GwRecipient *r = gw_envelope_get_recipient (envelope, index);
  g_autoptr(GError) error = NULL;
  char *number = gw_fax_number_normalize (r->address,
                                          gw_profile_get_string (profile, "fax-default-country-code"),
                                          &error);

  if (number == NULL)
    gw_envelope_set_result (envelope, index, GW_RECIPIENT_PERMFAIL, error->message, NULL);
  return number;
}

int
gw_fax_next_pending (GwEnvelope *envelope,
                     guint       from)
{
  for (guint i = from; i < gw_envelope_get_n_recipients (envelope); i++) {
    GwRecipient *r = gw_envelope_get_recipient (envelope, i);

    if (r->status != GW_RECIPIENT_PENDING)
      continue;
    if (g_strcmp0 (r->kind, "fax") == 0)
      return (int) i;
    /* A mail address has no business on a fax profile (the router never
     * sends one here); say so rather than dial it. */
    gw_envelope_set_result (envelope, i, GW_RECIPIENT_PERMFAIL,
                            _("A fax profile delivers to fax numbers only"), NULL);
  }
  return -1;
}

static const GwFaxBackend *
lookup_backend (GwProfile *profile,
                GError   **error)
{
  const char *name = gw_profile_get_string (profile, "fax-backend");

  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (backends); i++) {
    if (g_str_equal (backends[i]->name, name))
      return backends[i];
  }
  g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
               _("A fax profile needs “fax-backend”: email, hylafax or http"));
  return NULL;
}

static gboolean
gw_fax_transport_validate_profile (GwTransport *transport,
                                   GwProfile   *profile,
                                   GError     **error)
{
  const GwFaxBackend *backend = lookup_backend (profile, error);

  /* Links in the text would be faxed as text, and the pages lost. */
  if (backend != NULL && gw_profile_get_boolean (profile, "attachments-as-url")) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("A fax profile sends its documents as pages; “attachments-as-url” must be false"));
    return FALSE;
  }
  return backend != NULL && backend->validate_profile (transport, profile, error);
}

static char *
gw_fax_transport_describe (GwTransport *transport,
                           GwProfile   *profile)
{
  const GwFaxBackend *backend = lookup_backend (profile, NULL);

  if (backend == NULL)
    return g_strdup ("fax");
  return backend->describe (profile);
}

/* ---- jobs a server accepted: status queries and cancel ---- */

typedef struct {
  const GwFaxBackend *backend;
  GwProfile          *profile;
  GwEnvelope         *envelope;   /* poll: the recipients to ask about */
  char               *remote_id;  /* cancel */
} RemoteData;

static void
remote_data_free (RemoteData *data)
{
  g_clear_object (&data->profile);
  g_clear_object (&data->envelope);
  g_free (data->remote_id);
  g_free (data);
}

/* Asks about every submitted recipient; one the server cannot be asked
 * about now stays submitted, with the reason as its reply. */
static void
poll_envelope (const GwFaxBackend *backend,
               GwProfile          *profile,
               GwEnvelope         *envelope,
               GCancellable       *cancellable)
{
  for (guint i = 0; i < gw_envelope_get_n_recipients (envelope); i++) {
    GwRecipient *r = gw_envelope_get_recipient (envelope, i);
    g_autoptr(GError) error = NULL;
    g_autofree char *reply = NULL;
    GwRecipientStatus status;

    if (r->status != GW_RECIPIENT_SUBMITTED || r->remote_id == NULL)
      continue;
    status = backend->poll (profile, r->remote_id, cancellable, &reply, &error);
    if (error != NULL) {
      g_autofree char *text = g_strdup_printf (_("Status query failed: %s"), error->message);
      status = g_error_matches (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT)
               ? GW_RECIPIENT_PERMFAIL : GW_RECIPIENT_SUBMITTED;
      gw_envelope_set_result (envelope, i, status, text, NULL);
      continue;
    }
    gw_envelope_set_result (envelope, i, status, reply, NULL);
  }
}

static void
poll_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  RemoteData *data = task_data;

  poll_envelope (data->backend, data->profile, data->envelope, cancellable);
  g_task_return_boolean (task, TRUE);
}

static gboolean
has_submitted (GwEnvelope *envelope)
{
  for (guint i = 0; i < gw_envelope_get_n_recipients (envelope); i++) {
    if (gw_envelope_get_recipient (envelope, i)->status == GW_RECIPIENT_SUBMITTED)
      return TRUE;
  }
  return FALSE;
}

static void
gw_fax_transport_poll (GwRemoteJobs       *transport,
                              GwProfile          *profile,
                              const char         *remote_id,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (transport, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  RemoteData *data = g_new0 (RemoteData, 1);
  g_autoptr(GBytes) empty = NULL;

  g_task_set_source_tag (task, gw_fax_transport_poll);
  g_task_set_task_data (task, data, (GDestroyNotify) remote_data_free);
  data->backend = lookup_backend (profile, &error);
  if (data->backend == NULL || data->backend->poll == NULL) {
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                             _("This fax backend cannot follow its jobs"));
    return;
  }
  data->profile = g_object_ref (profile);
  empty = g_bytes_new (NULL, 0);
  data->envelope = gw_envelope_new (NULL, "", "", empty);
  gw_envelope_add_recipient (data->envelope, "", "fax");
  gw_envelope_set_remote_id (data->envelope, 0, remote_id);
  gw_envelope_set_result (data->envelope, 0, GW_RECIPIENT_SUBMITTED, NULL, NULL);
  g_task_run_in_thread (task, poll_thread);
}

static GwRecipientStatus
gw_fax_transport_poll_finish (GwRemoteJobs *transport,
                                     GAsyncResult *result,
                                     char        **reply,
                                     GError      **error)
{
  RemoteData *data = g_task_get_task_data (G_TASK (result));
  GwRecipient *r;

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return GW_RECIPIENT_PENDING;
  r = gw_envelope_get_recipient (data->envelope, 0);
  if (reply != NULL)
    *reply = g_strdup (r->reply);
  return r->status;
}

static void
cancel_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  RemoteData *data = task_data;
  GError *error = NULL;

  if (!data->backend->cancel (data->profile, data->remote_id, cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
gw_fax_transport_cancel (GwRemoteJobs       *transport,
                                GwProfile          *profile,
                                const char         *remote_id,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (transport, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  RemoteData *data = g_new0 (RemoteData, 1);

  g_task_set_source_tag (task, gw_fax_transport_cancel);
  g_task_set_task_data (task, data, (GDestroyNotify) remote_data_free);
  data->backend = lookup_backend (profile, &error);
  if (data->backend == NULL || data->backend->cancel == NULL) {
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                             _("This fax backend cannot cancel a job its server accepted"));
    return;
  }
  data->profile = g_object_ref (profile);
  data->remote_id = g_strdup (remote_id);
  g_task_run_in_thread (task, cancel_thread);
}

static gboolean
gw_fax_transport_cancel_finish (GwRemoteJobs *transport,
                                       GAsyncResult *result,
                                       GError      **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- delivery ---- */

static void
start_backend (const GwFaxBackend *backend,
               GwTransport        *transport,
               GwProfile          *profile,
               GwEnvelope         *envelope,
               GTask              *task)
{
  GwFaxContent *content;
  g_autoptr(GError) error = NULL;

  if (gw_fax_next_pending (envelope, 0) < 0) {
    g_task_return_boolean (task, TRUE);
    g_object_unref (task);
    return;
  }
  content = gw_fax_content_new_from_envelope (envelope, &error);
  if (content == NULL && error->domain == GW_TRANSPORT_ERROR) {
    g_task_return_error (task, g_steal_pointer (&error));  /* the queue could not be read */
    g_object_unref (task);
    return;
  }
  if (content == NULL) {
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                             "%s", error->message);
    g_object_unref (task);
    return;
  }
  g_task_set_task_data (task, content, (GDestroyNotify) gw_fax_content_free);
  backend->deliver (transport, profile, envelope, content, task);
}

static void
deliver_poll_cb (GObject      *source,
                 GAsyncResult *res,
                 gpointer      user_data)
{
  GTask *task = user_data;
  RemoteData *data = g_task_get_task_data (G_TASK (res));

  start_backend (data->backend, GW_TRANSPORT (source), data->profile, data->envelope, task);
}

static void
gw_fax_transport_deliver (GwTransport        *transport,
                          GwProfile          *profile,
                          GObject            *session,
                          GwEnvelope         *envelope,
                          GCancellable       *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (transport, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  const GwFaxBackend *backend;

  g_task_set_source_tag (task, gw_fax_transport_deliver);
  backend = lookup_backend (profile, &error);
  if (backend == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  /* Faxes the server already has are asked about first, off the main
   * thread (the backends' status queries block). */
  if (backend->poll != NULL && has_submitted (envelope)) {
    g_autoptr(GTask) poll_task = g_task_new (transport, cancellable, deliver_poll_cb,
                                             g_steal_pointer (&task));
    RemoteData *data = g_new0 (RemoteData, 1);

    data->backend = backend;
    data->profile = g_object_ref (profile);
    data->envelope = g_object_ref (envelope);
    g_task_set_task_data (poll_task, data, (GDestroyNotify) remote_data_free);
    g_task_run_in_thread (poll_task, poll_thread);
    return;
  }
  start_backend (backend, transport, profile, envelope, g_steal_pointer (&task));
}

static gboolean
gw_fax_transport_deliver_finish (GwTransport  *transport,
                                 GAsyncResult *result,
                                 GError      **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static guint
gw_fax_transport_get_poll_interval (GwRemoteJobs *transport,
                                    GwProfile    *profile)
{
  return (guint) gw_profile_get_uint (profile, "fax-poll-interval");
}

static void
gw_fax_transport_remote_jobs_init (GwRemoteJobsInterface *iface)
{
  iface->get_poll_interval = gw_fax_transport_get_poll_interval;
  iface->poll = gw_fax_transport_poll;
  iface->poll_finish = gw_fax_transport_poll_finish;
  iface->cancel = gw_fax_transport_cancel;
  iface->cancel_finish = gw_fax_transport_cancel_finish;
}

/* ---- what Send checks ---- */

static gboolean
gw_fax_transport_check_recipient (GwTransport *transport,
                                  const char  *address,
                                  GError     **error)
{
  return gw_fax_number_check (address, error);
}

/* The documents must be faxable: reading the composed message back into
 * a fax's content checks every attachment's type. */
static gboolean
gw_fax_transport_check_content (GwTransport *transport,
                                GwProfile   *profile,
                                GwEnvelope  *envelope,
                                GError     **error)
{
  g_autoptr(GwFaxContent) content = gw_fax_content_new_from_envelope (envelope, error);

  return content != NULL;
}

static void
gw_fax_transport_class_init (GwFaxTransportClass *klass)
{
  GwTransportClass *transport_class = GW_TRANSPORT_CLASS (klass);

  transport_class->abi_version = GW_TRANSPORT_ABI_VERSION;
  transport_class->name = "fax";
  transport_class->validate_profile = gw_fax_transport_validate_profile;
  transport_class->describe = gw_fax_transport_describe;
  transport_class->deliver = gw_fax_transport_deliver;
  transport_class->deliver_finish = gw_fax_transport_deliver_finish;
  transport_class->check_recipient = gw_fax_transport_check_recipient;
  transport_class->check_content = gw_fax_transport_check_content;
  gw_transport_class_set_recipient_kind (transport_class, "fax");
  gw_transport_class_add_http_route_full (transport_class, GW_FAX_WEBHOOK_PREFIX,
                                          GW_FAX_WEBHOOK_MAX_BODY, gw_fax_webhook_serve);
  gw_fax_install_settings (transport_class);
}

static void
gw_fax_transport_class_finalize (GwFaxTransportClass *klass)
{
}

static void
gw_fax_transport_init (GwFaxTransport *self)
{
}

G_MODULE_EXPORT void g_io_module_load (GIOModule *module);
G_MODULE_EXPORT void g_io_module_unload (GIOModule *module);

G_MODULE_EXPORT void
g_io_module_load (GIOModule *module)
{
  gw_fax_transport_register_type (G_TYPE_MODULE (module));
  g_io_extension_point_implement (GW_TRANSPORT_EXTENSION_POINT, GW_TYPE_FAX_TRANSPORT, "fax", 0);
}

G_MODULE_EXPORT void
g_io_module_unload (GIOModule *module)
{
}
