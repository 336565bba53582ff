/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-notification-accessors.c: HeraldNotification's setters, getters
 * and its D-Bus form
 *
 * Every setter goes through the property machinery of herald-notification.c,
 * so that each change notifies its property, whichever way it was made.
 */
#define G_LOG_DOMAIN "herald-notification"

#include "config.h"

#include "herald-notification-private.h"

/**
 * herald_notification_set_subject:
 * @self: a #HeraldNotification
 * @subject: (nullable): the subject, or %NULL to unset it
 *
 * Sets the subject.
 *
 * Since: 0.1
 */
void
herald_notification_set_subject (HeraldNotification *self,
                                 const char         *subject)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  herald_notification_set_string_property (self, HERALD_NOTIFICATION_PROP_SUBJECT, subject);
}

/**
 * herald_notification_get_subject:
 * @self: a #HeraldNotification
 *
 * Gets the #HeraldNotification:subject property.
 *
 * Returns: (transfer none) (nullable): the subject, or %NULL if unset
 *
 * Since: 0.1
 */
const char *
herald_notification_get_subject (HeraldNotification *self)
{
  g_return_val_if_fail (HERALD_IS_NOTIFICATION (self), NULL);
  return *herald_notification_field_for (self, HERALD_NOTIFICATION_PROP_SUBJECT);
}

/**
 * herald_notification_set_body:
 * @self: a #HeraldNotification
 * @body: (nullable): the plain-text body, or %NULL to unset it
 *
 * Sets the plain-text body.
 *
 * Since: 0.1
 */
void
herald_notification_set_body (HeraldNotification *self,
                              const char         *body)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  herald_notification_set_string_property (self, HERALD_NOTIFICATION_PROP_BODY, body);
}

/**
 * herald_notification_get_body:
 * @self: a #HeraldNotification
 *
 * Gets the #HeraldNotification:body property.
 *
 * Returns: (transfer none) (nullable): the plain-text body, or %NULL if unset
 *
 * Since: 0.1
 */
const char *
herald_notification_get_body (HeraldNotification *self)
{
  g_return_val_if_fail (HERALD_IS_NOTIFICATION (self), NULL);
  return *herald_notification_field_for (self, HERALD_NOTIFICATION_PROP_BODY);
}

/**
 * herald_notification_set_html:
 * @self: a #HeraldNotification
 * @html: (nullable): an HTML body, or %NULL to unset it
 *
 * Sets an HTML alternative to the plain-text body. Profiles with
 * `plain-text-only` drop it.
 *
 * Since: 0.1
 */
void
herald_notification_set_html (HeraldNotification *self,
                              const char         *html)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  herald_notification_set_string_property (self, HERALD_NOTIFICATION_PROP_HTML, html);
}

/**
 * herald_notification_get_html:
 * @self: a #HeraldNotification
 *
 * Gets the #HeraldNotification:html property.
 *
 * Returns: (transfer none) (nullable): an HTML body, or %NULL if unset
 *
 * Since: 0.1
 */
const char *
herald_notification_get_html (HeraldNotification *self)
{
  g_return_val_if_fail (HERALD_IS_NOTIFICATION (self), NULL);
  return *herald_notification_field_for (self, HERALD_NOTIFICATION_PROP_HTML);
}

/**
 * herald_notification_set_from:
 * @self: a #HeraldNotification
 * @from: (nullable): a sender address, or %NULL for the profile's, or %NULL to unset it
 *
 * Overrides the profile's sender address, where the profile allows it.
 *
 * Since: 0.1
 */
void
herald_notification_set_from (HeraldNotification *self,
                              const char         *from)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  herald_notification_set_string_property (self, HERALD_NOTIFICATION_PROP_FROM, from);
}

/**
 * herald_notification_get_from:
 * @self: a #HeraldNotification
 *
 * Gets the #HeraldNotification:from property.
 *
 * Returns: (transfer none) (nullable): a sender address, or %NULL for the profile's, or %NULL if unset
 *
 * Since: 0.1
 */
