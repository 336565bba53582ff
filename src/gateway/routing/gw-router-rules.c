/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-router-rules.c: parsing and checking the rules of routes.json (matching: gw-router-match.c) */
#define G_LOG_DOMAIN "gw-router"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-address.h"
#include "gw-recipient-kinds.h"
#include "gw-router-private.h"

#define NAME_MAX_LENGTH 64
#define TEXT_MAX_LENGTH 998

void
gw_rule_free (GwRule *rule)
{
  if (rule == NULL)
    return;
  g_free (rule->name);
  g_free (rule->label);
  g_free (rule->category);
  g_free (rule->app_name);
  g_strfreev (rule->tags_any);
  g_strfreev (rule->tags_all);
  g_free (rule->recipient_domain);
  g_free (rule->local_recipient);
  g_strfreev (rule->profiles);
  g_strfreev (rule->add_to);
  g_clear_pointer (&rule->add_others, g_hash_table_unref);
  g_free (rule);
}

const char *
gw_rule_get_id (GwRule *rule)
{
  return rule->name != NULL ? rule->name : rule->label;
}

/* Sets @error to "LABEL: MESSAGE" (or MESSAGE without a label). */
static gboolean G_GNUC_PRINTF (4, 5)
fail (GError    **error,
      HeraldError code,
      const char *label,
      const char *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  if (label != NULL)
    g_set_error (error, HERALD_ERROR, code, "%s: %s", label, message);
  else
    g_set_error_literal (error, HERALD_ERROR, code, message);
  return FALSE;
}

static gboolean
text_is_clean (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p)) {
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return FALSE;
  }
  return TRUE;
}

/* A non-empty string without control characters. */
static const char *
get_text (JsonNode   *node,
          const char *label,
          const char *field,
          GError    **error)
{
  const char *text;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING) {
    fail (error, HERALD_ERROR_INVALID_ARGUMENT, label, _("“%s” must be a string"), field);
    return NULL;
  }
  text = json_node_get_string (node);
  if (*text == '\0' || strlen (text) > TEXT_MAX_LENGTH || !text_is_clean (text)) {
    fail (error, HERALD_ERROR_INVALID_ARGUMENT, label,
          _("“%s” must be a non-empty string without control characters"), field);
    return NULL;
  }
  return text;
}

/* A non-empty array of such strings, without duplicates. */
static GStrv
get_text_list (JsonNode   *node,
               const char *label,
               const char *field,
               GError    **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) list = NULL;
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (json_node_get_array (node)) == 0) {
    fail (error, HERALD_ERROR_INVALID_ARGUMENT, label,
          _("“%s” must be a non-empty array of strings"), field);
    return NULL;
  }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++) {
    const char *text = get_text (json_array_get_element (array, i), label, field, error);

    if (text == NULL)
      return NULL;
    g_strv_builder_add (builder, text);
  }
  list = g_strv_builder_end (builder);
  for (guint i = 0; list[i] != NULL; i++) {
    for (guint j = 0; j < i; j++) {
      if (g_str_equal (list[i], list[j])) {
        fail (error, HERALD_ERROR_INVALID_ARGUMENT, label, _("“%s” lists “%s” twice"),
              field, list[i]);
        return NULL;
      }
    }
  }
  return g_steal_pointer (&list);
}

static gboolean
get_boolean (JsonNode   *node,
             const char *label,
             const char *field,
             gboolean   *value,
             GError    **error)
{
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return fail (error, HERALD_ERROR_INVALID_ARGUMENT, label, _("“%s” must be true or false"),
                 field);
  *value = json_node_get_boolean (node);
  return TRUE;
}

static gboolean
get_urgency (JsonNode   *node,
             const char *label,
             int        *urgency,
             GError    **error)
{
  static const char * const names[] = { "low", "normal", "critical" };

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64 &&
      json_node_get_int (node) >= 0 && json_node_get_int (node) <= 2) {
    *urgency = (int) json_node_get_int (node);
    return TRUE;
  }
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING) {
    for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
      if (g_str_equal (json_node_get_string (node), names[i])) {
        *urgency = (int) i;
        return TRUE;
      }
    }
  }
  return fail (error, HERALD_ERROR_INVALID_ARGUMENT, label,
               _("“min-urgency” must be low, normal, critical or 0–2"));
}

char *
gw_rules_address_of (const char *text)
{
  g_autofree char *name = NULL;
  char *addr = NULL;

  if (!gw_address_parse ("address", text, FALSE, &name, &addr, NULL))
    return NULL;
  return addr;
}

