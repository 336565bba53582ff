/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-intake-test.c: the message TestProfile sends, made by the intake like
 * any other, so that no door composes on its own */
#define G_LOG_DOMAIN "gw-intake"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-composer.h"
#include "gw-intake-private.h"

GwEnvelope *
gw_intake_compose_test (GwIntake     *self,
                        GwCaller     *caller,
                        const char   *profile_name,
                        const char   *recipient,
                        GwProfile   **profile,
                        GwTransport **transport,
                        GError      **error)
{
  g_autoptr(GwNotification) n = NULL;

  g_return_val_if_fail (GW_IS_INTAKE (self), NULL);

  if (!gw_caller_authorize (caller, GW_OPERATION_TEST_PROFILE, error))
    return NULL;
  if (!gw_profile_name_is_valid (profile_name)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                 _("“%s” is not a valid profile name: use 1 to 64 letters, digits, “.”, “_” or “-”, "
                   "starting with a letter or digit"),
                 profile_name);
    return NULL;
  }
  *profile = gw_profile_store_lookup (self->profiles, profile_name);
  if (*profile == NULL) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_NO_SUCH_PROFILE, _("No profile is named “%s”"), profile_name);
    return NULL;
  }
  *transport = gw_plugin_loader_lookup (self->plugins, gw_profile_get_transport (*profile));
  if (*transport == NULL) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_TRANSPORT_UNAVAILABLE,
                 _("Profile “%s” uses transport “%s”, which is not installed"),
                 profile_name, gw_profile_get_transport (*profile));
    return NULL;
  }
  if (!gw_check_header_text ("recipient", recipient, error))
    return NULL;
  n = gw_notification_new ();
  n->to = g_strdupv ((char *[]){ (char *) recipient, NULL });
  n->subject = g_strdup_printf (_("Herald test message from profile “%s”"), profile_name);
  n->body = g_strdup_printf (_("This message tests the Herald profile “%s” on %s.\n"),
                             profile_name, g_get_host_name ());
  n->app_name = g_strdup ("herald-test");
  return gw_composer_compose (*profile, n, error);
}
