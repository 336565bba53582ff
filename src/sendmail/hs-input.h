/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hs-input.h: the message on standard input, into a sealed memfd */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Reads the message from @in into a new memfd and seals it (no write,
 * grow or shrink), so what heraldd reads is what was read here. Without
 * @ignore_dots a line holding only "." (LF or CRLF) ends the message, as
 * sendmail's does; that line and the rest of the input are not read. The
 * bytes are otherwise kept as they came.
 * Returns the descriptor (close-on-exec) and its @size, or -1 with
 * G_IO_ERROR_MESSAGE_TOO_LARGE beyond @limit bytes, or another G_IO_ERROR.
 */
int hs_input_read (int       in,
                   gboolean  ignore_dots,
                   gsize     limit,
                   gsize    *size,
                   GError  **error);

G_END_DECLS
