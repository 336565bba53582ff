#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_smtp.py: the SMTP engine and the smtp / smtps transports against real
# servers (issue 3, "Tests"): a private Postfix submission server, Postfix's
# smtp-sink, and aiosmtpd-based scripted fault servers, all started here on
# 127.0.0.1. Uses gi.repository.Herald against the built heraldd on the
# private bus of dbus-run-session (see meson.build).
#
# Run from the build tree:  meson test -C BUILD --suite integration -v
# Or by hand (root, for Postfix):
#   HERALD_DAEMON=BUILD/src/daemon/heraldd HERALD_PLUGIN_DIR=BUILD/plugins \
#   HERALD_CTL=BUILD/src/cli/heraldctl GI_TYPELIB_PATH=BUILD/src/libherald \
#   LD_LIBRARY_PATH=BUILD/src/libherald \
#   dbus-run-session -- /usr/bin/python3 tests/integration/test_smtp.py -v [-k PATTERN]
#
# A peer whose tools are missing is skipped with the reason, unless
# HERALD_INTEGRATION_STRICT=1 (CI), where a missing peer is a failure.

import json
import os
import re
import subprocess
import sys
import time
import unittest

# Under the sanitizer build this interpreter was started with the ASan
# runtime preloaded (it loads the instrumented libherald); the peers it
# starts (certtool, Postfix, smtp-sink) must not inherit that.
PRELOAD = os.environ.pop('LD_PRELOAD', None)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from harness import (Gateway, State, NOT_SENT, GLib, Herald, describe,  # noqa: E402
                     delivery_text, recipients_by_address, normalise_newlines,
                     secret_leaks, body_text)
import certs  # noqa: E402
import netutil  # noqa: E402
import postfix_submission  # noqa: E402

netutil.small_asan_quarantine(PRELOAD)      # peak-RSS bounds in OAuthTest

STRICT = os.environ.get('HERALD_INTEGRATION_STRICT') == '1'
FROM = 'herald@herald.test'
USER = 'alice'
PASSWORD = 'Wonder-land_42!'

# a body that tests every line-ending and dot-stuffing rule, and carries
# SMTP smuggling attempts ("<LF>.<CR><LF>" and friends)
TRICKY_BODY = (
    'Line one.\n'
    'bare LF above, a bare CR next\rafter the bare CR\r\n'
    'a CRLF line\r\n'
    '.\n'
    '..\n'
    '.leading dot\n'
    '..two leading dots\n'
    '. dot space\n'
    'smuggling attempt one\n.\nMAIL FROM:<smuggled@evil.test>\n'
    'smuggling attempt two\r\n.\r\nRCPT TO:<smuggled@evil.test>\r\n'
    'smuggling attempt three\n.\r\nDATA\r\n'
    'smuggling attempt four\r.\r\nQUIT\r\n'
    'last line\n')

GW = None
CERTS = None


def setUpModule():
    global GW, CERTS
    CERTS = certs.CertSet()
    unittest.addModuleCleanup(CERTS.cleanup)
    GW = Gateway()
    unittest.addModuleCleanup(GW.stop)
    GW.start()
    transports = list(GW.client.get_transports() or [])
    missing = [t for t in ('smtp', 'smtps') if t not in transports]
    if missing:
        raise AssertionError(f'transport plugins not loaded: {missing} (Transports = {transports}); '
                             'HERALD_PLUGIN_DIR must name the smtp plugin directory (smtp and smtps)')


def need(reason):
    """Skips (or fails under HERALD_INTEGRATION_STRICT=1) for a missing peer."""
    if reason:
        if STRICT:
            raise AssertionError(f'missing test peer: {reason}')
        raise unittest.SkipTest(reason)


def smtp_settings(port, host='127.0.0.1', transport='smtp', security='none', auth='none',
                  **extra):
    settings = {
        'transport': transport, 'host': host, 'port': port, 'security': security,
        'auth': auth, 'from-address': FROM, 'helo-name': 'client.herald.test',
        'connect-timeout': 5, 'conversation-timeout': 10, 'retry-interval': 3600,
        'max-connections': 1,
    }
    settings.update({key.replace('_', '-'): value for key, value in extra.items()})
    return settings


def tls_settings(port, host='localhost', security='starttls', **extra):
    return smtp_settings(port, host=host, security=security, ca_file=CERTS.ca_file, **extra)


class IntegrationCase(unittest.TestCase):
    maxDiff = None

    def add(self, prefix, settings, secrets=None):
        return GW.add_profile(GW.unique(prefix), settings, secrets)

    def assert_test_ok(self, result):
        self.assertTrue(result.get('ok'), f'TestProfile failed: {result}')
        self.assertFalse(result.get('error'), result)

    def assert_no_leaks(self, result, secrets):
        transcript = result.get('transcript') or []
        self.assertTrue(transcript, f'TestProfile returned no transcript: {result}')
        leaks = secret_leaks(transcript, secrets)
        self.assertEqual(leaks, [], 'credentials in the transcript')
        for key in ('reply', 'error'):
            self.assertEqual(secret_leaks([result.get(key) or ''], secrets), [], key)
        log_leaks = secret_leaks(GW.log_text().splitlines(), secrets)
        self.assertEqual(log_leaks, [], 'credentials in the daemon log')

    def assert_not_sent(self, delivery_id, timeout=40, states=NOT_SENT):
        return GW.wait_state(delivery_id, states, timeout=timeout)


# --- Postfix as a submission server -----------------------------------------

