/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-api-token.c: one bearer token of the HTTP API and its scope
 *
 * The scope is applied to the notification before it goes to the
 * pipeline, so a request out of scope stores nothing; see gw-api-tokens.h
 * for what each part means.
 */
#define G_LOG_DOMAIN "gw-api-tokens"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-api-tokens.h"

GwApiToken *
gw_api_token_ref (GwApiToken *token)
{
  return g_atomic_rc_box_acquire (token);
}

static void
gw_api_token_clear (GwApiToken *token)
{
  g_free (token->name);
  g_free (token->id);
  g_strfreev (token->profiles);
  g_strfreev (token->tags);
  g_strfreev (token->allowed_tags);
}

void
gw_api_token_unref (GwApiToken *token)
{
  g_atomic_rc_box_release_full (token, (GDestroyNotify) gw_api_token_clear);
}

gboolean
gw_api_token_allows_profile (GwApiToken *token,
                             const char *name)
{
  return token->profiles[0] == NULL || g_strv_contains ((const char * const *) token->profiles, name);
}

static gboolean
tag_is_allowed (GwApiToken *token,
                const char *tag)
{
  for (guint i = 0; token->allowed_tags[i] != NULL; i++) {
    if (g_pattern_match_simple (token->allowed_tags[i], tag))
      return TRUE;
  }
  return FALSE;
}

gboolean
gw_api_token_apply_scope (GwApiToken     *token,
                          GwNotification *n,
                          GError        **error)
{
  g_autoptr(GStrvBuilder) tags = g_strv_builder_new ();
  guint n_tags = 0;

  if (n->profile != NULL && token->profiles[0] == NULL) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED,
                 _("Token “%s” may not name a profile: the routing rules choose one"),
                 token->name);
    return FALSE;
  }
  if (n->profile != NULL && !gw_api_token_allows_profile (token, n->profile)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED,
                 _("Token “%s” may not use profile “%s”"), token->name, n->profile);
    return FALSE;
  }
  for (guint i = 0; n->tags != NULL && n->tags[i] != NULL; i++) {
    if (!tag_is_allowed (token, n->tags[i])) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED,
                   _("Token “%s” may not set the tag “%s”"), token->name, n->tags[i]);
      return FALSE;
    }
    g_strv_builder_add (tags, n->tags[i]);
    n_tags++;
  }

  /* Checked: now change the notification. */
  for (guint i = 0; token->tags[i] != NULL; i++) {
    if (n->tags == NULL || !g_strv_contains ((const char * const *) n->tags, token->tags[i])) {
      g_strv_builder_add (tags, token->tags[i]);
      n_tags++;
    }
  }
  g_strfreev (n->tags);
  n->tags = n_tags > 0 ? g_strv_builder_end (tags) : NULL;
  if (n->profile == NULL && token->profiles[0] != NULL)
    n->profile = g_strdup (token->profiles[0]);
  return TRUE;
}

GVariant *
gw_api_token_to_variant (GwApiToken *token)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  g_variant_dict_insert (&dict, "name", "s", token->name);
  g_variant_dict_insert (&dict, "profiles", "^as", token->profiles);
  g_variant_dict_insert (&dict, "tags", "^as", token->tags);
  g_variant_dict_insert (&dict, "allowed-tags", "^as", token->allowed_tags);
  g_variant_dict_insert (&dict, "rate", "u", token->rate);
  g_variant_dict_insert (&dict, "created", "x", token->created);
  g_variant_dict_insert (&dict, "last-used", "x", token->last_used);
  return g_variant_dict_end (&dict);
}
