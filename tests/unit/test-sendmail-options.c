/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-sendmail-options.c: herald-sendmail's command line (the options cron,
 * mailx, mdadm, smartd, msmtp's and nullmailer's documentation use), and
 * the end of input with and without -i */
#define G_LOG_DOMAIN "test-sendmail-options"

#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>

#include "hs-input.h"
#include "hs-options.h"

/* argv as "|"-separated words; the result as
 * "MODE t=0 i=0 v=0 f=SENDER F=NAME rcpt=A,B warn=N ign=N" or "!usage" */
static char *
parse (const char *program,
       const char *args)
{
  g_auto(GStrv) argv = *args != '\0' ? g_strsplit (args, "|", -1) : g_new0 (char *, 1);
  g_autoptr(GError) error = NULL;
  HsOptions options;
  static const char * const modes[] = { "deliver", "list", "run-queue", "newaliases", "help", "version" };
  g_autofree char *recipients = NULL;
  char *out;

  hs_options_init (&options);
  if (!hs_options_parse (&options, program, (int) g_strv_length (argv), (const char * const *) argv, &error)) {
    g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
    hs_options_clear (&options);
    return g_strdup ("!usage");
  }
  g_ptr_array_add (options.recipients, NULL);
  recipients = g_strjoinv (",", (GStrv) options.recipients->pdata);
  out = g_strdup_printf ("%s t=%d i=%d v=%d f=%s F=%s rcpt=%s warn=%u ign=%u", modes[options.mode],
                         options.extract_recipients, options.ignore_dots, options.verbose,
                         options.sender != NULL ? options.sender : "-",
                         options.full_name != NULL ? options.full_name : "-", recipients,
                         options.warnings->len, options.ignored->len);
  hs_options_clear (&options);
  return out;
}

static void
test_table (void)
{
  static const struct { const char *program; const char *args; const char *expected; } cases[] = {
    /* the defaults; recipients as arguments */
    { "sendmail", "root", "deliver t=0 i=0 v=0 f=- F=- rcpt=root warn=0 ign=0" },
    { "sendmail", "", "deliver t=0 i=0 v=0 f=- F=- rcpt= warn=0 ign=0" },
    /* cron (Debian): MAILCMD -FCronDaemon -i -B8BITMIME -oem root */
    { "/usr/sbin/sendmail", "-FCronDaemon|-i|-B8BITMIME|-oem|root",
      "deliver t=0 i=1 v=0 f=- F=CronDaemon rcpt=root warn=0 ign=2" },
    /* the usual -t -oi, clustered, and -f with and without a space */
    { "sendmail", "-t|-oi", "deliver t=1 i=1 v=0 f=- F=- rcpt= warn=0 ign=0" },
    { "sendmail", "-ti|-f|<alerts@example.org>", "deliver t=1 i=1 v=0 f=alerts@example.org F=- rcpt= warn=0 ign=0" },
    { "sendmail", "-falerts@example.org|-F|Disk Monitor|ops@example.org",
      "deliver t=0 i=0 v=0 f=alerts@example.org F=Disk Monitor rcpt=ops@example.org warn=0 ign=0" },
    { "sendmail", "-r|bounce@example.org|-v|a@example.org", "deliver t=0 i=0 v=1 f=bounce@example.org F=- rcpt=a@example.org warn=0 ign=0" },
    { "sendmail", "-f|<>|a@example.org", "deliver t=0 i=0 v=0 f= F=- rcpt=a@example.org warn=0 ign=0" },
    /* delivery and error modes: accepted */
    { "sendmail", "-odb|-odi|-oep|-bm|a@example.org", "deliver t=0 i=0 v=0 f=- F=- rcpt=a@example.org warn=0 ign=3" },
    { "sendmail", "-o|i|a@example.org", "deliver t=0 i=1 v=0 f=- F=- rcpt=a@example.org warn=0 ign=0" },
    { "sendmail", "-O|IgnoreDots=true|a@example.org", "deliver t=0 i=1 v=0 f=- F=- rcpt=a@example.org warn=0 ign=0" },
    { "sendmail", "-O|DeliveryMode=b|a@example.org", "deliver t=0 i=0 v=0 f=- F=- rcpt=a@example.org warn=0 ign=1" },
    /* msmtp's and nullmailer's lists: accepted without effect */
    { "sendmail", "-N|delay,failure|-R|hdrs|-V|envid-1|-X|/tmp/log|-C|/etc/x.rc|-L|tag|-h|30|-G|-U|a@example.org",
      "deliver t=0 i=0 v=0 f=- F=- rcpt=a@example.org warn=0 ign=9" },
    { "sendmail", "-B|7BIT|-p|smtp|-e|m|-Am|-d0.1|-m|-n|-x|-c|a@example.org",
      "deliver t=0 i=0 v=0 f=- F=- rcpt=a@example.org warn=0 ign=9" },
    /* recipients end the options; "--" ends them too */
    { "sendmail", "a@example.org|-t", "deliver t=0 i=0 v=0 f=- F=- rcpt=a@example.org,-t warn=0 ign=0" },
    { "sendmail", "-t|--|-odd-name@example.org", "deliver t=1 i=0 v=0 f=- F=- rcpt=-odd-name@example.org warn=0 ign=0" },
    /* comma lists are split outside quotes, brackets and comments */
    { "sendmail", "a@example.org, \"Ops, Team\" <ops@example.org>,b@example.org (B, Jr)",
      "deliver t=0 i=0 v=0 f=- F=- rcpt=a@example.org,\"Ops, Team\" <ops@example.org>,b@example.org (B, Jr) warn=0 ign=0" },
    /* unknown options: a warning, nothing consumed */
    { "sendmail", "-Z|-t|--long-thing", "deliver t=1 i=0 v=0 f=- F=- rcpt= warn=2 ign=0" },
    { "sendmail", "-", "deliver t=0 i=0 v=0 f=- F=- rcpt=- warn=0 ign=0" },
    /* modes */
    { "sendmail", "-bp", "list t=0 i=0 v=0 f=- F=- rcpt= warn=0 ign=0" },
    { "/usr/bin/mailq", "", "list t=0 i=0 v=0 f=- F=- rcpt= warn=0 ign=0" },
    { "newaliases", "", "newaliases t=0 i=0 v=0 f=- F=- rcpt= warn=0 ign=0" },
    { "sendmail", "-bi", "newaliases t=0 i=0 v=0 f=- F=- rcpt= warn=0 ign=0" },
    { "sendmail", "-I", "newaliases t=0 i=0 v=0 f=- F=- rcpt= warn=0 ign=0" },
    { "sendmail", "-q", "run-queue t=0 i=0 v=0 f=- F=- rcpt= warn=0 ign=0" },
    { "sendmail", "-q1h", "run-queue t=0 i=0 v=0 f=- F=- rcpt= warn=0 ign=0" },
    { "sendmail", "-qIabc", "run-queue t=0 i=0 v=0 f=- F=- rcpt= warn=0 ign=0" },
    { "sendmail", "--help", "help t=0 i=0 v=0 f=- F=- rcpt= warn=0 ign=0" },
    { "sendmail", "--version", "version t=0 i=0 v=0 f=- F=- rcpt= warn=0 ign=0" },
    /* refused: a missing argument, modes Herald does not have */
    { "sendmail", "-f", "!usage" },
    { "sendmail", "-t|-F", "!usage" },
    { "sendmail", "-bs", "!usage" },
    { "sendmail", "-bd", "!usage" },
    { "sendmail", "-bv|root", "!usage" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *got = NULL;

    g_test_message ("case %u: %s %s", i, cases[i].program, cases[i].args);
    got = parse (cases[i].program, cases[i].args);
    g_assert_cmpstr (got, ==, cases[i].expected);
  }
}

/* What hs_input_read keeps of @input, fed in pieces of @chunk bytes. */
static char *
read_input (const char *input,
            gsize       chunk,
            gboolean    ignore_dots)
{
  int fds[2];
  gsize len = strlen (input);
  g_autoptr(GError) error = NULL;
  g_autofree char *kept = NULL;
  gsize size = 0;
  int fd;
  int seals;

  /* a socket pair passes each write as it came, so the reads split the
   * input where the chunks do */
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_SEQPACKET, 0, fds), ==, 0);
  for (gsize off = 0; off < len; off += chunk)
    g_assert_cmpint (write (fds[1], input + off, MIN (chunk, len - off)), ==, (ssize_t) MIN (chunk, len - off));
  close (fds[1]);
  fd = hs_input_read (fds[0], ignore_dots, 1024, &size, &error);
  close (fds[0]);
  g_assert_no_error (error);
  seals = fcntl (fd, F_GET_SEALS);
  g_assert_cmpint (seals & (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK), ==,
                   F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK);
  kept = g_malloc0 (size + 1);
  g_assert_cmpint (pread (fd, kept, size, 0), ==, (ssize_t) size);
  close (fd);
  return g_steal_pointer (&kept);
}