static gboolean
check_domain (const char *domain,
              const char *label,
              GError    **error)
{
  if (strchr (domain, '@') != NULL || strpbrk (domain, " \t") != NULL || domain[0] == '.')
    return fail (error, HERALD_ERROR_INVALID_ARGUMENT, label,
                 _("“recipient-domain” must be a domain such as example.org, not “%s”"), domain);
  return TRUE;
}

static gboolean
check_addresses (GStrv       list,
                 const char *label,
                 GError    **error)
{
  for (guint i = 0; list != NULL && list[i] != NULL; i++) {
    g_autofree char *addr = gw_rules_address_of (list[i]);

    if (addr == NULL)
      return fail (error, HERALD_ERROR_INVALID_ARGUMENT, label,
                   _("“add-to” holds “%s”, which is not a mail address"), list[i]);
  }
  return TRUE;
}

/* Each entry of "add-KIND" must be a recipient the kind's transport takes. */
static gboolean
check_others (const char *field,
              const char *kind,
              GStrv       list,
              const char *label,
              GError    **error)
{
  GwTransport *transport = gw_recipient_kinds_lookup (kind);

  for (guint i = 0; list != NULL && list[i] != NULL; i++) {
    g_autoptr(GError) local_error = NULL;

    if (!gw_transport_check_recipient (transport, list[i], &local_error))
      return fail (error, HERALD_ERROR_INVALID_ARGUMENT, label,
                   _("“%s” holds “%s”: %s"), field, list[i], local_error->message);
  }
  return TRUE;
}

/* The recipient kind of a field "add-KIND", or NULL. */
static const char *
other_kind_of (const char *field)
{
  if (!g_str_has_prefix (field, "add-") || gw_recipient_kinds_lookup (field + 4) == NULL)
    return NULL;
  return field + 4;
}

/* @first, add-to and add-KIND for each recipient kind, for messages:
 * "“profiles”, “add-to” or “add-sms”" */
static char *
list_fields (const char *first,
             gboolean    quoted,
             const char *last_separator)
{
  g_auto(GStrv) kinds = gw_recipient_kinds_dup_all ();
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  const char *quote_open = quoted ? "“" : "";
  const char *quote_close = quoted ? "”" : "";
  GString *text = g_string_new (NULL);

  g_ptr_array_add (fields, g_strconcat (quote_open, first, quote_close, NULL));
  g_ptr_array_add (fields, g_strconcat (quote_open, "add-to", quote_close, NULL));
  for (guint i = 0; kinds[i] != NULL; i++)
    g_ptr_array_add (fields, g_strconcat (quote_open, "add-", kinds[i], quote_close, NULL));
  for (guint i = 0; i < fields->len; i++) {
    if (i > 0)
      g_string_append (text, i + 1 == fields->len ? last_separator : ", ");
    g_string_append (text, fields->pdata[i]);
  }
  return g_string_free (text, FALSE);
}

static gboolean
parse_match (GwRule     *rule,
             JsonNode   *node,
             GError    **error)
{
  JsonObjectIter iter;
  const char *field;
  JsonNode *value;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, HERALD_ERROR_INVALID_ARGUMENT, rule->label, _("“match” must be an object"));
  json_object_iter_init_ordered (&iter, json_node_get_object (node));
  while (json_object_iter_next_ordered (&iter, &field, &value)) {
    const char *text = NULL;

    if (g_str_equal (field, "min-urgency")) {
      if (!get_urgency (value, rule->label, &rule->min_urgency, error))
        return FALSE;
    } else if (g_str_equal (field, "tags-any")) {
      if ((rule->tags_any = get_text_list (value, rule->label, field, error)) == NULL)
        return FALSE;
    } else if (g_str_equal (field, "tags-all")) {
      if ((rule->tags_all = get_text_list (value, rule->label, field, error)) == NULL)
        return FALSE;
    } else if (g_str_equal (field, "local-recipient")) {
      if ((text = get_text (value, rule->label, field, error)) == NULL)
        return FALSE;
      if (strpbrk (text, "@ \t,") != NULL)
        return fail (error, HERALD_ERROR_INVALID_ARGUMENT, rule->label,
                     _("“local-recipient” must be a local name such as root, not “%s”"), text);
      rule->local_recipient = g_ascii_strdown (text, -1);
    } else if (g_str_equal (field, "category") || g_str_equal (field, "app-name") ||
               g_str_equal (field, "recipient-domain")) {
      if ((text = get_text (value, rule->label, field, error)) == NULL)
        return FALSE;
      if (g_str_equal (field, "category")) {
        rule->category = g_strdup (text);
      } else if (g_str_equal (field, "app-name")) {
        rule->app_name = g_strdup (text);
      } else {
        /* Addresses arrive with IDN domains in ASCII (gw_address_parse). */
        g_autofree char *ascii = g_hostname_to_ascii (text);

        if (!check_domain (text, rule->label, error))
          return FALSE;
        rule->recipient_domain = g_utf8_casefold (ascii != NULL ? ascii : text, -1);
      }
    } else {
      return fail (error, HERALD_ERROR_INVALID_ARGUMENT, rule->label,
                   _("unknown match field “%s”: use category, min-urgency, app-name, "
                     "tags-any, tags-all, recipient-domain or local-recipient"), field);
    }
  }
  return TRUE;
}