class PostfixSubmissionTest(IntegrationCase):
    """STARTTLS required, Cyrus SASL with sasldb, a certtool certificate,
    its own config directory and a high port; every message is discarded
    and logged, so delivery is confirmed in Postfix's own log."""

    @classmethod
    def setUpClass(cls):
        need(postfix_submission.missing_requirements())
        cls.pf = postfix_submission.PostfixSubmission(CERTS, users={USER: PASSWORD})
        cls.addClassCleanup(cls.pf.cleanup)
        cls.addClassCleanup(cls.pf.stop)
        cls.pf.start()

    def profile(self, auth, password=PASSWORD, security='starttls', **extra):
        return self.add(f'postfix-{auth}',
                        tls_settings(self.pf.port, security=security, auth=auth,
                                     username=USER, **extra),
                        {'password': password} if password is not None else None)

    def send_and_confirm(self, auth, mechanism=None):
        name = self.profile(auth)
        rcpt = f'{GW.unique(auth)}@example.org'
        delivery_id = GW.send(name, rcpt)
        delivery = GW.wait_state(delivery_id, State.SENT, timeout=40)
        logged = self.pf.wait_delivered(recipient=rcpt)
        self.assertEqual(logged['status'], 'sent')
        if delivery.get_message_id():
            self.assertEqual(logged.get('message-id'), delivery.get_message_id().strip('<>'))
        if mechanism:
            self.assertEqual(logged.get('sasl-method'), mechanism, logged)
        if auth != 'none':
            self.assertEqual(logged.get('sasl-username'), f'{USER}@{postfix_submission.REALM}')
        self.assertIn('queued as', delivery.get_reply() or '', describe(delivery))
        return logged

    def test_tls_then_auth_each_mechanism(self):
        self.assertIn('PLAIN', self.pf.mechanisms)
        for mechanism in self.pf.mechanisms:
            with self.subTest(mechanism=mechanism):
                self.send_and_confirm(mechanism.lower(), mechanism)

    def test_auth_auto_picks_strongest_offered(self):
        strongest = [m for m in ('SCRAM-SHA-256', 'SCRAM-SHA-1', 'CRAM-MD5', 'PLAIN')
                     if m in self.pf.mechanisms][0]
        self.send_and_confirm('auto', strongest)

    def test_starttls_if_available_upgrades(self):
        name = self.profile('plain', security='starttls-if-available')
        result = GW.test_profile(name, 'opportunistic@example.org')
        self.assert_test_ok(result)
        self.assertRegex(result.get('tls') or '', r'^TLSv1\.[23] \S+')

    def test_testprofile_reports_reply_tls_and_masks_credentials(self):
        import base64
        for mechanism in self.pf.mechanisms:
            with self.subTest(mechanism=mechanism):
                name = self.profile(mechanism.lower())
                rcpt = f'{GW.unique("test")}@example.org'
                result = GW.test_profile(name, rcpt)
                self.assert_test_ok(result)
                self.assertIn('queued as', result.get('reply', ''), result)
                self.assertEqual(result.get('enhanced-code'), '2.0.0', result)
                self.assertRegex(result.get('tls') or '', r'^TLSv1\.[23] \S+', result)
                transcript = '\n'.join(result.get('transcript') or [])
                self.assertRegex(transcript, r'(?i)STARTTLS')
                self.assertRegex(transcript, r'(?i)AUTH ' + re.escape(mechanism))
                secrets = [PASSWORD,
                           base64.b64encode(f'\0{USER}\0{PASSWORD}'.encode()).decode(),
                           base64.b64encode(f'{USER}\0{USER}\0{PASSWORD}'.encode()).decode(),
                           base64.b64encode(PASSWORD.encode()).decode()]
                self.assert_no_leaks(result, secrets)
                logged = self.pf.wait_delivered(recipient=rcpt)
                self.assertEqual(logged.get('sasl-method'), mechanism)

    def test_wrong_password_reports_server_text(self):
        name = self.profile('plain', password='not-the-password')
        result = GW.test_profile(name, 'wrong@example.org')
        self.assertFalse(result.get('ok'), result)
        # Postfix's own words: "535 5.7.8 Error: authentication failed: ..."
        self.assertIn('authentication failed', result.get('reply', ''), result)
        self.assertEqual(result.get('enhanced-code'), '5.7.8', result)
        self.assert_no_leaks(result, ['not-the-password'])

        # deferred (as Postfix's own client does: smtp_sasl_auth_soft_bounce) or
        # failed (a 5xx): either way with the server's own text
        delivery_id = GW.send(name, 'wrong-send@example.org')
        delivery = self.assert_not_sent(delivery_id)
        self.assertIn('authentication failed', delivery_text(delivery), describe(delivery))
        self.assertTrue(self.pf.auth_failures())

    def test_without_auth_relaying_is_refused(self):
        name = self.add('postfix-noauth', tls_settings(self.pf.port, auth='none'))
        delivery_id = GW.send(name, 'relay@example.org')
        delivery = GW.wait_state(delivery_id, State.FAILED, timeout=40)
        self.assertIn('Access denied', delivery_text(delivery), describe(delivery))

    def test_bare_newlines_pass_postfix(self):
        # this Postfix rejects a bare LF in DATA (smtpd_forbid_bare_newline = reject)
        name = self.profile('plain')
        rcpt = f'{GW.unique("bare")}@example.org'
        delivery_id = GW.send(name, rcpt, body=TRICKY_BODY)
        delivery = GW.wait_state(delivery_id, State.SENT, timeout=40)
        self.pf.wait_delivered(recipient=rcpt)
        self.assertNotIn('bare <LF>', delivery_text(delivery))

    def test_heraldctl_profile_test(self):
        ctl = os.environ.get('HERALD_CTL')
        need(None if ctl and os.access(ctl, os.X_OK) else 'HERALD_CTL is not set')
        good = self.profile('plain')
        run = subprocess.run([ctl, 'profile', 'test', good, '--to', 'ctl@example.org'],
                             capture_output=True, text=True, timeout=120)
        output = run.stdout + run.stderr
        self.assertEqual(run.returncode, 0, output)
        self.assertIn('queued as', output)
        self.assertNotIn(PASSWORD, output)
        bad = self.profile('plain', password='ctl-wrong-password')
        run = subprocess.run([ctl, 'profile', 'test', bad, '--to', 'ctl@example.org'],
                             capture_output=True, text=True, timeout=120)
        output = run.stdout + run.stderr
        self.assertNotEqual(run.returncode, 0, output)
        self.assertIn('authentication failed', output)
        self.assertNotIn('ctl-wrong-password', output)


