/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-sendmail-config.h: the sendmail door's part of heraldd.conf:
 * [sendmail] and [aliases] */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define GW_SENDMAIL_DEFAULT_RESCAN_SECONDS 60

typedef struct {
  char      *default_domain;      /* unqualified names become NAME@DOMAIN; or NULL */
  char      *admin_address;       /* else they go here; or NULL */
  GStrv      alias_files;         /* aliases(5) files, absolute paths */
  GPtrArray *aliases;             /* [aliases]: alternating name (lower case), value */
  char      *maildrop_directory;  /* NULL: no maildrop */
  guint      maildrop_rescan_seconds;
} GwSendmailConfig;

/* Defaults: the maildrop HERALD_MAILDROP_DIR on the system bus, none on a
 * session bus; no aliases. */
void     gw_sendmail_config_init  (GwSendmailConfig *self,
                                   gboolean          system_bus);
void     gw_sendmail_config_clear (GwSendmailConfig *self);

/*
 * Reads [sendmail] (default-domain, admin-address, alias-files,
 * maildrop-directory, maildrop-rescan-seconds) and [aliases] (NAME=VALUE,
 * VALUE...) of @keyfile; @path names the file in errors
 * (HERALD_ERROR_INVALID_SETTING); relative file names are relative to
 * @config_dir.
 */
gboolean gw_sendmail_config_load  (GwSendmailConfig *self,
                                   GKeyFile         *keyfile,
                                   const char       *path,
                                   const char       *config_dir,
                                   GError          **error);

G_END_DECLS
