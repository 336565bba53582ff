/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-sendmail-config.c: the sendmail door's part of heraldd.conf:
 * [sendmail] and [aliases] */
#define G_LOG_DOMAIN "gw-config"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-address.h"
#include "gw-config-quantity.h"
#include "gw-sendmail-config.h"
#include "gw-units.h"

#define MAX_ALIAS_VALUE 4096

void
gw_sendmail_config_init (GwSendmailConfig *self,
                         gboolean          system_bus)
{
  memset (self, 0, sizeof *self);
  self->aliases = g_ptr_array_new_with_free_func (g_free);
  self->maildrop_directory = system_bus ? g_strdup (HERALD_MAILDROP_DIR) : NULL;
  self->maildrop_rescan_seconds = GW_SENDMAIL_DEFAULT_RESCAN_SECONDS;
}

void
gw_sendmail_config_clear (GwSendmailConfig *self)
{
  g_clear_pointer (&self->default_domain, g_free);
  g_clear_pointer (&self->admin_address, g_free);
  g_clear_pointer (&self->alias_files, g_strfreev);
  g_clear_pointer (&self->aliases, g_ptr_array_unref);
  g_clear_pointer (&self->maildrop_directory, g_free);
}

static gboolean
invalid (GError    **error,
         const char *path,
         const char *message)
{
  g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING, "%s: %s", path, message);
  return FALSE;
}

static gboolean
load_addresses (GwSendmailConfig *self,
                GKeyFile         *keyfile,
                const char       *path,
                GError          **error)
{
  g_autofree char *domain = g_key_file_get_string (keyfile, "sendmail", "default-domain", NULL);
  g_autofree char *admin = g_key_file_get_string (keyfile, "sendmail", "admin-address", NULL);

  if (domain != NULL && *domain != '\0') {
    g_autofree char *probe = g_strconcat ("postmaster@", domain, NULL);
    g_autofree char *ascii = NULL;

    if (strchr (domain, '@') != NULL ||
        !gw_address_parse ("default-domain", probe, TRUE, NULL, &ascii, NULL))
      return invalid (error, path, _("[sendmail] default-domain must be a domain such as example.org"));
    self->default_domain = g_strdup (gw_address_get_domain (ascii));
  }
  if (admin != NULL && *admin != '\0') {
    g_autofree char *addr = NULL;

    if (!gw_address_parse ("admin-address", admin, TRUE, NULL, &addr, NULL))
      return invalid (error, path, _("[sendmail] admin-address must be a mail address such as root@example.org"));
    self->admin_address = g_steal_pointer (&addr);
  }
  return TRUE;
}

static char *
absolute (const char *config_dir,
          const char *value)
{
  if (g_path_is_absolute (value))
    return g_strdup (value);
  return g_build_filename (config_dir, value, NULL);
}

static gboolean
load_files (GwSendmailConfig *self,
            GKeyFile         *keyfile,
            const char       *path,
            const char       *config_dir,
            GError          **error)
{
  g_auto(GStrv) files = g_key_file_get_string_list (keyfile, "sendmail", "alias-files", NULL, NULL);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; files != NULL && files[i] != NULL; i++) {
    g_autofree char *file = g_strstrip (g_strdup (files[i]));
    g_autofree char *full = NULL;

    if (*file == '\0')
      continue;
    full = absolute (config_dir, file);
    g_strv_builder_add (builder, full);
  }
  self->alias_files = g_strv_builder_end (builder);

  if (g_key_file_has_key (keyfile, "sendmail", "maildrop-directory", NULL)) {
    g_autofree char *directory = g_key_file_get_string (keyfile, "sendmail", "maildrop-directory", NULL);

    g_clear_pointer (&self->maildrop_directory, g_free);
    /* an empty value turns the maildrop off */
    if (directory != NULL && *g_strstrip (directory) != '\0')
      self->maildrop_directory = absolute (config_dir, directory);
  }
  {
    guint64 seconds = self->maildrop_rescan_seconds;

    if (!gw_config_read_quantity (keyfile, path, "sendmail", "maildrop-rescan-seconds",
                                  GW_QUANTITY_DURATION, GW_UNIT_SECOND, 1, 3600, &seconds, error))
      return FALSE;
    self->maildrop_rescan_seconds = (guint) seconds;
  }
  return TRUE;
}

static gboolean
load_aliases (GwSendmailConfig *self,
              GKeyFile         *keyfile,
              const char       *path,
              GError          **error)
{
  g_auto(GStrv) names = g_key_file_get_keys (keyfile, "aliases", NULL, NULL);

  for (guint i = 0; names != NULL && names[i] != NULL; i++) {
    g_autofree char *value = g_key_file_get_string (keyfile, "aliases", names[i], NULL);

    if (value == NULL || *g_strstrip (value) == '\0' || strlen (value) > MAX_ALIAS_VALUE ||
        strchr (names[i], '@') != NULL) {
      g_autofree char *message =
        g_strdup_printf (_("[aliases] %s must be a local name with a list of addresses or names"),
                         names[i]);
      return invalid (error, path, message);
    }
    g_ptr_array_add (self->aliases, g_ascii_strdown (names[i], -1));
    g_ptr_array_add (self->aliases, g_steal_pointer (&value));
  }
  return TRUE;
}

gboolean
gw_sendmail_config_load (GwSendmailConfig *self,
                         GKeyFile         *keyfile,
                         const char       *path,
                         const char       *config_dir,
                         GError          **error)
{
  return load_addresses (self, keyfile, path, error) &&
         load_files (self, keyfile, path, config_dir, error) &&
         load_aliases (self, keyfile, path, error);
}
