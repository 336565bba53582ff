/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-private.h: helpers shared inside libherald, not exported */
#pragma once

#include <glib.h>

#include "herald-enums.h"

G_BEGIN_DECLS

/* Binds the "herald" gettext domain once; every class_init calls it. */
void       herald_i18n_init             (void);

/* herald-util.c: "x" microseconds since the epoch under @key of an a{sv}
 * dictionary as a new UTC GDateTime, or NULL when missing or not positive. */
GDateTime *herald_variant_lookup_time   (GVariant   *dict,
                                         const char *key);
/* herald-util.c: the string under @key of an a{sv} dictionary as a new
 * string, or NULL when missing or empty. */
char      *herald_variant_lookup_string (GVariant   *dict,
                                         const char *key);

/* herald-delivery-summary.c: one line for people on a final delivery
 * ("sent to 1 of 2; refused: bad@example.org 550 ..."), from its
 * HeraldRecipients; NULL while it is not final. */
char      *herald_delivery_summarize    (HeraldDeliveryState  state,
                                         const char          *reason,
                                         const char          *reply,
                                         GPtrArray           *recipients);

G_END_DECLS
