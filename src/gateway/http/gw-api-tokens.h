/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-api-tokens.h: bearer tokens of the HTTP API, stored as their SHA-256
 *
 * A token is made by AddToken (heraldctl token add) and shown once:
 * "hrld_" and 43 characters of base64url (32 random bytes). Herald keeps
 * only the SHA-256 of that string, with the token's name, scope, rate
 * limit and times, in STATE_DIR/api-tokens.conf (0600, written
 * atomically).
 *
 * The scope, checked by gw_api_token_apply_scope() before anything is
 * stored:
 *   profiles      none: the routing rules choose, and the caller may not
 *                 name a profile; some: the caller may name one of them,
 *                 and naming none means the first (routing rules do not
 *                 apply to a token bound to profiles)
 *   tags          tags every notification of the token carries (added)
 *   allowed-tags  glob patterns (* and ?) for the tags a caller may set
 *                 itself; none: the caller may set no tag (tags steer
 *                 routing rules)
 *   rate          requests a minute (0: no limit), a token bucket holding
 *                 one second's worth and at least one
 */
#pragma once

#include <glib-object.h>

#include "gw-notification.h"

G_BEGIN_DECLS

#define GW_API_TOKEN_PREFIX       "hrld_"
#define GW_API_TOKEN_DEFAULT_RATE 600
#define GW_API_TOKEN_MAX_RATE     100000
/* Entries of each scope list. */
#define GW_API_TOKEN_MAX_SCOPE    100

/* One token as stored; reference-counted so that a request in flight keeps
 * it whatever RemoveToken does meanwhile. */
typedef struct {
  char   *name;
  char   *id;           /* 16 hex digits, random: owns the token's deliveries */
  guint8  digest[32];   /* SHA-256 of the whole token string */
  GStrv   profiles;
  GStrv   tags;
  GStrv   allowed_tags;
  guint   rate;         /* per minute; 0: no limit */
  gint64  created;      /* µs since the epoch */
  gint64  last_used;    /* µs since the epoch; 0: never */
} GwApiToken;

GwApiToken *gw_api_token_ref         (GwApiToken *token);
void        gw_api_token_unref       (GwApiToken *token);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GwApiToken, gw_api_token_unref)

/* Whether @token may use profile @name at all (GET/DELETE of a delivery
 * sent through another profile is not refused for this: ownership is
 * the token's id, see gw-http-api.h). */
gboolean    gw_api_token_allows_profile (GwApiToken *token,
                                         const char *name);

/*
 * Applies @token's scope to @n: checks the profile the caller named and
 * the tags the caller set, picks the token's first profile when it is
 * bound to profiles and the caller named none, and adds the token's own
 * tags. HERALD_ERROR_NOT_AUTHORIZED names what is out of scope; @n is
 * left as it was then.
 */
gboolean    gw_api_token_apply_scope (GwApiToken     *token,
                                      GwNotification *n,
                                      GError        **error);

/* The token's record as ListTokens shows it (a{sv}: name, profiles, tags,
 * allowed-tags, rate, created, last-used; never the digest). */
GVariant   *gw_api_token_to_variant  (GwApiToken *token);

typedef enum {
  GW_API_TOKEN_VALID,
  GW_API_TOKEN_INVALID,        /* no such token: 401 */
  GW_API_TOKEN_RATE_LIMITED,   /* 429 */
} GwApiTokenVerdict;

#define GW_TYPE_API_TOKENS (gw_api_tokens_get_type ())
G_DECLARE_FINAL_TYPE (GwApiTokens, gw_api_tokens, GW, API_TOKENS, GObject)

/* Reads STATE_DIR/api-tokens.conf when it exists. A file not owned by the
 * daemon's user or writable by group or others is refused
 * (HERALD_ERROR_STORAGE), as is one that is not a valid token store. */
GwApiTokens *gw_api_tokens_new    (const char   *state_dir,
                                   GError      **error);

/*
 * Makes a token named @name with @scope (a{sv}: profiles, tags,
 * allowed-tags as "as", rate as "u"; all optional) and returns the token
 * string, the only time it exists outside the caller. Errors:
 * HERALD_ERROR_INVALID_ARGUMENT (bad name, key or value),
 * HERALD_ERROR_TOKEN_EXISTS, HERALD_ERROR_STORAGE.
 */
char        *gw_api_tokens_add    (GwApiTokens  *self,
                                   const char   *name,
                                   GVariant     *scope,
                                   GError      **error);
/* HERALD_ERROR_NO_SUCH_TOKEN, HERALD_ERROR_STORAGE. The token stops
 * working at once. */
gboolean     gw_api_tokens_remove (GwApiTokens  *self,
                                   const char   *name,
                                   GError      **error);
/* aa{sv} of gw_api_token_to_variant(), sorted by name. */
GVariant    *gw_api_tokens_list   (GwApiTokens  *self);
/* (transfer none) or NULL */
GwApiToken  *gw_api_tokens_lookup (GwApiTokens  *self,
                                   const char   *name);

/*
 * Checks @bearer (the token string of an Authorization header) against
 * every stored digest in constant time, then takes one request from the
 * token's rate. @token (transfer full) is set for VALID and RATE_LIMITED;
 * @retry_after_us (nullable) for RATE_LIMITED. @now is monotonic µs.
 * Records the time of last use (written at most once a minute).
 */
GwApiTokenVerdict gw_api_tokens_verify (GwApiTokens  *self,
                                        const char   *bearer,
                                        gint64        now,
                                        GwApiToken  **token,
                                        gint64       *retry_after_us);

G_END_DECLS
