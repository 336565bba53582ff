/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-caller.h: who is asking, through which door, and what it may do
 *
 * Every door (the bus, and later the sendmail and HTTP doors) establishes a
 * GwCaller for each request: the caller's uid, the door's name, the
 * program when the door knows it, and the rights the door granted (on
 * the bus through polkit, on HTTP from the token's scope, for sendmail from
 * the uid). The one table in gw-caller.c says which rights each operation
 * needs; the intake and the operations behind every door check it with
 * gw_caller_authorize(), so a door cannot skip a check.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* One bit per right; the bus door asks polkit for the action
 * org.herald.gateway.NAME of each (gw_right_get_name()). */
typedef enum {
  GW_RIGHT_NONE            = 0,
  GW_RIGHT_SEND            = 1 << 0,  /* send, and read one's own deliveries and quota */
  GW_RIGHT_MANAGE_PROFILES = 1 << 1,  /* add, change and test profiles, set routes */
  GW_RIGHT_MANAGE_TRUST    = 1 << 2,  /* trust certificates, move stored secrets */
  GW_RIGHT_READ_LOG        = 1 << 3,  /* every caller's deliveries, certificates */
} GwRights;

#define GW_RIGHTS_ALL (GW_RIGHT_SEND | GW_RIGHT_MANAGE_PROFILES | GW_RIGHT_MANAGE_TRUST | \
                       GW_RIGHT_READ_LOG)

/* What a caller can ask of the gateway, whichever door it comes by. */
typedef enum {
  GW_OPERATION_SEND,
  GW_OPERATION_CHECK_ROUTE,
  GW_OPERATION_READ_DELIVERIES,
  GW_OPERATION_CANCEL_DELIVERY,
  GW_OPERATION_RETRY_DELIVERY,
  GW_OPERATION_READ_QUOTA,
  GW_OPERATION_READ_PROFILES,
  GW_OPERATION_READ_ROUTES,
  GW_OPERATION_MANAGE_PROFILES,
  /* Changing the keys of a profile that say where its stored secrets go
   * (the credential redirect guard). */
  GW_OPERATION_REDIRECT_SECRETS,
  GW_OPERATION_SET_ROUTES,
  GW_OPERATION_TEST_PROFILE,
  GW_OPERATION_READ_CERTIFICATES,
  GW_OPERATION_MANAGE_TRUST,
  GW_OPERATION_UNKNOWN,        /* not in the table: refused */
} GwOperation;

/* The rights @operation needs (GW_RIGHTS_ALL for GW_OPERATION_UNKNOWN,
 * which nobody holds through a door). @per_caller (nullable) is set for
 * operations on a caller's own things (deliveries, quota): they show a
 * caller only its own unless it also holds GW_RIGHT_READ_LOG. */
GwRights    gw_operation_get_rights (GwOperation  operation,
                                     gboolean    *per_caller);
/* "send", "read-deliveries", ...: for logs and messages. */
const char *gw_operation_get_name   (GwOperation  operation);
/* "send", "manage-profiles", "manage-trust", "read-log" for one right;
 * NULL for anything else. */
const char *gw_right_get_name       (GwRights     right);

#define GW_TYPE_CALLER (gw_caller_get_type ())
G_DECLARE_FINAL_TYPE (GwCaller, gw_caller, GW, CALLER, GObject)

/* @door: the door's name ("sendmail", "http", ...); @program: what the
 * door knows of the calling program (a bus name, a command), or NULL;
 * @rights: what the door established for this request. */
GwCaller   *gw_caller_new             (guint        uid,
                                       const char  *door,
                                       const char  *program,
                                       GwRights     rights);
guint       gw_caller_get_uid         (GwCaller    *self);
const char *gw_caller_get_door        (GwCaller    *self);
const char *gw_caller_get_program     (GwCaller    *self);
GwRights    gw_caller_get_rights      (GwCaller    *self);
/* The HTTP door's token scope, kept for the log; NULL elsewhere. */
void        gw_caller_set_token_scope (GwCaller    *self,
                                       const char  *scope);
const char *gw_caller_get_token_scope (GwCaller    *self);

/* Whether the caller holds every right in @rights. */
gboolean    gw_caller_has_rights      (GwCaller    *self,
                                       GwRights     rights);
/* Fails with HERALD_ERROR_NOT_AUTHORIZED naming the missing right when the
 * caller lacks a right @operation needs. */
gboolean    gw_caller_authorize       (GwCaller    *self,
                                       GwOperation  operation,
                                       GError     **error);
/* Whether things owned by @owner_uid are the caller's to see and change:
 * its own, or anyone's with GW_RIGHT_READ_LOG. */
gboolean    gw_caller_may_see         (GwCaller    *self,
                                       guint        owner_uid);

G_END_DECLS
