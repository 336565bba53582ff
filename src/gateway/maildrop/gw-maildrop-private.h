/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-maildrop-private.h: shared by gw-maildrop.c and gw-maildrop-read.c */
#pragma once

#include "gw-maildrop.h"

G_BEGIN_DECLS

typedef enum {
  GW_DROP_READY,     /* @request and @uid are set */
  GW_DROP_PARTIAL,   /* still being written */
  GW_DROP_STALE,     /* partial for over an hour: its writer is gone */
  GW_DROP_SKIP,      /* gone, or a directory */
  GW_DROP_BAD,       /* to be moved aside; @problem says why */
} GwDropState;

/* Checks and reads the entry @name of the maildrop @dirfd. */
GwDropState gw_maildrop_read_file (int                dirfd,
                                   const char        *name,
                                   GwMessageRequest **request,
                                   guint             *uid,
                                   char             **problem);

G_END_DECLS
