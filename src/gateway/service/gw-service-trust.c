/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-service-trust.c: the trust manager methods of the D-Bus service
 *
 * Trusting a certificate means pinning its public key (SPKI pin) in the
 * profile's pinned-keys, which the TLS policy checks before anything else,
 * for the endpoint it was seen on: "PIN@HOST:PORT" (gw-trust-scope.h). The
 * refused certificate's record moves from untrusted-certificates.conf to
 * trusted-certificates.conf, so that the trusted list can still show the
 * subject, issuer and validity a person decided on.
 */
#define G_LOG_DOMAIN "gw-trust"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "gw-profile-schema.h"
#include "gw-service-private.h"
#include "gw-tls-policy.h"
#include "gw-trust-scope.h"

#define MAX_DEFERRED 10000

/* Lower-case hex without ":" separators, or NULL if not 64 hex digits. */
static char *
normalize_fingerprint (const char *text)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++) {
    if (*p == ':')
      continue;
    if (!g_ascii_isxdigit (*p))
      return NULL;
    g_string_append_c (out, g_ascii_tolower (*p));
  }
  if (out->len != 64)
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
is_hex64 (const char *text)
{
  g_autofree char *normal = normalize_fingerprint (text);

  return normal != NULL && strlen (text) == 64;
}

static char *
check_fingerprint (GDBusMethodInvocation *invocation,
                   const char            *text)
{
  char *fingerprint = normalize_fingerprint (text);

  if (fingerprint == NULL)
    gw_service_return_new_error (invocation, HERALD_ERROR_INVALID_ARGUMENT,
                                 _("“%s” is not a SHA-256 fingerprint: 64 hexadecimal digits, "
                                   "optionally separated by “:”"), text);
  return fingerprint;
}

gboolean
gw_service_handle_list_untrusted_certificates (GwDBusGateway1        *object,
                                               GDBusMethodInvocation *invocation)
{
  GwService *self = GW_SERVICE (object);
  g_autoptr(GVariant) all = g_variant_ref_sink (gw_untrusted_store_list (self->untrusted));
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));
  GVariantIter iter;
  GVariant *record;

  gw_service_touch (self);
  /* Records of a profile removed since are of no use to anyone. */
  g_variant_iter_init (&iter, all);
  while ((record = g_variant_iter_next_value (&iter)) != NULL) {
    G_GNUC_UNUSED g_autoptr(GVariant) owned = record;
    const char *profile = NULL;

    if (g_variant_lookup (record, "profile", "&s", &profile) &&
        gw_profile_store_lookup (self->profiles, profile) != NULL)
      g_variant_builder_add_value (&builder, record);
  }
  gw_dbus_gateway1_complete_list_untrusted_certificates (object, invocation,
                                                         g_variant_builder_end (&builder));
  return TRUE;
}

/* The endpoint @record was seen on when @profile still talks TLS to it,
 * else NULL: a record left from before a change of host or port must not
 * pin a key for the new server. */
static char *
record_endpoint_in_use (GVariant  *record,
                        GwProfile *profile)
{
  g_autoptr(GPtrArray) endpoints = gw_trust_profile_endpoints (profile);
  g_autofree char *endpoint = gw_trust_record_endpoint (record, profile);

  if (endpoint == NULL || !g_ptr_array_find_with_equal_func (endpoints, endpoint, g_str_equal, NULL))
    return NULL;
  return g_steal_pointer (&endpoint);
}

/* The pin of an entry of pinned-keys, or NULL if malformed. */
static char *
entry_pin (const char *entry)
{
  char *pin = NULL;

  if (!gw_tls_pin_entry_parse (entry, &pin, NULL))
    return NULL;
  return pin;
}

/* Sets @profile's pinned-keys to @pins (empty: reset). */
static gboolean
set_pins (GwService   *self,
          const char  *profile,
          GPtrArray   *pins,
          GError     **error)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GVariant) settings = NULL;

  if (pins->len == 0)
    g_variant_dict_insert (&dict, "pinned-keys", "s", "");
  else
    g_variant_dict_insert_value (&dict, "pinned-keys",
                                 g_variant_new_strv ((const char * const *) pins->pdata, pins->len));
  settings = g_variant_ref_sink (g_variant_dict_end (&dict));
  return gw_profile_store_update (self->profiles, profile, settings, error) != NULL;
}

