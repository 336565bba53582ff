/* gw-trust-manager.c: the trust manager methods of the D-Bus service
 *
 * Trusting a certificate means pinning its public key (SPKI pin) in the
 * profile's pinned-keys, which the TLS policy checks before anything else.
 * The refused certificate's record moves from untrusted-certificates.conf
 * to trusted-certificates.conf, so that the trusted list can still show
 * the subject, issuer and validity a person decided on.
 */
#define G_LOG_DOMAIN "gw-trust"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "gw-profile-schema.h"
#include "gw-service-private.h"

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
    g_autoptr(GVariant) owned = record;
    const char *profile = NULL;

    if (g_variant_lookup (record, "profile", "&s", &profile) &&
        gw_profile_store_lookup (self->profiles, profile) != NULL)
      g_variant_builder_add_value (&builder, record);
  }
  gw_dbus_gateway1_complete_list_untrusted_certificates (object, invocation,
                                                         g_variant_builder_end (&builder));
  return TRUE;
}

/* Whether @record was seen on a server @profile still talks to: a record
 * left from before a change of host must not pin a key for the new one. */
static gboolean
record_matches_profile (GVariant  *record,
                        GwProfile *profile)
{
  g_auto(GStrv) host_keys = gw_profile_schema_dup_keys_with_flag (GW_SETTING_FLAG_SERVER_HOST);
  const char *host = NULL;

  if (!g_variant_lookup (record, "host", "&s", &host) || *host == '\0')
    return TRUE;
  for (guint i = 0; host_keys[i] != NULL; i++) {
    if (g_ascii_strcasecmp (host, gw_profile_get_string (profile, host_keys[i]) ?: "") == 0)
      return TRUE;
  }
  return FALSE;
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
    g_autoptr(GVariant) owned = delivery;
    const char *id;

    if (g_variant_lookup (delivery, "id", "&s", &id))
      gw_queue_retry_async (self->queue, id, retry_deferred_cb, g_object_ref (self));
  }
  g_info ("%" G_GSIZE_FORMAT " deferred deliveries of profile %s are due now",
          g_variant_n_children (deliveries), profile);
}

gboolean
gw_service_handle_trust_certificate (GwDBusGateway1        *object,
                                     GDBusMethodInvocation *invocation,
                                     const char            *name,
                                     const char            *text)
{
  GwService *self = GW_SERVICE (object);
  g_autofree char *fingerprint = NULL;
  g_autoptr(GVariant) record = NULL;
  g_autoptr(GPtrArray) pins = g_ptr_array_new_with_free_func (g_free);
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
  record = gw_untrusted_store_lookup (self->untrusted, name, fingerprint);
  if (record == NULL)
    return gw_service_return_new_error (invocation, HERALD_ERROR_INVALID_ARGUMENT,
                                        _("Profile “%s” has no untrusted certificate with the "
                                          "fingerprint %s; see ListUntrustedCertificates"),
                                        name, fingerprint);
  if (!record_matches_profile (record, profile))
    return gw_service_return_new_error (invocation, HERALD_ERROR_INVALID_STATE,
                                        _("Certificate %s was seen on another server than profile "
                                          "“%s” uses now; test the profile again and trust the "
                                          "certificate it reports"), fingerprint, name);
  if (!g_variant_lookup (record, "spki-pin", "&s", &pin) || !is_hex64 (pin))
    return gw_service_return_new_error (invocation, HERALD_ERROR_FAILED,
                                        _("The record of certificate %s has no public key pin"),
                                        fingerprint);

  old_pins = gw_profile_dup_strv (profile, "pinned-keys");
  for (guint i = 0; old_pins[i] != NULL; i++)
    g_ptr_array_add (pins, g_strdup (old_pins[i]));
  if (!g_strv_contains ((const char * const *) old_pins, pin))
    g_ptr_array_add (pins, g_strdup (pin));
  if (!set_pins (self, name, pins, &error))
    return gw_service_return_error (invocation, error);

  {
    g_auto(GVariantDict) trusted = G_VARIANT_DICT_INIT (record);
    g_autoptr(GVariant) trusted_record = NULL;

    g_variant_dict_insert (&trusted, "trusted-at", "x", g_get_real_time ());
    g_variant_dict_remove (&trusted, "errors");
    trusted_record = g_variant_ref_sink (g_variant_dict_end (&trusted));
    if (!gw_untrusted_store_put (self->trusted, trusted_record, &error) ||
        !gw_untrusted_store_remove (self->untrusted, name, fingerprint, &error))
      g_warning ("Certificate %s is trusted, but its record was not moved: %s", fingerprint,
                 error->message);
  }
  g_info ("Profile %s now trusts the certificate %s (pin %s)", name, fingerprint, pin);
  gw_dbus_gateway1_complete_trust_certificate (object, invocation);
  retry_deferred (self, name);
  return TRUE;
}

