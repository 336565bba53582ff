/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-aliases.h: local recipients of the sendmail door: aliases, a default
 * domain, an admin address */
#pragma once

#include <glib-object.h>

#include "gw-sendmail-config.h"

G_BEGIN_DECLS

#define GW_TYPE_ALIASES (gw_aliases_get_type ())
G_DECLARE_FINAL_TYPE (GwAliases, gw_aliases, GW, ALIASES, GObject)

/* Uses @config's [aliases], its alias-files (read when first needed and
 * again whenever one changes), default-domain and admin-address. */
GwAliases *gw_aliases_new    (const GwSendmailConfig *config);

/*
 * Resolves @recipients as sendmail would: an address with a domain stays as
 * it is, except at "localhost" or this host's name, whose local part is
 * looked up like a bare name. A local name (case-insensitive) is replaced
 * by its alias, first from [aliases] and then from the alias files in
 * order, recursively (at most 10 deep; a name met again on its own path is
 * not expanded again). A name without an alias becomes NAME@default-domain,
 * or admin-address, or is refused. Pipes ("|command"), files ("/path") and
 * ":include:" in an alias are skipped with a warning: Herald runs no
 * command and writes no file for a recipient.
 *
 * Adds each resulting address once (case-insensitive) to @addresses, and
 * each local name given in @recipients (lower case) once to @local_names.
 * HERALD_ERROR_INVALID_ADDRESS names the recipient that has no address.
 */
gboolean   gw_aliases_expand (GwAliases          *self,
                              const char * const *recipients,
                              GPtrArray          *addresses,
                              GPtrArray          *local_names,
                              GError            **error);

G_END_DECLS
