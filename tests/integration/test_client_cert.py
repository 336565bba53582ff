#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_client_cert.py: TLS client certificates (issue 19, section 5) against
# real peers on 127.0.0.1:
#
#   PostfixClientCertTest  a private Postfix (postfix_submission.py) that
#                          requires a client certificate of the test CA
#                          (smtpd_tls_req_ccert) and relays only for the
#                          certificates listed in relay_clientcerts: a good
#                          certificate is delivered (seen in Postfix's log),
#                          a missing or foreign one is refused, with
#                          Postfix's own reply in the delivery.
#   KeyHandlingTest        the key as a secret or as a file: owner and mode
#                          checked at use, a key of another certificate, an
#                          expired certificate, bad values refused at
#                          AddProfile/SetSecret; the key never in a reply,
#                          GetProfile, heraldctl, a transcript or the log.
#   ScriptedTlsTest        aiosmtpd (OpenSSL) asking for a certificate over
#                          implicit TLS, and offering AUTH EXTERNAL.
#   HttpMutualTlsTest      the HTTP fax API (fax_api_server.py) requiring a
#                          client certificate: the fax backend's libsoup
#                          client presents the profile's.
#   GraphMutualTlsTest     the graph transport presenting the profile's certificate
#                          to a Graph endpoint that requires one; a foreign
#                          one refused with the words that say so.
#
# Run as test_smtp.py is run (see meson.build); Postfix needs root.

import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

PRELOAD = os.environ.pop('LD_PRELOAD', None)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from harness import (Gateway, State, GLib, Gio, Herald, describe,  # noqa: E402
                     delivery_text, secret_leaks)
import certs  # noqa: E402
import netutil  # noqa: E402
import postfix_submission  # noqa: E402

STRICT = os.environ.get('HERALD_INTEGRATION_STRICT') == '1'
FROM = 'herald@herald.test'
GW = None
CERTS = None
CLIENTS = None


def setUpModule():
    global GW, CERTS, CLIENTS
    CERTS = certs.CertSet()
    unittest.addModuleCleanup(CERTS.cleanup)
    CLIENTS = CERTS.client_certs()
    GW = Gateway()
    unittest.addModuleCleanup(GW.stop)
    GW.start()
    transports = list(GW.client.get_transports() or [])
    if 'smtp' not in transports or 'fax' not in transports:
        raise AssertionError(f'smtp and fax transports needed (Transports = {transports})')


def need(reason):
    if reason:
        if STRICT:
            raise AssertionError(f'missing test peer: {reason}')
        raise unittest.SkipTest(reason)


def key_body_lines(kind):
    """The base64 lines of a key's PEM block: what a leak would show."""
    text = CLIENTS.key_text(kind)
    block = re.search(r'-----BEGIN [A-Z ]*PRIVATE KEY-----(.*?)-----END', text, re.S).group(1)
    return [line.strip() for line in block.splitlines() if len(line.strip()) >= 16]


def smtp_settings(port, security='starttls', transport='smtp', **extra):
    settings = {
        'transport': transport, 'host': 'localhost', 'port': port, 'security': security,
        'auth': 'none', 'from-address': FROM, 'helo-name': 'client.herald.test',
        'connect-timeout': 5, 'conversation-timeout': 15, 'retry-interval': 3600,
        'max-connections': 1, 'ca-file': CERTS.ca_file,
    }
    settings.update({key.replace('_', '-'): value for key, value in extra.items()})
    return settings


def get_profile_raw(name):
    """GetProfile's a{sv} as D-Bus gives it to any client."""
    connection = GW.client.get_connection()
    result = connection.call_sync('org.herald.Gateway1', '/org/herald/Gateway1',
                                  'org.herald.Gateway1', 'GetProfile', GLib.Variant('(s)', (name,)),
                                  GLib.VariantType.new('(a{sv})'), Gio.DBusCallFlags.NONE, 30000, None)
    return result.unpack()[0]


