/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-caller.c: who is asking, and the one table of what each operation needs
 *
 * Reading profiles and routes gives no secret away and is what a sender
 * needs to pick a profile; reading certificates is part of the log;
 * TestProfile sends with the profile's credentials, so it is management.
 */
#define G_LOG_DOMAIN "gw-caller"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-caller.h"

static const struct {
  const char *name;
  GwRights    rights;
  gboolean    per_caller;
} operations[] = {
  [GW_OPERATION_SEND]              = { "send",              GW_RIGHT_SEND,            FALSE },
  [GW_OPERATION_CHECK_ROUTE]       = { "check-route",       GW_RIGHT_SEND,            FALSE },
  [GW_OPERATION_READ_DELIVERIES]   = { "read-deliveries",   GW_RIGHT_SEND,            TRUE },
  [GW_OPERATION_CANCEL_DELIVERY]   = { "cancel-delivery",   GW_RIGHT_SEND,            TRUE },
  [GW_OPERATION_RETRY_DELIVERY]    = { "retry-delivery",    GW_RIGHT_SEND,            TRUE },
  [GW_OPERATION_READ_QUOTA]        = { "read-quota",        GW_RIGHT_SEND,            TRUE },
  [GW_OPERATION_READ_PROFILES]     = { "read-profiles",     GW_RIGHT_SEND,            FALSE },
  [GW_OPERATION_READ_ROUTES]       = { "read-routes",       GW_RIGHT_SEND,            FALSE },
  [GW_OPERATION_MANAGE_PROFILES]   = { "manage-profiles",   GW_RIGHT_MANAGE_PROFILES, FALSE },
  [GW_OPERATION_REDIRECT_SECRETS]  = { "redirect-secrets",
                                       GW_RIGHT_MANAGE_PROFILES | GW_RIGHT_MANAGE_TRUST, FALSE },
  [GW_OPERATION_SET_ROUTES]        = { "set-routes",        GW_RIGHT_MANAGE_PROFILES, FALSE },
  [GW_OPERATION_TEST_PROFILE]      = { "test-profile",      GW_RIGHT_MANAGE_PROFILES, FALSE },
  [GW_OPERATION_READ_CERTIFICATES] = { "read-certificates", GW_RIGHT_READ_LOG,        FALSE },
  [GW_OPERATION_MANAGE_TRUST]      = { "manage-trust",      GW_RIGHT_MANAGE_TRUST,    FALSE },
  [GW_OPERATION_UNKNOWN]           = { "unknown",           GW_RIGHTS_ALL,            FALSE },
};

G_STATIC_ASSERT (G_N_ELEMENTS (operations) == GW_OPERATION_UNKNOWN + 1);

GwRights
gw_operation_get_rights (GwOperation operation,
                         gboolean   *per_caller)
{
  if ((guint) operation > GW_OPERATION_UNKNOWN)
    operation = GW_OPERATION_UNKNOWN;
  if (per_caller != NULL)
    *per_caller = operations[operation].per_caller;
  return operations[operation].rights;
}

const char *
gw_operation_get_name (GwOperation operation)
{
  if ((guint) operation > GW_OPERATION_UNKNOWN)
    operation = GW_OPERATION_UNKNOWN;
  return operations[operation].name;
}

const char *
gw_right_get_name (GwRights right)
{
  switch (right) {
  case GW_RIGHT_SEND:
    return "send";
  case GW_RIGHT_MANAGE_PROFILES:
    return "manage-profiles";
  case GW_RIGHT_MANAGE_TRUST:
    return "manage-trust";
  case GW_RIGHT_READ_LOG:
    return "read-log";
  case GW_RIGHT_NONE:
  default:
    return NULL;
  }
}

struct _GwCaller {
  GObject   parent_instance;
  guint     uid;
  char     *door;
  char     *program;
  GwRights  rights;
  char     *token_scope;
};

G_DEFINE_FINAL_TYPE (GwCaller, gw_caller, G_TYPE_OBJECT)

static void
gw_caller_finalize (GObject *object)
{
  GwCaller *self = GW_CALLER (object);

  g_free (self->door);
  g_free (self->program);
  g_free (self->token_scope);
  G_OBJECT_CLASS (gw_caller_parent_class)->finalize (object);
}

static void
gw_caller_class_init (GwCallerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_caller_finalize;
}

static void
gw_caller_init (GwCaller *self)
{
}

GwCaller *
gw_caller_new (guint       uid,
               const char *door,
               const char *program,
               GwRights    rights)
{
  GwCaller *self;

  g_return_val_if_fail (door != NULL, NULL);

  self = g_object_new (GW_TYPE_CALLER, NULL);
  self->uid = uid;
  self->door = g_strdup (door);
  self->program = g_strdup (program);
  self->rights = rights & GW_RIGHTS_ALL;
  return self;
}

guint
gw_caller_get_uid (GwCaller *self)
{
  g_return_val_if_fail (GW_IS_CALLER (self), G_MAXUINT);
  return self->uid;
}

const char *
gw_caller_get_door (GwCaller *self)
{
  g_return_val_if_fail (GW_IS_CALLER (self), NULL);
  return self->door;
}

const char *
gw_caller_get_program (GwCaller *self)
{
  g_return_val_if_fail (GW_IS_CALLER (self), NULL);
  return self->program;
}

GwRights
gw_caller_get_rights (GwCaller *self)
{
  g_return_val_if_fail (GW_IS_CALLER (self), GW_RIGHT_NONE);
  return self->rights;
}

void
gw_caller_set_token_scope (GwCaller   *self,
                           const char *scope)
{
  g_return_if_fail (GW_IS_CALLER (self));
  g_free (self->token_scope);
  self->token_scope = g_strdup (scope);
}

const char *
gw_caller_get_token_scope (GwCaller *self)
{
  g_return_val_if_fail (GW_IS_CALLER (self), NULL);
  return self->token_scope;
}

gboolean
gw_caller_has_rights (GwCaller *self,
                      GwRights  rights)
{
  g_return_val_if_fail (GW_IS_CALLER (self), FALSE);
  return (self->rights & rights) == rights;
}

gboolean
gw_caller_authorize (GwCaller    *self,
                     GwOperation  operation,
                     GError     **error)
{
  GwRights needed = gw_operation_get_rights (operation, NULL);
  GwRights missing;

  g_return_val_if_fail (GW_IS_CALLER (self), FALSE);

  missing = needed & ~self->rights;
  if (operation == GW_OPERATION_UNKNOWN) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED,
                 _("Not authorised: this operation is not in the table of rights"));
    return FALSE;
  }
  if (missing == GW_RIGHT_NONE)
    return TRUE;
  /* Name the first right missing: the one to grant first. */
  for (guint bit = 1; bit <= GW_RIGHT_READ_LOG; bit <<= 1) {
    if ((missing & bit) == 0)
      continue;
    g_info ("uid %u (%s%s%s) lacks the right %s for %s", self->uid, self->door,
            self->program != NULL ? " " : "", self->program != NULL ? self->program : "",
            gw_right_get_name (bit), gw_operation_get_name (operation));
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED,
                 _("Not authorised for %s: it needs the right “%s”"),
                 gw_operation_get_name (operation), gw_right_get_name (bit));
    break;
  }
  return FALSE;
}

gboolean
gw_caller_may_see (GwCaller *self,
                   guint     owner_uid)
{
  g_return_val_if_fail (GW_IS_CALLER (self), FALSE);
  return owner_uid == self->uid || (self->rights & GW_RIGHT_READ_LOG) != 0;
}
