/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hs-queue.c: -bp (mailq): the deliveries still waiting, as heraldd shows
 * them to the caller: its own (all of them for an administrator who holds
 * read-log, as mailq shows root the whole queue) */
#define G_LOG_DOMAIN "herald-sendmail"

#include "config.h"

#include <stdio.h>
#include <sysexits.h>

#include <glib/gi18n.h>

#include "herald.h"
#include "hs-queue.h"
#include "hs-submit.h"

static const HeraldDeliveryState waiting[] = {
  HERALD_DELIVERY_STATE_QUEUED, HERALD_DELIVERY_STATE_SENDING,
  HERALD_DELIVERY_STATE_DEFERRED, HERALD_DELIVERY_STATE_SUBMITTED,
};

static const char *
state_name (HeraldDeliveryState state)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (HERALD_TYPE_DELIVERY_STATE);
  GEnumValue *value = g_enum_get_value (klass, (int) state);

  return value != NULL ? value->value_nick : "?";
}

static void
print_delivery (HeraldDelivery *delivery)
{
  GDateTime *created = herald_delivery_get_created (delivery);
  GDateTime *next = herald_delivery_get_next_attempt (delivery);
  GPtrArray *recipients = herald_delivery_get_recipients (delivery);
  g_autofree char *when = created != NULL ? g_date_time_format (created, "%a %b %e %H:%M:%S") : g_strdup ("");
  const char *reply = herald_delivery_get_reply (delivery);

  printf ("%-36s %-9s %s  %s\n", herald_delivery_get_id (delivery),
          state_name (herald_delivery_get_state (delivery)), when,
          herald_delivery_get_subject (delivery) != NULL ? herald_delivery_get_subject (delivery) : "");
  if (reply != NULL && *reply != '\0')
    printf ("%37s(%s)\n", "", reply);
  if (next != NULL) {
    g_autofree char *at = g_date_time_format (next, "%a %b %e %H:%M:%S");
    printf ("%37s%s %s\n", "", _("next attempt"), at);
  }
  for (guint i = 0; recipients != NULL && i < recipients->len; i++) {
    HeraldRecipient *recipient = g_ptr_array_index (recipients, i);

    printf ("%37s%s (%s)\n", "", herald_recipient_get_address (recipient),
            herald_recipient_get_state (recipient));
  }
}

int
hs_list_queue (HsOptions *options)
{
  g_autoptr(HeraldClient) client = NULL;
  g_autoptr(GError) error = NULL;
  guint total = 0;

  client = herald_client_new_sync (hs_bus_type (), NULL, &error);
  for (guint s = 0; client != NULL && s < G_N_ELEMENTS (waiting); s++) {
    g_autoptr(HeraldDeliveryFilter) filter = herald_delivery_filter_new ();
    g_autoptr(GPtrArray) deliveries = NULL;

    herald_delivery_filter_set_state (filter, waiting[s]);
    herald_delivery_filter_set_limit (filter, 10000);
    deliveries = herald_client_list_deliveries_sync (client, filter, NULL, &error);
    if (deliveries == NULL)
      break;
    for (guint i = 0; i < deliveries->len; i++) {
      if (total++ == 0)
        printf ("%-36s %-9s %-19s  %s\n", _("-Delivery ID-"), _("-State-"), _("-Arrival Time-"),
                _("-Subject / Recipients-"));
      print_delivery (g_ptr_array_index (deliveries, i));
    }
  }
  if (error != NULL) {
    fprintf (stderr, _("herald-sendmail: the queue cannot be listed: %s\n"), error->message);
    return hs_error_is_unreachable (error) ? EX_UNAVAILABLE : hs_exit_status_for_error (error);
  }
  if (total == 0)
    printf ("%s\n", _("Mail queue is empty"));
  else
    printf (g_dngettext (GETTEXT_PACKAGE, "-- %u delivery waiting\n", "-- %u deliveries waiting\n", total),
            total);
  return EX_OK;
}
