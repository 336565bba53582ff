/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-sasl-client.c: mechanism choice and the client side of each SASL exchange */
#define G_LOG_DOMAIN "test-sasl-client"

#include "config.h"

#include <string.h>

#include <gsasl.h>

#include "gw-sasl-client.h"
#include "gw-secret-store.h"
#include "gw-transport.h"

/* ---- choosing ---- */

typedef struct {
  const char *configured;
  const char *offered;      /* space separated */
  gboolean    tls;
  gboolean    allow_plaintext;
  const char *expected;     /* NULL: an error */
  const char *in_message;   /* with an error: a part of its message */
} ChoiceCase;

static const ChoiceCase choice_cases[] = {
  { "auto", "PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256", TRUE, FALSE, "SCRAM-SHA-256", NULL },
  { "auto", "LOGIN PLAIN SCRAM-SHA-1", TRUE, FALSE, "SCRAM-SHA-1", NULL },
  { "auto", "login plain cram-md5", TRUE, FALSE, "CRAM-MD5", NULL },
  { "auto", "PLAIN LOGIN", TRUE, FALSE, "PLAIN", NULL },
  { "auto", "LOGIN", TRUE, FALSE, "LOGIN", NULL },
  { "auto", "LOGIN XOAUTH2 OAUTHBEARER", TRUE, FALSE, "LOGIN", NULL },
  { "auto", "XOAUTH2 OAUTHBEARER GSSAPI", TRUE, FALSE, NULL, "XOAUTH2 OAUTHBEARER GSSAPI" },
  { "auto", "", TRUE, FALSE, NULL, "nothing" },
  /* no TLS: no mechanism at all, the challenge ones included, unless the
   * profile chose plaintext (security=none) and names the mechanism */
  { "auto", "PLAIN LOGIN CRAM-MD5", FALSE, FALSE, NULL, "without TLS" },
  { "auto", "SCRAM-SHA-256 PLAIN", FALSE, FALSE, NULL, "without TLS" },
  { "auto", "PLAIN LOGIN", FALSE, TRUE, NULL, "auth=auto never" },
  { "auto", "CRAM-MD5 SCRAM-SHA-1", FALSE, TRUE, NULL, "auth=auto never" },
  { "plain", "PLAIN LOGIN", FALSE, FALSE, NULL, "without TLS" },
  { "login", "PLAIN LOGIN", FALSE, FALSE, NULL, "without TLS" },
  { "cram-md5", "CRAM-MD5", FALSE, FALSE, NULL, "without TLS" },
  { "scram-sha-1", "SCRAM-SHA-1 PLAIN", FALSE, FALSE, NULL, "without TLS" },
  { "scram-sha-256", "SCRAM-SHA-256", FALSE, FALSE, NULL, "without TLS" },
  { "ntlm", "NTLM", FALSE, FALSE, NULL, "without TLS" },
  { "xoauth2", "XOAUTH2", FALSE, FALSE, NULL, "without TLS" },
  { "oauthbearer", "OAUTHBEARER", FALSE, FALSE, NULL, "without TLS" },
  /* EXTERNAL names the TLS client certificate: never without TLS, not even
   * with security=none; auto never picks it */
  { "external", "EXTERNAL", FALSE, FALSE, NULL, "only over TLS" },
  { "external", "EXTERNAL", FALSE, TRUE, NULL, "only over TLS" },
  { "external", "EXTERNAL PLAIN", TRUE, FALSE, "EXTERNAL", NULL },
  { "external", "PLAIN LOGIN", TRUE, FALSE, NULL, "(it offers: PLAIN LOGIN)" },
  { "auto", "EXTERNAL", TRUE, FALSE, NULL, "(it offers: EXTERNAL)" },
  { "plain", "PLAIN LOGIN", FALSE, TRUE, "PLAIN", NULL },
  { "cram-md5", "CRAM-MD5", FALSE, TRUE, "CRAM-MD5", NULL },
  { "scram-sha-256", "SCRAM-SHA-256", FALSE, TRUE, "SCRAM-SHA-256", NULL },
  { "xoauth2", "XOAUTH2", FALSE, TRUE, "XOAUTH2", NULL },
  { "login", "PLAIN LOGIN", TRUE, FALSE, "LOGIN", NULL },
  { "xoauth2", "PLAIN XOAUTH2", TRUE, FALSE, "XOAUTH2", NULL },
  { "oauthbearer", "OAUTHBEARER", TRUE, FALSE, "OAUTHBEARER", NULL },
  /* explicit but not offered: the message names what the server offers */
  { "scram-sha-256", "PLAIN LOGIN", TRUE, FALSE, NULL, "(it offers: PLAIN LOGIN)" },
  { "xoauth2", "PLAIN OAUTHBEARER", TRUE, FALSE, NULL, "(it offers: PLAIN OAUTHBEARER)" },
  { "cram-md5", "", TRUE, FALSE, NULL, "(it offers: nothing)" },
  { "scram-sha-1", " PLAIN  LOGIN ", TRUE, FALSE, NULL, "(it offers: PLAIN LOGIN)" },
  { "bogus", "PLAIN", TRUE, FALSE, NULL, "bogus" },
};

