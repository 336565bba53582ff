#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_signin.py: OAuth 2.0 sign-in (issue 19, sections 1 and 2), end to end.
#
# A local HTTPS OAuth 2.0 provider with a test CA (oauth_server.py: device
# code, authorisation code + PKCE, client credentials with a secret or a
# certificate assertion checked with python3-cryptography, refresh tokens,
# and their error answers), an aiosmtpd server that takes XOAUTH2 with the
# tokens the provider issues (scripted_servers.py), heraldd on the private
# bus of dbus-run-session and `heraldctl profile sign-in` as a person runs
# it; the test plays the person who approves the code or follows the
# browser's redirect. Nothing leaves 127.0.0.1.
#
#   meson test -C BUILD --suite integration signin --print-errorlogs

import json
import os
import re
import select
import ssl
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

PRELOAD = os.environ.pop('LD_PRELOAD', None)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from harness import (Gateway, State, GLib, Gio, Herald, describe,  # noqa: E402
                     delivery_text, secret_leaks)
import certs  # noqa: E402

STRICT = os.environ.get('HERALD_INTEGRATION_STRICT') == '1'
FROM = 'herald@herald.test'
USER = 'sender@herald.test'
CLIENT_ID = 'herald-signin-client'
CLIENT_SECRET = 'herald-signin-secret-5d2c'
SCOPE = 'https://mail.herald.test/SMTP.Send offline_access'
ACCESS = 'signin-access-token-8e1f'

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
    if reason:
        if STRICT:
            raise AssertionError(f'missing test peer: {reason}')
        raise unittest.SkipTest(reason)


