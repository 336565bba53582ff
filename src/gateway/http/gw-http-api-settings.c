/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-http-api-settings.c: heraldd.conf [http] keys of the HTTP API */
#define G_LOG_DOMAIN "gw-config"

#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-config-quantity.h"
#include "gw-http-api-settings.h"
#include "gw-units.h"

void
gw_http_api_settings_init (GwHttpApiSettings *settings)
{
  settings->enabled = FALSE;
  settings->max_body_size = GW_HTTP_API_DEFAULT_MAX_BODY;
  settings->metrics_require_token = FALSE;
  settings->allow_plain_http = FALSE;
  settings->min_free_space = GW_HTTP_API_DEFAULT_MIN_FREE;
}

static gboolean
load_boolean (GKeyFile   *keyfile,
              const char *path,
              const char *key,
              gboolean   *value,
              GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean parsed;

  if (!g_key_file_has_key (keyfile, "http", key, NULL))
    return TRUE;
  parsed = g_key_file_get_boolean (keyfile, "http", key, &local_error);
  if (local_error != NULL) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                 _("%s: [http] %s must be true or false"), path, key);
    return FALSE;
  }
  *value = parsed;
  return TRUE;
}

/* A size in bytes, in the forms of gw-units.c (16777216, 16M, 16 MiB). */
static gboolean
load_size (GKeyFile   *keyfile,
           const char *path,
           const char *key,
           guint64     min,
           guint64     max,
           guint64    *value,
           GError    **error)
{
  return gw_config_read_quantity (keyfile, path, "http", key, GW_QUANTITY_SIZE, GW_UNIT_BYTE,
                                  min, max, value, error);
}

static gboolean
is_loopback (const char *address)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);

  return inet != NULL && g_inet_address_get_is_loopback (inet);
}

gboolean
gw_http_api_settings_load (GwHttpApiSettings *settings,
                           GKeyFile          *keyfile,
                           const char        *path,
                           const char        *listen_address,
                           gboolean           tls,
                           GError           **error)
{
  if (!load_boolean (keyfile, path, "api", &settings->enabled, error) ||
      !load_boolean (keyfile, path, "metrics-require-token", &settings->metrics_require_token, error) ||
      !load_boolean (keyfile, path, "api-allow-plain-http", &settings->allow_plain_http, error) ||
      !load_size (keyfile, path, "api-max-body-size", GW_HTTP_API_MIN_MAX_BODY, GW_HTTP_API_MAX_MAX_BODY,
                  &settings->max_body_size, error) ||
      !load_size (keyfile, path, "ready-min-free-space", 0, G_MAXINT64, &settings->min_free_space, error))
    return FALSE;
  /* Bearer tokens must not cross a network in the clear by accident. */
  if (settings->enabled && !tls && !settings->allow_plain_http && !is_loopback (listen_address)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                 _("%s: [http] api=true on %s, which is not a loopback address, needs "
                   "tls-certificate and tls-key, or api-allow-plain-http=true"),
                 path, listen_address);
    return FALSE;
  }
  return TRUE;
}