static void
test_choose (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (choice_cases); i++) {
    const ChoiceCase *c = &choice_cases[i];
    g_auto(GStrv) offered = g_strsplit (c->offered, " ", -1);
    g_autoptr(GError) error = NULL;
    g_autofree char *chosen = NULL;

    if (*c->offered == '\0')
      g_clear_pointer (&offered, g_strfreev);
    g_test_message ("case %" G_GSIZE_FORMAT ": %s / [%s] tls=%d allow=%d", i,
                    c->configured, c->offered, c->tls, c->allow_plaintext);
    chosen = gw_sasl_choose_mechanism (c->configured, (const char * const *) offered,
                                       c->tls, c->allow_plaintext, &error);
    if (c->expected != NULL) {
      g_assert_no_error (error);
      g_assert_cmpstr (chosen, ==, c->expected);
    } else {
      GwTransportError code = c->tls ? GW_TRANSPORT_ERROR_PERMANENT
                                     : GW_TRANSPORT_ERROR_TLS_REQUIRED;

      g_assert_null (chosen);
      g_assert_error (error, GW_TRANSPORT_ERROR, (gint) code);
      g_assert_nonnull (strstr (error->message, c->in_message));
    }
  }
}

/* NTLM is tried between CRAM-MD5 and PLAIN when libgsasl has it. */
static void
test_choose_ntlm (void)
{
  const char * const offered[] = { "LOGIN", "NTLM", "PLAIN", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *chosen = NULL;
  Gsasl *ctx = NULL;
  gboolean supported;

  g_assert_cmpint (gsasl_init (&ctx), ==, GSASL_OK);
  supported = gsasl_client_support_p (ctx, "NTLM");
  gsasl_done (ctx);

  chosen = gw_sasl_choose_mechanism ("auto", offered, TRUE, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (chosen, ==, supported ? "NTLM" : "PLAIN");
  g_clear_pointer (&chosen, g_free);

  chosen = gw_sasl_choose_mechanism ("ntlm", offered, TRUE, FALSE, &error);
  if (supported) {
    g_assert_no_error (error);
    g_assert_cmpstr (chosen, ==, "NTLM");
  } else {
    g_assert_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT);
    g_assert_nonnull (strstr (error->message, "libntlm"));
  }
}

/* ---- exchanges ---- */

static GwSaslClient *
new_client (const char *mech, const char *user, const char *secret)
{
  g_autoptr(GError) error = NULL;
  GwSaslClient *client = gw_sasl_client_new (mech, user, secret, "smtp", "mail.example.org", &error);

  g_assert_no_error (error);
  g_assert_nonnull (client);
  return client;
}

/* Compares a base64 response with the expected raw bytes without printing
 * either (they hold test credentials). */
static void
assert_response (const char *b64, const char *expected, gsize expected_len)
{
  g_autofree guchar *raw = NULL;
  gsize len = 0;

  g_assert_nonnull (b64);
  raw = g_base64_decode (b64, &len);
  g_assert_true (len == expected_len);
  g_assert_true (memcmp (raw, expected, len) == 0);
}

static void
test_plain (void)
{
  g_autoptr(GwSaslClient) client = new_client ("PLAIN", "user", "pass");
  g_autoptr(GwSecret) response = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (gw_sasl_client_has_initial_response (client));
  g_assert_cmpstr (gw_sasl_client_get_mechanism (client), ==, "PLAIN");
  response = gw_sasl_client_step (client, NULL, &error);
  g_assert_no_error (error);
  assert_response (response, "\0user\0pass", 10);
  g_assert_true (gw_sasl_client_is_complete (client));
}

static void
test_login (void)
{
  g_autoptr(GwSaslClient) client = new_client ("login", "user", "pass");
  g_autoptr(GwSecret) first = NULL;
  g_autoptr(GwSecret) second = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (gw_sasl_client_has_initial_response (client));
  first = gw_sasl_client_step (client, "VXNlcm5hbWU6", &error);  /* "Username:" */
  g_assert_no_error (error);
  assert_response (first, "user", 4);
  second = gw_sasl_client_step (client, "UGFzc3dvcmQ6", &error); /* "Password:" */
  g_assert_no_error (error);
  assert_response (second, "pass", 4);
  g_assert_true (gw_sasl_client_is_complete (client));
}

/* RFC 2195 section 2, the example exchange. The RFC's challenge ends in
 * "mci.net" (S: + PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+);
 * with "mci.com" the digest would be da8568ed.... */
static void
test_cram_md5 (void)
{
  static const char challenge_b64[] = "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+";
  static const char expected[] = "tim b913a602c7eda7a495b4e6e7334d3890";
  g_autoptr(GwSaslClient) client = new_client ("CRAM-MD5", "tim", "tanstaaftanstaaf");
  g_autoptr(GwSecret) response = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (gw_sasl_client_has_initial_response (client));
  response = gw_sasl_client_step (client, challenge_b64, &error);
  g_assert_no_error (error);
  assert_response (response, expected, strlen (expected));
  g_assert_true (gw_sasl_client_is_complete (client));
}

/* ---- SCRAM against a libgsasl server in this process ---- */

#define SERVER_PASSWORD "correct horse battery staple"

static int
server_callback (Gsasl *ctx, Gsasl_session *sctx, Gsasl_property prop)
{
  if (prop == GSASL_PASSWORD) {
    const char *authid = gsasl_property_fast (sctx, GSASL_AUTHID);
    if (g_strcmp0 (authid, "user") != 0)
      return GSASL_NO_CALLBACK;
    return gsasl_property_set (sctx, GSASL_PASSWORD, SERVER_PASSWORD);
  }
  return GSASL_NO_CALLBACK;
}

/* Runs the whole exchange; returns the server's final libgsasl result. */
static int
scram_exchange (const char *mech, const char *password, gboolean *client_complete)
{
  g_autoptr(GwSaslClient) client = new_client (mech, "user", password);
  g_autoptr(GError) error = NULL;
  g_autoptr(GwSecret) response = NULL;
  Gsasl *ctx = NULL;
  Gsasl_session *server = NULL;
  int rc = GSASL_NEEDS_MORE;

  g_assert_cmpint (gsasl_init (&ctx), ==, GSASL_OK);
  gsasl_callback_set (ctx, server_callback);
  g_assert_cmpint (gsasl_server_start (ctx, mech, &server), ==, GSASL_OK);

  g_assert_true (gw_sasl_client_has_initial_response (client));
  response = gw_sasl_client_step (client, NULL, &error);
  g_assert_no_error (error);

  for (guint round = 0; round < 5 && rc == GSASL_NEEDS_MORE; round++) {
    char *challenge = NULL;

    rc = gsasl_step64 (server, response, &challenge);
    g_clear_pointer (&response, gw_secret_free);
    if (rc != GSASL_OK && rc != GSASL_NEEDS_MORE) {
      gsasl_free (challenge);
      break;
    }
    /* The server's last message (its signature) still goes to the client. */
    g_assert_false (gw_sasl_client_is_complete (client));
    response = gw_sasl_client_step (client, challenge, &error);
    gsasl_free (challenge);
    g_assert_no_error (error);
  }
  if (rc == GSASL_OK)
    g_assert_cmpstr (response, ==, "");
  *client_complete = gw_sasl_client_is_complete (client);

  gsasl_finish (server);
  gsasl_done (ctx);
  return rc;
}

static void
test_scram (gconstpointer data)
{
  const char *mech = data;
  gboolean complete = FALSE;

  g_assert_cmpint (scram_exchange (mech, SERVER_PASSWORD, &complete), ==, GSASL_OK);
  g_assert_true (complete);

  g_assert_cmpint (scram_exchange (mech, "wrong password", &complete), ==, GSASL_AUTHENTICATION_ERROR);
  g_assert_false (complete);
}

/* A server-final message with a signature the client cannot verify. */
static void
test_scram_bad_server_signature (void)
{
  g_autoptr(GwSaslClient) client = new_client ("SCRAM-SHA-256", "user", SERVER_PASSWORD);
  g_autoptr(GError) error = NULL;
  g_autoptr(GwSecret) first = NULL;
  g_autoptr(GwSecret) second = NULL;
  g_autofree char *nonce = NULL;
  g_autofree char *server_first = NULL;
  g_autofree char *server_first_b64 = NULL;
  g_autofree guchar *client_first = NULL;
  const char *server_final_b64 = "dj1BQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE9";
  gsize len = 0;

  first = gw_sasl_client_step (client, NULL, &error);
  g_assert_no_error (error);
  client_first = g_base64_decode (first, &len);
  /* client-first-message: "n,,n=user,r=NONCE" */
  nonce = g_strndup ((char *) client_first, len);
  g_assert_nonnull (strstr (nonce, ",r="));
  memmove (nonce, strstr (nonce, ",r=") + 3, strlen (strstr (nonce, ",r=") + 3) + 1);
  server_first = g_strdup_printf ("r=%sSERVERNONCE,s=c2FsdHNhbHQ=,i=4096", nonce);
  server_first_b64 = g_base64_encode ((const guchar *) server_first, strlen (server_first));
  second = gw_sasl_client_step (client, server_first_b64, &error);
  g_assert_no_error (error);
  g_assert_false (gw_sasl_client_is_complete (client));

  g_assert_null (gw_sasl_client_step (client, server_final_b64, &error));
  g_assert_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT);
  g_assert_false (gw_sasl_client_is_complete (client));
}

