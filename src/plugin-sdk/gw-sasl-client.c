/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-sasl-client.c: one SASL client exchange (libgsasl, plus XOAUTH2/OAUTHBEARER)
 *
 * PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-1, SCRAM-SHA-256 and NTLM run through
 * GNU SASL, with one Gsasl context shared by the process and a callback that
 * hands each session its own credentials. XOAUTH2 and OAUTHBEARER are built
 * here: libgsasl 2.2 implements neither, and each is one formatted initial
 * response plus an error-acknowledgement step, not worth a plugin mechanism.
 *
 * EXTERNAL (RFC 4422 appendix A) runs through GNU SASL too: the
 * credential is the TLS client certificate, and the only thing sent is the
 * optional authorisation identity (the profile's user name).
 *
 * Everything that holds a credential (the secret, encoded responses, and the
 * copies libgsasl keeps as session properties) is wiped before it is freed.
 */
#define G_LOG_DOMAIN "gw-sasl-client"

#include "config.h"

#include <string.h>

#include <gnutls/gnutls.h>
#include <gsasl.h>
#include <glib/gi18n-lib.h>

#include "gw-sasl-client.h"
#include "gw-secret.h"
#include "gw-transport.h"

/* Longest server text we quote in a message or a debug line. */
#define MAX_SHOWN 256

typedef enum {
  OAUTH_NONE,      /* a libgsasl mechanism */
  OAUTH_XOAUTH2,
  OAUTH_BEARER,
} OAuthKind;

typedef struct {
  const char *config;    /* profile "auth" value */
  const char *name;      /* SASL mechanism name */
  gboolean    in_auto;   /* candidate for auth=auto */
  gboolean    initial;   /* client speaks first: initial response with AUTH */
  OAuthKind   oauth;     /* built here rather than by libgsasl */
} MechInfo;

/* Strongest first: the order auth=auto tries. */
static const MechInfo mechanisms[] = {
  { "scram-sha-256", "SCRAM-SHA-256", TRUE,  TRUE,  OAUTH_NONE },
  { "scram-sha-1",   "SCRAM-SHA-1",   TRUE,  TRUE,  OAUTH_NONE },
  { "cram-md5",      "CRAM-MD5",      TRUE,  FALSE, OAUTH_NONE },
  { "ntlm",          "NTLM",          TRUE,  FALSE, OAUTH_NONE },
  { "plain",         "PLAIN",         TRUE,  TRUE,  OAUTH_NONE },
  { "login",         "LOGIN",         TRUE,  FALSE, OAUTH_NONE },
  { "xoauth2",       "XOAUTH2",       FALSE, TRUE,  OAUTH_XOAUTH2 },
  { "oauthbearer",   "OAUTHBEARER",   FALSE, TRUE,  OAUTH_BEARER },
  { "external",      "EXTERNAL",      FALSE, TRUE,  OAUTH_NONE },
};

static gboolean
is_external (const MechInfo *mech)
{
  return g_str_equal (mech->name, "EXTERNAL");
}

struct _GwSaslClient {
  GObject         parent_instance;

  const MechInfo *mech;
  Gsasl_session  *session;  /* NULL for the OAuth mechanisms */
  char           *username;
  char           *secret;   /* wiped on finalize */
  char           *service;
  char           *hostname;
  guint16         port;
  guint           steps;    /* steps taken so far */
  gboolean        complete;
  gboolean        failed;
};

G_DEFINE_TYPE (GwSaslClient, gw_sasl_client, G_TYPE_OBJECT)

static const MechInfo *
lookup_mechanism (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (mechanisms); i++) {
    if (g_ascii_strcasecmp (name, mechanisms[i].config) == 0)
      return &mechanisms[i];
  }
  return NULL;
}

/* ---- the process-wide Gsasl context ---- */

static int
property_callback (Gsasl *ctx, Gsasl_session *sctx, Gsasl_property prop)
{
  GwSaslClient *self = gsasl_session_hook_get (sctx);
  const char *value = NULL;

  if (self == NULL)
    return GSASL_NO_CALLBACK;

  /* An if chain: Gsasl_property has dozens of values we leave unset. */
  if (prop == GSASL_AUTHID)
    value = self->username;
  else if (prop == GSASL_AUTHZID && is_external (self->mech))
    value = self->username;
  else if (prop == GSASL_PASSWORD)
    value = self->secret;
  else if (prop == GSASL_SERVICE)
    value = self->service;
  else if (prop == GSASL_HOSTNAME)
    value = self->hostname;
  if (value == NULL)
    return GSASL_NO_CALLBACK;
  return gsasl_property_set (sctx, prop, value);
}

