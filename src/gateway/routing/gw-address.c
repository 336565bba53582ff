/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-address.c: parsing and checking of mail addresses
 *
 * One entry is one mailbox: "user@example.org", "Name <user@example.org>",
 * "user@example.org (Name)". The parser is our own rather than GMime's
 * list parser, so that what each mode accepts is exact and documented
 * (tests/unit/test-address.c holds the table):
 *
 * strict (RFC 5322 without the obsolete syntax): the display name is atoms
 * and quoted strings only; the local part is a dot-atom or a quoted string
 * of atext and dots; the domain has no empty label.
 * lenient (the sloppy forms real mail has): specials such as "." "," "@"
 * in an unquoted display name, a name followed by a bare address with no
 * angle brackets, leading, trailing or doubled dots in the local part, one
 * trailing dot after the domain (dropped).
 *
 * Both modes take UTF-8 display names (RFC 6532) and RFC 2047 encoded
 * words, convert internationalised domains to their ASCII form (IDNA), and
 * keep a UTF-8 local part, which needs SMTPUTF8 at delivery. The result
 * ends up in SMTP commands, so no space, bracket or control survives.
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
#define MAX_DOMAIN     253
#define MAX_LABEL      63

static gboolean
invalid (GError    **error,
         const char *what,
         const char *text,
         const char *reason)
{
  g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ADDRESS,
               _("“%s” is not a valid address for “%s”: %s"), text, what, reason);
  return FALSE;
}