class SignInRun:
    """heraldctl profile sign-in, read line by line as a person would."""

    def __init__(self, profile, *options):
        env = {k: v for k, v in os.environ.items() if k not in ('DISPLAY', 'WAYLAND_DISPLAY')}
        if PRELOAD:
            env['LD_PRELOAD'] = PRELOAD
        self.process = subprocess.Popen([os.environ['HERALD_CTL'], 'profile', 'sign-in', profile, *options],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.lines = []

    def wait_for_line(self, pattern, timeout=30):
        """Reads the raw pipe (a buffered reader would hide lines from
        select) until a line matches PATTERN."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        fd = self.process.stdout.fileno()
        while True:
            for line in ''.join(self.lines).splitlines():
                match = regex.search(line)
                if match:
                    return match
            if time.monotonic() > deadline:
                break
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                self.lines.append(chunk.decode('utf-8', 'replace'))
        raise AssertionError(f'heraldctl did not print {pattern!r}: {self.lines}')

    def finish(self, timeout=60):
        out, err = self.process.communicate(timeout=timeout)
        self.lines.append(out.decode('utf-8', 'replace'))
        self.stdout = ''.join(self.lines)
        self.stderr = err.decode('utf-8', 'replace')
        return self.process.returncode

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


def heraldctl(*args):
    env = dict(os.environ)
    if PRELOAD:
        env['LD_PRELOAD'] = PRELOAD
    return subprocess.run([os.environ['HERALD_CTL'], *args], capture_output=True, text=True,
                          timeout=60, env=env)


def get_profile(name):
    return GW.client.get_profile_sync(name, None)


class SignInCase(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        try:
            import scripted_servers
        except ImportError as error:
            need(f'python3-aiosmtpd is missing: {error}')
        try:
            import cryptography  # noqa: F401
        except ImportError as error:
            need(f'python3-cryptography is missing: {error}')
        import oauth_server
        cls.ss = scripted_servers
        cls.oauth_module = oauth_server

    def start_oauth(self, **options):
        options.setdefault('access_tokens', [ACCESS])
        oauth = self.oauth_module.OAuthServer(refresh_token='admin-set-refresh-token', client_id=CLIENT_ID,
                                              client_secret=CLIENT_SECRET, certset=CERTS, **options)
        self.addCleanup(oauth.stop)
        return oauth.start()

    def start_smtp(self, tokens=(ACCESS,)):
        server = self.ss.ScriptedServer('xoauth2', certset=CERTS, tokens=tokens)
        self.addCleanup(server.stop)
        server.start()
        return server

    def settings(self, oauth, smtp, **extra):
        settings = {
            'transport': 'smtp', 'host': 'localhost', 'port': smtp.port, 'security': 'starttls',
            'ca-file': CERTS.ca_file, 'auth': 'xoauth2', 'username': USER, 'from-address': FROM,
            'oauth2-token-url': oauth.url, 'oauth2-device-url': oauth.endpoint('devicecode'),
            'oauth2-authorize-url': oauth.endpoint('authorize'), 'oauth2-client-id': CLIENT_ID,
            'oauth2-scope': SCOPE, 'connect-timeout': 5, 'conversation-timeout': 10,
            'retry-interval': 3600, 'max-connections': 1,
        }
        settings.update({key.replace('_', '-'): value for key, value in extra.items()})
        return settings

    def add(self, prefix, settings, secrets=None):
        return GW.add_profile(GW.unique(prefix), settings, secrets)

    def assert_no_leaks(self, texts, secrets):
        secrets = [s for s in secrets if s]
        self.assertEqual(secret_leaks(GW.log_text().splitlines(), secrets), [], 'a secret in the daemon log')
        for text in texts:
            self.assertEqual(secret_leaks(str(text).splitlines(), secrets), [], f'a secret in {text!r}')

    def sign_in_with_code(self, oauth, name, approve=True):
        """heraldctl profile sign-in NAME; the person enters the code."""
        run = SignInRun(name)
        self.addCleanup(run.kill)
        match = run.wait_for_line(r'open (\S+) and enter the code (\S+)')
        self.assertEqual(match.group(1), f'{oauth.base_url}/device')
        user_code = oauth.wait_for_user_code()
        self.assertEqual(match.group(2), user_code)
        if approve:
            oauth.approve(user_code)
        return run, user_code


class DeviceFlowTest(SignInCase):
    def test_device_sign_in_then_delivery(self):
        oauth = self.start_oauth()
        smtp = self.start_smtp()
        name = self.add('device', self.settings(oauth, smtp), {'oauth2-client-secret': CLIENT_SECRET})
        self.assertEqual(get_profile(name).get_string('state'), 'ready')

        # another client on the bus: it hears DeliveriesChanged, never SignInProgress
        other = Gio.DBusConnection.new_for_address_sync(
            os.environ['DBUS_SESSION_BUS_ADDRESS'],
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
            None, None)
        heard = []
        for member in ('SignInProgress', 'DeliveriesChanged'):
            other.signal_subscribe(None, 'org.herald.Gateway1', member, '/org/herald/Gateway1', None,
                                   Gio.DBusSignalFlags.NONE,
                                   lambda c, s, p, i, member, params: heard.append(member))

        run, user_code = self.sign_in_with_code(oauth, name)
        self.assertEqual(run.finish(), 0, run.stderr)
        self.assertIn(f'Profile “{name}” is signed in', run.stdout)

        device_polls = [r for r in oauth.token_requests()
                        if r['form'].get('grant_type') == oauth_device_grant()]
        self.assertTrue(device_polls, oauth.requests)
        for poll in device_polls:
            self.assertEqual(poll['form'].get('client_id'), CLIENT_ID)
            self.assertEqual(poll['form'].get('client_secret'), CLIENT_SECRET)
        asked = [r for r in oauth.requests if r['path'] == '/devicecode']
        self.assertEqual(asked[0]['form'], {'client_id': CLIENT_ID, 'scope': SCOPE})

        profile = get_profile(name)
        self.assertTrue(profile.get_secret_set('oauth2-refresh-token'))
        self.assertEqual(profile.get_string('state'), 'ready')
        self.assertEqual(len(oauth.signed_in), 1)

        delivery_id = GW.send(name, 'signed-in@herald.test')
        GW.wait_state(delivery_id, State.SENT, timeout=40)
        # the access token that came with the sign-in was used: no refresh
        self.assertEqual([t for s in smtp.sessions for t in s.tokens], [ACCESS])
        token_requests = [r for r in oauth.token_requests() if r['path'] == '/token']
        self.assertEqual(len(token_requests), len(device_polls))

        context = GLib.MainContext.default()
        deadline = time.monotonic() + 10
        while 'DeliveriesChanged' not in heard and time.monotonic() < deadline:
            context.iteration(False)
            time.sleep(0.02)
        self.assertIn('DeliveriesChanged', heard, 'the other client hears broadcast signals')
        self.assertNotIn('SignInProgress', heard, 'SignInProgress reached another client')

        profile_text = str(get_profile(name).get_settings())
        self.assert_no_leaks([run.stdout, run.stderr, profile_text, heraldctl('profile', 'show', name).stdout],
                             oauth.signed_in + [ACCESS, CLIENT_SECRET] + list(oauth.devices))

    def test_slow_down_and_pending(self):
        oauth = self.start_oauth(slow_down_first=True, device_interval=1)
        smtp = self.start_smtp()
        name = self.add('slow', self.settings(oauth, smtp))
        run, user_code = self.sign_in_with_code(oauth, name, approve=False)
        # a few authorization_pending answers first
        def polls():
            return [r for r in oauth.token_requests() if r['path'] == '/token']
        deadline = time.monotonic() + 30
        while len(polls()) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        oauth.approve(user_code)
        self.assertEqual(run.finish(), 0, run.stderr)
        self.assertEqual(oauth.slowed_down, 1, 'polled faster than the server allowed')
        polls = polls()
        self.assertGreaterEqual(len(polls), 2)
        # no client secret is stored: none is sent (a public client)
        self.assertNotIn('client_secret', polls[0]['form'])

    def test_denied(self):
        oauth = self.start_oauth()
        smtp = self.start_smtp()
        name = self.add('denied', self.settings(oauth, smtp))
        run, user_code = self.sign_in_with_code(oauth, name, approve=False)
        oauth.deny(user_code)
        self.assertEqual(run.finish(), 1)
        self.assertIn('was declined', run.stderr)
        self.assertFalse(get_profile(name).get_secret_set('oauth2-refresh-token'))

    def test_expired(self):
        oauth = self.start_oauth()
        smtp = self.start_smtp()
        name = self.add('expired', self.settings(oauth, smtp))
        run, user_code = self.sign_in_with_code(oauth, name, approve=False)
        oauth.expire(user_code)
        self.assertEqual(run.finish(), 1)
        self.assertIn('expired before the sign-in was approved', run.stderr)

    def test_second_sign_in_refused_and_cancel(self):
        oauth = self.start_oauth()
        smtp = self.start_smtp()
        name = self.add('twice', self.settings(oauth, smtp))
        run, user_code = self.sign_in_with_code(oauth, name, approve=False)
        second = heraldctl('profile', 'sign-in', name)
        self.assertEqual(second.returncode, 1)
        self.assertIn('already running', second.stderr)
        # the person gives up (Ctrl-C): the gateway ends the sign-in
        run.process.terminate()
        run.process.communicate(timeout=30)
        deadline = time.monotonic() + 30
        while True:
            again = SignInRun(name)
            self.addCleanup(again.kill)
            try:
                again.wait_for_line(r'enter the code', timeout=10)
                break
            except AssertionError:
                again.kill()
                if time.monotonic() > deadline:
                    raise
        again.kill()

    def test_cancel_by_another_client(self):
        """An administrator ends someone's running sign-in through libherald
        (CancelSignIn): that sign-in fails, nothing is stored, and a second
        cancel finds none running."""
        oauth = self.start_oauth()
        smtp = self.start_smtp()
        name = self.add('cancelled', self.settings(oauth, smtp))
        run, _ = self.sign_in_with_code(oauth, name, approve=False)
        self.assertTrue(GW.client.cancel_sign_in_sync(name, None))
        self.assertEqual(run.finish(), 1)
        self.assertIn('cancelled', run.stderr)
        self.assertFalse(GW.client.get_profile_sync(name, None).get_boolean('oauth2-refresh-token-set'))
        with self.assertRaises(GLib.Error) as raised:
            GW.client.cancel_sign_in_sync(name, None)
        self.assertTrue(raised.exception.matches(Herald.error_quark(), Herald.Error.INVALID_STATE),
                        raised.exception.message)

    def test_missing_device_endpoint(self):
        oauth = self.start_oauth()
        smtp = self.start_smtp()
        settings = self.settings(oauth, smtp)
        del settings['oauth2-device-url']
        name = self.add('nodevice', settings)
        result = heraldctl('profile', 'sign-in', name)
        self.assertEqual(result.returncode, 1)
        self.assertIn('has no oauth2-device-url', result.stderr)


def oauth_device_grant():
    return 'urn:ietf:params:oauth:grant-type:device_code'


class BrowserFlowTest(SignInCase):
    def open_url(self, url):
        """The browser: fetches URL over HTTPS (test CA) and follows the
        redirect to the gateway's listener on 127.0.0.1."""
        context = ssl.create_default_context(cafile=CERTS.ca_file)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                             urllib.request.HTTPSHandler(context=context))
        try:
            with opener.open(url, timeout=30) as response:
                return response.status, response.read().decode(), response.url
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), error.url

    def test_browser_sign_in_with_pkce(self):
        oauth = self.start_oauth()
        smtp = self.start_smtp()
        name = self.add('browser', self.settings(oauth, smtp), {'oauth2-client-secret': CLIENT_SECRET})
        run = SignInRun(name, '--browser')
        self.addCleanup(run.kill)
        url = run.wait_for_line(r'^(https://\S+)$').group(1)
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        self.assertEqual(query['code_challenge_method'], 'S256')
        self.assertEqual(query['client_id'], CLIENT_ID)
        self.assertEqual(query['scope'], SCOPE)
        redirect = urllib.parse.urlsplit(query['redirect_uri'])
        self.assertEqual((redirect.scheme, redirect.hostname), ('http', '127.0.0.1'))

        # someone else's request to the listener (no or a wrong state) is refused
        status, _, _ = self.open_url(f'{query["redirect_uri"]}?code=forged&state=wrong')
        self.assertEqual(status, 400)

        status, page, final = self.open_url(url)
        self.assertEqual(status, 200, page)
        self.assertIn('Herald has the sign-in', page)
        self.assertTrue(final.startswith(query['redirect_uri']), final)
        self.assertEqual(run.finish(), 0, run.stderr)

        exchange = [r for r in oauth.token_requests() if r['form'].get('grant_type') == 'authorization_code']
        self.assertEqual(len(exchange), 1, oauth.requests)
        self.assertEqual(exchange[0]['form']['redirect_uri'], query['redirect_uri'])
        self.assertEqual(len(exchange[0]['form']['code_verifier']), 43)
        self.assertNotIn(exchange[0]['form']['code_verifier'], url)
        self.assertTrue(get_profile(name).get_secret_set('oauth2-refresh-token'))

        GW.wait_state(GW.send(name, 'browser@herald.test'), State.SENT, timeout=40)
        self.assert_no_leaks([run.stdout, run.stderr], oauth.signed_in + [ACCESS, CLIENT_SECRET,
                                                                          exchange[0]['form']['code_verifier']])

    def test_browser_declined(self):
        oauth = self.start_oauth(deny_authorization=True)
        smtp = self.start_smtp()
        name = self.add('browser-no', self.settings(oauth, smtp))
        run = SignInRun(name, '--browser')
        self.addCleanup(run.kill)
        url = run.wait_for_line(r'^(https://\S+)$').group(1)
        self.open_url(url)
        self.assertEqual(run.finish(), 1)
        self.assertIn('was declined', run.stderr)


