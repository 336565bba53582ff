/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-recipient.c: one recipient of a delivery and its own result */
#define G_LOG_DOMAIN "herald-recipient"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "herald-private.h"
#include "herald-recipient.h"

/**
 * HeraldRecipient:
 *
 * One recipient of a #HeraldDelivery: its address, its kind (`to`, `cc`,
 * `bcc` or `fax`) and the result for this recipient alone, since one
 * recipient may be refused while the others are accepted.
 *
 * Recipients are read-only; get them with herald_delivery_get_recipients().
 */
struct _HeraldRecipient {
  GObject  parent_instance;

  char    *address;
  char    *kind;
  char    *state;
  char    *reply;
  char    *enhanced_code;
  char    *profile;
};

G_DEFINE_FINAL_TYPE (HeraldRecipient, herald_recipient, G_TYPE_OBJECT)

static void
herald_recipient_finalize (GObject *object)
{
  HeraldRecipient *self = HERALD_RECIPIENT (object);

  g_free (self->address);
  g_free (self->kind);
  g_free (self->state);
  g_free (self->reply);
  g_free (self->enhanced_code);
  g_free (self->profile);

  G_OBJECT_CLASS (herald_recipient_parent_class)->finalize (object);
}

static void
herald_recipient_class_init (HeraldRecipientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = herald_recipient_finalize;
  herald_i18n_init ();
}

static void
herald_recipient_init (HeraldRecipient *self)
{
}

/**
 * herald_recipient_new_from_variant:
 * @recipient: an `a{sv}` dictionary with `address`, `kind`, `state`,
 *   `reply`, `enhanced-code` and `profile`, as in the `recipients` of
 *   `GetDelivery`
 * @error: return location for a #GError
 *
 * Creates a recipient from its D-Bus form.
 *
 * Returns: (transfer full): a new #HeraldRecipient, or %NULL if @recipient
 *   has no address
 */
HeraldRecipient *
herald_recipient_new_from_variant (GVariant  *recipient,
                                   GError   **error)
{
  g_autoptr(HeraldRecipient) self = NULL;

  g_return_val_if_fail (recipient != NULL, NULL);
  g_return_val_if_fail (g_variant_is_of_type (recipient, G_VARIANT_TYPE_VARDICT), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (HERALD_TYPE_RECIPIENT, NULL);
  if (!g_variant_lookup (recipient, "address", "s", &self->address)) {
    g_set_error_literal (error, HERALD_ERROR, HERALD_ERROR_FAILED,
                         _("The gateway sent a recipient without an address"));
    return NULL;
  }
  g_variant_lookup (recipient, "kind", "s", &self->kind);
  g_variant_lookup (recipient, "state", "s", &self->state);
  g_variant_lookup (recipient, "reply", "s", &self->reply);
  g_variant_lookup (recipient, "enhanced-code", "s", &self->enhanced_code);
  g_variant_lookup (recipient, "profile", "s", &self->profile);

  return g_steal_pointer (&self);
}

/**
 * herald_recipient_get_address:
 * @self: a #HeraldRecipient
 *
 * Gets the address, or the fax number for a fax recipient.
 *
 * Returns: (transfer none): the address, or the fax number for a fax
 *   recipient
 */
const char *
herald_recipient_get_address (HeraldRecipient *self)
{
  g_return_val_if_fail (HERALD_IS_RECIPIENT (self), NULL);
  return self->address;
}

/**
 * herald_recipient_get_kind:
 * @self: a #HeraldRecipient
 *
 * Gets the kind of recipient: `to`, `cc`, `bcc` or `fax`.
 *
 * Returns: (transfer none) (nullable): `to`, `cc`, `bcc` or `fax`
 */
const char *
herald_recipient_get_kind (HeraldRecipient *self)
{
  g_return_val_if_fail (HERALD_IS_RECIPIENT (self), NULL);
  return self->kind;
}

/**
 * herald_recipient_get_state:
 * @self: a #HeraldRecipient
 *
 * Gets the result for this recipient: `pending` until a server answered
 * for it, then `sent`, `deferred` (refused temporarily) or `failed`
 * (refused permanently).
 *
 * Returns: (transfer none) (nullable): the state of the delivery to this
 *   recipient
 */
const char *
herald_recipient_get_state (HeraldRecipient *self)
{
  g_return_val_if_fail (HERALD_IS_RECIPIENT (self), NULL);
  return self->state;
}

/**
 * herald_recipient_get_reply:
 * @self: a #HeraldRecipient
 *
 * Gets the server's last reply for this recipient, such as `550 5.1.1 no
 * such user`.
 *
 * Returns: (transfer none) (nullable): the server's last reply for this
 *   recipient, such as `550 5.1.1 no such user`
 */
const char *
herald_recipient_get_reply (HeraldRecipient *self)
{
  g_return_val_if_fail (HERALD_IS_RECIPIENT (self), NULL);
  return self->reply;
}

/**
 * herald_recipient_get_enhanced_code:
 * @self: a #HeraldRecipient
 *
 * Gets the enhanced status code of the server's reply (RFC 3463), such as
 * `5.1.1`.
 *
 * Returns: (transfer none) (nullable): the enhanced status code of the
 *   server's reply (RFC 3463), such as `5.1.1`
 */
const char *
herald_recipient_get_enhanced_code (HeraldRecipient *self)
{
  g_return_val_if_fail (HERALD_IS_RECIPIENT (self), NULL);
  return self->enhanced_code;
}

/**
 * herald_recipient_get_profile:
 * @self: a #HeraldRecipient
 *
 * Gets the profile this recipient was delivered through; a notification
 * routed to several profiles has recipients in each.
 *
 * Returns: (transfer none) (nullable): the profile name
 */
const char *
herald_recipient_get_profile (HeraldRecipient *self)
{
  g_return_val_if_fail (HERALD_IS_RECIPIENT (self), NULL);
  return self->profile;
}