static void
retry_deferred_cb (GObject      *source,
                   GAsyncResult *res,
                   gpointer      user_data)
{
  g_autoptr(GwService) self = GW_SERVICE (user_data);
  g_autoptr(GError) error = NULL;

  /* A delivery that changed state meanwhile is no longer deferred. */
  if (!gw_queue_retry_finish (GW_QUEUE (source), res, &error))
    g_debug ("Not retried: %s", error->message);
  gw_dispatcher_wake (self->dispatcher);
}

/* Makes the deferred deliveries that have a job on @profile due now. */
static void
retry_deferred (GwService  *self,
                const char *profile)
{
  g_auto(GVariantDict) filter = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GVariant) filter_value = NULL;
  g_autoptr(GVariant) deliveries = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter iter;
  GVariant *delivery;

  g_variant_dict_insert (&filter, "state", "s", "deferred");
  g_variant_dict_insert (&filter, "profile", "s", profile);
  g_variant_dict_insert (&filter, "limit", "u", MAX_DEFERRED);
  filter_value = g_variant_ref_sink (g_variant_dict_end (&filter));
  deliveries = gw_queue_list_deliveries (self->queue, filter_value, &error);
  if (deliveries == NULL) {
    g_warning ("Cannot list the deferred deliveries of %s: %s", profile, error->message);
    return;
  }
  g_variant_iter_init (&iter, deliveries);
  while ((delivery = g_variant_iter_next_value (&iter)) != NULL) {
    G_GNUC_UNUSED g_autoptr(GVariant) owned = delivery;
    const char *id;

    if (g_variant_lookup (delivery, "id", "&s", &id))
      gw_queue_retry_async (self->queue, id, retry_deferred_cb, g_object_ref (self));
  }
  g_info ("%" G_GSIZE_FORMAT " deferred deliveries of profile %s are due now",
          g_variant_n_children (deliveries), profile);
}

/* Whether @other sends through the profile @name: one of its transport's
 * profile keys that decide where secrets go (the SMTP profile a transport
 * mails through, say) names it. */
static gboolean
sends_through (GwProfile  *other,
               const char *name)
{
  g_autoptr(GPtrArray) specs = gw_profile_schema_list_for (gw_profile_get_transport (other));

  for (guint i = 0; i < specs->len; i++) {
    const GwSettingSpec *spec = g_ptr_array_index (specs, i);

    if (gw_setting_spec_get_value_type (spec) == GW_SETTING_PROFILE &&
        gw_setting_spec_has_flag (spec, GW_SETTING_FLAG_REDIRECTS_SECRETS) &&
        g_strcmp0 (gw_profile_get_string (other, gw_setting_spec_get_key (spec)), name) == 0)
      return TRUE;
  }
  return FALSE;
}

/* Profiles that deliver through @name's server retry too. */
static void
retry_profiles_sending_through (GwService  *self,
                                const char *name)
{
  g_autoptr(GPtrArray) all = gw_profile_store_list (self->profiles);

  for (guint i = 0; i < all->len; i++) {
    GwProfile *other = g_ptr_array_index (all, i);

    if (sends_through (other, name))
      retry_deferred (self, gw_profile_get_name (other));
  }
}

