/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hs-options.h: sendmail(8)'s command line, as herald-sendmail reads it */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  HS_MODE_DELIVER,     /* -bm, the default: read a message and send it */
  HS_MODE_LIST_QUEUE,  /* -bp, or run as "mailq" */
  HS_MODE_RUN_QUEUE,   /* -q[...]: heraldd runs its queue itself */
  HS_MODE_NEWALIASES,  /* -bi, -I, or run as "newaliases": heraldd rereads alias files itself */
  HS_MODE_HELP,        /* --help */
  HS_MODE_VERSION,     /* --version */
} HsMode;

typedef struct {
  HsMode     mode;
  gboolean   extract_recipients;  /* -t */
  gboolean   ignore_dots;         /* -i, -oi, -O IgnoreDots */
  gboolean   verbose;             /* -v */
  char      *sender;              /* -f, -r ("" for the null sender <>), or NULL */
  char      *full_name;           /* -F, or NULL */
  GPtrArray *recipients;          /* char *: the arguments, comma lists split */
  GPtrArray *warnings;            /* char *: unknown options, always shown */
  GPtrArray *ignored;             /* char *: known options without effect, shown with -v */
} HsOptions;

void     hs_options_init  (HsOptions          *self);
void     hs_options_clear (HsOptions          *self);

/*
 * Parses @argv (@argc entries, without the program name) as sendmail does
 * (getopt style: options may be clustered, "-fADDR" or "-f ADDR", options
 * end at "--" or at the first recipient). @program is the name it was run
 * as: "mailq" lists the queue and "newaliases" rebuilds aliases.
 *
 * Known: -t -i -v, -f/-r SENDER, -F NAME, -bm -bp -bi, -o OPTION (-oi;
 * -odb, -odi, -oem, -oep and others accepted), -O OPTION=VALUE
 * (IgnoreDots), -q[...], -I; accepted without effect (msmtp's and
 * nullmailer's lists): -B TYPE, -C FILE, -N DSN, -R RET, -V ENVID,
 * -X FILE, -L TAG, -h HOPS, -p PROTOCOL, -e MODE, -A[c|m], -d[...], -G,
 * -U, -m, -n, -x, -c. An unknown option is ignored with a warning.
 * Refused (G_OPTION_ERROR): a missing argument, -bs, -bd, -bD, -bt, -bv
 * and other modes Herald does not have.
 */
gboolean hs_options_parse (HsOptions          *self,
                           const char         *program,
                           int                 argc,
                           const char * const *argv,
                           GError            **error);

G_END_DECLS