static void
test_ntlm (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwSaslClient) client = NULL;
  g_autoptr(GwSecret) type1 = NULL;
  g_autofree guchar *raw = NULL;
  Gsasl *ctx = NULL;
  gsize len = 0;
  gboolean supported;

  g_assert_cmpint (gsasl_init (&ctx), ==, GSASL_OK);
  supported = gsasl_client_support_p (ctx, "NTLM");
  gsasl_done (ctx);
  if (!supported) {
    g_test_skip ("libgsasl without NTLM");
    return;
  }

  client = new_client ("NTLM", "user", "pass");
  g_assert_false (gw_sasl_client_has_initial_response (client));
  type1 = gw_sasl_client_step (client, "", &error);
  g_assert_no_error (error);
  raw = g_base64_decode (type1, &len);
  g_assert_cmpuint (len, >, 12);
  g_assert_true (memcmp (raw, "NTLMSSP\0\1\0\0\0", 12) == 0);
}

/* ---- OAuth mechanisms ---- */

static void
test_xoauth2 (void)
{
  static const char expected[] = "user=someone@example.com\001auth=Bearer ya29.token-value\001\001";
  g_autoptr(GwSaslClient) client = new_client ("XOAUTH2", "someone@example.com", "ya29.token-value");
  g_autoptr(GwSecret) response = NULL;
  g_autoptr(GwSecret) ack = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *error_json = g_base64_encode ((const guchar *) "{\"status\":\"401\",\"schemes\":\"bearer\"}", 36);

  g_assert_true (gw_sasl_client_has_initial_response (client));
  response = gw_sasl_client_step (client, NULL, &error);
  g_assert_no_error (error);
  assert_response (response, expected, strlen (expected));
  g_assert_true (gw_sasl_client_is_complete (client));

  /* The server's error challenge is answered by an empty line. */
  ack = gw_sasl_client_step (client, error_json, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ack, ==, "");
  g_assert_false (gw_sasl_client_is_complete (client));
  g_assert_null (gw_sasl_client_step (client, error_json, &error));
  g_assert_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY);
}

