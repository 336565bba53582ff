/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-secret-files.c: the secret store's files: opened without following
 * links and checked on the descriptor (owner, mode, regular), read whole,
 * keys written 0600 with O_EXCL and synced with their directory */
#define G_LOG_DOMAIN "gw-secret-store"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "herald-error.h"
#include "gw-secret-files.h"

gboolean
gw_secret_error (GError **error, const char *format, ...)
{
  va_list args;
  GError *local_error;

  va_start (args, format);
  local_error = g_error_new_valist (HERALD_ERROR, HERALD_ERROR_SECRET_STORE, format, args);
  va_end (args);
  g_propagate_error (error, local_error);
  return FALSE;
}

static gboolean
check_file (const char        *path,
            const struct stat *st,
            gboolean           credential,
            GError           **error)
{
  if (!S_ISREG (st->st_mode))
    return gw_secret_error (error, _("%s is not a regular file"), path);

  /* systemd writes a credential 0400 owned by root and grants a non-root
   * service read access by an ACL, whose mask shows in the group bits; the
   * directory itself is private to the service. So there, root may own the
   * file and the group may read it, but nobody else may do anything. */
  if (credential) {
    if (st->st_uid != geteuid () && st->st_uid != 0)
      return gw_secret_error (error, _("%s is owned by user %u, not by %u or root"),
                              path, (guint) st->st_uid, (guint) geteuid ());
    if ((st->st_mode & 0037) != 0)
      return gw_secret_error (error, _("%s is accessible by other users (mode %04o)"),
                              path, (guint) (st->st_mode & 07777));
    return TRUE;
  }

  if (st->st_uid != geteuid ())
    return gw_secret_error (error, _("%s is owned by user %u, not by %u"),
                            path, (guint) st->st_uid, (guint) geteuid ());
  if ((st->st_mode & 0077) != 0)
    return gw_secret_error (error, _("%s is accessible by other users (mode %04o); it must be 0600"),
                            path, (guint) (st->st_mode & 07777));
  return TRUE;
}

/* Opens without following links and checks the descriptor itself, so the
 * file checked is the file read. Returns -1 with *missing set if absent. */
int
gw_secret_file_open (const char  *path,
              gboolean     credential,
              struct stat *st,
              gboolean    *missing,
              GError     **error)
{
  int fd = open (path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
  int saved_errno = errno;

  *missing = FALSE;
  if (fd < 0) {
    if (saved_errno == ENOENT) {
      *missing = TRUE;
      gw_secret_error (error, _("%s does not exist"), path);
    } else if (saved_errno == ELOOP) {
      gw_secret_error (error, _("%s is not a regular file"), path);
    } else {
      gw_secret_error (error, _("Cannot open %s: %s"), path, g_strerror (saved_errno));
    }
    return -1;
  }
  if (fstat (fd, st) != 0) {
    saved_errno = errno;
    close (fd);
    gw_secret_error (error, _("Cannot open %s: %s"), path, g_strerror (saved_errno));
    return -1;
  }
  if (!check_file (path, st, credential, error)) {
    close (fd);
    return -1;
  }
  return fd;
}

gboolean
gw_secret_file_read_all (int fd, guint8 *buf, gsize len, const char *path, GError **error)
{
  gsize done = 0;

  while (done < len) {
    gssize n = read (fd, buf + done, len - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return gw_secret_error (error, _("Cannot read %s: %s"), path, g_strerror (errno));
    if (n == 0)
      return gw_secret_error (error, _("Cannot read %s: the file is shorter than expected"), path);
    done += n;
  }
  return TRUE;
}

gboolean
gw_secret_file_sync_dir (const char *path, GError **error)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0 || fsync (fd) != 0) {
    int saved_errno = errno;
    if (fd >= 0)
      close (fd);
    return gw_secret_error (error, _("Cannot sync %s: %s"), path, g_strerror (saved_errno));
  }
  close (fd);
  return TRUE;
}

gboolean
gw_secret_key_read (const char *path, gboolean credential, guint8 key[GW_SECRET_KEY_SIZE], gboolean *missing, GError **error)
{
  struct stat st;
  int fd = gw_secret_file_open (path, credential, &st, missing, error);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  if (st.st_size != GW_SECRET_KEY_SIZE) {
    close (fd);
    return gw_secret_error (error, _("%s has the wrong size (%lld bytes; a key is %d bytes)"),
                            path, (long long) st.st_size, GW_SECRET_KEY_SIZE);
  }
  ok = gw_secret_file_read_all (fd, key, GW_SECRET_KEY_SIZE, path, error);
  close (fd);
  return ok;
}

gboolean
gw_secret_key_create (const char *state_dir, const char *path, guint8 key[GW_SECRET_KEY_SIZE], GError **error)
{
  if (gnutls_rnd (GNUTLS_RND_KEY, key, GW_SECRET_KEY_SIZE) != 0)
    return gw_secret_error (error, _("Cannot create %s: no random numbers"), path);
  /* O_EXCL there: never replace a key that appeared meanwhile. */
  if (!gw_secret_key_write (path, key, error))
    return FALSE;
  g_info ("Created a new secret key in %s", path);
  return gw_secret_file_sync_dir (state_dir, error);
}

/* Writes @key to @path, which must not exist, 0600, synced. */
gboolean
gw_secret_key_write (const char *path, const guint8 key[GW_SECRET_KEY_SIZE], GError **error)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  gsize done = 0;

  if (fd < 0)
    return gw_secret_error (error, _("Cannot create %s: %s"), path, g_strerror (errno));
  while (done < GW_SECRET_KEY_SIZE) {
    gssize n = write (fd, key + done, GW_SECRET_KEY_SIZE - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    done += n;
  }
  if (done != GW_SECRET_KEY_SIZE || fsync (fd) != 0) {
    int saved_errno = errno;
    close (fd);
    g_unlink (path);
    return gw_secret_error (error, _("Cannot write %s: %s"), path, g_strerror (saved_errno));
  }
  close (fd);
  return TRUE;
}
