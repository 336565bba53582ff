/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-profile-schema.c: the table of profile settings and their validation
 *
 * Every value that enters a profile, from D-Bus or from a keyfile, passes
 * through gw_setting_parse(). It is the first line of defence against header
 * injection: no string value may carry a control character.
 */
#define G_LOG_DOMAIN "gw-profile-schema"

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "herald-error.h"
#include "gw-profile-schema.h"
#include "gw-template.h"
#include "gw-tls-policy.h"

/* Longer values are refused: nothing legitimate needs more, and it bounds
 * what a caller can make us store and echo. */
#define MAX_VALUE_LENGTH 4096

static const char * const transport_values[] = { "smtp", "smtps", "fax", "maildir", NULL };
static const char * const security_values[] = { "none", "starttls-if-available", "starttls", "tls", NULL };
static const char * const auth_values[] = {
  "none", "auto", "plain", "login", "cram-md5", "scram-sha-1", "scram-sha-256",
  "ntlm", "xoauth2", "oauthbearer", NULL
};
static const char * const pop_security_values[] = { "none", "stls", "tls", NULL };
static const char * const dsn_notify_values[] = { "success", "failure", "delay", "never", NULL };
static const char * const dsn_ret_values[] = { "full", "hdrs", NULL };
static const char * const fax_backend_values[] = { "email", "hylafax", "http", NULL };

#define STRING(k, s)   { .key = k, .type = GW_SETTING_STRING, .summary = s }
#define SECRET(k, s)   { .key = k, .type = GW_SETTING_SECRET, .summary = s }
#define HOST(k, s)     { .key = k, .type = GW_SETTING_HOST, .summary = s }
#define ADDRESS(k, s)  { .key = k, .type = GW_SETTING_ADDRESS, .summary = s }
#define URL(k, s)      { .key = k, .type = GW_SETTING_URL, .summary = s }
#define PATH(k, s)     { .key = k, .type = GW_SETTING_PATH, .summary = s }
#define PROFILE(k, s)  { .key = k, .type = GW_SETTING_PROFILE, .summary = s }
#define BOOLEAN(k, d, s) { .key = k, .type = GW_SETTING_BOOLEAN, .default_value = d, .summary = s }
#define ENUM(k, v, d, s) { .key = k, .type = GW_SETTING_ENUM, .allowed_values = v, .default_value = d, .summary = s }
#define UINT(k, lo, hi, d, s) { .key = k, .type = GW_SETTING_UINT, .min = lo, .max = hi, .default_value = d, .summary = s }