# --- Postfix smtp-sink -------------------------------------------------------

class SmtpSinkTest(IntegrationCase):
    @classmethod
    def setUpClass(cls):
        import sink
        need(None if os.access(sink.SMTP_SINK, os.X_OK) else 'smtp-sink missing (package postfix)')
        cls.sink = sink

    def sink_profile(self, sink_server, **extra):
        return self.add('sink', smtp_settings(sink_server.port, **extra))

    def test_many_messages_over_reused_connections(self):
        count, max_connections = 50, 2
        # the greeting waits 2 s, so all 50 are queued before the first session is ready
        with self.sink.SmtpSink(wait={'CONNECT': 2}) as server:
            name = self.sink_profile(server, max_connections=max_connections)
            notifications = [GW.notification(name, f'bulk{i}@sink.herald.test',
                                             subject=f'bulk {i}') for i in range(count)]
            started = time.monotonic()
            ids = GW.send_many(notifications)
            for delivery_id in ids:
                GW.wait_state(delivery_id, State.SENT, timeout=60)
            elapsed = time.monotonic() - started
            server.wait_messages(count)
            self.assertEqual(server.count('.'), count)
            self.assertEqual(server.count('MAIL'), count)
            self.assertLessEqual(server.sessions(), max_connections,
                                 f'{server.sessions()} sessions for {count} messages')
            self.assertLessEqual(server.max_concurrent(), max_connections)
            self.assertLess(elapsed, 40, f'{count} messages took {elapsed:.1f} s')
            # DESIGN: connection reuse with RSET between messages
            self.assertGreaterEqual(server.count('RSET'), count - server.sessions(),
                                    'no RSET between messages of one session')

    def fault_case(self, expect, reply_text=None, **sink_options):
        with self.sink.SmtpSink(**sink_options) as server:
            name = self.sink_profile(server)
            delivery_id = GW.send(name, 'fault@sink.herald.test')
            delivery = GW.wait_state(delivery_id, expect, timeout=40)
            if expect == State.DEFERRED:
                self.assertIsNotNone(delivery.get_next_attempt(), describe(delivery))
            if reply_text:
                self.assertIn(reply_text, delivery_text(delivery), describe(delivery))
            return delivery

    def test_4xx_defers(self):
        for command in ('MAIL', 'RCPT', 'DATA', '.'):
            with self.subTest(command=command):
                self.fault_case(State.DEFERRED, 'Herald sink soft failure', soft_reject=[command])

    def test_5xx_fails(self):
        for command in ('MAIL', 'RCPT', 'DATA', '.'):
            with self.subTest(command=command):
                self.fault_case(State.FAILED, 'Herald sink hard failure', hard_reject=[command])

    def test_disconnect_defers(self):
        for command in ('CONNECT', 'EHLO', 'MAIL', 'RCPT', 'DATA', '.'):
            with self.subTest(command=command):
                self.fault_case(State.DEFERRED, disconnect=[command])

    def test_421_defers(self):
        for command in ('CONNECT', 'MAIL', 'RCPT', '.'):
            with self.subTest(command=command):
                self.fault_case(State.DEFERRED, '421', reply_421=[command])

    def test_dump_crlf_only_and_dot_stuffing(self):
        with self.sink.SmtpSink(dump=True) as server:
            name = self.sink_profile(server)
            delivery_id = GW.send(name, 'dump@sink.herald.test', subject='tricky body',
                                  body=TRICKY_BODY)
            GW.wait_state(delivery_id, State.SENT, timeout=40)
            dumps = server.wait_messages(1)
            self.assertEqual(len(dumps), 1, 'the smuggled lines made a second message')
            self.assertEqual(server.count('MAIL'), 1, server.commands())
            self.assertEqual(dumps[0].recipients, ['dump@sink.herald.test'])
            # the dump has LF line ends, no dot-stuffing left, and any bare CR
            # the client sent dropped: only a correctly normalised message matches
            received = body_text(dumps[0].message)
            self.assertEqual(normalise_newlines(received).rstrip('\n'),
                             normalise_newlines(TRICKY_BODY).rstrip('\n'))


# --- scripted servers (aiosmtpd / asyncio) ---------------------------------------

