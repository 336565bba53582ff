/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-trust-scope.h: which server a trusted certificate is trusted for
 *
 * A trusted certificate or pin holds for the host:port it was seen on. The
 * SMTP server, the POP3 server and an HTTP API of one profile are different
 * identities: TrustCertificate pins a key as "PIN@HOST:PORT", and the TLS
 * policy of each connection sees only its own endpoint's pins
 * (gw_tls_endpoint_pins()).
 */
#pragma once

#include <glib.h>

#include "gw-profile.h"
#include "gw-profile-store.h"
#include "gw-untrusted-store.h"

G_BEGIN_DECLS

/* The format of the trusted-certificates store once pins are scoped. */
#define GW_TRUST_FORMAT_SCOPED 1

/* The endpoints (gw_tls_endpoint_name()) @profile talks TLS to now: its
 * own server, and its POP3 server with POP-before-SMTP. (transfer full) */
GPtrArray *gw_trust_profile_endpoints (GwProfile        *profile);

/* The endpoint a certificate record was seen on; a record without a host
 * (written before records had one) counts as the profile's own server.
 * NULL when neither is known. */
char      *gw_trust_record_endpoint   (GVariant         *record,
                                       GwProfile        *profile);

/*
 * Once per state directory (the format version lives in @trusted): each
 * bare pin of a profile that TrustCertificate wrote (a trusted record has
 * its key) becomes PIN@HOST:PORT of the server(s) that record was seen on.
 * Before, a bare pin held for every server of the profile, so trusting the
 * POP3 server's key made SMTP accept it too. Bare pins set by hand stay
 * bare: they hold for the profile's own server from now on (a message says
 * so where the profile also has a POP3 server). Profiles that cannot be
 * rewritten are logged and left alone; the format is marked done anyway.
 */
gboolean   gw_trust_migrate_pins      (GwProfileStore   *profiles,
                                       GwUntrustedStore *trusted,
                                       GError          **error);

G_END_DECLS