static const GwSettingSpec schema[] = {
  ENUM ("transport", transport_values, "smtp", "Transport plugin"),
  HOST ("host", "Mail server host name or IP address"),
  UINT ("port", 1, 65535, "587", "Mail server port"),
  ENUM ("security", security_values, "starttls", "Connection security"),
  ENUM ("auth", auth_values, "auto", "Authentication mechanism"),
  STRING ("username", "User name for authentication"),
  SECRET ("password", "Password for authentication"),
  URL ("oauth2-token-url", "OAuth 2.0 token endpoint"),
  STRING ("oauth2-client-id", "OAuth 2.0 client id"),
  SECRET ("oauth2-client-secret", "OAuth 2.0 client secret"),
  SECRET ("oauth2-refresh-token", "OAuth 2.0 refresh token"),
  BOOLEAN ("pop-before-smtp", "false", "Log into a POP3 server before sending"),
  HOST ("pop-host", "POP3 server"),
  UINT ("pop-port", 1, 65535, "110", "POP3 server port"),
  ENUM ("pop-security", pop_security_values, "stls", "POP3 connection security"),
  STRING ("pop-username", "POP3 user name"),
  SECRET ("pop-password", "POP3 password"),
  ADDRESS ("from-address", "Default sender address"),
  STRING ("from-name", "Default sender display name"),
  BOOLEAN ("allow-from-override", "false", "Whether a notification may set its own sender"),
  HOST ("helo-name", "Name given in EHLO (default: this host's name)"),
  { .key = "charset", .type = GW_SETTING_STRING, .default_value = "utf-8", .summary = "Body charset" },
  BOOLEAN ("plain-text-only", "false", "Never send HTML parts"),
  UINT ("max-attachment-size", 0, G_GUINT64_CONSTANT (1) << 40, "0", "Total attachment bytes, 0 = no limit"),
  BOOLEAN ("attachments-as-url", "false", "Replace attachments by download links"),
  BOOLEAN ("strict-addresses", "true", "RFC 5322-strict address parsing"),
  UINT ("connect-timeout", 1, 300, "30", "Seconds to wait for the TCP connection to be made"),
  UINT ("conversation-timeout", 1, 300, "30",
        "Seconds to wait for each server reply after connecting: the greeting, every reply, a TLS handshake"),
  UINT ("retry-interval", 1, 86400, "300", "Seconds before the first retry"),
  UINT ("expire-after", 60, 2592000, "432000", "Seconds before a message is given up"),
  UINT ("max-connections", 1, 100, "4", "Concurrent connections to the server"),
  UINT ("rate-limit", 0, 1000000, "0", "Messages per minute, 0 = unlimited"),
  BOOLEAN ("verify-certificates", "true", "Reject invalid server certificates"),
  PATH ("ca-file", "Extra trusted CA bundle"),
  { .key = "pinned-keys", .type = GW_SETTING_PINS,
    .summary = "SHA-256 pins of server public keys: PIN for the profile's own server, PIN@HOST:PORT for another" },
  PROFILE ("fallback", "Profile to try when this one fails"),
  BOOLEAN ("dsn", "false", "Request delivery status notifications"),
  { .key = "dsn-notify", .type = GW_SETTING_STRING_LIST, .allowed_values = dsn_notify_values,
    .default_value = "failure", .summary = "DSN NOTIFY conditions" },
  ENUM ("dsn-ret", dsn_ret_values, "hdrs", "DSN RET: full message or headers"),
  PATH ("maildir-path", "Maildir to deliver into"),
  ENUM ("fax-backend", fax_backend_values, NULL, "Fax backend"),
  PROFILE ("fax-via", "SMTP profile used by the email fax backend"),
  STRING ("fax-address-template", "Recipient address template containing {number}"),
  STRING ("fax-default-country-code", "Country code for numbers without one"),
  STRING ("fax-subject", "Subject of email-to-fax messages"),
  HOST ("fax-host", "HylaFAX server"),
  UINT ("fax-port", 1, 65535, "4559", "HylaFAX server port"),
  STRING ("fax-username", "HylaFAX user name"),
  SECRET ("fax-password", "HylaFAX password"),
  ADDRESS ("fax-notify-address", "Address HylaFAX notifies about jobs"),
  UINT ("fax-max-dials", 1, 100, "12", "HylaFAX maximum dials per job"),
  UINT ("fax-max-tries", 1, 100, "3", "HylaFAX maximum tries per job"),
  URL ("fax-api-url", "Fax HTTP API endpoint"),
  SECRET ("fax-api-key", "Fax HTTP API key"),
  STRING ("fax-from-number", "Sending fax number"),
  STRING ("fax-connection-id", "Fax HTTP API connection id"),
  URL ("fax-webhook-url", "Status webhook URL given to the fax API"),
  SECRET ("fax-webhook-secret", "Secret that signs fax API webhooks"),
  SECRET ("fax-pin", "PIN the email fax provider wants, as {pin} in fax-subject"),
  UINT ("fax-poll-interval", 10, 86400, "60", "Seconds between status queries of a submitted fax"),
  STRING ("description", "Free text for administrators"),
  { NULL }
};

