/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-authority.h: who may call which method of the gateway */
#pragma once

#include <gio/gio.h>

#include "gw-caller.h"

G_BEGIN_DECLS

/* The polkit action that grants @right (one bit): org.herald.gateway.NAME
 * of data/org.herald.gateway.policy, NAME from gw_right_get_name(). */
const char *gw_authority_get_action_id        (GwRights    right);

/* The one table of D-Bus methods: the operation each method of
 * org.herald.Gateway1 is (gw-caller.c says which rights it needs).
 * GW_OPERATION_UNKNOWN for a method missing from it: refused. */
GwOperation gw_authority_operation_for_method (const char *method);

#define GW_TYPE_AUTHORITY (gw_authority_get_type ())
G_DECLARE_FINAL_TYPE (GwAuthority, gw_authority, GW, AUTHORITY, GObject)

/* On the system bus (@system_bus) every check goes to polkit with the
 * caller's system bus name as the subject; on a session bus the caller
 * must be the bus's own user (the daemon's uid). */
GwAuthority *gw_authority_new           (GDBusConnection       *connection,
                                         gboolean               system_bus,
                                         GError               **error);

/*
 * Establishes who the sender of @invocation is and checks that it holds
 * each right in @rights (in the order of the bits; at most four polkit
 * questions, each allowing interaction); for @per_caller also whether it
 * holds GW_RIGHT_READ_LOG (asked without interaction). On success the
 * caller, with the rights granted, is attached to @invocation
 * (gw_authority_get_caller()) and returned. On a session bus the bus's own
 * user holds every right.
 *
 * Fails with HERALD_ERROR_NOT_AUTHORIZED, or with G_IO_ERROR_CANCELLED
 * when the caller left the bus before the answer: then nothing may be done
 * for it.
 */
void         gw_authority_check_async   (GwAuthority           *self,
                                         GDBusMethodInvocation *invocation,
                                         GwRights               rights,
                                         gboolean               per_caller,
                                         GAsyncReadyCallback    callback,
                                         gpointer               user_data);
/* (transfer full) */
GwCaller    *gw_authority_check_finish  (GwAuthority           *self,
                                         GAsyncResult          *result,
                                         GError               **error);

/* (transfer none) The caller a successful check attached to @invocation.
 * Without a check (an invocation made in a test): the daemon's own user
 * with every right. */
GwCaller    *gw_authority_get_caller    (GDBusMethodInvocation *invocation);

G_END_DECLS
