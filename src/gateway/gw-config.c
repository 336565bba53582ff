/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-config.c: where the daemon keeps its state, and heraldd.conf */
#define G_LOG_DOMAIN "gw-config"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "herald-error.h"
#include "gw-config.h"
#include "gw-config-quantity.h"
#include "gw-http-api-settings.h"
#include "gw-profile-schema.h"
#include "gw-sendmail-config.h"
#include "gw-units.h"

#define DEFAULT_PROFILE  "local"
#define DEFAULT_LOG_DAYS 30
#define DEFAULT_HTTP_ADDRESS "127.0.0.1"
#define DEFAULT_LINK_DAYS 7

/* Per-caller quotas (docs/security.md, "A local user: quotas"): far above
 * what an application sends, reached within seconds by a loop. 10,000
 * waiting deliveries hold a notification a minute through the whole
 * default expire-after (5 days: 7,200); 1 GiB holds a 10 MiB report a day
 * through the default delivery-log-days (30) three times over, and 16
 * notifications with the largest attachments (64 MiB); 300 Send calls a
 * minute, all at once if need be, is 5 a second for as long as it lasts. */
#define DEFAULT_MAX_QUEUED_DELIVERIES 10000
#define DEFAULT_MAX_STORED_MIB        1024
#define DEFAULT_MAX_SENDS_PER_MINUTE  300
#define MIB                           (G_GUINT64_CONSTANT (1024) * 1024)

struct _GwConfig {
  GObject   parent_instance;
  gboolean  system_bus;
  char     *state_dir;
  char     *config_dir;
  char     *default_profile;
  char     *default_maildir;
  guint     log_days;
  /* [http]: the built-in HTTP server (attachment links, webhooks) */
  gboolean  http_enabled;
  char     *http_address;
  guint     http_port;
  char     *http_public_url;
  char     *http_tls_certificate;
  char     *http_tls_key;
  guint     link_days;
  /* [quotas] */
  guint64   max_queued_deliveries;
  guint64   max_stored_bytes;
  guint     max_sends_per_minute;
  GwHttpLimits http_limits;
  GwSendmailConfig sendmail;   /* [sendmail], [aliases] */
  GwHttpApiSettings api;   /* the HTTP API's keys of [http] */
};

G_DEFINE_FINAL_TYPE (GwConfig, gw_config, G_TYPE_OBJECT)

static void
gw_config_finalize (GObject *object)
{
  GwConfig *self = GW_CONFIG (object);

  g_free (self->state_dir);
  g_free (self->config_dir);
  g_free (self->default_profile);
  g_free (self->default_maildir);
  g_free (self->http_address);
  g_free (self->http_public_url);
  g_free (self->http_tls_certificate);
  g_free (self->http_tls_key);
  gw_sendmail_config_clear (&self->sendmail);
  G_OBJECT_CLASS (gw_config_parent_class)->finalize (object);
}

static void
gw_config_class_init (GwConfigClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_config_finalize;
}

static void
gw_config_init (GwConfig *self)
{
  self->default_profile = g_strdup (DEFAULT_PROFILE);
  self->log_days = DEFAULT_LOG_DAYS;
  self->http_address = g_strdup (DEFAULT_HTTP_ADDRESS);
  self->link_days = DEFAULT_LINK_DAYS;
  self->max_queued_deliveries = DEFAULT_MAX_QUEUED_DELIVERIES;
  self->max_stored_bytes = DEFAULT_MAX_STORED_MIB * MIB;
  self->max_sends_per_minute = DEFAULT_MAX_SENDS_PER_MINUTE;
  gw_http_limits_init (&self->http_limits);
  gw_http_api_settings_init (&self->api);
}

gboolean
gw_config_ensure_directory (const char *path,
                            GError    **error)
{
  if (g_mkdir_with_parents (path, 0700) != 0) {
    int saved_errno = errno;
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE,
                 _("Cannot create directory %s: %s"), path, g_strerror (saved_errno));
    return FALSE;
  }
  return TRUE;
}

/* A file named in the config: relative paths are relative to the config
 * directory, so a config directory can be moved as a whole. */
static char *
config_path (GwConfig   *self,
             const char *value)
{
  if (g_path_is_absolute (value))
    return g_strdup (value);
  return g_build_filename (self->config_dir, value, NULL);
}

/* [http]: the server runs only when the group sets "port" (0 picks a free
 * port), so a default install opens no socket. */
