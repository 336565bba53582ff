/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-secret.h: secrets in memory (plugin SDK) */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void gw_secret_free (char *secret);

/**
 * GwSecret:
 *
 * A secret string, for `g_autoptr(GwSecret) password = ...`: freed with
 * gw_secret_free(), which wipes it first.
 */
typedef char GwSecret;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GwSecret, gw_secret_free)

G_END_DECLS
