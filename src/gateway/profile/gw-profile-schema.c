/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-profile-schema.c: the profile keys: the daemon's own and those of the
 * loaded transports
 *
 * The daemon declares only the keys every profile has, whatever its
 * transport: how a notification becomes a message (sender, charset,
 * attachments) and how the queue treats its jobs (retries, expiry, rate,
 * fallback). Every other key comes from a transport's setting specs, so a
 * transport is one folder and the daemon names none of them.
 */
#define G_LOG_DOMAIN "gw-profile-schema"

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-log.h"
#include "gw-profile-schema.h"
#include "gw-transport-private.h"

typedef struct {
  GPtrArray  *core;        /* GwSettingSpec, display order */
  GHashTable *core_by_key; /* key → GwSettingSpec */
  GHashTable *transports;  /* name → GPtrArray of GwSettingSpec */
  GHashTable *own_by_key;  /* name → (key → GwSettingSpec): a transport's, found without a scan */
  GHashTable *by_key;      /* key → GPtrArray of GwSettingSpec: every transport declaration */
  GHashTable *types;       /* name → GType of the transport class that declared them */
} Schema;

static GMutex schema_lock;

static gboolean
check_charset (const GwSettingSpec *spec, GVariant **value, GError **error)
{
  const char *cs = g_variant_get_string (*value, NULL);
  char *lower;
  GIConv conv;

  /* The name goes into a MIME header: a token, nothing else. */
  for (const char *p = cs; *p != '\0'; p++) {
    if (!g_ascii_isalnum (*p) && strchr ("._:-", *p) == NULL)
      return gw_setting_spec_refuse (spec, cs, _("not a character set name"), error);
  }
  conv = *cs != '\0' ? g_iconv_open ("UTF-8", cs) : (GIConv) -1;
  if (conv == (GIConv) -1)
    return gw_setting_spec_refuse (spec, cs, _("unknown character set"), error);
  g_iconv_close (conv);
  lower = g_ascii_strdown (cs, -1);
  g_variant_unref (*value);
  *value = g_variant_ref_sink (g_variant_new_take_string (lower));
  return TRUE;
}

/* Any transport name; whether it is loaded is checked where a value is
 * set, not where a stored profile is read (its plugin may come back). */
static gboolean
check_transport_name (const GwSettingSpec *spec, GVariant **value, GError **error)
{
  g_autofree char *raw = g_variant_dup_string (*value, NULL);
  g_autofree char *name = g_ascii_strdown (g_strstrip (raw), -1);
  gboolean ok = g_ascii_isalpha (name[0]) && strlen (name) <= 64;

  for (const char *p = name; ok && *p != '\0'; p++)
    ok = g_ascii_isalnum (*p) || *p == '-';
  if (!ok)
    return gw_setting_spec_refuse (spec, g_variant_get_string (*value, NULL), _("not a transport name"), error);
  g_variant_unref (*value);
  *value = g_variant_ref_sink (g_variant_new_take_string (g_steal_pointer (&name)));
  return TRUE;
}

static void
add_core (GPtrArray *core, GwSettingSpec *spec)
{
  g_ptr_array_add (core, spec);
}