/* RFC 5322 atext, plus any UTF-8 byte (RFC 6532). */
static gboolean
is_atext (guchar c)
{
  return c >= 0x80 || g_ascii_isalnum (c) || (c != '\0' && strchr ("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static gboolean
is_wsp (char c)
{
  return c == ' ' || c == '\t';
}

static gboolean
domain_literal_is_valid (const char *domain)
{
  gsize len = strlen (domain);
  g_autofree char *inner = NULL;

  if (len < 3 || domain[len - 1] != ']')
    return FALSE;
  inner = g_strndup (domain + 1, len - 2);
  if (g_str_has_prefix (inner, "IPv6:"))
    return g_hostname_is_ip_address (inner + 5) && strchr (inner + 5, ':') != NULL;
  return g_hostname_is_ip_address (inner) && strchr (inner, ':') == NULL;
}

/* Letters, digits and inner hyphens, 1 to 63 bytes a label. */
static gboolean
ascii_domain_is_valid (const char *domain)
{
  g_auto(GStrv) labels = NULL;

  if (*domain == '\0' || strlen (domain) > MAX_DOMAIN)
    return FALSE;
  labels = g_strsplit (domain, ".", -1);
  for (guint i = 0; labels[i] != NULL; i++) {
    const char *label = labels[i];
    gsize len = strlen (label);

    if (len == 0 || len > MAX_LABEL || label[0] == '-' || label[len - 1] == '-')
      return FALSE;
    for (const char *p = label; *p != '\0'; p++) {
      if (!g_ascii_isalnum (*p) && *p != '-')
        return FALSE;
    }
  }
  return TRUE;
}

/* The domain in ASCII (IDNA for an internationalised one), or NULL. */
static char *
normalize_domain (const char *what,
                  const char *text,
                  const char *domain,
                  gboolean    strict,
                  GError    **error)
{
  g_autofree char *copy = g_strdup (domain);
  g_autofree char *ascii = NULL;
  gsize len = strlen (copy);

  if (*copy == '[') {
    if (!domain_literal_is_valid (copy)) {
      invalid (error, what, text, _("the address literal is not an IP address"));
      return NULL;
    }
    return g_steal_pointer (&copy);
  }
  /* "user@example.org." names the root explicitly; mail does not. */
  if (!strict && len > 1 && copy[len - 1] == '.' && copy[len - 2] != '.')
    copy[len - 1] = '\0';
  for (const char *p = copy; *p != '\0'; p++) {
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.' && (guchar) *p < 0x80) {
      invalid (error, what, text, _("the domain may hold only letters, digits, “-” and “.”"));
      return NULL;
    }
  }
  ascii = g_hostname_to_ascii (copy);
  if (ascii == NULL) {
    invalid (error, what, text, _("the domain cannot be converted to its ASCII form (IDNA)"));
    return NULL;
  }
  if (!ascii_domain_is_valid (ascii)) {
    invalid (error, what, text, _("the domain has an empty, too long or badly formed label"));
    return NULL;
  }
  return g_steal_pointer (&ascii);
}

static gboolean
local_part_is_valid (const char *local,
                     gsize       len,
                     gboolean    strict)
{
  if (len == 0 || len > MAX_LOCAL_PART)
    return FALSE;
  if (local[0] == '"') {
    /* Quoted dots only ("john..doe"): a quoted ",", "@" or blank is legal
     * RFC 5322 but misread by too many programs an address passes through
     * (found by fuzz-address). */
    if (len < 3 || local[len - 1] != '"')
      return FALSE;
    for (gsize i = 1; i + 1 < len; i++) {
      if (local[i] != '.' && !is_atext ((guchar) local[i]))
        return FALSE;
    }
    return TRUE;
  }
  if (strict && (local[0] == '.' || local[len - 1] == '.'))
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    if (local[i] == '.') {
      if (strict && local[i + 1] == '.')
        return FALSE;
      continue;
    }
    if (!is_atext ((guchar) local[i]))
      return FALSE;
  }
  return TRUE;
}

/* "local@domain" checked and normalised (ASCII domain), or NULL. */
static char *
normalize_addr_spec (const char *what,
                     const char *text,
                     const char *addr,
                     gboolean    strict,
                     GError    **error)
{
  const char *at = strrchr (addr, '@');
  g_autofree char *domain = NULL;
  g_autofree char *result = NULL;

  if (at == NULL || at == addr) {
    invalid (error, what, text, _("an address is local-part@domain"));
    return NULL;
  }
  if (!local_part_is_valid (addr, (gsize) (at - addr), strict)) {
    invalid (error, what, text, strict
             ? _("the part before “@” has a character or dot that needs lenient parsing (strict-addresses)")
             : _("the part before “@” has a character that is not allowed"));
    return NULL;
  }
  domain = normalize_domain (what, text, at + 1, strict, error);
  if (domain == NULL)
    return NULL;
  result = g_strdup_printf ("%.*s@%s", (int) (at - addr), addr, domain);
  if (strlen (result) > MAX_ADDRESS) {
    invalid (error, what, text, _("the address is longer than 254 bytes"));
    return NULL;
  }
  return g_steal_pointer (&result);
}

/* Display name from a phrase: words joined by one space, quoted strings
 * unquoted, encoded words decoded. NULL when the phrase is not allowed. */
static char *
parse_phrase (const char *phrase,
              gboolean    strict)
{
  g_autoptr(GString) out = g_string_new (NULL);
  const char *p = phrase;

  while (*p != '\0') {
    gboolean spaced = FALSE;

    while (is_wsp (*p)) {
      p++;
      spaced = TRUE;
    }
    if (*p == '\0')
      break;
    if (spaced && out->len > 0)
      g_string_append_c (out, ' ');
    if (*p == '"') {
      for (p++; *p != '"'; p++) {
        if (*p == '\0')
          return NULL;
        if (*p == '\\' && p[1] != '\0')
          p++;
        g_string_append_c (out, *p);
      }
      p++;
      continue;
    }
    for (; *p != '\0' && !is_wsp (*p) && *p != '"'; p++) {
      if (*p == '<' || *p == '>')
        return NULL;
      if (strict && !is_atext ((guchar) *p))
        return NULL;
      g_string_append_c (out, *p);
    }
  }
  if (strstr (out->str, "=?") != NULL) {
    g_autofree char *decoded = g_mime_utils_header_decode_phrase (NULL, out->str);

    /* An encoded word must not smuggle in what the plain text may not. */
    if (decoded == NULL || !gw_check_header_text ("name", decoded, NULL))
      return NULL;
    return g_steal_pointer (&decoded);
  }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Index of the last @c outside quoted strings, or -1. */
static gssize
find_unquoted_last (const char *s,
                    char        c)
{
  gboolean quoted = FALSE;
  gssize found = -1;

  for (gssize i = 0; s[i] != '\0'; i++) {
    if (quoted && s[i] == '\\' && s[i + 1] != '\0') {
      i++;
      continue;
    }
    if (s[i] == '"')
      quoted = !quoted;
    else if (!quoted && s[i] == c)
      found = i;
  }
  return found;
}

gboolean
gw_address_parse (const char *what,
                  const char *text,
                  gboolean    strict,
                  char      **display_name,
                  char      **addr_spec,
                  GError    **error)
{
  g_autofree char *s = NULL;
  g_autofree char *name = NULL;
  g_autofree char *comment = NULL;
  g_autofree char *addr = NULL;
  const char *addr_text;
  gsize len;

  if (!gw_check_header_text (what, text, error))
    return FALSE;
  s = g_strstrip (g_strdup (text));
  len = strlen (s);
  if (len == 0)
    return invalid (error, what, text, _("the address is empty"));

  /* "user@example.org (Name)": a trailing comment names the mailbox. */
  if (s[len - 1] == ')') {
    gssize open = find_unquoted_last (s, '(');

    if (open < 0 || strchr (s + open + 1, '(') != NULL || strchr (s + open + 1, ')') != s + len - 1)
      return invalid (error, what, text, _("the comment in parentheses is not closed or nested"));
    comment = g_strstrip (g_strndup (s + open + 1, len - open - 2));
    s[open] = '\0';
    g_strchomp (s);
    len = strlen (s);
  }

  if (len > 0 && s[len - 1] == '>') {
    gssize lt = find_unquoted_last (s, '<');

    if (lt < 0)
      return invalid (error, what, text, _("“>” without “<”"));
    s[len - 1] = '\0';
    addr_text = s + lt + 1;
    s[lt] = '\0';
    g_strchomp (s);
    if (*s != '\0') {
      name = parse_phrase (s, strict);
      if (name == NULL)
        return invalid (error, what, text, strict
                        ? _("a display name with “.”, “,”, “@” or other specials needs quotes (strict-addresses)")
                        : _("the display name is not closed or holds “<” or “>”"));
    }
  } else if (!strict && strpbrk (s, " \t") != NULL && strchr (s, '<') == NULL) {
    /* "Name user@example.org": the last word is the address. */
    char *last = s + len;

    while (last > s && !is_wsp (last[-1]))
      last--;
    addr_text = last;
    while (last > s && is_wsp (last[-1]))
      last--;
    *last = '\0';
    /* "a@example.org, b@example.org" is two addresses, not a name. */
    if (strpbrk (s, "@,;") != NULL)
      return invalid (error, what, text, _("one entry is one address; put a name in front of it"));
    if (*s != '\0') {
      name = parse_phrase (s, FALSE);
      if (name == NULL)
        return invalid (error, what, text, _("the display name is not closed or holds “<” or “>”"));
    }
  } else {
    addr_text = s;
  }

  if (strpbrk (addr_text, " \t<>,;()\"") != NULL && addr_text[0] != '"')
    return invalid (error, what, text, strict
                    ? _("a name needs angle brackets around the address, as in Name <user@example.org> (strict-addresses)")
                    : _("the address holds a space, bracket or separator; one entry is one address"));
  addr = normalize_addr_spec (what, text, addr_text, strict, error);
  if (addr == NULL)
    return FALSE;
  if (name == NULL && comment != NULL && *comment != '\0')
    name = g_steal_pointer (&comment);
  if (display_name != NULL)
    *display_name = (name != NULL && *name != '\0') ? g_steal_pointer (&name) : NULL;
  if (addr_spec != NULL)
    *addr_spec = g_steal_pointer (&addr);
  return TRUE;
}

gboolean
gw_address_check_addr_spec (const char *what,
                            const char *addr_spec,
                            GError    **error)
{
  g_autofree char *addr = NULL;

  if (!gw_check_header_text (what, addr_spec, error))
    return FALSE;
  addr = normalize_addr_spec (what, addr_spec, addr_spec, TRUE, error);
  return addr != NULL;
}

const char *
gw_address_get_domain (const char *addr_spec)
{
  const char *at = strrchr (addr_spec, '@');

  return at != NULL ? at + 1 : NULL;
}
