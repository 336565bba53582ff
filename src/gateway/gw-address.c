/* gw-address.c: parsing and checking of mail addresses
 *
 * GMime does the RFC 5322 parsing; what it lets through is checked again
 * here, because an address ends up in SMTP commands where a stray space or
 * bracket changes the meaning.
 */
#define G_LOG_DOMAIN "gw-address"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include "gw-gmime.h"

#include "herald-error.h"
#include "gw-address.h"
#include "gw-notification.h"

#define MAX_LOCAL_PART 64
#define MAX_ADDRESS    254

static gboolean
domain_is_valid (const char *domain)
{
  g_auto(GStrv) labels = NULL;

  if (*domain == '[') {
    /* Address literal: [192.0.2.1] or [IPv6:...] */
    g_autofree char *inner = NULL;
    gsize len = strlen (domain);

    if (len < 3 || domain[len - 1] != ']')
      return FALSE;
    inner = g_strndup (domain + 1, len - 2);
    if (g_str_has_prefix (inner, "IPv6:"))
      return g_hostname_is_ip_address (inner + 5);
    return g_hostname_is_ip_address (inner);
  }
  if (*domain == '\0' || strlen (domain) > 253)
    return FALSE;
  labels = g_strsplit (domain, ".", -1);
  for (guint i = 0; labels[i] != NULL; i++) {
    const char *label = labels[i];
    gsize len = strlen (label);

    if (len == 0 || len > 63 || label[0] == '-' || label[len - 1] == '-')
      return FALSE;
    for (const char *p = label; *p != '\0'; p++) {
      /* Non-ASCII is allowed for internationalised domains (converted later). */
      if (!g_ascii_isalnum (*p) && *p != '-' && (guchar) *p < 0x80)
        return FALSE;
    }
  }
  return TRUE;
}

static gboolean
local_part_is_valid (const char *local,
                     gsize       len)
{
  if (len == 0 || len > MAX_LOCAL_PART)
    return FALSE;
  if (local[0] == '"')
    return len >= 2 && local[len - 1] == '"';
  if (local[0] == '.' || local[len - 1] == '.')
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    guchar c = (guchar) local[i];

    if (c >= 0x80)
      continue;  /* UTF-8: needs SMTPUTF8 at delivery */
    if (g_ascii_isalnum (c) || strchr ("!#$%&'*+-/=?^_`{|}~.", c) != NULL) {
      if (c == '.' && i + 1 < len && local[i + 1] == '.')
        return FALSE;
      continue;
    }
    return FALSE;
  }
  return TRUE;
}

gboolean
gw_address_check_addr_spec (const char *what,
                            const char *addr_spec,
                            GError    **error)
{
  const char *at;

  if (!gw_check_header_text (what, addr_spec, error))
    return FALSE;
  at = strrchr (addr_spec, '@');
  if (at == NULL || strlen (addr_spec) > MAX_ADDRESS ||
      !local_part_is_valid (addr_spec, (gsize) (at - addr_spec)) ||
      !domain_is_valid (at + 1) ||
      strpbrk (addr_spec, " <>,;") != NULL) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ADDRESS,
                 _("“%s” is not a valid address for “%s”"), addr_spec, what);
    return FALSE;
  }
  return TRUE;
}

const char *
gw_address_get_domain (const char *addr_spec)
{
  const char *at = strrchr (addr_spec, '@');

  return at != NULL ? at + 1 : NULL;
}

gboolean
gw_address_parse (const char *what,
                  const char *text,
                  gboolean    strict,
                  char      **display_name,
                  char      **addr_spec,
                  GError    **error)
{
  g_autoptr(GMimeParserOptions) options = g_mime_parser_options_new ();
  g_autoptr(InternetAddressList) list = NULL;
  InternetAddress *address;
  const char *name, *addr;

  if (!gw_check_header_text (what, text, error))
    return FALSE;
  g_mime_parser_options_set_address_compliance_mode (options, strict ? GMIME_RFC_COMPLIANCE_STRICT
                                                                     : GMIME_RFC_COMPLIANCE_LOOSE);
  list = internet_address_list_parse (options, text);
  if (list == NULL || internet_address_list_length (list) != 1 ||
      !INTERNET_ADDRESS_IS_MAILBOX (internet_address_list_get_address (list, 0))) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ADDRESS,
                 _("“%s” is not a single valid address for “%s”"), text, what);
    return FALSE;
  }
  address = internet_address_list_get_address (list, 0);
  addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address));
  if (!gw_address_check_addr_spec (what, addr, error))
    return FALSE;
  name = internet_address_get_name (address);
  if (display_name != NULL)
    *display_name = (name != NULL && *name != '\0') ? g_strdup (name) : NULL;
  if (addr_spec != NULL)
    *addr_spec = g_strdup (addr);
  return TRUE;
}
