/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-token.c: a bearer token of the gateway's HTTP API */
#define G_LOG_DOMAIN "herald-token"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "herald-private.h"
#include "herald-token.h"

/**
 * HeraldToken:
 *
 * A bearer token of the gateway's HTTP API (`/v1/notifications`,
 * `/v1/alertmanager`), as herald_client_list_tokens() lists it, or as
 * made with herald_token_new() for herald_client_add_token().
 *
 * The token string itself is never part of it: the gateway keeps only its
 * SHA-256 and herald_client_add_token() returns the string once.
 *
 * Its scope:
 *
 * - profiles: without any, the gateway's routing rules choose and a
 *   request that names a profile is refused; with some, a request may
 *   name one of them, and naming none means the first;
 * - tags: added to every notification sent with the token;
 * - allowed tags: glob patterns (`*`, `?`) of the tags a request may set
 *   itself; without any it may set none (Alertmanager labels count as
 *   tags `name=value`);
 * - rate: requests a minute, 0 for no limit.
 */
struct _HeraldToken {
  GObject    parent_instance;

  char      *name;
  GStrv      profiles;
  GStrv      tags;
  GStrv      allowed_tags;
  guint      rate;
  GDateTime *created;
  GDateTime *last_used;
};

G_DEFINE_FINAL_TYPE (HeraldToken, herald_token, G_TYPE_OBJECT)

static void
herald_token_finalize (GObject *object)
{
  HeraldToken *self = HERALD_TOKEN (object);

  g_free (self->name);
  g_strfreev (self->profiles);
  g_strfreev (self->tags);
  g_strfreev (self->allowed_tags);
  g_clear_pointer (&self->created, g_date_time_unref);
  g_clear_pointer (&self->last_used, g_date_time_unref);

  G_OBJECT_CLASS (herald_token_parent_class)->finalize (object);
}

static void
herald_token_class_init (HeraldTokenClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = herald_token_finalize;
  herald_i18n_init ();
}

static void
herald_token_init (HeraldToken *self)
{
  self->profiles = g_new0 (char *, 1);
  self->tags = g_new0 (char *, 1);
  self->allowed_tags = g_new0 (char *, 1);
  self->rate = HERALD_TOKEN_DEFAULT_RATE;
}

/**
 * herald_token_new:
 * @name: the token's name: 1 to 64 letters, digits, `.`, `_` or `-`,
 *   starting with a letter or digit
 *
 * Creates a token description for herald_client_add_token(): no profiles
 * (the routing rules choose), no tags, no allowed tags and
 * %HERALD_TOKEN_DEFAULT_RATE requests a minute.
 *
 * Returns: (transfer full): a new #HeraldToken
 */
HeraldToken *
herald_token_new (const char *name)
{
  HeraldToken *self;

  g_return_val_if_fail (name != NULL, NULL);

  self = g_object_new (HERALD_TYPE_TOKEN, NULL);
  self->name = g_strdup (name);
  return self;
}

static void
replace_strv (GStrv              *field,
              const char * const *value)
{
  g_strfreev (*field);
  *field = value != NULL ? g_strdupv ((char **) value) : g_new0 (char *, 1);
}

static void
lookup_strv (GVariant   *dict,
             const char *key,
             GStrv      *field)
{
  GStrv value = NULL;

  if (g_variant_lookup (dict, key, "^as", &value)) {
    g_strfreev (*field);
    *field = value;
  }
}

/**
 * herald_token_new_from_variant:
 * @token: an `a{sv}` dictionary as `ListTokens` returns it: `name`,
 *   `profiles`, `tags`, `allowed-tags`, `rate`, `created` and `last-used`
 * @error: return location for a #GError
 *
 * Creates a token from its D-Bus form.
 *
 * Returns: (transfer full): a new #HeraldToken, or %NULL if @token lacks a
 *   name
 */