static gboolean
parse_name (GwRule     *rule,
            JsonObject *object,
            GError    **error)
{
  JsonNode *node = json_object_get_member (object, "name");
  const char *name;

  rule->label = g_strdup_printf (_("rule %u"), rule->index);
  if (node == NULL)
    return TRUE;
  if ((name = get_text (node, rule->label, "name", error)) == NULL)
    return FALSE;
  if (g_utf8_strlen (name, -1) > NAME_MAX_LENGTH)
    return fail (error, HERALD_ERROR_INVALID_ARGUMENT, rule->label,
                 _("“name” must be at most %u characters"), NAME_MAX_LENGTH);
  if (g_str_equal (name, "default") || g_str_equal (name, "explicit"))
    return fail (error, HERALD_ERROR_INVALID_ARGUMENT, rule->label,
                 _("“name” cannot be “%s”, which names routes chosen without a rule"), name);
  rule->name = g_strdup (name);
  g_free (rule->label);
  /* TRANSLATORS: a routing rule in messages: its number and its name */
  rule->label = g_strdup_printf (_("rule %u (“%s”)"), rule->index, name);
  return TRUE;
}

static gboolean
check_profiles (GwRule            *rule,
                GwRouterProbeFunc  probe,
                gpointer           user_data,
                gboolean           require_profiles,
                GError           **error)
{
  for (guint i = 0; rule->profiles != NULL && rule->profiles[i] != NULL; i++) {
    g_autoptr(GError) local_error = NULL;

    if (probe (rule->profiles[i], user_data, &local_error) != NULL ||
        !g_error_matches (local_error, HERALD_ERROR, HERALD_ERROR_NO_SUCH_PROFILE))
      continue;
    if (require_profiles)
      return fail (error, HERALD_ERROR_NO_SUCH_PROFILE, rule->label,
                   _("“profiles” names “%s”, which is not a profile"), rule->profiles[i]);
    g_warning ("Routing %s names “%s”, which is not a profile", rule->label, rule->profiles[i]);
  }
  return TRUE;
}

static gboolean
parse_others (GwRule     *rule,
              const char *field,
              JsonNode   *value,
              GError    **error)
{
  const char *kind = other_kind_of (field);
  GStrv list = get_text_list (value, rule->label, field, error);

  if (list == NULL)
    return FALSE;
  g_hash_table_replace (rule->add_others, g_strdup (kind), list);
  return check_others (field, kind, list, rule->label, error);
}

/* routes.json as stored may name the recipient kind of a transport that
 * is not loaded now: its recipients are dropped, the rest still routes. */
static gboolean
ignore_field (GwRule     *rule,
              const char *field)
{
  g_warning ("Routing %s: “%s” is ignored, no loaded transport takes such recipients",
             rule->label, field);
  return TRUE;
}

static gboolean
unknown_field (GwRule     *rule,
               const char *field,
               GError    **error)
{
  g_autofree char *fields = list_fields ("fan-out", FALSE, ", ");

  return fail (error, HERALD_ERROR_INVALID_ARGUMENT, rule->label,
               _("unknown field “%s”: a rule has name, match, profiles, %s and stop"),
               field, fields);
}

