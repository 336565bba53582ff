/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-message-id.h: Message-IDs and Date values of the messages Herald makes */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "RANDOM@DOMAIN" (no angle brackets): 128 random bits and @domain as
 * ASCII (IDNA); the host name when @domain is NULL or not a host name. */
char      *gw_message_id_generate (const char *domain);

/* (transfer full) now, in the local time zone (looked up once). */
GDateTime *gw_message_date_now    (void);

G_END_DECLS
