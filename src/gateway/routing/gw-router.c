/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-router.c: the routing rules (routes.json) and where a notification goes
 *
 * See gw-router.h for the document and its meaning.
 */
#define G_LOG_DOMAIN "gw-router"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-config.h"
#include "gw-json-parse.h"
#include "gw-recipient-kinds.h"
#include "gw-router-private.h"

struct _GwRouter {
  GObject            parent_instance;
  char              *path;
  GwRouterProbeFunc  probe;
  gpointer           probe_data;
  JsonNode          *document;   /* as last loaded or set, or NULL */
  GPtrArray         *rules;      /* GwRule */
};

G_DEFINE_FINAL_TYPE (GwRouter, gw_router, G_TYPE_OBJECT)

void
gw_route_free (GwRoute *route)
{
  if (route == NULL)
    return;
  g_free (route->profile);
  g_free (route->transport);
  g_free (route->rule);
  g_strfreev (route->skipped);
  g_strfreev (route->to);
  g_strfreev (route->cc);
  g_strfreev (route->bcc);
  g_strfreev (route->others);
  g_strfreev (route->added);
  g_free (route);
}

static void
gw_router_finalize (GObject *object)
{
  GwRouter *self = GW_ROUTER (object);

  g_free (self->path);
  g_clear_pointer (&self->document, json_node_unref);
  g_ptr_array_unref (self->rules);
  G_OBJECT_CLASS (gw_router_parent_class)->finalize (object);
}

static void
gw_router_class_init (GwRouterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_router_finalize;
}

static void
gw_router_init (GwRouter *self)
{
  self->rules = g_ptr_array_new_with_free_func ((GDestroyNotify) gw_rule_free);
}

GwRouter *
gw_router_new (const char        *path,
               GwRouterProbeFunc  probe,
               gpointer           user_data)
{
  GwRouter *self = g_object_new (GW_TYPE_ROUTER, NULL);

  self->path = g_strdup (path);
  self->probe = probe;
  self->probe_data = user_data;
  return self;
}

guint
gw_router_get_n_rules (GwRouter *self)
{
  return self->rules->len;
}

static void
install (GwRouter  *self,
         JsonNode  *document,
         GPtrArray *rules)
{
  g_clear_pointer (&self->document, json_node_unref);
  self->document = json_node_ref (document);
  g_ptr_array_unref (self->rules);
  self->rules = g_ptr_array_ref (rules);
}

gboolean
gw_router_load (GwRouter *self,
                GError  **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) document = NULL;
  g_autoptr(GPtrArray) rules = NULL;
  g_autofree char *text = NULL;
  gsize length;

  if (!g_file_get_contents (self->path, &text, &length, &local_error)) {
    if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      return TRUE;
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE, _("Cannot read %s: %s"),
                 self->path, local_error->message);
    return FALSE;
  }
  document = gw_json_parse_bounded (text, length, GW_ROUTER_MAX_JSON_DEPTH, _("The routes document"),
                                    &local_error);
  if (document != NULL)
    rules = gw_rules_parse (document, self->probe, self->probe_data, FALSE, &local_error);
  if (rules == NULL) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT, "%s: %s", self->path,
                 local_error->message);
    return FALSE;
  }
  install (self, document, rules);
  g_info ("Loaded %u routing rules from %s", rules->len, self->path);
  return TRUE;
}

static char *
to_text (JsonNode *document)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, document);
  text = json_generator_to_data (generator, NULL);
  return g_strconcat (text, "\n", NULL);
}

char *
gw_router_dup_json (GwRouter *self)
{
  g_autoptr(JsonNode) empty = NULL;

  if (self->document != NULL)
    return to_text (self->document);
  empty = json_from_string ("{\"version\": 1, \"rules\": []}", NULL);
  return to_text (empty);
}

