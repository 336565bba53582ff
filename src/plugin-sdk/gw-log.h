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

/**
 * gw_log_debug_shown:
 *
 * Whether a g_debug() of the calling file's G_LOG_DOMAIN would be shown
 * (by GLib's default writer: G_MESSAGES_DEBUG, or debug output enabled).
 * g_debug() formats its message before the writer drops it, so a line
 * logged for each message under load is worth testing this first.
 */
#define gw_log_debug_shown() (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))

char *gw_log_escape (const char *text,
                     gsize       max_bytes);

G_END_DECLS
