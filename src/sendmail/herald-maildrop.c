/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-maildrop.c: writes one message into Herald's maildrop
 *
 * Installed setgid herald-drop (mode 2755), like Postfix's postdrop. The
 * maildrop directory is owner herald, group herald-drop, mode 1730: this
 * helper may create files there but not list them, other users cannot
 * enter it, and the sticky bit keeps one user from removing another's file.
 * The file belongs to the caller (its uid is the kernel's word for who
 * sent it) and is readable only once complete, and then only by heraldd.
 *
 * Standard input: the envelope (hs-maildrop-file.h) and the message, as
 * herald-sendmail writes them. Exit status (sysexits.h): 0 when the file
 * is committed (written, synced, complete), EX_DATAERR for input that is
 * not a valid drop, EX_TEMPFAIL for anything else, with a message on
 * stderr. Nothing but libc: no library reads the caller's environment.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libintl.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "hs-maildrop-file.h"

#define _(text) dgettext (GETTEXT_PACKAGE, text)

static const char *program = "herald-maildrop";

#if defined(__SANITIZE_ADDRESS__)
/* A sanitizer build: LeakSanitizer cannot inspect a set-group-ID process
 * (it is not dumpable) and would fail every run; run unprivileged (the
 * unit tests), the leak check stays. */
int __lsan_is_turned_off (void);

int
__lsan_is_turned_off (void)
{
  return getegid () != getgid ();
}
#endif

static int fail (int status, const char *format, ...) __attribute__ ((format (printf, 2, 3)));

static int
fail (int         status,
      const char *format,
      ...)
{
  va_list args;

  fprintf (stderr, "%s: ", program);
  va_start (args, format);
  vfprintf (stderr, format, args);
  va_end (args);
  fputc ('\n', stderr);
  return status;
}

/* All of standard input, at most the largest envelope and message. */
static char *
read_input (size_t *len,
            int    *status)
{
  size_t limit = HS_MAILDROP_MAX_HEADER + HS_MAILDROP_MAX_MESSAGE;
  size_t size = 65536;
  size_t used = 0;
  char *data = malloc (size);

  if (data == NULL)
    abort ();
  for (;;) {
    ssize_t n;

    if (used == size) {
      char *bigger;

      if (size > limit) {
        free (data);
        *status = fail (EX_DATAERR, _("the message is larger than %s bytes"), "67108864");
        return NULL;
      }
      size *= 2;
      bigger = realloc (data, size);
      if (bigger == NULL)
        abort ();
      data = bigger;
    }
    n = read (STDIN_FILENO, data + used, size - used);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      free (data);
      *status = fail (EX_TEMPFAIL, _("cannot read standard input: %s"), strerror (errno));
      return NULL;
    }
    if (n == 0)
      break;
    used += (size_t) n;
  }
  if (used > limit) {
    free (data);
    *status = fail (EX_DATAERR, _("the message is larger than %s bytes"), "67108864");
    return NULL;
  }
  *len = used;
  return data;
}

/*
 * The maildrop directory, opened without following a link. With the
 * helper's group (setgid) it must be exactly what the design says: group
 * herald-drop (our effective group), mode 1730. HERALD_MAILDROP_DIR may
 * name another directory only if it passes the same check, so the
 * variable gives a caller nothing the default does not.
 */
static int
open_directory (int *status)
{
  const char *path = getenv ("HERALD_MAILDROP_DIR");
  int privileged = getegid () != getgid ();
  struct stat st;
  int dirfd;

  if (path == NULL || *path == '\0')
    path = HERALD_MAILDROP_DIR;
  /* O_PATH: the helper may enter the directory but not read it */
  dirfd = open (path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dirfd < 0) {
    *status = fail (EX_TEMPFAIL, _("cannot open the maildrop directory: %s"), strerror (errno));
    return -1;
  }
  if (fstat (dirfd, &st) != 0 || !S_ISDIR (st.st_mode) ||
      (privileged && (st.st_gid != getegid () || (st.st_mode & 07777) != 01730)) ||
      (!privileged && (st.st_mode & S_IWOTH) != 0 && (st.st_mode & S_ISVTX) == 0)) {
    close (dirfd);
    *status = fail (EX_TEMPFAIL, _("the maildrop directory %s is not set up as Herald's "
                                   "(group herald-drop, mode 1730)"), path);
    return -1;
  }
  return dirfd;
}

static int
write_all (int         fd,
           const char *data,
           size_t      len)
{
  while (len > 0) {
    ssize_t n = write (fd, data, len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    data += n;
    len -= (size_t) n;
  }
  return 0;
}

/* A fresh name no caller can predict: "m" and 32 hex digits. */
static int
random_name (char name[34])
{
  unsigned char bytes[16];
  size_t got = 0;

  while (got < sizeof bytes) {
    ssize_t n = getrandom (bytes + got, sizeof bytes - got, 0);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    got += (size_t) n;
  }
  name[0] = 'm';
  for (size_t i = 0; i < sizeof bytes; i++)
    snprintf (name + 1 + 2 * i, 3, "%02x", bytes[i]);
  return 0;
}

/* Creates, writes, syncs and completes the file; on failure removes it. */
static int
commit (int         dirfd,
        const char *data,
        size_t      len)
{
  char name[34];
  int fd;
  int saved_errno;

  if (random_name (name) != 0)
    return fail (EX_TEMPFAIL, _("cannot make a file name: %s"), strerror (errno));
  fd = openat (dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
               HS_MAILDROP_MODE_PARTIAL);
  if (fd < 0)
    return fail (EX_TEMPFAIL, _("cannot create a file in the maildrop: %s"), strerror (errno));
  if (write_all (fd, data, len) != 0 || fsync (fd) != 0 ||
      fchmod (fd, HS_MAILDROP_MODE_COMPLETE) != 0 || fsync (fd) != 0 || syncfs (fd) != 0) {
    saved_errno = errno;
    close (fd);
    unlinkat (dirfd, name, 0);
    return fail (EX_TEMPFAIL, _("cannot write the message to the maildrop: %s"), strerror (saved_errno));
  }
  if (close (fd) != 0) {
    saved_errno = errno;
    unlinkat (dirfd, name, 0);
    return fail (EX_TEMPFAIL, _("cannot write the message to the maildrop: %s"), strerror (saved_errno));
  }
  return EX_OK;
}

int
main (int    argc,
      char **argv)
{
  HsMaildropEnvelope envelope;
  const char *problem;
  size_t header_len = 0;
  size_t len = 0;
  int status = EX_OK;
  char *data;
  int dirfd;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  umask (077);
  /* a file size limit makes write() fail, not kill us with a file half written */
  signal (SIGXFSZ, SIG_IGN);
  if (argc > 1) {
    fprintf (stderr, _("Usage: %s < DROP\nWrites one message (from herald-sendmail) into Herald's maildrop.\n"),
             program);
    return EX_USAGE;
  }
  data = read_input (&len, &status);
  if (data == NULL)
    return status;
  problem = hs_maildrop_envelope_parse (data, len, &envelope, &header_len);
  if (problem != NULL) {
    free (data);
    return fail (EX_DATAERR, "%s", _(problem));
  }
  hs_maildrop_envelope_clear (&envelope);
  if (len - header_len > HS_MAILDROP_MAX_MESSAGE) {
    free (data);
    return fail (EX_DATAERR, _("the message is larger than %s bytes"), "67108864");
  }
  dirfd = open_directory (&status);
  if (dirfd >= 0) {
    status = commit (dirfd, data, len);
    close (dirfd);
  }
  free (data);
  return status;
}