gboolean
gw_router_set_json (GwRouter   *self,
                    const char *json,
                    GError    **error)
{
  g_autoptr(JsonNode) document = NULL;
  g_autoptr(GPtrArray) rules = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *directory = NULL;
  g_autofree char *text = NULL;

  if (strlen (json) > GW_ROUTER_MAX_DOCUMENT_SIZE) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE,
                 _("The routes document is larger than %u KiB"), GW_ROUTER_MAX_DOCUMENT_SIZE / 1024);
    return FALSE;
  }
  document = gw_json_parse_bounded (json, strlen (json), GW_ROUTER_MAX_JSON_DEPTH, _("The routes document"),
                                    error);
  if (document == NULL)
    return FALSE;
  rules = gw_rules_parse (document, self->probe, self->probe_data, TRUE, error);
  if (rules == NULL)
    return FALSE;

  directory = g_path_get_dirname (self->path);
  text = to_text (document);
  if (!gw_config_ensure_directory (directory, &local_error) ||
      !g_file_set_contents_full (self->path, text, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, &local_error)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE, _("Cannot write %s: %s"),
                 self->path, local_error->message);
    return FALSE;
  }
  install (self, document, rules);
  g_info ("Routing rules set: %u rules written to %s", rules->len, self->path);
  return TRUE;
}

gboolean
gw_router_uses_profile (GwRouter   *self,
                        const char *profile,
                        char      **rule_label)
{
  for (guint i = 0; i < self->rules->len; i++) {
    GwRule *rule = g_ptr_array_index (self->rules, i);

    if (rule->profiles != NULL && g_strv_contains ((const char * const *) rule->profiles, profile)) {
      if (rule_label != NULL)
        *rule_label = g_strdup (rule->label);
      return TRUE;
    }
  }
  return FALSE;
}

/* ---- routing ---- */

/* Which rule's profiles a notification takes. */
typedef struct {
  const char         *rule;
  const char         *label;   /* for messages, or NULL */
  const char * const *profiles;
  gboolean            fan_out;
} Chain;

static gboolean
is_planned (GPtrArray  *routes,
            const char *profile)
{
  for (guint i = 0; i < routes->len; i++) {
    if (g_str_equal (((GwRoute *) g_ptr_array_index (routes, i))->profile, profile))
      return TRUE;
  }
  return FALSE;
}

static void
plan (GPtrArray  *routes,
      const char *rule,
      const char *profile,
      const char *transport,
      GPtrArray  *skipped)
{
  GwRoute *route;

  if (is_planned (routes, profile))
    return;
  route = g_new0 (GwRoute, 1);
  route->profile = g_strdup (profile);
  route->transport = g_strdup (transport);
  route->rule = g_strdup (rule);
  g_ptr_array_add (skipped, NULL);
  route->skipped = g_strdupv ((char **) skipped->pdata);
  g_ptr_array_set_size (skipped, skipped->len - 1);
  g_ptr_array_add (routes, route);
}

/* Prefixes @error's message with the rule's label, if any. */
static gboolean
fail_for_chain (const Chain *chain,
                GError      *local_error,
                GError     **error)
{
  if (chain->label != NULL)
    g_set_error (error, HERALD_ERROR, local_error->code, _("Routing %s: %s"), chain->label,
                 local_error->message);
  else
    g_propagate_error (error, g_error_copy (local_error));
  return FALSE;
}

static gboolean
plan_chain (GwRouter    *self,
            const Chain *chain,
            GPtrArray   *routes,
            GError     **error)
{
  g_autoptr(GPtrArray) skipped = g_ptr_array_new ();
  g_autoptr(GError) first_error = NULL;

  for (guint i = 0; chain->profiles[i] != NULL; i++) {
    g_autoptr(GError) local_error = NULL;
    const char *transport = self->probe (chain->profiles[i], self->probe_data, &local_error);

    if (transport != NULL) {
      plan (routes, chain->rule, chain->profiles[i], transport, skipped);
      if (!chain->fan_out)
        return TRUE;
      continue;
    }
    if (chain->fan_out)
      return fail_for_chain (chain, local_error, error);
    if (chain->label != NULL)
      g_debug ("Routing %s: passing over profile %s: %s", chain->label, chain->profiles[i],
               local_error->message);
    g_ptr_array_add (skipped, (gpointer) chain->profiles[i]);
    if (first_error == NULL)
      first_error = g_steal_pointer (&local_error);
  }
  if (chain->fan_out)
    return TRUE;
  return fail_for_chain (chain, first_error, error);
}

/* Appends the entries of @extra that @list lacks (addresses compared
 * without display names, case-insensitively). */
