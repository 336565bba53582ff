/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hs-options.c: sendmail(8)'s command line, as herald-sendmail reads it
 *
 * One table says which letters take an argument; the options programs
 * really pass (cron: -FCronDaemon -i -B8BITMIME -oem; mailx: -i; mdadm,
 * smartd, unattended-upgrades: -t, -oi, -f) and everything msmtp's and
 * nullmailer's sendmail accept are known. sendmail ignores what it does
 * not know with a warning, and so does this.
 */
#define G_LOG_DOMAIN "herald-sendmail"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "hs-options.h"

typedef enum {
  ARG_NONE,       /* a flag: -t */
  ARG_REQUIRED,   /* attached or the next argument: -fADDR, -f ADDR */
  ARG_ATTACHED,   /* only attached, may be empty: -q, -q1h */
} ArgKind;

static const struct {
  char     letter;
  ArgKind  arg;
  gboolean effect;   /* FALSE: accepted without effect (noted with -v) */
} letters[] = {
  { 't', ARG_NONE, TRUE }, { 'i', ARG_NONE, TRUE }, { 'v', ARG_NONE, TRUE },
  { 'f', ARG_REQUIRED, TRUE }, { 'r', ARG_REQUIRED, TRUE }, { 'F', ARG_REQUIRED, TRUE },
  { 'b', ARG_REQUIRED, TRUE }, { 'o', ARG_REQUIRED, TRUE }, { 'O', ARG_REQUIRED, TRUE },
  { 'q', ARG_ATTACHED, TRUE }, { 'I', ARG_NONE, TRUE },
  { 'B', ARG_REQUIRED, FALSE }, { 'C', ARG_REQUIRED, FALSE }, { 'N', ARG_REQUIRED, FALSE },
  { 'R', ARG_REQUIRED, FALSE }, { 'V', ARG_REQUIRED, FALSE }, { 'X', ARG_REQUIRED, FALSE },
  { 'L', ARG_REQUIRED, FALSE }, { 'h', ARG_REQUIRED, FALSE }, { 'p', ARG_REQUIRED, FALSE },
  { 'e', ARG_REQUIRED, FALSE }, { 'A', ARG_ATTACHED, FALSE }, { 'd', ARG_ATTACHED, FALSE },
  { 'G', ARG_NONE, FALSE }, { 'U', ARG_NONE, FALSE }, { 'm', ARG_NONE, FALSE },
  { 'n', ARG_NONE, FALSE }, { 'x', ARG_NONE, FALSE }, { 'c', ARG_NONE, FALSE },
};

void
hs_options_init (HsOptions *self)
{
  memset (self, 0, sizeof *self);
  self->recipients = g_ptr_array_new_with_free_func (g_free);
  self->warnings = g_ptr_array_new_with_free_func (g_free);
  self->ignored = g_ptr_array_new_with_free_func (g_free);
}

void
hs_options_clear (HsOptions *self)
{
  g_clear_pointer (&self->sender, g_free);
  g_clear_pointer (&self->full_name, g_free);
  g_clear_pointer (&self->recipients, g_ptr_array_unref);
  g_clear_pointer (&self->warnings, g_ptr_array_unref);
  g_clear_pointer (&self->ignored, g_ptr_array_unref);
}

/* "<user@host>" → "user@host"; "<>" → "" (the null sender) */
static char *
strip_brackets (const char *address)
{
  g_autofree char *text = g_strstrip (g_strdup (address));
  gsize len = strlen (text);

  if (len >= 2 && text[0] == '<' && text[len - 1] == '>')
    return g_strndup (text + 1, len - 2);
  return g_steal_pointer (&text);
}

/* Splits "a@x, Name <b@y>, \"c, d\" <e@z>" at commas outside quotes,
 * angle brackets and comments. */
static void
add_recipients (GPtrArray  *out,
                const char *text)
{
  GString *item = g_string_new (NULL);
  int quote = 0, angle = 0, comment = 0;

  for (const char *p = text;; p++) {
    if (*p == '\0' || (*p == ',' && !quote && angle == 0 && comment == 0)) {
      g_strstrip (item->str);
      if (item->str[0] != '\0')
        g_ptr_array_add (out, g_strdup (item->str));
      g_string_truncate (item, 0);
      if (*p == '\0')
        break;
      continue;
    }
    if (*p == '\\' && p[1] != '\0') {
      g_string_append_c (item, *p++);
    } else if (*p == '"' && comment == 0) {
      quote = !quote;
    } else if (!quote) {
      angle += *p == '<' ? 1 : *p == '>' && angle > 0 ? -1 : 0;
      comment += *p == '(' ? 1 : *p == ')' && comment > 0 ? -1 : 0;
    }
    g_string_append_c (item, *p);
  }
  g_string_free (item, TRUE);
}