class SignInRequiredTest(SignInCase):
    def test_invalid_grant_holds_deliveries_until_sign_in(self):
        oauth = self.start_oauth()
        smtp = self.start_smtp()
        name = self.add('revoked', self.settings(oauth, smtp),
                        {'oauth2-refresh-token': 'revoked-refresh-token-3b9a',
                         'oauth2-client-secret': CLIENT_SECRET})
        ids = [GW.send(name, f'held{i}@herald.test') for i in range(2)]
        for delivery_id in ids:
            delivery = GW.wait_state(delivery_id, State.DEFERRED, timeout=40)
            self.assertEqual(delivery.get_reason(), 'sign-in-required', describe(delivery))
            self.assertIn('needs a sign-in', delivery_text(delivery))
            self.assertIn('invalid_grant', delivery_text(delivery))
        self.assertEqual(get_profile(name).get_string('state'), 'sign-in-required')
        listing = heraldctl('profile', 'list')
        self.assertRegex(listing.stdout, rf'(?m)^{re.escape(name)}\s.*sign-in required')
        shown = heraldctl('delivery', 'show', ids[0])
        self.assertIn('sign-in-required', shown.stdout)
        self.assertFalse(any(s.tokens for s in smtp.sessions))

        run, _ = self.sign_in_with_code(oauth, name)
        self.assertEqual(run.finish(), 0, run.stderr)
        # held for an hour by retry-interval, released by the sign-in
        for delivery_id in ids:
            GW.wait_state(delivery_id, State.SENT, timeout=40)
        self.assertEqual(get_profile(name).get_string('state'), 'ready')
        self.assert_no_leaks([listing.stdout, shown.stdout, run.stdout, run.stderr],
                             ['revoked-refresh-token-3b9a', ACCESS] + oauth.signed_in)

    def test_no_refresh_token_holds_deliveries(self):
        oauth = self.start_oauth()
        smtp = self.start_smtp()
        name = self.add('unsigned', self.settings(oauth, smtp), {'oauth2-client-secret': CLIENT_SECRET})
        delivery = GW.wait_state(GW.send(name, 'unsigned@herald.test'), State.DEFERRED, timeout=40)
        self.assertEqual(delivery.get_reason(), 'sign-in-required', describe(delivery))
        self.assertEqual(oauth.token_requests(), [])
        self.assertEqual(get_profile(name).get_string('state'), 'sign-in-required')
        # an administrator sets a good refresh token: the wait ends too
        GW.client.set_secret_sync(name, 'oauth2-refresh-token', 'admin-set-refresh-token', None)
        GW.wait_state(delivery.get_id(), State.SENT, timeout=40)


