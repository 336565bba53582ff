/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-untrusted-store.h: server certificates Herald refused, kept for the administrator */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define GW_TYPE_UNTRUSTED_STORE (gw_untrusted_store_get_type ())
G_DECLARE_FINAL_TYPE (GwUntrustedStore, gw_untrusted_store, GW, UNTRUSTED_STORE, GObject)

/* Kept in STATE_DIR/untrusted-certificates.conf (0600, atomic writes). */
GwUntrustedStore *gw_untrusted_store_new    (const char       *state_dir);
/* The same kind of store in STATE_DIR/@file_name (the trusted certificates). */
GwUntrustedStore *gw_untrusted_store_new_for_file (const char *state_dir,
                                                   const char *file_name);

/*
 * Records a refused certificate of @profile: @certificate is the a{sv} a
 * TLS policy reports (subject, issuer, not-before, not-after,
 * sha256-fingerprint, spki-pin, errors, host, port, and profile, which
 * wins over @profile). One record per profile, certificate and endpoint
 * (host, port); seen again, only its last-seen time and errors change.
 */
gboolean          gw_untrusted_store_record (GwUntrustedStore *self,
                                             const char       *profile,
                                             GVariant         *certificate,
                                             GError          **error);

/* aa{sv}: each recorded certificate with "profile", "first-seen" and
 * "last-seen" (x, µs since the epoch) added. */
GVariant         *gw_untrusted_store_list   (GwUntrustedStore *self);

/* The records of @profile's certificate @fingerprint as in the list, one
 * per endpoint it was seen on; empty when none. (transfer full) */
GPtrArray        *gw_untrusted_store_lookup (GwUntrustedStore *self,
                                             const char       *profile,
                                             const char       *fingerprint);
/* Stores @record (an a{sv} of the list) as it is, replacing the record of
 * the same profile, fingerprint, host and port. */
gboolean          gw_untrusted_store_put    (GwUntrustedStore *self,
                                             GVariant         *record,
                                             GError          **error);
/* Removes the record of @record's profile, fingerprint, host and port; a
 * missing one is not an error. */
gboolean          gw_untrusted_store_remove (GwUntrustedStore *self,
                                             GVariant         *record,
                                             GError          **error);

/* The version of the file's format: 0 for files of Herald before pins were
 * scoped to endpoints, which the trust manager migrates once. */
guint             gw_untrusted_store_get_format (GwUntrustedStore *self);
gboolean          gw_untrusted_store_set_format (GwUntrustedStore *self,
                                                 guint             version,
                                                 GError          **error);

G_END_DECLS