/* The keys every profile has, in display order. */
static GPtrArray *
make_core_specs (void)
{
  GPtrArray *core = g_ptr_array_new_with_free_func ((GDestroyNotify) gw_setting_spec_unref);
  GwSettingSpec *spec;

  /* Another transport sends the secrets elsewhere. */
  spec = gw_setting_spec_new ("transport", GW_SETTING_STRING, GW_SETTING_FLAG_REDIRECTS_SECRETS,
                              GW_PROFILE_DEFAULT_TRANSPORT, N_("Transport plugin"));
  gw_setting_spec_set_check (spec, check_transport_name);
  add_core (core, spec);
  add_core (core, gw_setting_spec_new ("from-address", GW_SETTING_ADDRESS, 0, NULL,
                                       N_("Default sender address")));
  add_core (core, gw_setting_spec_new ("from-name", GW_SETTING_STRING, 0, NULL,
                                       N_("Default sender display name")));
  add_core (core, gw_setting_spec_new ("allow-from-override", GW_SETTING_BOOLEAN, 0, "false",
                                       N_("Whether a notification may set its own sender")));
  spec = gw_setting_spec_new ("charset", GW_SETTING_STRING, 0, "utf-8", N_("Body charset"));
  gw_setting_spec_set_check (spec, check_charset);
  add_core (core, spec);
  add_core (core, gw_setting_spec_new ("plain-text-only", GW_SETTING_BOOLEAN, 0, "false",
                                       N_("Never send HTML parts")));
  add_core (core, gw_setting_spec_new_uint ("max-attachment-size", 0, G_GUINT64_CONSTANT (1) << 40, "0",
                                            GW_SETTING_FLAG_BYTES, N_("Total attachment bytes, 0 = no limit")));
  add_core (core, gw_setting_spec_new ("attachments-as-url", GW_SETTING_BOOLEAN, 0, "false",
                                       N_("Replace attachments by download links")));
  add_core (core, gw_setting_spec_new ("strict-addresses", GW_SETTING_BOOLEAN, 0, "true",
                                       N_("RFC 5322-strict address parsing")));
  add_core (core, gw_setting_spec_new_uint ("retry-interval", 1, 86400, "300", GW_SETTING_FLAG_SECONDS,
                                            N_("Seconds before the first retry")));
  add_core (core, gw_setting_spec_new_uint ("expire-after", 60, 2592000, "432000", GW_SETTING_FLAG_SECONDS,
                                            N_("Seconds before a message is given up")));
  add_core (core, gw_setting_spec_new_uint ("max-connections", 1, 100, "4", 0,
                                            N_("Concurrent connections to the server")));
  add_core (core, gw_setting_spec_new_uint ("rate-limit", 0, 1000000, "0", 0,
                                            N_("Messages per minute, 0 = unlimited")));
  add_core (core, gw_setting_spec_new_uint ("max-recipients-per-day", 0, 100000000, "0", 0,
                                            N_("Recipients per 24 hours, 0 = unlimited")));
  add_core (core, gw_setting_spec_new ("fallback", GW_SETTING_PROFILE, 0, NULL,
                                       N_("Profile to try when this one fails")));
  add_core (core, gw_setting_spec_new ("description", GW_SETTING_STRING, 0, NULL,
                                       N_("Free text for administrators")));
  return core;
}

/* (locked) */
static Schema *
get_schema (void)
{
  static Schema *schema;

  if (schema == NULL) {
    schema = g_new0 (Schema, 1);
    schema->core = make_core_specs ();
    schema->core_by_key = g_hash_table_new (g_str_hash, g_str_equal);
    for (guint i = 0; i < schema->core->len; i++)
      g_hash_table_insert (schema->core_by_key,
                           (gpointer) gw_setting_spec_get_key (schema->core->pdata[i]),
                           schema->core->pdata[i]);
    schema->transports = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                (GDestroyNotify) g_ptr_array_unref);
    schema->own_by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                (GDestroyNotify) g_hash_table_unref);
    schema->by_key = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                            (GDestroyNotify) g_ptr_array_unref);
    schema->types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  }
  return schema;
}

/* Two declarations of one key must agree on what the value is. */
static gboolean
compatible (const GwSettingSpec *a,
            const GwSettingSpec *b)
{
  return gw_setting_spec_get_value_type (a) == gw_setting_spec_get_value_type (b) &&
         gw_setting_spec_has_flag (a, GW_SETTING_FLAG_SECRET) ==
         gw_setting_spec_has_flag (b, GW_SETTING_FLAG_SECRET);
}

/* (locked) */
static gboolean
check_declarations (Schema           *schema,
                    const char       *name,
                    GwSettingSpec * const *specs,
                    guint             n_specs,
                    GError          **error)
{
  if (g_hash_table_contains (schema->transports, name)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_FAILED,
                 _("Transport “%s” is already loaded"), name);
    return FALSE;
  }
  for (guint i = 0; i < n_specs; i++) {
    const char *key = gw_setting_spec_get_key (specs[i]);
    GPtrArray *others = g_hash_table_lookup (schema->by_key, key);

    if (g_hash_table_contains (schema->core_by_key, key)) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_FAILED,
                   _("Transport “%s” declares “%s”, a key every profile has"), name, key);
      return FALSE;
    }
    if (others != NULL && !compatible (others->pdata[0], specs[i])) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_FAILED,
                   _("Transport “%s” declares “%s” unlike another transport"), name, key);
      return FALSE;
    }
  }
  return TRUE;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