HeraldToken *
herald_token_new_from_variant (GVariant  *token,
                               GError   **error)
{
  g_autoptr(HeraldToken) self = NULL;
  g_autofree char *name = NULL;
  guint32 rate;

  g_return_val_if_fail (token != NULL, NULL);
  g_return_val_if_fail (g_variant_is_of_type (token, G_VARIANT_TYPE_VARDICT), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  name = herald_variant_lookup_string (token, "name");
  if (name == NULL) {
    g_set_error_literal (error, HERALD_ERROR, HERALD_ERROR_FAILED,
                         _("The gateway sent a token without a name"));
    return NULL;
  }
  self = herald_token_new (name);
  lookup_strv (token, "profiles", &self->profiles);
  lookup_strv (token, "tags", &self->tags);
  lookup_strv (token, "allowed-tags", &self->allowed_tags);
  if (g_variant_lookup (token, "rate", "u", &rate))
    self->rate = rate;
  self->created = herald_variant_lookup_time (token, "created");
  self->last_used = herald_variant_lookup_time (token, "last-used");
  return g_steal_pointer (&self);
}

/**
 * herald_token_get_name:
 * @self: a #HeraldToken
 *
 * Gets the token's name.
 *
 * Returns: (transfer none): the token's name
 */
const char *
herald_token_get_name (HeraldToken *self)
{
  g_return_val_if_fail (HERALD_IS_TOKEN (self), NULL);
  return self->name;
}

/**
 * herald_token_get_profiles:
 * @self: a #HeraldToken
 *
 * Gets the profiles the token's notifications may name; empty when the
 * routing rules choose.
 *
 * Returns: (transfer none) (array zero-terminated=1): the profiles
 */
const char * const *
herald_token_get_profiles (HeraldToken *self)
{
  g_return_val_if_fail (HERALD_IS_TOKEN (self), NULL);
  return (const char * const *) self->profiles;
}

/**
 * herald_token_set_profiles:
 * @self: a #HeraldToken
 * @profiles: (nullable) (array zero-terminated=1): profile names, the
 *   first being the one used when a request names none; %NULL or empty
 *   for the routing rules to choose
 *
 * Sets the profiles the token's notifications may name.
 */
void
herald_token_set_profiles (HeraldToken        *self,
                           const char * const *profiles)
{
  g_return_if_fail (HERALD_IS_TOKEN (self));
  replace_strv (&self->profiles, profiles);
}

/**
 * herald_token_get_tags:
 * @self: a #HeraldToken
 *
 * Gets the tags added to every notification sent with the token.
 *
 * Returns: (transfer none) (array zero-terminated=1): the tags
 */
const char * const *
herald_token_get_tags (HeraldToken *self)
{
  g_return_val_if_fail (HERALD_IS_TOKEN (self), NULL);
  return (const char * const *) self->tags;
}

/**
 * herald_token_set_tags:
 * @self: a #HeraldToken
 * @tags: (nullable) (array zero-terminated=1): tags
 *
 * Sets the tags added to every notification sent with the token, for
 * routing rules to match on.
 */
void
herald_token_set_tags (HeraldToken        *self,
                       const char * const *tags)
{
  g_return_if_fail (HERALD_IS_TOKEN (self));
  replace_strv (&self->tags, tags);
}

/**
 * herald_token_get_allowed_tags:
 * @self: a #HeraldToken
 *
 * Gets the glob patterns of the tags a request may set itself.
 *
 * Returns: (transfer none) (array zero-terminated=1): the patterns
 */
const char * const *
herald_token_get_allowed_tags (HeraldToken *self)
{
  g_return_val_if_fail (HERALD_IS_TOKEN (self), NULL);
  return (const char * const *) self->allowed_tags;
}

/**
 * herald_token_set_allowed_tags:
 * @self: a #HeraldToken
 * @patterns: (nullable) (array zero-terminated=1): glob patterns (`*`
 *   matches any text, `?` one character); %NULL or empty: no tag
 *
 * Sets which tags a request with the token may set itself.
 */
void
herald_token_set_allowed_tags (HeraldToken        *self,
                               const char * const *patterns)
{
  g_return_if_fail (HERALD_IS_TOKEN (self));
  replace_strv (&self->allowed_tags, patterns);
}

/**
 * herald_token_get_rate:
 * @self: a #HeraldToken
 *
 * Gets the requests a minute the token allows; 0 means no limit.
 *
 * Returns: requests a minute
 */
guint
herald_token_get_rate (HeraldToken *self)
{
  g_return_val_if_fail (HERALD_IS_TOKEN (self), 0);
  return self->rate;
}

/**
 * herald_token_set_rate:
 * @self: a #HeraldToken
 * @per_minute: requests a minute, at most 100000; 0 for no limit
 *
 * Sets the token's rate limit. Requests over it are answered with HTTP
 * status 429 and a Retry-After header.
 */
void
herald_token_set_rate (HeraldToken *self,
                       guint        per_minute)
{
  g_return_if_fail (HERALD_IS_TOKEN (self));
  self->rate = per_minute;
}

/**
 * herald_token_get_created:
 * @self: a #HeraldToken
 *
 * Gets when the token was made.
 *
 * Returns: (transfer none) (nullable): the time, or %NULL for a token
 *   made with herald_token_new()
 */
GDateTime *
herald_token_get_created (HeraldToken *self)
{
  g_return_val_if_fail (HERALD_IS_TOKEN (self), NULL);
  return self->created;
}

/**
 * herald_token_get_last_used:
 * @self: a #HeraldToken
 *
 * Gets when the token was last used, to the minute.
 *
 * Returns: (transfer none) (nullable): the time, or %NULL if it never was
 */
GDateTime *
herald_token_get_last_used (HeraldToken *self)
{
  g_return_val_if_fail (HERALD_IS_TOKEN (self), NULL);
  return self->last_used;
}

/**
 * herald_token_to_variant:
 * @self: a #HeraldToken
 *
 * Gets the token's scope as the `scope` argument of `AddToken`:
 * `profiles`, `tags`, `allowed-tags` and `rate`.
 *
 * Returns: (transfer full): an `a{sv}` #GVariant
 */
GVariant *
herald_token_to_variant (HeraldToken *self)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  g_return_val_if_fail (HERALD_IS_TOKEN (self), NULL);

  g_variant_dict_insert (&dict, "profiles", "^as", self->profiles);
  g_variant_dict_insert (&dict, "tags", "^as", self->tags);
  g_variant_dict_insert (&dict, "allowed-tags", "^as", self->allowed_tags);
  g_variant_dict_insert (&dict, "rate", "u", (guint32) self->rate);
  return g_variant_ref_sink (g_variant_dict_end (&dict));
}