static gboolean
set_mode (HsOptions  *self,
          const char *mode,
          GError    **error)
{
  if (g_str_equal (mode, "m")) {
    self->mode = HS_MODE_DELIVER;
  } else if (g_str_equal (mode, "p")) {
    self->mode = HS_MODE_LIST_QUEUE;
  } else if (g_str_equal (mode, "i")) {
    self->mode = HS_MODE_NEWALIASES;
  } else {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 _("-b%s is not supported: herald-sendmail hands messages to heraldd (-bm), "
                   "lists the queue (-bp) and takes -bi"), mode);
    return FALSE;
  }
  return TRUE;
}

/* -o: sendmail's one-letter options; only -oi changes anything here. */
static void
set_o (HsOptions  *self,
       const char *value)
{
  if (g_str_equal (value, "i"))
    self->ignore_dots = TRUE;
  else
    g_ptr_array_add (self->ignored, g_strdup_printf ("-o%s", value));
}

/* -O: sendmail's long options; IgnoreDots is the only one with an effect. */
static void
set_long_o (HsOptions  *self,
            const char *value)
{
  if (g_ascii_strcasecmp (value, "IgnoreDots") == 0 || g_ascii_strcasecmp (value, "IgnoreDots=true") == 0)
    self->ignore_dots = TRUE;
  else if (g_ascii_strcasecmp (value, "IgnoreDots=false") == 0)
    self->ignore_dots = FALSE;
  else
    g_ptr_array_add (self->ignored, g_strdup_printf ("-O %s", value));
}

static gboolean
apply (HsOptions  *self,
       char        letter,
       const char *value,
       GError    **error)
{
  switch (letter) {
  case 't': self->extract_recipients = TRUE; break;
  case 'i': self->ignore_dots = TRUE; break;
  case 'v': self->verbose = TRUE; break;
  case 'I': self->mode = HS_MODE_NEWALIASES; break;
  case 'q': self->mode = HS_MODE_RUN_QUEUE; break;
  case 'b': return set_mode (self, value, error);
  case 'o': set_o (self, value); break;
  case 'O': set_long_o (self, value); break;
  case 'f':
  case 'r':
    g_free (self->sender);
    self->sender = strip_brackets (value);
    break;
  case 'F':
    g_free (self->full_name);
    self->full_name = g_strdup (value);
    break;
  default:
    g_assert_not_reached ();
  }
  return TRUE;
}

/* One "-..." argument, with its letters clustered; *next is advanced over
 * an option's separate argument. */
static gboolean
parse_cluster (HsOptions          *self,
               int                 argc,
               const char * const *argv,
               int                *next,
               GError            **error)
{
  const char *arg = argv[*next];

  for (const char *p = arg + 1; *p != '\0'; p++) {
    const char *value = NULL;
    guint i;

    for (i = 0; i < G_N_ELEMENTS (letters) && letters[i].letter != *p; i++)
      ;
    if (i == G_N_ELEMENTS (letters)) {
      g_ptr_array_add (self->warnings, g_strdup_printf (_("option -%c ignored (unknown)"), *p));
      continue;
    }
    if (letters[i].arg == ARG_ATTACHED) {
      value = p + 1;
    } else if (letters[i].arg == ARG_REQUIRED) {
      if (p[1] != '\0') {
        value = p + 1;
      } else if (*next + 1 < argc) {
        value = argv[++*next];
      } else {
        g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                     _("option -%c needs an argument"), *p);
        return FALSE;
      }
    }
    if (letters[i].effect && !apply (self, *p, value, error))
      return FALSE;
    if (!letters[i].effect)
      g_ptr_array_add (self->ignored, value != NULL ? g_strdup_printf ("-%c %s", *p, value)
                                                    : g_strdup_printf ("-%c", *p));
    if (value != NULL)
      break;
  }
  return TRUE;
}

gboolean
hs_options_parse (HsOptions          *self,
                  const char         *program,
                  int                 argc,
                  const char * const *argv,
                  GError            **error)
{
  g_autofree char *base = program != NULL ? g_path_get_basename (program) : NULL;
  int i;

  if (g_strcmp0 (base, "mailq") == 0)
    self->mode = HS_MODE_LIST_QUEUE;
  else if (g_strcmp0 (base, "newaliases") == 0)
    self->mode = HS_MODE_NEWALIASES;
  for (i = 0; i < argc; i++) {
    const char *arg = argv[i];

    if (g_str_equal (arg, "--")) {
      i++;
      break;
    }
    if (g_str_equal (arg, "--help")) {
      self->mode = HS_MODE_HELP;
      continue;
    }
    if (g_str_equal (arg, "--version")) {
      self->mode = HS_MODE_VERSION;
      continue;
    }
    if (arg[0] != '-' || arg[1] == '\0')
      break;
    if (arg[1] == '-') {
      g_ptr_array_add (self->warnings, g_strdup_printf (_("option %s ignored (unknown)"), arg));
      continue;
    }
    if (!parse_cluster (self, argc, argv, &i, error))
      return FALSE;
  }
  for (; i < argc; i++)
    add_recipients (self->recipients, argv[i]);
  return TRUE;
}