class ClientCertCase(unittest.TestCase):
    maxDiff = None

    def add(self, prefix, settings, key=None):
        """A profile; KEY (PEM text or a path) is set as the secret
        tls-client-key with SetSecret, as heraldctl set-password does."""
        return GW.add_profile(GW.unique(prefix), settings,
                              {'tls-client-key': key} if key is not None else None)

    def assert_key_hidden(self, name, kind, result=None, extra_texts=()):
        """No line of KIND's key in GetProfile, TestProfile's result, the
        daemon log, or EXTRA_TEXTS."""
        secrets = key_body_lines(kind)
        profile = get_profile_raw(name)
        self.assertTrue(profile.get('tls-client-key-set'), profile)
        self.assertNotIn('tls-client-key', profile)
        self.assertEqual(secret_leaks([repr(profile)], secrets), [], 'key in GetProfile')
        if result is not None:
            lines = list(result.get('transcript') or []) + [str(result.get('reply') or ''),
                                                            str(result.get('error') or '')]
            self.assertEqual(secret_leaks(lines, secrets), [], 'key in TestProfile')
        self.assertEqual(secret_leaks(GW.log_text().splitlines(), secrets), [], 'key in the log')
        self.assertEqual(secret_leaks(list(extra_texts), secrets), [], 'key in the output')


# --- Postfix requiring a client certificate ------------------------------------

class PostfixClientCertTest(ClientCertCase):

    @classmethod
    def setUpClass(cls):
        need(postfix_submission.missing_requirements())
        # client-ec is signed by the test CA too, but not listed for relaying
        cls.pf = postfix_submission.PostfixSubmission(
            CERTS, client_certs=[CLIENTS.postfix_fingerprint('client')])
        cls.addClassCleanup(cls.pf.cleanup)
        cls.addClassCleanup(cls.pf.stop)
        cls.pf.start()

    def profile(self, kind, key_as='secret', **extra):
        settings = smtp_settings(self.pf.port, **extra)
        key = None
        if kind is not None:
            settings['tls-client-certificate'] = CLIENTS.cert(kind)
            key = CLIENTS.key_text(kind) if key_as == 'secret' else CLIENTS.key(kind)
        return self.add(f'ccert-{kind}', settings, key)

    def test_good_certificate_is_delivered(self):
        name = self.profile('client')
        rcpt = f'{GW.unique("good")}@example.org'
        delivery = GW.wait_state(GW.send(name, rcpt), State.SENT, timeout=60)
        logged = self.pf.wait_delivered(recipient=rcpt)
        self.assertEqual(logged['status'], 'sent')
        self.assertIn('queued as', delivery.get_reply() or '', describe(delivery))
        self.assertIn('Trusted TLS connection established', self.pf.log_text())
        self.assert_key_hidden(name, 'client')

    def test_key_file_and_certificate_text(self):
        # the key as a file only the daemon's user reads, the chain as PEM text
        key_file = os.path.join(GW.dir, 'client.key')
        shutil.copyfile(CLIENTS.key('client'), key_file)
        os.chmod(key_file, 0o400)
        settings = smtp_settings(self.pf.port, tls_client_certificate=CLIENTS.cert_text('client'))
        name = self.add('ccert-file', settings, key_file)
        rcpt = f'{GW.unique("keyfile")}@example.org'
        result = GW.test_profile(name, rcpt)
        self.assertTrue(result.get('ok'), result)
        self.pf.wait_delivered(recipient=rcpt)
        transcript = '\n'.join(result.get('transcript') or [])
        self.assertRegex(transcript, r'client certificate offered: [^\n]*CN=relay-client\.herald\.test')
        self.assert_key_hidden(name, 'client', result)
        # the certificate, public, is shown as it was set
        self.assertIn('BEGIN CERTIFICATE', get_profile_raw(name).get('tls-client-certificate'))

    def test_missing_certificate_is_refused_with_postfix_reply(self):
        name = self.profile(None)
        result = GW.test_profile(name, 'missing@example.org')
        self.assertFalse(result.get('ok'), result)
        self.assertIn('No client certificate presented', result.get('reply') or '', result)
        self.assertIn('No client certificate presented', result.get('error') or '', result)
        # Postfix's 421 4.7.1: deferred, with its words
        delivery = GW.wait_state(GW.send(name, 'missing-send@example.org'), State.DEFERRED, timeout=60)
        self.assertIn('421 4.7.1', delivery_text(delivery), describe(delivery))
        self.assertIn('No client certificate presented', delivery_text(delivery))

    def test_foreign_certificate_is_refused_with_postfix_reply(self):
        name = self.profile('foreign')
        result = GW.test_profile(name, 'foreign@example.org')
        self.assertFalse(result.get('ok'), result)
        self.assertIn('Client certificate not trusted', result.get('error') or '', result)
        delivery = GW.wait_state(GW.send(name, 'foreign-send@example.org'), State.DEFERRED, timeout=60)
        self.assertIn('Client certificate not trusted', delivery_text(delivery), describe(delivery))
        self.assertIn('certificate verification failed', self.pf.log_text())
        self.assert_key_hidden(name, 'foreign', result)

    def test_trusted_but_not_permitted_certificate_fails_at_rcpt(self):
        # signed by the test CA (TLS goes on) but not in relay_clientcerts;
        # an ECDSA key in SEC 1 form ("BEGIN EC PRIVATE KEY")
        name = self.profile('client-ec')
        delivery = GW.wait_state(GW.send(name, 'not-listed@example.org'), State.FAILED, timeout=60)
        self.assertIn('Access denied', delivery_text(delivery), describe(delivery))


