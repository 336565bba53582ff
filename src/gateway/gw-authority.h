/* gw-authority.h: who may call which method of the gateway */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The polkit actions of data/org.herald.gateway.policy. */
typedef enum {
  GW_ACTION_SEND,             /* org.herald.gateway.send */
  GW_ACTION_MANAGE_PROFILES,  /* org.herald.gateway.manage-profiles */
  GW_ACTION_MANAGE_TRUST,     /* org.herald.gateway.manage-trust */
  GW_ACTION_READ_LOG,         /* org.herald.gateway.read-log */
  GW_ACTION_UNKNOWN,          /* a method missing from the table: refused */
} GwAction;

const char *gw_action_get_id              (GwAction     action);

/* The one table of D-Bus methods and actions. @per_caller (nullable) is
 * set for methods on deliveries, which show a caller only its own unless
 * it also holds GW_ACTION_READ_LOG. */
GwAction    gw_authority_action_for_method (const char  *method,
                                            gboolean    *per_caller);

#define GW_TYPE_AUTHORITY (gw_authority_get_type ())
G_DECLARE_FINAL_TYPE (GwAuthority, gw_authority, GW, AUTHORITY, GObject)

/* On the system bus (@system_bus) every check goes to polkit with the
 * caller's system bus name as the subject; on a session bus the caller
 * must be the bus's own user (the daemon's uid). */
GwAuthority *gw_authority_new           (GDBusConnection       *connection,
                                         gboolean               system_bus,
                                         GError               **error);

/*
 * Checks that the sender of @invocation holds each of @actions (in order;
 * @n_actions at most 4), and for @per_caller also whether it holds
 * read-log (asked without interaction). On success the caller's uid and
 * that answer are attached to @invocation (gw_authority_get_caller_uid(),
 * gw_authority_caller_sees_all()).
 *
 * Fails with HERALD_ERROR_NOT_AUTHORIZED, or with G_IO_ERROR_CANCELLED
 * when the caller left the bus before the answer: then nothing may be done
 * for it.
 */
void         gw_authority_check_async   (GwAuthority           *self,
                                         GDBusMethodInvocation *invocation,
                                         const GwAction        *actions,
                                         guint                  n_actions,
                                         gboolean               per_caller,
                                         GAsyncReadyCallback    callback,
                                         gpointer               user_data);
gboolean     gw_authority_check_finish  (GwAuthority           *self,
                                         GAsyncResult          *result,
                                         GError               **error);

/* After a successful check: the caller's uid, and whether it sees every
 * caller's deliveries. Without a check (an invocation made in a test):
 * the daemon's own uid, and TRUE. */
guint        gw_authority_get_caller_uid  (GDBusMethodInvocation *invocation);
gboolean     gw_authority_caller_sees_all (GDBusMethodInvocation *invocation);

G_END_DECLS
