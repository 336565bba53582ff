/* gw-config.c: where the daemon keeps its state, and heraldd.conf */
#define G_LOG_DOMAIN "gw-config"

#include "config.h"

#include <errno.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "herald-error.h"
#include "gw-config.h"
#include "gw-profile-schema.h"

#define DEFAULT_PROFILE  "local"
#define DEFAULT_LOG_DAYS 30

struct _GwConfig {
  GObject   parent_instance;
  gboolean  system_bus;
  char     *state_dir;
  char     *config_dir;
  char     *default_profile;
  char     *default_maildir;
  guint     log_days;
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
  if (g_key_file_has_key (keyfile, "gateway", "delivery-log-days", NULL)) {
    gint64 days = g_key_file_get_int64 (keyfile, "gateway", "delivery-log-days", &local_error);
    if (local_error != NULL || days < 1 || days > 3650) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                   _("%s: delivery-log-days must be a number of days from 1 to 3650"), path);
      return FALSE;
    }
    self->log_days = (guint) days;
  }
  return TRUE;
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

  /* The default Maildir is the user's own on the session bus. */
  if (system_bus)
    self->default_maildir = g_build_filename (self->state_dir, "Maildir", NULL);
  else
    self->default_maildir = g_build_filename (g_get_user_data_dir (), "herald", "Maildir", NULL);

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
