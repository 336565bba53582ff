/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-delivery-summary.c: one line for people on what became of a delivery
 *
 * "sent to 1 of 2; refused: bad@example.org 550 5.1.1 ..." — the line
 * herald_delivery_get_summary() returns, which heraldctl prints after
 * send --wait. It is built from the recipients' own results where the
 * gateway sent them, from the delivery's reason and last reply otherwise.
 */
#define G_LOG_DOMAIN "herald-delivery"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-private.h"
#include "herald-recipient.h"

static gboolean
is_set (const char *text)
{
  return text != NULL && *text != '\0';
}

/* "a@example.org 550 ...; b@example.org 550 ..." for the recipients in
 * @state; NULL when there are none. */
static char *
list_recipients (GPtrArray  *recipients,
                 const char *state)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < recipients->len; i++) {
    HeraldRecipient *recipient = g_ptr_array_index (recipients, i);
    const char *reply = herald_recipient_get_reply (recipient);

    if (g_strcmp0 (herald_recipient_get_state (recipient), state) != 0)
      continue;
    if (text->len > 0)
      g_string_append (text, "; ");
    g_string_append (text, herald_recipient_get_address (recipient));
    if (is_set (reply))
      g_string_append_printf (text, " %s", reply);
  }
  if (text->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static guint
count_recipients (GPtrArray  *recipients,
                  const char *state)
{
  guint n = 0;

  for (guint i = 0; i < recipients->len; i++) {
    HeraldRecipient *recipient = g_ptr_array_index (recipients, i);

    if (g_strcmp0 (herald_recipient_get_state (recipient), state) == 0)
      n++;
  }
  return n;
}

/* The daemon's reason words, said for people. */
static const char *
explain_reason (const char *reason)
{
  if (g_strcmp0 (reason, "expired") == 0)
    return _("expired: no attempt succeeded before the profile’s expire-after ran out");
  if (g_strcmp0 (reason, "rejected") == 0)
    return _("refused by the server");
  if (g_strcmp0 (reason, "corrupt") == 0)
    return _("its entry in the queue was damaged and was set aside");
  if (g_strcmp0 (reason, "cancelled") == 0)
    return _("cancelled");
  return reason;
}

/* "sent to N of M" */
static void
append_sent_count (GString   *line,
                   GPtrArray *recipients)
{
  guint total = recipients->len;

  g_string_append_printf (line, g_dngettext (GETTEXT_PACKAGE, "sent to %u of %u", "sent to %u of %u", total),
                          count_recipients (recipients, "sent"), total);
}

static void
append_part (GString    *line,
             const char *part)
{
  if (line->len > 0)
    g_string_append (line, "; ");
  g_string_append (line, part);
}

/* The refused recipients with their replies, or the delivery's reason and
 * last reply when the gateway sent no recipients. */
static void
append_refusals (GString    *line,
                 const char *reason,
                 const char *reply,
                 GPtrArray  *recipients)
{
  g_autofree char *refused = list_recipients (recipients, "failed");

  if (refused != NULL && g_strcmp0 (reason, "expired") != 0) {
    /* TRANSLATORS: %s lists recipients, each with the server's reply */
    g_autofree char *part = g_strdup_printf (_("refused: %s"), refused);
    append_part (line, part);
    return;
  }
  if (is_set (reason))
    append_part (line, explain_reason (reason));
  if (refused != NULL) {
    /* TRANSLATORS: %s lists recipients, each with the last reply */
    g_autofree char *part = g_strdup_printf (_("not delivered: %s"), refused);
    append_part (line, part);
  } else if (is_set (reply)) {
    /* TRANSLATORS: %s is a server's reply or an error message */
    g_autofree char *part = g_strdup_printf (_("last reply: %s"), reply);
    append_part (line, part);
  }
}

/*
 * herald_delivery_summarize:
 *
 * One line for people on what became of a delivery: "sent to 2 of 2",
 * "sent to 1 of 2; refused: bad@example.org 550 5.1.1 ...", "expired: ...;
 * last reply: ...". Returns (transfer full) NULL for a delivery that is
 * not final.
 */
char *
herald_delivery_summarize (HeraldDeliveryState  state,
                           const char          *reason,
                           const char          *reply,
                           GPtrArray           *recipients)
{
  g_autoptr(GString) line = g_string_new (NULL);

  switch (state) {
  case HERALD_DELIVERY_STATE_SENT:
    if (recipients->len > 0)
      append_sent_count (line, recipients);
    else
      g_string_append (line, _("sent"));
    break;
  case HERALD_DELIVERY_STATE_PARTIAL:
    if (recipients->len > 0)
      append_sent_count (line, recipients);
    else
      g_string_append (line, _("sent to some recipients"));
    append_refusals (line, reason, reply, recipients);
    break;
  case HERALD_DELIVERY_STATE_FAILED:
    if (recipients->len > 1)
      append_sent_count (line, recipients);
    append_refusals (line, reason, reply, recipients);
    if (line->len == 0)
      g_string_append (line, _("failed"));
    break;
  case HERALD_DELIVERY_STATE_CANCELLED:
    g_string_append (line, _("cancelled"));
    break;
  case HERALD_DELIVERY_STATE_QUEUED:
  case HERALD_DELIVERY_STATE_SENDING:
  case HERALD_DELIVERY_STATE_DEFERRED:
  case HERALD_DELIVERY_STATE_SUBMITTED:
  default:
    return NULL;
  }
  return g_string_free (g_steal_pointer (&line), FALSE);
}
