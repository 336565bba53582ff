#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
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

    def test_security_none_with_only_a_username(self):
        """security=none and a user name, auth left unset (auto): no PLAIN
        in cleartext, no AUTH at all, deferred."""
        for starttls in STARTTLS:
            with self.subTest(starttls=starttls):
                server = self.server('none', starttls)
                name = GW.add_profile(GW.unique('mitm-username-only'), {
                    'transport': 'smtp', 'host': 'localhost', 'port': server.port,
                    'security': 'none', 'username': USER, 'from-address': FROM,
                    'retry-interval': 3600}, {'password': PASSWORD})
                result = GW.test_profile(name, 'only@herald.test', timeout=60)
                self.assertFalse(result.get('ok'), result)
                self.assertIn('auth=auto', result.get('error', ''), result)
                delivery_id = GW.send(name, 'only-send@herald.test')
                GW.wait_state(delivery_id, State.DEFERRED, timeout=40)
                server.wait_session(2, timeout=30)
                for session in server.sessions:
                    self.assertFalse(session.saw('AUTH', 'MAIL'), session.transcript())
                    self.assertEqual(leaked(session.plaintext_client_bytes()), [],
                                     session.transcript())

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


# --- trust scope: a trusted key holds for the host:port it was seen on -------

POP_PASSWORD = 'Pop-scope_pass-41'
POP_SERVER = os.path.join(HERE, '..', 'unit', 'pop3-test-server.py')


