/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* heraldctl-password.c: reading a secret without it touching argv or the screen */
#define G_LOG_DOMAIN "heraldctl"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "heraldctl.h"

/* OAuth refresh tokens and API keys can be long; passwords are not. */
#define SECRET_MAX 65536

static struct termios saved_termios;
static volatile sig_atomic_t echo_disabled;
static struct sigaction saved_actions[4];
static const int restore_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

/* Restores the terminal and dies of the signal as if nothing had caught it. */
static void
restore_terminal_and_reraise (int signum)
{
  if (echo_disabled)
    tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved_termios);
  signal (signum, SIG_DFL);
  raise (signum);
}

static gboolean
set_echo (gboolean   enabled,
          GError   **error)
{
  if (!enabled) {
    struct termios quiet;
    struct sigaction action = { 0 };

    if (tcgetattr (STDIN_FILENO, &saved_termios) < 0) {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot read the terminal settings: %s"), g_strerror (saved_errno));
      return FALSE;
    }
    action.sa_handler = restore_terminal_and_reraise;
    sigemptyset (&action.sa_mask);
    for (guint i = 0; i < G_N_ELEMENTS (restore_signals); i++)
      sigaction (restore_signals[i], &action, &saved_actions[i]);

    quiet = saved_termios;
    quiet.c_lflag &= ~(ECHO | ECHOE | ECHOK | ECHONL);
    quiet.c_lflag |= ICANON;
    echo_disabled = TRUE;
    if (tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet) < 0) {
      int saved_errno = errno;
      echo_disabled = FALSE;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot turn off echo on the terminal: %s"), g_strerror (saved_errno));
      return FALSE;
    }
    return TRUE;
  }

  if (echo_disabled) {
    tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved_termios);
    echo_disabled = FALSE;
    for (guint i = 0; i < G_N_ELEMENTS (restore_signals); i++)
      sigaction (restore_signals[i], &saved_actions[i], NULL);
  }
  return TRUE;
}

void
heraldctl_free_secret (char *secret)
{
  if (secret == NULL)
    return;
  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

typedef char *HeraldCtlSecret;
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (HeraldCtlSecret, heraldctl_free_secret, NULL)

/* Reads up to SECRET_MAX bytes into @buffer: one line if @one_line, else
 * everything until end of file. Returns the length, or -1 on error. */
static gssize
read_into (char      *buffer,
           gboolean   one_line,
           GError   **error)
{
  gsize length = 0;

  for (;;) {
    gssize n;

    if (length == SECRET_MAX) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                   _("The secret is longer than %d bytes"), SECRET_MAX);
      return -1;
    }
    n = read (STDIN_FILENO, buffer + length, one_line ? 1 : SECRET_MAX - length);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot read the secret: %s"), g_strerror (saved_errno));
      return -1;
    }
    if (n == 0)
      break;
    length += n;
    if (one_line && buffer[length - 1] == '\n')
      break;
  }
  return length;
}

/* Removes one trailing line break, then checks what is left. */
static gboolean
finish_secret (char      *buffer,
               gsize      length,
               GError   **error)
{
  if (length > 0 && buffer[length - 1] == '\n')
    buffer[--length] = '\0';
  if (length > 0 && buffer[length - 1] == '\r')
    buffer[--length] = '\0';

  if (length == 0) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                         _("No secret given (to remove a secret, use --clear)"));
    return FALSE;
  }
  if (strlen (buffer) != length || !g_utf8_validate (buffer, length, NULL)) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                         _("The secret is not valid UTF-8 text"));
    return FALSE;
  }
  return TRUE;
}

static char *
read_line_without_echo (const char  *prompt,
                        GError     **error)
{
  g_auto(HeraldCtlSecret) buffer = g_malloc0 (SECRET_MAX + 1);
  gssize length;

  g_printerr ("%s", prompt);
  if (!set_echo (FALSE, error))
    return NULL;
  length = read_into (buffer, TRUE, error);
  set_echo (TRUE, NULL);
  g_printerr ("\n");

  if (length < 0 || !finish_secret (buffer, length, error))
    return NULL;
  return g_steal_pointer (&buffer);
}

/*
 * Reads a secret: from a no-echo prompt, asked twice, when standard input
 * is a terminal; else all of standard input less one trailing line break.
 * Free the result with heraldctl_free_secret(), which wipes it.
 */
char *
heraldctl_read_secret (const char  *prompt,
                       GError     **error)
{
  g_auto(HeraldCtlSecret) first = NULL;
  g_auto(HeraldCtlSecret) second = NULL;
  g_auto(HeraldCtlSecret) buffer = NULL;
  gssize length;

  if (!isatty (STDIN_FILENO)) {
    buffer = g_malloc0 (SECRET_MAX + 1);
    length = read_into (buffer, FALSE, error);
    if (length < 0 || !finish_secret (buffer, length, error))
      return NULL;
    return g_steal_pointer (&buffer);
  }

  first = read_line_without_echo (prompt, error);
  if (first == NULL)
    return NULL;
  second = read_line_without_echo (_("Repeat to confirm: "), error);
  if (second == NULL)
    return NULL;
  if (strcmp (first, second) != 0) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                         _("The two entries differ; nothing was changed"));
    return NULL;
  }
  return g_steal_pointer (&first);
}
