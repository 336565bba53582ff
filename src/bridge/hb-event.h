/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hb-event.h: one desktop notification as the bridge received it */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char   *app_name;       /* app_name argument, or the desktop-entry hint */
  char   *desktop_entry;  /* hint, may be NULL */
  char   *category;       /* hint, may be NULL */
  guint8  urgency;        /* hint: 0 low, 1 normal (default), 2 critical */
  char   *summary;
  char   *body_text;      /* markup stripped */
  char   *body_html;      /* markup kept where safe */
  gint64  received;       /* g_get_real_time () */
} HbEvent;

/* Builds an event from the parameters of a Notify call,
 * (susssasa{sv}i); returns NULL with @error for a wrong signature. */
HbEvent *hb_event_new_from_notify (GVariant *parameters,
                                   guint32  *replaces_id,
                                   GError  **error);
HbEvent *hb_event_copy            (const HbEvent *self);
void     hb_event_free            (HbEvent  *self);
/* The identity of "the same notification" for coalescing. */
char    *hb_event_key             (const HbEvent *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HbEvent, hb_event_free)

G_END_DECLS
