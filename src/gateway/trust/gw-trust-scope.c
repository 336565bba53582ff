/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-trust-scope.c: which server a trusted certificate is trusted for
 *
 * The endpoints of a profile, the endpoint of a certificate record, and the
 * one-time migration of the pins stored before trust had a scope.
 */
#define G_LOG_DOMAIN "gw-trust"

#include "config.h"

#include "gw-pop-login.h"
#include "gw-tls-policy.h"
#include "gw-trust-scope.h"

GPtrArray *
gw_trust_profile_endpoints (GwProfile *profile)
{
  GPtrArray *endpoints = g_ptr_array_new_with_free_func (g_free);
  char *own = gw_tls_profile_endpoint (profile);
  char *pop = gw_pop_login_dup_endpoint (profile);

  if (own != NULL)
    g_ptr_array_add (endpoints, own);
  if (pop != NULL && g_strcmp0 (pop, own) != 0)
    g_ptr_array_add (endpoints, pop);
  else
    g_free (pop);
  return endpoints;
}

char *
gw_trust_record_endpoint (GVariant  *record,
                          GwProfile *profile)
{
  const char *host = NULL;
  guint16 port = 0;

  if (!g_variant_lookup (record, "host", "&s", &host) || *host == '\0' ||
      !g_variant_lookup (record, "port", "q", &port) || port == 0)
    return gw_tls_profile_endpoint (profile);
  return gw_tls_endpoint_name (host, port);
}

/* The endpoints of the trusted records of @profile's key @pin. */
static GPtrArray *
record_endpoints (GVariant   *all,
                  GwProfile  *profile,
                  const char *pin)
{
  GPtrArray *endpoints = g_ptr_array_new_with_free_func (g_free);
  const char *name = gw_profile_get_name (profile);
  GVariantIter iter;
  GVariant *record;

  g_variant_iter_init (&iter, all);
  while ((record = g_variant_iter_next_value (&iter)) != NULL) {
    G_GNUC_UNUSED g_autoptr(GVariant) owned = record;
    const char *p = NULL, *k = NULL;
    char *endpoint;

    if (!g_variant_lookup (record, "profile", "&s", &p) || !g_str_equal (p, name) ||
        !g_variant_lookup (record, "spki-pin", "&s", &k) || g_ascii_strcasecmp (k, pin) != 0)
      continue;
    endpoint = gw_trust_record_endpoint (record, profile);
    if (endpoint == NULL || g_ptr_array_find_with_equal_func (endpoints, endpoint, g_str_equal, NULL))
      g_free (endpoint);
    else
      g_ptr_array_add (endpoints, endpoint);
  }
  return endpoints;
}

/* The pins of @profile rewritten with a scope, or NULL when none changes. */
static GPtrArray *
scoped_pins (GwProfile *profile,
             GVariant  *all)
{
  g_auto(GStrv) entries = gw_profile_dup_strv (profile, "pinned-keys");
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *pop = gw_pop_login_dup_endpoint (profile);
  gboolean changed = FALSE;

  for (guint i = 0; entries[i] != NULL; i++) {
    g_autofree char *pin = NULL;
    g_autofree char *endpoint = NULL;
    g_autoptr(GPtrArray) seen_on = NULL;

    if (!gw_tls_pin_entry_parse (entries[i], &pin, &endpoint) || endpoint != NULL) {
      g_ptr_array_add (out, g_strdup (entries[i]));
      continue;
    }
    seen_on = record_endpoints (all, profile, pin);
    if (seen_on->len == 0) {
      if (pop != NULL)
        g_message ("Profile %s: the pin %s, set without a server, now holds for the profile's "
                   "own server only, no longer for its POP3 server %s; pin it as %s@%s if that "
                   "server uses the same key", gw_profile_get_name (profile), pin, pop, pin, pop);
      g_ptr_array_add (out, g_steal_pointer (&pin));
      continue;
    }
    for (guint j = 0; j < seen_on->len; j++) {
      char *scoped = g_strdup_printf ("%s@%s", pin, (const char *) seen_on->pdata[j]);

      if (g_ptr_array_find_with_equal_func (out, scoped, g_str_equal, NULL))
        g_free (scoped);
      else
        g_ptr_array_add (out, scoped);
    }
    changed = TRUE;
  }
  return changed ? g_steal_pointer (&out) : NULL;
}

gboolean
gw_trust_migrate_pins (GwProfileStore   *profiles,
                       GwUntrustedStore *trusted,
                       GError          **error)
{
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GVariant) all = NULL;

  g_return_val_if_fail (GW_IS_PROFILE_STORE (profiles), FALSE);
  g_return_val_if_fail (GW_IS_UNTRUSTED_STORE (trusted), FALSE);

  if (gw_untrusted_store_get_format (trusted) >= GW_TRUST_FORMAT_SCOPED)
    return TRUE;
  all = g_variant_ref_sink (gw_untrusted_store_list (trusted));
  list = gw_profile_store_list (profiles);
  for (guint i = 0; i < list->len; i++) {
    /* (a reference: the update replaces the store's profile object) */
    g_autoptr(GwProfile) profile = g_object_ref (g_ptr_array_index (list, i));
    g_autoptr(GPtrArray) pins = scoped_pins (profile, all);
    g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
    g_autoptr(GVariant) settings = NULL;
    g_autoptr(GError) local_error = NULL;

    if (pins == NULL)
      continue;
    g_variant_dict_insert_value (&dict, "pinned-keys",
                                 g_variant_new_strv ((const char * const *) pins->pdata, pins->len));
    settings = g_variant_ref_sink (g_variant_dict_end (&dict));
    if (gw_profile_store_update (profiles, gw_profile_get_name (profile), settings, &local_error) == NULL)
      g_warning ("Cannot scope the trusted keys of profile %s to their servers: %s",
                 gw_profile_get_name (profile), local_error->message);
    else
      g_info ("Profile %s: trusted keys scoped to the servers they were seen on",
              gw_profile_get_name (profile));
  }
  return gw_untrusted_store_set_format (trusted, GW_TRUST_FORMAT_SCOPED, error);
}
