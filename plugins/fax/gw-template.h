/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-template.h: the one template expander for administrators' templates */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One placeholder's value; @value NULL inserts nothing. A list of them
 * ends with { NULL, NULL }. */
typedef struct {
  const char *name;
  const char *value;
} GwTemplateValue;

gboolean gw_template_check  (const char             *template_text,
                             const char * const     *names,
                             GError                **error);
gboolean gw_template_uses   (const char             *template_text,
                             const char             *name);
char    *gw_template_expand (const char             *template_text,
                             const GwTemplateValue  *values,
                             GError                **error);

G_END_DECLS
