/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hs-input.c: the message on standard input, into a sealed memfd
 *
 * A small state machine finds a line holding only "." however the reads
 * split the input; nothing is held back but those one or two bytes.
 */
#define G_LOG_DOMAIN "herald-sendmail"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "hs-input.h"

typedef enum {
  AT_LINE_START,
  IN_LINE,
  DOT,          /* "." at a line start, held back */
  DOT_CR,       /* ".\r" at a line start, held back */
  END,          /* the dot line: the message ended */
} State;

typedef struct {
  GByteArray *out;
  State       state;
  gboolean    ignore_dots;
} Scanner;

static void
emit (Scanner    *scanner,
      const char *bytes,
      gsize       len)
{
  g_byte_array_append (scanner->out, (const guint8 *) bytes, (guint) len);
}

static void
feed (Scanner    *scanner,
      const char *data,
      gsize       len)
{
  for (gsize i = 0; i < len && scanner->state != END; i++) {
    char c = data[i];

    switch (scanner->state) {
    case AT_LINE_START:
      if (c == '.' && !scanner->ignore_dots) {
        scanner->state = DOT;
        continue;
      }
      break;
    case DOT:
      if (c == '\n') {
        scanner->state = END;
        continue;
      }
      if (c == '\r') {
        scanner->state = DOT_CR;
        continue;
      }
      emit (scanner, ".", 1);
      break;
    case DOT_CR:
      if (c == '\n') {
        scanner->state = END;
        continue;
      }
      emit (scanner, ".\r", 2);
      break;
    case IN_LINE:
    case END:
    default:
      break;
    }
    emit (scanner, &c, 1);
    scanner->state = c == '\n' ? AT_LINE_START : IN_LINE;
  }
}

static gboolean
write_all (int           fd,
           const guint8 *data,
           gsize         len,
           GError      **error)
{
  while (len > 0) {
    ssize_t n = write (fd, data, len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot keep the message in memory: %s"), g_strerror (saved_errno));
      return FALSE;
    }
    data += n;
    len -= (gsize) n;
  }
  return TRUE;
}

int
hs_input_read (int       in,
               gboolean  ignore_dots,
               gsize     limit,
               gsize    *size,
               GError  **error)
{
  g_autoptr(GByteArray) out = g_byte_array_sized_new (65536);
  Scanner scanner = { out, AT_LINE_START, ignore_dots };
  char buffer[65536];
  gsize total = 0;
  int fd;

  fd = memfd_create ("herald-sendmail-message", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) {
    int saved_errno = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                 _("Cannot keep the message in memory: %s"), g_strerror (saved_errno));
    return -1;
  }
  while (scanner.state != END) {
    ssize_t n = read (in, buffer, sizeof buffer);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot read the message: %s"), g_strerror (saved_errno));
      close (fd);
      return -1;
    }
    if (n == 0)
      break;
    feed (&scanner, buffer, (gsize) n);
    total += out->len;
    if (total > limit) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                   _("The message is larger than %" G_GSIZE_FORMAT " bytes"), limit);
      close (fd);
      return -1;
    }
    if (!write_all (fd, out->data, out->len, error)) {
      close (fd);
      return -1;
    }
    g_byte_array_set_size (out, 0);
  }
  /* "." or ".\r" left at the end of the input: a dot line without its LF */
  if (fcntl (fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    int saved_errno = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                 _("Cannot seal the message: %s"), g_strerror (saved_errno));
    close (fd);
    return -1;
  }
  *size = total;
  return fd;
}
