/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-plugin-loader.h: finds and loads transport plugins */
#pragma once

#include "gw-http-server.h"
#include "gw-profile-store.h"
#include "gw-transport.h"

G_BEGIN_DECLS

#define GW_TYPE_PLUGIN_LOADER (gw_plugin_loader_get_type ())
G_DECLARE_FINAL_TYPE (GwPluginLoader, gw_plugin_loader, GW, PLUGIN_LOADER, GObject)

GwPluginLoader *gw_plugin_loader_new            (void);

/* Loads every module in @directory and its subdirectories (one level
 * down) that passes gw_plugin_loader_check_file(); refused modules are
 * logged with the reason and skipped. */
gboolean        gw_plugin_loader_load_directory (GwPluginLoader *self,
                                                 const char     *directory,
                                                 GError        **error);

/* (transfer full) The paths of the modules (*.so) in @directory, sorted,
 * then those of each subdirectory one level down (sorted, each a real
 * directory not writable by group or others, owned by root or the
 * daemon's user). */
GPtrArray      *gw_plugin_loader_list_modules   (const char     *directory,
                                                 GError        **error);

/* Whether @path may be loaded: a regular file (not a symlink to elsewhere),
 * not writable by group or others, owned by root or the daemon's user. */
gboolean        gw_plugin_loader_check_file     (const char     *path,
                                                 GError        **error);

/* The steps of gw_plugin_loader_load_directory(), for the tests: an open
 * descriptor of a directory that passes the same owner and mode rules; a
 * descriptor of its module @name, checked with fstat(); loading the file
 * behind a checked descriptor (which then stays open). -1 or FALSE on error. */
int             gw_plugin_loader_open_directory (const char     *directory,
                                                 GError        **error);
int             gw_plugin_loader_open_module    (int             dir_fd,
                                                 const char     *name,
                                                 const char     *path,
                                                 GError        **error);
gboolean        gw_plugin_loader_load_fd        (int             fd,
                                                 const char     *path,
                                                 GError        **error);

/* (transfer none) or NULL */
GwTransport    *gw_plugin_loader_lookup         (GwPluginLoader *self,
                                                 const char     *name);
/* (transfer full) sorted names of loaded transports */
GStrv           gw_plugin_loader_dup_names      (GwPluginLoader *self);

/* Gives every loaded transport what the daemon offers: other profiles from
 * @profiles, and, when @http is not NULL, its base URL and the HTTP routes
 * the transport declared. */
void            gw_plugin_loader_connect        (GwPluginLoader *self,
                                                 GwProfileStore *profiles,
                                                 GwHttpServer   *http);

G_END_DECLS
