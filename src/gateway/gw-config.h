/* gw-config.h: where the daemon keeps its state, and heraldd.conf */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define GW_TYPE_CONFIG (gw_config_get_type ())
G_DECLARE_FINAL_TYPE (GwConfig, gw_config, GW, CONFIG, GObject)

/*
 * Session bus: state in $XDG_DATA_HOME/herald, config in
 * $XDG_CONFIG_HOME/herald. System bus: HERALD_LOCALSTATEDIR and
 * HERALD_SYSCONFDIR. Either may be overridden. Reads heraldd.conf from the
 * config directory when present; a malformed file is an error.
 */
GwConfig   *gw_config_new                 (gboolean     system_bus,
                                           const char  *state_dir,
                                           const char  *config_dir,
                                           GError     **error);

gboolean    gw_config_get_system_bus      (GwConfig    *self);
const char *gw_config_get_state_dir       (GwConfig    *self);
const char *gw_config_get_config_dir      (GwConfig    *self);
const char *gw_config_get_default_profile (GwConfig    *self);
/* Maildir of the embedded default profile "local". */
const char *gw_config_get_default_maildir (GwConfig    *self);
guint       gw_config_get_log_days        (GwConfig    *self);

/* Creates @path (and parents) with mode 0700 if missing. */
gboolean    gw_config_ensure_directory    (const char  *path,
                                           GError     **error);

G_END_DECLS
