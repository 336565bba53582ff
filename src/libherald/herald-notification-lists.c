/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-notification-lists.c: HeraldNotification's recipients and tags
 *
 * Every setter goes through the property machinery of herald-notification.c,
 * so that each change notifies its property, whichever way it was made.
 */
#define G_LOG_DOMAIN "herald-notification"

#include "config.h"

#include "herald-notification-private.h"

/**
 * herald_notification_add_to:
 * @self: a #HeraldNotification
 * @address: an e-mail address, optionally with a display name
 *   (`Ops <ops@example.com>`)
 *
 * Adds a `To` recipient.
 *
 * Since: 0.1
 */
void
herald_notification_add_to (HeraldNotification *self,
                            const char         *address)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  g_return_if_fail (address != NULL);
  herald_notification_add_to_list_property (self, HERALD_NOTIFICATION_PROP_TO, address);
}

/**
 * herald_notification_set_to:
 * @self: a #HeraldNotification
 * @addresses: (nullable) (array zero-terminated=1): the `To` recipients, replacing
 *   those added before; %NULL or empty for none
 *
 * Sets the `To` recipients: the #HeraldNotification:to property.
 *
 * Since: 0.1
 */
void
herald_notification_set_to (HeraldNotification *self,
                            const char * const *addresses)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  herald_notification_set_list_property (self, HERALD_NOTIFICATION_PROP_TO, addresses);
}

/**
 * herald_notification_get_to:
 * @self: a #HeraldNotification
 *
 * Gets the `To` recipients.
 *
 * Returns: (transfer none) (array zero-terminated=1): the `To` recipients, empty when
 *   there are none
 *
 * Since: 0.1
 */
const char * const *
herald_notification_get_to (HeraldNotification *self)
{
  g_return_val_if_fail (HERALD_IS_NOTIFICATION (self), NULL);
  return herald_notification_get_list (self, HERALD_NOTIFICATION_PROP_TO);
}

/**
 * herald_notification_add_cc:
 * @self: a #HeraldNotification
 * @address: an e-mail address
 *
 * Adds a `Cc` recipient.
 *
 * Since: 0.1
 */
void
herald_notification_add_cc (HeraldNotification *self,
                            const char         *address)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  g_return_if_fail (address != NULL);
  herald_notification_add_to_list_property (self, HERALD_NOTIFICATION_PROP_CC, address);
}

/**
 * herald_notification_set_cc:
 * @self: a #HeraldNotification
 * @addresses: (nullable) (array zero-terminated=1): the `Cc` recipients, replacing
 *   those added before; %NULL or empty for none
 *
 * Sets the `Cc` recipients: the #HeraldNotification:cc property.
 *
 * Since: 0.1
 */
void
herald_notification_set_cc (HeraldNotification *self,
                            const char * const *addresses)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  herald_notification_set_list_property (self, HERALD_NOTIFICATION_PROP_CC, addresses);
}

/**
 * herald_notification_get_cc:
 * @self: a #HeraldNotification
 *
 * Gets the `Cc` recipients.
 *
 * Returns: (transfer none) (array zero-terminated=1): the `Cc` recipients, empty when
 *   there are none
 *
 * Since: 0.1
 */
const char * const *
herald_notification_get_cc (HeraldNotification *self)
{
  g_return_val_if_fail (HERALD_IS_NOTIFICATION (self), NULL);
  return herald_notification_get_list (self, HERALD_NOTIFICATION_PROP_CC);
}

/**
 * herald_notification_add_bcc:
 * @self: a #HeraldNotification
 * @address: an e-mail address
 *
 * Adds a blind-copy recipient, who appears in no header.
 *
 * Since: 0.1
 */
void
herald_notification_add_bcc (HeraldNotification *self,
                             const char         *address)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  g_return_if_fail (address != NULL);
  herald_notification_add_to_list_property (self, HERALD_NOTIFICATION_PROP_BCC, address);
}