static GStrv
merge (GStrv    list,
       GStrv    extra,
       gboolean addresses)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  g_autoptr(GPtrArray) seen = NULL;

  if (extra == NULL || extra[0] == NULL)
    return g_strdupv (list);
  builder = g_strv_builder_new ();
  seen = g_ptr_array_new_with_free_func (g_free);
  for (guint pass = 0; pass < 2; pass++) {
    GStrv source = pass == 0 ? list : extra;

    for (guint i = 0; source != NULL && source[i] != NULL; i++) {
      g_autofree char *addr = addresses ? gw_rules_address_of (source[i]) : NULL;
      char *key = g_ascii_strdown (addr != NULL ? addr : source[i], -1);
      gboolean dup = FALSE;

      for (guint j = 0; j < seen->len && !dup; j++)
        dup = g_str_equal (g_ptr_array_index (seen, j), key);
      g_ptr_array_add (seen, key);
      if (!dup || pass == 0)
        g_strv_builder_add (builder, source[i]);
    }
  }
  return g_strv_builder_end (builder);
}

static gboolean
strv_empty (GStrv strv)
{
  return strv == NULL || strv[0] == NULL;
}

/* The entries of @list from @start on (those that rules added). */
static void
add_tail (GStrvBuilder *builder,
          GStrv         list,
          GStrv         original)
{
  guint start = original != NULL ? g_strv_length (original) : 0;

  for (guint i = start; list != NULL && i < g_strv_length (list); i++)
    g_strv_builder_add (builder, list[i]);
}

/* The recipients of each kind ("sms") of @n with the rules' additions:
 * kind → GStrv (transfer full). */
static GHashTable *
merge_others (GwNotification *n,
              GHashTable     *add_others)
{
  GHashTable *merged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_strfreev);
  GHashTable *sources[] = { n->others, add_others };
  GHashTableIter iter;
  gpointer kind;

  for (guint i = 0; i < G_N_ELEMENTS (sources); i++) {
    g_hash_table_iter_init (&iter, sources[i]);
    while (g_hash_table_iter_next (&iter, &kind, NULL)) {
      if (!g_hash_table_contains (merged, kind))
        g_hash_table_insert (merged, g_strdup (kind),
                             merge (gw_notification_get_others (n, kind),
                                    g_hash_table_lookup (add_others, kind), FALSE));
    }
  }
  return merged;
}

/* Refuses recipients of a kind that no routed profile takes. */
static gboolean
check_kinds_served (GPtrArray  *routes,
                    GHashTable *others,
                    GError    **error)
{
  GHashTableIter iter;
  gpointer kind, list;

  g_hash_table_iter_init (&iter, others);
  while (g_hash_table_iter_next (&iter, &kind, &list)) {
    GwRoute *first = g_ptr_array_index (routes, 0);
    GwTransport *taker = gw_recipient_kinds_lookup (kind);
    gboolean served = FALSE;

    for (guint i = 0; i < routes->len && !served; i++)
      served = g_strcmp0 (gw_recipient_kinds_of_transport (((GwRoute *) routes->pdata[i])->transport),
                          kind) == 0;
    if (!served && !strv_empty (list)) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_NOT_SUPPORTED,
                   _("Recipients of kind “%s” need a %s profile; “%s” is a %s profile"),
                   (const char *) kind, taker != NULL ? gw_transport_get_name (taker) : (const char *) kind,
                   first->profile, first->transport);
      return FALSE;
    }
  }
  return TRUE;
}

/* Gives each route the recipients its transport serves: a transport with
 * a recipient kind the recipients of that kind (and the mail recipients
 * too when no mail profile is routed to), every other the mail ones.
 * Drops routes left without any. */
static gboolean
assign_recipients (GPtrArray      *routes,
                   GwNotification *n,
                   GStrv           add_to,
                   GHashTable     *add_others,
                   GError        **error)
{
  g_auto(GStrv) to = merge (n->to, add_to, TRUE);
  g_autoptr(GHashTable) others = merge_others (n, add_others);
  gboolean mail_job = FALSE;

  for (guint i = 0; i < routes->len; i++) {
    GwRoute *route = g_ptr_array_index (routes, i);

    if (gw_recipient_kinds_of_transport (route->transport) == NULL)
      mail_job = TRUE;
  }
  if (!check_kinds_served (routes, others, error))
    return FALSE;

  for (guint i = 0; i < routes->len;) {
    GwRoute *route = g_ptr_array_index (routes, i);
    g_autoptr(GStrvBuilder) added = g_strv_builder_new ();
    const char *kind = gw_recipient_kinds_of_transport (route->transport);

    if (kind == NULL || !mail_job) {
      route->to = g_strdupv (to);
      route->cc = g_strdupv (n->cc);
      route->bcc = g_strdupv (n->bcc);
      add_tail (added, to, n->to);
    }
    if (kind != NULL) {
      route->others = g_strdupv (g_hash_table_lookup (others, kind));
      add_tail (added, route->others, gw_notification_get_others (n, kind));
    }
    route->added = g_strv_builder_end (added);
    if (strv_empty (route->to) && strv_empty (route->cc) && strv_empty (route->bcc) &&
        strv_empty (route->others))
      g_ptr_array_remove_index (routes, i);
    else
      i++;
  }
  if (routes->len == 0) {
    g_set_error_literal (error, HERALD_ERROR, HERALD_ERROR_NO_RECIPIENTS,
                         _("No routed profile serves the notification's recipients"));
    return FALSE;
  }
  return TRUE;
}