const char *
herald_notification_get_from (HeraldNotification *self)
{
  g_return_val_if_fail (HERALD_IS_NOTIFICATION (self), NULL);
  return *herald_notification_field_for (self, HERALD_NOTIFICATION_PROP_FROM);
}

/**
 * herald_notification_set_reply_to:
 * @self: a #HeraldNotification
 * @reply_to: (nullable): an address for replies, or %NULL to unset it
 *
 * Sets the `Reply-To` address.
 *
 * Since: 0.1
 */
void
herald_notification_set_reply_to (HeraldNotification *self,
                                  const char         *reply_to)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  herald_notification_set_string_property (self, HERALD_NOTIFICATION_PROP_REPLY_TO, reply_to);
}

/**
 * herald_notification_get_reply_to:
 * @self: a #HeraldNotification
 *
 * Gets the #HeraldNotification:reply-to property.
 *
 * Returns: (transfer none) (nullable): an address for replies, or %NULL if unset
 *
 * Since: 0.1
 */
const char *
herald_notification_get_reply_to (HeraldNotification *self)
{
  g_return_val_if_fail (HERALD_IS_NOTIFICATION (self), NULL);
  return *herald_notification_field_for (self, HERALD_NOTIFICATION_PROP_REPLY_TO);
}

/**
 * herald_notification_set_category:
 * @self: a #HeraldNotification
 * @category: (nullable): a category such as `device.error`, or %NULL to unset it
 *
 * Sets the category, which routing rules may match. Categories are
 * dotted hierarchies: a rule for `device` also takes `device.error`.
 *
 * Since: 0.1
 */
void
herald_notification_set_category (HeraldNotification *self,
                                  const char         *category)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  herald_notification_set_string_property (self, HERALD_NOTIFICATION_PROP_CATEGORY, category);
}

/**
 * herald_notification_get_category:
 * @self: a #HeraldNotification
 *
 * Gets the #HeraldNotification:category property.
 *
 * Returns: (transfer none) (nullable): a category such as `device.error`, or %NULL if unset
 *
 * Since: 0.1
 */
const char *
herald_notification_get_category (HeraldNotification *self)
{
  g_return_val_if_fail (HERALD_IS_NOTIFICATION (self), NULL);
  return *herald_notification_field_for (self, HERALD_NOTIFICATION_PROP_CATEGORY);
}

/**
 * herald_notification_set_app_name:
 * @self: a #HeraldNotification
 * @app_name: (nullable): the sending application's name, or %NULL to unset it
 *
 * Sets the name of the sending application.
 *
 * Since: 0.1
 */
void
herald_notification_set_app_name (HeraldNotification *self,
                                  const char         *app_name)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  herald_notification_set_string_property (self, HERALD_NOTIFICATION_PROP_APP_NAME, app_name);
}

/**
 * herald_notification_get_app_name:
 * @self: a #HeraldNotification
 *
 * Gets the #HeraldNotification:app-name property.
 *
 * Returns: (transfer none) (nullable): the sending application's name, or %NULL if unset
 *
 * Since: 0.1
 */
const char *
herald_notification_get_app_name (HeraldNotification *self)
{
  g_return_val_if_fail (HERALD_IS_NOTIFICATION (self), NULL);
  return *herald_notification_field_for (self, HERALD_NOTIFICATION_PROP_APP_NAME);
}

/**
 * herald_notification_set_profile:
 * @self: a #HeraldNotification
 * @profile: (nullable): a profile name, or %NULL to let the router decide, or %NULL to unset it
 *
 * Forces the notification to a profile, bypassing the routing rules.
 *
 * Since: 0.1
 */
void
herald_notification_set_profile (HeraldNotification *self,
                                 const char         *profile)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  herald_notification_set_string_property (self, HERALD_NOTIFICATION_PROP_PROFILE, profile);
}

