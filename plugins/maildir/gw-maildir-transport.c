/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-maildir-transport.c: delivers into a local Maildir
 *
 * The message is written to tmp/, fsync'ed, then renamed into new/ and the
 * directory fsync'ed, so a reader never sees a partial file and a crash never
 * loses an acknowledged message (it may, at worst, leave a file in tmp/).
 */
#define G_LOG_DOMAIN "gw-maildir"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "gw-transport.h"

#define GW_TYPE_MAILDIR_TRANSPORT (gw_maildir_transport_get_type ())
G_DECLARE_FINAL_TYPE (GwMaildirTransport, gw_maildir_transport, GW, MAILDIR_TRANSPORT, GwTransport)

struct _GwMaildirTransport {
  GwTransport parent_instance;
};

G_DEFINE_DYNAMIC_TYPE_EXTENDED (GwMaildirTransport, gw_maildir_transport, GW_TYPE_TRANSPORT,
                                G_TYPE_FLAG_FINAL, {})

static gboolean
gw_maildir_transport_validate_profile (GwTransport *transport,
                                       GwProfile   *profile,
                                       GError     **error)
{
  if (gw_profile_get_string (profile, "maildir-path") == NULL) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("A maildir profile needs “maildir-path”"));
    return FALSE;
  }
  return TRUE;
}

static char *
gw_maildir_transport_describe (GwTransport *transport,
                               GwProfile   *profile)
{
  return g_strdup_printf ("maildir %s", gw_profile_get_string (profile, "maildir-path"));
}

static gboolean
fsync_directory (const char *path,
                 GError    **error)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int saved_errno;

  if (fd >= 0 && fsync (fd) == 0) {
    close (fd);
    return TRUE;
  }
  saved_errno = errno;
  if (fd >= 0)
    close (fd);
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               "%s: %s", path, g_strerror (saved_errno));
  return FALSE;
}

static gboolean
ensure_maildir (const char *root,
                GError    **error)
{
  const char *subdirs[] = { "tmp", "new", "cur" };

  for (guint i = 0; i < G_N_ELEMENTS (subdirs); i++) {
    g_autofree char *path = g_build_filename (root, subdirs[i], NULL);

    if (g_mkdir_with_parents (path, 0700) != 0) {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot create Maildir folder %s: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }
  }
  return TRUE;
}

/* Unique per the Maildir spec: time, microseconds, pid, a counter, host. */
static char *
maildir_unique_name (void)
{
  static gint counter = 0;
  g_autofree char *host = g_strdup (g_get_host_name ());
  gint64 now = g_get_real_time ();

  g_strdelimit (host, "/:", '_');
  return g_strdup_printf ("%" G_GINT64_FORMAT ".M%06dP%dQ%d.%s",
                          now / G_USEC_PER_SEC, (int) (now % G_USEC_PER_SEC),
                          (int) getpid (), g_atomic_int_add (&counter, 1) + 1, host);
}

/* Maildir files use the local line end; the queue holds CRLF. */
static GBytes *
crlf_to_lf (GBytes *message)
{
  gsize len;
  const char *data = g_bytes_get_data (message, &len);
  GByteArray *out = g_byte_array_sized_new (len);

  for (gsize i = 0; i < len; i++) {
    if (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')
      continue;
    g_byte_array_append (out, (const guint8 *) &data[i], 1);
  }
  return g_byte_array_free_to_bytes (out);
}

static gboolean
write_all (int           fd,
           GBytes       *bytes,
           const char   *path,
           GError      **error)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  while (len > 0) {
    ssize_t n = write (fd, data, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot write %s: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }
    data += n;
    len -= (gsize) n;
  }
  return TRUE;
}

