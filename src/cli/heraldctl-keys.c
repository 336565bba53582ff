/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* heraldctl-keys.c: heraldctl profile keys, and profile show with the keys' units
 *
 * Both read the reference of the profile keys from the gateway
 * (GetProfileKeys), so a key a transport adds is listed, with its unit and
 * meaning, without a change here.
 */
#define G_LOG_DOMAIN "heraldctl"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "gw-setting-describe.h"
#include "heraldctl.h"

static const char *
lookup_string (GVariant   *key,
               const char *member)
{
  const char *value = NULL;

  return g_variant_lookup (key, member, "&s", &value) ? value : NULL;
}

static gboolean
lookup_boolean (GVariant   *key,
                const char *member)
{
  gboolean value = FALSE;

  return g_variant_lookup (key, member, "b", &value) && value;
}

static void
print_key (GVariant *key)
{
  g_autofree char *type = gw_setting_describe_values (key);
  g_autofree char *def = gw_setting_describe_default (key);
  g_autofree char *name = heraldctl_sanitize (lookup_string (key, "key"));
  g_autofree char *description = heraldctl_sanitize (lookup_string (key, "description"));

  g_print ("%s\n", name);
  if (*description != '\0')
    g_print ("    %s\n", description);
  /* TRANSLATORS: what values a key takes, such as "a duration from 1s to 5m" */
  g_print (_("    Value: %s\n"), type);
  if (def != NULL) {
    g_autofree char *clean = heraldctl_sanitize (def);
    /* TRANSLATORS: the default value of a key */
    g_print (_("    Default: %s\n"), clean);
  }
  if (lookup_boolean (key, "redirects-secrets"))
    g_print ("    %s\n", _("Changing it on a profile that holds secrets needs the "
                            "org.herald.gateway.manage-trust authorisation too."));
}

int
heraldctl_profile_keys (HeraldCtl *ctl,
                        int        argc,
                        char     **argv)
{
  g_autoptr(GVariant) keys = NULL;
  g_autoptr(GError) error = NULL;
  HeraldClient *client;
  int           status = HERALDCTL_EXIT_OK;

  if (!heraldctl_parse_command (ctl, "profile keys", _("[TRANSPORT]"),
                                _("List the profile keys with their meaning, values, unit and "
                                   "default: those of a profile of TRANSPORT (the keys every "
                                   "profile has and the transport's own), or every key of every "
                                   "loaded transport. Sizes take 1048576, 10M, 10MB or 10 MiB "
                                   "(multiples of 1024), durations 90, 90s, 5m, 2h or 1d. See "
                                   "herald-profile(5)."),
                                NULL, &argc, &argv))
    return HERALDCTL_EXIT_USAGE;
  if (argc > 2)
    return heraldctl_usage_error (_("“profile keys” takes at most one transport name"));

  client = heraldctl_connect (ctl, &status);
  if (client == NULL)
    return status;
  keys = herald_client_get_profile_keys_sync (client, argc == 2 ? argv[1] : NULL, NULL, &error);
  if (keys == NULL)
    return heraldctl_fail (ctl, error);

  if (ctl->json) {
    heraldctl_print_json (json_gvariant_serialize (keys));
    return HERALDCTL_EXIT_OK;
  }
  for (gsize i = 0; i < g_variant_n_children (keys); i++) {
    g_autoptr(GVariant) key = g_variant_get_child_value (keys, i);

    if (i > 0)
      g_print ("\n");
    print_key (key);
  }
  return HERALDCTL_EXIT_OK;
}

/* The reference entry of @name in @keys, or NULL. */
static GVariant *
find_key (GVariant   *keys,
          const char *name)
{
  for (gsize i = 0; i < g_variant_n_children (keys); i++) {
    GVariant *key = g_variant_get_child_value (keys, i);

    if (g_strcmp0 (lookup_string (key, "key"), name) == 0)
      return key;
    g_variant_unref (key);
  }
  return NULL;
}

/* @name's value on @profile for people: numbers in their unit. */
static char *
format_value (HeraldProfile *profile,
              GVariant      *key,
              const char    *name)
{
  GVariant        *value = herald_profile_get_setting (profile, name);
  const char      *unit = lookup_string (key, "unit");
  g_autofree char *shown = NULL;

  if (value == NULL)
    return g_strdup ("-");
  if (unit != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64)) {
    guint64          n = g_variant_get_uint64 (value);
    g_autofree char *in_unit = gw_setting_format_in_unit (key, n);
    g_autofree char *base = g_strdup_printf ("%" G_GUINT64_FORMAT, n);

    if (g_str_equal (unit, "bytes") ? n == 0 || n % 1024 != 0 : n % 60 != 0)
      return g_steal_pointer (&in_unit);
    if (g_str_equal (unit, "bytes"))
      /* TRANSLATORS: a size such as "10 MiB", then its number of bytes */
      shown = g_strdup_printf (_("%s (%s bytes)"), in_unit, base);
    else
      /* TRANSLATORS: a duration such as "5d", then its number of seconds */
      shown = g_strdup_printf (_("%s (%s seconds)"), in_unit, base);
    return g_steal_pointer (&shown);
  }
  shown = herald_profile_format_setting (profile, name);
  return shown != NULL ? g_steal_pointer (&shown) : g_strdup ("-");
}

