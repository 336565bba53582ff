/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-secret-files.h: the secret store's files (gw-secret-files.c) */
#pragma once

#include <sys/stat.h>

#include <glib.h>

G_BEGIN_DECLS

#define GW_SECRET_KEY_SIZE 32

/* Sets a HERALD_ERROR_SECRET_STORE error; returns FALSE. */
gboolean gw_secret_error          (GError     **error,
                                   const char  *format,
                                   ...) G_GNUC_PRINTF (2, 3);
/* Opens @path read-only without following links and checks the open file:
 * regular, ours (or, for a systemd @credential, root's) and private.
 * Returns -1 with @missing set when it does not exist. */
int      gw_secret_file_open      (const char  *path,
                                   gboolean     credential,
                                   struct stat *st,
                                   gboolean    *missing,
                                   GError     **error);
gboolean gw_secret_file_read_all  (int          fd,
                                   guint8      *buf,
                                   gsize        len,
                                   const char  *path,
                                   GError     **error);
gboolean gw_secret_file_sync_dir  (const char  *path,
                                   GError     **error);
gboolean gw_secret_key_read       (const char  *path,
                                   gboolean     credential,
                                   guint8       key[GW_SECRET_KEY_SIZE],
                                   gboolean    *missing,
                                   GError     **error);
/* Writes @key to @path, which must not exist, 0600, synced. */
gboolean gw_secret_key_write      (const char  *path,
                                   const guint8 key[GW_SECRET_KEY_SIZE],
                                   GError     **error);
/* A new random key at @path in @state_dir, written as above. */
gboolean gw_secret_key_create     (const char  *state_dir,
                                   const char  *path,
                                   guint8       key[GW_SECRET_KEY_SIZE],
                                   GError     **error);

G_END_DECLS
