/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-untrusted-store.c: server certificates Herald refused, kept for the administrator
 *
 * The trust manager (ListUntrustedCertificates, TrustCertificate) reads
 * these; a delivery or a TestProfile that meets a certificate it cannot
 * trust writes one.
 */
#define G_LOG_DOMAIN "gw-untrusted-store"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-untrusted-store.h"

#define FILE_NAME "untrusted-certificates.conf"

struct _GwUntrustedStore {
  GObject   parent_instance;
  char     *path;
  GKeyFile *keyfile;
};

G_DEFINE_FINAL_TYPE (GwUntrustedStore, gw_untrusted_store, G_TYPE_OBJECT)

static const char * const string_keys[] = {
  "host", "subject", "issuer", "sha256-fingerprint", "spki-pin", NULL
};
static const char * const time_keys[] = {
  "first-seen", "last-seen", "not-before", "not-after", "trusted-at", NULL
};

static void
gw_untrusted_store_finalize (GObject *object)
{
  GwUntrustedStore *self = GW_UNTRUSTED_STORE (object);

  g_free (self->path);
  g_key_file_unref (self->keyfile);
  G_OBJECT_CLASS (gw_untrusted_store_parent_class)->finalize (object);
}

static void
gw_untrusted_store_class_init (GwUntrustedStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_untrusted_store_finalize;
}

static void
gw_untrusted_store_init (GwUntrustedStore *self)
{
  self->keyfile = g_key_file_new ();
}

GwUntrustedStore *
gw_untrusted_store_new (const char *state_dir)
{
  return gw_untrusted_store_new_for_file (state_dir, FILE_NAME);
}

GwUntrustedStore *
gw_untrusted_store_new_for_file (const char *state_dir,
                                 const char *file_name)
{
  GwUntrustedStore *self = g_object_new (GW_TYPE_UNTRUSTED_STORE, NULL);
  g_autoptr(GError) error = NULL;

  self->path = g_build_filename (state_dir, file_name, NULL);
  if (!g_key_file_load_from_file (self->keyfile, self->path, G_KEY_FILE_NONE, &error) &&
      !g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    g_warning ("Ignoring unreadable %s: %s", self->path, error->message);
  return self;
}

static gboolean
save (GwUntrustedStore *self,
      GError          **error)
{
  gsize length;
  g_autofree char *data = g_key_file_to_data (self->keyfile, &length, NULL);

  return g_file_set_contents_full (self->path, data, (gssize) length, G_FILE_SET_CONTENTS_CONSISTENT,
                                   0600, error);
}

gboolean
gw_untrusted_store_record (GwUntrustedStore *self,
                           const char       *profile,
                           GVariant         *certificate,
                           GError          **error)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (certificate);
  g_autofree char *group = NULL;
  g_autofree const char **errors = NULL;
  const char *fingerprint = NULL;
  gint64 now = g_get_real_time ();
  gint64 time_value;
  guint16 port;

  if (!g_variant_dict_lookup (&dict, "sha256-fingerprint", "&s", &fingerprint)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                 _("A refused certificate without a fingerprint cannot be recorded"));
    return FALSE;
  }
  group = g_strdup_printf ("%s %s", profile, fingerprint);
  if (!g_key_file_has_key (self->keyfile, group, "first-seen", NULL))
    g_key_file_set_int64 (self->keyfile, group, "first-seen", now);
  g_key_file_set_int64 (self->keyfile, group, "last-seen", now);
  g_key_file_set_string (self->keyfile, group, "profile", profile);
  for (guint i = 0; string_keys[i] != NULL; i++) {
    const char *value;
    if (g_variant_dict_lookup (&dict, string_keys[i], "&s", &value))
      g_key_file_set_string (self->keyfile, group, string_keys[i], value);
  }
  if (g_variant_dict_lookup (&dict, "not-before", "x", &time_value))
    g_key_file_set_int64 (self->keyfile, group, "not-before", time_value);
  if (g_variant_dict_lookup (&dict, "not-after", "x", &time_value))
    g_key_file_set_int64 (self->keyfile, group, "not-after", time_value);
  if (g_variant_dict_lookup (&dict, "port", "q", &port))
    g_key_file_set_integer (self->keyfile, group, "port", port);
  if (g_variant_dict_lookup (&dict, "errors", "^a&s", &errors))
    g_key_file_set_string_list (self->keyfile, group, "errors", errors, g_strv_length ((char **) errors));

  if (!save (self, error))
    return FALSE;
  g_info ("Recorded untrusted certificate %s of profile %s", fingerprint, profile);
  return TRUE;
}

