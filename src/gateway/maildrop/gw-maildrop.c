/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-maildrop.c: the maildrop: messages herald-maildrop wrote while heraldd
 * could not be reached, picked up at start and while running
 *
 * The directory is heraldd's own (mode 1730, group herald-drop): it may
 * list it and, as its owner, remove any file in it despite the sticky bit.
 * A file is removed only after its message is committed to the queue, so
 * a crash in between hands it over again; its idempotency key makes the
 * second hand-over return the first delivery.
 */
#define G_LOG_DOMAIN "gw-maildrop"

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-maildrop-private.h"

#define REJECTED     "rejected"
/* Files handed over at once: each may hold a message of up to 64 MiB. */
#define MAX_IN_FLIGHT 8

struct _GwMaildrop {
  GObject            parent_instance;
  char              *directory;
  guint              rescan_seconds;
  GwMaildropHandler  handler;
  gpointer           handler_data;
  int                dirfd;          /* -1 until the directory is opened */
  GFileMonitor      *monitor;
  guint              timer_id;
  guint              idle_id;
  GHashTable        *pending;        /* names handed over, not finished */
  GHashTable        *warned;         /* names whose temporary failure was logged */
  gboolean           missing_logged;
  gboolean           running;
  gboolean           more;           /* a scan stopped at MAX_IN_FLIGHT */
  guint              n_taken;
};

G_DEFINE_FINAL_TYPE (GwMaildrop, gw_maildrop, G_TYPE_OBJECT)

static void scan (GwMaildrop *self);

static void
gw_maildrop_finalize (GObject *object)
{
  GwMaildrop *self = GW_MAILDROP (object);

  gw_maildrop_stop (self);
  g_free (self->directory);
  g_hash_table_unref (self->pending);
  g_hash_table_unref (self->warned);
  G_OBJECT_CLASS (gw_maildrop_parent_class)->finalize (object);
}

static void
gw_maildrop_class_init (GwMaildropClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_maildrop_finalize;
}