static void
test_dot (void)
{
  static const struct { const char *input; gboolean ignore_dots; const char *kept; } cases[] = {
    { "Subject: x\n\none\n.\ntwo\n", FALSE, "Subject: x\n\none\n" },
    { "Subject: x\n\none\n.\ntwo\n", TRUE, "Subject: x\n\none\n.\ntwo\n" },
    { "Subject: x\r\n\r\none\r\n.\r\ntwo\r\n", FALSE, "Subject: x\r\n\r\none\r\n" },
    /* only a line holding nothing but "." ends it */
    { "one\n..\n.two\n. \n.\rx\nend\n", FALSE, "one\n..\n.two\n. \n.\rx\nend\n" },
    { ".\nall of it ignored\n", FALSE, "" },
    { "last line without end\n.", FALSE, "last line without end\n" },
    { "no newline at all", FALSE, "no newline at all" },
    { "", FALSE, "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    for (gsize chunk = 1; chunk <= 7; chunk += 3) {
      g_autofree char *kept = NULL;

      g_test_message ("case %u, chunks of %" G_GSIZE_FORMAT, i, chunk);
      kept = read_input (cases[i].input, chunk, cases[i].ignore_dots);
      g_assert_cmpstr (kept, ==, cases[i].kept);
    }
  }
}

static void
test_too_large (void)
{
  int fds[2];
  g_autofree char *big = g_strnfill (2000, 'x');
  g_autoptr(GError) error = NULL;
  gsize size;

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
  g_assert_cmpint (write (fds[1], big, 2000), ==, 2000);
  close (fds[1]);
  g_assert_cmpint (hs_input_read (fds[0], FALSE, 1024, &size, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE);
  close (fds[0]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sendmail-options/table", test_table);
  g_test_add_func ("/sendmail-options/dot", test_dot);
  g_test_add_func ("/sendmail-options/too-large", test_too_large);
  return g_test_run ();
}