static Gsasl *
get_gsasl_context (GError **error)
{
  static gsize initialized = 0;
  static Gsasl *context = NULL;
  static int init_rc = GSASL_OK;

  if (g_once_init_enter (&initialized)) {
    init_rc = gsasl_init (&context);
    if (init_rc == GSASL_OK)
      gsasl_callback_set (context, property_callback);
    else
      context = NULL;
    g_once_init_leave (&initialized, 1);
  }
  if (context == NULL)
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("Cannot initialise GNU SASL: %s"), gsasl_strerror (init_rc));
  return context;
}

static gboolean
mechanism_supported (const MechInfo *mech)
{
  Gsasl *context;

  if (mech->oauth != OAUTH_NONE)
    return TRUE;
  context = get_gsasl_context (NULL);
  return context != NULL && gsasl_client_support_p (context, mech->name);
}

/* ---- choosing a mechanism ---- */

static gboolean
is_offered (const char * const *offered, const char *name)
{
  for (gsize i = 0; offered != NULL && offered[i] != NULL; i++) {
    if (g_ascii_strcasecmp (offered[i], name) == 0)
      return TRUE;
  }
  return FALSE;
}

/* The server's list for a message: mechanism names are short tokens, so
 * anything else is shown as "?" and the whole is bounded. */
static char *
describe_offered (const char * const *offered)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (gsize i = 0; offered != NULL && offered[i] != NULL; i++) {
    if (*offered[i] == '\0')
      continue;
    if (text->len > MAX_SHOWN) {
      g_string_append (text, " …");
      break;
    }
    if (text->len > 0)
      g_string_append_c (text, ' ');
    for (const char *p = offered[i]; *p != '\0' && p - offered[i] < 32; p++)
      g_string_append_c (text, g_ascii_isalnum (*p) || *p == '-' || *p == '_' ? g_ascii_toupper (*p) : '?');
  }
  if (text->len == 0)
    return g_strdup (_("nothing"));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
choose_auto (const char * const *offered,
             GError             **error)
{
  g_autofree char *shown = describe_offered (offered);

  for (gsize i = 0; i < G_N_ELEMENTS (mechanisms); i++) {
    const MechInfo *mech = &mechanisms[i];

    if (mech->in_auto && is_offered (offered, mech->name) && mechanism_supported (mech))
      return g_strdup (mech->name);
  }
  g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
               _("The server offers no supported authentication mechanism (it offers: %s)"),
               shown);
  return NULL;
}

char *
gw_sasl_choose_mechanism (const char          *configured,
                          const char * const  *offered,
                          gboolean             tls_active,
                          gboolean             plaintext_chosen,
                          GError             **error)
{
  g_autofree char *shown = NULL;
  const MechInfo *mech;
  gboolean is_auto;

  g_return_val_if_fail (configured != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* A man in the middle who strips TLS picks the mechanism: a challenge
   * mechanism's answer is cracked offline as surely as PLAIN is read. So
   * nothing runs without TLS, unless the administrator chose both
   * plaintext and the mechanism. */
  is_auto = g_ascii_strcasecmp (configured, "auto") == 0;
  /* EXTERNAL without TLS would name no certificate: whatever else the
   * server might take as the external identity is not ours to rely on. */
  if (!tls_active && g_ascii_strcasecmp (configured, "external") == 0) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TLS_REQUIRED,
                 _("auth=external runs only over TLS, with the profile's client certificate"));
    return NULL;
  }
  if (!tls_active && (is_auto || !plaintext_chosen)) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TLS_REQUIRED,
                 is_auto && plaintext_chosen
                 ? _("auth=auto never authenticates without TLS; with security=none, "
                     "“auth” must name the mechanism to use in plaintext")
                 : _("No authentication mechanism runs without TLS unless the profile says "
                     "security=none and names the mechanism in “auth”"));
    return NULL;
  }
  if (is_auto)
    return choose_auto (offered, error);

  mech = lookup_mechanism (configured);
  if (mech == NULL) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("Unknown authentication mechanism “%s”"), configured);
    return NULL;
  }
  if (!mechanism_supported (mech)) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("The authentication mechanism %s is not supported by this build of "
                   "GNU SASL (NTLM needs libgsasl built with libntlm)"), mech->name);
    return NULL;
  }
  if (!is_offered (offered, mech->name)) {
    shown = describe_offered (offered);
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("The server does not offer the authentication mechanism %s "
                   "(it offers: %s)"), mech->name, shown);
    return NULL;
  }
  return g_strdup (mech->name);
}

/* ---- the client ---- */

static gboolean
has_control_chars (const char *text)
{
  for (const char *p = text; *p != '\0'; p++) {
    if ((guchar) *p < 0x20 || *p == 0x7f)
      return TRUE;
  }
  return FALSE;
}

