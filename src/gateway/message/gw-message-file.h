/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-message-file.h: a composed message kept in an unlinked file */
#pragma once

#include "gw-message-source.h"

G_BEGIN_DECLS

#define GW_TYPE_MESSAGE_FILE (gw_message_file_get_type ())
G_DECLARE_FINAL_TYPE (GwMessageFile, gw_message_file, GW, MESSAGE_FILE, GwMessageSource)

/* A new file in @dir (NULL: the temporary directory) that no name points
 * to, open for reading and writing, or -1 with @error
 * (HERALD_ERROR_STORAGE). */
int              gw_message_file_create (const char  *dir,
                                         GError     **error);
/* The message of @size bytes in @fd (from gw_message_file_create()),
 * which the source owns from now on. */
GwMessageSource *gw_message_file_new    (int          fd,
                                         gsize        size);
/* (transfer none) the file's descriptor: read it with pread(2), or dup(2)
 * it for a reader that moves its offset. */
int              gw_message_file_get_fd (GwMessageFile *self);

G_END_DECLS
