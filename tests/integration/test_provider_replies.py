#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_provider_replies.py: the replies Microsoft 365 and Gmail give a client
# they will not serve (issue 19, "Diagnostics"), answered by aiosmtpd
# scripted servers (scripted_servers.py, replies=...) to password and XOAUTH2
# logins, MAIL and the end of DATA: through heraldd, the delivery's reason and
# TestProfile keep the server's own text and add what it means and what to do
# (src/plugin-sdk/gw-smtp-reply-advice.c).
#
#   meson test -C BUILD provider-replies --print-errorlogs

import os
import sys
import unittest

PRELOAD = os.environ.pop('LD_PRELOAD', None)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from harness import Gateway, State, describe, delivery_text, secret_leaks  # noqa: E402
import certs  # noqa: E402

STRICT = os.environ.get('HERALD_INTEGRATION_STRICT') == '1'
FROM = 'alerts@herald.test'
USER = 'alice'
PASSWORD = 'Wonder-land_42!'
REFRESH = 'provider-refresh-token-51c2'
CLIENT_ID = 'provider-client'
CLIENT_SECRET = 'provider-client-secret-0b7d'

# (server reply, a piece of the advice for a password login, for OAuth)
MS_BASIC_OFF = '535 5.7.139 Authentication unsuccessful, basic authentication is disabled. [AM0PR02CA0001]'
MS_NO_BASIC_SUBMISSION = '550 5.7.30 Basic authentication is not supported for Client Submission.'
MS_AUTH_UNSUCCESSFUL = '535 5.7.3 Authentication unsuccessful [MW4PR04CA0001.namprd04.prod.outlook.com]'
MS_SEND_AS_DENIED = '550 5.7.60 SMTP; Client does not have permissions to send as this sender'
GMAIL_APP_PASSWORD = ('534-5.7.9 Application-specific password required. Learn more at\r\n'
                      '534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor')
GMAIL_APP_PASSWORD_TEXT = '534 5.7.9 Application-specific password required. Learn more at'

GW = None
CERTS = None


def setUpModule():
    global GW, CERTS
    CERTS = certs.CertSet()
    unittest.addModuleCleanup(CERTS.cleanup)
    GW = Gateway()
    unittest.addModuleCleanup(GW.stop)
    GW.start()


def need(reason):
    if STRICT:
        raise AssertionError(f'missing test peer: {reason}')
    raise unittest.SkipTest(reason)


def settings(port, **extra):
    values = {
        'transport': 'smtp', 'host': 'localhost', 'port': port, 'security': 'starttls',
        'ca-file': CERTS.ca_file, 'from-address': FROM, 'helo-name': 'client.herald.test',
        'connect-timeout': 5, 'conversation-timeout': 10, 'retry-interval': 3600,
        'max-connections': 1,
    }
    values.update({key.replace('_', '-'): value for key, value in extra.items()})
    return values


class ProviderReplyTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        try:
            import scripted_servers
        except ImportError as error:
            need(f'python3-aiosmtpd is missing: {error}')
        import oauth_server
        cls.ss = scripted_servers
        cls.oauth = oauth_server

    def server(self, mode, **options):
        server = self.ss.ScriptedServer(mode, certset=CERTS, **options)
        self.addCleanup(server.stop)
        return server.start()

    def password_profile(self, replies, password='not-the-password'):
        server = self.server('record', users={USER: PASSWORD}, replies=replies,
                             require_starttls=True)
        name = GW.add_profile(GW.unique('provider'),
                              settings(server.port, auth='plain', username=USER),
                              {'password': password})
        return server, name

    def oauth_profile(self, replies):
        oauth = self.oauth.OAuthServer(refresh_token=REFRESH, client_id=CLIENT_ID,
                                       client_secret=CLIENT_SECRET,
                                       access_tokens=['refused-access-token'])
        self.addCleanup(oauth.stop)
        oauth.start()
        server = self.server('xoauth2', tokens=(), replies=replies)
        name = GW.add_profile(GW.unique('provider-oauth'),
                              settings(server.port, auth='xoauth2', username=USER,
                                       oauth2_token_url=oauth.url, oauth2_client_id=CLIENT_ID),
                              {'oauth2-client-secret': CLIENT_SECRET,
                               'oauth2-refresh-token': REFRESH})
        return server, name

    def assert_explained(self, text, server_text, advice, name, sign_in=True):
        self.assertIn(server_text, text)
        self.assertIn('Meaning:', text)
        self.assertIn(advice, text)
        # the server's words come before the advice, unchanged
        self.assertLess(text.index(server_text), text.index('Meaning:'))
        if sign_in:
            self.assertIn(f'heraldctl profile sign-in {name}', text)
        else:
            self.assertNotIn('sign-in', text)
        self.assertEqual(secret_leaks([text], [PASSWORD, 'not-the-password', REFRESH,
                                               CLIENT_SECRET, 'refused-access-token']), [])

    def check(self, name, server_text, advice, state=State.DEFERRED, sign_in=True):
        """The delivery's reason and TestProfile's error both carry it."""
        delivery = GW.wait_state(GW.send(name, 'someone@herald.test'), state, timeout=40)
        self.assert_explained(delivery_text(delivery), server_text, advice, name, sign_in)
        result = GW.test_profile(name, 'someone@herald.test')
        self.assertFalse(result.get('ok'), result)
        self.assert_explained(result.get('error') or '', server_text, advice, name, sign_in)
        self.assertIn(server_text.split(' ', 2)[1], result.get('reply') or '', result)
        return delivery

    # --- a password login refused ---

    def test_basic_auth_disabled(self):
        server, name = self.password_profile({'auth': MS_BASIC_OFF})
        self.check(name, MS_BASIC_OFF, 'OAuth 2.0 instead of the password')
        self.assertEqual([a[0] for s in server.sessions for a in s.auth_attempts][:1], ['PLAIN'])

    def test_basic_auth_not_supported_for_submission(self):
        server, name = self.password_profile({'auth': MS_NO_BASIC_SUBMISSION})
        self.check(name, MS_NO_BASIC_SUBMISSION, 'client submission (SMTP AUTH)')

    def test_authentication_unsuccessful(self):
        server, name = self.password_profile({'auth': MS_AUTH_UNSUCCESSFUL})
        self.check(name, MS_AUTH_UNSUCCESSFUL, 'turn Authenticated SMTP on for the mailbox')

    def test_gmail_app_password_required(self):
        server, name = self.password_profile({'auth': GMAIL_APP_PASSWORD})
        self.check(name, GMAIL_APP_PASSWORD_TEXT, 'Create an app password')

    # --- the sender refused after a good login ---

    def test_send_as_denied_at_end_of_data(self):
        server, name = self.password_profile({'data': MS_SEND_AS_DENIED}, password=PASSWORD)
        delivery = self.check(name, MS_SEND_AS_DENIED, 'Send As permission', state=State.FAILED,
                              sign_in=False)
        self.assertEqual(len(server.messages()), 2, describe(delivery))

    def test_send_as_denied_at_mail(self):
        server, name = self.password_profile({'mail': MS_SEND_AS_DENIED}, password=PASSWORD)
        self.check(name, MS_SEND_AS_DENIED, 'Send As permission', state=State.FAILED, sign_in=False)

    # --- XOAUTH2 refused: the advice for OAuth ---

    def test_xoauth2_authentication_unsuccessful(self):
        server, name = self.oauth_profile({'auth': MS_AUTH_UNSUCCESSFUL})
        self.check(name, MS_AUTH_UNSUCCESSFUL, 'SMTP.SendAsApp')
        attempts = [a for s in server.sessions for a in s.auth_attempts]
        self.assertTrue(attempts and all(a[0] == 'XOAUTH2' and not a[2] for a in attempts), attempts)

    def test_xoauth2_basic_auth_disabled(self):
        server, name = self.oauth_profile({'auth': MS_BASIC_OFF})
        self.check(name, MS_BASIC_OFF, 'ask the tenant')

    def test_other_replies_unchanged(self):
        server, name = self.password_profile(
            {'auth': '535 5.7.8 Username and Password not accepted (Herald test)'})
        delivery = GW.wait_state(GW.send(name, 'someone@herald.test'), State.DEFERRED, timeout=40)
        text = delivery_text(delivery)
        self.assertIn('535 5.7.8 Username and Password not accepted (Herald test)', text)
        self.assertNotIn('Meaning:', text)

    def test_no_secret_in_log(self):
        server, name = self.oauth_profile({'auth': MS_AUTH_UNSUCCESSFUL})
        GW.wait_state(GW.send(name, 'someone@herald.test'), State.DEFERRED, timeout=40)
        self.assertEqual(secret_leaks(GW.log_text().splitlines(),
                                      [PASSWORD, REFRESH, CLIENT_SECRET, 'refused-access-token']), [])


if __name__ == '__main__':
    unittest.main(verbosity=2)
