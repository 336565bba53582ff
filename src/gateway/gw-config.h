/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-config.h: where the daemon keeps its state, and heraldd.conf */
#pragma once

#include <glib-object.h>

#include "gw-http-limits.h"
#include "gw-sendmail-config.h"
#include "gw-http-api-settings.h"

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

/* [http]: the built-in HTTP server. Enabled when heraldd.conf sets a port
 * (0: any free port); listen address 127.0.0.1 unless set; public URL
 * (no trailing slash) or NULL to use the listening address; TLS
 * certificate and key files (absolute paths) or NULL for plain HTTP. */
gboolean    gw_config_get_http_enabled         (GwConfig *self);
const char *gw_config_get_http_listen_address  (GwConfig *self);
guint       gw_config_get_http_port            (GwConfig *self);
const char *gw_config_get_http_public_url      (GwConfig *self);
const char *gw_config_get_http_tls_certificate (GwConfig *self);
const char *gw_config_get_http_tls_key         (GwConfig *self);
/* max-connections, header-timeout, body-timeout, idle-timeout,
 * max-body-size (gw-http-limits.h). */
const GwHttpLimits *gw_config_get_http_limits (GwConfig *self);
/* How long attachment links stay valid (default 7). */
guint       gw_config_get_attachment_link_days (GwConfig *self);

/* [quotas]: per-caller (per-uid) limits; 0 means no limit. Deliveries
 * not yet final; bytes held in the queue (messages, kept until the
 * delivery log is pruned) and the attachment spool together; Send calls a
 * minute (a bucket that holds one minute's worth). */
guint64     gw_config_get_max_queued_deliveries (GwConfig *self);
guint64     gw_config_get_max_stored_bytes      (GwConfig *self);
guint       gw_config_get_max_sends_per_minute  (GwConfig *self);
/* [sendmail] and [aliases]: the sendmail door (gw-sendmail-config.h). */
const GwSendmailConfig *gw_config_get_sendmail (GwConfig *self);
/* [http] keys of the HTTP API (gw-http-api-settings.h). */
const GwHttpApiSettings *gw_config_get_http_api_settings (GwConfig *self);

/* Creates @path (and parents) with mode 0700 if missing. */
gboolean    gw_config_ensure_directory    (const char  *path,
                                           GError     **error);

G_END_DECLS
