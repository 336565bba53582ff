/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-smtp-reply-advice.c: what the replies administrators actually hit mean
 *
 * Microsoft 365 and Gmail answer a client they will not serve with a few
 * well-known replies (basic authentication turned off, an app password
 * required, Send As not granted). Their own text rarely says what to do;
 * this table does. The server's text always comes first and is never
 * changed: the advice is added after it, translated.
 */
#define G_LOG_DOMAIN "gw-smtp-reply"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "gw-smtp-reply.h"

typedef struct {
  guint       code;          /* the reply code, 0: any */
  const char *enhanced;      /* the enhanced status code, or NULL */
  const char *keyword;       /* or a word of the text (case-insensitive), or NULL */
  const char *meaning;
  const char *todo_password; /* when the profile authenticates with a password */
  const char *todo_oauth;    /* when it uses OAuth 2.0 (XOAUTH2, OAUTHBEARER) */
  gboolean    sign_in;       /* the fix ends with signing in again */
} Advice;

static const Advice advice_table[] = {
  { 535, "5.7.139", NULL,
    N_("Microsoft 365 turned basic authentication (user name and password) off for this "
       "tenant or account, by security defaults or an authentication policy."),
    N_("Sign the profile in with OAuth 2.0 instead of the password (auth=xoauth2)."),
    N_("The account may not sign in (security defaults, Conditional Access or a disabled "
       "account): ask the tenant's administrator, then sign the profile in again."),
    TRUE },
  { 0, "5.7.30", NULL,
    N_("Microsoft 365 does not accept basic authentication (user name and password) for "
       "client submission (SMTP AUTH)."),
    N_("Sign the profile in with OAuth 2.0 instead of the password (auth=xoauth2)."),
    N_("Check that the profile's auth is xoauth2, then sign it in again."),
    TRUE },
  { 535, "5.7.3", NULL,
    N_("Microsoft 365 did not accept the credentials: they are wrong, or authenticated SMTP "
       "(SMTP AUTH) is turned off for this mailbox or the tenant."),
    N_("Check the user name and password, turn Authenticated SMTP on for the mailbox "
       "(Microsoft 365 admin center, the user's mail settings), or sign the profile in with "
       "OAuth 2.0 (auth=xoauth2)."),
    N_("The access token was refused: the app registration needs SMTP.Send (delegated) or "
       "SMTP.SendAsApp (application, with the Exchange service principal), the user name must "
       "be the mailbox the token is for, and Authenticated SMTP must be on for that mailbox. "
       "Then sign the profile in again."),
    TRUE },
  { 0, "5.7.60", NULL,
    N_("The signed-in account may not send as this sender (SendAsDenied)."),
    N_("Grant the account Send As permission on the sender's mailbox (Exchange admin center, "
       "mailbox delegation), or set the profile's from-address to the account's own address."),
    NULL,
    FALSE },
  { 0, NULL, "SendAsDenied",
    N_("The signed-in account may not send as this sender (SendAsDenied)."),
    N_("Grant the account Send As permission on the sender's mailbox (Exchange admin center, "
       "mailbox delegation), or set the profile's from-address to the account's own address."),
    NULL,
    FALSE },
  { 534, "5.7.9", NULL,
    N_("Gmail wants an app password: the Google account uses 2-Step Verification, and its "
       "normal password is not accepted over SMTP."),
    N_("Create an app password (Google Account, Security, App passwords) and store it as the "
       "profile's password, or sign the profile in with OAuth 2.0 (auth=xoauth2)."),
    N_("Sign the profile in again."),
    TRUE },
};

/* The enhanced code of the reply: parsed when the server offered
 * ENHANCEDSTATUSCODES, else read from the start of the text (Microsoft 365
 * and Gmail always put it there). */
static gboolean
has_enhanced_code (const GwSmtpReply *reply,
                   const char        *wanted)
{
  const char *first = reply->lines[0];
  gsize len = strlen (wanted);

  if (reply->enhanced_code != NULL)
    return g_str_equal (reply->enhanced_code, wanted);
  while (*first == ' ')
    first++;
  return strncmp (first, wanted, len) == 0 && (first[len] == ' ' || first[len] == '\0');
}

