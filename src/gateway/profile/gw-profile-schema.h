/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-profile-schema.h: the profile keys: the daemon's own and those of the
 * loaded transports */
#pragma once

#include "gw-setting-spec.h"
#include "gw-transport.h"
#include "gw-transport-private.h"

G_BEGIN_DECLS

/*
 * The schema is process-wide, like the types of the loaded plugins. It
 * holds the keys every profile has (transport, from-address, retry and
 * expiry, rate, fallback, ...) and, once gw_profile_schema_add_transport()
 * ran for them, the keys each loaded transport declared. A key is known
 * when the daemon or any loaded transport declares it; a profile shows the
 * daemon's keys and its own transport's.
 */

/* Adds the keys @transport's class declared. Fails, adding nothing, when
 * a key clashes with a daemon key or with another transport's declaration
 * of a different type or secrecy, or when the transport's name is taken. */
gboolean             gw_profile_schema_add_transport (GwTransport  *transport,
                                                      GError      **error);
/* Whether a transport of that name was added. */
gboolean             gw_profile_schema_has_transport (const char   *name);
/* (transfer full) sorted names of the added transports */
GStrv                gw_profile_schema_dup_transports (void);

/* The spec of @key: the daemon's, else the first added transport's; NULL
 * for an unknown key. */
const GwSettingSpec *gw_profile_schema_lookup        (const char   *key);
/* The spec of @key on a profile of @transport: the transport's own
 * declaration, else the daemon's; NULL when neither has it. */
const GwSettingSpec *gw_profile_schema_lookup_for    (const char   *transport,
                                                      const char   *key);
/* (transfer container) the specs a profile of @transport shows: "transport",
 * the transport's keys in declared order, then the daemon's other keys. */
GPtrArray           *gw_profile_schema_list_for      (const char   *transport);
/* (transfer full) sorted keys that some declaration marks with @flag */
GStrv                gw_profile_schema_dup_keys_with_flag (GwSettingFlags flag);

/* Whether any declaration of @key carries @flag. */
gboolean             gw_setting_has_flag             (const char     *key,
                                                      GwSettingFlags  flag);
/* Whether @key is a secret (write-only) key. */
gboolean             gw_setting_is_secret            (const char     *key);

/*
 * Validates one value for @key on a profile of @transport (NULL: any
 * declaration). @value may be the native type (s, b, u, t, i, x, as) or a
 * string parsed by the key's rules. Returns the canonical value (see
 * GwSettingType), or NULL with HERALD_ERROR_INVALID_SETTING naming the key
 * and the allowed values or range. A "transport" must be a loaded one.
 */
GVariant            *gw_setting_parse                (const char   *key,
                                                      GVariant     *value,
                                                      GError      **error);
GVariant            *gw_setting_parse_for            (const char   *transport,
                                                      const char   *key,
                                                      GVariant     *value,
                                                      GError      **error);
/* The same for a value read from a profile file: "transport" may name a
 * transport that is not loaded (the profile is kept, and refused at Send). */
GVariant            *gw_setting_parse_stored         (const char   *transport,
                                                      const char   *key,
                                                      GVariant     *value,
                                                      GError      **error);

/* The value the presets of @transport give @key on a profile whose other
 * values @lookup gives (gw_transport_class_add_preset()), as text, or NULL. */
char                *gw_profile_schema_dup_preset    (const char         *transport,
                                                      const char         *key,
                                                      GwPresetLookupFunc  lookup,
                                                      gpointer            user_data);
/* Default of @key for @transport in canonical type, or NULL: the
 * transport's own default, else the daemon's. */
GVariant            *gw_setting_default              (const char   *key,
                                                      const char   *transport);

/* The transport of a profile that does not name one. */
#define GW_PROFILE_DEFAULT_TRANSPORT "smtp"

G_END_DECLS
