/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-template.c: the one template expander for administrators' templates
 *
 * A template is the administrator's text with placeholders such as
 * {number}; "{{" and "}}" stand for literal braces. Expansion is a single
 * pass over the template: each value goes into the output as it is and is
 * never looked at again, so a caller's text (a subject, a number) cannot
 * name a placeholder and pull in another value, such as a secret.
 */
#define G_LOG_DOMAIN "gw-template"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-template.h"

#define MAX_NAME_LENGTH 32

typedef gboolean (*PlaceholderFunc) (const char *name,
                                     gsize       length,
                                     gpointer    user_data,
                                     GError    **error);

static gboolean
is_name_char (char c)
{
  return g_ascii_islower (c) || g_ascii_isdigit (c) || c == '-' || c == '_';
}

/* Walks @template_text once: literal text goes to @out (when not NULL),
 * each placeholder to @func. A brace that is neither doubled nor part of
 * a well-formed placeholder is an error. */
static gboolean
walk (const char     *template_text,
      GString        *out,
      PlaceholderFunc func,
      gpointer        user_data,
      GError        **error)
{
  const char *p = template_text;

  while (*p != '\0') {
    const char *name;
    gsize length;

    if (p[0] == '{' && p[1] == '{') {
      if (out != NULL)
        g_string_append_c (out, '{');
      p += 2;
      continue;
    }
    if (p[0] == '}' && p[1] == '}') {
      if (out != NULL)
        g_string_append_c (out, '}');
      p += 2;
      continue;
    }
    if (p[0] == '}') {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                   _("a lone “}” at position %u: write “}}” for a literal brace"),
                   (guint) (p - template_text + 1));
      return FALSE;
    }
    if (p[0] != '{') {
      if (out != NULL)
        g_string_append_c (out, *p);
      p++;
      continue;
    }
    name = p + 1;
    for (length = 0; is_name_char (name[length]) && length <= MAX_NAME_LENGTH; length++)
      ;
    if (name[length] != '}' || length == 0 || length > MAX_NAME_LENGTH) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
                   _("a “{” at position %u does not start a placeholder such as {number}: "
                     "write “{{” for a literal brace"),
                   (guint) (p - template_text + 1));
      return FALSE;
    }
    if (!func (name, length, user_data, error))
      return FALSE;
    p = name + length + 1;
  }
  return TRUE;
}

typedef struct {
  const char * const *names;
  const char         *wanted;   /* for gw_template_uses() */
  gboolean            found;
} CheckData;

static gboolean
check_name (const char *name,
            gsize       length,
            gpointer    user_data,
            GError    **error)
{
  CheckData *data = user_data;
  g_autofree char *copy = g_strndup (name, length);
  g_autoptr(GString) known = NULL;

  if (data->wanted != NULL) {
    data->found |= g_str_equal (copy, data->wanted);
    return TRUE;
  }
  if (g_strv_contains (data->names, copy))
    return TRUE;
  known = g_string_new (NULL);
  for (guint i = 0; data->names[i] != NULL; i++)
    g_string_append_printf (known, "%s{%s}", i > 0 ? ", " : "", data->names[i]);
  g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
               _("unknown placeholder “{%s}”; this template knows %s"), copy,
               known->len > 0 ? known->str : _("none"));
  return FALSE;
}

/**
 * gw_template_check:
 * @template_text: an administrator's template
 * @names: the placeholder names this template may use, %NULL-terminated
 *
 * Checks the template's syntax and that it names only @names. Profiles
 * call it when a template is set, so an unknown placeholder is refused
 * there and not found later at delivery.
 */
gboolean
gw_template_check (const char         *template_text,
                   const char * const *names,
                   GError            **error)
{
  CheckData data = { names, NULL, FALSE };

  return walk (template_text, NULL, check_name, &data, error);
}

/* Whether a well-formed @template_text has the placeholder {@name}. */
gboolean
gw_template_uses (const char *template_text,
                  const char *name)
{
  CheckData data = { NULL, name, FALSE };

  return walk (template_text, NULL, check_name, &data, NULL) && data.found;
}

typedef struct {
  const GwTemplateValue *values;
  GString               *out;
} ExpandData;

static gboolean
insert_value (const char *name,
              gsize       length,
              gpointer    user_data,
              GError    **error)
{
  ExpandData *data = user_data;

  for (const GwTemplateValue *v = data->values; v->name != NULL; v++) {
    if (strlen (v->name) == length && memcmp (v->name, name, length) == 0) {
      /* Literally: the value is output, never template text. */
      if (v->value != NULL)
        g_string_append (data->out, v->value);
      return TRUE;
    }
  }
  g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_SETTING,
               _("unknown placeholder “{%.*s}”"), (int) length, name);
  return FALSE;
}

/**
 * gw_template_expand:
 * @template_text: an administrator's template
 * @values: the placeholders' values, ended by { NULL, NULL }
 *
 * Expands @template_text in one pass. Values are inserted literally: braces
 * in a value stay as they are and are never expanded.
 *
 * Returns: (transfer full): the text, or %NULL with @error set when the
 *   template is malformed or names a placeholder not in @values
 */
char *
gw_template_expand (const char            *template_text,
                    const GwTemplateValue *values,
                    GError               **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  ExpandData data = { values, out };

  if (!walk (template_text, out, insert_value, &data, error))
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}
