/* test-authority.c: the table of D-Bus methods and polkit actions (issue 6)
 *
 * Every method of org.herald.Gateway1 must have an action (a method added
 * to the interface without one is refused on the system bus), and every
 * action must be declared in data/org.herald.gateway.policy with the
 * defaults the deployment promises.
 */
#define G_LOG_DOMAIN "test-authority"

#include "config.h"

#include <string.h>

#include "gw-authority.h"
#include "gw-dbus-generated.h"

static void
test_every_method_has_an_action (void)
{
  GDBusInterfaceInfo *info = gw_dbus_gateway1_interface_info ();

  for (guint i = 0; info->methods[i] != NULL; i++) {
    const char *method = info->methods[i]->name;

    if (gw_authority_action_for_method (method, NULL) == GW_ACTION_UNKNOWN)
      g_test_fail_printf ("method %s has no polkit action in gw-authority.c", method);
  }
  g_assert_cmpint (gw_authority_action_for_method ("NoSuchMethod", NULL), ==, GW_ACTION_UNKNOWN);
}

static void
test_per_caller_methods (void)
{
  const char * const per_caller[] = { "GetDelivery", "ListDeliveries", "Cancel", "Retry", NULL };
  gboolean flag = FALSE;

  for (guint i = 0; per_caller[i] != NULL; i++) {
    g_assert_cmpint (gw_authority_action_for_method (per_caller[i], &flag), ==, GW_ACTION_SEND);
    g_assert_true (flag);
  }
  g_assert_cmpint (gw_authority_action_for_method ("Send", &flag), ==, GW_ACTION_SEND);
  g_assert_false (flag);
  g_assert_cmpint (gw_authority_action_for_method ("TrustCertificate", NULL), ==, GW_ACTION_MANAGE_TRUST);
  g_assert_cmpint (gw_authority_action_for_method ("SetSecret", NULL), ==, GW_ACTION_MANAGE_PROFILES);
  g_assert_cmpint (gw_authority_action_for_method ("ListUntrustedCertificates", NULL), ==, GW_ACTION_READ_LOG);
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
    GwAction    action;
    const char *active, *inactive, *any;
  } defaults[] = {
    { GW_ACTION_SEND, "yes", "yes", "yes" },
    { GW_ACTION_MANAGE_PROFILES, "auth_admin_keep", "auth_admin_keep", "auth_admin_keep" },
    { GW_ACTION_MANAGE_TRUST, "auth_admin", "auth_admin", "auth_admin" },
    { GW_ACTION_READ_LOG, "auth_admin_keep", "auth_admin_keep", "auth_admin_keep" },
  };
  g_autofree char *policy = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (HERALD_POLICY_FILE, &policy, NULL, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (defaults); i++) {
    const char *id = gw_action_get_id (defaults[i].action);
    g_autofree char *text = action_text (policy, id);
    g_autofree char *active = g_strdup_printf ("<allow_active>%s</allow_active>", defaults[i].active);
    g_autofree char *inactive = g_strdup_printf ("<allow_inactive>%s</allow_inactive>", defaults[i].inactive);
    g_autofree char *any = g_strdup_printf ("<allow_any>%s</allow_any>", defaults[i].any);

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
  g_test_add_func ("/authority/policy-file", test_policy_file);
  return g_test_run ();
}