/* Defaults that differ by transport; value NULL means "no default". */
static const struct {
  const char *key;
  const char *transport;
  const char *value;
} transport_defaults[] = {
  { "port", "smtps", "465" },
  { "port", "fax", NULL },
  { "port", "maildir", NULL },
  { "security", "smtps", "tls" },
  { "security", "fax", NULL },
  { "security", "maildir", NULL },
};

/* Keys whose string form takes a unit suffix. */
static const char * const seconds_keys[] = {
  "connect-timeout", "conversation-timeout", "retry-interval", "expire-after", NULL
};
static const char * const size_keys[] = { "max-attachment-size", NULL };

const GwSettingSpec *
gw_profile_schema_get_all (void)
{
  return schema;
}

const GwSettingSpec *
gw_profile_schema_lookup (const char *key)
{
  static GHashTable *by_key = NULL;

  if (g_once_init_enter (&by_key)) {
    GHashTable *tmp = g_hash_table_new (g_str_hash, g_str_equal);
    for (const GwSettingSpec *s = schema; s->key != NULL; s++)
      g_hash_table_insert (tmp, (gpointer) s->key, (gpointer) s);
    g_once_init_leave (&by_key, tmp);
  }
  if (key == NULL)
    return NULL;
  return g_hash_table_lookup (by_key, key);
}

gboolean
gw_setting_is_secret (const char *key)
{
  const GwSettingSpec *spec = gw_profile_schema_lookup (key);

  return spec != NULL && spec->type == GW_SETTING_SECRET;
}

gboolean
gw_profile_name_is_valid (const char *name)
{
  gsize len;

  if (name == NULL)
    return FALSE;
  len = strlen (name);
  if (len < 1 || len > 64 || !g_ascii_isalnum (name[0]))
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_isalnum (name[i]) && name[i] != '.' && name[i] != '_' && name[i] != '-')
      return FALSE;
  }
  return TRUE;
}

/* A value as it may appear in an error: control characters escaped, long
 * values cut, so the message itself cannot inject anything. */
static char *
value_for_message (const char *value)
{
  g_autofree char *valid = g_utf8_make_valid (value, -1);
  GString *out = g_string_new (NULL);

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    if (out->len >= 80) {
      g_string_append (out, "…");
      break;
    }
    if (c < 0x20 || (c >= 0x7f && c < 0xa0))
      g_string_append_printf (out, "\\x%02x", c);
    else
      g_string_append_unichar (out, c);
  }
  return g_string_free (out, FALSE);
}

static gpointer
invalid_value (GError             **error,
               const GwSettingSpec *spec,
               const char          *value,
               const char          *reason)
{
  /* A secret's value is never echoed, not even in an error. */
  if (value == NULL || spec->type == GW_SETTING_SECRET) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                 _("Invalid value for “%s”: %s"), spec->key, reason);
  } else {
    g_autofree char *shown = value_for_message (value);
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                 _("Invalid value “%s” for “%s”: %s"), shown, spec->key, reason);
  }
  return NULL;
}

/* invalid_value() for functions returning gboolean */
#define refuse(error, spec, value, reason) (invalid_value ((error), (spec), (value), (reason)), FALSE)

static gboolean
check_text (const GwSettingSpec *spec, const char *value, gsize len, GError **error)
{
  if (strlen (value) != len || !g_utf8_validate (value, len, NULL))
    return refuse (error, spec, NULL, _("not valid UTF-8 text"));
  if (len > MAX_VALUE_LENGTH)
    return refuse (error, spec, NULL, _("too long"));
  for (const char *p = value; *p != '\0'; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);
    if (c < 0x20 || (c >= 0x7f && c < 0xa0))
      return refuse (error, spec, value, _("control characters (such as CR or LF) are not allowed"));
  }
  return TRUE;
}