gboolean
gw_service_handle_trust_certificate (GwDBusGateway1        *object,
                                     GDBusMethodInvocation *invocation,
                                     const char            *name,
                                     const char            *text)
{
  GwService *self = GW_SERVICE (object);
  g_autofree char *fingerprint = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GPtrArray) usable = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  g_autoptr(GPtrArray) pins = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) where = g_string_new (NULL);
  g_auto(GStrv) old_pins = NULL;
  g_autoptr(GError) error = NULL;
  GwProfile *profile;
  const char *pin = NULL;

  gw_service_touch (self);
  profile = gw_service_lookup_profile (self, invocation, name);
  if (profile == NULL)
    return TRUE;
  fingerprint = check_fingerprint (invocation, text);
  if (fingerprint == NULL)
    return TRUE;
  records = gw_untrusted_store_lookup (self->untrusted, name, fingerprint);
  if (records->len == 0)
    return gw_service_return_new_error (invocation, HERALD_ERROR_INVALID_ARGUMENT,
                                        _("Profile “%s” has no untrusted certificate with the "
                                          "fingerprint %s; see ListUntrustedCertificates"),
                                        name, fingerprint);
  old_pins = gw_profile_dup_strv (profile, "pinned-keys");
  for (guint i = 0; old_pins[i] != NULL; i++)
    g_ptr_array_add (pins, g_strdup (old_pins[i]));
  /* The key is trusted for each server of the profile it was seen on,
   * and for no other. */
  for (guint i = 0; i < records->len; i++) {
    GVariant *record = records->pdata[i];
    g_autofree char *endpoint = record_endpoint_in_use (record, profile);
    char *entry;

    if (endpoint == NULL)
      continue;
    if (!g_variant_lookup (record, "spki-pin", "&s", &pin) || !is_hex64 (pin))
      return gw_service_return_new_error (invocation, HERALD_ERROR_FAILED,
                                          _("The record of certificate %s has no public key pin"),
                                          fingerprint);
    entry = g_strdup_printf ("%s@%s", pin, endpoint);
    if (g_ptr_array_find_with_equal_func (pins, entry, g_str_equal, NULL))
      g_free (entry);
    else
      g_ptr_array_add (pins, entry);
    g_ptr_array_add (usable, g_variant_ref (record));
    g_string_append_printf (where, "%s%s", where->len > 0 ? ", " : "", endpoint);
  }
  if (usable->len == 0)
    return gw_service_return_new_error (invocation, HERALD_ERROR_INVALID_STATE,
                                        _("Certificate %s was seen on another server than profile "
                                          "“%s” uses now; test the profile again and trust the "
                                          "certificate it reports"), fingerprint, name);
  if (!set_pins (self, name, pins, &error))
    return gw_service_return_error (invocation, error);

  for (guint i = 0; i < usable->len; i++) {
    g_auto(GVariantDict) trusted = G_VARIANT_DICT_INIT (usable->pdata[i]);
    g_autoptr(GVariant) trusted_record = NULL;

    g_variant_dict_insert (&trusted, "trusted-at", "x", g_get_real_time ());
    g_variant_dict_remove (&trusted, "errors");
    trusted_record = g_variant_ref_sink (g_variant_dict_end (&trusted));
    if (!gw_untrusted_store_put (self->trusted, trusted_record, &error) ||
        !gw_untrusted_store_remove (self->untrusted, usable->pdata[i], &error)) {
      g_warning ("Certificate %s is trusted, but its record was not moved: %s", fingerprint,
                 error->message);
      g_clear_error (&error);
    }
  }
  g_info ("Profile %s now trusts the certificate %s (pin %s) on %s", name, fingerprint, pin,
          where->str);
  gw_dbus_gateway1_complete_trust_certificate (object, invocation);
  retry_deferred (self, name);
  retry_profiles_sending_through (self, name);
  return TRUE;
}

/* The trusted-store record of @profile whose spki-pin is @pin, seen on
 * @endpoint (any when NULL), or NULL. */
static GVariant *
lookup_trusted_by_pin (GwService  *self,
                       GwProfile  *profile,
                       const char *pin,
                       const char *endpoint)
{
  g_autoptr(GVariant) all = g_variant_ref_sink (gw_untrusted_store_list (self->trusted));
  const char *name = gw_profile_get_name (profile);
  GVariantIter iter;
  GVariant *record;

  g_variant_iter_init (&iter, all);
  while ((record = g_variant_iter_next_value (&iter)) != NULL) {
    const char *p = NULL, *k = NULL;

    if (g_variant_lookup (record, "profile", "&s", &p) && g_str_equal (p, name) &&
        g_variant_lookup (record, "spki-pin", "&s", &k) && g_str_equal (k, pin)) {
      g_autofree char *seen_on = gw_trust_record_endpoint (record, profile);

      if (endpoint == NULL || g_strcmp0 (seen_on, endpoint) == 0)
        return record;
    }
    g_variant_unref (record);
  }
  return NULL;
}

/* host and port of a "host:port" or "[v6]:port" endpoint. */
static void
insert_endpoint (GVariantDict *dict,
                 const char   *endpoint)
{
  const char *colon = strrchr (endpoint, ':');
  g_autofree char *host = g_strndup (endpoint, colon - endpoint);
  guint64 port = g_ascii_strtoull (colon + 1, NULL, 10);

  if (host[0] == '[') {
    memmove (host, host + 1, strlen (host));
    host[strlen (host) - 1] = '\0';
  }
  g_variant_dict_insert (dict, "host", "s", host);
  g_variant_dict_insert (dict, "port", "q", (guint16) port);
}

