/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-router-match.c: whether a routing rule matches a notification */
#define G_LOG_DOMAIN "gw-router"

#include "config.h"

#include <string.h>

#include "gw-address.h"
#include "gw-router-private.h"

static gboolean
has_tag (GwNotification *n,
         const char     *tag)
{
  return n->tags != NULL && g_strv_contains ((const char * const *) n->tags, tag);
}

static gboolean
list_in_domain (GStrv       list,
                const char *domain)
{
  for (guint i = 0; list != NULL && list[i] != NULL; i++) {
    g_autofree char *addr = gw_rules_address_of (list[i]);
    g_autofree char *folded = NULL;
    const char *at;

    if (addr == NULL || (at = gw_address_get_domain (addr)) == NULL)
      continue;
    folded = g_utf8_casefold (at, -1);
    if (g_str_equal (folded, domain))
      return TRUE;
  }
  return FALSE;
}

/* Categories are dotted hierarchies ("backup.done", "device.error"): a
 * pattern matches a category, or any category below one it matches, so
 * "backup" takes "backup" and "backup.done" but not "backups", and
 * "device.*" takes "device.error". */
static gboolean
category_matches (const char *pattern,
                  const char *category)
{
  g_autofree char *below = NULL;

  if (g_pattern_match_simple (pattern, category))
    return TRUE;
  below = g_strconcat (pattern, ".*", NULL);
  return g_pattern_match_simple (below, category);
}

gboolean
gw_rule_matches (GwRule         *rule,
                 GwNotification *n)
{
  if (rule->category != NULL &&
      !category_matches (rule->category, n->category != NULL ? n->category : ""))
    return FALSE;
  if (rule->min_urgency >= 0 && n->urgency < rule->min_urgency)
    return FALSE;
  if (rule->app_name != NULL && g_strcmp0 (rule->app_name, n->app_name) != 0)
    return FALSE;
  if (rule->tags_any != NULL) {
    gboolean any = FALSE;

    for (guint i = 0; rule->tags_any[i] != NULL && !any; i++)
      any = has_tag (n, rule->tags_any[i]);
    if (!any)
      return FALSE;
  }
  for (guint i = 0; rule->tags_all != NULL && rule->tags_all[i] != NULL; i++) {
    if (!has_tag (n, rule->tags_all[i]))
      return FALSE;
  }
  if (rule->recipient_domain != NULL &&
      !list_in_domain (n->to, rule->recipient_domain) &&
      !list_in_domain (n->cc, rule->recipient_domain) &&
      !list_in_domain (n->bcc, rule->recipient_domain))
    return FALSE;
  if (rule->local_recipient != NULL &&
      (n->local_recipients == NULL ||
       !g_strv_contains ((const char * const *) n->local_recipients, rule->local_recipient)))
    return FALSE;
  return TRUE;
}