static void
gw_maildrop_init (GwMaildrop *self)
{
  self->dirfd = -1;
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->warned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

GwMaildrop *
gw_maildrop_new (const char        *directory,
                 guint              rescan_seconds,
                 GwMaildropHandler  handler,
                 gpointer           user_data)
{
  GwMaildrop *self = g_object_new (GW_TYPE_MAILDROP, NULL);

  self->directory = g_strdup (directory);
  self->rescan_seconds = MAX (rescan_seconds, 1);
  self->handler = handler;
  self->handler_data = user_data;
  return self;
}

static gboolean
scan_idle_cb (gpointer user_data)
{
  GwMaildrop *self = GW_MAILDROP (user_data);

  self->idle_id = 0;
  scan (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_scan (GwMaildrop *self)
{
  if (self->running && self->idle_id == 0)
    self->idle_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, scan_idle_cb, self, NULL);
}

static void
changed_cb (GFileMonitor      *monitor,
            GFile             *file,
            GFile             *other,
            GFileMonitorEvent  event,
            gpointer           user_data)
{
  /* a file created, or made complete (its mode changed) */
  if (event == G_FILE_MONITOR_EVENT_CREATED || event == G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED ||
      event == G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT || event == G_FILE_MONITOR_EVENT_MOVED_IN)
    schedule_scan (GW_MAILDROP (user_data));
}

static gboolean
rescan_cb (gpointer user_data)
{
  scan (GW_MAILDROP (user_data));
  return G_SOURCE_CONTINUE;
}

/* Opens the directory and starts the monitor; FALSE while it is missing
 * or not ours. */
static gboolean
open_directory (GwMaildrop *self)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  struct stat st;
  int fd;

  if (self->dirfd >= 0)
    return TRUE;
  fd = open (self->directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || fstat (fd, &st) != 0 || (st.st_uid != geteuid () && geteuid () != 0)) {
    if (!self->missing_logged)
      g_info ("No maildrop at %s (%s); looking again every %u s", self->directory,
              fd < 0 ? g_strerror (errno) : "not owned by this user", self->rescan_seconds);
    self->missing_logged = TRUE;
    if (fd >= 0)
      close (fd);
    return FALSE;
  }
  if ((st.st_mode & 07777) != 01730)
    g_warning ("The maildrop %s has mode %04o; herald-maildrop writes only into mode 1730",
               self->directory, (guint) (st.st_mode & 07777));
  self->dirfd = fd;
  file = g_file_new_for_path (self->directory);
  self->monitor = g_file_monitor_directory (file, G_FILE_MONITOR_WATCH_MOVES, NULL, &error);
  if (self->monitor == NULL)
    g_warning ("Cannot watch the maildrop %s (rescanning every %u s): %s", self->directory,
               self->rescan_seconds, error->message);
  else
    g_signal_connect_object (self->monitor, "changed", G_CALLBACK (changed_cb), self, 0);
  g_info ("Maildrop %s watched", self->directory);
  return TRUE;
}

static void
move_aside (GwMaildrop *self,
            const char *name,
            guint       uid,
            const char *problem)
{
  g_autofree char *target = g_build_filename (REJECTED, name, NULL);

  if (mkdirat (self->dirfd, REJECTED, 0700) != 0 && errno != EEXIST) {
    g_warning ("Cannot create %s/%s: %s", self->directory, REJECTED, g_strerror (errno));
    return;
  }
  if (renameat (self->dirfd, name, self->dirfd, target) != 0) {
    g_warning ("Cannot move maildrop file %s aside: %s", name, g_strerror (errno));
    return;
  }
  g_warning ("Maildrop file %s (uid %u) moved to %s/%s: %s", name, uid, self->directory,
             target, problem);
}

static void
take (GwMaildrop *self,
      const char *name)
{
  g_autoptr(GwMessageRequest) request = NULL;
  g_autofree char *problem = NULL;
  guint uid = 0;

  switch (gw_maildrop_read_file (self->dirfd, name, &request, &uid, &problem)) {
  case GW_DROP_READY:
    g_hash_table_add (self->pending, g_strdup (name));
    g_debug ("Maildrop file %s from uid %u handed over", name, uid);
    self->handler (self, g_steal_pointer (&request), uid, name, self->handler_data);
    break;
  case GW_DROP_STALE:
    if (unlinkat (self->dirfd, name, 0) == 0)
      g_warning ("Removed maildrop file %s: left partial for over an hour by a writer that did not finish",
                 name);
    break;
  case GW_DROP_BAD:
    move_aside (self, name, uid, problem);
    break;
  case GW_DROP_PARTIAL:
  case GW_DROP_SKIP:
  default:
    break;
  }
}

static void
scan (GwMaildrop *self)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  DIR *dir;
  struct dirent *entry;
  int fd;

  if (!self->running || !open_directory (self))
    return;
  fd = openat (self->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  dir = fd >= 0 ? fdopendir (fd) : NULL;
  if (dir == NULL) {
    g_warning ("Cannot list the maildrop %s: %s", self->directory, g_strerror (errno));
    if (fd >= 0)
      close (fd);
    return;
  }
  while ((entry = readdir (dir)) != NULL) {
    if (entry->d_name[0] != '.' && strcmp (entry->d_name, REJECTED) != 0)
      g_ptr_array_add (names, g_strdup (entry->d_name));
  }
  closedir (dir);
  self->more = FALSE;
  for (guint i = 0; i < names->len && self->running; i++) {
    const char *name = g_ptr_array_index (names, i);

    if (g_hash_table_contains (self->pending, name))
      continue;
    if (g_hash_table_size (self->pending) >= MAX_IN_FLIGHT) {
      self->more = TRUE;
      break;
    }
    take (self, name);
  }
}

void
gw_maildrop_start (GwMaildrop *self)
{
  g_return_if_fail (GW_IS_MAILDROP (self));

  if (self->running)
    return;
  self->running = TRUE;
  self->timer_id = g_timeout_add_seconds (self->rescan_seconds, rescan_cb, self);
  scan (self);
}

void
gw_maildrop_stop (GwMaildrop *self)
{
  self->running = FALSE;
  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_handle_id (&self->idle_id, g_source_remove);
  if (self->monitor != NULL) {
    g_file_monitor_cancel (self->monitor);
    g_signal_handlers_disconnect_by_data (self->monitor, self);
    g_clear_object (&self->monitor);
  }
  if (self->dirfd >= 0) {
    close (self->dirfd);
    self->dirfd = -1;
  }
}

/* The same message will meet the same refusal every time. */
static gboolean
is_permanent (const GError *error)
{
  static const HeraldError codes[] = {
    HERALD_ERROR_INVALID_MESSAGE, HERALD_ERROR_INVALID_ADDRESS, HERALD_ERROR_NO_RECIPIENTS,
    HERALD_ERROR_TOO_LARGE, HERALD_ERROR_INVALID_ARGUMENT, HERALD_ERROR_NOT_SUPPORTED,
    HERALD_ERROR_NOT_AUTHORIZED,
  };

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++) {
    if (g_error_matches (error, HERALD_ERROR, (gint) codes[i]))
      return TRUE;
  }
  return FALSE;
}

void
gw_maildrop_finish (GwMaildrop   *self,
                    const char   *ticket,
                    const GError *error)
{
  struct stat st;
  guint uid = 0;

  g_return_if_fail (GW_IS_MAILDROP (self));

  if (!g_hash_table_remove (self->pending, ticket))
    g_return_if_reached ();
  /* stopped: the file is handed over again at the next start */
  if (self->dirfd < 0)
    return;
  if (fstatat (self->dirfd, ticket, &st, AT_SYMLINK_NOFOLLOW) == 0)
    uid = (guint) st.st_uid;
  if (error == NULL) {
    if (unlinkat (self->dirfd, ticket, 0) != 0)
      g_warning ("Cannot remove maildrop file %s after its commit: %s", ticket, g_strerror (errno));
    g_hash_table_remove (self->warned, ticket);
    self->n_taken++;
    g_info ("Maildrop file %s (uid %u) queued", ticket, uid);
  } else if (is_permanent (error)) {
    move_aside (self, ticket, uid, error->message);
  } else if (!g_hash_table_contains (self->warned, ticket)) {
    g_hash_table_add (self->warned, g_strdup (ticket));
    g_warning ("Maildrop file %s (uid %u) kept for the next try: %s", ticket, uid, error->message);
  }
  if (self->more)
    schedule_scan (self);
}

guint
gw_maildrop_get_n_taken (GwMaildrop *self)
{
  return self->n_taken;
}
