#!/usr/bin/python3
# test_mitm.py: Herald against a network man in the middle (issue 17, items 3
# and 8). Everything runs on 127.0.0.1: the scripted servers' "mitm" mode
# plays the party on the path, who offers STARTTLS honestly, strips it from
# EHLO, or answers it with 454, and offers every SASL mechanism in plaintext.
#
#   AuthVersusTlsTest  every security mode x every auth value x {STARTTLS
#                      offered, missing, refused}: what the client sent (an
#                      AUTH line? credentials before TLS?), and how the
#                      delivery ended. The table it proves is the one in
#                      docs/security.md, "A network man in the middle", which
#                      test_documented_table checks against the code's.
#   TrustScopeTest     a trusted certificate or pin holds for the host:port
#                      it was seen on (see below).
#
# Run from a build tree (root not needed):
#   HERALD_DAEMON=B/src/daemon/heraldd HERALD_CTL=B/src/cli/heraldctl \
#   HERALD_PLUGIN_DIR=B/plugins GI_TYPELIB_PATH=B/src/libherald \
#   LD_LIBRARY_PATH=B/src/libherald \
#   dbus-run-session -- /usr/bin/python3 tests/integration/test_mitm.py -v

import base64
import os
import re
import sys
import unittest

os.environ.pop('LD_PRELOAD', None)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from harness import Gateway, State, describe, delivery_text  # noqa: E402
import certs  # noqa: E402
import netutil  # noqa: E402

STRICT = os.environ.get('HERALD_INTEGRATION_STRICT') == '1'
FROM = 'herald@herald.test'
USER = 'alice'
PASSWORD = 'Mitm-pass_word-83'
TOKEN = 'mitm-access-token-5d2e'
REFRESH = 'mitm-refresh-token-9b41'
CLIENT_ID = 'herald-mitm-client'
CLIENT_SECRET = 'mitm-client-secret-c07a'

SECURITY = ('none', 'starttls-if-available', 'starttls', 'tls')
AUTH = ('auto', 'plain', 'login', 'cram-md5', 'scram-sha-1', 'scram-sha-256', 'ntlm',
        'xoauth2', 'oauthbearer')
STARTTLS = ('offered', 'missing', 'refused')
OAUTH = ('xoauth2', 'oauthbearer')

# outcomes
OVER_TLS = 'AUTH over TLS, sent'
PLAINTEXT = 'AUTH in plaintext, sent, warning logged'
NOTHING = 'no AUTH, no mail, deferred'

DOC = os.path.join(HERE, '..', '..', 'docs', 'security.md')
DOC_SECTION = '## A network man in the middle'

GW = None
CERTS = None
OAUTH_SERVER = None


def expected(security, auth, starttls):
    """The rule (issue 17, item 3): no mechanism runs without TLS unless
    security=none AND auth names it. With security=tls the STARTTLS column
    means what the party on the path answers on the port: TLS ("offered"),
    or plaintext SMTP with STARTTLS stripped or refused."""
    if security == 'none':
        return NOTHING if auth == 'auto' else PLAINTEXT
    return OVER_TLS if starttls == 'offered' else NOTHING


def setUpModule():
    global GW, CERTS, OAUTH_SERVER
    try:
        import scripted_servers  # noqa: F401
    except ImportError as error:
        if STRICT:
            raise
        raise unittest.SkipTest(f'python3-aiosmtpd is missing: {error}')
    import oauth_server
    CERTS = certs.CertSet()
    unittest.addModuleCleanup(CERTS.cleanup)
    OAUTH_SERVER = oauth_server.OAuthServer(refresh_token=REFRESH, client_id=CLIENT_ID,
                                            client_secret=CLIENT_SECRET, access_tokens=[TOKEN])
    unittest.addModuleCleanup(OAUTH_SERVER.stop)
    OAUTH_SERVER.start()
    GW = Gateway()
    unittest.addModuleCleanup(GW.stop)
    GW.start()


def wire_secrets():
    """What must never cross the wire in plaintext where AUTH is forbidden:
    the user name, the password, the token, in every encoding SASL uses."""
    forms = [USER, PASSWORD, TOKEN]
    for raw in (f'\0{USER}\0{PASSWORD}', USER, PASSWORD, f'user={USER}\x01auth=Bearer {TOKEN}',
                f'n,a={USER},\x01auth=Bearer {TOKEN}', f'n,,n={USER}'):
        forms.append(base64.b64encode(raw.encode()).decode())
    forms.append(USER.encode('utf-16-le').decode('latin-1'))
    return [f.encode('latin-1') for f in forms]


def leaked(data):
    return [s for s in wire_secrets() if s in data]


class AuthVersusTlsTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        import scripted_servers
        cls.ss = scripted_servers

    def profile(self, security, auth, port):
        settings = {
            'transport': 'smtp', 'host': 'localhost', 'port': port, 'security': security,
            'auth': auth, 'username': USER, 'from-address': FROM,
            'helo-name': 'client.herald.test', 'ca-file': CERTS.ca_file,
            'connect-timeout': 5, 'conversation-timeout': 10, 'retry-interval': 3600,
            'max-connections': 1,
        }
        secrets = {'password': PASSWORD}
        if auth in OAUTH:
            settings.update({'oauth2-token-url': OAUTH_SERVER.url, 'oauth2-client-id': CLIENT_ID})
            secrets = {'oauth2-client-secret': CLIENT_SECRET, 'oauth2-refresh-token': REFRESH}
        return GW.add_profile(GW.unique(f'mitm-{security}-{auth}'), settings, secrets)

    def server(self, security, starttls):
        server = self.ss.ScriptedServer(
            'mitm', certset=CERTS, starttls=starttls, users={USER: PASSWORD}, tokens={TOKEN},
            implicit_tls=security == 'tls' and starttls == 'offered', time_limit=30)
        self.addCleanup(server.stop)
        return server.start()

    def warnings(self, name):
        return len(re.findall(rf'Profile {re.escape(name)} authenticates to .* without TLS',
                              GW.log_text()))

    def run_case(self, security, auth, starttls):
        """Runs one cell of the matrix and returns the outcome seen."""
        server = self.server(security, starttls)
        name = self.profile(security, auth, server.port)
        tokens_before = len(OAUTH_SERVER.token_requests())
        result = GW.test_profile(name, 'matrix@herald.test', timeout=60)
        session = server.wait_session(1, timeout=30)
        where = f'{security} / {auth} / STARTTLS {starttls}:\n{session.transcript()}\n{result}'
        plaintext = session.plaintext_client_bytes()
        mechanism = 'SCRAM-SHA-256' if auth == 'auto' else auth.upper()

        if session.auth_attempts:
            self.assertTrue(result.get('ok'), where)
            self.assertEqual(session.auth_attempts, [(mechanism, USER, True)], where)
            over_tls = session.notes['auth-over-tls'] == [True]
            if over_tls:
                self.assertEqual(leaked(plaintext), [], where)
                self.assertNotIn(b'AUTH', plaintext, where)
                return OVER_TLS
            self.assertIn(f'AUTH {mechanism}'.encode(), plaintext, where)
            if expected(security, auth, starttls) != PLAINTEXT:
                return PLAINTEXT        # the assertion of run_mode() says what is wrong
            # the administrator's choice is said again on every connection
            delivery_id = GW.send(name, 'matrix-send@herald.test')
            GW.wait_state(delivery_id, State.SENT, timeout=40)
            server.wait_session(2, timeout=30)
            netutil.wait_for(lambda: self.warnings(name) == len(server.sessions), timeout=10,
                             message=f'one warning per connection for {name}: {where}')
            return PLAINTEXT

        # nothing may have left: no AUTH, no credential in any form, no mail
        self.assertFalse(result.get('ok'), where)
        self.assertFalse(session.saw('AUTH', 'MAIL', 'RCPT', 'DATA'), where)
        self.assertEqual(session.auth_responses, [], where)
        self.assertEqual(leaked(plaintext), [], where)
        self.assertEqual(session.messages, [], where)
        self.assertEqual(len(OAUTH_SERVER.token_requests()), tokens_before,
                         f'an access token was fetched for a connection without TLS: {where}')
        error = result.get('error', '')
        if security != 'tls':
            # the typed refusal: it names the profile and the reason
            self.assertIn(f'Profile “{name}”', error, where)
            self.assertRegex(error, r'STARTTLS|TLS', where)
        # a delivery waits for TLS: deferred, nothing lost
        delivery_id = GW.send(name, 'matrix-send@herald.test')
        delivery = GW.wait_state(delivery_id, State.DEFERRED, timeout=40)
        if security != 'tls':
            self.assertIn(f'Profile “{name}”', delivery_text(delivery), describe(delivery))
        for record in server.sessions:
            self.assertFalse(record.saw('AUTH', 'MAIL'), record.transcript())
            self.assertEqual(leaked(record.plaintext_client_bytes()), [], record.transcript())
        return NOTHING

    def run_mode(self, security):
        for auth in AUTH:
            for starttls in STARTTLS:
                with self.subTest(security=security, auth=auth, starttls=starttls):
                    self.assertEqual(self.run_case(security, auth, starttls),
                                     expected(security, auth, starttls))

    def test_security_none(self):
        self.run_mode('none')

    def test_security_starttls_if_available(self):
        self.run_mode('starttls-if-available')

    def test_security_starttls(self):
        self.run_mode('starttls')

    def test_security_tls(self):
        self.run_mode('tls')

    def test_documented_table(self):
        """docs/security.md shows the table this file proves."""
        with open(DOC, encoding='utf-8') as f:
            text = f.read()
        self.assertIn(DOC_SECTION, text)
        section = text.split(DOC_SECTION, 1)[1].split('\n## ', 1)[0]
        documented = {}
        for line in section.splitlines():
            cells = [c.strip() for c in line.strip().strip('|').split('|')]
            if len(cells) != 5 or not cells[0].startswith('`'):
                continue
            securities = re.findall(r'`([a-z-]+)`', cells[0])
            auths = re.findall(r'`([a-z0-9-]+)`', cells[1])
            if not set(securities) <= set(SECURITY) or not set(auths) <= set(AUTH):
                continue
            outcomes = []
            for cell in cells[2:]:
                if 'over TLS' in cell:
                    outcomes.append(OVER_TLS)
                elif 'in plaintext' in cell:
                    outcomes.append(PLAINTEXT)
                elif 'deferred' in cell:
                    outcomes.append(NOTHING)
                else:
                    self.fail(f'cannot read the cell {cell!r} of docs/security.md')
            for security in securities:
                for auth in auths:
                    self.assertNotIn((security, auth), documented, f'listed twice: {line}')
                    documented[(security, auth)] = tuple(outcomes)
        wanted = {(s, a): tuple(expected(s, a, t) for t in STARTTLS) for s in SECURITY for a in AUTH}
        self.assertEqual(documented, wanted)


if __name__ == '__main__':
    unittest.main()
