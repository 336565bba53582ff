/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-message-id.h: Message-IDs and Date values of the messages Herald makes, and delivery ids */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "RANDOM@DOMAIN" (no angle brackets): 128 random bits and @domain as
 * ASCII (IDNA); the host name when @domain is NULL or not a host name. */
char      *gw_message_id_generate (const char *domain);

/* A new delivery id: a UUID of version 7 (RFC 9562), the time in
 * milliseconds since the epoch, then 74 random bits. Ids made later sort
 * after, so the queue's indexes of delivery ids grow at their end instead
 * of at a random page: with random UUIDs, each Send's inserts into
 * deliveries and jobs took 40 % longer (issue 18). */
char      *gw_delivery_id_generate (void);

/* (transfer full) now, in the local time zone (looked up once). */
GDateTime *gw_message_date_now    (void);

G_END_DECLS