GwSaslClient *
gw_sasl_client_new (const char  *mechanism,
                    const char  *username,
                    const char  *secret,
                    const char  *service,
                    const char  *hostname,
                    GError     **error)
{
  g_autoptr(GwSaslClient) self = NULL;
  const MechInfo *mech;
  Gsasl *context;
  int rc;

  g_return_val_if_fail (mechanism != NULL, NULL);
  g_return_val_if_fail (service != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  mech = lookup_mechanism (mechanism);
  if (mech == NULL || !mechanism_supported (mech)) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("The authentication mechanism “%s” is not supported"), mechanism);
    return NULL;
  }
  /* EXTERNAL: the user name is an optional authorisation identity, and
   * the credential is the TLS client certificate. */
  if (is_external (mech) && username != NULL && has_control_chars (username)) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("Authentication with %s needs a user name without control characters"),
                 mech->name);
    return NULL;
  }
  if (!is_external (mech) && (username == NULL || *username == '\0' || has_control_chars (username))) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("Authentication with %s needs a user name without control characters"),
                 mech->name);
    return NULL;
  }
  if (!is_external (mech) && (secret == NULL || *secret == '\0' ||
      (mech->oauth != OAUTH_NONE && (has_control_chars (secret) || strchr (secret, ' ') != NULL)))) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 mech->oauth != OAUTH_NONE
                 ? _("Authentication with %s needs a valid access token")
                 : _("Authentication with %s needs a password"),
                 mech->name);
    return NULL;
  }
  if (is_external (mech) && (username == NULL || *username == '\0'))
    username = NULL;

  self = g_object_new (GW_TYPE_SASL_CLIENT, NULL);
  self->mech = mech;
  self->username = g_strdup (username);
  self->secret = g_strdup (secret);
  self->service = g_strdup (service);
  self->hostname = g_strdup (hostname);
  if (mech->oauth != OAUTH_NONE)
    return g_steal_pointer (&self);

  context = get_gsasl_context (error);
  if (context == NULL)
    return NULL;
  rc = gsasl_client_start (context, mech->name, &self->session);
  if (rc != GSASL_OK) {
    self->session = NULL;
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("Cannot start %s authentication: %s"), mech->name, gsasl_strerror (rc));
    return NULL;
  }
  gsasl_session_hook_set (self->session, self);
  return g_steal_pointer (&self);
}

void
gw_sasl_client_set_port (GwSaslClient *self,
                         guint16       port)
{
  g_return_if_fail (GW_IS_SASL_CLIENT (self));
  self->port = port;
}

const char *
gw_sasl_client_get_mechanism (GwSaslClient *self)
{
  g_return_val_if_fail (GW_IS_SASL_CLIENT (self), NULL);
  return self->mech->name;
}

gboolean
gw_sasl_client_has_initial_response (GwSaslClient *self)
{
  g_return_val_if_fail (GW_IS_SASL_CLIENT (self), FALSE);
  return self->mech->initial;
}

gboolean
gw_sasl_client_is_complete (GwSaslClient *self)
{
  g_return_val_if_fail (GW_IS_SASL_CLIENT (self), FALSE);
  return self->complete && !self->failed;
}

/* RFC 5801 saslname: "," and "=" escaped as =2C and =3D. */
static void
append_saslname (GString *out, const char *name)
{
  for (const char *p = name; *p != '\0'; p++) {
    if (*p == ',')
      g_string_append (out, "=2C");
    else if (*p == '=')
      g_string_append (out, "=3D");
    else
      g_string_append_c (out, *p);
  }
}

static char *
oauth_initial_response (GwSaslClient *self)
{
  g_autoptr(GString) raw = g_string_new (NULL);
  char *encoded;

  if (self->mech->oauth == OAUTH_XOAUTH2) {
    /* Google's and Microsoft's format: user=U ^A auth=Bearer T ^A ^A */
    g_string_append_printf (raw, "user=%s\001auth=Bearer %s\001\001", self->username, self->secret);
  } else {
    /* RFC 7628: gs2 header, then key=value pairs each ended by ^A. */
    g_string_append (raw, "n,a=");
    append_saslname (raw, self->username);
    g_string_append (raw, ",\001");
    if (self->hostname != NULL && !has_control_chars (self->hostname))
      g_string_append_printf (raw, "host=%s\001", self->hostname);
    if (self->port != 0)
      g_string_append_printf (raw, "port=%u\001", (guint) self->port);
    g_string_append_printf (raw, "auth=Bearer %s\001\001", self->secret);
  }
  encoded = g_base64_encode ((const guchar *) raw->str, raw->len);
  gnutls_memset (raw->str, 0, raw->len);
  return encoded;
}

