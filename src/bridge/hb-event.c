/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hb-event.c: one desktop notification as the bridge received it */
#define G_LOG_DOMAIN "hb-event"

#include "hb-event.h"

#include <gio/gio.h>

#include "hb-markup.h"

/* Reads the urgency hint; the specification says byte, but some senders
 * (notify-send from old libnotify, scripts) pass it as an integer. */
static guint8
urgency_from_hint (GVariant *value)
{
  gint64 urgency = 1;

  if (g_variant_is_of_type (value, G_VARIANT_TYPE_BYTE))
    urgency = g_variant_get_byte (value);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32))
    urgency = g_variant_get_int32 (value);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    urgency = g_variant_get_uint32 (value);
  return (guint8) CLAMP (urgency, 0, 2);
}

static char *
string_hint (GVariant   *hints,
             const char *name)
{
  const char *value = NULL;

  if (!g_variant_lookup (hints, name, "&s", &value) || *value == '\0')
    return NULL;
  return g_strdup (value);
}

HbEvent *
hb_event_new_from_notify (GVariant *parameters,
                          guint32  *replaces_id,
                          GError  **error)
{
  g_autoptr(HbEvent) self = g_new0 (HbEvent, 1);
  g_autoptr(GVariant) hints = NULL;
  g_autoptr(GVariant) urgency = NULL;
  const char *app_name, *summary, *body;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(susssasa{sv}i)"))) {
    g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                 "Notify takes (susssasa{sv}i), not %s",
                 g_variant_get_type_string (parameters));
    return NULL;
  }
  g_variant_get (parameters, "(&su&s&s&s@as@a{sv}i)", &app_name, replaces_id, NULL,
                 &summary, &body, NULL, &hints, NULL);

  self->desktop_entry = string_hint (hints, "desktop-entry");
  self->category = string_hint (hints, "category");
  urgency = g_variant_lookup_value (hints, "urgency", NULL);
  self->urgency = urgency != NULL ? urgency_from_hint (urgency) : 1;
  if (*app_name != '\0')
    self->app_name = g_strdup (app_name);
  else if (self->desktop_entry != NULL)
    self->app_name = g_strdup (self->desktop_entry);
  self->summary = g_strdup (summary);
  hb_markup_convert (body, &self->body_text, &self->body_html);
  self->received = g_get_real_time ();
  return g_steal_pointer (&self);
}

HbEvent *
hb_event_copy (const HbEvent *self)
{
  HbEvent *copy = g_new0 (HbEvent, 1);

  copy->app_name = g_strdup (self->app_name);
  copy->desktop_entry = g_strdup (self->desktop_entry);
  copy->category = g_strdup (self->category);
  copy->urgency = self->urgency;
  copy->summary = g_strdup (self->summary);
  copy->body_text = g_strdup (self->body_text);
  copy->body_html = g_strdup (self->body_html);
  copy->received = self->received;
  return copy;
}

void
hb_event_free (HbEvent *self)
{
  if (self == NULL)
    return;
  g_free (self->app_name);
  g_free (self->desktop_entry);
  g_free (self->category);
  g_free (self->summary);
  g_free (self->body_text);
  g_free (self->body_html);
  g_free (self);
}

char *
hb_event_key (const HbEvent *self)
{
  /* fields joined with a separator no D-Bus string contains */
  return g_strdup_printf ("%s%c%s%c%u%c%s%c%s",
                          self->app_name ? self->app_name : "", 0x1f,
                          self->category ? self->category : "", 0x1f,
                          self->urgency, 0x1f,
                          self->summary, 0x1f,
                          self->body_text);
}