class ScriptedServerTest(IntegrationCase):
    @classmethod
    def setUpClass(cls):
        try:
            import scripted_servers
        except ImportError as error:
            need(f'python3-aiosmtpd is missing: {error}')
        cls.ss = scripted_servers

    def server(self, mode, **options):
        options.setdefault('users', {USER: PASSWORD})
        server = self.ss.ScriptedServer(mode, **options)
        self.addCleanup(server.stop)
        return server.start()

    # STARTTLS and injection

    def test_bytes_after_starttls_220_abort_the_session(self):
        server = self.server('inject-after-starttls', certset=CERTS)
        name = self.add('inject', tls_settings(server.port, auth='plain', username=USER),
                        {'password': PASSWORD})
        result = GW.test_profile(name, 'inject@herald.test')
        self.assertFalse(result.get('ok'), result)
        delivery_id = GW.send(name, 'inject@herald.test')
        self.assert_not_sent(delivery_id)
        for session in server.sessions:
            self.assertIn('STARTTLS', session.verbs(), session.transcript())
            self.assertIsNone(session.tls, 'TLS went on after injected bytes:\n' + session.transcript())
            self.assertNotIn('acted-on-injection', session.notes, session.transcript())
            self.assertFalse(session.saw('AUTH', 'MAIL', 'RCPT', 'DATA'), session.commands)

    def test_starttls_required_but_not_offered(self):
        server = self.server('no-starttls')
        name = self.add('nostarttls', smtp_settings(server.port, security='starttls',
                                                    auth='plain', username=USER),
                        {'password': PASSWORD})
        result = GW.test_profile(name, 'nostarttls@herald.test')
        self.assertFalse(result.get('ok'), result)
        self.assertTrue(result.get('error'), result)
        delivery_id = GW.send(name, 'nostarttls@herald.test')
        self.assert_not_sent(delivery_id)
        self.assertTrue(server.sessions)
        self.assertFalse(server.saw('AUTH', 'MAIL', 'RCPT', 'DATA'), server.all_commands())

    def test_starttls_if_available_never_sends_plaintext_password(self):
        server = self.server('no-starttls')
        name = self.add('opportunistic', smtp_settings(server.port, security='starttls-if-available',
                                                       auth='plain', username=USER),
                        {'password': PASSWORD})
        delivery_id = GW.send(name, 'opportunistic@herald.test')
        self.assert_not_sent(delivery_id)
        self.assertFalse(server.saw('AUTH'), server.all_commands())

    def test_starttls_if_available_sends_without_tls(self):
        server = self.server('no-starttls')
        name = self.add('opportunistic-noauth',
                        smtp_settings(server.port, security='starttls-if-available'))
        delivery_id = GW.send(name, 'opportunistic@herald.test')
        GW.wait_state(delivery_id, State.SENT, timeout=40)
        self.assertEqual(len(server.messages()), 1)

    def test_security_none_allows_plain_auth(self):
        server = self.server('no-starttls')
        name = self.add('plaintext-auth', smtp_settings(server.port, security='none',
                                                        auth='plain', username=USER),
                        {'password': PASSWORD})
        delivery_id = GW.send(name, 'plain@herald.test')
        GW.wait_state(delivery_id, State.SENT, timeout=40)
        attempts = [a for s in server.sessions for a in s.auth_attempts]
        self.assertIn(('PLAIN', USER, True), attempts)

    def test_starttls_then_auth_against_aiosmtpd(self):
        server = self.server('record', certset=CERTS)
        name = self.add('record-tls', tls_settings(server.port, auth='login', username=USER),
                        {'password': PASSWORD})
        delivery_id = GW.send(name, 'record@herald.test')
        GW.wait_state(delivery_id, State.SENT, timeout=40)
        session = server.wait_session()
        self.assertIsNotNone(session.tls)
        verbs = session.verbs()
        # EHLO again after TLS; nothing but EHLO and STARTTLS before it
        self.assertEqual(verbs[:3], ['EHLO', 'STARTTLS', 'EHLO'], verbs)
        self.assertEqual(session.auth_attempts, [('LOGIN', USER, True)])

    # implicit TLS (smtps)

    def test_smtps_delivers_over_implicit_tls(self):
        server = self.server('record', certset=CERTS, implicit_tls=True)
        name = self.add('smtps', tls_settings(server.port, transport='smtps', security='tls',
                                              auth='plain', username=USER),
                        {'password': PASSWORD})
        result = GW.test_profile(name, 'smtps@herald.test')
        self.assert_test_ok(result)
        self.assertRegex(result.get('tls') or '', r'^TLSv1\.[23] \S+')
        delivery_id = GW.send(name, 'smtps@herald.test')
        GW.wait_state(delivery_id, State.SENT, timeout=40)
        self.assertFalse(any('STARTTLS' in s.verbs() for s in server.sessions))

    def test_plaintext_on_465_is_refused_without_fallback(self):
        server = self.server('plaintext-on-465')
        name = self.add('smtps-plain', tls_settings(server.port, transport='smtps',
                                                    security='tls', auth='plain',
                                                    username=USER),
                        {'password': PASSWORD})
        result = GW.test_profile(name, 'p465@herald.test')
        self.assertFalse(result.get('ok'), result)
        delivery_id = GW.send(name, 'p465@herald.test')
        self.assert_not_sent(delivery_id)
        self.assertTrue(server.sessions)
        for session in server.sessions:
            self.assertTrue(session.notes.get('client-hello'),
                            f'client did not start with a TLS ClientHello: {session.notes}')
            self.assertEqual(session.commands, [], 'plaintext fallback')

    # certificates

    def certificate_refused(self, kind, expect_errors, transport='smtp'):
        options = {'implicit_tls': True} if transport == 'smtps' else {}
        server = self.server('tls-cert', certset=CERTS, cert_kind=kind, **options)
        security = 'tls' if transport == 'smtps' else 'starttls'
        name = self.add(f'cert-{kind}', tls_settings(server.port, transport=transport,
                                                     security=security, auth='plain',
                                                     username=USER),
                        {'password': PASSWORD})
        result = GW.test_profile(name, f'{kind}@herald.test')
        self.assertFalse(result.get('ok'), result)
        cert = result.get('certificate')
        self.assertTrue(cert, f'no certificate details: {result}')
        info = CERTS.info(kind)
        subject_cn = info['subject'].split(',')[0].split('=', 1)[1]
        issuer_cn = info['issuer'].split(',')[0].split('=', 1)[1]
        self.assertIn(subject_cn, cert.get('subject', ''), cert)
        self.assertIn(issuer_cn, cert.get('issuer', ''), cert)
        not_before, not_after = CERTS.validity(kind)
        self.assertAlmostEqual(cert.get('not-before', 0) / 1e6, not_before, delta=1, msg=cert)
        self.assertAlmostEqual(cert.get('not-after', 0) / 1e6, not_after, delta=1, msg=cert)
        self.assertEqual(certs.normalise_hex(cert.get('sha256-fingerprint')),
                         CERTS.fingerprint(kind), cert)
        self.assertEqual(certs.normalise_hex(cert.get('spki-pin')), CERTS.pin(kind), cert)
        errors = ' '.join(cert.get('errors') or [])
        self.assertRegex(errors, expect_errors, cert)
        if 'port' in cert:
            self.assertEqual(cert['port'], server.port)
        delivery_id = GW.send(name, f'{kind}-send@herald.test')
        self.assert_not_sent(delivery_id)
        self.assertFalse(server.saw('AUTH', 'MAIL'), server.all_commands())

    def test_expired_certificate_refused(self):
        self.certificate_refused('expired', r'(?i)expir')

    def test_wrong_host_certificate_refused(self):
        self.certificate_refused('wronghost', r'(?i)identity|host|name')

    def test_self_signed_certificate_refused(self):
        self.certificate_refused('selfsigned', r'(?i)unknown|issuer|authority|self|ca\b')

    def test_heraldctl_shows_refused_certificate(self):
        ctl = os.environ.get('HERALD_CTL')
        need(None if ctl and os.access(ctl, os.X_OK) else 'HERALD_CTL is not set')
        server = self.server('tls-cert', certset=CERTS, cert_kind='selfsigned')
        name = self.add('cert-ctl', tls_settings(server.port))
        run = subprocess.run([ctl, 'profile', 'test', name, '--to', 'ctl@herald.test'],
                             capture_output=True, text=True, timeout=120)
        output = run.stdout + run.stderr
        self.assertEqual(run.returncode, 3, output)
        info = CERTS.info('selfsigned')
        self.assertIn(info['subject'].split(',')[0].split('=', 1)[1], output)
        self.assertIn(CERTS.pin('selfsigned'), output.lower())
        self.assertIn(f'pinned-keys={CERTS.pin("selfsigned")}', output.lower())
        self.assertNotIn('\x1b', output)
        run = subprocess.run([ctl, '--json', 'profile', 'test', name, '--to', 'ctl@herald.test'],
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(run.returncode, 3, run.stderr)
        result = json.loads(run.stdout)
        self.assertIs(result['ok'], False)
        certificate = result['certificate']
        self.assertEqual(certs.normalise_hex(certificate['spki-pin']), CERTS.pin('selfsigned'))
        self.assertEqual(certs.normalise_hex(certificate['sha256-fingerprint']),
                         CERTS.fingerprint('selfsigned'))
        self.assertEqual(certificate['port'], server.port)
        self.assertFalse(server.saw('AUTH', 'MAIL'), server.all_commands())

    def test_expired_certificate_refused_over_smtps(self):
        self.certificate_refused('expired', r'(?i)expir', transport='smtps')

    def test_pin_matches_reissued_certificate(self):
        server = self.server('tls-cert', certset=CERTS, cert_kind='reissued')
        name = self.add('pin-reissued', tls_settings(server.port, pinned_keys=[CERTS.pin('server')]))
        delivery_id = GW.send(name, 'pinned@herald.test')
        GW.wait_state(delivery_id, State.SENT, timeout=40)
        self.assertEqual(len(server.messages()), 1)

    def test_pin_mismatch_refused(self):
        # a valid certificate from the trusted CA, but another key than the pin
        server = self.server('tls-cert', certset=CERTS, cert_kind='other')
        name = self.add('pin-mismatch', tls_settings(server.port, pinned_keys=[CERTS.pin('server')]))
        result = GW.test_profile(name, 'mismatch@herald.test')
        self.assertFalse(result.get('ok'), result)
        cert = result.get('certificate') or {}
        self.assertEqual(certs.normalise_hex(cert.get('spki-pin')), CERTS.pin('other'), result)
        delivery_id = GW.send(name, 'mismatch@herald.test')
        self.assert_not_sent(delivery_id)
        self.assertFalse(server.saw('MAIL'), server.all_commands())

    def test_verify_certificates_false_is_allowed_and_logged(self):
        server = self.server('tls-cert', certset=CERTS, cert_kind='selfsigned')
        settings = tls_settings(server.port, verify_certificates=False)
        del settings['ca-file']
        name = self.add('noverify', settings)
        delivery_id = GW.send(name, 'noverify@herald.test')
        GW.wait_state(delivery_id, State.SENT, timeout=40)
        self.assertRegex(GW.log_text(), r'(?i)(warn|critical).*(verif|certificate)|'
                                        r'(verif|certificate).*(warn|disabled|not verified)')

    # replies: size and continuation limits, timeouts

    def bounded_failure(self, server, settle=20):
        before = GW.peak_rss_kib()
        name = self.add(f'{server.mode}', smtp_settings(server.port, conversation_timeout=5))
        started = time.monotonic()
        result = GW.test_profile(name, 'bounded@herald.test', timeout=60)
        self.assertFalse(result.get('ok'), result)
        self.assertLess(time.monotonic() - started, settle, 'TestProfile took too long')
        delivery_id = GW.send(name, 'bounded@herald.test')
        self.assert_not_sent(delivery_id, states=(State.DEFERRED,))
        self.assertTrue(GW.alive())
        growth = GW.peak_rss_kib() - before
        self.assertLess(growth, 32 * 1024, f'heraldd grew by {growth} KiB')
        return result

    def test_huge_reply_line(self):
        for where in ('greeting', 'ehlo'):
            with self.subTest(where=where):
                server = self.server('huge-reply', huge_at=where)
                self.bounded_failure(server)

    def test_endless_continuation(self):
        for where in ('greeting', 'ehlo'):
            with self.subTest(where=where):
                server = self.server('endless-continuation', endless_at=where, time_limit=60)
                self.bounded_failure(server)
                for session in server.sessions:
                    server.wait_session(session.number, timeout=30)
                    self.assertEqual(session.closed_by, 'client', session.notes)
                    self.assertLess(session.duration, 20, 'the client kept reading')

    def test_silent_server_conversation_timeout(self):
        timeout = 2
        for where in ('connect', 'ehlo', 'mail', 'data-end'):
            with self.subTest(where=where):
                server = self.server('silent', silent_at=where, time_limit=60)
                name = self.add(f'silent-{where}',
                                smtp_settings(server.port, connect_timeout=timeout,
                                              conversation_timeout=timeout))
                delivery_id = GW.send(name, 'silent@herald.test')
                delivery = self.assert_not_sent(delivery_id, states=(State.DEFERRED,))
                session = server.wait_session(1, timeout=30)
                waited = session.ended - session.notes['silence-started']
                self.assertEqual(session.closed_by, 'client')
                self.assertGreater(waited, timeout - 0.5, describe(delivery))
                self.assertLess(waited, timeout + 5, describe(delivery))

    # each timeout on its own, the other left at its default (30 s)

    def timed_test_profile(self, name, recipient):
        started = time.monotonic()
        result = GW.test_profile(name, recipient, timeout=90)
        return result, time.monotonic() - started

    def test_greeting_waits_under_conversation_timeout(self):
        """A server that accepts and stays silent: the greeting is a server
        reply, so conversation-timeout=2 ends the wait, not the 30 s of
        connect-timeout's default."""
        for transport in ('smtp', 'smtps'):
            with self.subTest(transport=transport):
                server = self.server('silent', silent_at='connect', time_limit=60)
                settings = smtp_settings(server.port, transport=transport,
                                         security='tls' if transport == 'smtps' else 'none',
                                         conversation_timeout=2)
                del settings['connect-timeout']
                name = self.add(f'greeting-{transport}', settings)
                result, took = self.timed_test_profile(name, 'greeting@herald.test')
                self.assertFalse(result.get('ok'), result)
                # a generous bound, well below the 30 s default of connect-timeout
                self.assertLess(took, 20, result)
                what = 'greeting' if transport == 'smtp' else 'TLS handshake'
                self.assertIn(what, result.get('error', ''), result)
                self.assertIn('(2 s)', result.get('error', ''), result)
                session = server.wait_session(1, timeout=30)
                self.assertEqual(session.closed_by, 'client', session.notes)

    def test_connect_timeout_alone(self):
        """A port whose TCP handshake never completes: connect-timeout=2
        ends the wait; conversation-timeout stays at its default."""
        with self.ss.FullBacklogListener() as hole:
            settings = smtp_settings(hole.port, connect_timeout=2)
            del settings['conversation-timeout']
            name = self.add('connect-timeout', settings)
            result, took = self.timed_test_profile(name, 'connect@herald.test')
            self.assertFalse(result.get('ok'), result)
            self.assertLess(took, 20, result)
            self.assertIn('timed out connecting (2 s)', result.get('error', ''), result)
            delivery_id = GW.send(name, 'connect@herald.test')
            self.assert_not_sent(delivery_id, states=(State.DEFERRED,))

    # extensions and recipients

    def test_no_pipelining_when_not_advertised(self):
        server = self.server('no-pipelining')
        name = self.add('nopipe', smtp_settings(server.port))
        rcpts = ['one@herald.test', 'two@herald.test', 'three@herald.test']
        delivery_id = GW.send(name, rcpts)
        GW.wait_state(delivery_id, State.SENT, timeout=60)
        session = server.wait_session(1, closed=False)
        self.assertEqual(session.pipelined, [], session.transcript())
        self.assertEqual(sorted(server.messages()[0].rcpt_to), sorted(rcpts))

    def test_pipelining_when_advertised(self):
        server = self.server('record')
        name = self.add('pipe', smtp_settings(server.port))
        rcpts = ['one@herald.test', 'two@herald.test', 'three@herald.test']
        delivery_id = GW.send(name, rcpts)
        GW.wait_state(delivery_id, State.SENT, timeout=60)
        session = server.wait_session(1, closed=False)
        self.assertTrue(session.pipelined, 'PIPELINING offered but not used:\n' + session.transcript())

    def test_one_of_two_recipients_refused(self):
        server = self.server('reject-one-rcpt')
        name = self.add('onerefused', smtp_settings(server.port))
        delivery_id = GW.send(name, ['kept@herald.test', 'reject-me@herald.test'])
        netutil.wait_for(lambda: GW.delivery(delivery_id).is_final(), timeout=40,
                         message='delivery final')
        delivery = GW.delivery(delivery_id)
        recipients = recipients_by_address(delivery)
        self.assertEqual(recipients['kept@herald.test'].get_state(), 'sent', describe(delivery))
        refused = recipients['reject-me@herald.test']
        self.assertEqual(refused.get_state(), 'failed', describe(delivery))
        self.assertIn('Herald test refuses this one', refused.get_reply() or '')
        self.assertEqual(refused.get_enhanced_code(), '5.1.1')
        self.assertEqual([m.rcpt_to for m in server.messages()], [['kept@herald.test']])

    def test_wire_is_crlf_only_and_dot_stuffed(self):
        server = self.server('record')
        name = self.add('wire', smtp_settings(server.port))
        delivery_id = GW.send(name, 'wire@herald.test', subject='tricky body', body=TRICKY_BODY)
        GW.wait_state(delivery_id, State.SENT, timeout=40)
        session = server.wait_session(1, closed=False)
        self.assertEqual(len(session.messages), 1, session.transcript())
        self.assertEqual(session.verbs().count('MAIL'), 1, session.commands)
        self.assertEqual(session.verbs().count('RCPT'), 1, session.commands)
        message = session.messages[0]
        self.assertEqual(message.wire_problems(), [])
        received = body_text(message.content)
        self.assertEqual(normalise_newlines(received).rstrip('\n'),
                         normalise_newlines(TRICKY_BODY).rstrip('\n'))


# --- XOAUTH2 / OAUTHBEARER against a local token endpoint ------------------------

class OAuthTest(IntegrationCase):
    REFRESH = 'herald-refresh-token-7f3a'
    CLIENT_ID = 'herald-client-id'
    CLIENT_SECRET = 'herald-client-secret-9c1e'

    @classmethod
    def setUpClass(cls):
        try:
            import scripted_servers
        except ImportError as error:
            need(f'python3-aiosmtpd is missing: {error}')
        import oauth_server
        cls.ss = scripted_servers
        cls.oauth = oauth_server

    def setup(self, access_tokens, accepted, mechanism='xoauth2', pinned_keys=None, token_pins=(),
              **oauth_options):
        """TOKEN_PINS: pins for the token endpoint, scoped to its host:port
        (a bare pin holds only for the SMTP server)."""
        oauth = self.oauth.OAuthServer(refresh_token=self.REFRESH, client_id=self.CLIENT_ID,
                                       client_secret=self.CLIENT_SECRET,
                                       access_tokens=access_tokens, **oauth_options)
        self.addCleanup(oauth.stop)
        oauth.start()
        server = self.ss.ScriptedServer('xoauth2', certset=CERTS, tokens=accepted)
        self.addCleanup(server.stop)
        server.start()
        if token_pins:
            from urllib.parse import urlsplit
            endpoint = urlsplit(oauth.url)
            pinned_keys = list(pinned_keys or []) + [f'{pin}@{endpoint.hostname}:{endpoint.port}'
                                                     for pin in token_pins]
        name = self.add(mechanism, tls_settings(server.port, auth=mechanism, username=USER,
                                                oauth2_token_url=oauth.url,
                                                oauth2_client_id=self.CLIENT_ID,
                                                pinned_keys=pinned_keys),
                        {'oauth2-client-secret': self.CLIENT_SECRET,
                         'oauth2-refresh-token': self.REFRESH})
        return oauth, server, name

    def check_token_request(self, request):
        form = request['form']
        self.assertEqual(form.get('grant_type'), 'refresh_token')
        self.assertEqual(form.get('refresh_token'), self.REFRESH)
        if not request.get('basic-auth'):
            self.assertEqual(form.get('client_id'), self.CLIENT_ID)
            self.assertEqual(form.get('client_secret'), self.CLIENT_SECRET)

    def test_xoauth2(self):
        oauth, server, name = self.setup(['good-access-token'], {'good-access-token'})
        delivery_id = GW.send(name, 'oauth@herald.test')
        GW.wait_state(delivery_id, State.SENT, timeout=40)
        requests = oauth.token_requests()
        self.assertEqual(len(requests), 1, requests)
        self.check_token_request(requests[0])
        attempts = [a for s in server.sessions for a in s.auth_attempts]
        self.assertEqual(attempts, [('XOAUTH2', USER, True)])

    def test_oauthbearer(self):
        oauth, server, name = self.setup(['bearer-token'], {'bearer-token'}, mechanism='oauthbearer')
        delivery_id = GW.send(name, 'bearer@herald.test')
        GW.wait_state(delivery_id, State.SENT, timeout=40)
        attempts = [a for s in server.sessions for a in s.auth_attempts]
        self.assertEqual(attempts, [('OAUTHBEARER', USER, True)])

    def test_token_refreshed_once_after_535(self):
        oauth, server, name = self.setup(['stale-access-token', 'fresh-access-token'],
                                         {'fresh-access-token'})
        delivery_id = GW.send(name, 'refresh@herald.test')
        GW.wait_state(delivery_id, State.SENT, timeout=40)
        self.assertEqual(len(oauth.token_requests()), 2, oauth.requests)
        tokens = [t for s in server.sessions for t in s.tokens]
        self.assertEqual(tokens, ['stale-access-token', 'fresh-access-token'])

    def test_token_cached_between_messages(self):
        oauth, server, name = self.setup(['cached-token'], {'cached-token'})
        for i in range(2):
            GW.wait_state(GW.send(name, f'cache{i}@herald.test'), State.SENT, timeout=40)
        self.assertEqual(len(oauth.token_requests()), 1, oauth.requests)

    def test_token_endpoint_refuses_grant(self):
        oauth, server, name = self.setup(['never-issued'], {'never-issued'},
                                         fail_status=400, fail_error='invalid_grant')
        delivery_id = GW.send(name, 'refused@herald.test')
        delivery = self.assert_not_sent(delivery_id)
        self.assertIn('invalid_grant', delivery_text(delivery), describe(delivery))
        self.assertFalse(any(s.tokens for s in server.sessions))
        self.assertEqual(secret_leaks([delivery_text(delivery)],
                                      [self.REFRESH, self.CLIENT_SECRET]), [])

    # --- the token endpoint as an adversary (issue 17, item 7) ---

    def assert_refused_before_form(self, oauth, server, name, reason):
        delivery_id = GW.send(name, 'hostile@herald.test')
        delivery = self.assert_not_sent(delivery_id)
        self.assertIn(reason, delivery_text(delivery), describe(delivery))
        # the form with the refresh token and client secret never went out
        self.assertEqual(oauth.requests, [])
        self.assertFalse(any(s.tokens for s in server.sessions))
        self.assertEqual(secret_leaks([delivery_text(delivery)], [self.REFRESH, self.CLIENT_SECRET]), [])

    def test_token_endpoint_endless_answer(self):
        baseline = GW.peak_rss_kib()
        for flood in ('endless', 'huge'):
            with self.subTest(flood=flood):
                oauth, server, name = self.setup(['never-read'], {'never-read'}, flood=flood)
                delivery = self.assert_not_sent(GW.send(name, 'flood@herald.test'))
                self.assertIn('sent more than 65536 bytes', delivery_text(delivery), describe(delivery))
                self.assertFalse(any(s.tokens for s in server.sessions))
                netutil.wait_for(lambda: oauth.flooded, timeout=60, message='the flood ended')
                self.assertLess(oauth.flooded[0], 64 * 1024 * 1024, oauth.flooded)
        peak = GW.peak_rss_kib()
        self.assertLess(peak - baseline, 32 * 1024, f'heraldd grew from {baseline} to {peak} KiB')

    def test_token_endpoint_tls_1_1_refused(self):
        oauth, server, name = self.setup(['old-tls-token'], {'old-tls-token'}, certset=CERTS,
                                         tls_version='1.1')
        self.assert_refused_before_form(oauth, server, name, 'at least TLS 1.2 is required')

    def test_token_endpoint_pin_mismatch_refused(self):
        # the endpoint's pin is the SMTP server's key; the endpoint shows another
        oauth, server, name = self.setup(['pinned-token'], {'pinned-token'}, certset=CERTS,
                                         cert_kind='other', pinned_keys=[CERTS.pin('server')],
                                         token_pins=[CERTS.pin('server')])
        self.assert_refused_before_form(oauth, server, name, 'matches none of the pinned keys')

    def test_token_endpoint_pinned_key_accepted(self):
        oauth, server, name = self.setup(['pinned-token'], {'pinned-token'}, certset=CERTS,
                                         cert_kind='other', pinned_keys=[CERTS.pin('server')],
                                         token_pins=[CERTS.pin('other')])
        GW.wait_state(GW.send(name, 'pinned@herald.test'), State.SENT, timeout=40)
        self.assertEqual(len(oauth.token_requests()), 1, oauth.requests)

    def test_transcript_masks_token_and_secrets(self):
        oauth, server, name = self.setup(['transcript-access-token'], {'transcript-access-token'})
        result = GW.test_profile(name, 'transcript@herald.test')
        self.assert_test_ok(result)
        self.assertRegex('\n'.join(result.get('transcript') or []), r'(?i)AUTH XOAUTH2')
        self.assert_no_leaks(result, ['transcript-access-token', self.REFRESH, self.CLIENT_SECRET])


# --- bad profile settings ------------------------------------------------------

class BadSettingsTest(IntegrationCase):
    def refused(self, key, value):
        settings = smtp_settings(2525)
        settings[key] = value
        with self.assertRaises(GLib.Error, msg=f'{key}={value!r} accepted') as raised:
            GW.add_profile(GW.unique('bad'), settings)
        self.assertTrue(raised.exception.matches(Herald.error_quark(), Herald.Error.INVALID_SETTING),
                        raised.exception.message)
        self.assertIn(key, raised.exception.message)
        # and on UpdateProfile
        name = GW.add_profile(GW.unique('good'), smtp_settings(2525))
        with self.assertRaises(GLib.Error, msg=f'{key}={value!r} accepted by UpdateProfile') as raised:
            GW.update_profile(name, {key: value})
        self.assertIn(key, raised.exception.message)

    def test_unknown_security(self):
        self.refused('security', 'ssl-please')

    def test_unknown_auth(self):
        self.refused('auth', 'digest-md5')

    def test_port_out_of_range(self):
        for port in ('0', '65536', '-1', 'smtp'):
            with self.subTest(port=port):
                self.refused('port', port)

    def test_unreadable_ca_file(self):
        for path in (os.path.join(GW.dir, 'no-such-ca.pem'), GW.dir, 'relative/ca.pem'):
            with self.subTest(path=path):
                self.refused('ca-file', path)

    def test_pin_not_64_hex(self):
        for pin in (['abc'], ['z' * 64], [CERTS.pin('server') + '0'],
                    [certs.spki_pin_base64(CERTS.cert('server'))]):
            with self.subTest(pin=pin):
                self.refused('pinned-keys', pin)


if __name__ == '__main__':
    unittest.main(verbosity=2)
