/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* loopback-peer.h: a loopback TCP server that answers every connection with the
 * current fuzz input, for targets whose parser reads from a socket */
#pragma once

#include <glib.h>

/* Starts the server thread on 127.0.0.1; returns its port. */
guint16 fuzz_peer_start     (void);
/* What the next connection receives: sent whole, then the write side is
 * shut; what the client sends is read and dropped until it closes. */
void    fuzz_peer_set_reply (const guint8 *data,
                             gsize         size);
