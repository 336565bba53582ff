/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-transport-class.c: what a transport class declares
 *
 * Settings, recipient kind and HTTP routes are kept beside the type, not
 * in GwTransportClass, so that declaring more never changes the class
 * layout plugins are built against.
 */
#define G_LOG_DOMAIN "gw-transport"

#include "config.h"

#include <string.h>

#include "gw-transport-private.h"

typedef struct {
  char                *prefix;
  guint64              max_body_size; /* 0: the server's */
  GwTransportHttpFunc  func;
} HttpRoute;

/* A value a key takes when the profile does not set it, while other keys
 * have the values of @conditions ("provider=gmail"). */
typedef struct {
  GStrv  conditions;     /* "key=value" each */
  char  *key;
  char  *value;          /* may name other keys' values as {key} */
} Preset;

/* Per transport class: what it declared. Classes of plugins are never
 * unloaded, so neither is this. */
typedef struct {
  char      *domain;
  GPtrArray *settings;   /* GwSettingSpec */
  char      *recipient_kind;
  GArray    *routes;     /* HttpRoute */
  GPtrArray *presets;    /* Preset, never freed */
} ClassDeclarations;

static GQuark
declarations_quark (void)
{
  return g_quark_from_static_string ("gw-transport-declarations");
}

static ClassDeclarations *
get_declarations (GType type,
                  gboolean create)
{
  ClassDeclarations *decl = g_type_get_qdata (type, declarations_quark ());

  if (decl == NULL && create) {
    decl = g_new0 (ClassDeclarations, 1);
    decl->settings = g_ptr_array_new_with_free_func ((GDestroyNotify) gw_setting_spec_unref);
    decl->routes = g_array_new (FALSE, TRUE, sizeof (HttpRoute));
    decl->presets = g_ptr_array_new ();
    g_type_set_qdata (type, declarations_quark (), decl);
  }
  return decl;
}

/**
 * gw_transport_class_set_translation_domain:
 * @klass: a transport class, in its class_init
 * @domain: the gettext domain of the transport's strings
 *
 * Sets the domain the descriptions of the settings installed after this
 * call are translated with (by default Herald's own, "herald").
 */
void
gw_transport_class_set_translation_domain (GwTransportClass *klass,
                                           const char       *domain)
{
  ClassDeclarations *decl;

  g_return_if_fail (GW_IS_TRANSPORT_CLASS (klass));
  g_return_if_fail (domain != NULL);
  decl = get_declarations (G_TYPE_FROM_CLASS (klass), TRUE);
  g_free (decl->domain);
  decl->domain = g_strdup (domain);
}

/**
 * gw_transport_class_install_setting:
 * @klass: a transport class, in its class_init
 * @spec: (transfer full): the spec of one profile key
 *
 * Declares a profile key of this transport. The daemon builds the profile
 * schema from the keys every loaded transport declares: a key is accepted
 * on a profile when a loaded transport declares it, and a profile shows
 * the keys its own transport declares with their defaults. Two transports
 * may declare the same key only with the same type and the same secret
 * flag (defaults may differ); a transport that conflicts is not loaded.
 * Flags such as %GW_SETTING_FLAG_REDIRECTS_SECRETS are all the daemon
 * needs to protect a key: nothing outside the transport lists it.
 */
void
gw_transport_class_install_setting (GwTransportClass *klass,
                                    GwSettingSpec    *spec)
{
  ClassDeclarations *decl;

  g_return_if_fail (GW_IS_TRANSPORT_CLASS (klass));
  g_return_if_fail (spec != NULL);
  decl = get_declarations (G_TYPE_FROM_CLASS (klass), TRUE);
  for (guint i = 0; i < decl->settings->len; i++) {
    if (g_str_equal (gw_setting_spec_get_key (decl->settings->pdata[i]), gw_setting_spec_get_key (spec))) {
      g_critical ("Transport %s declares “%s” twice", g_type_name (G_TYPE_FROM_CLASS (klass)),
                  gw_setting_spec_get_key (spec));
      gw_setting_spec_unref (spec);
      return;
    }
  }
  if (decl->domain != NULL)
    gw_setting_spec_set_translation_domain (spec, decl->domain);
  g_ptr_array_add (decl->settings, spec);
}

/**
 * gw_transport_class_list_settings:
 * @klass: a transport class
 * @n_specs: (out) (optional): how many there are
 *
 * Returns: (transfer none) (array length=n_specs): the specs the class
 *   installed itself, in the order it installed them (a subclass does
 *   not inherit its parent's)
 */