static gboolean
gw_config_load_http (GwConfig   *self,
                     GKeyFile   *keyfile,
                     const char *path,
                     GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *address = NULL;
  g_autofree char *public_url = NULL;
  g_autofree char *certificate = NULL;
  g_autofree char *key = NULL;

  if (g_key_file_has_key (keyfile, "http", "port", NULL)) {
    gint64 port = g_key_file_get_int64 (keyfile, "http", "port", &local_error);
    if (local_error != NULL || port < 0 || port > 65535) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                   _("%s: [http] port must be a number from 0 to 65535"), path);
      return FALSE;
    }
    self->http_enabled = TRUE;
    self->http_port = (guint) port;
  }
  address = g_key_file_get_string (keyfile, "http", "listen-address", NULL);
  if (address != NULL) {
    if (!g_hostname_is_ip_address (address)) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                   _("%s: [http] listen-address must be an IP address, not “%s”"), path, address);
      return FALSE;
    }
    g_free (self->http_address);
    self->http_address = g_steal_pointer (&address);
  }
  public_url = g_key_file_get_string (keyfile, "http", "public-url", NULL);
  if (public_url != NULL) {
    g_autoptr(GUri) uri = g_uri_parse (public_url, G_URI_FLAGS_NONE, NULL);
    const char *scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;

    if (uri == NULL || g_uri_get_host (uri) == NULL || g_uri_get_query (uri) != NULL ||
        g_uri_get_fragment (uri) != NULL ||
        (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0)) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                   _("%s: [http] public-url must be an http:// or https:// URL without query, not “%s”"),
                   path, public_url);
      return FALSE;
    }
    /* Links are made by appending "/a/..." */
    while (g_str_has_suffix (public_url, "/"))
      public_url[strlen (public_url) - 1] = '\0';
    self->http_public_url = g_steal_pointer (&public_url);
  }
  certificate = g_key_file_get_string (keyfile, "http", "tls-certificate", NULL);
  key = g_key_file_get_string (keyfile, "http", "tls-key", NULL);
  if ((certificate == NULL) != (key == NULL)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                 _("%s: [http] needs both tls-certificate and tls-key, or neither"), path);
    return FALSE;
  }
  if (certificate != NULL) {
    self->http_tls_certificate = config_path (self, certificate);
    self->http_tls_key = config_path (self, key);
  }
  {
    guint64 seconds = (guint64) self->link_days * GW_UNIT_DAY;

    if (!gw_config_read_quantity (keyfile, path, "http", "attachment-link-days", GW_QUANTITY_DURATION,
                                  GW_UNIT_DAY, GW_UNIT_DAY, 365 * GW_UNIT_DAY, &seconds, error))
      return FALSE;
    self->link_days = (guint) (seconds / GW_UNIT_DAY);
  }
  if (!gw_http_limits_load (&self->http_limits, keyfile, path, error))
    return FALSE;
  return gw_http_api_settings_load (&self->api, keyfile, path, self->http_address,
                                    self->http_tls_certificate != NULL, error);
}

/* One [quotas] key: a whole number from 0 (no limit) to @max. */
static gboolean
load_quota (GKeyFile   *keyfile,
            const char *path,
            const char *key,
            guint64     max,
            guint64    *value,
            GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *text = NULL;
  guint64 number;

  if (!g_key_file_has_key (keyfile, "quotas", key, NULL))
    return TRUE;
  text = g_key_file_get_value (keyfile, "quotas", key, NULL);
  g_strstrip (text);
  if (!g_ascii_string_to_unsigned (text, 10, 0, max, &number, &local_error)) {
    g_autofree char *max_text = g_strdup_printf ("%" G_GUINT64_FORMAT, max);

    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                 _("%s: [quotas] %s must be a whole number from 0 (no limit) to %s, not “%s”"),
                 path, key, max_text, text);
    return FALSE;
  }
  *value = number;
  return TRUE;
}

static gboolean
gw_config_load_quotas (GwConfig   *self,
                       GKeyFile   *keyfile,
                       const char *path,
                       GError    **error)
{
  guint64 sends = self->max_sends_per_minute;

  /* max-stored-mib: a plain number counts MiB, as it always did; "2G"
   * and the other forms of gw-units.c work too. */
  if (!load_quota (keyfile, path, "max-queued-deliveries", G_MAXUINT32,
                   &self->max_queued_deliveries, error) ||
      !gw_config_read_quantity (keyfile, path, "quotas", "max-stored-mib", GW_QUANTITY_SIZE, GW_UNIT_MIB,
                                0, G_MAXUINT32 * MIB, &self->max_stored_bytes, error) ||
      !load_quota (keyfile, path, "max-sends-per-minute", 1000000, &sends, error))
    return FALSE;
  self->max_sends_per_minute = (guint) sends;
  return TRUE;
}

