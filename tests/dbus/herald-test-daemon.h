/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-test-daemon.h: runs the built heraldd on a private bus for tests */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  char            *tmpdir;
  char            *state_dir;
  char            *data_home;
  char            *config_home;
  GTestDBus       *bus;
  GDBusConnection *connection;
  GSubprocess     *daemon;
  GStrv            extra_args;   /* more heraldd options, for every start */
} HeraldTestDaemon;

/* Creates a temporary home, starts a private session bus and heraldd on it,
 * and waits until org.herald.Gateway1 is owned. */
HeraldTestDaemon *herald_test_daemon_new      (void);
/* The same, with more heraldd options (NULL-terminated). */
HeraldTestDaemon *herald_test_daemon_new_with_args (const char * const *extra_args);
/* Waits up to @timeout_s for heraldd to exit by itself; returns whether it
 * did, asserting a clean exit status. */
gboolean          herald_test_daemon_wait_exit (HeraldTestDaemon *self,
                                                guint             timeout_s);
/* Starts heraldd again with the same state (after a stop or a kill). */
void              herald_test_daemon_start    (HeraldTestDaemon *self);
/* SIGTERM and wait; asserts a clean exit. */
void              herald_test_daemon_stop     (HeraldTestDaemon *self);
/* SIGKILL and wait. */
void              herald_test_daemon_kill     (HeraldTestDaemon *self);
void              herald_test_daemon_free     (HeraldTestDaemon *self);

/* Synchronous call of an org.herald.Gateway1 method. */
GVariant         *herald_test_call            (HeraldTestDaemon *self,
                                               const char       *method,
                                               GVariant         *parameters,
                                               const char       *reply_type,
                                               GError          **error);
/* Send with a{sv} built by the caller; returns the id or NULL. */
char             *herald_test_send            (HeraldTestDaemon *self,
                                               GVariant         *notification,
                                               GUnixFDList      *fd_list,
                                               GError          **error);
/* Polls GetDelivery until the state is final (sent, failed, cancelled) or
 * @timeout_s passes; returns the last state. */
char             *herald_test_wait_final      (HeraldTestDaemon *self,
                                               const char       *id,
                                               guint             timeout_s);
/* Files in DIR/new (sorted), full paths. */
GPtrArray        *herald_test_maildir_files   (const char       *maildir);
/* Writes the profile file STATE_DIR/profiles/@name.conf (mode 0600) as an
 * earlier run would have left it; restart the daemon to load it. */
void              herald_test_write_profile   (HeraldTestDaemon *self,
                                               const char       *name,
                                               const char       *contents);
/* Removes a directory tree. */
void              herald_test_rm_rf           (const char       *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HeraldTestDaemon, herald_test_daemon_free)

/* A floating a{sv} of string settings: key, value, ..., NULL. */
GVariant *herald_test_settings (const char *first_key,
                                ...) G_GNUC_NULL_TERMINATED;

G_END_DECLS
