/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hb-forwarder.c: turns a (merged) desktop notification into Herald deliveries
 *
 * A desktop notification has no recipients and most of them are noise, so
 * the bridge must never fall back to the gateway's default profile. It
 * first asks CheckRoute with a placeholder recipient which rules match:
 * only jobs of a real rule (not "default") are kept, and each is then sent
 * through its profile explicitly with the recipients that rule adds
 * (add-to, add-fax). Sending explicitly also means a change of the rules
 * between the two calls can never route the notification to the default
 * profile. */
#define G_LOG_DOMAIN "hb-forwarder"

#include "config.h"

#include "hb-forwarder.h"

#include <glib/gi18n.h>

/* reserved TLD (RFC 2606): never delivered to; it only lets CheckRoute
 * route a notification that has no recipient of its own */
#define PLACEHOLDER_RECIPIENT "desktop-bridge@herald.invalid"

struct _HbForwarder {
  GObject       parent_instance;
  HeraldClient *client;
  gboolean      html;
  GStrv         tags;
};

G_DEFINE_TYPE (HbForwarder, hb_forwarder, G_TYPE_OBJECT)

typedef struct {
  HbEvent   *event;
  guint      count;
  gint64     first, last;
  guint      pending;
  GPtrArray *ids;
  GError    *error;     /* the first send error */
} Forward;

static void
forward_free (Forward *forward)
{
  hb_event_free (forward->event);
  g_ptr_array_unref (forward->ids);
  g_clear_error (&forward->error);
  g_free (forward);
}

static const char *
urgency_name (guint8 urgency)
{
  switch (urgency) {
  case 0:
    return C_("urgency", "low");
  case 2:
    return C_("urgency", "critical");
  default:
    return C_("urgency", "normal");
  }
}

static char *
format_time (gint64 real_us)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (real_us / G_USEC_PER_SEC);

  return time != NULL ? g_date_time_format (time, "%Y-%m-%d %H:%M:%S") : g_strdup ("?");
}

/* Appends "label: value" and a line break when there is a value. */
static void
append_line (GString    *text,
             const char *label,
             const char *value)
{
  if (value == NULL)
    return;
  g_string_append_printf (text, "%s: %s", label, value);
  g_string_append_c (text, '\n');
}

/* The text part: the body, what a merge merged, and where it came from. */
static char *
compose_text (const Forward *forward,
              const char    *body)
{
  const HbEvent *event = forward->event;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *first = format_time (forward->first);
  g_autofree char *last = format_time (forward->last);

  if (forward->count > 1) {
    g_string_append_printf (text,
                            g_dngettext (GETTEXT_PACKAGE,
                                         "This notification was raised %u time between %s and %s; the bridge merged them into this message.",
                                         "This notification was raised %u times between %s and %s; the bridge merged them into this message.",
                                         forward->count),
                            forward->count, first, last);
    g_string_append (text, "\n\n");
  }
  g_string_append (text, body);
  g_string_append (text, "\n\n-- \n");
  append_line (text, _("Application"), event->app_name);
  append_line (text, _("Desktop entry"), event->desktop_entry);
  append_line (text, _("Category"), event->category);
  append_line (text, _("Urgency"), urgency_name (event->urgency));
  append_line (text, _("Raised"), last);
  g_string_append (text, _("Forwarded by the Herald desktop bridge."));
  g_string_append_c (text, '\n');
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static HeraldNotification *
build_notification (HbForwarder   *self,
                    const Forward *forward)
{
  const HbEvent *event = forward->event;
  g_autoptr(HeraldNotification) n = herald_notification_new ();
  g_autofree char *text = compose_text (forward, event->body_text);
  const char *summary = *event->summary != '\0' ? event->summary
                        : event->app_name != NULL ? event->app_name : _("Desktop notification");

  if (forward->count > 1) {
    g_autofree char *subject = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s (%u time)",
                                                             "%s (%u times)", forward->count),
                                                summary, forward->count);
    herald_notification_set_subject (n, subject);
  } else {
    herald_notification_set_subject (n, summary);
  }
  herald_notification_set_body (n, text);
  if (self->html) {
    g_autofree char *footer = compose_text (forward, "");
    g_autofree char *escaped = g_markup_escape_text (footer, -1);
    g_autofree char *html = g_strdup_printf ("<html><body><p>%s</p><pre>%s</pre></body></html>",
                                             event->body_html, escaped);
    herald_notification_set_html (n, html);
  }
  if (event->category != NULL)
    herald_notification_set_category (n, event->category);
  if (event->app_name != NULL)
    herald_notification_set_app_name (n, event->app_name);
  if (event->desktop_entry != NULL)
    herald_notification_set_header (n, "X-Herald-Desktop-Entry", event->desktop_entry);
  herald_notification_set_urgency (n, (HeraldUrgency) event->urgency);
  for (guint i = 0; self->tags != NULL && self->tags[i] != NULL; i++)
    herald_notification_add_tag (n, self->tags[i]);
  return g_steal_pointer (&n);
}

