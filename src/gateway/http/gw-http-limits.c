/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-http-limits.c: what one client may cost Herald's HTTP server */
#define G_LOG_DOMAIN "gw-http-limits"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-config-quantity.h"
#include "gw-http-limits.h"
#include "gw-units.h"

void
gw_http_limits_init (GwHttpLimits *limits)
{
  limits->max_connections = GW_HTTP_DEFAULT_MAX_CONNECTIONS;
  limits->header_timeout = GW_HTTP_DEFAULT_HEADER_TIMEOUT;
  limits->body_timeout = GW_HTTP_DEFAULT_BODY_TIMEOUT;
  limits->idle_timeout = GW_HTTP_DEFAULT_IDLE_TIMEOUT;
  limits->max_body_size = GW_HTTP_DEFAULT_MAX_BODY_SIZE;
}

/* An unsigned key within [min, max]; untouched when absent. */
static gboolean
load_number (GKeyFile   *keyfile,
             const char *path,
             const char *key,
             guint64     min,
             guint64     max,
             guint64    *value,
             GError    **error)
{
  g_autofree char *text = g_key_file_get_value (keyfile, "http", key, NULL);
  guint64 number = 0;

  if (text == NULL)
    return TRUE;
  g_strstrip (text);
  if (!g_ascii_string_to_unsigned (text, 10, min, max, &number, NULL)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                 _("%s: [http] %s must be a number from %" G_GUINT64_FORMAT
                   " to %" G_GUINT64_FORMAT ", not “%s”"), path, key, min, max, text);
    return FALSE;
  }
  *value = number;
  return TRUE;
}

/* A timeout: 1 second to 1 hour, in the forms of gw-units.c (10, 10s, 1m). */
static gboolean
load_timeout (GKeyFile   *keyfile,
              const char *path,
              const char *key,
              guint64    *value,
              GError    **error)
{
  return gw_config_read_quantity (keyfile, path, "http", key, GW_QUANTITY_DURATION, GW_UNIT_SECOND,
                                  1, 3600, value, error);
}

gboolean
gw_http_limits_load (GwHttpLimits *limits,
                     GKeyFile     *keyfile,
                     const char   *path,
                     GError      **error)
{
  guint64 connections = limits->max_connections;
  guint64 header = limits->header_timeout;
  guint64 body = limits->body_timeout;
  guint64 idle = limits->idle_timeout;
  guint64 body_size = limits->max_body_size;

  if (!load_number (keyfile, path, "max-connections", 1, 100000, &connections, error) ||
      !load_timeout (keyfile, path, "header-timeout", &header, error) ||
      !load_timeout (keyfile, path, "body-timeout", &body, error) ||
      !load_timeout (keyfile, path, "idle-timeout", &idle, error) ||
      !gw_config_read_quantity (keyfile, path, "http", "max-body-size", GW_QUANTITY_SIZE, GW_UNIT_BYTE,
                                1024, G_GUINT64_CONSTANT (1) << 32, &body_size, error))
    return FALSE;
  limits->max_connections = (guint) connections;
  limits->header_timeout = (guint) header;
  limits->body_timeout = (guint) body;
  limits->idle_timeout = (guint) idle;
  limits->max_body_size = body_size;
  return TRUE;
}