GwSettingSpec * const *
gw_transport_class_list_settings (GwTransportClass *klass,
                                  guint            *n_specs)
{
  ClassDeclarations *decl;

  g_return_val_if_fail (GW_IS_TRANSPORT_CLASS (klass), NULL);
  decl = get_declarations (G_TYPE_FROM_CLASS (klass), FALSE);
  if (n_specs != NULL)
    *n_specs = decl != NULL ? decl->settings->len : 0;
  return decl != NULL ? (GwSettingSpec * const *) decl->settings->pdata : NULL;
}

/**
 * gw_transport_class_set_recipient_kind:
 * @klass: a transport class, in its class_init
 * @kind: the kind of recipient the transport delivers to, such as "sms":
 *   lower-case letters, digits and "-"
 *
 * Transports deliver to the mail recipients of a notification (to, cc,
 * bcc) unless they declare a kind of their own. A kind becomes a key of
 * Send ("sms": ["+1 555 0100"]), a key "add-KIND" of routing rules, and
 * the kind of the envelope's recipients; each recipient is checked with
 * check_recipient. Only one loaded transport may declare a kind.
 */
void
gw_transport_class_set_recipient_kind (GwTransportClass *klass,
                                       const char       *kind)
{
  ClassDeclarations *decl;

  g_return_if_fail (GW_IS_TRANSPORT_CLASS (klass));
  g_return_if_fail (kind != NULL && g_ascii_islower (kind[0]));
  decl = get_declarations (G_TYPE_FROM_CLASS (klass), TRUE);
  g_free (decl->recipient_kind);
  decl->recipient_kind = g_strdup (kind);
}

/**
 * gw_transport_get_recipient_kind:
 * @self: a transport
 *
 * Returns: (nullable): the transport's recipient kind, or %NULL for a
 *   transport that delivers to mail recipients
 */
const char *
gw_transport_get_recipient_kind (GwTransport *self)
{
  ClassDeclarations *decl;

  g_return_val_if_fail (GW_IS_TRANSPORT (self), NULL);
  decl = get_declarations (G_OBJECT_TYPE (self), FALSE);
  return decl != NULL ? decl->recipient_kind : NULL;
}

/**
 * gw_transport_class_add_http_route:
 * @klass: a transport class, in its class_init
 * @path_prefix: a path such as "/webhook/provider/": every request at or below
 *   it goes to @func
 * @func: serves the requests
 *
 * Declares a route on Herald's HTTP server (heraldd.conf [http]), for
 * callbacks such as a provider's webhooks. When the server is off the
 * route is not served; gw_transport_dup_http_url() then returns %NULL.
 * Request bodies are capped by the server's max-body-size; see
 * gw_transport_class_add_http_route_full() for a route's own cap.
 */
void
gw_transport_class_add_http_route (GwTransportClass    *klass,
                                   const char          *path_prefix,
                                   GwTransportHttpFunc  func)
{
  gw_transport_class_add_http_route_full (klass, path_prefix, 0, func);
}

/**
 * gw_transport_class_add_http_route_full:
 * @klass: a transport class, in its class_init
 * @path_prefix: as for gw_transport_class_add_http_route()
 * @max_body_size: the largest request body the route takes, in bytes (0:
 *   the server's max-body-size); the server answers 413 to a larger one
 *   before reading it, so @func never sees it
 * @func: serves the requests
 *
 * gw_transport_class_add_http_route() with the route's own body cap.
 */
void
gw_transport_class_add_http_route_full (GwTransportClass    *klass,
                                        const char          *path_prefix,
                                        guint64              max_body_size,
                                        GwTransportHttpFunc  func)
{
  ClassDeclarations *decl;
  HttpRoute route;

  g_return_if_fail (GW_IS_TRANSPORT_CLASS (klass));
  g_return_if_fail (path_prefix != NULL && path_prefix[0] == '/' && path_prefix[1] != '\0');
  g_return_if_fail (func != NULL);
  decl = get_declarations (G_TYPE_FROM_CLASS (klass), TRUE);
  route.prefix = g_strdup (path_prefix);
  route.max_body_size = max_body_size;
  route.func = func;
  g_array_append_val (decl->routes, route);
}

guint64
gw_transport_get_http_route_max_body (GwTransport *self,
                                      const char  *prefix)
{
  ClassDeclarations *decl;

  g_return_val_if_fail (GW_IS_TRANSPORT (self), 0);
  decl = get_declarations (G_OBJECT_TYPE (self), FALSE);
  for (guint i = 0; decl != NULL && i < decl->routes->len; i++) {
    HttpRoute *route = &g_array_index (decl->routes, HttpRoute, i);

    if (g_str_equal (route->prefix, prefix))
      return route->max_body_size;
  }
  return 0;
}