class PopServer:
    """tests/unit/pop3-test-server.py as a POP3S server (TLS from the first
    byte) with the certificate KIND, on 127.0.0.1; .commands() is what it
    received (PASS masked)."""

    def __init__(self, kind, tmpdir):
        self.kind = kind
        self.log = os.path.join(tmpdir, GW.unique(f'pop-{kind}') + '.log')
        self.process = None
        self.port = None

    def start(self):
        import subprocess
        env = dict(os.environ, POP3_TEST_PASSWORD=POP_PASSWORD)
        self.process = subprocess.Popen(
            [sys.executable, POP_SERVER, '--mode', 'tls', '--user', USER, '--log', self.log,
             '--cert', CERTS.cert(self.kind), '--key', CERTS.key(self.kind)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        line = self.process.stdout.readline().decode()
        if not line.startswith('PORT '):
            self.stop()
            raise AssertionError(f'pop3-test-server.py did not start: {line!r}')
        self.port = int(line.split()[1])
        return self

    def stop(self):
        if self.process is not None:
            self.process.stdin.close()          # the server ends with its stdin
            netutil.wait_process(self.process, 10)
            self.process.stdout.close()
            self.process = None

    def commands(self):
        try:
            with open(self.log) as f:
                return [line.rstrip('\n') for line in f]
        except FileNotFoundError:
            return []


class TrustScopeTest(unittest.TestCase):
    """An SMTP server (scripted, STARTTLS) and a POP3 server (POP3S) of one
    profile, each with a self-signed certificate of its own, or with the
    same one: trusting one server's key must leave the other refused."""
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        import scripted_servers
        import tempfile
        cls.ss = scripted_servers
        cls.tmp = tempfile.TemporaryDirectory(prefix='herald-trust-scope-')
        cls.addClassCleanup(cls.tmp.cleanup)

    def servers(self, smtp_kind, pop_kind):
        smtp = self.ss.ScriptedServer('mitm', certset=CERTS, cert_kind=smtp_kind,
                                      users={USER: PASSWORD}, time_limit=30)
        self.addCleanup(smtp.stop)
        smtp.start()
        pop = PopServer(pop_kind, self.tmp.name)
        self.addCleanup(pop.stop)
        pop.start()
        return smtp, pop

    def profile(self, smtp, pop, pins=None):
        settings = {
            'transport': 'smtp', 'host': 'localhost', 'port': smtp.port, 'security': 'starttls',
            'auth': 'plain', 'username': USER, 'from-address': FROM,
            'helo-name': 'client.herald.test', 'connect-timeout': 5, 'conversation-timeout': 10,
            'retry-interval': 3600, 'max-connections': 1,
            'pop-before-smtp': True, 'pop-host': 'localhost', 'pop-port': pop.port,
            'pop-security': 'tls', 'pop-username': USER,
        }
        if pins is not None:
            settings['pinned-keys'] = pins
        return GW.add_profile(GW.unique('scope'), settings,
                              {'password': PASSWORD, 'pop-password': POP_PASSWORD})

    def call(self, method, signature=None, *args):
        from harness import GLib, Gio, BUS_NAME, OBJECT_PATH, INTERFACE
        result = GW.client.get_connection().call_sync(
            BUS_NAME, OBJECT_PATH, INTERFACE, method,
            GLib.Variant(signature, args) if signature else None, None,
            Gio.DBusCallFlags.NONE, 60000, None)
        return result.unpack()

    def untrusted(self, name):
        return [c for c in self.call('ListUntrustedCertificates')[0] if c['profile'] == name]

    def pins(self, name):
        return list(self.call('GetProfile', '(s)', name)[0].get('pinned-keys') or [])

    def refused(self, result, kind, port):
        """TestProfile RESULT failed on the certificate KIND seen on PORT."""
        self.assertFalse(result.get('ok'), result)
        certificate = result.get('certificate') or {}
        self.assertEqual(certificate.get('sha256-fingerprint'), CERTS.fingerprint(kind), result)
        self.assertEqual(certificate.get('port'), port, result)

    def test_trusting_the_pop_key_leaves_smtp_refused(self):
        """The same self-signed certificate on both servers: trusted on the
        POP3 server, it is still refused on the SMTP server."""
        smtp, pop = self.servers('selfsigned', 'selfsigned')
        name = self.profile(smtp, pop)
        fingerprint, pin = CERTS.fingerprint('selfsigned'), CERTS.pin('selfsigned')

        self.refused(GW.test_profile(name, 'scope@herald.test'), 'selfsigned', pop.port)
        self.assertNotIn('PASS ****', pop.commands())
        self.assertEqual([c['port'] for c in self.untrusted(name)], [pop.port])
        self.call('TrustCertificate', '(ss)', name, fingerprint)
        self.assertEqual(self.pins(name), [f'{pin}@localhost:{pop.port}'])

        # the POP3 login passes now; the same key on the SMTP server does not
        result = GW.test_profile(name, 'scope@herald.test')
        self.refused(result, 'selfsigned', smtp.port)
        self.assertIn('PASS ****', pop.commands())
        self.assertEqual([c['port'] for c in self.untrusted(name)], [smtp.port])
        for session in smtp.sessions:
            self.assertIsNone(session.tls, session.transcript())
            self.assertFalse(session.saw('AUTH', 'MAIL'), session.transcript())
        trusted = self.call('ListTrustedCertificates', '(s)', name)[0]
        self.assertEqual([(t['spki-pin'], t['host'], t['port'], t['sha256-fingerprint'])
                          for t in trusted], [(pin, 'localhost', pop.port, fingerprint)])

        # trusted for the SMTP server as well, by its own record
        self.call('TrustCertificate', '(ss)', name, fingerprint)
        self.assertEqual(sorted(self.pins(name)), sorted([f'{pin}@localhost:{pop.port}',
                                                          f'{pin}@localhost:{smtp.port}']))
        result = GW.test_profile(name, 'scope@herald.test')
        self.assertTrue(result.get('ok'), result)
        self.assertEqual(len(smtp.messages()), 1)
        # untrusting the key removes it for both servers
        self.call('UntrustCertificate', '(ss)', name, pin)
        self.assertEqual(self.pins(name), [])
        self.assertEqual(self.call('ListTrustedCertificates', '(s)', name)[0], [])

    def test_two_servers_two_certificates(self):
        """Each server with its own self-signed certificate: trusting one
        leaves the other refused; a delivery waits until both are."""
        smtp, pop = self.servers('selfsigned2', 'selfsigned')
        name = self.profile(smtp, pop)
        delivery_id = GW.send(name, 'scope-two@herald.test')
        GW.wait_state(delivery_id, State.DEFERRED, timeout=40)
        netutil.wait_for(lambda: self.untrusted(name), timeout=20, message='POP3 record')
        self.assertEqual([(c['port'], c['sha256-fingerprint']) for c in self.untrusted(name)],
                         [(pop.port, CERTS.fingerprint('selfsigned'))])

        self.call('TrustCertificate', '(ss)', name, CERTS.fingerprint('selfsigned'))
        # made due at once: the POP3 login passes, the SMTP certificate is refused
        netutil.wait_for(lambda: smtp.sessions and smtp.sessions[0].ended, timeout=40,
                         message='an SMTP attempt after trusting the POP3 server')
        smtp_record = netutil.wait_for(
            lambda: [c for c in self.untrusted(name) if c['port'] == smtp.port], timeout=20,
            message='SMTP record')
        self.assertEqual(smtp_record[0]['sha256-fingerprint'], CERTS.fingerprint('selfsigned2'))
        self.assertIn('unknown-ca', smtp_record[0]['errors'])
        GW.wait_state(delivery_id, State.DEFERRED, timeout=40)
        self.assertEqual(smtp.messages(), [])
        self.assertFalse(smtp.saw('AUTH', 'MAIL'), smtp.all_commands())

        self.call('TrustCertificate', '(ss)', name, CERTS.fingerprint('selfsigned2'))
        GW.wait_state(delivery_id, State.SENT, timeout=40)
        self.assertEqual(sorted(self.pins(name)),
                         sorted([f'{CERTS.pin("selfsigned")}@localhost:{pop.port}',
                                 f'{CERTS.pin("selfsigned2")}@localhost:{smtp.port}']))

    def test_bare_pin_is_for_the_smtp_server(self):
        """A pin set by hand without @HOST:PORT holds for the profile's own
        server (host:port), not for its POP3 server."""
        smtp, pop = self.servers('selfsigned', 'selfsigned')
        pin = CERTS.pin('selfsigned')
        name = self.profile(smtp, pop, pins=[pin])
        result = GW.test_profile(name, 'bare@herald.test')
        self.refused(result, 'selfsigned', pop.port)
        self.assertEqual(smtp.sessions, [])
        GW.update_profile(name, {'pinned-keys': [pin, f'{pin}@localhost:{pop.port}']})
        result = GW.test_profile(name, 'bare@herald.test')
        self.assertTrue(result.get('ok'), result)

    def test_email_fax_certificate_belongs_to_its_smtp_profile(self):
        """Email-to-fax goes through the SMTP server of its fax-via profile:
        a certificate refused there is that profile's to trust, and
        trusting it lets the waiting fax go."""
        smtp = self.ss.ScriptedServer('mitm', certset=CERTS, cert_kind='selfsigned',
                                      users={USER: PASSWORD}, time_limit=30)
        self.addCleanup(smtp.stop)
        smtp.start()
        via = GW.add_profile(GW.unique('scope-via'), {
            'transport': 'smtp', 'host': 'localhost', 'port': smtp.port, 'security': 'starttls',
            'auth': 'plain', 'username': USER, 'from-address': FROM, 'retry-interval': 3600,
        }, {'password': PASSWORD})
        fax = GW.add_profile(GW.unique('scope-fax'), {
            'transport': 'fax', 'fax-backend': 'email', 'fax-via': via, 'from-address': FROM,
            'fax-address-template': '{number}@fax.herald.test', 'fax-default-country-code': '1',
            'retry-interval': 3600,
        })
        from harness import Herald
        n = Herald.Notification.new()
        n.add_fax('724-627-9591')
        n.set_subject('scoped fax')
        n.set_body('Cover text.\n')
        n.set_profile(fax)
        delivery_id = GW.client.send_sync(n, None)
        GW.wait_state(delivery_id, State.DEFERRED, timeout=40)
        records = netutil.wait_for(lambda: self.untrusted(via), timeout=20,
                                   message='a record of the fax-via profile')
        self.assertEqual([(c['port'], c['sha256-fingerprint']) for c in records],
                         [(smtp.port, CERTS.fingerprint('selfsigned'))])
        self.assertEqual(self.untrusted(fax), [])
        self.call('TrustCertificate', '(ss)', via, CERTS.fingerprint('selfsigned'))
        self.assertEqual(self.pins(via), [f'{CERTS.pin("selfsigned")}@localhost:{smtp.port}'])
        GW.wait_state(delivery_id, State.SENT, timeout=40)
        self.assertEqual(len(smtp.messages()), 1)
        self.assertIn('RCPT TO:<17246279591@fax.herald.test>', smtp.all_commands())

    def test_migration_of_stored_trust(self):
        """A state directory of an earlier Herald: the pin TrustCertificate
        stored then was bare, and held for every server of the profile. At
        start it is scoped to the server its record names."""
        smtp, pop = self.servers('selfsigned2', 'selfsigned')
        pin, fingerprint = CERTS.pin('selfsigned'), CERTS.fingerprint('selfsigned')
        name = self.profile(smtp, pop, pins=[pin])
        state = os.path.join(GW.dir, 'state')
        GW.client = None
        GW.daemon.stop()
        # trusted-certificates.conf as it was written before: no format
        # version, one group per profile and fingerprint
        with open(os.path.join(state, 'trusted-certificates.conf'), 'w') as f:
            f.write(f'[{name} {fingerprint}]\nprofile={name}\nhost=localhost\nport={pop.port}\n'
                    f'sha256-fingerprint={fingerprint}\nspki-pin={pin}\ntrusted-at=1\n')
        GW.daemon.start()
        from harness import Gio, Herald
        GW.client = Herald.Client.new_sync(Gio.BusType.SESSION, None)

        self.assertEqual(self.pins(name), [f'{pin}@localhost:{pop.port}'])
        trusted = self.call('ListTrustedCertificates', '(s)', name)[0]
        self.assertEqual([(t['host'], t['port'], t['sha256-fingerprint']) for t in trusted],
                         [('localhost', pop.port, fingerprint)])
        # the POP3 server is trusted as before; its key is not the SMTP server's
        result = GW.test_profile(name, 'migrated@herald.test')
        self.refused(result, 'selfsigned2', smtp.port)
        self.assertIn('PASS ****', pop.commands())
        with open(os.path.join(state, 'trusted-certificates.conf')) as f:
            self.assertRegex(f.read(), r'\[format\]\s*version=1')


if __name__ == '__main__':
    unittest.main()
