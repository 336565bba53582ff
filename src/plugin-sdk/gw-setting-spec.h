/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-setting-spec.h: one profile setting a transport declares (plugin SDK) */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * GwSettingType:
 * @GW_SETTING_STRING: free text without control characters, kept exactly
 * @GW_SETTING_ENUM: one of the spec's allowed values (case-insensitive in,
 *   canonical out)
 * @GW_SETTING_BOOLEAN: true/false, yes/no, on/off or 1/0 in string form
 * @GW_SETTING_UINT: an unsigned integer between the spec's minimum and
 *   maximum; see %GW_SETTING_FLAG_SECONDS and %GW_SETTING_FLAG_BYTES
 * @GW_SETTING_HOST: a host name or an IP literal, stored in lower case
 * @GW_SETTING_ADDRESS: a plain e-mail address, user@example.org
 * @GW_SETTING_PATH: an absolute path
 * @GW_SETTING_URL: an https:// URL, or http:// to a loopback address; no
 *   user name or password in it
 * @GW_SETTING_PROFILE: the name of another profile
 * @GW_SETTING_PINS: a list of SHA-256 public key pins, 64 hex digits each
 * @GW_SETTING_STRING_LIST: a list of the spec's allowed values
 *
 * What a setting's value is. Every value that enters a profile, over D-Bus
 * or from a profile file, is checked against its type before anything
 * else, and no string value of any type may carry a control character.
 *
 * The canonical types of parsed values: `s` for strings, enums, hosts,
 * addresses, paths, URLs and profile names, `b` for booleans, `t` for
 * unsigned integers, `as` for lists.
 */
typedef enum {
  GW_SETTING_STRING,
  GW_SETTING_ENUM,
  GW_SETTING_BOOLEAN,
  GW_SETTING_UINT,
  GW_SETTING_HOST,
  GW_SETTING_ADDRESS,
  GW_SETTING_PATH,
  GW_SETTING_URL,
  GW_SETTING_PROFILE,
  GW_SETTING_PINS,
  GW_SETTING_STRING_LIST,
} GwSettingType;

/**
 * GwSettingFlags:
 * @GW_SETTING_FLAG_NONE: no flag
 * @GW_SETTING_FLAG_SECRET: write-only: kept encrypted in the secret store,
 *   never in the profile file, never shown (GetProfile shows only
 *   "KEY-set"), never echoed in an error; a secret is a string, and its
 *   key is "password" or ends in "-password", "-secret", "-token", "-key"
 *   or "-pin" (and no other key is named so)
 * @GW_SETTING_FLAG_REDIRECTS_SECRETS: the value influences where, or to
 *   whom, one of the profile's secrets is sent (a server, a URL, a
 *   template that makes an address or puts a secret into a message).
 *   Changing it on a profile that holds secrets needs the manage-trust
 *   authorisation as well (the credential-redirect guard)
 * @GW_SETTING_FLAG_SERVER_HOST: the value names a server the profile
 *   connects to; on a %GW_SETTING_URL key of a profile without "host", the
 *   URL's host and port are the profile's own server, which a bare pin of
 *   "pinned-keys" holds for (gw_tls_profile_endpoint())
 * @GW_SETTING_FLAG_SECONDS: a %GW_SETTING_UINT in seconds: its string form
 *   is read by gw_units_parse_duration() (90, 90s, 5m, 2h, 1d)
 * @GW_SETTING_FLAG_BYTES: a %GW_SETTING_UINT in bytes: its string form is
 *   read by gw_units_parse_size() (1048576, 10M, 10MB, 10 MiB: binary
 *   multiples)
 * @GW_SETTING_FLAG_PEM: a %GW_SETTING_STRING that may hold PEM text (a
 *   certificate chain, a private key): line feeds and tabs are allowed
 *   in it (a carriage return before a line feed is dropped), up to 64 KiB;
 *   every other control character is still refused
 *
 * Properties of a setting beyond its type.
 */
typedef enum {
  GW_SETTING_FLAG_NONE              = 0,
  GW_SETTING_FLAG_SECRET            = 1 << 0,
  GW_SETTING_FLAG_REDIRECTS_SECRETS = 1 << 1,
  GW_SETTING_FLAG_SERVER_HOST       = 1 << 2,
  GW_SETTING_FLAG_SECONDS           = 1 << 3,
  GW_SETTING_FLAG_BYTES             = 1 << 4,
  GW_SETTING_FLAG_PEM               = 1 << 5,
} GwSettingFlags;