/* The trusted-store record of @profile whose spki-pin is @pin, or NULL. */
static GVariant *
lookup_trusted_by_pin (GwService  *self,
                       const char *profile,
                       const char *pin)
{
  g_autoptr(GVariant) all = g_variant_ref_sink (gw_untrusted_store_list (self->trusted));
  GVariantIter iter;
  GVariant *record;

  g_variant_iter_init (&iter, all);
  while ((record = g_variant_iter_next_value (&iter)) != NULL) {
    const char *p = NULL, *k = NULL;

    if (g_variant_lookup (record, "profile", "&s", &p) && g_str_equal (p, profile) &&
        g_variant_lookup (record, "spki-pin", "&s", &k) && g_str_equal (k, pin))
      return record;
    g_variant_unref (record);
  }
  return NULL;
}

static void
add_trusted (GwService       *self,
             GwProfile       *profile,
             GVariantBuilder *builder)
{
  g_auto(GStrv) pins = gw_profile_dup_strv (profile, "pinned-keys");

  for (guint i = 0; pins[i] != NULL; i++) {
    g_autoptr(GVariant) record = lookup_trusted_by_pin (self, gw_profile_get_name (profile), pins[i]);
    g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (record);

    g_variant_dict_insert (&dict, "profile", "s", gw_profile_get_name (profile));
    g_variant_dict_insert (&dict, "spki-pin", "s", pins[i]);
    g_variant_builder_add_value (builder, g_variant_dict_end (&dict));
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
  g_autoptr(GVariant) record = NULL;
  g_autoptr(GPtrArray) pins = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) old_pins = NULL;
  g_autoptr(GError) error = NULL;
  GwProfile *profile;

  gw_service_touch (self);
  profile = gw_service_lookup_profile (self, invocation, name);
  if (profile == NULL)
    return TRUE;
  value = check_fingerprint (invocation, text);
  if (value == NULL)
    return TRUE;

  /* A fingerprint of a certificate trusted here, or a pin itself. */
  old_pins = gw_profile_dup_strv (profile, "pinned-keys");
  record = gw_untrusted_store_lookup (self->trusted, name, value);
  if (record != NULL)
    g_variant_lookup (record, "spki-pin", "s", &pin);
  else if (g_strv_contains ((const char * const *) old_pins, value))
    pin = g_strdup (value);
  if (pin == NULL || !g_strv_contains ((const char * const *) old_pins, pin))
    return gw_service_return_new_error (invocation, HERALD_ERROR_INVALID_ARGUMENT,
                                        _("Profile “%s” trusts no certificate or key %s; "
                                          "see ListTrustedCertificates"), name, value);
  for (guint i = 0; old_pins[i] != NULL; i++) {
    if (!g_str_equal (old_pins[i], pin))
      g_ptr_array_add (pins, g_strdup (old_pins[i]));
  }
  if (!set_pins (self, name, pins, &error))
    return gw_service_return_error (invocation, error);

  /* Every record of the profile with that key goes. */
  for (guint i = 0; i < MAX_DEFERRED; i++) {
    g_autoptr(GVariant) trusted = lookup_trusted_by_pin (self, name, pin);
    const char *fingerprint = NULL;

    if (trusted == NULL || !g_variant_lookup (trusted, "sha256-fingerprint", "&s", &fingerprint))
      break;
    if (!gw_untrusted_store_remove (self->trusted, name, fingerprint, &error)) {
      g_warning ("Cannot remove the trusted record %s: %s", fingerprint, error->message);
      break;
    }
  }
  g_info ("Profile %s no longer trusts the key %s", name, pin);
  gw_dbus_gateway1_complete_untrust_certificate (object, invocation);
  return TRUE;
}
