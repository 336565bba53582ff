/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-authority.c: the table of D-Bus methods, the shared table of rights
 * and the polkit actions (issues 6 and 12)
 *
 * Every method of org.herald.Gateway1 must be an operation of the shared
 * table (a method added to the interface without one is refused), every
 * right must be a polkit action declared in data/org.herald.gateway.policy
 * with the defaults the deployment promises, and a GwCaller is refused
 * whatever its door when it lacks a right its operation needs.
 */
#define G_LOG_DOMAIN "test-authority"

#include "config.h"

#include <string.h>

#include "herald-error.h"
#include "gw-authority.h"
#include "gw-caller.h"
#include "gw-dbus-generated.h"

static void
test_every_method_has_an_action (void)
{
  GDBusInterfaceInfo *info = gw_dbus_gateway1_interface_info ();

  for (guint i = 0; info->methods[i] != NULL; i++) {
    const char *method = info->methods[i]->name;
    GwOperation operation = gw_authority_operation_for_method (method);
    GwRights rights = gw_operation_get_rights (operation, NULL);

    if (operation == GW_OPERATION_UNKNOWN)
      g_test_fail_printf ("method %s has no operation in gw-authority.c", method);
    /* Each right it needs is a polkit action. */
    for (guint bit = 1; bit <= GW_RIGHT_READ_LOG; bit <<= 1) {
      if ((rights & bit) != 0 && g_str_has_suffix (gw_authority_get_action_id (bit), ".unknown"))
        g_test_fail_printf ("method %s needs a right without a polkit action", method);
    }
  }
  g_assert_cmpint (gw_authority_operation_for_method ("NoSuchMethod"), ==, GW_OPERATION_UNKNOWN);
}

static void
test_per_caller_methods (void)
{
  const char * const per_caller[] = { "GetDelivery", "ListDeliveries", "Cancel", "Retry",
                                      "GetQuota", NULL };
  gboolean flag = FALSE;

  for (guint i = 0; per_caller[i] != NULL; i++) {
    GwOperation operation = gw_authority_operation_for_method (per_caller[i]);

    g_assert_cmpint (gw_operation_get_rights (operation, &flag), ==, GW_RIGHT_SEND);
    g_assert_true (flag);
  }
  g_assert_cmpint (gw_operation_get_rights (gw_authority_operation_for_method ("Send"), &flag),
                   ==, GW_RIGHT_SEND);
  g_assert_false (flag);
  g_assert_cmpint (gw_operation_get_rights (gw_authority_operation_for_method ("TrustCertificate"), NULL),
                   ==, GW_RIGHT_MANAGE_TRUST);
  g_assert_cmpint (gw_operation_get_rights (gw_authority_operation_for_method ("SetSecret"), NULL),
                   ==, GW_RIGHT_MANAGE_PROFILES);
  g_assert_cmpint (gw_operation_get_rights (gw_authority_operation_for_method ("ListUntrustedCertificates"), NULL),
                   ==, GW_RIGHT_READ_LOG);
  /* The redirect guard: both rights. */
  g_assert_cmpint (gw_operation_get_rights (GW_OPERATION_REDIRECT_SECRETS, NULL),
                   ==, GW_RIGHT_MANAGE_PROFILES | GW_RIGHT_MANAGE_TRUST);
}

/* Whatever the door, a caller without the right an operation needs is
 * refused, naming the right; one with it passes. */
