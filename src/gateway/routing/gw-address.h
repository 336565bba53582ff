/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-address.h: parsing and checking of mail addresses */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Parses one mailbox: "user@example.org" or "Name <user@example.org>".
 * @strict selects RFC 5322-strict parsing. Returns the bare address in
 * @addr_spec and the display name (or NULL) in @display_name.
 * HERALD_ERROR_INVALID_ADDRESS names @what and the problem.
 */
gboolean gw_address_parse          (const char *what,
                                    const char *text,
                                    gboolean    strict,
                                    char      **display_name,
                                    char      **addr_spec,
                                    GError    **error);

/* Checks a bare addr-spec: local@domain, no spaces or controls. */
gboolean gw_address_check_addr_spec (const char *what,
                                     const char *addr_spec,
                                     GError    **error);

/* The domain of an addr-spec (after the last @), or NULL. */
const char *gw_address_get_domain  (const char *addr_spec);

G_END_DECLS
