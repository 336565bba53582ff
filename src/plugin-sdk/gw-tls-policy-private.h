/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-tls-policy-private.h: what the parts of GwTlsPolicy share */
#pragma once

#include "gw-tls-policy.h"

G_BEGIN_DECLS

struct _GwTlsPolicy {
  GObject       parent_instance;

  char         *host;
  guint16       port;
  char         *profile_name;
  gboolean      verify;
  char         *ca_file;
  GTlsDatabase *ca_database; /* nullable: loaded from ca_file */
  GStrv         pins;        /* lower-case hex, possibly empty */
  GVariant     *failure;     /* nullable */
  GTlsCertificate *client_certificate; /* nullable: presented when asked for */
  gboolean      certificate_requested;  /* the server asked for one (gw_tls_policy_handshake_async) */
};

/* A GTlsInteraction for a handshake without a client certificate: it
 * notes in @policy that the server asked for one, and gives none
 * (gw-tls-policy-client.c). */
GTlsInteraction *gw_tls_policy_new_request_watch (GwTlsPolicy *policy);

G_END_DECLS