static void
test_oauthbearer (void)
{
  static const char expected[] =
    "n,a=we=3Dird=2Cuser@example.com,\001host=mail.example.org\001port=587\001"
    "auth=Bearer tok.en\001\001";
  g_autoptr(GwSaslClient) client = new_client ("oauthbearer", "we=ird,user@example.com", "tok.en");
  g_autoptr(GwSecret) response = NULL;
  g_autoptr(GwSecret) ack = NULL;
  g_autoptr(GError) error = NULL;

  gw_sasl_client_set_port (client, 587);
  response = gw_sasl_client_step (client, NULL, &error);
  g_assert_no_error (error);
  assert_response (response, expected, strlen (expected));

  /* RFC 7628 3.2.3: the error is acknowledged with a single ^A. */
  ack = gw_sasl_client_step (client, "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ack, ==, "AQ==");
  g_assert_false (gw_sasl_client_is_complete (client));
}

/* RFC 4422 appendix A: the initial response is the authorisation
 * identity, empty for "the identity of my certificate". */
static void
test_external (void)
{
  g_autoptr(GwSaslClient) anonymous = NULL;
  g_autoptr(GwSaslClient) named = NULL;
  g_autoptr(GwSecret) response = NULL;
  g_autoptr(GError) error = NULL;

  anonymous = gw_sasl_client_new ("EXTERNAL", NULL, NULL, "smtp", "mail.example.org", &error);
  g_assert_no_error (error);
  g_assert_true (gw_sasl_client_has_initial_response (anonymous));
  response = gw_sasl_client_step (anonymous, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (response, ==, "");
  g_clear_pointer (&response, gw_secret_free);

  named = gw_sasl_client_new ("external", "relay@example.org", NULL, "smtp", NULL, &error);
  g_assert_no_error (error);
  response = gw_sasl_client_step (named, NULL, &error);
  g_assert_no_error (error);
  assert_response (response, "relay@example.org", strlen ("relay@example.org"));

  g_assert_null (gw_sasl_client_new ("EXTERNAL", "re\nlay", NULL, "smtp", NULL, &error));
  g_assert_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT);
}

static void
test_bad_credentials (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (gw_sasl_client_new ("PLAIN", "", "pass", "smtp", NULL, &error));
  g_assert_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT);
  g_clear_error (&error);
  g_assert_null (gw_sasl_client_new ("PLAIN", "user", NULL, "smtp", NULL, &error));
  g_assert_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT);
  g_clear_error (&error);
  /* a token that would break out of the ^A-separated fields */
  g_assert_null (gw_sasl_client_new ("XOAUTH2", "user", "s3cr3t\001auth=x", "smtp", NULL, &error));
  g_assert_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT);
  g_assert_null (strstr (error->message, "s3cr3t"));
  g_clear_error (&error);
  g_assert_null (gw_sasl_client_new ("PLAIN", "us\ner", "pass", "smtp", NULL, &error));
  g_assert_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT);
  g_clear_error (&error);
  g_assert_null (gw_sasl_client_new ("DIGEST-MD5", "user", "pass", "smtp", NULL, &error));
  g_assert_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sasl/choose", test_choose);
  g_test_add_func ("/sasl/choose-ntlm", test_choose_ntlm);
  g_test_add_func ("/sasl/plain", test_plain);
  g_test_add_func ("/sasl/login", test_login);
  g_test_add_func ("/sasl/cram-md5", test_cram_md5);
  g_test_add_data_func ("/sasl/scram-sha-256", "SCRAM-SHA-256", test_scram);
  g_test_add_data_func ("/sasl/scram-sha-1", "SCRAM-SHA-1", test_scram);
  g_test_add_func ("/sasl/scram-bad-server-signature", test_scram_bad_server_signature);
  g_test_add_func ("/sasl/ntlm", test_ntlm);
  g_test_add_func ("/sasl/xoauth2", test_xoauth2);
  g_test_add_func ("/sasl/oauthbearer", test_oauthbearer);
  g_test_add_func ("/sasl/external", test_external);
  g_test_add_func ("/sasl/bad-credentials", test_bad_credentials);
  return g_test_run ();
}
