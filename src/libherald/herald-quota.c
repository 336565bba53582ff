/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-quota.c: a user's usage against its per-caller quotas */
#define G_LOG_DOMAIN "herald-quota"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-client-private.h"
#include "herald-error.h"
#include "herald-private.h"
#include "herald-quota.h"

/**
 * HeraldQuota:
 *
 * What one user holds in the gateway against its per-caller quotas, as
 * herald_client_get_quota() reports it: deliveries not final yet, bytes
 * kept in the queue (messages, final ones until the delivery log is
 * pruned) and in the attachment spool (files of attachment links), and
 * the `Send` calls it may make now. The administrator sets the limits in
 * `heraldd.conf` (`[quotas]`); a limit of 0 means none.
 *
 * Over a limit, herald_client_send() fails with
 * %HERALD_ERROR_QUOTA_EXCEEDED and nothing is stored.
 */
struct _HeraldQuota {
  GObject   parent_instance;

  GVariant *dict;
  guint32   uid;
  guint64   queued_deliveries;
  guint64   max_queued_deliveries;
  guint64   stored_bytes;
  guint64   queue_bytes;
  guint64   spool_bytes;
  guint64   max_stored_bytes;
  guint64   sends_available;
  guint32   max_sends_per_minute;
};

G_DEFINE_FINAL_TYPE (HeraldQuota, herald_quota, G_TYPE_OBJECT)

static void
herald_quota_finalize (GObject *object)
{
  HeraldQuota *self = HERALD_QUOTA (object);

  g_clear_pointer (&self->dict, g_variant_unref);
  G_OBJECT_CLASS (herald_quota_parent_class)->finalize (object);
}

static void
herald_quota_class_init (HeraldQuotaClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = herald_quota_finalize;
  herald_i18n_init ();
}

static void
herald_quota_init (HeraldQuota *self)
{
}

/**
 * herald_quota_new_from_variant:
 * @quota: an `a{sv}` dictionary as returned by `GetQuota`: `uid` (u),
 *   `queued-deliveries`, `max-queued-deliveries`, `stored-bytes`,
 *   `queue-bytes`, `spool-bytes`, `max-stored-bytes`, `sends-available`
 *   (t) and `max-sends-per-minute` (u)
 * @error: return location for a #GError
 *
 * Creates a quota report from its D-Bus form. Missing counts read as 0;
 * unknown keys are ignored but kept in herald_quota_to_variant().
 *
 * Returns: (transfer full): a new #HeraldQuota, or %NULL if @quota lacks
 *   `uid`
 */
