/* gw-untrusted-store.h: server certificates Herald refused, kept for the administrator */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define GW_TYPE_UNTRUSTED_STORE (gw_untrusted_store_get_type ())
G_DECLARE_FINAL_TYPE (GwUntrustedStore, gw_untrusted_store, GW, UNTRUSTED_STORE, GObject)

/* Kept in STATE_DIR/untrusted-certificates.conf (0600, atomic writes). */
GwUntrustedStore *gw_untrusted_store_new    (const char       *state_dir);

/*
 * Records a refused certificate of @profile: @certificate is the a{sv} a
 * TLS policy reports (subject, issuer, not-before, not-after,
 * sha256-fingerprint, spki-pin, errors, host, port). Seen again, only its
 * last-seen time and errors change.
 */
gboolean          gw_untrusted_store_record (GwUntrustedStore *self,
                                             const char       *profile,
                                             GVariant         *certificate,
                                             GError          **error);

/* aa{sv}: each recorded certificate with "profile", "first-seen" and
 * "last-seen" (x, µs since the epoch) added. */
GVariant         *gw_untrusted_store_list   (GwUntrustedStore *self);

G_END_DECLS