class ClientCredentialsTest(SignInCase):
    def test_client_secret(self):
        oauth = self.start_oauth(access_tokens=['app-token-1', 'app-token-2'], expires_in=3600)
        smtp = self.start_smtp(tokens=('app-token-1',))
        name = self.add('app', self.settings(oauth, smtp, oauth2_grant='client-credentials',
                                             oauth2_scope='https://mail.herald.test/.default'),
                        {'oauth2-client-secret': CLIENT_SECRET})
        GW.wait_state(GW.send(name, 'app@herald.test'), State.SENT, timeout=40)
        requests = oauth.token_requests()
        self.assertEqual(len(requests), 1)
        self.assertEqual(requests[0]['form'], {'grant_type': 'client_credentials', 'client_id': CLIENT_ID,
                                               'scope': 'https://mail.herald.test/.default',
                                               'client_secret': CLIENT_SECRET})
        self.assertFalse(get_profile(name).get_secret_set('oauth2-refresh-token'))
        # nobody needs to sign in: sign-in only checks that a token comes
        result = heraldctl('profile', 'sign-in', name)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(len(oauth.token_requests()), 2)
        self.assert_no_leaks([result.stdout, result.stderr], [CLIENT_SECRET, 'app-token-1', 'app-token-2'])

    def make_key_and_certificate(self, directory):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID
        import datetime
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'Herald test app')])
        now = datetime.datetime.now(datetime.timezone.utc)
        certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                       .public_key(key.public_key()).serial_number(x509.random_serial_number())
                       .not_valid_before(now - datetime.timedelta(days=1))
                       .not_valid_after(now + datetime.timedelta(days=2))
                       .sign(key, hashes.SHA256()))
        path = os.path.join(directory, f'app-cert-{GW.unique("c")}.pem')
        with open(path, 'wb') as f:
            f.write(certificate.public_bytes(serialization.Encoding.PEM))
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
        return pem, path

    def test_certificate_assertion(self):
        key, certificate = self.make_key_and_certificate(GW.dir)
        oauth = self.start_oauth(access_tokens=['cert-app-token'], client_certificate=certificate)
        smtp = self.start_smtp(tokens=('cert-app-token',))
        name = self.add('cert', self.settings(oauth, smtp, oauth2_grant='client-credentials',
                                              oauth2_client_certificate=certificate),
                        {'oauth2-client-key': key})
        delivery_id = GW.send(name, 'cert@herald.test')
        GW.wait_state(delivery_id, State.SENT, timeout=40)
        self.assertEqual(len(oauth.assertions), 1, oauth.requests)
        header, claims = oauth.assertions[0]
        self.assertEqual(header['alg'], 'RS256')
        self.assertEqual(claims['aud'], oauth.url)
        form = oauth.token_requests()[0]['form']
        self.assertNotIn('client_secret', form)
        self.assertEqual(form['client_assertion_type'],
                         'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
        key_body = ''.join(key.strip().splitlines()[1:-1])
        self.assert_no_leaks([str(get_profile(name).get_settings())],
                             [key_body[:64], key_body[-64:], 'cert-app-token', form['client_assertion']])

    def test_assertion_with_a_foreign_key(self):
        key, certificate = self.make_key_and_certificate(GW.dir)
        other_key, _ = self.make_key_and_certificate(GW.dir)
        oauth = self.start_oauth(client_certificate=certificate)
        smtp = self.start_smtp()
        name = self.add('foreign', self.settings(oauth, smtp, oauth2_grant='client-credentials',
                                                 oauth2_client_certificate=certificate),
                        {'oauth2-client-key': other_key})
        delivery = GW.wait_state(GW.send(name, 'foreign@herald.test'), (State.DEFERRED, State.FAILED),
                                 timeout=40)
        self.assertIn('does not belong to oauth2-client-key', delivery_text(delivery))
        self.assertEqual(oauth.token_requests(), [])


class PresetTest(SignInCase):
    def test_microsoft365_preset(self):
        name = self.add('o365', {'transport': 'smtp', 'provider': 'microsoft365', 'username': USER,
                                 'oauth2-client-id': CLIENT_ID})
        profile = get_profile(name)
        expect = {
            'host': 'smtp.office365.com', 'security': 'starttls', 'auth': 'xoauth2',
            'oauth2-tenant': 'organizations',
            'oauth2-token-url': 'https://login.microsoftonline.com/organizations/oauth2/v2.0/token',
            'oauth2-device-url': 'https://login.microsoftonline.com/organizations/oauth2/v2.0/devicecode',
            'oauth2-authorize-url': 'https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize',
            'oauth2-scope': 'https://outlook.office365.com/SMTP.Send offline_access',
        }
        for key, value in expect.items():
            self.assertEqual(profile.get_string(key), value, key)
        self.assertEqual(profile.get_uint64('port'), 587)
        self.assertEqual(profile.get_uint64('rate-limit'), 30)

        GW.update_profile(name, {'oauth2-tenant': 'contoso.onmicrosoft.com', 'host': 'relay.herald.test',
                                 'rate-limit': '10'})
        profile = get_profile(name)
        self.assertEqual(profile.get_string('oauth2-token-url'),
                         'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token')
        self.assertEqual(profile.get_string('host'), 'relay.herald.test')
        self.assertEqual(profile.get_uint64('rate-limit'), 10)

        GW.update_profile(name, {'oauth2-grant': 'client-credentials'})
        self.assertEqual(get_profile(name).get_string('oauth2-scope'), 'https://outlook.office365.com/.default')

    def test_gmail_and_generic(self):
        name = self.add('gmail', {'transport': 'smtp', 'provider': 'gmail', 'username': USER,
                                  'oauth2-client-id': CLIENT_ID})
        profile = get_profile(name)
        self.assertEqual(profile.get_string('host'), 'smtp.gmail.com')
        self.assertEqual(profile.get_string('oauth2-scope'), 'https://mail.google.com/')
        self.assertEqual(profile.get_string('oauth2-token-url'), 'https://oauth2.googleapis.com/token')
        smtps = self.add('gmail-tls', {'transport': 'smtps', 'provider': 'gmail', 'username': USER,
                                       'oauth2-client-id': CLIENT_ID})
        self.assertEqual(get_profile(smtps).get_uint64('port'), 465)
        plain = self.add('plain', {'transport': 'smtp', 'host': 'mail.herald.test'})
        self.assertEqual(get_profile(plain).get_string('auth'), 'auto')
        self.assertIsNone(get_profile(plain).get_string('oauth2-token-url'))

    def test_bad_tenant_refused(self):
        with self.assertRaises(GLib.Error) as raised:
            self.add('bad-tenant', {'transport': 'smtp', 'provider': 'microsoft365', 'username': USER,
                                    'oauth2-tenant': 'evil.test/../x?'})
        self.assertTrue(raised.exception.matches(Herald.error_quark(), Herald.Error.INVALID_SETTING))

    def test_preset_pointed_at_loopback(self):
        """A gmail profile whose endpoints and server are set to the test
        peers: the preset's values give way, the preset's scope stays."""
        oauth = self.start_oauth()
        smtp = self.start_smtp()
        settings = self.settings(oauth, smtp, provider='gmail')
        del settings['oauth2-scope']
        del settings['auth']
        name = self.add('gmail-local', settings)
        run, _ = self.sign_in_with_code(oauth, name)
        self.assertEqual(run.finish(), 0, run.stderr)
        asked = [r for r in oauth.requests if r['path'] == '/devicecode']
        self.assertEqual(asked[0]['form']['scope'], 'https://mail.google.com/')
        GW.wait_state(GW.send(name, 'gmail-local@herald.test'), State.SENT, timeout=40)


if __name__ == '__main__':
    unittest.main(verbosity=2)