static gboolean
host_is_valid (const char *host)
{
  g_auto(GStrv) labels = NULL;
  gsize len = strlen (host);
  guint n;
  gboolean all_digits = TRUE;

  if (g_hostname_is_ip_address (host))
    return TRUE;
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

/* A plain addr-spec local@domain; full RFC 5322 parsing lives elsewhere. */
static gboolean
address_is_valid (const char *addr)
{
  const char *at = strrchr (addr, '@');
  const char *domain;
  gsize local_len;

  if (at == NULL || at == addr || strlen (addr) > 254)
    return FALSE;
  local_len = at - addr;
  domain = at + 1;
  if (local_len > 64 || addr[0] == '.' || at[-1] == '.')
    return FALSE;
  for (const char *p = addr; p < at; p++) {
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
    return ascii != NULL && host_is_valid (ascii) && !g_hostname_is_ip_address (domain);
  }
}

static GVariant *
parse_uint_string (const GwSettingSpec *spec, const char *value, GError **error)
{
  const char *end = value;
  guint64 n = 0, mult = 1;

  while (g_ascii_isdigit (*end))
    end++;
  if (end == value)
    return invalid_value (error, spec, value, _("not a number"));
  if (g_strv_contains (seconds_keys, spec->key) && end[0] != '\0' && end[1] == '\0') {
    switch (g_ascii_tolower (end[0])) {
    case 's': mult = 1; break;
    case 'm': mult = 60; break;
    case 'h': mult = 3600; break;
    case 'd': mult = 86400; break;
    default: return invalid_value (error, spec, value, _("use seconds, or a number followed by s, m, h or d"));
    }
  } else if (g_strv_contains (size_keys, spec->key) && end[0] != '\0' && end[1] == '\0') {
    switch (g_ascii_tolower (end[0])) {
    case 'k': mult = 1024; break;
    case 'm': mult = 1024 * 1024; break;
    case 'g': mult = 1024 * 1024 * 1024; break;
    default: return invalid_value (error, spec, value, _("use bytes, or a number followed by K, M or G"));
    }
  } else if (end[0] != '\0') {
    return invalid_value (error, spec, value, _("not a number"));
  }
  /* The digits were checked above; a number too large saturates (and the
   * range check refuses it). No errno involved: a value read in one
   * thread cannot be spoilt by another's. */
  for (const char *p = value; p < end; p++) {
    guint digit = (guint) (*p - '0');

    if (n > (G_MAXUINT64 - digit) / 10) {
      n = G_MAXUINT64;
      break;
    }
    n = n * 10 + digit;
  }
  n = n > G_MAXUINT64 / mult ? G_MAXUINT64 : n * mult;
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

static gboolean
check_uint_range (const GwSettingSpec *spec,
                  GVariant            *parsed,
                  const char          *raw,
                  GError             **error)
{
  guint64 n = g_variant_get_uint64 (parsed);

  if (n < spec->min || n > spec->max) {
    g_autofree char *lo = g_strdup_printf ("%" G_GUINT64_FORMAT, spec->min);
    g_autofree char *hi = g_strdup_printf ("%" G_GUINT64_FORMAT, spec->max);
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
  g_autofree char *joined = g_strjoinv (", ", (char **) spec->allowed_values);
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
  return host_is_valid (host);
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
    } else if (!g_strv_contains (spec->allowed_values, item)) {
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
parse_string (const GwSettingSpec *spec, const char *raw, GError **error)
{
  g_autofree char *value = NULL;

  /* Free text and secrets are kept exactly; everything else is a token. */
  if (spec->type == GW_SETTING_STRING || spec->type == GW_SETTING_SECRET)
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
    if (!host_is_valid (value))
      return invalid_value (error, spec, value, _("not a host name or IP address"));
    return g_variant_new_take_string (g_ascii_strdown (value, -1));
  case GW_SETTING_ADDRESS:
    if (!address_is_valid (value))
      return invalid_value (error, spec, value, _("not a plain e-mail address such as user@example.com"));
    return g_variant_new_string (value);
  case GW_SETTING_PATH:
    if (!g_path_is_absolute (value))
      return invalid_value (error, spec, value, _("must be an absolute path"));
    return g_variant_new_string (value);
  case GW_SETTING_URL: {
    g_autoptr(GUri) uri = g_uri_parse (value, G_URI_FLAGS_NONE, NULL);
    const char *host = uri != NULL ? g_uri_get_host (uri) : NULL;

    if (host == NULL || *host == '\0' || !host_is_valid (host))
      return invalid_value (error, spec, value, _("not a valid URL"));
    if (g_uri_get_userinfo (uri) != NULL)
      return invalid_value (error, spec, value, _("a URL must not contain a user name or password"));
    if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") != 0 &&
        !(g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") == 0 && host_is_loopback (host)))
      return invalid_value (error, spec, value, _("must be an https:// URL (http:// only to a loopback address)"));
    return g_variant_new_string (value);
  }
  case GW_SETTING_PROFILE:
    if (!gw_profile_name_is_valid (value))
      return invalid_value (error, spec, value, _("not a profile name (1–64 letters, digits, “.”, “_” or “-”)"));
    return g_variant_new_string (value);
  case GW_SETTING_STRING:
  case GW_SETTING_SECRET:
  case GW_SETTING_PINS:
  case GW_SETTING_STRING_LIST:
  default:
    g_assert_not_reached ();
  }
  return NULL;
}

/* Extra rules for single keys, run on the canonical value. */

static gboolean
check_charset (const GwSettingSpec *spec, GVariant **value, GError **error)
{
  const char *cs = g_variant_get_string (*value, NULL);
  char *lower;
  GIConv conv;

  /* The name goes into a MIME header: a token, nothing else. */
  for (const char *p = cs; *p != '\0'; p++) {
    if (!g_ascii_isalnum (*p) && strchr ("._:-", *p) == NULL)
      return refuse (error, spec, cs, _("not a character set name"));
  }
  conv = *cs != '\0' ? g_iconv_open ("UTF-8", cs) : (GIConv) -1;
  if (conv == (GIConv) -1)
    return refuse (error, spec, cs, _("unknown character set"));
  g_iconv_close (conv);
  lower = g_ascii_strdown (cs, -1);
  g_variant_unref (*value);
  *value = g_variant_ref_sink (g_variant_new_take_string (lower));
  return TRUE;
}

static gboolean
check_readable_file (const GwSettingSpec *spec, GVariant **value, GError **error)
{
  const char *path = g_variant_get_string (*value, NULL);

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR) || g_access (path, R_OK) != 0)
    return refuse (error, spec, path, _("not a readable file"));
  return TRUE;
}

/* Templates: only the placeholders their expansion fills in (gw-template.c). */
static const char * const address_template_names[] = { "number", NULL };
static const char * const fax_subject_names[] = { "subject", "number", "pin", NULL };

static gboolean
check_template (const GwSettingSpec *spec, const char *tmpl, const char * const *names, GError **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!gw_template_check (tmpl, names, &local_error))
    return refuse (error, spec, tmpl, local_error->message);
  return TRUE;
}

static gboolean
check_address_template (const GwSettingSpec *spec, GVariant **value, GError **error)
{
  const char *tmpl = g_variant_get_string (*value, NULL);
  const GwTemplateValue sample_values[] = { { "number", "4930123456" }, { NULL, NULL } };
  g_autofree char *sample = NULL;

  if (!check_template (spec, tmpl, address_template_names, error))
    return FALSE;
  if (!gw_template_uses (tmpl, "number"))
    return refuse (error, spec, tmpl, _("must contain “{number}”, as in {number}@fax.example.net"));
  sample = gw_template_expand (tmpl, sample_values, NULL);
  if (sample == NULL || !address_is_valid (sample))
    return refuse (error, spec, tmpl, _("does not make an e-mail address, as in {number}@fax.example.net"));
  return TRUE;
}

static gboolean
check_fax_subject (const GwSettingSpec *spec, GVariant **value, GError **error)
{
  return check_template (spec, g_variant_get_string (*value, NULL), fax_subject_names, error);
}

static gboolean
check_country_code (const GwSettingSpec *spec, GVariant **value, GError **error)
{
  const char *raw = g_variant_get_string (*value, NULL);
  const char *cc = raw[0] == '+' ? raw + 1 : raw;
  gsize len = strlen (cc);
  gboolean ok = len >= 1 && len <= 3 && cc[0] != '0';

  for (const char *p = cc; ok && *p != '\0'; p++)
    ok = g_ascii_isdigit (*p);
  if (!ok)
    return refuse (error, spec, raw, _("must be a country calling code of 1 to 3 digits"));
  if (cc != raw) {
    char *digits = g_strdup (cc);
    g_variant_unref (*value);
    *value = g_variant_ref_sink (g_variant_new_take_string (digits));
  }
  return TRUE;
}

static gboolean
check_fax_number (const GwSettingSpec *spec, GVariant **value, GError **error)
{
  const char *num = g_variant_get_string (*value, NULL);
  gsize len = strlen (num);

  if (len > 32 || strspn (num, "0123456789+-(). ") != len || strpbrk (num, "0123456789") == NULL)
    return refuse (error, spec, num, _("must be a fax number: digits, spaces and + - ( ) ."));
  return TRUE;
}

static gboolean
check_dsn_notify (const GwSettingSpec *spec, GVariant **value, GError **error)
{
  g_autofree const char **items = g_variant_get_strv (*value, NULL);

  if (g_strv_contains (items, "never") && g_strv_length ((char **) items) > 1)
    return refuse (error, spec, NULL, _("“never” cannot be combined with other values"));
  return TRUE;
}

static const struct {
  const char *key;
  gboolean  (*check) (const GwSettingSpec *spec, GVariant **value, GError **error);
} key_checks[] = {
  { "charset", check_charset },
  { "ca-file", check_readable_file },
  { "fax-address-template", check_address_template },
  { "fax-subject", check_fax_subject },
  { "fax-default-country-code", check_country_code },
  { "fax-from-number", check_fax_number },
  { "dsn-notify", check_dsn_notify },
};

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
  [GW_SETTING_SECRET] = { { NULL }, NULL }, /* the last type: sizes the array */
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

GVariant *
gw_setting_parse (const char *key, GVariant *value, GError **error)
{
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GVariant) result = NULL;
  const GwSettingSpec *spec = gw_profile_schema_lookup (key);
  const char *str = NULL;

  g_return_val_if_fail (value != NULL, NULL);

  owned = g_variant_ref_sink (value);
  if (spec == NULL) {
    g_autofree char *shown = value_for_message (key != NULL ? key : "");
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                 _("Unknown profile key “%s”"), shown);
    return NULL;
  }
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

  for (guint i = 0; i < G_N_ELEMENTS (key_checks); i++) {
    if (g_str_equal (key_checks[i].key, spec->key) && !key_checks[i].check (spec, &result, error))
      return NULL;
  }
  return g_steal_pointer (&result);
}

GVariant *
gw_setting_default (const char *key, const char *transport)
{
  const GwSettingSpec *spec = gw_profile_schema_lookup (key);
  const char *def;
  g_autoptr(GError) error = NULL;
  GVariant *value;

  if (spec == NULL)
    return NULL;
  if (transport == NULL)
    transport = "smtp";
  def = spec->default_value;
  for (guint i = 0; i < G_N_ELEMENTS (transport_defaults); i++) {
    if (g_str_equal (transport_defaults[i].key, key) &&
        g_str_equal (transport_defaults[i].transport, transport))
      def = transport_defaults[i].value;
  }
  if (def == NULL)
    return NULL;
  value = gw_setting_parse (key, g_variant_new_string (def), &error);
  if (value == NULL)
    g_critical ("Default of “%s” does not validate: %s", key, error->message);
  return value;
}
