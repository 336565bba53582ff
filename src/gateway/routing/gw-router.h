/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-router.h: the routing rules (routes.json) and where a notification goes
 *
 * The document, kept in CONFIG_DIR/routes.json (mode 0600):
 *
 *   { "version": 1,
 *     "rules": [
 *       { "name": "critical-to-ops",
 *         "match": { "category": "device.*", "min-urgency": "critical",
 *                    "app-name": "backup", "tags-any": ["disk"],
 *                    "tags-all": ["prod", "storage"],
 *                    "recipient-domain": "example.org",
 *                    "local-recipient": "root" },
 *         "profiles": ["corp-relay", "backup-relay"],
 *         "fan-out": false,
 *         "add-to": ["admin@example.org"],
 *         "add-KIND": ["..."],
 *         "stop": true } ] }
 *
 * Rules are numbered from 1 in messages. A rule matches when every match
 * field it gives matches (no "match" matches everything): "category" is a
 * glob (g_pattern_match_simple), "min-urgency" is low, normal, critical or
 * 0–2 and matches that urgency or higher, "app-name" is exact, "tags-any"
 * wants one of the tags and "tags-all" all of them, "recipient-domain" wants
 * a to/cc/bcc recipient in that domain (case-insensitive),
 * "local-recipient" wants a complete message (SendMessage, sendmail)
 * addressed to that local name before aliases replaced it
 * (case-insensitive; "root" matches mail to root, root@localhost and this
 * host's root).
 *
 * "add-KIND" exists for each recipient kind a loaded transport declared
 * (a transport with the kind "sms" brings "add-sms"); its entries are checked by that
 * transport.
 *
 * Rules are tried in order. Every matching rule adds its "add-to" and
 * "add-KIND" recipients to the notification, and its "profiles"
 * to the route; "stop" (default true) ends the search at that rule, so by
 * default the first matching rule decides. "profiles" lists the primary
 * profile and then fallbacks: Send uses the first one that can be used
 * (it exists and its transport is installed); a permanent failure later is
 * handled by that profile's own "fallback" setting. With "fan-out": true,
 * every listed profile gets its own job. When no matching rule names a
 * profile, the default profile is used. A notification's explicit "profile"
 * bypasses the rules entirely (nothing is added).
 *
 * Each job gets the recipients its transport serves: a profile whose
 * transport has a recipient kind the recipients of that kind (and the
 * mail recipients too when no mail profile is routed to), any other
 * profile the to/cc/bcc recipients. Recipients of a kind that no routed
 * profile takes are refused; a job left without recipients is dropped.
 */
#pragma once

#include <glib-object.h>

#include "gw-notification.h"

G_BEGIN_DECLS

/* The largest document SetRoutes takes, in bytes. */
#define GW_ROUTER_MAX_DOCUMENT_SIZE (1024 * 1024)

/* Returns the transport name of a usable profile, or NULL with
 * HERALD_ERROR_NO_SUCH_PROFILE or HERALD_ERROR_TRANSPORT_UNAVAILABLE. */
typedef const char *(*GwRouterProbeFunc) (const char *profile,
                                          gpointer    user_data,
                                          GError    **error);

/* One job of a routed notification. */
typedef struct {
  char  *profile;
  char  *transport;
  char  *rule;      /* the rule's name (or "rule N"), "explicit" or "default" */
  GStrv  skipped;   /* profiles of the chain passed over as unusable */
  GStrv  to;        /* this job's recipients, added ones included */
  GStrv  cc;
  GStrv  bcc;
  GStrv  others;    /* recipients of the transport's recipient kind, if it has one */
  GStrv  added;     /* the recipients that rules added */
} GwRoute;

void gw_route_free (GwRoute *route);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GwRoute, gw_route_free)

#define GW_TYPE_ROUTER (gw_router_get_type ())
G_DECLARE_FINAL_TYPE (GwRouter, gw_router, GW, ROUTER, GObject)

/* @path: the routes document; @probe: tells which profiles exist. */
GwRouter   *gw_router_new           (const char        *path,
                                     GwRouterProbeFunc  probe,
                                     gpointer           user_data);
/* Reads the document; a missing file means no rules. A rule naming a
 * profile that does not exist is only warned about. Errors name the file,
 * the rule and the field. */
gboolean    gw_router_load          (GwRouter          *self,
                                     GError           **error);
/* The current document, pretty-printed JSON. */
char       *gw_router_dup_json      (GwRouter          *self);
/* Validates @json (HERALD_ERROR_INVALID_ARGUMENT naming the rule and the
 * field, HERALD_ERROR_NO_SUCH_PROFILE, HERALD_ERROR_TOO_LARGE), writes it atomically with mode
 * 0600 (HERALD_ERROR_STORAGE) and only then uses it. On error the old rules
 * stay. */
gboolean    gw_router_set_json      (GwRouter          *self,
                                     const char        *json,
                                     GError           **error);
guint       gw_router_get_n_rules   (GwRouter          *self);
/* Whether a rule names @profile; @rule_label gets "rule N (“name”)". */
gboolean    gw_router_uses_profile  (GwRouter          *self,
                                     const char        *profile,
                                     char             **rule_label);
/* Routes @n: (transfer container) GPtrArray of GwRoute, at least one.
 * HERALD_ERROR_NO_SUCH_PROFILE, _TRANSPORT_UNAVAILABLE, _NOT_SUPPORTED. */
GPtrArray  *gw_router_route         (GwRouter          *self,
                                     GwNotification    *n,
                                     const char        *default_profile,
                                     GError           **error);

G_END_DECLS
