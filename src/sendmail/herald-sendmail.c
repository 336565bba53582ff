/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-sendmail.c: sendmail(8) for Herald: reads a message on standard
 * input and hands it to heraldd (SendMessage), or to the maildrop when
 * heraldd cannot be reached. Exit status from sysexits.h. See
 * herald-sendmail(8). */
#define G_LOG_DOMAIN "herald-sendmail"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <sysexits.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "hs-input.h"
#include "hs-maildrop-file.h"
#include "hs-options.h"
#include "hs-queue.h"
#include "hs-submit.h"

static void
print_help (void)
{
  printf ("%s", _("Usage: herald-sendmail [OPTION...] [--] [RECIPIENT...]\n"
                  "       mailq     (herald-sendmail -bp)\n"
                  "Reads a message on standard input and hands it to the Herald gateway.\n"
                  "\n"
                  "  -t             also send to the recipients in To, Cc and Bcc (Bcc is removed)\n"
                  "  -i, -oi        a line holding only \".\" does not end the message\n"
                  "  -f, -r SENDER  envelope sender (used where the profile allows it)\n"
                  "  -F NAME        full name for a From the message lacks; also its app name\n"
                  "  -v             tell what happened\n"
                  "  -bm            deliver (the default)\n"
                  "  -bp            list your deliveries that still wait (as mailq)\n"
                  "  -odb, -odi, -oem, -oep, -B, -N, -R, -V, -X, -C, -L, -h, -G, -U, -O, -q\n"
                  "                 accepted for compatibility, without effect\n"
                  "\n"
                  "Exit status (sysexits.h): 0 sent or kept in the maildrop, 64 usage,\n"
                  "65 bad message, 67 unknown recipient, 69 unavailable, 75 try again later,\n"
                  "77 not allowed, 78 configuration.\n"
                  "HERALD_BUS=session talks to the session gateway. See herald-sendmail(8).\n"));
}

static int
deliver (HsOptions *options)
{
  g_autoptr(GError) error = NULL;
  gsize size = 0;
  int fd;
  int status;

  if (options->recipients->len == 0 && !options->extract_recipients) {
    fprintf (stderr, "%s", _("herald-sendmail: no recipients given: name them, or use -t to read them from the message\n"));
    return EX_USAGE;
  }
  fd = hs_input_read (STDIN_FILENO, options->ignore_dots, HS_MAILDROP_MAX_MESSAGE, &size, &error);
  if (fd < 0) {
    fprintf (stderr, "herald-sendmail: %s\n", error->message);
    return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE) ? EX_DATAERR : EX_IOERR;
  }
  status = hs_submit (options, fd);
  close (fd);
  return status;
}

int
main (int    argc,
      char **argv)
{
  HsOptions options;
  g_autoptr(GError) error = NULL;
  int status = EX_OK;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("HERALD_LOCALEDIR") != NULL ? g_getenv ("HERALD_LOCALEDIR")
                                                                         : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  hs_options_init (&options);
  if (!hs_options_parse (&options, argv[0], argc - 1, (const char * const *) argv + 1, &error)) {
    fprintf (stderr, "herald-sendmail: %s\n", error->message);
    hs_options_clear (&options);
    return EX_USAGE;
  }
  for (guint i = 0; i < options.warnings->len; i++)
    fprintf (stderr, "herald-sendmail: %s\n", (const char *) g_ptr_array_index (options.warnings, i));
  for (guint i = 0; options.verbose && i < options.ignored->len; i++)
    fprintf (stderr, _("herald-sendmail: %s accepted, without effect\n"),
             (const char *) g_ptr_array_index (options.ignored, i));

  switch (options.mode) {
  case HS_MODE_HELP:
    print_help ();
    break;
  case HS_MODE_VERSION:
    printf ("herald-sendmail %s\n", PACKAGE_VERSION);
    break;
  case HS_MODE_LIST_QUEUE:
    status = hs_list_queue (&options);
    break;
  case HS_MODE_RUN_QUEUE:
    if (options.verbose)
      fprintf (stderr, "%s", _("herald-sendmail: heraldd runs its queue itself; nothing to do\n"));
    break;
  case HS_MODE_NEWALIASES:
    if (options.verbose)
      fprintf (stderr, "%s", _("herald-sendmail: heraldd rereads its alias files when they change; nothing to do\n"));
    break;
  case HS_MODE_DELIVER:
  default:
    status = deliver (&options);
    break;
  }
  hs_options_clear (&options);
  return status;
}