gboolean
gw_profile_schema_add_transport (GwTransport *transport,
                                 GError     **error)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&schema_lock);
  Schema *schema = get_schema ();
  const char *name = gw_transport_get_name (transport);
  guint n_specs = 0;
  GwSettingSpec * const *specs =
    gw_transport_class_list_settings (GW_TRANSPORT_GET_CLASS (transport), &n_specs);
  GPtrArray *own;
  GHashTable *own_by_key;

  /* Another loader in the same process (tests) instantiates the same class. */
  if (GPOINTER_TO_SIZE (g_hash_table_lookup (schema->types, name)) == G_OBJECT_TYPE (transport))
    return TRUE;
  if (!check_declarations (schema, name, specs, n_specs, error))
    return FALSE;
  own = g_ptr_array_new_with_free_func ((GDestroyNotify) gw_setting_spec_unref);
  own_by_key = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < n_specs; i++) {
    const char *key = gw_setting_spec_get_key (specs[i]);
    GPtrArray *all = g_hash_table_lookup (schema->by_key, key);

    g_ptr_array_add (own, gw_setting_spec_ref (specs[i]));
    /* The first declaration of a key wins, as the scan it replaces found. */
    if (!g_hash_table_contains (own_by_key, key))
      g_hash_table_insert (own_by_key, (gpointer) key, specs[i]);
    if (all == NULL) {
      all = g_ptr_array_new_with_free_func ((GDestroyNotify) gw_setting_spec_unref);
      g_hash_table_insert (schema->by_key, (gpointer) key, all);
    }
    g_ptr_array_add (all, gw_setting_spec_ref (specs[i]));
  }
  g_hash_table_insert (schema->transports, g_strdup (name), own);
  g_hash_table_insert (schema->own_by_key, g_strdup (name), own_by_key);
  g_hash_table_insert (schema->types, g_strdup (name), GSIZE_TO_POINTER (G_OBJECT_TYPE (transport)));
  return TRUE;
}

gboolean
gw_profile_schema_has_transport (const char *name)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&schema_lock);

  return name != NULL && g_hash_table_contains (get_schema ()->transports, name);
}

GStrv
gw_profile_schema_dup_transports (void)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&schema_lock);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GHashTableIter iter;
  gpointer name;

  g_hash_table_iter_init (&iter, get_schema ()->transports);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    g_ptr_array_add (names, name);
  g_ptr_array_sort (names, compare_strings);
  for (guint i = 0; i < names->len; i++)
    g_strv_builder_add (builder, names->pdata[i]);
  return g_strv_builder_end (builder);
}

/* (locked) */
static const GwSettingSpec *
lookup_locked (Schema     *schema,
               const char *transport,
               const char *key,
               gboolean    any_transport)
{
  const GwSettingSpec *spec;
  GHashTable *own = transport != NULL ? g_hash_table_lookup (schema->own_by_key, transport) : NULL;
  GPtrArray *all;

  if (key == NULL)
    return NULL;
  spec = g_hash_table_lookup (schema->core_by_key, key);
  if (spec != NULL)
    return spec;
  /* A hash, not a scan of the transport's keys: profiles' values are
   * looked up about ten times per message (issue 18). */
  spec = own != NULL ? g_hash_table_lookup (own, key) : NULL;
  if (spec != NULL)
    return spec;
  all = any_transport ? g_hash_table_lookup (schema->by_key, key) : NULL;
  return all != NULL ? all->pdata[0] : NULL;
}

const GwSettingSpec *
gw_profile_schema_lookup (const char *key)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&schema_lock);

  return lookup_locked (get_schema (), NULL, key, TRUE);
}

const GwSettingSpec *
gw_profile_schema_lookup_for (const char *transport,
                              const char *key)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&schema_lock);

  return lookup_locked (get_schema (), transport, key, FALSE);
}

GPtrArray *
gw_profile_schema_list_for (const char *transport)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&schema_lock);
  Schema *schema = get_schema ();
  GPtrArray *own = transport != NULL ? g_hash_table_lookup (schema->transports, transport) : NULL;
  GPtrArray *list = g_ptr_array_new ();

  /* "transport" first, then what it brings, then the rest. */
  g_ptr_array_add (list, schema->core->pdata[0]);
  for (guint i = 0; own != NULL && i < own->len; i++)
    g_ptr_array_add (list, own->pdata[i]);
  for (guint i = 1; i < schema->core->len; i++)
    g_ptr_array_add (list, schema->core->pdata[i]);
  return list;
}

