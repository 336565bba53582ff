/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-setting-parse.c: the checks of a setting's value against its spec
 *
 * Every value that enters a profile, from D-Bus or from a keyfile, passes
 * through gw_setting_spec_parse(). It is the first line of defence against
 * header injection: no string value may carry a control character.
 */
#define G_LOG_DOMAIN "gw-setting-spec"

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-log.h"
#include "gw-profile.h"
#include "gw-setting-spec-private.h"
#include "gw-tls-policy.h"
#include "gw-units.h"

/* Longer values are refused: nothing legitimate needs more, and it bounds
 * what a caller can make us store and echo. */
#define MAX_VALUE_LENGTH 4096
/* A PEM certificate chain of a few certificates fits with room to spare. */
#define MAX_PEM_LENGTH 65536

static gpointer
invalid_value (GError             **error,
               const GwSettingSpec *spec,
               const char          *value,
               const char          *reason)
{
  /* A secret's value is never echoed, not even in an error. */
  if (value == NULL || (spec->flags & GW_SETTING_FLAG_SECRET)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                 _("Invalid value for “%s”: %s"), spec->key, reason);
  } else {
    g_autofree char *shown = gw_log_escape (value, 80);
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                 _("Invalid value “%s” for “%s”: %s"), shown, spec->key, reason);
  }
  return NULL;
}

/**
 * gw_setting_spec_refuse:
 * @spec: the spec whose value is refused
 * @value: (nullable): the value as it may be shown (never shown for a
 *   secret; control characters are escaped), or %NULL
 * @reason: why, for people: "must contain {number}"
 * @error: return location for the error
 *
 * Sets @error to %HERALD_ERROR_INVALID_SETTING naming the key, the value
 * and the reason, the way the type checks do; for a #GwSettingCheckFunc.
 *
 * Returns: %FALSE
 */
gboolean
gw_setting_spec_refuse (const GwSettingSpec *spec,
                        const char          *value,
                        const char          *reason,
                        GError             **error)
{
  g_return_val_if_fail (spec != NULL && reason != NULL, FALSE);
  invalid_value (error, spec, value, reason);
  return FALSE;
}

#define refuse(error, spec, value, reason) gw_setting_spec_refuse ((spec), (value), (reason), (error))

static gboolean
check_text (const GwSettingSpec *spec, const char *value, gsize len, GError **error)
{
  gboolean pem = (spec->flags & GW_SETTING_FLAG_PEM) != 0;

  if (strlen (value) != len || !g_utf8_validate (value, len, NULL))
    return refuse (error, spec, NULL, _("not valid UTF-8 text"));
  if (len > (pem ? MAX_PEM_LENGTH : MAX_VALUE_LENGTH))
    return refuse (error, spec, NULL, _("too long"));
  for (const char *p = value; *p != '\0'; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    /* PEM text has lines, and the text that tools write around the
     * blocks has tabs; a CR is allowed only before an LF. */
    if (pem && (c == '\n' || c == '\t' || (c == '\r' && p[1] == '\n')))
      continue;
    if (c < 0x20 || (c >= 0x7f && c < 0xa0))
      return refuse (error, spec, value, _("control characters (such as CR or LF) are not allowed"));
  }
  return TRUE;
}

/* PEM text is kept with LF line ends only. */
static char *
pem_without_cr (const char *raw)
{
  GString *out = g_string_sized_new (strlen (raw));

  for (const char *p = raw; *p != '\0'; p++) {
    if (*p != '\r')
      g_string_append_c (out, *p);
  }
  return g_string_free (out, FALSE);
}

/**
 * gw_setting_host_is_valid:
 * @host: a host name or IP literal
 *
 * Returns: whether @host is an IP address or a host name of valid labels
 *   (letters, digits, "-"; not all digits in the last)
 */
