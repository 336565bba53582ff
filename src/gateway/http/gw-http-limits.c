/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-http-limits.c: what one client may cost Herald's HTTP server */
#define G_LOG_DOMAIN "gw-http-limits"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-http-limits.h"

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
      !load_number (keyfile, path, "header-timeout", 1, 3600, &header, error) ||
      !load_number (keyfile, path, "body-timeout", 1, 3600, &body, error) ||
      !load_number (keyfile, path, "idle-timeout", 1, 3600, &idle, error) ||
      !load_number (keyfile, path, "max-body-size", 1024, G_GUINT64_CONSTANT (1) << 32,
                    &body_size, error))
    return FALSE;
  limits->max_connections = (guint) connections;
  limits->header_timeout = (guint) header;
  limits->body_timeout = (guint) body;
  limits->idle_timeout = (guint) idle;
  limits->max_body_size = body_size;
  return TRUE;
}
