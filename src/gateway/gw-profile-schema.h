/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-profile-schema.h: the table of profile settings and their validation */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  GW_SETTING_STRING,      /* free text without control characters */
  GW_SETTING_ENUM,        /* one of allowed_values */
  GW_SETTING_BOOLEAN,     /* true/false, yes/no, 1/0, on/off in string form */
  GW_SETTING_UINT,        /* unsigned integer in [min, max]; strings with s/m/h/d suffix for seconds */
  GW_SETTING_HOST,        /* host name or IP literal */
  GW_SETTING_ADDRESS,     /* an e-mail address */
  GW_SETTING_PATH,        /* an absolute path */
  GW_SETTING_URL,         /* an https:// (or http:// to loopback) URL */
  GW_SETTING_PROFILE,     /* a profile name */
  GW_SETTING_PINS,        /* list of SHA-256 SPKI pins: 64 hex characters, each alone or as PIN@HOST:PORT */
  GW_SETTING_STRING_LIST, /* list of enum values (allowed_values) */
  GW_SETTING_SECRET,      /* write-only, kept in the secret store */
} GwSettingType;

typedef struct {
  const char          *key;
  GwSettingType        type;
  const char * const  *allowed_values; /* NULL-terminated, ENUM and STRING_LIST */
  guint64              min;            /* UINT */
  guint64              max;            /* UINT */
  const char          *default_value;  /* string form; NULL = unset; may depend on transport, see gw_setting_default() */
  const char          *summary;        /* one line for humans, untranslated */
} GwSettingSpec;

/* Every profile key, in display order; terminated by a { NULL } entry. */
const GwSettingSpec *gw_profile_schema_get_all   (void);
const GwSettingSpec *gw_profile_schema_lookup    (const char *key);

/* Whether @name is a valid profile name: 1–64 of [A-Za-z0-9._-], first alnum. */
gboolean             gw_profile_name_is_valid    (const char *name);

/*
 * Validates one value for @key. @value may be the native type (s, b, u, t,
 * i, x, as) or a string parsed by the key's rules. On success returns the
 * normalised value in its canonical type: s for strings/enums/hosts/paths,
 * b for booleans, t for unsigned integers, as for lists.
 * On failure: NULL and HERALD_ERROR_INVALID_SETTING with a message naming
 * the key and the allowed values or range.
 */
GVariant            *gw_setting_parse            (const char *key,
                                                  GVariant   *value,
                                                  GError    **error);

/* Default value of @key for @transport in canonical type, or NULL. */
GVariant            *gw_setting_default          (const char *key,
                                                  const char *transport);

/* Whether @key is a secret (write-only) key. */
gboolean             gw_setting_is_secret        (const char *key);

G_END_DECLS
