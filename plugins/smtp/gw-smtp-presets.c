/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-smtp-presets.c: what provider=microsoft365|outlook-com|gmail fills in
 * on an smtp or smtps profile
 *
 * The servers and scopes the providers document for SMTP with OAuth 2.0
 * (XOAUTH2), and their published sending limits as defaults: Exchange
 * Online 30 messages a minute and 10,000 recipients a day per mailbox,
 * Gmail 500 recipients a day for a personal account (a Workspace account
 * may send 2,000: set max-recipients-per-day). The OAuth 2.0 endpoints
 * are the SDK's presets (gw_oauth2_install_settings()). Every value is a
 * default: a key the profile sets wins.
 */
#define G_LOG_DOMAIN "gw-smtp"

#include "config.h"

#include "gw-smtp-transport.h"

typedef struct {
  const char *conditions;
  const char *key;
  const char *value;
} Preset;

#define M365 "provider=microsoft365"
#define OUTLOOK "provider=outlook-com"
#define GMAIL "provider=gmail"

/* Both transports: what the provider's SMTP service is, whatever the port. */
static const Preset common[] = {
  { M365,    "auth",                   "xoauth2" },
  { M365,    "oauth2-scope",           "https://outlook.office365.com/SMTP.Send offline_access" },
  /* app-only (SMTP.SendAsApp): the resource's .default scope */
  { M365 ",oauth2-grant=client-credentials", "oauth2-scope", "https://outlook.office365.com/.default" },
  { M365,    "rate-limit",             "30" },
  { M365,    "max-recipients-per-day", "10000" },
  { OUTLOOK, "auth",                   "xoauth2" },
  { OUTLOOK, "oauth2-scope",           "https://outlook.office.com/SMTP.Send offline_access" },
  { GMAIL,   "auth",                   "xoauth2" },
  { GMAIL,   "oauth2-scope",           "https://mail.google.com/" },
  { GMAIL,   "max-recipients-per-day", "500" },
};

/* STARTTLS on the submission port: all three providers. */
static const Preset starttls[] = {
  { M365,    "host",     "smtp.office365.com" },
  { M365,    "port",     "587" },
  { M365,    "security", "starttls" },
  { OUTLOOK, "host",     "smtp-mail.outlook.com" },
  { OUTLOOK, "port",     "587" },
  { OUTLOOK, "security", "starttls" },
  { GMAIL,   "host",     "smtp.gmail.com" },
  { GMAIL,   "port",     "587" },
  { GMAIL,   "security", "starttls" },
};

/* Implicit TLS on port 465: Gmail only (Microsoft offers no port 465). */
static const Preset implicit_tls[] = {
  { GMAIL,   "host",     "smtp.gmail.com" },
  { GMAIL,   "port",     "465" },
};

static void
add_all (GwTransportClass *klass, const Preset *presets, guint n)
{
  for (guint i = 0; i < n; i++)
    gw_transport_class_add_preset (klass, presets[i].conditions, presets[i].key, presets[i].value);
}

void
gw_smtp_transport_add_presets (GwTransportClass *klass,
                               gboolean          implicit)
{
  add_all (klass, common, G_N_ELEMENTS (common));
  if (implicit)
    add_all (klass, implicit_tls, G_N_ELEMENTS (implicit_tls));
  else
    add_all (klass, starttls, G_N_ELEMENTS (starttls));
}