/**
 * GwSettingSpec:
 *
 * An opaque, reference-counted description of one profile key: its name,
 * type, range or allowed values, default, a translatable description and
 * its flags. Transports install their specs on their class with
 * gw_transport_class_install_setting(); the daemon builds the profile
 * schema from the specs of the transports it loaded.
 */
typedef struct _GwSettingSpec GwSettingSpec;

/**
 * GwSettingCheckFunc:
 * @spec: the spec being checked
 * @value: (inout) (transfer full): the parsed value in its canonical type;
 *   the function may replace it by a normalised one
 * @error: return location for a %HERALD_ERROR_INVALID_SETTING error
 *
 * A rule a setting's type cannot express, run on every value after the
 * type's own checks (at AddProfile, UpdateProfile and when a profile file
 * is read). Use gw_setting_spec_refuse() to report a bad value.
 *
 * Returns: whether @value is acceptable
 */
typedef gboolean (*GwSettingCheckFunc) (const GwSettingSpec *spec,
                                        GVariant           **value,
                                        GError             **error);

#define GW_TYPE_SETTING_SPEC (gw_setting_spec_get_type ())
GType               gw_setting_spec_get_type           (void) G_GNUC_CONST;

GwSettingSpec      *gw_setting_spec_new                (const char          *key,
                                                        GwSettingType        type,
                                                        GwSettingFlags       flags,
                                                        const char          *default_value,
                                                        const char          *description);
GwSettingSpec      *gw_setting_spec_new_uint           (const char          *key,
                                                        guint64              minimum,
                                                        guint64              maximum,
                                                        const char          *default_value,
                                                        GwSettingFlags       flags,
                                                        const char          *description);
GwSettingSpec      *gw_setting_spec_new_enum           (const char          *key,
                                                        const char * const  *allowed_values,
                                                        const char          *default_value,
                                                        GwSettingFlags       flags,
                                                        const char          *description);
GwSettingSpec      *gw_setting_spec_new_string_list    (const char          *key,
                                                        const char * const  *allowed_values,
                                                        const char          *default_value,
                                                        GwSettingFlags       flags,
                                                        const char          *description);
GwSettingSpec      *gw_setting_spec_ref                (GwSettingSpec       *spec);
void                gw_setting_spec_unref              (GwSettingSpec       *spec);

void                gw_setting_spec_set_check          (GwSettingSpec       *spec,
                                                        GwSettingCheckFunc   check);
void                gw_setting_spec_set_translation_domain (GwSettingSpec   *spec,
                                                        const char          *domain);

const char         *gw_setting_spec_get_key            (const GwSettingSpec *spec);
GwSettingType       gw_setting_spec_get_value_type     (const GwSettingSpec *spec);
GwSettingFlags      gw_setting_spec_get_flags          (const GwSettingSpec *spec);
gboolean            gw_setting_spec_has_flag           (const GwSettingSpec *spec,
                                                        GwSettingFlags       flag);
guint64             gw_setting_spec_get_minimum        (const GwSettingSpec *spec);
guint64             gw_setting_spec_get_maximum        (const GwSettingSpec *spec);
const char * const *gw_setting_spec_get_allowed_values (const GwSettingSpec *spec);
const char         *gw_setting_spec_get_default        (const GwSettingSpec *spec);
const char         *gw_setting_spec_get_description    (const GwSettingSpec *spec);

GVariant           *gw_setting_spec_parse              (const GwSettingSpec *spec,
                                                        GVariant            *value,
                                                        GError             **error);
GVariant           *gw_setting_spec_dup_default_value  (const GwSettingSpec *spec);
gboolean            gw_setting_spec_refuse             (const GwSettingSpec *spec,
                                                        const char          *value,
                                                        const char          *reason,
                                                        GError             **error);

gboolean            gw_setting_host_is_valid           (const char          *host);
gboolean            gw_setting_address_is_valid        (const char          *address);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GwSettingSpec, gw_setting_spec_unref)

G_END_DECLS
