/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hb-config.c: the desktop bridge's keyfile
 *
 *   [bridge]
 *   mode=forward            # forward, monitor or forward;monitor
 *   own-notifications-name=false
 *   bus-name=org.herald.DesktopBridge
 *   gateway-bus=auto        # auto, session or system
 *   coalesce-window=30      # seconds, fractions allowed; 0 turns it off
 *   coalesce-max-delay=300  # seconds
 *   replace-window=60       # seconds
 *   html=false
 *   tags=desktop-bridge
 */
#define G_LOG_DOMAIN "hb-config"

#include "config.h"

#include "hb-config.h"

#include <glib/gi18n.h>

#define GROUP "bridge"

HbConfig *
hb_config_new_default (void)
{
  HbConfig *self = g_new0 (HbConfig, 1);
  const char *tags[] = { "desktop-bridge", NULL };

  self->mode = HB_MODE_FORWARD;
  self->bus_name = g_strdup ("org.herald.DesktopBridge");
  self->gateway_bus = G_BUS_TYPE_NONE;
  self->coalesce_window_ms = 30 * 1000;
  self->coalesce_max_delay_ms = 300 * 1000;
  self->replace_window_ms = 60 * 1000;
  self->tags = g_strdupv ((char **) tags);
  return self;
}

void
hb_config_free (HbConfig *self)
{
  if (self == NULL)
    return;
  g_free (self->bus_name);
  g_strfreev (self->tags);
  g_free (self);
}

char *
hb_config_default_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "herald", "desktop-bridge.conf", NULL);
}

/* Reads a duration in seconds (fractions allowed) as milliseconds. */
static gboolean
read_seconds (GKeyFile   *file,
              const char *key,
              guint      *ms,
              GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  double seconds = g_key_file_get_double (file, GROUP, key, &local_error);

  if (g_error_matches (local_error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND))
    return TRUE;
  if (local_error != NULL || seconds < 0 || seconds > 86400) {
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                 _("“%s” must be a number of seconds from 0 to 86400"), key);
    return FALSE;
  }
  *ms = (guint) (seconds * 1000 + 0.5);
  return TRUE;
}

static gboolean
read_mode (GKeyFile *file,
           HbMode   *mode,
           GError  **error)
{
  g_auto(GStrv) modes = g_key_file_get_string_list (file, GROUP, "mode", NULL, NULL);

  if (modes == NULL)
    return TRUE;
  *mode = 0;
  for (guint i = 0; modes[i] != NULL; i++) {
    g_strstrip (modes[i]);
    if (g_str_equal (modes[i], "forward")) {
      *mode |= HB_MODE_FORWARD;
    } else if (g_str_equal (modes[i], "monitor")) {
      *mode |= HB_MODE_MONITOR;
    } else {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   _("“mode” must be forward, monitor or both, not “%s”"), modes[i]);
      return FALSE;
    }
  }
  if (*mode == 0) {
    g_set_error_literal (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                         _("“mode” must name forward, monitor or both"));
    return FALSE;
  }
  return TRUE;
}

static gboolean
read_gateway_bus (GKeyFile *file,
                  GBusType *bus,
                  GError  **error)
{
  g_autofree char *value = g_key_file_get_string (file, GROUP, "gateway-bus", NULL);

  if (value == NULL || g_str_equal (value, "auto"))
    *bus = G_BUS_TYPE_NONE;
  else if (g_str_equal (value, "session"))
    *bus = G_BUS_TYPE_SESSION;
  else if (g_str_equal (value, "system"))
    *bus = G_BUS_TYPE_SYSTEM;
  else {
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                 _("“gateway-bus” must be auto, session or system, not “%s”"), value);
    return FALSE;
  }
  return TRUE;
}

static gboolean
read_boolean (GKeyFile   *file,
              const char *key,
              gboolean   *value,
              GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean read = g_key_file_get_boolean (file, GROUP, key, &local_error);

  if (g_error_matches (local_error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND))
    return TRUE;
  if (local_error != NULL) {
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                 _("“%s” must be true or false"), key);
    return FALSE;
  }
  *value = read;
  return TRUE;
}

static gboolean
check_keys (GKeyFile *file,
            GError  **error)
{
  const char *known[] = { "mode", "own-notifications-name", "bus-name", "gateway-bus",
                          "coalesce-window", "coalesce-max-delay", "replace-window",
                          "html", "tags", NULL };
  g_auto(GStrv) keys = g_key_file_get_keys (file, GROUP, NULL, NULL);

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++) {
    if (!g_strv_contains (known, keys[i])) {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                   _("Unknown key “%s” in [%s]"), keys[i], GROUP);
      return FALSE;
    }
  }
  return TRUE;
}

HbConfig *
hb_config_load (const char *path,
                gboolean    optional,
                GError    **error)
{
  g_autoptr(HbConfig) self = hb_config_new_default ();
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *bus_name = NULL;
  g_auto(GStrv) tags = NULL;

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &local_error)) {
    if (optional && g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      return g_steal_pointer (&self);
    g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "%s: ", path);
    return NULL;
  }
  if (!check_keys (file, &local_error) ||
      !read_mode (file, &self->mode, &local_error) ||
      !read_boolean (file, "own-notifications-name", &self->own_notifications_name, &local_error) ||
      !read_gateway_bus (file, &self->gateway_bus, &local_error) ||
      !read_seconds (file, "coalesce-window", &self->coalesce_window_ms, &local_error) ||
      !read_seconds (file, "coalesce-max-delay", &self->coalesce_max_delay_ms, &local_error) ||
      !read_seconds (file, "replace-window", &self->replace_window_ms, &local_error) ||
      !read_boolean (file, "html", &self->html, &local_error)) {
    g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "%s: ", path);
    return NULL;
  }
  bus_name = g_key_file_get_string (file, GROUP, "bus-name", NULL);
  if (bus_name != NULL) {
    if (!g_dbus_is_name (bus_name) || g_dbus_is_unique_name (bus_name)) {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   _("%s: “bus-name” is not a well-known D-Bus name"), path);
      return NULL;
    }
    g_free (self->bus_name);
    self->bus_name = g_steal_pointer (&bus_name);
  }
  tags = g_key_file_get_string_list (file, GROUP, "tags", NULL, NULL);
  if (tags != NULL) {
    g_strfreev (self->tags);
    self->tags = g_steal_pointer (&tags);
  }
  return g_steal_pointer (&self);
}