gboolean
gw_setting_has_flag (const char     *key,
                     GwSettingFlags  flag)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&schema_lock);
  Schema *schema = get_schema ();
  const GwSettingSpec *core = key != NULL ? g_hash_table_lookup (schema->core_by_key, key) : NULL;
  GPtrArray *all = key != NULL ? g_hash_table_lookup (schema->by_key, key) : NULL;

  if (core != NULL)
    return gw_setting_spec_has_flag (core, flag);
  for (guint i = 0; all != NULL && i < all->len; i++) {
    if (gw_setting_spec_has_flag (all->pdata[i], flag))
      return TRUE;
  }
  return FALSE;
}

gboolean
gw_setting_is_secret (const char *key)
{
  return gw_setting_has_flag (key, GW_SETTING_FLAG_SECRET);
}

GStrv
gw_profile_schema_dup_keys_with_flag (GwSettingFlags flag)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  {
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&schema_lock);
    Schema *schema = get_schema ();
    GHashTableIter iter;
    gpointer key;

    for (guint i = 0; i < schema->core->len; i++)
      g_ptr_array_add (keys, (gpointer) gw_setting_spec_get_key (schema->core->pdata[i]));
    g_hash_table_iter_init (&iter, schema->by_key);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      g_ptr_array_add (keys, key);
  }
  g_ptr_array_sort (keys, compare_strings);
  for (guint i = 0; i < keys->len; i++) {
    if (gw_setting_has_flag (keys->pdata[i], flag))
      g_strv_builder_add (builder, keys->pdata[i]);
  }
  return g_strv_builder_end (builder);
}

static GVariant *
parse_with (const GwSettingSpec *spec,
            const char          *key,
            GVariant            *value,
            gboolean             loaded_transport,
            GError             **error)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (value);
  GVariant *parsed;

  if (spec == NULL) {
    g_autofree char *shown = gw_log_escape (key != NULL ? key : "", 80);
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                 _("Unknown profile key “%s”"), shown);
    return NULL;
  }
  parsed = gw_setting_spec_parse (spec, owned, error);
  if (parsed != NULL && loaded_transport && g_str_equal (gw_setting_spec_get_key (spec), "transport") &&
      !gw_profile_schema_has_transport (g_variant_get_string (parsed, NULL))) {
    g_auto(GStrv) loaded = gw_profile_schema_dup_transports ();
    g_autofree char *joined = g_strjoinv (", ", loaded);
    g_autofree char *reason = g_strdup_printf (_("allowed values are %s"), joined);

    gw_setting_spec_refuse (spec, g_variant_get_string (parsed, NULL), reason, error);
    g_clear_pointer (&parsed, g_variant_unref);
  }
  return parsed;
}

GVariant *
gw_setting_parse (const char *key,
                  GVariant   *value,
                  GError    **error)
{
  g_return_val_if_fail (value != NULL, NULL);
  return parse_with (gw_profile_schema_lookup (key), key, value, TRUE, error);
}

static const GwSettingSpec *
spec_for (const char *transport,
          const char *key)
{
  const GwSettingSpec *spec = gw_profile_schema_lookup_for (transport, key);

  return spec != NULL ? spec : gw_profile_schema_lookup (key);
}

GVariant *
gw_setting_parse_for (const char *transport,
                      const char *key,
                      GVariant   *value,
                      GError    **error)
{
  g_return_val_if_fail (value != NULL, NULL);
  return parse_with (spec_for (transport, key), key, value, TRUE, error);
}

GVariant *
gw_setting_parse_stored (const char *transport,
                         const char *key,
                         GVariant   *value,
                         GError    **error)
{
  g_return_val_if_fail (value != NULL, NULL);
  return parse_with (spec_for (transport, key), key, value, FALSE, error);
}

char *
gw_profile_schema_dup_preset (const char         *transport,
                              const char         *key,
                              GwPresetLookupFunc  lookup,
                              gpointer            user_data)
{
  GType type;

  /* Not under the lock: looking up the conditions reads the schema. */
  {
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&schema_lock);
    type = transport != NULL ? GPOINTER_TO_SIZE (g_hash_table_lookup (get_schema ()->types, transport)) : 0;
  }
  if (type == 0)
    return NULL;
  return gw_transport_type_dup_preset (type, key, lookup, user_data);
}

GVariant *
gw_setting_default (const char *key,
                    const char *transport)
{
  const GwSettingSpec *spec;

  if (transport == NULL)
    transport = GW_PROFILE_DEFAULT_TRANSPORT;
  spec = gw_profile_schema_lookup_for (transport, key);
  return spec != NULL ? gw_setting_spec_dup_default_value (spec) : NULL;
}
