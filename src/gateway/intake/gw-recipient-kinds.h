/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-recipient-kinds.h: the recipient kinds of the loaded transports
 *
 * A notification's recipients are its mail recipients (to, cc, bcc) and,
 * for each kind a loaded transport declared (gw_transport_class_set_
 * recipient_kind()), a list under the kind's name ("sms" for a transport
 * that sends text messages). The kind is a Send key, a routing-rule key "add-KIND" and
 * the kind of the envelope's recipients. Process-wide, like the schema.
 */
#pragma once

#include "gw-transport.h"

G_BEGIN_DECLS

/* Registers @transport's kind, if it has one. Fails when a loaded
 * transport has the same kind or the kind is a key Send has anyway. */
gboolean     gw_recipient_kinds_add          (GwTransport *transport,
                                              GError     **error);
/* (transfer none) the transport that takes recipients of @kind, or NULL */
GwTransport *gw_recipient_kinds_lookup       (const char  *kind);
/* The recipient kind of the transport named @transport, or NULL for mail
 * recipients (and for transports that are not loaded). */
const char  *gw_recipient_kinds_of_transport (const char  *transport);
/* (transfer full) the registered kinds, sorted */
GStrv        gw_recipient_kinds_dup_all      (void);
/* Checks each of @addresses with the transport of @kind. */
gboolean     gw_recipient_kinds_check        (const char          *kind,
                                              const char * const  *addresses,
                                              GError             **error);

G_END_DECLS