/* The stored keys that @keys does not list: another transport's settings
 * and secrets, kept but not used. */
static GPtrArray *
unused_keys (HeraldProfile *profile,
             GVariant      *keys)
{
  g_auto(GStrv) all = herald_profile_get_keys (profile);
  GPtrArray         *unused = g_ptr_array_new_with_free_func (g_free);
  const char * const special[] = { "name", "default", "state", "last-test", NULL };

  for (guint i = 0; all[i] != NULL; i++) {
    g_autofree char *base = g_str_has_suffix (all[i], "-set")
                              ? g_strndup (all[i], strlen (all[i]) - strlen ("-set"))
                              : g_strdup (all[i]);
    g_autoptr(GVariant) key = find_key (keys, base);
    GVariant *value = herald_profile_get_setting (profile, all[i]);
    gboolean  secret_flag = base != NULL && !g_str_equal (base, all[i]) && value != NULL &&
                           g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN);

    if (g_strv_contains (special, all[i]) || key != NULL)
      continue;
    /* a secret of another transport is worth a line only when it is stored */
    if (secret_flag && !g_variant_get_boolean (value))
      continue;
    g_ptr_array_add (unused, g_strdup (all[i]));
  }
  return unused;
}

static void
add_secret_row (GPtrArray     *cells,
                HeraldProfile *profile,
                const char    *flag_key)
{
  g_autofree char *name = g_strndup (flag_key, strlen (flag_key) - strlen ("-set"));

  g_ptr_array_add (cells, g_strconcat (name, ":", NULL));
  g_ptr_array_add (cells, g_strdup (herald_profile_get_boolean (profile, flag_key)
                                      ? _("(set)")
                                      : _("(not set)")));
}

/* The gateway's record of the last Test: "passed, TIME: SUMMARY". */
static void
add_last_test_row (GPtrArray     *cells,
                   HeraldProfile *profile)
{
  gint64 when = 0;
  gboolean ok = FALSE;
  const char *summary = NULL;
  g_autoptr(GDateTime) time = NULL;
  g_autofree char *shown_time = NULL;
  g_autofree char *shown_summary = NULL;

  if (!herald_profile_get_last_test (profile, &when, &ok, &summary))
    return;
  time = g_date_time_new_from_unix_utc (when / G_USEC_PER_SEC);
  shown_time = heraldctl_format_time (time);
  shown_summary = heraldctl_sanitize (summary);
  g_ptr_array_add (cells, g_strdup ("last test:"));
  /* TRANSLATORS: "passed" or "failed", the local time of the test, the server's reply or the error */
  g_ptr_array_add (cells, g_strdup_printf (_("%s, %s: %s"), ok ? _("passed") : _("failed"),
                                           shown_time, shown_summary));
}

static void
print_profile (HeraldProfile *profile,
               GVariant      *keys)
{
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) unused = unused_keys (profile, keys);

  g_ptr_array_add (cells, g_strdup ("name:"));
  g_ptr_array_add (cells, g_strdup (herald_profile_get_name (profile)));
  for (gsize i = 0; i < g_variant_n_children (keys); i++) {
    g_autoptr(GVariant) key = g_variant_get_child_value (keys, i);
    const char      *name = lookup_string (key, "key");
    g_autofree char *value = NULL;

    if (lookup_boolean (key, "secret")) {
      g_autofree char *flag_key = g_strconcat (name, "-set", NULL);
      add_secret_row (cells, profile, flag_key);
      continue;
    }
    value = format_value (profile, key, name);
    g_ptr_array_add (cells, g_strconcat (name, ":", NULL));
    if (herald_profile_get_uses_default (profile, name))
      /* TRANSLATORS: a value that the profile does not set itself */
      g_ptr_array_add (cells, g_strdup_printf (_("%s (default)"), value));
    else
      g_ptr_array_add (cells, g_steal_pointer (&value));
    if (g_str_equal (name, "transport")) {
      g_ptr_array_add (cells, g_strdup ("default:"));
      g_ptr_array_add (cells, g_strdup (herald_profile_get_is_default (profile)
                                          ? _("yes")
                                          : _("no")));
      /* what the gateway says of the profile now, not a key */
      if (herald_profile_get_string (profile, "state") != NULL) {
        g_ptr_array_add (cells, g_strdup ("state:"));
        g_ptr_array_add (cells, g_strdup (g_strcmp0 (herald_profile_get_string (profile, "state"),
                                                     "sign-in-required") == 0
                                            ? _("sign-in required")
                                            : herald_profile_get_string (profile, "state")));
      }
      add_last_test_row (cells, profile);
    }
  }
  heraldctl_print_table (cells, 2);
  if (unused->len == 0)
    return;

  g_ptr_array_set_size (cells, 0);
  for (guint i = 0; i < unused->len; i++) {
    const char *name = unused->pdata[i];
    GVariant   *value = herald_profile_get_setting (profile, name);

    if (g_str_has_suffix (name, "-set") && g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN)) {
      add_secret_row (cells, profile, name);
      continue;
    }
    g_ptr_array_add (cells, g_strconcat (name, ":", NULL));
    g_ptr_array_add (cells, herald_profile_format_setting (profile, name));
  }
  /* TRANSLATORS: %s is a transport name; the stored keys it does not use follow */
  g_print (_("\nStored, but not used by transport “%s”:\n"), herald_profile_get_transport (profile));
  heraldctl_print_table (cells, 2);
}

