/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* composer-oracle.h: the message as a GMimeMessage writes it, to compare
 * with what the composer wrote without one */
#pragma once

#include "gw-composer.h"

G_BEGIN_DECLS

/* Composes @n for @profile again, the way the composer did before it
 * wrote the header block itself (issue 18): a GMimeMessage with the same
 * Date and Message-ID as @composed, written by GMime. Returns NULL if the
 * bytes are the same, else a description of the first difference.
 * With attachments, only the headers up to MIME-Version are compared.
 * Where GMime would write a domain in UTF-8 (an IDNA domain libidn2
 * cannot encode again), the composer's domains must be ASCII instead. */
char *herald_test_composer_oracle_diff (GwProfile      *profile,
                                        GwNotification *n,
                                        GwEnvelope     *composed);

G_END_DECLS