static void
add_trusted (GwService       *self,
             GwProfile       *profile,
             GVariantBuilder *builder)
{
  g_auto(GStrv) entries = gw_profile_dup_strv (profile, "pinned-keys");
  g_autofree char *own = gw_tls_profile_endpoint (profile);

  for (guint i = 0; entries[i] != NULL; i++) {
    g_autofree char *pin = NULL;
    g_autofree char *endpoint = NULL;
    g_autoptr(GVariant) record = NULL;
    const char *server;

    if (!gw_tls_pin_entry_parse (entries[i], &pin, &endpoint))
      continue;
    /* a bare pin holds for the profile's own server */
    server = endpoint != NULL ? endpoint : own;
    record = lookup_trusted_by_pin (self, profile, pin, server);
    {
      g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (record);

      g_variant_dict_insert (&dict, "profile", "s", gw_profile_get_name (profile));
      g_variant_dict_insert (&dict, "spki-pin", "s", pin);
      if (server != NULL)
        insert_endpoint (&dict, server);
      g_variant_builder_add_value (builder, g_variant_dict_end (&dict));
    }
  }
}

gboolean
gw_service_handle_list_trusted_certificates (GwDBusGateway1        *object,
                                             GDBusMethodInvocation *invocation,
                                             const char            *name)
{
  GwService *self = GW_SERVICE (object);
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));

  gw_service_touch (self);
  if (*name != '\0') {
    GwProfile *profile = gw_service_lookup_profile (self, invocation, name);

    if (profile == NULL)
      return TRUE;
    add_trusted (self, profile, &builder);
  } else {
    g_autoptr(GPtrArray) profiles = gw_profile_store_list (self->profiles);

    for (guint i = 0; i < profiles->len; i++)
      add_trusted (self, g_ptr_array_index (profiles, i), &builder);
  }
  gw_dbus_gateway1_complete_list_trusted_certificates (object, invocation,
                                                       g_variant_builder_end (&builder));
  return TRUE;
}

gboolean
gw_service_handle_untrust_certificate (GwDBusGateway1        *object,
                                       GDBusMethodInvocation *invocation,
                                       const char            *name,
                                       const char            *text)
{
  GwService *self = GW_SERVICE (object);
  g_autofree char *value = NULL;
  g_autofree char *pin = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GPtrArray) pins = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) old_pins = NULL;
  g_autoptr(GError) error = NULL;
  gboolean found = FALSE;
  /* (a reference: set_pins() replaces the store's profile object) */
  g_autoptr(GwProfile) profile = NULL;

  gw_service_touch (self);
  profile = gw_service_lookup_profile (self, invocation, name);
  if (profile == NULL)
    return TRUE;
  g_object_ref (profile);
  value = check_fingerprint (invocation, text);
  if (value == NULL)
    return TRUE;

  /* A fingerprint of a certificate trusted here, or a pin itself; either
   * way the key goes, for every server it was trusted for. */
  old_pins = gw_profile_dup_strv (profile, "pinned-keys");
  records = gw_untrusted_store_lookup (self->trusted, name, value);
  if (records->len > 0)
    g_variant_lookup (records->pdata[0], "spki-pin", "s", &pin);
  else
    pin = g_strdup (value);
  for (guint i = 0; old_pins[i] != NULL; i++) {
    g_autofree char *entry = entry_pin (old_pins[i]);

    if (g_strcmp0 (entry, pin) == 0)
      found = TRUE;
    else
      g_ptr_array_add (pins, g_strdup (old_pins[i]));
  }
  if (!found)
    return gw_service_return_new_error (invocation, HERALD_ERROR_INVALID_ARGUMENT,
                                        _("Profile “%s” trusts no certificate or key %s; "
                                          "see ListTrustedCertificates"), name, value);
  if (!set_pins (self, name, pins, &error))
    return gw_service_return_error (invocation, error);

  /* Every record of the profile with that key goes. */
  for (guint i = 0; i < MAX_DEFERRED; i++) {
    g_autoptr(GVariant) trusted = lookup_trusted_by_pin (self, profile, pin, NULL);

    if (trusted == NULL)
      break;
    if (!gw_untrusted_store_remove (self->trusted, trusted, &error)) {
      g_warning ("Cannot remove a trusted record of key %s: %s", pin, error->message);
      break;
    }
  }
  g_info ("Profile %s no longer trusts the key %s", name, pin);
  gw_dbus_gateway1_complete_untrust_certificate (object, invocation);
  return TRUE;
}