static GwRule *
parse_rule (JsonNode *node,
            guint     index,
            gboolean  strict,
            GError  **error)
{
  g_autoptr(GwRule) rule = g_new0 (GwRule, 1);
  g_autofree char *plain_label = g_strdup_printf (_("rule %u"), index);
  JsonObjectIter iter;
  const char *field;
  JsonNode *value;

  rule->index = index;
  rule->add_others = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_strfreev);
  rule->min_urgency = -1;
  rule->stop = TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    fail (error, HERALD_ERROR_INVALID_ARGUMENT, plain_label, _("a rule must be an object"));
    return NULL;
  }
  if (!parse_name (rule, json_node_get_object (node), error))
    return NULL;
  json_object_iter_init_ordered (&iter, json_node_get_object (node));
  while (json_object_iter_next_ordered (&iter, &field, &value)) {
    gboolean ok;

    if (g_str_equal (field, "name"))
      ok = TRUE;
    else if (g_str_equal (field, "match"))
      ok = parse_match (rule, value, error);
    else if (g_str_equal (field, "profiles"))
      ok = (rule->profiles = get_text_list (value, rule->label, field, error)) != NULL;
    else if (g_str_equal (field, "add-to"))
      ok = (rule->add_to = get_text_list (value, rule->label, field, error)) != NULL &&
           check_addresses (rule->add_to, rule->label, error);
    else if (other_kind_of (field) != NULL)
      ok = parse_others (rule, field, value, error);
    else if (g_str_equal (field, "fan-out"))
      ok = get_boolean (value, rule->label, field, &rule->fan_out, error);
    else if (g_str_equal (field, "stop"))
      ok = get_boolean (value, rule->label, field, &rule->stop, error);
    else if (!strict && g_str_has_prefix (field, "add-"))
      ok = ignore_field (rule, field);
    else
      ok = unknown_field (rule, field, error);
    if (!ok)
      return NULL;
  }
  if (strict && rule->profiles == NULL && rule->add_to == NULL && g_hash_table_size (rule->add_others) == 0) {
    g_autofree char *fields = list_fields ("profiles", TRUE, _(" or "));
    fail (error, HERALD_ERROR_INVALID_ARGUMENT, rule->label, _("a rule needs %s"), fields);
    return NULL;
  }
  if (rule->fan_out && rule->profiles == NULL) {
    fail (error, HERALD_ERROR_INVALID_ARGUMENT, rule->label, _("“fan-out” needs “profiles”"));
    return NULL;
  }
  return g_steal_pointer (&rule);
}

static gboolean
check_version (JsonObject *object,
               GError    **error)
{
  JsonNode *version = json_object_get_member (object, "version");

  if (version == NULL || (JSON_NODE_HOLDS_VALUE (version) &&
                          json_node_get_value_type (version) == G_TYPE_INT64 &&
                          json_node_get_int (version) == 1))
    return TRUE;
  return fail (error, HERALD_ERROR_INVALID_ARGUMENT, NULL,
               _("“version” must be 1, the only version of the routes document"));
}

GPtrArray *
gw_rules_parse (JsonNode          *root,
                GwRouterProbeFunc  probe,
                gpointer           user_data,
                gboolean           require_profiles,
                GError           **error)
{
  g_autoptr(GPtrArray) rules = g_ptr_array_new_with_free_func ((GDestroyNotify) gw_rule_free);
  JsonObjectIter iter;
  const char *field;
  JsonNode *value;
  JsonArray *array;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    fail (error, HERALD_ERROR_INVALID_ARGUMENT, NULL,
          _("The routes document must be a JSON object with “version” and “rules”"));
    return NULL;
  }
  json_object_iter_init_ordered (&iter, json_node_get_object (root));
  while (json_object_iter_next_ordered (&iter, &field, &value)) {
    if (!g_str_equal (field, "version") && !g_str_equal (field, "rules")) {
      fail (error, HERALD_ERROR_INVALID_ARGUMENT, NULL,
            _("Unknown field “%s” in the routes document: use version and rules"), field);
      return NULL;
    }
  }
  if (!check_version (json_node_get_object (root), error))
    return NULL;
  value = json_object_get_member (json_node_get_object (root), "rules");
  if (value == NULL)
    return g_steal_pointer (&rules);
  if (!JSON_NODE_HOLDS_ARRAY (value)) {
    fail (error, HERALD_ERROR_INVALID_ARGUMENT, NULL, _("“rules” must be an array of rules"));
    return NULL;
  }
  array = json_node_get_array (value);
  for (guint i = 0; i < json_array_get_length (array); i++) {
    g_autoptr(GwRule) rule = parse_rule (json_array_get_element (array, i), i + 1, require_profiles, error);

    if (rule == NULL || !check_profiles (rule, probe, user_data, require_profiles, error))
      return NULL;
    for (guint j = 0; rule->name != NULL && j < rules->len; j++) {
      GwRule *other = g_ptr_array_index (rules, j);

      if (g_strcmp0 (other->name, rule->name) == 0) {
        fail (error, HERALD_ERROR_INVALID_ARGUMENT, rule->label,
              _("“name” is already the name of %s"), other->label);
        return NULL;
      }
    }
    g_ptr_array_add (rules, g_steal_pointer (&rule));
  }
  return g_steal_pointer (&rules);
}