static void
return_if_done (GTask *task)
{
  Forward *forward = g_task_get_task_data (task);

  if (forward->pending > 0)
    return;
  if (forward->error != NULL && forward->ids->len == 0) {
    g_task_return_error (task, g_steal_pointer (&forward->error));
    return;
  }
  if (forward->error != NULL)
    g_warning ("%s", forward->error->message);
  g_ptr_array_add (forward->ids, NULL);
  g_task_return_pointer (task, g_strdupv ((char **) forward->ids->pdata), (GDestroyNotify) g_strfreev);
}

static void
send_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Forward *forward = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = herald_client_send_finish (HERALD_CLIENT (source), result, &error);

  forward->pending--;
  if (id != NULL) {
    g_info ("“%s” forwarded as delivery %s", forward->event->summary, id);
    g_ptr_array_add (forward->ids, g_steal_pointer (&id));
  } else if (forward->error == NULL) {
    forward->error = g_steal_pointer (&error);
  }
  return_if_done (task);
}

/* Sends through @route's profile to the recipients its rule added. */
static gboolean
send_job (GTask       *task,
          HeraldRoute *route)
{
  HbForwarder *self = g_task_get_source_object (task);
  Forward *forward = g_task_get_task_data (task);
  const char * const *added = herald_route_get_added (route);
  g_autoptr(HeraldNotification) n = NULL;

  if (added == NULL || added[0] == NULL) {
    g_warning ("rule “%s” selects “%s” but adds no recipient (add-to or add-fax); not sent",
               herald_route_get_rule (route), forward->event->summary);
    return FALSE;
  }
  n = build_notification (self, forward);
  herald_notification_set_profile (n, herald_route_get_profile (route));
  for (guint i = 0; added[i] != NULL; i++) {
    if (strchr (added[i], '@') != NULL)
      herald_notification_add_to (n, added[i]);
    else
      herald_notification_add_fax (n, added[i]);
  }
  forward->pending++;
  herald_client_send (self->client, n, g_task_get_cancellable (task), send_cb, g_object_ref (task));
  return TRUE;
}

static void
check_route_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Forward *forward = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) routes = herald_client_check_route_finish (HERALD_CLIENT (source), result, &error);

  if (routes == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  for (guint i = 0; i < routes->len; i++) {
    HeraldRoute *route = g_ptr_array_index (routes, i);
    const char *rule = herald_route_get_rule (route);

    if (g_strcmp0 (rule, "default") == 0 || g_strcmp0 (rule, "explicit") == 0) {
      g_debug ("no rule selects “%s”: not forwarded", forward->event->summary);
      continue;
    }
    send_job (task, route);
  }
  return_if_done (task);
}

void
hb_forwarder_forward (HbForwarder         *self,
                      const HbEvent       *event,
                      guint                count,
                      gint64               first,
                      gint64               last,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(HeraldNotification) probe = NULL;
  Forward *forward = g_new0 (Forward, 1);

  g_return_if_fail (HB_IS_FORWARDER (self));
  forward->event = hb_event_copy (event);
  forward->count = count;
  forward->first = first;
  forward->last = last;
  forward->ids = g_ptr_array_new_with_free_func (g_free);
  g_task_set_task_data (task, forward, (GDestroyNotify) forward_free);
  g_task_set_source_tag (task, hb_forwarder_forward);

  probe = build_notification (self, forward);
  herald_notification_add_to (probe, PLACEHOLDER_RECIPIENT);
  herald_client_check_route (self->client, probe, cancellable, check_route_cb, g_steal_pointer (&task));
}

GStrv
hb_forwarder_forward_finish (HbForwarder   *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
hb_forwarder_finalize (GObject *object)
{
  HbForwarder *self = HB_FORWARDER (object);

  g_clear_object (&self->client);
  g_strfreev (self->tags);
  G_OBJECT_CLASS (hb_forwarder_parent_class)->finalize (object);
}

static void
hb_forwarder_class_init (HbForwarderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hb_forwarder_finalize;
}

static void
hb_forwarder_init (HbForwarder *self)
{
}

HbForwarder *
hb_forwarder_new (HeraldClient   *client,
                  const HbConfig *config)
{
  HbForwarder *self = g_object_new (HB_TYPE_FORWARDER, NULL);

  self->client = g_object_ref (client);
  self->html = config->html;
  self->tags = g_strdupv (config->tags);
  return self;
}
