/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-log.h: logging helpers for transports (plugin SDK) */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * GW_LOG_SECRET_MASK:
 *
 * What a secret is replaced with wherever a line that held one is logged
 * or recorded: the transcript masks credentials with it.
 */
#define GW_LOG_SECRET_MASK "****"

char *gw_log_escape (const char *text,
                     gsize       max_bytes);

G_END_DECLS