gboolean
gw_setting_host_is_valid (const char *host)
{
  g_auto(GStrv) labels = NULL;
  gsize len;
  guint n;
  gboolean all_digits = TRUE;

  g_return_val_if_fail (host != NULL, FALSE);
  if (g_hostname_is_ip_address (host))
    return TRUE;
  len = strlen (host);
  if (len == 0 || len > 253)
    return FALSE;
  labels = g_strsplit (host, ".", -1);
  n = g_strv_length (labels);
  for (guint i = 0; i < n; i++) {
    gsize llen = strlen (labels[i]);
    if (llen == 0 || llen > 63 || labels[i][0] == '-' || labels[i][llen - 1] == '-')
      return FALSE;
    for (gsize j = 0; j < llen; j++) {
      if (!g_ascii_isalnum (labels[i][j]) && labels[i][j] != '-')
        return FALSE;
    }
  }
  /* An all-numeric last label is a mistyped IP address, not a name. */
  for (const char *p = labels[n - 1]; *p != '\0'; p++)
    all_digits = all_digits && g_ascii_isdigit (*p);
  return !all_digits;
}

static gboolean
host_is_loopback (const char *host)
{
  g_autoptr(GInetAddress) addr = NULL;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  addr = g_inet_address_new_from_string (host);
  return addr != NULL && g_inet_address_get_is_loopback (addr);
}

/**
 * gw_setting_address_is_valid:
 * @address: text
 *
 * Whether @address is a plain addr-spec, local@domain, as a setting takes
 * it (full RFC 5322 parsing of recipients lives in the daemon).
 *
 * Returns: whether @address is a plain e-mail address
 */
gboolean
gw_setting_address_is_valid (const char *address)
{
  const char *at;
  const char *domain;
  gsize local_len;

  g_return_val_if_fail (address != NULL, FALSE);
  at = strrchr (address, '@');
  if (at == NULL || at == address || strlen (address) > 254)
    return FALSE;
  local_len = at - address;
  domain = at + 1;
  if (local_len > 64 || address[0] == '.' || at[-1] == '.')
    return FALSE;
  for (const char *p = address; p < at; p++) {
    guchar c = (guchar) *p;
    if (c >= 0x80 || g_ascii_isalnum (c) || strchr ("!#$%&'*+-/=?^_`{|}~", c) != NULL)
      continue;
    if (c == '.' && p[1] != '.')
      continue;
    return FALSE;
  }
  /* An internationalised domain is checked in its ASCII (IDNA) form. */
  {
    g_autofree char *ascii = g_hostname_to_ascii (domain);
    return ascii != NULL && gw_setting_host_is_valid (ascii) && !g_hostname_is_ip_address (domain);
  }
}

/* A plain count: digits only. A number too large saturates (and the range
 * check refuses it). No errno involved: a value read in one thread cannot
 * be spoilt by another's. */
static gboolean
parse_count (const char *value, guint64 *n)
{
  const char *p;

  *n = 0;
  for (p = value; g_ascii_isdigit (*p); p++) {
    guint digit = (guint) (*p - '0');

    *n = *n > (G_MAXUINT64 - digit) / 10 ? G_MAXUINT64 : *n * 10 + digit;
  }
  return p != value && *p == '\0';
}

/* Sizes and durations are read by gw-units.c, as everywhere else. */
static GVariant *
parse_uint_string (const GwSettingSpec *spec, const char *value, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  guint64 n = 0;
  gboolean ok;

  if (spec->flags & GW_SETTING_FLAG_SECONDS)
    ok = gw_units_parse_duration (value, GW_UNIT_SECOND, &n, &local_error);
  else if (spec->flags & GW_SETTING_FLAG_BYTES)
    ok = gw_units_parse_size (value, GW_UNIT_BYTE, &n, &local_error);
  else
    ok = parse_count (value, &n);
  if (!ok)
    return invalid_value (error, spec, value, local_error != NULL ? local_error->message : _("not a number"));
  return g_variant_new_uint64 (n);
}

