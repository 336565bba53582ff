/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-profile-status.h: what the gateway remembers of each profile's last test */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define GW_TYPE_PROFILE_STATUS (gw_profile_status_get_type ())
G_DECLARE_FINAL_TYPE (GwProfileStatus, gw_profile_status, GW, PROFILE_STATUS, GObject)

/* The longest summary kept, in bytes; a longer one is cut at a character. */
#define GW_PROFILE_STATUS_MAX_SUMMARY 512

/* Reads STATE_DIR/profile-status.conf if it exists; an unreadable file is
 * logged and treated as empty (it is only a record, never configuration). */
GwProfileStatus *gw_profile_status_new          (const char      *state_dir);

/* Records the outcome of a TestProfile of @profile at @when (µs since the
 * epoch) and writes the file (0600, atomically). @summary is the server's
 * reply or the error; never a transcript or a secret. */
gboolean         gw_profile_status_record_test  (GwProfileStatus *self,
                                                 const char      *profile,
                                                 gint64           when,
                                                 gboolean         ok,
                                                 const char      *summary,
                                                 gboolean         tls_failure,
                                                 GError         **error);
/* Records what a TestProfile answered (@result, its a{sv}) or the error it
 * failed with, now. */
gboolean         gw_profile_status_record_result (GwProfileStatus *self,
                                                  const char      *profile,
                                                  GVariant        *result,
                                                  const GError    *test_error,
                                                  GError         **error);
/* The last test of @profile as a{sv}: time (x, µs), ok (b), summary (s),
 * and tls-failure (b) when a certificate was refused; NULL if none is
 * known. (transfer full, floating) */
GVariant        *gw_profile_status_get_last_test (GwProfileStatus *self,
                                                  const char      *profile);
/* Forgets @profile (removed or renamed) and writes the file if it changed. */
gboolean         gw_profile_status_forget        (GwProfileStatus *self,
                                                  const char      *profile,
                                                  GError         **error);
/* Forgets every profile that @exists says is gone (at start-up: profile
 * files removed while the daemon was stopped). */
typedef gboolean (*GwProfileExistsFunc) (const char *profile,
                                         gpointer    user_data);
gboolean         gw_profile_status_prune         (GwProfileStatus    *self,
                                                  GwProfileExistsFunc exists,
                                                  gpointer            user_data,
                                                  GError            **error);

G_END_DECLS