/* A 334 after the initial response carries the server's error as JSON
 * (RFC 7628 3.2.2). It holds no secret; shown at debug level, bounded. */
static char *
oauth_step (GwSaslClient *self,
            const char   *challenge_b64,
            GError      **error)
{
  g_autofree guchar *decoded = NULL;
  gsize len = 0;

  if (challenge_b64 == NULL && self->steps == 0) {
    self->complete = TRUE;
    return oauth_initial_response (self);
  }
  if (self->failed || challenge_b64 == NULL) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                 _("The server continued the %s exchange after it had failed"), self->mech->name);
    return NULL;
  }

  decoded = g_base64_decode (challenge_b64, &len);
  if (decoded != NULL && len > 0) {
    g_autofree char *shown = g_strndup ((const char *) decoded, MIN (len, MAX_SHOWN));
    g_strcanon (shown, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                       " {}[]\":,._-/+=@", '?');
    g_debug ("%s error from the server: %s", self->mech->name, shown);
  }
  self->failed = TRUE;
  self->complete = FALSE;
  /* XOAUTH2 acknowledges with an empty response; RFC 7628 asks for a
   * single ^A. Either way the server then answers 535. */
  if (self->mech->oauth == OAUTH_XOAUTH2)
    return g_strdup ("");
  return g_base64_encode ((const guchar *) "\001", 1);
}

static char *
gsasl_one_step (GwSaslClient *self,
                const char   *challenge_b64,
                GError      **error)
{
  char *output = NULL;
  char *result;
  int rc;

  if (self->complete) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                 _("The server continued the %s exchange after it had ended"), self->mech->name);
    return NULL;
  }

  rc = gsasl_step64 (self->session, challenge_b64 != NULL ? challenge_b64 : "", &output);
  if (rc != GSASL_OK && rc != GSASL_NEEDS_MORE) {
    if (output != NULL) {
      gnutls_memset (output, 0, strlen (output));
      gsasl_free (output);
    }
    self->failed = TRUE;
    /* An authentication error here means the server could not prove that
     * it knows the password (SCRAM's server signature): as final as a 535.
     * Anything else is a malformed challenge. */
    g_set_error (error, GW_TRANSPORT_ERROR,
                 rc == GSASL_AUTHENTICATION_ERROR ? GW_TRANSPORT_ERROR_PERMANENT
                                                  : GW_TRANSPORT_ERROR_TEMPORARY,
                 _("%s authentication failed on the client side: %s"),
                 self->mech->name, gsasl_strerror (rc));
    return NULL;
  }
  if (rc == GSASL_OK)
    self->complete = TRUE;

  result = g_strdup (output != NULL ? output : "");
  if (output != NULL) {
    gnutls_memset (output, 0, strlen (output));
    gsasl_free (output);
  }
  return result;
}

char *
gw_sasl_client_step (GwSaslClient *self,
                     const char   *challenge_b64,
                     GError      **error)
{
  char *response;

  g_return_val_if_fail (GW_IS_SASL_CLIENT (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  /* Only client-first mechanisms start without a challenge. */
  g_return_val_if_fail (challenge_b64 != NULL || (self->steps == 0 && self->mech->initial), NULL);

  if (self->mech->oauth != OAUTH_NONE)
    response = oauth_step (self, challenge_b64, error);
  else
    response = gsasl_one_step (self, challenge_b64, error);
  if (response != NULL)
    self->steps++;
  return response;
}

/* libgsasl keeps its own copies of the properties we hand it, and SCRAM
 * adds derived keys that are as good as the password: wipe them before
 * gsasl_finish() frees them. */
static void
wipe_session_secrets (Gsasl_session *session)
{
  static const Gsasl_property secret_props[] = {
    GSASL_PASSWORD, GSASL_SCRAM_SALTED_PASSWORD, GSASL_SCRAM_SERVERKEY, GSASL_SCRAM_STOREDKEY,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (secret_props); i++) {
    char *value = (char *) gsasl_property_fast (session, secret_props[i]);
    if (value != NULL)
      gnutls_memset (value, 0, strlen (value));
  }
}

static void
gw_sasl_client_finalize (GObject *object)
{
  GwSaslClient *self = GW_SASL_CLIENT (object);

  if (self->session != NULL) {
    wipe_session_secrets (self->session);
    gsasl_finish (self->session);
  }
  gw_secret_free (self->secret);
  g_free (self->username);
  g_free (self->service);
  g_free (self->hostname);

  G_OBJECT_CLASS (gw_sasl_client_parent_class)->finalize (object);
}

static void
gw_sasl_client_class_init (GwSaslClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_sasl_client_finalize;
}

static void
gw_sasl_client_init (GwSaslClient *self)
{
}