/**
 * herald_notification_set_bcc:
 * @self: a #HeraldNotification
 * @addresses: (nullable) (array zero-terminated=1): the blind-copy recipients, replacing
 *   those added before; %NULL or empty for none
 *
 * Sets the blind-copy recipients: the #HeraldNotification:bcc property.
 *
 * Since: 0.1
 */
void
herald_notification_set_bcc (HeraldNotification *self,
                             const char * const *addresses)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  herald_notification_set_list_property (self, HERALD_NOTIFICATION_PROP_BCC, addresses);
}

/**
 * herald_notification_get_bcc:
 * @self: a #HeraldNotification
 *
 * Gets the blind-copy recipients.
 *
 * Returns: (transfer none) (array zero-terminated=1): the blind-copy recipients, empty when
 *   there are none
 *
 * Since: 0.1
 */
const char * const *
herald_notification_get_bcc (HeraldNotification *self)
{
  g_return_val_if_fail (HERALD_IS_NOTIFICATION (self), NULL);
  return herald_notification_get_list (self, HERALD_NOTIFICATION_PROP_BCC);
}

/**
 * herald_notification_add_fax:
 * @self: a #HeraldNotification
 * @number: a fax number; the fax transport normalises it
 *
 * Adds a fax recipient, for profiles with the `fax` transport.
 *
 * Since: 0.1
 */
void
herald_notification_add_fax (HeraldNotification *self,
                             const char         *number)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  g_return_if_fail (number != NULL);
  herald_notification_add_to_list_property (self, HERALD_NOTIFICATION_PROP_FAX, number);
}

/**
 * herald_notification_set_fax:
 * @self: a #HeraldNotification
 * @numbers: (nullable) (array zero-terminated=1): the fax numbers, replacing
 *   those added before; %NULL or empty for none
 *
 * Sets the fax numbers: the #HeraldNotification:fax property.
 *
 * Since: 0.1
 */
void
herald_notification_set_fax (HeraldNotification *self,
                             const char * const *numbers)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  herald_notification_set_list_property (self, HERALD_NOTIFICATION_PROP_FAX, numbers);
}

/**
 * herald_notification_get_fax:
 * @self: a #HeraldNotification
 *
 * Gets the fax numbers.
 *
 * Returns: (transfer none) (array zero-terminated=1): the fax numbers, empty when
 *   there are none
 *
 * Since: 0.1
 */
const char * const *
herald_notification_get_fax (HeraldNotification *self)
{
  g_return_val_if_fail (HERALD_IS_NOTIFICATION (self), NULL);
  return herald_notification_get_list (self, HERALD_NOTIFICATION_PROP_FAX);
}

/**
 * herald_notification_add_tag:
 * @self: a #HeraldNotification
 * @tag: a free-form tag
 *
 * Adds a tag, which routing rules may match.
 *
 * Since: 0.1
 */
void
herald_notification_add_tag (HeraldNotification *self,
                             const char         *tag)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  g_return_if_fail (tag != NULL);
  herald_notification_add_to_list_property (self, HERALD_NOTIFICATION_PROP_TAGS, tag);
}

/**
 * herald_notification_set_tags:
 * @self: a #HeraldNotification
 * @tags: (nullable) (array zero-terminated=1): the tags, replacing
 *   those added before; %NULL or empty for none
 *
 * Sets the tags: the #HeraldNotification:tags property.
 *
 * Since: 0.1
 */
void
herald_notification_set_tags (HeraldNotification *self,
                              const char * const *tags)
{
  g_return_if_fail (HERALD_IS_NOTIFICATION (self));
  herald_notification_set_list_property (self, HERALD_NOTIFICATION_PROP_TAGS, tags);
}

/**
 * herald_notification_get_tags:
 * @self: a #HeraldNotification
 *
 * Gets the tags.
 *
 * Returns: (transfer none) (array zero-terminated=1): the tags, empty when
 *   there are none
 *
 * Since: 0.1
 */
const char * const *
herald_notification_get_tags (HeraldNotification *self)
{
  g_return_val_if_fail (HERALD_IS_NOTIFICATION (self), NULL);
  return herald_notification_get_list (self, HERALD_NOTIFICATION_PROP_TAGS);
}