static char *
maildir_store (const char *root,
               GBytes     *message,
               GError    **error)
{
  g_autofree char *name = maildir_unique_name ();
  g_autofree char *tmp_path = g_build_filename (root, "tmp", name, NULL);
  g_autofree char *new_dir = g_build_filename (root, "new", NULL);
  g_autofree char *new_path = g_build_filename (new_dir, name, NULL);
  g_autoptr(GBytes) local = crlf_to_lf (message);
  int fd;

  if (!ensure_maildir (root, error))
    return NULL;
  fd = open (tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    int saved_errno = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                 _("Cannot create %s: %s"), tmp_path, g_strerror (saved_errno));
    return NULL;
  }
  if (!write_all (fd, local, tmp_path, error) || fsync (fd) != 0) {
    if (error != NULL && *error == NULL)
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                   _("Cannot write %s: %s"), tmp_path, g_strerror (errno));
    close (fd);
    g_unlink (tmp_path);
    return NULL;
  }
  close (fd);
  if (rename (tmp_path, new_path) != 0) {
    int saved_errno = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                 _("Cannot move %s into new/: %s"), tmp_path, g_strerror (saved_errno));
    g_unlink (tmp_path);
    return NULL;
  }
  if (!fsync_directory (new_dir, error))
    return NULL;
  return g_steal_pointer (&new_path);
}

static void
deliver_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GwEnvelope *envelope = GW_ENVELOPE (task_data);
  const char *root = g_object_get_data (G_OBJECT (task), "maildir-path");
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) message = gw_envelope_load_message (envelope, &error);
  g_autofree char *path = NULL;
  g_autofree char *reply = NULL;

  /* (A queued message that cannot be read back fails as the SDK says.) */
  if (message == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  path = maildir_store (root, message, &error);

  if (path == NULL) {
    /* Disk full or a missing folder can heal: retry rather than drop. */
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                             "%s", error->message);
    return;
  }
  reply = g_strdup_printf ("stored %s", path);
  gw_envelope_set_pending_result (envelope, GW_RECIPIENT_SENT, reply, NULL);
  g_task_return_boolean (task, TRUE);
}

static void
gw_maildir_transport_deliver (GwTransport        *transport,
                              GwProfile          *profile,
                              GObject            *session,
                              GwEnvelope         *envelope,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (transport, cancellable, callback, user_data);

  g_task_set_source_tag (task, gw_maildir_transport_deliver);
  g_task_set_task_data (task, g_object_ref (envelope), g_object_unref);
  g_object_set_data_full (G_OBJECT (task), "maildir-path",
                          g_strdup (gw_profile_get_string (profile, "maildir-path")), g_free);
  g_task_run_in_thread (task, deliver_thread);
}

static gboolean
gw_maildir_transport_deliver_finish (GwTransport  *transport,
                                     GAsyncResult *result,
                                     GError      **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
gw_maildir_transport_class_init (GwMaildirTransportClass *klass)
{
  GwTransportClass *transport_class = GW_TRANSPORT_CLASS (klass);

  transport_class->abi_version = GW_TRANSPORT_ABI_VERSION;
  transport_class->name = "maildir";
  transport_class->validate_profile = gw_maildir_transport_validate_profile;
  transport_class->describe = gw_maildir_transport_describe;
  transport_class->deliver = gw_maildir_transport_deliver;
  transport_class->deliver_finish = gw_maildir_transport_deliver_finish;
  gw_transport_class_install_setting (transport_class,
                                      gw_setting_spec_new ("maildir-path", GW_SETTING_PATH, 0, NULL,
                                                           N_("Maildir to deliver into")));
}

static void
gw_maildir_transport_class_finalize (GwMaildirTransportClass *klass)
{
}

static void
gw_maildir_transport_init (GwMaildirTransport *self)
{
}

G_MODULE_EXPORT void g_io_module_load (GIOModule *module);
G_MODULE_EXPORT void g_io_module_unload (GIOModule *module);

G_MODULE_EXPORT void
g_io_module_load (GIOModule *module)
{
  gw_maildir_transport_register_type (G_TYPE_MODULE (module));
  g_io_extension_point_implement (GW_TRANSPORT_EXTENSION_POINT,
                                  GW_TYPE_MAILDIR_TRANSPORT, "maildir", 0);
}

G_MODULE_EXPORT void
g_io_module_unload (GIOModule *module)
{
}