static GVariant *
group_to_variant (GwUntrustedStore *self,
                  const char       *group)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_auto(GStrv) errors = g_key_file_get_string_list (self->keyfile, group, "errors", NULL, NULL);
  g_autofree char *profile = g_key_file_get_string (self->keyfile, group, "profile", NULL);

  if (profile == NULL)
    return NULL;
  g_variant_dict_insert (&dict, "profile", "s", profile);
  for (guint j = 0; string_keys[j] != NULL; j++) {
    g_autofree char *value = g_key_file_get_string (self->keyfile, group, string_keys[j], NULL);
    if (value != NULL)
      g_variant_dict_insert (&dict, string_keys[j], "s", value);
  }
  for (guint j = 0; time_keys[j] != NULL; j++) {
    if (g_key_file_has_key (self->keyfile, group, time_keys[j], NULL))
      g_variant_dict_insert (&dict, time_keys[j], "x",
                             g_key_file_get_int64 (self->keyfile, group, time_keys[j], NULL));
  }
  g_variant_dict_insert (&dict, "port", "q", (guint16) g_key_file_get_integer (self->keyfile, group, "port", NULL));
  if (errors != NULL)
    g_variant_dict_insert (&dict, "errors", "^as", errors);
  return g_variant_dict_end (&dict);
}

GVariant *
gw_untrusted_store_list (GwUntrustedStore *self)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));
  g_auto(GStrv) groups = g_key_file_get_groups (self->keyfile, NULL);

  for (guint i = 0; groups[i] != NULL; i++) {
    GVariant *record = group_to_variant (self, groups[i]);
    if (record != NULL)
      g_variant_builder_add_value (&builder, record);
  }
  return g_variant_builder_end (&builder);
}

GVariant *
gw_untrusted_store_lookup (GwUntrustedStore *self,
                           const char       *profile,
                           const char       *fingerprint)
{
  g_autofree char *group = g_strdup_printf ("%s %s", profile, fingerprint);
  GVariant *record;

  if (!g_key_file_has_group (self->keyfile, group))
    return NULL;
  record = group_to_variant (self, group);
  return record != NULL ? g_variant_ref_sink (record) : NULL;
}

gboolean
gw_untrusted_store_put (GwUntrustedStore *self,
                        GVariant         *record,
                        GError          **error)
{
  g_autofree char *group = NULL;
  g_autofree const char **errors = NULL;
  const char *profile = NULL, *fingerprint = NULL;
  guint16 port;

  if (!g_variant_lookup (record, "profile", "&s", &profile) ||
      !g_variant_lookup (record, "sha256-fingerprint", "&s", &fingerprint)) {
    g_set_error_literal (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                         "A certificate record needs a profile and a fingerprint");
    return FALSE;
  }
  group = g_strdup_printf ("%s %s", profile, fingerprint);
  g_key_file_remove_group (self->keyfile, group, NULL);
  g_key_file_set_string (self->keyfile, group, "profile", profile);
  for (guint i = 0; string_keys[i] != NULL; i++) {
    const char *value;
    if (g_variant_lookup (record, string_keys[i], "&s", &value))
      g_key_file_set_string (self->keyfile, group, string_keys[i], value);
  }
  for (guint i = 0; time_keys[i] != NULL; i++) {
    gint64 value;
    if (g_variant_lookup (record, time_keys[i], "x", &value))
      g_key_file_set_int64 (self->keyfile, group, time_keys[i], value);
  }
  if (g_variant_lookup (record, "port", "q", &port))
    g_key_file_set_integer (self->keyfile, group, "port", port);
  if (g_variant_lookup (record, "errors", "^a&s", &errors))
    g_key_file_set_string_list (self->keyfile, group, "errors", errors, g_strv_length ((char **) errors));
  return save (self, error);
}

gboolean
gw_untrusted_store_remove (GwUntrustedStore *self,
                           const char       *profile,
                           const char       *fingerprint,
                           GError          **error)
{
  g_autofree char *group = g_strdup_printf ("%s %s", profile, fingerprint);

  if (!g_key_file_remove_group (self->keyfile, group, NULL))
    return TRUE;
  return save (self, error);
}