HeraldQuota *
herald_quota_new_from_variant (GVariant  *quota,
                               GError   **error)
{
  g_autoptr(HeraldQuota) self = NULL;

  g_return_val_if_fail (quota != NULL, NULL);
  g_return_val_if_fail (g_variant_is_of_type (quota, G_VARIANT_TYPE_VARDICT), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (HERALD_TYPE_QUOTA, NULL);
  self->dict = g_variant_ref_sink (quota);
  if (!g_variant_lookup (quota, "uid", "u", &self->uid)) {
    g_set_error_literal (error, HERALD_ERROR, HERALD_ERROR_FAILED,
                         _("The gateway sent a quota without a user"));
    return NULL;
  }
  g_variant_lookup (quota, "queued-deliveries", "t", &self->queued_deliveries);
  g_variant_lookup (quota, "max-queued-deliveries", "t", &self->max_queued_deliveries);
  g_variant_lookup (quota, "stored-bytes", "t", &self->stored_bytes);
  g_variant_lookup (quota, "queue-bytes", "t", &self->queue_bytes);
  g_variant_lookup (quota, "spool-bytes", "t", &self->spool_bytes);
  g_variant_lookup (quota, "max-stored-bytes", "t", &self->max_stored_bytes);
  g_variant_lookup (quota, "sends-available", "t", &self->sends_available);
  g_variant_lookup (quota, "max-sends-per-minute", "u", &self->max_sends_per_minute);
  return g_steal_pointer (&self);
}

/**
 * herald_quota_get_uid:
 * @self: a #HeraldQuota
 *
 * Gets the user the report is about.
 *
 * Returns: the user id
 */
guint
herald_quota_get_uid (HeraldQuota *self)
{
  g_return_val_if_fail (HERALD_IS_QUOTA (self), 0);
  return self->uid;
}

/**
 * herald_quota_get_queued_deliveries:
 * @self: a #HeraldQuota
 *
 * Gets how many of the user's deliveries are not final yet (queued,
 * sending, deferred or submitted), `Send` calls on their way included.
 *
 * Returns: the number of waiting deliveries
 */
guint64
herald_quota_get_queued_deliveries (HeraldQuota *self)
{
  g_return_val_if_fail (HERALD_IS_QUOTA (self), 0);
  return self->queued_deliveries;
}

/**
 * herald_quota_get_max_queued_deliveries:
 * @self: a #HeraldQuota
 *
 * Gets the limit on waiting deliveries (`max-queued-deliveries`).
 *
 * Returns: the limit, or 0 for none
 */
guint64
herald_quota_get_max_queued_deliveries (HeraldQuota *self)
{
  g_return_val_if_fail (HERALD_IS_QUOTA (self), 0);
  return self->max_queued_deliveries;
}

/**
 * herald_quota_get_stored_bytes:
 * @self: a #HeraldQuota
 *
 * Gets the bytes the user holds: herald_quota_get_queue_bytes() plus
 * herald_quota_get_spool_bytes().
 *
 * Returns: the bytes held
 */
guint64
herald_quota_get_stored_bytes (HeraldQuota *self)
{
  g_return_val_if_fail (HERALD_IS_QUOTA (self), 0);
  return self->stored_bytes;
}

/**
 * herald_quota_get_queue_bytes:
 * @self: a #HeraldQuota
 *
 * Gets the bytes of the user's messages in the queue: those waiting, and
 * final ones until the delivery log is pruned.
 *
 * Returns: the bytes in the queue
 */
guint64
herald_quota_get_queue_bytes (HeraldQuota *self)
{
  g_return_val_if_fail (HERALD_IS_QUOTA (self), 0);
  return self->queue_bytes;
}

/**
 * herald_quota_get_spool_bytes:
 * @self: a #HeraldQuota
 *
 * Gets the bytes of the user's attachments kept for download links until
 * the links expire.
 *
 * Returns: the bytes in the attachment spool
 */
guint64
herald_quota_get_spool_bytes (HeraldQuota *self)
{
  g_return_val_if_fail (HERALD_IS_QUOTA (self), 0);
  return self->spool_bytes;
}

/**
 * herald_quota_get_max_stored_bytes:
 * @self: a #HeraldQuota
 *
 * Gets the limit on the bytes held (`max-stored-mib`, in bytes).
 *
 * Returns: the limit, or 0 for none
 */
guint64
herald_quota_get_max_stored_bytes (HeraldQuota *self)
{
  g_return_val_if_fail (HERALD_IS_QUOTA (self), 0);
  return self->max_stored_bytes;
}

/**
 * herald_quota_get_sends_available:
 * @self: a #HeraldQuota
 *
 * Gets how many `Send` calls the user may make now; the allowance refills
 * at herald_quota_get_max_sends_per_minute() a minute.
 *
 * Returns: the calls available, %G_MAXUINT64 without a limit
 */
guint64
herald_quota_get_sends_available (HeraldQuota *self)
{
  g_return_val_if_fail (HERALD_IS_QUOTA (self), 0);
  return self->sends_available;
}

/**
 * herald_quota_get_max_sends_per_minute:
 * @self: a #HeraldQuota
 *
 * Gets the limit on `Send` calls a minute (`max-sends-per-minute`).
 *
 * Returns: the limit, or 0 for none
 */
guint
herald_quota_get_max_sends_per_minute (HeraldQuota *self)
{
  g_return_val_if_fail (HERALD_IS_QUOTA (self), 0);
  return self->max_sends_per_minute;
}

/**
 * herald_quota_to_variant:
 * @self: a #HeraldQuota
 *
 * Gets the dictionary the report was made from.
 *
 * Returns: (transfer full): an `a{sv}` dictionary
 */
GVariant *
herald_quota_to_variant (HeraldQuota *self)
{
  g_return_val_if_fail (HERALD_IS_QUOTA (self), NULL);
  return g_variant_ref (self->dict);
}

/* ---- HeraldClient ---- */

#define QUOTA_TYPE G_VARIANT_TYPE ("(a{sv})")

static GVariant *
quota_options (gint64 uid)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  if (uid >= 0)
    g_variant_dict_insert (&dict, "uid", "u", (guint32) uid);
  return g_variant_new ("(@a{sv})", g_variant_dict_end (&dict));
}

static gpointer
parse_quota (GVariant  *dict,
             GError   **error)
{
  return herald_quota_new_from_variant (dict, error);
}

/**
 * herald_client_get_quota:
 * @self: a #HeraldClient
 * @uid: the user whose quota to get, or -1 for the caller's own (another
 *   user's needs the `org.herald.gateway.read-log` authorisation)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Gets a user's usage against its per-caller quotas. Finish with
 * herald_client_get_quota_finish().
 */
void
herald_client_get_quota (HeraldClient        *self,
                         gint64               uid,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (HERALD_IS_CLIENT (self));
  g_return_if_fail (uid <= G_MAXUINT32);

  herald_client_call (self, "GetQuota", quota_options (uid), QUOTA_TYPE, NULL,
                      herald_client_task_new (self, herald_client_get_quota,
                                              cancellable, callback, user_data));
}

/**
 * herald_client_get_quota_finish:
 * @self: a #HeraldClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes an operation started with herald_client_get_quota().
 *
 * Returns: (transfer full): the report, or %NULL with
 *   %HERALD_ERROR_NOT_AUTHORIZED or another error
 */
HeraldQuota *
herald_client_get_quota_finish (HeraldClient  *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);

  reply = herald_client_call_finish (self, result, herald_client_get_quota, error);
  if (reply == NULL)
    return NULL;
  return herald_client_parse_object (reply, parse_quota, error);
}

/**
 * herald_client_get_quota_sync:
 * @self: a #HeraldClient
 * @uid: the user whose quota to get, or -1 for the caller's own
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Gets a user's usage against its per-caller quotas, blocking.
 *
 * Returns: (transfer full): the report, or %NULL on error
 */
HeraldQuota *
herald_client_get_quota_sync (HeraldClient  *self,
                              gint64         uid,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (HERALD_IS_CLIENT (self), NULL);
  g_return_val_if_fail (uid <= G_MAXUINT32, NULL);

  reply = herald_client_call_sync (self, "GetQuota", quota_options (uid), QUOTA_TYPE, NULL,
                                   cancellable, error);
  if (reply == NULL)
    return NULL;
  return herald_client_parse_object (reply, parse_quota, error);
}