/* The profile as JSON: the keys of its transport with their values in
 * base units (seconds, bytes), "defaults", and what else is stored under
 * "unused". */
static JsonNode *
profile_to_json (HeraldProfile *profile,
                 GVariant      *keys)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GPtrArray) unused = unused_keys (profile, keys);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, herald_profile_get_name (profile));
  json_builder_set_member_name (builder, "default");
  json_builder_add_boolean_value (builder, herald_profile_get_is_default (profile));
  if (herald_profile_get_string (profile, "state") != NULL) {
    json_builder_set_member_name (builder, "state");
    json_builder_add_string_value (builder, herald_profile_get_string (profile, "state"));
  }
  if (herald_profile_get_setting (profile, "last-test") != NULL) {
    json_builder_set_member_name (builder, "last-test");
    json_builder_add_value (builder, json_gvariant_serialize (herald_profile_get_setting (profile, "last-test")));
  }
  for (gsize i = 0; i < g_variant_n_children (keys); i++) {
    g_autoptr(GVariant) key = g_variant_get_child_value (keys, i);
    /* a secret as "KEY-set" */
    g_autofree char *name = g_strconcat (lookup_string (key, "key"),
                                         lookup_boolean (key, "secret") ? "-set" : "", NULL);
    GVariant        *value;

    value = herald_profile_get_setting (profile, name);
    if (value == NULL)
      continue;
    json_builder_set_member_name (builder, name);
    json_builder_add_value (builder, json_gvariant_serialize (value));
  }
  json_builder_set_member_name (builder, "defaults");
  json_builder_begin_array (builder);
  for (gsize i = 0; i < g_variant_n_children (keys); i++) {
    g_autoptr(GVariant) key = g_variant_get_child_value (keys, i);

    if (herald_profile_get_uses_default (profile, lookup_string (key, "key")))
      json_builder_add_string_value (builder, lookup_string (key, "key"));
  }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "unused");
  json_builder_begin_object (builder);
  for (guint i = 0; i < unused->len; i++) {
    json_builder_set_member_name (builder, unused->pdata[i]);
    json_builder_add_value (builder, json_gvariant_serialize (herald_profile_get_setting (profile, unused->pdata[i])));
  }
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

int
heraldctl_profile_show (HeraldCtl *ctl,
                        int        argc,
                        char     **argv)
{
  g_autoptr(HeraldProfile) profile = NULL;
  g_autoptr(GVariant) keys = NULL;
  g_autoptr(GError) error = NULL;
  HeraldClient *client;
  int           status = HERALDCTL_EXIT_OK;

  if (!heraldctl_parse_command (ctl, "profile show", _("NAME"),
                                _("Show the settings of a profile: the keys of its transport, "
                                   "durations and sizes in their units, values the profile does "
                                   "not set marked “(default)”, and what else is stored but "
                                   "not used. Secrets are never shown, only whether they are "
                                   "set. --json gives numbers in seconds and bytes."),
                                NULL, &argc, &argv))
    return HERALDCTL_EXIT_USAGE;
  if (argc != 2)
    return heraldctl_usage_error (_("“profile show” takes one profile name"));

  client = heraldctl_connect (ctl, &status);
  if (client == NULL)
    return status;
  profile = herald_client_get_profile_sync (client, argv[1], NULL, &error);
  if (profile == NULL)
    return heraldctl_fail (ctl, error);
  /* A transport that is not loaded has no reference: show what is stored. */
  keys = herald_client_get_profile_keys_sync (client, herald_profile_get_transport (profile), NULL, NULL);
  if (keys == NULL) {
    if (ctl->json)
      heraldctl_print_json (heraldctl_profile_to_json (profile));
    else
      heraldctl_print_profile (profile);
    return HERALDCTL_EXIT_OK;
  }
  if (ctl->json)
    heraldctl_print_json (profile_to_json (profile, keys));
  else
    print_profile (profile, keys);
  return HERALDCTL_EXIT_OK;
}