/**
 * herald_notification_get_profile:
 * @self: a #HeraldNotification
 *
 * Gets the #HeraldNotification:profile property.
 *
 * Returns: (transfer none) (nullable): a profile name, or %NULL to let the router decide, or %NULL if unset
 *
 * Since: 0.1
 */
const char *
herald_notification_get_profile (HeraldNotification *self)
{
  g_return_val_if_fail (HERALD_IS_NOTIFICATION (self), NULL);
  return *herald_notification_field_for (self, HERALD_NOTIFICATION_PROP_PROFILE);
}

/**
 * herald_notification_set_idempotency_key:
 * @self: a #HeraldNotification
 * @idempotency_key: (nullable): a key unique to this notification, or %NULL to unset it
 *
 * Sets a key that makes sending idempotent: a second notification with the
 * same key returns the first one's delivery id instead of sending again.
 *
 * Since: 0.1
 */
void
herald_notification_set_idempotency_key (HeraldNotification *self,
                                         const char         *idempotency_key)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  herald_notification_set_string_property (self, HERALD_NOTIFICATION_PROP_IDEMPOTENCY_KEY, idempotency_key);
}

/**
 * herald_notification_get_idempotency_key:
 * @self: a #HeraldNotification
 *
 * Gets the #HeraldNotification:idempotency-key property.
 *
 * Returns: (transfer none) (nullable): a key unique to this notification, or %NULL if unset
 *
 * Since: 0.1
 */
const char *
herald_notification_get_idempotency_key (HeraldNotification *self)
{
  g_return_val_if_fail (HERALD_IS_NOTIFICATION (self), NULL);
  return *herald_notification_field_for (self, HERALD_NOTIFICATION_PROP_IDEMPOTENCY_KEY);
}

/**
 * herald_notification_set_urgency:
 * @self: a #HeraldNotification
 * @urgency: a #HeraldUrgency
 *
 * Sets the urgency, which routing rules may match. Unless set, the
 * gateway assumes %HERALD_URGENCY_NORMAL.
 *
 * Since: 0.1
 */
void
herald_notification_set_urgency (HeraldNotification *self,
                                 HeraldUrgency       urgency)
{
  gboolean changed;

  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  g_return_if_fail (herald_urgency_to_string (urgency) != NULL);

  changed = self->urgency != urgency;
  self->has_urgency = TRUE;
  self->urgency = urgency;
  if (changed)
    herald_notification_notify (self, HERALD_NOTIFICATION_PROP_URGENCY);
}

/**
 * herald_notification_get_urgency:
 * @self: a #HeraldNotification
 *
 * Gets the urgency; %HERALD_URGENCY_NORMAL unless set.
 *
 * Returns: the urgency
 *
 * Since: 0.1
 */
HeraldUrgency
herald_notification_get_urgency (HeraldNotification *self)
{
  g_return_val_if_fail (HERALD_IS_NOTIFICATION (self), HERALD_URGENCY_NORMAL);
  return self->urgency;
}

/**
 * herald_notification_set_header:
 * @self: a #HeraldNotification
 * @name: a header name such as `X-Ticket`
 * @value: (nullable): the header value, or %NULL to remove the header
 *
 * Sets an extra message header. The gateway refuses headers it composes
 * itself and values with line breaks.
 *
 * Since: 0.1
 */
void
herald_notification_set_header (HeraldNotification *self,
                                const char         *name,
                                const char         *value)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  g_return_if_fail (name != NULL);

  if (value == NULL) {
    if (!g_hash_table_remove (self->headers, name))
      return;
  } else {
    if (g_strcmp0 (g_hash_table_lookup (self->headers, name), value) == 0)
      return;
    g_hash_table_replace (self->headers, g_strdup (name), g_strdup (value));
  }
  herald_notification_notify (self, HERALD_NOTIFICATION_PROP_HEADERS);
}

