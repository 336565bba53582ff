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
 *
 * Since: 0.1
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

enum {
  PROP_0,
  PROP_ADDRESS,
  PROP_KIND,
  PROP_STATE,
  PROP_REPLY,
  PROP_ENHANCED_CODE,
  PROP_PROFILE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
herald_recipient_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  HeraldRecipient *self = HERALD_RECIPIENT (object);

  switch (prop_id) {
  case PROP_ADDRESS:
    g_value_set_string (value, self->address);
    break;
  case PROP_KIND:
    g_value_set_string (value, self->kind);
    break;
  case PROP_STATE:
    g_value_set_string (value, self->state);
    break;
  case PROP_REPLY:
    g_value_set_string (value, self->reply);
    break;
  case PROP_ENHANCED_CODE:
    g_value_set_string (value, self->enhanced_code);
    break;
  case PROP_PROFILE:
    g_value_set_string (value, self->profile);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

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

  object_class->get_property = herald_recipient_get_property;
  object_class->finalize = herald_recipient_finalize;
  herald_i18n_init ();

  /**
   * HeraldRecipient:address:
   *
   * The address or fax number.
   *
   * Since: 0.1
   */
  properties[PROP_ADDRESS] =
    g_param_spec_string ("address", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldRecipient:kind:
   *
   * `to`, `cc`, `bcc` or `fax`.
   *
   * Since: 0.1
   */
  properties[PROP_KIND] =
    g_param_spec_string ("kind", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldRecipient:state:
   *
   * This recipient's own result: `pending`, `sent`, `deferred`, `submitted` or `failed`.
   *
   * Since: 0.1
   */
  properties[PROP_STATE] =
    g_param_spec_string ("state", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldRecipient:reply:
   *
   * The server's reply for this recipient.
   *
   * Since: 0.1
   */
  properties[PROP_REPLY] =
    g_param_spec_string ("reply", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldRecipient:enhanced-code:
   *
   * The enhanced status code of that reply.
   *
   * Since: 0.1
   */
  properties[PROP_ENHANCED_CODE] =
    g_param_spec_string ("enhanced-code", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldRecipient:profile:
   *
   * The profile this recipient was sent through.
   *
   * Since: 0.1
   */
  properties[PROP_PROFILE] =
    g_param_spec_string ("profile", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
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
 *
 * Since: 0.1
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
 *
 * Since: 0.1
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
 *
 * Since: 0.1
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
 *
 * Since: 0.1
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
 *
 * Since: 0.1
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
 *
 * Since: 0.1
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
 *
 * Since: 0.1
 */
const char *
herald_recipient_get_profile (HeraldRecipient *self)
{
  g_return_val_if_fail (HERALD_IS_RECIPIENT (self), NULL);
  return self->profile;
}