static GVariant *
parse_uint (const GwSettingSpec *spec, GVariant *value, GError **error)
{
  gint64 n;

  switch (g_variant_get_type_string (value)[0]) {
  case 'y': return g_variant_new_uint64 (g_variant_get_byte (value));
  case 'q': return g_variant_new_uint64 (g_variant_get_uint16 (value));
  case 'u': return g_variant_new_uint64 (g_variant_get_uint32 (value));
  case 't': return g_variant_new_uint64 (g_variant_get_uint64 (value));
  case 'n': n = g_variant_get_int16 (value); break;
  case 'i': n = g_variant_get_int32 (value); break;
  default: n = g_variant_get_int64 (value); break;
  }
  if (n < 0) {
    g_autofree char *shown = g_strdup_printf ("%" G_GINT64_FORMAT, n);
    return invalid_value (error, spec, shown, _("must not be negative"));
  }
  return g_variant_new_uint64 ((guint64) n);
}

/* A bound as people read it: "1 TiB", "1d", "65535". */
static char *
format_uint (const GwSettingSpec *spec, guint64 n)
{
  if (spec->flags & GW_SETTING_FLAG_BYTES)
    return gw_units_format_size (n);
  if (spec->flags & GW_SETTING_FLAG_SECONDS)
    return gw_units_format_duration (n);
  return g_strdup_printf ("%" G_GUINT64_FORMAT, n);
}

static gboolean
check_uint_range (const GwSettingSpec *spec,
                  GVariant            *parsed,
                  const char          *raw,
                  GError             **error)
{
  guint64 n = g_variant_get_uint64 (parsed);

  if (n < spec->minimum || n > spec->maximum) {
    g_autofree char *lo = format_uint (spec, spec->minimum);
    g_autofree char *hi = format_uint (spec, spec->maximum);
    g_autofree char *reason = g_strdup_printf (_("must be between %s and %s"), lo, hi);
    g_autofree char *shown = raw != NULL ? g_strstrip (g_strdup (raw))
                                         : g_strdup_printf ("%" G_GUINT64_FORMAT, n);
    invalid_value (error, spec, shown, reason);
    return FALSE;
  }
  return TRUE;
}

static gpointer
invalid_choice (GError **error, const GwSettingSpec *spec, const char *value)
{
  g_autofree char *joined = g_strjoinv (", ", spec->allowed_values);
  g_autofree char *reason = g_strdup_printf (_("allowed values are %s"), joined);

  return invalid_value (error, spec, value, reason);
}

/* The host of a normalised "host:port" or "[v6]:port" endpoint. */
static gboolean
endpoint_host_is_valid (const char *endpoint)
{
  g_autofree char *host = g_strndup (endpoint, strrchr (endpoint, ':') - endpoint);

  if (host[0] == '[') {
    host[strlen (host) - 1] = '\0';
    return g_hostname_is_ip_address (host + 1);
  }
  return gw_setting_host_is_valid (host);
}

static GVariant *
parse_list (const GwSettingSpec *spec, GVariant *value, GError **error)
{
  g_autofree const char **items = NULL;
  g_auto(GStrv) split = NULL;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);

  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING)) {
    split = g_regex_split_simple ("[,; ]+", g_variant_get_string (value, NULL), 0, 0);
  } else {
    items = g_variant_get_strv (value, NULL);
    for (guint i = 0; items[i] != NULL; i++) {
      if (!check_text (spec, items[i], strlen (items[i]), error))
        return NULL;
    }
    split = g_strdupv ((char **) items);
  }

  for (guint i = 0; split[i] != NULL; i++) {
    g_autofree char *item = g_ascii_strdown (g_strstrip (split[i]), -1);

    if (*item == '\0')
      continue;
    if (spec->type == GW_SETTING_PINS) {
      g_autofree char *pin = NULL;
      g_autofree char *endpoint = NULL;

      if (!gw_tls_pin_entry_parse (item, &pin, &endpoint) ||
          (endpoint != NULL && !endpoint_host_is_valid (endpoint)))
        return invalid_value (error, spec, item,
                              _("each pin is the SHA-256 of the server's public key, 64 hexadecimal "
                                "characters, alone (the profile's own server) or followed by "
                                "@HOST:PORT (the server it holds for)"));
      g_free (item);
      item = endpoint != NULL ? g_strdup_printf ("%s@%s", pin, endpoint) : g_steal_pointer (&pin);
    } else if (!g_strv_contains ((const char * const *) spec->allowed_values, item)) {
      return invalid_choice (error, spec, item);
    }
    if (!g_ptr_array_find_with_equal_func (out, item, g_str_equal, NULL))
      g_ptr_array_add (out, g_steal_pointer (&item));
  }
  if (spec->type == GW_SETTING_STRING_LIST && out->len == 0)
    return invalid_choice (error, spec, NULL);
  return g_variant_new_strv ((const char * const *) out->pdata, out->len);
}