static void
test_caller_rights (void)
{
  g_autoptr(GwCaller) sender = gw_caller_new (1000, "http", "token-1", GW_RIGHT_SEND);
  g_autoptr(GwCaller) admin = gw_caller_new (0, "dbus", ":1.5", GW_RIGHTS_ALL);
  g_autoptr(GwCaller) nobody = gw_caller_new (65534, "sendmail", NULL, GW_RIGHT_NONE);
  g_autoptr(GError) error = NULL;

  g_assert_true (gw_caller_authorize (sender, GW_OPERATION_SEND, &error));
  g_assert_no_error (error);
  g_assert_false (gw_caller_authorize (sender, GW_OPERATION_MANAGE_PROFILES, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED);
  g_assert_nonnull (strstr (error->message, "manage-profiles"));
  g_clear_error (&error);
  /* Both rights are needed: with one of them, the other is named. */
  {
    g_autoptr(GwCaller) manager = gw_caller_new (1000, "dbus", NULL, GW_RIGHT_MANAGE_PROFILES);

    g_assert_false (gw_caller_authorize (manager, GW_OPERATION_REDIRECT_SECRETS, &error));
    g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED);
    g_assert_nonnull (strstr (error->message, "manage-trust"));
    g_clear_error (&error);
  }
  g_assert_false (gw_caller_authorize (nobody, GW_OPERATION_SEND, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED);
  g_clear_error (&error);
  /* No door holds what the table does not name. */
  g_assert_false (gw_caller_authorize (admin, GW_OPERATION_UNKNOWN, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED);
  g_clear_error (&error);
  for (GwOperation op = 0; op < GW_OPERATION_UNKNOWN; op++) {
    g_assert_true (gw_caller_authorize (admin, op, &error));
    g_assert_no_error (error);
  }

  /* Deliveries and quotas: one's own, or anyone's with read-log. */
  g_assert_true (gw_caller_may_see (sender, 1000));
  g_assert_false (gw_caller_may_see (sender, 1001));
  g_assert_true (gw_caller_may_see (admin, 1001));
  g_assert_cmpuint (gw_caller_get_uid (sender), ==, 1000);
  g_assert_cmpstr (gw_caller_get_door (sender), ==, "http");
  g_assert_cmpstr (gw_caller_get_program (sender), ==, "token-1");
  g_assert_null (gw_caller_get_program (nobody));
}

/* The text of <action id="@id"> … </action> in the policy file. */
static char *
action_text (const char *policy,
             const char *id)
{
  g_autofree char *open = g_strdup_printf ("<action id=\"%s\">", id);
  const char *start = strstr (policy, open);
  const char *end = start != NULL ? strstr (start, "</action>") : NULL;

  if (end == NULL)
    return NULL;
  return g_strndup (start, end - start);
}

static void
test_policy_file (void)
{
  static const struct {
    GwRights    right;
    const char *active, *inactive, *any;
  } defaults[] = {
    { GW_RIGHT_SEND, "yes", "yes", "yes" },
    { GW_RIGHT_MANAGE_PROFILES, "auth_admin_keep", "auth_admin_keep", "auth_admin_keep" },
    { GW_RIGHT_MANAGE_TRUST, "auth_admin", "auth_admin", "auth_admin" },
    { GW_RIGHT_READ_LOG, "auth_admin_keep", "auth_admin_keep", "auth_admin_keep" },
  };
  g_autofree char *policy = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (HERALD_POLICY_FILE, &policy, NULL, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (defaults); i++) {
    const char *id = gw_authority_get_action_id (defaults[i].right);
    g_autofree char *text = action_text (policy, id);
    g_autofree char *active = g_strdup_printf ("<allow_active>%s</allow_active>", defaults[i].active);
    g_autofree char *inactive = g_strdup_printf ("<allow_inactive>%s</allow_inactive>", defaults[i].inactive);
    g_autofree char *any = g_strdup_printf ("<allow_any>%s</allow_any>", defaults[i].any);

    g_assert_cmpstr (id + strlen ("org.herald.gateway."), ==, gw_right_get_name (defaults[i].right));
    g_assert_nonnull (text);
    g_assert_nonnull (strstr (text, active));
    g_assert_nonnull (strstr (text, inactive));
    g_assert_nonnull (strstr (text, any));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/authority/every-method-has-an-action", test_every_method_has_an_action);
  g_test_add_func ("/authority/per-caller-methods", test_per_caller_methods);
  g_test_add_func ("/authority/caller-rights", test_caller_rights);
  g_test_add_func ("/authority/policy-file", test_policy_file);
  return g_test_run ();
}