/**
 * herald_notification_get_header:
 * @self: a #HeraldNotification
 * @name: a header name
 *
 * Gets an extra message header set with herald_notification_set_header().
 *
 * Returns: (transfer none) (nullable): its value, or %NULL if it is not set
 *
 * Since: 0.1
 */
const char *
herald_notification_get_header (HeraldNotification *self,
                                const char         *name)
{
  g_return_val_if_fail (HERALD_IS_NOTIFICATION (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  return g_hash_table_lookup (self->headers, name);
}

static void
add_strv (GVariantBuilder    *builder,
          const char         *key,
          const char * const *values)
{
  if (values[0] == NULL)
    return;
  g_variant_builder_add (builder, "{sv}", key, g_variant_new_strv (values, -1));
}

static void
add_string (GVariantBuilder *builder,
            const char      *key,
            const char      *value)
{
  if (value != NULL)
    g_variant_builder_add (builder, "{sv}", key, g_variant_new_string (value));
}

/**
 * herald_notification_to_variant:
 * @self: a #HeraldNotification
 * @fd_list: (out) (transfer full) (optional): return location for the file
 *   descriptors of the attachments, to pass with the message
 * @error: return location for a #GError
 *
 * Builds the argument of `Send`. The attachments' descriptors are
 * duplicated into a new @fd_list each time, so a notification can be sent
 * more than once.
 *
 * Returns: (transfer full): an `a{sv}` #GVariant, or %NULL if a descriptor
 *   could not be duplicated
 *
 * Since: 0.1
 */
GVariant *
herald_notification_to_variant (HeraldNotification  *self,
                                GUnixFDList        **fd_list,
                                GError             **error)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  static const struct {
    const char *key;
    guint       prop_id;
  } lists[] = {
    { "to", HERALD_NOTIFICATION_PROP_TO },
    { "cc", HERALD_NOTIFICATION_PROP_CC },
    { "bcc", HERALD_NOTIFICATION_PROP_BCC },
    { "fax", HERALD_NOTIFICATION_PROP_FAX },
  };
  static const struct {
    const char *key;
    guint       prop_id;
  } strings[] = {
    { "subject", HERALD_NOTIFICATION_PROP_SUBJECT },
    { "body", HERALD_NOTIFICATION_PROP_BODY },
    { "html", HERALD_NOTIFICATION_PROP_HTML },
    { "from", HERALD_NOTIFICATION_PROP_FROM },
    { "reply-to", HERALD_NOTIFICATION_PROP_REPLY_TO },
    { "category", HERALD_NOTIFICATION_PROP_CATEGORY },
    { "app-name", HERALD_NOTIFICATION_PROP_APP_NAME },
    { "profile", HERALD_NOTIFICATION_PROP_PROFILE },
    { "idempotency-key", HERALD_NOTIFICATION_PROP_IDEMPOTENCY_KEY },
  };

  g_return_val_if_fail (HERALD_IS_NOTIFICATION (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    add_strv (&builder, lists[i].key, herald_notification_get_list (self, lists[i].prop_id));
  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    add_string (&builder, strings[i].key, *herald_notification_field_for (self, strings[i].prop_id));
  add_strv (&builder, "tags", herald_notification_get_list (self, HERALD_NOTIFICATION_PROP_TAGS));
  if (self->has_urgency)
    g_variant_builder_add (&builder, "{sv}", "urgency", g_variant_new_byte (self->urgency));
  if (g_hash_table_size (self->headers) > 0)
    g_variant_builder_add (&builder, "{sv}", "headers", herald_notification_headers_variant (self));
  if (self->attachments->len > 0) {
    GVariant *attachments = herald_notification_attachments_variant (self, fds, error);

    if (attachments == NULL)
      return NULL;
    g_variant_builder_add (&builder, "{sv}", "attachments", attachments);
  }

  if (fd_list != NULL)
    *fd_list = g_steal_pointer (&fds);
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}