# --- the key: secret or file, and what is refused --------------------------------

class KeyHandlingTest(ClientCertCase):
    """Against an aiosmtpd server that asks for (but does not require) a
    certificate and records the common name of what it got."""

    @classmethod
    def setUpClass(cls):
        try:
            import scripted_servers
        except ImportError as error:
            need(f'aiosmtpd is missing: {error}')
        cls.server = scripted_servers.ScriptedServer('record', certset=CERTS, users={},
                                                     client_cert='optional')
        cls.addClassCleanup(cls.server.stop)
        cls.server.start()

    def key_file(self, mode=0o600, kind='client', owner=None):
        path = os.path.join(GW.dir, f'{GW.unique("key")}.pem')
        shutil.copyfile(CLIENTS.key(kind), path)
        os.chmod(path, mode)
        if owner is not None:
            os.chown(path, owner, -1)
        return path

    def settings(self, kind='client', **extra):
        return smtp_settings(self.server.port, tls_client_certificate=CLIENTS.cert(kind), **extra)

    def last_peer_cn(self):
        session = self.server.sessions[-1]
        return (session.tls or {}).get('peer-cn')

    def test_key_file_0600_is_used(self):
        name = self.add('kf-ok', self.settings(), self.key_file(0o600))
        result = GW.test_profile(name, 'kf@example.org')
        self.assertTrue(result.get('ok'), result)
        self.assertEqual(self.last_peer_cn(), 'relay-client.herald.test')

    def test_key_file_readable_by_others_is_refused(self):
        for mode in (0o640, 0o644, 0o604, 0o660):
            with self.subTest(mode=oct(mode)):
                sessions = len(self.server.sessions)
                name = self.add('kf-mode', self.settings(), self.key_file(mode))
                result = GW.test_profile(name, 'kf-mode@example.org')
                self.assertFalse(result.get('ok'), result)
                self.assertIn(f'mode {mode:04o}', result.get('error') or '', result)
                self.assertIn('0600 or 0400', result.get('error') or '')
                # refused before connecting: nothing reached the server
                self.assertEqual(len(self.server.sessions), sessions)
                # a bad configuration fails; it is not retried
                delivery = GW.wait_state(GW.send(name, 'kf-mode-send@example.org'), State.FAILED, timeout=60)
                self.assertIn('0600 or 0400', delivery_text(delivery), describe(delivery))

    def test_key_file_of_another_user_is_refused(self):
        try:
            nobody = pwd.getpwnam('nobody').pw_uid
        except KeyError:
            self.skipTest('no user nobody')
        if os.geteuid() != 0:
            self.skipTest('chown needs root')
        name = self.add('kf-owner', self.settings(), self.key_file(0o600, owner=nobody))
        result = GW.test_profile(name, 'kf-owner@example.org')
        self.assertFalse(result.get('ok'), result)
        self.assertIn(f'belongs to uid {nobody}', result.get('error') or '', result)

    def test_missing_key_file_is_refused(self):
        name = self.add('kf-missing', self.settings(), os.path.join(GW.dir, 'no-such.key'))
        result = GW.test_profile(name, 'kf-missing@example.org')
        self.assertFalse(result.get('ok'), result)
        self.assertIn('no-such.key', result.get('error') or '', result)

    def test_certificate_without_key_is_refused(self):
        name = self.add('no-key', self.settings())
        result = GW.test_profile(name, 'no-key@example.org')
        self.assertFalse(result.get('ok'), result)
        self.assertIn('no tls-client-key', result.get('error') or '', result)

    def test_key_of_another_certificate_is_refused(self):
        name = self.add('wrong-key', self.settings('client'), CLIENTS.key_text('foreign'))
        result = GW.test_profile(name, 'wrong-key@example.org')
        self.assertFalse(result.get('ok'), result)
        self.assertIn('is not the private key', result.get('error') or '', result)
        self.assert_key_hidden(name, 'foreign', result)

    def test_expired_certificate_is_refused(self):
        name = self.add('expired', self.settings('expired-client'), CLIENTS.key_text('expired-client'))
        result = GW.test_profile(name, 'expired@example.org')
        self.assertFalse(result.get('ok'), result)
        self.assertIn('not now', result.get('error') or '', result)

    def test_bad_values_are_refused_without_echo(self):
        name = self.add('bad-values', self.settings())
        garbage = '-----BEGIN PRIVATE KEY-----\nTm90QUtleUF0QWxsSnVzdFRleHQ=\n-----END PRIVATE KEY-----\n'
        for value in (garbage, 'not a key at all', 'relative/path.key',
                      CLIENTS.key_text('client').replace('PRIVATE KEY', 'ENCRYPTED PRIVATE KEY')):
            with self.subTest(value=value[:30]):
                with self.assertRaises(GLib.Error) as raised:
                    GW.client.set_secret_sync(name, 'tls-client-key', value, None)
                self.assertTrue(raised.exception.matches(Herald.error_quark(), Herald.Error.INVALID_SETTING),
                                raised.exception.message)
                self.assertIn('tls-client-key', raised.exception.message)
                self.assertNotIn('Tm90QUtleUF0', raised.exception.message)
                self.assertNotIn('not a key at all', raised.exception.message)
                self.assertEqual(secret_leaks([raised.exception.message], key_body_lines('client')), [])
        # a private key in the visible certificate setting
        with self.assertRaises(GLib.Error) as raised:
            GW.update_profile(name, {'tls-client-certificate':
                                     CLIENTS.cert_text('client') + CLIENTS.key_text('client')})
        self.assertIn('private key', raised.exception.message)
        self.assertEqual(secret_leaks([raised.exception.message], key_body_lines('client')), [])

    def test_heraldctl_never_shows_the_key(self):
        ctl = os.environ.get('HERALD_CTL')
        need(None if ctl and os.access(ctl, os.X_OK) else 'HERALD_CTL is not set')
        name = self.add('ctl', self.settings())
        # set-password --key reads the whole PEM text from standard input
        run = subprocess.run([ctl, 'profile', 'set-password', name, '--key', 'tls-client-key'],
                             input=CLIENTS.key_text('client'), capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        shown = subprocess.run([ctl, 'profile', 'show', name], capture_output=True, text=True, timeout=60)
        tested = subprocess.run([ctl, 'profile', 'test', name, '--to', 'ctl@example.org'],
                                capture_output=True, text=True, timeout=120)
        self.assertEqual(tested.returncode, 0, tested.stdout + tested.stderr)
        self.assertEqual(self.last_peer_cn(), 'relay-client.herald.test')
        self.assert_key_hidden(name, 'client', extra_texts=[run.stdout, run.stderr, shown.stdout,
                                                            shown.stderr, tested.stdout, tested.stderr])


# --- OpenSSL servers: implicit TLS, AUTH EXTERNAL ---------------------------------

class ScriptedTlsTest(ClientCertCase):

    @classmethod
    def setUpClass(cls):
        try:
            import scripted_servers
        except ImportError as error:
            need(f'aiosmtpd is missing: {error}')
        cls.mod = scripted_servers

    def server(self, mode, **kwargs):
        server = self.mod.ScriptedServer(mode, certset=CERTS, users={}, **kwargs)
        self.addCleanup(server.stop)
        return server.start()

    def test_implicit_tls_requiring_a_certificate(self):
        server = self.server('record', implicit_tls=True, client_cert='required')
        base = dict(transport='smtps', security='tls')
        good = self.add('smtps-good', smtp_settings(server.port, tls_client_certificate=CLIENTS.cert('client'),
                                                    **base), CLIENTS.key_text('client'))
        delivery = GW.wait_state(GW.send(good, 'smtps-good@example.org'), State.SENT, timeout=60)
        self.assertIn('queued as', delivery.get_reply() or '', describe(delivery))
        self.assertEqual(server.sessions[-1].tls.get('peer-cn'), 'relay-client.herald.test')

        # without one: the server asked for one, and ended the session
        none = self.add('smtps-none', smtp_settings(server.port, **base))
        result = GW.test_profile(none, 'smtps-none@example.org')
        self.assertFalse(result.get('ok'), result)
        self.assertIn('asked for a TLS client certificate, and profile', result.get('error') or '', result)
        self.assertFalse(any(s.messages for s in server.sessions[1:]))

        # a foreign one: the server's alert names the unknown CA
        foreign = self.add('smtps-foreign', smtp_settings(server.port, tls_client_certificate=CLIENTS.cert('foreign'),
                                                          **base), CLIENTS.key_text('foreign'))
        result = GW.test_profile(foreign, 'smtps-foreign@example.org')
        self.assertFalse(result.get('ok'), result)
        error = result.get('error') or ''
        self.assertIn('did not accept it', error, result)
        self.assertIn('CN=relay-client.herald.test', error)
        # OpenSSL's alert names the unknown CA, or it closes first; either
        # way the server's own words are kept
        self.assertRegex(error, r'the server did not accept it: \S', result)
        delivery = GW.wait_state(GW.send(foreign, 'smtps-foreign-send@example.org'), State.DEFERRED, timeout=60)
        self.assertIn('did not accept it', delivery_text(delivery), describe(delivery))

    def test_auth_external(self):
        server = self.server('external')
        name = self.add('external', smtp_settings(server.port, auth='external',
                                                  tls_client_certificate=CLIENTS.cert('client')),
                        CLIENTS.key_text('client'))
        result = GW.test_profile(name, 'external@example.org')
        self.assertTrue(result.get('ok'), result)
        self.assertIn('C: AUTH EXTERNAL', '\n'.join(result.get('transcript') or []))
        self.assertEqual(server.sessions[-1].auth_attempts, [('EXTERNAL', 'relay-client.herald.test', True)])
        self.assert_key_hidden(name, 'client', result)

        # an authorisation identity the certificate may not use: the server's 535
        other = self.add('external-authzid', smtp_settings(server.port, auth='external', username='someone-else',
                                                           tls_client_certificate=CLIENTS.cert('client')),
                         CLIENTS.key_text('client'))
        result = GW.test_profile(other, 'external-authzid@example.org')
        self.assertFalse(result.get('ok'), result)
        self.assertIn('535 5.7.1 someone-else may not use the certificate', result.get('error') or '', result)
        self.assertIn('with EXTERNAL', result.get('error') or '')
        self.assertEqual(server.sessions[-1].auth_attempts[-1], ('EXTERNAL', 'someone-else', False))

    def test_auth_external_not_offered(self):
        server = self.server('tls-cert', client_cert='optional')
        name = self.add('external-unoffered', smtp_settings(server.port, auth='external',
                                                            tls_client_certificate=CLIENTS.cert('client')),
                        CLIENTS.key_text('client'))
        result = GW.test_profile(name, 'unoffered@example.org')
        self.assertFalse(result.get('ok'), result)
        self.assertIn('does not offer the authentication mechanism EXTERNAL', result.get('error') or '', result)

    def test_auth_external_needs_certificate_and_tls(self):
        for extra, words in (({}, 'tls-client-certificate'),
                             ({'security': 'none', 'tls-client-certificate': CLIENTS.cert('client')},
                              'only over TLS'),
                             ({'security': 'starttls-if-available',
                               'tls-client-certificate': CLIENTS.cert('client')}, 'only over TLS')):
            with self.subTest(extra=extra):
                settings = smtp_settings(2525, auth='external')
                settings.update(extra)
                with self.assertRaises(GLib.Error) as raised:
                    GW.add_profile(GW.unique('external-bad'), settings)
                self.assertTrue(raised.exception.matches(Herald.error_quark(), Herald.Error.INVALID_SETTING),
                                raised.exception.message)
                self.assertIn(words, raised.exception.message)


# --- mutual TLS for the HTTP clients -------------------------------------------

class HttpMutualTlsTest(ClientCertCase):
    API_KEY = 'herald-mtls-fax-api-key'

    @classmethod
    def setUpClass(cls):
        import fax_api_server
        cls.api = fax_api_server.FaxApiServer(CERTS, api_key=cls.API_KEY, client_ca=CERTS.ca_file).start()
        cls.addClassCleanup(cls.api.stop)

    def profile(self, kind):
        settings = {
            'transport': 'fax', 'fax-backend': 'http', 'from-address': FROM,
            'fax-api-url': self.api.url, 'ca-file': CERTS.ca_file,
            'fax-default-country-code': '1', 'retry-interval': '3600', 'fax-poll-interval': '3600',
            'connect-timeout': '5', 'conversation-timeout': '15',
        }
        if kind is not None:
            settings['tls-client-certificate'] = CLIENTS.cert(kind)
        name = GW.add_profile(GW.unique(f'mtls-{kind}'), settings, {'fax-api-key': self.API_KEY})
        if kind is not None:
            GW.client.set_secret_sync(name, 'tls-client-key', CLIENTS.key_text(kind), None)
        return name

    def fax(self, profile, number):
        n = Herald.Notification.new()
        n.add_fax(number)
        n.set_subject(GW.unique('mTLS fax'))
        n.set_body('Cover text.\n')
        n.set_profile(profile)
        return GW.client.send_sync(n, None)

    # Runs first (the names sort so): the two after it then find a TLS
    # session of the good certificate in GIO's cache, which they must not
    # resume (the server would take them for the certificate's owner).
    def test_client_certificate_presented(self):
        name = self.profile('client')
        delivery = GW.wait_state(self.fax(name, '724-627-9591'), State.SUBMITTED, timeout=60)
        posts = self.api.posts('+17246279591')
        self.assertEqual(len(posts), 1, describe(delivery))
        self.assertEqual(posts[0]['peer-cn'], 'relay-client.herald.test')
        self.assert_key_hidden(name, 'client')

    def test_without_certificate_nothing_is_sent(self):
        name = self.profile(None)
        delivery = GW.wait_state(self.fax(name, '724-627-9592'), State.DEFERRED, timeout=60)
        self.assertEqual(self.api.posts('+17246279592'), [])
        self.assertRegex(delivery_text(delivery), r'(?i)certificate|TLS', describe(delivery))
        self.assertNotIn(self.API_KEY, delivery_text(delivery))

    def test_foreign_certificate_refused(self):
        name = self.profile('foreign')
        delivery = GW.wait_state(self.fax(name, '724-627-9593'), State.DEFERRED, timeout=60)
        self.assertEqual(self.api.posts('+17246279593'), [])
        self.assertIn('presented its client certificate', delivery_text(delivery), describe(delivery))
        self.assertIn('CN=Foreign Test CA', delivery_text(delivery))



class GraphMutualTlsTest(ClientCertCase):
    """A tenant that asks for mutual TLS: the graph transport presents the
    profile's certificate to Graph (and to the token endpoint)."""
    REFRESH = 'graph-mtls-refresh'
    ACCESS = 'graph-mtls-access'

    @classmethod
    def setUpClass(cls):
        import graph_server
        import oauth_server
        cls.oauth = oauth_server.OAuthServer(refresh_token=cls.REFRESH, client_id='graph-mtls',
                                             client_secret='graph-mtls-secret',
                                             access_tokens=[cls.ACCESS] * 8, certset=CERTS)
        cls.oauth.start()
        cls.addClassCleanup(cls.oauth.stop)
        cls.graph = graph_server.GraphServer(CERTS, tokens=(cls.ACCESS,), client_ca=CERTS.ca_file)
        cls.graph.start()
        cls.addClassCleanup(cls.graph.stop)

    def profile(self, kind):
        settings = {'transport': 'graph', 'graph-url': self.graph.base_url, 'graph-user': FROM,
                    'from-address': FROM, 'oauth2-token-url': self.oauth.url,
                    'oauth2-client-id': 'graph-mtls', 'ca-file': CERTS.ca_file,
                    'retry-interval': '3600', 'connect-timeout': '5', 'conversation-timeout': '15',
                    'tls-client-certificate': CLIENTS.cert(kind)}
        name = GW.add_profile(GW.unique(f'graph-mtls-{kind}'), settings,
                              {'oauth2-client-secret': 'graph-mtls-secret',
                               'oauth2-refresh-token': self.REFRESH})
        GW.client.set_secret_sync(name, 'tls-client-key', CLIENTS.key_text(kind), None)
        return name

    def send(self, profile):
        n = Herald.Notification.new()
        n.add_to('ops@herald.test')
        n.set_subject(GW.unique('mTLS graph'))
        n.set_body('Body.\n')
        n.set_profile(profile)
        return GW.client.send_sync(n, None)

    def test_client_certificate_presented(self):
        before = len(self.graph.sent())
        name = self.profile('client')
        delivery = GW.wait_state(self.send(name), State.SENT, timeout=60)
        self.assertEqual(len(self.graph.sent()), before + 1, describe(delivery))
        self.assert_key_hidden(name, 'client')

    def test_foreign_certificate_refused(self):
        before = len(self.graph.sent())
        name = self.profile('foreign')
        delivery = GW.wait_state(self.send(name), State.DEFERRED, timeout=60)
        self.assertEqual(len(self.graph.sent()), before)
        self.assertIn('presented its client certificate', delivery_text(delivery), describe(delivery))
        self.assertNotIn(self.ACCESS, delivery_text(delivery))


if __name__ == '__main__':
    unittest.main(verbosity=2)