static GVariant *
parse_url (const GwSettingSpec *spec, const char *value, GError **error)
{
  g_autoptr(GUri) uri = g_uri_parse (value, G_URI_FLAGS_NONE, NULL);
  const char *host = uri != NULL ? g_uri_get_host (uri) : NULL;

  if (host == NULL || *host == '\0' || !gw_setting_host_is_valid (host))
    return invalid_value (error, spec, value, _("not a valid URL"));
  if (g_uri_get_userinfo (uri) != NULL)
    return invalid_value (error, spec, value, _("a URL must not contain a user name or password"));
  if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") != 0 &&
      !(g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") == 0 && host_is_loopback (host)))
    return invalid_value (error, spec, value, _("must be an https:// URL (http:// only to a loopback address)"));
  return g_variant_new_string (value);
}

static GVariant *
parse_string (const GwSettingSpec *spec, const char *raw, GError **error)
{
  g_autofree char *value = NULL;

  /* Free text and secrets are kept exactly; everything else is a token. */
  if (spec->type == GW_SETTING_STRING && (spec->flags & GW_SETTING_FLAG_PEM))
    return g_variant_new_take_string (pem_without_cr (raw));
  if (spec->type == GW_SETTING_STRING)
    return g_variant_new_string (raw);

  value = g_strstrip (g_strdup (raw));
  switch (spec->type) {
  case GW_SETTING_ENUM:
    for (guint i = 0; spec->allowed_values[i] != NULL; i++) {
      if (g_ascii_strcasecmp (value, spec->allowed_values[i]) == 0)
        return g_variant_new_string (spec->allowed_values[i]);
    }
    return invalid_choice (error, spec, value);
  case GW_SETTING_BOOLEAN:
    if (g_ascii_strcasecmp (value, "true") == 0 || g_ascii_strcasecmp (value, "yes") == 0 ||
        g_ascii_strcasecmp (value, "on") == 0 || g_strcmp0 (value, "1") == 0)
      return g_variant_new_boolean (TRUE);
    if (g_ascii_strcasecmp (value, "false") == 0 || g_ascii_strcasecmp (value, "no") == 0 ||
        g_ascii_strcasecmp (value, "off") == 0 || g_strcmp0 (value, "0") == 0)
      return g_variant_new_boolean (FALSE);
    return invalid_value (error, spec, value, _("allowed values are true, false, yes, no, on, off, 1, 0"));
  case GW_SETTING_UINT:
    return parse_uint_string (spec, value, error);
  case GW_SETTING_HOST:
    if (!gw_setting_host_is_valid (value))
      return invalid_value (error, spec, value, _("not a host name or IP address"));
    return g_variant_new_take_string (g_ascii_strdown (value, -1));
  case GW_SETTING_ADDRESS:
    if (!gw_setting_address_is_valid (value))
      return invalid_value (error, spec, value, _("not a plain e-mail address such as user@example.com"));
    return g_variant_new_string (value);
  case GW_SETTING_PATH:
    if (!g_path_is_absolute (value))
      return invalid_value (error, spec, value, _("must be an absolute path"));
    return g_variant_new_string (value);
  case GW_SETTING_URL:
    return parse_url (spec, value, error);
  case GW_SETTING_PROFILE:
    if (!gw_profile_name_is_valid (value))
      return invalid_value (error, spec, value, _("not a profile name (1–64 letters, digits, “.”, “_” or “-”)"));
    return g_variant_new_string (value);
  case GW_SETTING_STRING:
  case GW_SETTING_PINS:
  case GW_SETTING_STRING_LIST:
  default:
    g_assert_not_reached ();
  }
  return NULL;
}

/* Native types accepted besides "s", and what to tell a caller who sends
 * another; a type not listed takes strings only. */
static const struct {
  const char *native[8];
  const char *expected;
} type_info[] = {
  [GW_SETTING_BOOLEAN] = { { "b" }, N_("expected a boolean or a string") },
  [GW_SETTING_UINT] = { { "y", "q", "u", "t", "n", "i", "x" }, N_("expected an unsigned integer or a string") },
  [GW_SETTING_PINS] = { { "as" }, N_("expected a list of strings or a string") },
  [GW_SETTING_STRING_LIST] = { { "as" }, N_("expected a list of strings or a string") },
};

static gboolean
type_accepted (const GwSettingSpec *spec, GVariant *value)
{
  const char *t = g_variant_get_type_string (value);

  return g_str_equal (t, "s") || g_strv_contains (type_info[spec->type].native, t);
}

static const char *
expected_type (const GwSettingSpec *spec)
{
  const char *expected = type_info[spec->type].expected;

  return expected != NULL ? _(expected) : _("expected a string");
}

/**
 * gw_setting_spec_parse:
 * @spec: a spec
 * @value: (transfer floating): the value: a string parsed by the type's
 *   rules, or the type's native form (b, an integer type, as), possibly
 *   inside a variant
 * @error: return location for a %HERALD_ERROR_INVALID_SETTING error that
 *   names the key and the allowed values or range (never a secret's value)
 *
 * Checks one value for @spec and the spec's own rule.
 *
 * Returns: (transfer full) (nullable): the value in its canonical type
 *   (see #GwSettingType), not floating, or %NULL with @error set
 */
GVariant *
gw_setting_spec_parse (const GwSettingSpec *spec,
                       GVariant            *value,
                       GError             **error)
{
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GVariant) result = NULL;
  const char *str = NULL;

  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (value != NULL, NULL);

  owned = g_variant_ref_sink (value);
  if (g_variant_is_of_type (owned, G_VARIANT_TYPE_VARIANT)) {
    GVariant *inner = g_variant_get_variant (owned);
    g_variant_unref (owned);
    owned = inner;
  }
  if (!type_accepted (spec, owned)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                 _("Invalid type “%s” for “%s”: %s"),
                 g_variant_get_type_string (owned), spec->key, expected_type (spec));
    return NULL;
  }

  if (g_variant_is_of_type (owned, G_VARIANT_TYPE_STRING)) {
    gsize len;
    str = g_variant_get_string (owned, &len);
    if (!check_text (spec, str, len, error))
      return NULL;
  }

  if (spec->type == GW_SETTING_PINS || spec->type == GW_SETTING_STRING_LIST)
    result = parse_list (spec, owned, error);
  else if (spec->type == GW_SETTING_BOOLEAN && str == NULL)
    result = g_variant_new_boolean (g_variant_get_boolean (owned));
  else if (spec->type == GW_SETTING_UINT && str == NULL)
    result = parse_uint (spec, owned, error);
  else
    result = parse_string (spec, str, error);
  if (result == NULL)
    return NULL;
  g_variant_ref_sink (result);

  if (spec->type == GW_SETTING_UINT && !check_uint_range (spec, result, str, error))
    return NULL;
  if (spec->check != NULL && !spec->check (spec, &result, error))
    return NULL;
  return g_steal_pointer (&result);
}

/**
 * gw_setting_spec_dup_default_value:
 * @spec: a spec
 *
 * Returns: (transfer full) (nullable): the default parsed into its
 *   canonical type, not floating, or %NULL when there is none
 */
GVariant *
gw_setting_spec_dup_default_value (const GwSettingSpec *spec)
{
  g_autoptr(GError) error = NULL;
  GVariant *value;

  g_return_val_if_fail (spec != NULL, NULL);
  if (spec->default_value == NULL)
    return NULL;
  value = gw_setting_spec_parse (spec, g_variant_new_string (spec->default_value), &error);
  if (value == NULL)
    g_critical ("Default of “%s” does not validate: %s", spec->key, error->message);
  return value;
}
