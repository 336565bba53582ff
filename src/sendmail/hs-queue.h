/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hs-queue.h: -bp (mailq): the caller's deliveries that still wait */
#pragma once

#include "hs-options.h"

G_BEGIN_DECLS

/* Prints the queued, sending, deferred and submitted deliveries heraldd
 * shows the caller; returns a sysexits.h status (EX_UNAVAILABLE when
 * heraldd cannot be reached). */
int hs_list_queue (HsOptions *options);

G_END_DECLS
