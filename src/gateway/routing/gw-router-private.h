/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-router-private.h: the parsed rules, shared by gw-router*.c */
#pragma once

#include <json-glib/json-glib.h>

#include "gw-router.h"

G_BEGIN_DECLS

/* Routes documents nest 5 deep; this leaves room and keeps the recursive
 * JSON parser's stack small. */
#define GW_ROUTER_MAX_JSON_DEPTH 16

typedef struct {
  guint     index;             /* from 1 */
  char     *name;              /* or NULL */
  char     *label;             /* "rule 2 (“name”)" for messages */
  char     *category;          /* glob, or NULL */
  int       min_urgency;       /* -1: any */
  char     *app_name;
  GStrv     tags_any;
  GStrv     tags_all;
  char     *recipient_domain;  /* case-folded */
  char     *local_recipient;   /* lower case */
  GStrv     profiles;          /* primary, then fallbacks (or fan-out) */
  gboolean  fan_out;
  GStrv     add_to;
  GHashTable *add_others;      /* recipient kind → GStrv, from "add-KIND" */
  gboolean  stop;
} GwRule;

void     gw_rule_free            (GwRule *rule);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GwRule, gw_rule_free)

/* Parses and checks a routes document into GwRule (transfer full). With
 * @probe, each profile must exist; otherwise a missing one is a warning. */
GPtrArray *gw_rules_parse        (JsonNode          *root,
                                  GwRouterProbeFunc  probe,
                                  gpointer           user_data,
                                  gboolean           require_profiles,
                                  GError           **error);
/* Whether @rule matches @n. */
gboolean   gw_rule_matches       (GwRule            *rule,
                                  GwNotification    *n);
/* The name a rule goes by in CheckRoute: its name, else "rule N". */
const char *gw_rule_get_id       (GwRule            *rule);
/* The addr-spec of @text ("Name <a@b>" or "a@b"), or NULL. */
char      *gw_rules_address_of   (const char        *text);

G_END_DECLS