GStrv
gw_transport_dup_http_routes (GwTransport *self)
{
  ClassDeclarations *decl;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (GW_IS_TRANSPORT (self), NULL);
  decl = get_declarations (G_OBJECT_TYPE (self), FALSE);
  for (guint i = 0; decl != NULL && i < decl->routes->len; i++)
    g_strv_builder_add (builder, g_array_index (decl->routes, HttpRoute, i).prefix);
  return g_strv_builder_end (builder);
}

void
gw_transport_serve_http (GwTransport       *self,
                         const char        *prefix,
                         SoupServerMessage *message,
                         const char        *path,
                         GHashTable        *query)
{
  ClassDeclarations *decl;

  g_return_if_fail (GW_IS_TRANSPORT (self));
  decl = get_declarations (G_OBJECT_TYPE (self), FALSE);
  for (guint i = 0; decl != NULL && i < decl->routes->len; i++) {
    HttpRoute *route = &g_array_index (decl->routes, HttpRoute, i);

    if (g_str_equal (route->prefix, prefix)) {
      route->func (self, message, path, query);
      return;
    }
  }
  soup_server_message_set_status (message, SOUP_STATUS_NOT_FOUND, NULL);
}

/**
 * gw_transport_class_add_preset:
 * @klass: a transport class, in its class_init
 * @conditions: one or more "KEY=VALUE" joined by ",", such as
 *   "provider=gmail" or "provider=microsoft365,oauth2-grant=client-credentials"
 * @key: the key the preset fills in
 * @value: its value as text; "{KEY}" in it stands for another key's
 *   effective value (a URL with "{oauth2-tenant}")
 *
 * Declares a preset: while a profile of this transport has every value of
 * @conditions (set, preset or default), @key takes @value unless the
 * profile sets @key itself. The preset whose conditions are the most
 * specific wins. @key may be one of the daemon's keys (such as
 * "rate-limit"); a value the key refuses, or a key no loaded transport
 * knows, is passed over. Presets are how a provider setting fills in a
 * server, endpoints and limits that the administrator can still override.
 */
void
gw_transport_class_add_preset (GwTransportClass *klass,
                               const char       *conditions,
                               const char       *key,
                               const char       *value)
{
  ClassDeclarations *decl;
  Preset *preset;

  g_return_if_fail (GW_IS_TRANSPORT_CLASS (klass));
  g_return_if_fail (conditions != NULL && strchr (conditions, '=') != NULL);
  g_return_if_fail (key != NULL && value != NULL);
  decl = get_declarations (G_TYPE_FROM_CLASS (klass), TRUE);
  preset = g_new0 (Preset, 1);
  preset->conditions = g_strsplit (conditions, ",", -1);
  preset->key = g_strdup (key);
  preset->value = g_strdup (value);
  g_ptr_array_add (decl->presets, preset);
}

static gboolean
conditions_hold (const Preset *preset, GwPresetLookupFunc lookup, gpointer user_data)
{
  for (guint i = 0; preset->conditions[i] != NULL; i++) {
    const char *condition = preset->conditions[i];
    const char *equals = strchr (condition, '=');
    g_autofree char *key = g_strndup (condition, (gsize) (equals - condition));
    g_autofree char *value = equals != NULL ? lookup (key, user_data) : NULL;

    if (value == NULL || !g_str_equal (value, equals + 1))
      return FALSE;
  }
  return TRUE;
}

/* @template with every {KEY} replaced by KEY's value; NULL when one has
 * none. */
static char *
expand (const char *template, GwPresetLookupFunc lookup, gpointer user_data)
{
  g_autoptr(GString) out = g_string_new (NULL);
  const char *p = template;

  while (*p != '\0') {
    const char *open = strchr (p, '{');
    const char *close = open != NULL ? strchr (open, '}') : NULL;
    g_autofree char *key = NULL;
    g_autofree char *value = NULL;

    if (open == NULL || close == NULL) {
      g_string_append (out, p);
      break;
    }
    g_string_append_len (out, p, open - p);
    key = g_strndup (open + 1, (gsize) (close - open - 1));
    value = lookup (key, user_data);
    if (value == NULL)
      return NULL;
    g_string_append (out, value);
    p = close + 1;
  }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

char *
gw_transport_type_dup_preset (GType               type,
                              const char         *key,
                              GwPresetLookupFunc  lookup,
                              gpointer            user_data)
{
  ClassDeclarations *decl = get_declarations (type, FALSE);
  const Preset *best = NULL;
  guint best_n = 0;

  for (guint i = 0; decl != NULL && i < decl->presets->len; i++) {
    const Preset *preset = decl->presets->pdata[i];
    guint n = g_strv_length (preset->conditions);

    if (!g_str_equal (preset->key, key) || (best != NULL && n <= best_n))
      continue;
    if (conditions_hold (preset, lookup, user_data)) {
      best = preset;
      best_n = n;
    }
  }
  return best != NULL ? expand (best->value, lookup, user_data) : NULL;
}