/* Adds @rule's "add-KIND" recipients to @add_others (kind → GStrvBuilder). */
static void
collect_others (GHashTable *add_others,
                GwRule     *rule)
{
  GHashTableIter iter;
  gpointer kind, list;

  g_hash_table_iter_init (&iter, rule->add_others);
  while (g_hash_table_iter_next (&iter, &kind, &list)) {
    GStrvBuilder *builder = g_hash_table_lookup (add_others, kind);

    if (builder == NULL) {
      builder = g_strv_builder_new ();
      g_hash_table_insert (add_others, kind, builder);
    }
    g_strv_builder_addv (builder, (const char **) list);
  }
}

/* kind → GStrv of what collect_others() gathered */
static GHashTable *
end_others (GHashTable *add_others)
{
  GHashTable *others = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_strfreev);
  GHashTableIter iter;
  gpointer kind, builder;

  g_hash_table_iter_init (&iter, add_others);
  while (g_hash_table_iter_next (&iter, &kind, &builder))
    g_hash_table_insert (others, kind, g_strv_builder_end (builder));
  return others;
}

GPtrArray *
gw_router_route (GwRouter       *self,
                 GwNotification *n,
                 const char     *default_profile,
                 GError        **error)
{
  g_autoptr(GPtrArray) routes = g_ptr_array_new_with_free_func ((GDestroyNotify) gw_route_free);
  g_autoptr(GArray) chains = g_array_new (FALSE, TRUE, sizeof (Chain));
  g_autoptr(GStrvBuilder) add_to = g_strv_builder_new ();
  g_autoptr(GHashTable) add_others = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                            (GDestroyNotify) g_strv_builder_unref);
  g_auto(GStrv) to = NULL;
  g_autoptr(GHashTable) others = NULL;
  const char *explicit_profiles[] = { n->profile, NULL };
  const char *default_profiles[] = { default_profile, NULL };

  if (n->profile != NULL) {
    Chain chain = { "explicit", NULL, explicit_profiles, FALSE };
    g_array_append_val (chains, chain);
  }
  for (guint i = 0; n->profile == NULL && i < self->rules->len; i++) {
    GwRule *rule = g_ptr_array_index (self->rules, i);

    if (!gw_rule_matches (rule, n))
      continue;
    if (rule->add_to != NULL)
      g_strv_builder_addv (add_to, (const char **) rule->add_to);
    collect_others (add_others, rule);
    if (rule->profiles != NULL) {
      Chain chain = { gw_rule_get_id (rule), rule->label,
                      (const char * const *) rule->profiles, rule->fan_out };
      g_array_append_val (chains, chain);
    }
    if (rule->stop)
      break;
  }
  if (chains->len == 0) {
    Chain chain = { "default", NULL, default_profiles, FALSE };
    g_array_append_val (chains, chain);
  }

  for (guint i = 0; i < chains->len; i++) {
    g_autoptr(GError) local_error = NULL;
    const Chain *chain = &g_array_index (chains, Chain, i);

    if (plan_chain (self, chain, routes, &local_error))
      continue;
    if (g_str_equal (chain->rule, "default") &&
        g_error_matches (local_error, HERALD_ERROR, HERALD_ERROR_NO_SUCH_PROFILE))
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_NO_SUCH_PROFILE,
                   _("The default profile “%s” does not exist"), default_profile);
    else
      g_propagate_error (error, g_steal_pointer (&local_error));
    return NULL;
  }
  to = g_strv_builder_end (add_to);
  others = end_others (add_others);
  if (!assign_recipients (routes, n, to, others, error))
    return NULL;
  return g_steal_pointer (&routes);
}
