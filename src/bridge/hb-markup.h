/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hb-markup.h: desktop notification body markup → plain text and safe HTML */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Converts a notification body in the markup subset of the Desktop
 * Notifications specification (b, i, u, a href, img alt, br, entities) to
 * plain text (*text) and to an HTML fragment that keeps only b, i, u, br and
 * http(s)/mailto links (*html). Malformed markup is treated as text. */
void hb_markup_convert (const char *body,
                        char      **text,
                        char      **html);

G_END_DECLS