static gboolean
gw_config_load_file (GwConfig *self,
                     GError  **error)
{
  g_autofree char *path = g_build_filename (self->config_dir, "heraldd.conf", NULL);
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *profile = NULL;

  if (!g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, &local_error)) {
    if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      return TRUE;
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                 _("Cannot read %s: %s"), path, local_error->message);
    return FALSE;
  }
  profile = g_key_file_get_string (keyfile, "gateway", "default-profile", NULL);
  if (profile != NULL) {
    if (!gw_profile_name_is_valid (profile)) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                   _("%s: “%s” is not a valid profile name for default-profile"), path, profile);
      return FALSE;
    }
    g_free (self->default_profile);
    self->default_profile = g_steal_pointer (&profile);
  }
  {
    guint64 seconds = (guint64) self->log_days * GW_UNIT_DAY;

    if (!gw_config_read_quantity (keyfile, path, "gateway", "delivery-log-days", GW_QUANTITY_DURATION,
                                  GW_UNIT_DAY, GW_UNIT_DAY, 3650 * GW_UNIT_DAY, &seconds, error))
      return FALSE;
    self->log_days = (guint) (seconds / GW_UNIT_DAY);
  }
  return gw_config_load_http (self, keyfile, path, error) &&
         gw_config_load_quotas (self, keyfile, path, error) &&
         gw_sendmail_config_load (&self->sendmail, keyfile, path, self->config_dir, error);
}

GwConfig *
gw_config_new (gboolean    system_bus,
               const char *state_dir,
               const char *config_dir,
               GError    **error)
{
  g_autoptr(GwConfig) self = g_object_new (GW_TYPE_CONFIG, NULL);

  self->system_bus = system_bus;
  if (state_dir != NULL)
    self->state_dir = g_canonicalize_filename (state_dir, NULL);
  else if (system_bus)
    self->state_dir = g_strdup (HERALD_LOCALSTATEDIR);
  else
    self->state_dir = g_build_filename (g_get_user_data_dir (), "herald", NULL);

  if (config_dir != NULL)
    self->config_dir = g_canonicalize_filename (config_dir, NULL);
  else if (system_bus)
    self->config_dir = g_strdup (HERALD_SYSCONFDIR);
  else
    self->config_dir = g_build_filename (g_get_user_config_dir (), "herald", NULL);

  /* In the state directory, so that --state-dir moves it too (a scratch
   * daemon writes nothing into the user's own $XDG_DATA_HOME/herald). */
  self->default_maildir = g_build_filename (self->state_dir, "Maildir", NULL);

  gw_sendmail_config_init (&self->sendmail, system_bus);
  if (!gw_config_ensure_directory (self->state_dir, error))
    return NULL;
  if (!gw_config_load_file (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

gboolean
gw_config_get_system_bus (GwConfig *self)
{
  return self->system_bus;
}

const char *
gw_config_get_state_dir (GwConfig *self)
{
  return self->state_dir;
}

const char *
gw_config_get_config_dir (GwConfig *self)
{
  return self->config_dir;
}

const char *
gw_config_get_default_profile (GwConfig *self)
{
  return self->default_profile;
}

const char *
gw_config_get_default_maildir (GwConfig *self)
{
  return self->default_maildir;
}

guint
gw_config_get_log_days (GwConfig *self)
{
  return self->log_days;
}

gboolean
gw_config_get_http_enabled (GwConfig *self)
{
  return self->http_enabled;
}

const char *
gw_config_get_http_listen_address (GwConfig *self)
{
  return self->http_address;
}

guint
gw_config_get_http_port (GwConfig *self)
{
  return self->http_port;
}

const char *
gw_config_get_http_public_url (GwConfig *self)
{
  return self->http_public_url;
}

const char *
gw_config_get_http_tls_certificate (GwConfig *self)
{
  return self->http_tls_certificate;
}

const char *
gw_config_get_http_tls_key (GwConfig *self)
{
  return self->http_tls_key;
}

guint
gw_config_get_attachment_link_days (GwConfig *self)
{
  return self->link_days;
}

guint64
gw_config_get_max_queued_deliveries (GwConfig *self)
{
  return self->max_queued_deliveries;
}

guint64
gw_config_get_max_stored_bytes (GwConfig *self)
{
  return self->max_stored_bytes;
}

guint
gw_config_get_max_sends_per_minute (GwConfig *self)
{
  return self->max_sends_per_minute;
}

const GwHttpLimits *
gw_config_get_http_limits (GwConfig *self)
{
  return &self->http_limits;
}

const GwSendmailConfig *
gw_config_get_sendmail (GwConfig *self)
{
  return &self->sendmail;
}

const GwHttpApiSettings *
gw_config_get_http_api_settings (GwConfig *self)
{
  return &self->api;
}
