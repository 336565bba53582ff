/* gw-fax-http.c: a JSON fax API over HTTPS (placeholder, see below) */
#define G_LOG_DOMAIN "gw-fax"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "gw-fax-backend.h"

static gboolean
http_validate_profile (GwTransport *transport,
                       GwProfile   *profile,
                       GError     **error)
{
  return gw_fax_require_key (profile, "fax-api-url", error) &&
         gw_fax_require_key (profile, "fax-api-key", error);
}

static char *
http_describe (GwProfile *profile)
{
  return g_strdup_printf ("fax http %s", gw_profile_get_string (profile, "fax-api-url"));
}

static void
http_deliver (GwTransport  *transport,
              GwProfile    *profile,
              GwEnvelope   *envelope,
              GwFaxContent *content,
              GTask        *task)
{
  g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                           _("The http fax backend is not available yet"));
  g_object_unref (task);
}

const GwFaxBackend gw_fax_http_backend = {
  .name = "http",
  .validate_profile = http_validate_profile,
  .describe = http_describe,
  .deliver = http_deliver,
};