static gboolean
mentions (const GwSmtpReply *reply,
          const char        *keyword)
{
  g_autofree char *text = gw_smtp_reply_dup_text (reply);
  g_autofree char *folded_text = g_ascii_strdown (text, -1);
  g_autofree char *folded_keyword = g_ascii_strdown (keyword, -1);

  return strstr (folded_text, folded_keyword) != NULL;
}

static const Advice *
lookup_advice (const GwSmtpReply *reply)
{
  for (gsize i = 0; i < G_N_ELEMENTS (advice_table); i++) {
    const Advice *advice = &advice_table[i];

    if (advice->code != 0 && advice->code != reply->code)
      continue;
    if (advice->enhanced != NULL && !has_enhanced_code (reply, advice->enhanced))
      continue;
    if (advice->keyword != NULL && !mentions (reply, advice->keyword))
      continue;
    return advice;
  }
  return NULL;
}

/**
 * gw_smtp_reply_explain:
 * @reply: a reply
 * @profile_name: (nullable): the profile that got it, for the command that
 *   fixes it
 * @oauth: whether the profile authenticated with OAuth 2.0 (XOAUTH2,
 *   OAUTHBEARER) rather than a password
 *
 * What a well-known provider reply means and what to do about it, for
 * the replies of Microsoft 365 and Gmail that a changed account or tenant
 * policy brings: `535 5.7.139`, `550 5.7.30`, `535 5.7.3`, `5.7.60`
 * (SendAsDenied) and `534 5.7.9`.
 *
 * Returns: (transfer full) (nullable): the advice, translated, or %NULL
 *   for any other reply
 */
char *
gw_smtp_reply_explain (const GwSmtpReply *reply,
                       const char        *profile_name,
                       gboolean           oauth)
{
  const Advice *advice;
  const char *todo;
  g_autofree char *sign_in = NULL;

  g_return_val_if_fail (reply != NULL, NULL);

  /* (every accepted recipient's reply passes here: no work for those) */
  if (reply->code < 400)
    return NULL;
  advice = lookup_advice (reply);
  if (advice == NULL)
    return NULL;
  todo = oauth && advice->todo_oauth != NULL ? advice->todo_oauth : advice->todo_password;
  if (advice->sign_in && profile_name != NULL)
    sign_in = g_strdup_printf (_("To sign in: heraldctl profile sign-in %s"), profile_name);
  if (sign_in != NULL)
    return g_strdup_printf (_("Meaning: %s What to do: %s %s"), _(advice->meaning), _(todo), sign_in);
  return g_strdup_printf (_("Meaning: %s What to do: %s"), _(advice->meaning), _(todo));
}

/**
 * gw_smtp_reply_describe:
 * @reply: a reply
 * @profile_name: (nullable): the profile that got it
 * @oauth: whether the profile authenticated with OAuth 2.0
 *
 * The reply as gw_smtp_reply_to_string() gives it, followed by
 * gw_smtp_reply_explain()'s advice when there is some: for delivery
 * reasons and TestProfile, where the server's own words come first.
 *
 * Returns: (transfer full): "535 5.7.139 … — Meaning: … What to do: …"
 */
char *
gw_smtp_reply_describe (const GwSmtpReply *reply,
                        const char        *profile_name,
                        gboolean           oauth)
{
  g_autofree char *text = NULL;
  g_autofree char *advice = NULL;

  g_return_val_if_fail (reply != NULL, NULL);

  text = gw_smtp_reply_to_string (reply);
  advice = gw_smtp_reply_explain (reply, profile_name, oauth);
  if (advice == NULL)
    return g_steal_pointer (&text);
  /* TRANSLATORS: the server's reply, then what it means and what to do */
  return g_strdup_printf (_("%s — %s"), text, advice);
}
