#!/usr/bin/python3
# test_access.py: access control on the system bus, secrets, isolation and
# the trust manager (issue 6, "Tests"). The built heraldd --system runs on a
# private system bus (sysbus.py: its own dbus-daemon, Herald's bus policy
# included) with python-dbusmock's polkitd template as polkit; peers are a
# private Postfix submission server and an aiosmtpd server with a
# self-signed certificate, on 127.0.0.1.
#
#   meson test -C BUILD --suite integration access --print-errorlogs
#
# Needs root (Postfix; the second user runs through setpriv as "nobody").

import base64
import json
import os
import subprocess
import sys
import time
import unittest

os.environ.pop('LD_PRELOAD', None)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import sysbus  # noqa: E402  (first: it sets up gi)
from gi.repository import GLib, Gio  # noqa: E402
from harness import Herald, secret_leaks  # noqa: E402
import certs  # noqa: E402
import postfix_submission  # noqa: E402
from scripted_servers import ScriptedServer  # noqa: E402

STRICT = os.environ.get('HERALD_INTEGRATION_STRICT') == '1'
BUS_NAME = 'org.herald.Gateway1'
PATH = '/org/herald/Gateway1'
IFACE = 'org.herald.Gateway1'
ERROR = 'org.herald.Gateway1.Error.'
NOBODY = 65534
ALL_ACTIONS = ('send', 'manage-profiles', 'manage-trust', 'read-log')

USER = 'alice'
PASSWORD = 'Sys-Bus_Secret!77'
SECRETS = {
    'password': PASSWORD,
    'oauth2-client-secret': 'client-secret-Zq81',
    'oauth2-refresh-token': 'refresh-token-Pw93',
    'pop-password': 'pop-secret-Kd27',
}

BUS = None
GW = None
CERTS = None


def need(reason):
    if reason:
        if STRICT:
            raise AssertionError(f'missing test peer: {reason}')
        raise unittest.SkipTest(reason)


def setUpModule():
    global BUS, GW, CERTS
    need(sysbus.missing_requirements())
    need(None if os.geteuid() == 0 else 'needs root (a second uid through setpriv, Postfix)')
    BUS = sysbus.SystemBus().start()
    unittest.addModuleCleanup(BUS.stop)
    CERTS = certs.CertSet()
    unittest.addModuleCleanup(CERTS.cleanup)
    GW = sysbus.SystemDaemon(BUS)
    unittest.addModuleCleanup(GW.tmp.cleanup)
    GW.start()
    unittest.addModuleCleanup(GW.stop)


def call(method, signature=None, args=(), connection=None, timeout=30):
    connection = connection or BUS.connection
    reply = connection.call_sync(BUS_NAME, PATH, IFACE, method,
                                 GLib.Variant(signature, tuple(args)) if signature else None,
                                 None, Gio.DBusCallFlags.NONE, timeout * 1000, None)
    return reply.unpack()


def error_name(error):
    return Gio.DBusError.get_remote_error(error)


def notification(to, subject='access test', profile=None):
    n = {'to': GLib.Variant('as', [to]), 'subject': GLib.Variant('s', subject),
         'body': GLib.Variant('s', 'Herald access control test.\n')}
    if profile:
        n['profile'] = GLib.Variant('s', profile)
    return n


def dead_port():
    import socket
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def smtp_profile(port, **extra):
    settings = {'transport': 's:smtp', 'host': 's:127.0.0.1', 'port': f'u:{port}',
                'security': 's:none', 'auth': 's:none', 'from-address': 's:herald@herald.test',
                'retry-interval': 'u:3600', 'connect-timeout': 'u:5',
                'conversation-timeout': 'u:10', 'max-connections': 'u:1'}
    for key, value in extra.items():
        settings[key.replace('_', '-')] = value
    out = {}
    for key, value in settings.items():
        kind, _, text = value.partition(':')
        out[key] = GLib.Variant('u', int(text)) if kind == 'u' else GLib.Variant('s', text)
    return out


COUNTER = [0]


def unique(prefix):
    COUNTER[0] += 1
    return f'{prefix}-{COUNTER[0]}'


def wait_state(delivery_id, states, timeout=40):
    deadline = time.monotonic() + timeout
    while True:
        delivery = call('GetDelivery', '(s)', [delivery_id])[0]
        if delivery['state'] in states:
            return delivery
        if delivery['state'] in ('sent', 'failed', 'cancelled') or time.monotonic() > deadline:
            raise AssertionError(f'{delivery_id} is {delivery["state"]}, wanted {states}: '
                                 f'{delivery.get("reply")!r}')
        time.sleep(0.05)


def as_other_user(calls, uid=NOBODY, address=None):
    """Runs other_user.py as UID with CALLS (on the bus at ADDRESS, by
    default the private system bus); returns its results."""
    env = {'DBUS_SYSTEM_BUS_ADDRESS': BUS.address, 'PATH': os.environ.get('PATH', ''),
           'HOME': '/nonexistent'}
    if address:
        env['HERALD_TEST_BUS_ADDRESS'] = address
    output = subprocess.run(
        ['setpriv', f'--reuid={uid}', f'--regid={uid}', '--clear-groups',
         sysbus.PYTHON, os.path.join(HERE, 'other_user.py'), json.dumps(calls)],
        capture_output=True, text=True, timeout=120, env=env)
    if output.returncode != 0:
        raise AssertionError(f'other_user.py failed: {output.stderr}')
    return [json.loads(line) for line in output.stdout.splitlines()]


def heraldctl(*args):
    output = subprocess.run([os.environ['HERALD_CTL'], '--system', *args],
                            capture_output=True, text=True, timeout=60)
    if output.returncode != 0:
        raise AssertionError(f'heraldctl {" ".join(args)}: {output.returncode} {output.stderr}')
    return output.stdout


class AccessCase(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        BUS.allow(*ALL_ACTIONS)
        BUS.mock('SimulateHangActions', GLib.Variant('(as)', ([],)))

    def tearDown(self):
        BUS.allow(*ALL_ACTIONS)

    def assert_not_authorized(self, method, signature=None, args=()):
        with self.assertRaises(GLib.Error, msg=f'{method} was allowed') as caught:
            call(method, signature, args)
        self.assertEqual(error_name(caught.exception), ERROR + 'NotAuthorized',
                         caught.exception.message)
        return caught.exception


class AuthorisationTest(AccessCase):
    """Each action denied → NotAuthorized and nothing changed; allowed → works."""

    def every_method(self, profile, delivery_id):
        return [
            ('Send', '(a{sv})', [notification('a@herald.test', profile=profile)], 'send'),
            ('GetDelivery', '(s)', [delivery_id], 'send'),
            ('ListDeliveries', '(a{sv})', [{}], 'send'),
            ('Cancel', '(s)', [delivery_id], 'send'),
            ('Retry', '(s)', [delivery_id], 'send'),
            ('CheckRoute', '(a{sv})', [notification('a@herald.test')], 'send'),
            ('ListProfiles', None, [], 'send'),
            ('GetProfile', '(s)', [profile], 'send'),
            ('GetRoutes', None, [], 'send'),
            ('AddProfile', '(sa{sv})', [unique('new'), {'transport': GLib.Variant('s', 'maildir')}],
             'manage-profiles'),
            ('UpdateProfile', '(sa{sv})', [profile, {'description': GLib.Variant('s', 'changed')}],
             'manage-profiles'),
            ('SetSecret', '(sss)', [profile, 'password', 'denied-secret'], 'manage-profiles'),
            ('SetRoutes', '(s)', ['{"version": 1, "rules": []}'], 'manage-profiles'),
            ('TestProfile', '(ss)', [profile, 'a@herald.test'], 'manage-profiles'),
            ('RemoveProfile', '(s)', [profile], 'manage-profiles'),
            ('ListUntrustedCertificates', None, [], 'read-log'),
            ('ListTrustedCertificates', '(s)', [''], 'read-log'),
            ('TrustCertificate', '(ss)', [profile, '00' * 32], 'manage-trust'),
            ('UntrustCertificate', '(ss)', [profile, '11' * 32], 'manage-trust'),
        ]

    def snapshot(self, profile, delivery_id):
        BUS.allow(*ALL_ACTIONS)
        return (call('ListProfiles'), call('GetRoutes'),
                call('GetDelivery', '(s)', [delivery_id])[0]['state'],
                len(call('ListDeliveries', '(a{sv})', [{'limit': GLib.Variant('u', 10000)}])[0]),
                call('ListTrustedCertificates', '(s)', ['']))

    def test_every_method_denied_changes_nothing(self):
        profile = unique('denied')
        call('AddProfile', '(sa{sv})', [profile, smtp_profile(dead_port())])
        delivery_id = call('Send', '(a{sv})', [notification('x@herald.test', profile=profile)])[0]
        wait_state(delivery_id, ('deferred',))
        for method, signature, args, action in self.every_method(profile, delivery_id):
            with self.subTest(method=method):
                before = self.snapshot(profile, delivery_id)
                # everything but the method's own action
                BUS.allow(*[a for a in ALL_ACTIONS if a != action])
                error = self.assert_not_authorized(method, signature, args)
                self.assertIn(f'org.herald.gateway.{action}', error.message)
                self.assertEqual(self.snapshot(profile, delivery_id), before)
                profile_settings = call('GetProfile', '(s)', [profile])[0]
                self.assertFalse(profile_settings.get('password-set'), 'a denied SetSecret stored')

    def test_allowed_works(self):
        profile = unique('allowed')
        BUS.allow('manage-profiles')
        call('AddProfile', '(sa{sv})', [profile, smtp_profile(dead_port())])
        call('UpdateProfile', '(sa{sv})', [profile, {'description': GLib.Variant('s', 'ok')}])
        call('SetSecret', '(sss)', [profile, 'password', 'allowed-secret'])
        BUS.allow('send')
        self.assertEqual(call('GetProfile', '(s)', [profile])[0]['description'], 'ok')
        delivery_id = call('Send', '(a{sv})', [notification('y@herald.test', profile=profile)])[0]
        wait_state(delivery_id, ('deferred',))
        call('Cancel', '(s)', [delivery_id])
        self.assertEqual(call('GetDelivery', '(s)', [delivery_id])[0]['state'], 'cancelled')
        BUS.allow('read-log')
        self.assertIsInstance(call('ListUntrustedCertificates')[0], list)
        BUS.allow('manage-profiles')
        call('RemoveProfile', '(s)', [profile])

    def test_denied_send_queues_nothing(self):
        before = self.snapshot_count()
        BUS.allow()
        self.assert_not_authorized('Send', '(a{sv})', [notification('z@herald.test')])
        self.assertEqual(self.snapshot_count(), before)

    def snapshot_count(self):
        BUS.allow(*ALL_ACTIONS)
        return len(call('ListDeliveries', '(a{sv})', [{'limit': GLib.Variant('u', 10000)}])[0])

    def test_caller_that_leaves_during_the_check_gets_nothing_done(self):
        profile = unique('vanished')
        BUS.mock('SimulateHangActions', GLib.Variant('(as)', (['org.herald.gateway.manage-profiles'],)))
        leaving = BUS.connect()
        leaving.call(BUS_NAME, PATH, IFACE, 'AddProfile',
                     GLib.Variant('(sa{sv})', (profile, smtp_profile(dead_port()))),
                     None, Gio.DBusCallFlags.NONE, -1, None, None, None)
        deadline = time.monotonic() + 20
        while not BUS.mock('HaveHangingCalls')[0]:
            self.assertLess(time.monotonic(), deadline, 'the check never reached polkit')
            GLib.MainContext.default().iteration(False)
            time.sleep(0.02)
        leaving.close_sync(None)
        # The caller is gone; polkit now says yes.
        BUS.mock('SimulateHangActions', GLib.Variant('(as)', ([],)))
        BUS.mock('ReleaseHangingCalls')
        # Two full round trips through the daemon and polkit: anything the
        # released answer could have started is done by then.
        call('ListProfiles')
        call('ListProfiles')
        with self.assertRaises(GLib.Error) as caught:
            call('GetProfile', '(s)', [profile])
        self.assertEqual(error_name(caught.exception), ERROR + 'NoSuchProfile')
        self.assertIn('left the bus', GW.log_text())


    def test_delivery_changed_carries_no_details(self):
        """Every peer of the system bus may receive the signal: it says
        only which delivery changed to which state."""
        seen = []
        handle = BUS.connection.signal_subscribe(
            BUS_NAME, IFACE, 'DeliveryChanged', PATH, None, Gio.DBusSignalFlags.NONE,
            lambda *args: seen.append(args[5].unpack()))
        self.addCleanup(BUS.connection.signal_unsubscribe, handle)
        profile = unique('signals')
        call('AddProfile', '(sa{sv})', [profile, smtp_profile(dead_port())])
        delivery_id = call('Send', '(a{sv})', [notification('s@herald.test', 'signals', profile)])[0]
        deadline = time.monotonic() + 30
        while not any(i == delivery_id and state == 'deferred' for i, state, _ in seen):
            self.assertLess(time.monotonic(), deadline, f'no DeliveryChanged deferred: {seen}')
            GLib.MainContext.default().iteration(False)
            time.sleep(0.01)
        for i, state, details in seen:
            if i == delivery_id:
                self.assertEqual(details, {}, state)
        self.assertTrue(call('GetDelivery', '(s)', [delivery_id])[0]['reply'])


class RedirectGuardTest(AccessCase):
    """Changing where stored secrets go needs manage-trust too."""

    def test_host_change_of_profile_with_secrets(self):
        profile = unique('guarded')
        call('AddProfile', '(sa{sv})', [profile, smtp_profile(dead_port())])
        call('SetSecret', '(sss)', [profile, 'password', 'guarded-secret'])
        BUS.allow('send', 'manage-profiles', 'read-log')
        for key, value in (('host', GLib.Variant('s', 'evil.example')),
                           ('port', GLib.Variant('u', 2525)),
                           ('security', GLib.Variant('s', 'tls')),
                           ('pop-before-smtp', GLib.Variant('b', True))):
            with self.subTest(key=key):
                before = call('GetProfile', '(s)', [profile])[0]
                error = self.assert_not_authorized('UpdateProfile', '(sa{sv})', [profile, {key: value}])
                self.assertIn('manage-trust', error.message)
                self.assertEqual(call('GetProfile', '(s)', [profile])[0], before)
        # other keys need only manage-profiles
        call('UpdateProfile', '(sa{sv})', [profile, {'description': GLib.Variant('s', 'fine')}])
        BUS.allow('send', 'manage-profiles', 'manage-trust')
        call('UpdateProfile', '(sa{sv})', [profile, {'host': GLib.Variant('s', 'localhost')}])
        self.assertEqual(call('GetProfile', '(s)', [profile])[0]['host'], 'localhost')
        self.assertTrue(call('GetProfile', '(s)', [profile])[0]['password-set'])

    def test_fax_pin_destination_is_guarded(self):
        # Issue 17: the fax transport marks the keys that decide where its
        # PIN is mailed; the guard knows them from that mark alone.
        via = unique('fax-via')
        call('AddProfile', '(sa{sv})', [via, smtp_profile(dead_port())])
        profile = unique('fax-pin')
        settings = {'transport': GLib.Variant('s', 'fax'), 'fax-backend': GLib.Variant('s', 'email'),
                    'fax-via': GLib.Variant('s', via),
                    'fax-address-template': GLib.Variant('s', '{number}@fax.herald.test'),
                    'fax-subject': GLib.Variant('s', '{pin} {subject}')}
        call('AddProfile', '(sa{sv})', [profile, settings])
        call('SetSecret', '(sss)', [profile, 'fax-pin', '4711'])
        BUS.allow('send', 'manage-profiles', 'read-log')
        for key, value in (('fax-address-template', '{number}@evil.example'),
                           ('fax-subject', '{pin}'),
                           ('fax-via', 'local')):
            with self.subTest(key=key):
                before = call('GetProfile', '(s)', [profile])[0]
                error = self.assert_not_authorized('UpdateProfile', '(sa{sv})',
                                                   [profile, {key: GLib.Variant('s', value)}])
                self.assertIn('manage-trust', error.message)
                self.assertEqual(call('GetProfile', '(s)', [profile])[0], before)
        call('UpdateProfile', '(sa{sv})', [profile, {'fax-default-country-code': GLib.Variant('s', '49')}])

    def test_host_change_without_secrets_needs_no_trust(self):
        profile = unique('unguarded')
        call('AddProfile', '(sa{sv})', [profile, smtp_profile(dead_port())])
        BUS.allow('send', 'manage-profiles')
        call('UpdateProfile', '(sa{sv})', [profile, {'host': GLib.Variant('s', 'localhost')}])
        self.assertEqual(call('GetProfile', '(s)', [profile])[0]['host'], 'localhost')


class IsolationTest(AccessCase):
    """User A (root) and user B (nobody) see only their own deliveries."""

    def test_other_user_cannot_read_or_cancel(self):
        profile = unique('isolated')
        call('AddProfile', '(sa{sv})', [profile, smtp_profile(dead_port())])
        mine = call('Send', '(a{sv})', [notification('a@herald.test', 'root only', profile)])[0]
        wait_state(mine, ('deferred',))
        BUS.allow('send')
        results = as_other_user([
            ['GetDelivery', '(s)', [mine]],
            ['Cancel', '(s)', [mine]],
            ['Retry', '(s)', [mine]],
            ['ListDeliveries', '(a{sv})', [{}]],
            ['Send', '(a{sv})', [{'to': ['b@herald.test'], 'subject': 'nobody only',
                                  'profile': profile}]],
        ])
        for result in results[:3]:
            self.assertEqual(result.get('error'), ERROR + 'NoSuchDelivery', result)
        self.assertEqual(results[3]['ok'], [[]], 'nobody sees deliveries of root')
        theirs = results[4]['ok'][0]

        self.assertEqual(call('GetDelivery', '(s)', [mine])[0]['state'], 'deferred')
        # root without read-log sees only its own
        ids = [d['id'] for d in call('ListDeliveries', '(a{sv})', [{}])[0]]
        self.assertIn(mine, ids)
        self.assertNotIn(theirs, ids)
        with self.assertRaises(GLib.Error) as caught:
            call('GetDelivery', '(s)', [theirs])
        self.assertEqual(error_name(caught.exception), ERROR + 'NoSuchDelivery')
        # nobody sees and cancels its own
        own = as_other_user([['ListDeliveries', '(a{sv})', [{}]], ['GetDelivery', '(s)', [theirs]]])
        self.assertEqual([d['id'] for d in own[0]['ok'][0]], [theirs])
        self.assertEqual(own[1]['ok'][0]['caller-uid'], NOBODY)
        # with read-log root sees both
        BUS.allow('send', 'read-log')
        ids = [d['id'] for d in call('ListDeliveries', '(a{sv})', [{}])[0]]
        self.assertIn(mine, ids)
        self.assertIn(theirs, ids)
        self.assertEqual(call('GetDelivery', '(s)', [theirs])[0]['caller-uid'], NOBODY)
        self.assertEqual(call('GetDelivery', '(s)', [mine])[0]['caller-uid'], 0)
        call('Cancel', '(s)', [theirs])


class TrustTest(AccessCase):
    def test_self_signed_defers_then_trusted_goes_through(self):
        with ScriptedServer('tls-cert', certset=CERTS, cert_kind='selfsigned') as server:
            profile = unique('selfsigned')
            call('AddProfile', '(sa{sv})', [profile, smtp_profile(
                server.port, host='s:localhost', security='s:starttls',
                ca_file=f's:{CERTS.ca_file}')])
            delivery_id = call('Send', '(a{sv})', [notification('t@herald.test', 'trust me', profile)])[0]
            wait_state(delivery_id, ('deferred',))
            fingerprint = CERTS.fingerprint('selfsigned')
            pin = CERTS.pin('selfsigned')
            untrusted = [c for c in call('ListUntrustedCertificates')[0] if c['profile'] == profile]
            self.assertEqual(len(untrusted), 1, untrusted)
            record = untrusted[0]
            self.assertEqual(record['sha256-fingerprint'], fingerprint)
            self.assertEqual(record['spki-pin'], pin)
            for key in ('subject', 'issuer', 'not-before', 'not-after', 'errors', 'first-seen',
                        'last-seen', 'host', 'port'):
                self.assertIn(key, record)
            self.assertIn('unknown-ca', record['errors'])
            # heraldctl shows what a person needs to decide
            listed = heraldctl('trust', 'list', profile)
            self.assertIn(fingerprint, listed)
            shown = heraldctl('trust', 'show', profile, fingerprint)
            for text in (record['subject'], record['issuer'], fingerprint, pin,
                         'not signed by a trusted authority', 'Valid until', 'First seen'):
                self.assertIn(text, shown)
            as_json = json.loads(heraldctl('--json', 'trust', 'show', profile, fingerprint))
            self.assertEqual(as_json[0]['spki-pin'], pin)
            # libherald (through GI) gives the same record
            client = Herald.Client.new_sync(Gio.BusType.SYSTEM, None)
            mine = [c for c in client.list_untrusted_certificates_sync(None)
                    if c.get_profile() == profile]
            self.assertEqual([c.get_sha256_fingerprint() for c in mine], [fingerprint])
            self.assertEqual(mine[0].get_spki_pin(), pin)
            self.assertIsNotNone(mine[0].get_first_seen())
            self.assertIsNotNone(mine[0].get_last_seen())
            self.assertIsNone(mine[0].get_trusted_at())

            BUS.allow('send', 'read-log')
            self.assert_not_authorized('TrustCertificate', '(ss)', [profile, fingerprint])
            BUS.allow(*ALL_ACTIONS)
            call('TrustCertificate', '(ss)', [profile, fingerprint.upper()])
            delivery = wait_state(delivery_id, ('sent',))
            self.assertEqual(delivery['state'], 'sent')
            self.assertEqual(len(server.messages()), 1)
            self.assertEqual(call('GetProfile', '(s)', [profile])[0]['pinned-keys'], [pin])
            self.assertFalse([c for c in call('ListUntrustedCertificates')[0] if c['profile'] == profile])
            trusted = call('ListTrustedCertificates', '(s)', [profile])[0]
            self.assertEqual([(t['spki-pin'], t['sha256-fingerprint']) for t in trusted],
                             [(pin, fingerprint)])
            self.assertIn('trusted-at', trusted[0])

            self.assertIn(pin, heraldctl('trust', 'list', '--trusted', profile))
            trusted_gi = client.list_trusted_certificates_sync(profile, None)
            self.assertEqual([c.get_spki_pin() for c in trusted_gi], [pin])
            self.assertIsNotNone(trusted_gi[0].get_trusted_at())
            heraldctl('trust', 'remove', profile, fingerprint)
            self.assertEqual(call('ListTrustedCertificates', '(s)', [profile])[0], [])
            self.assertFalse(call('GetProfile', '(s)', [profile])[0].get('pinned-keys'))

    def test_record_of_an_old_host_is_not_trusted(self):
        with ScriptedServer('tls-cert', certset=CERTS, cert_kind='selfsigned') as server:
            profile = unique('moved')
            call('AddProfile', '(sa{sv})', [profile, smtp_profile(
                server.port, host='s:localhost', security='s:starttls',
                ca_file=f's:{CERTS.ca_file}')])
            delivery_id = call('Send', '(a{sv})', [notification('m@herald.test', 'moved', profile)])[0]
            wait_state(delivery_id, ('deferred',))
            call('UpdateProfile', '(sa{sv})', [profile, {'host': GLib.Variant('s', '127.0.0.1')}])
            with self.assertRaises(GLib.Error) as caught:
                call('TrustCertificate', '(ss)', [profile, CERTS.fingerprint('selfsigned')])
            self.assertEqual(error_name(caught.exception), ERROR + 'InvalidState')
            self.assertFalse(call('GetProfile', '(s)', [profile])[0].get('pinned-keys'))
            call('Cancel', '(s)', [delivery_id])
            # a removed profile's records are not listed
            call('RemoveProfile', '(s)', [profile])
            self.assertFalse([c for c in call('ListUntrustedCertificates')[0] if c['profile'] == profile])

    def test_unknown_fingerprint_is_refused(self):
        profile = unique('nofp')
        call('AddProfile', '(sa{sv})', [profile, smtp_profile(dead_port())])
        for bad in ('00' * 32, 'not-hex'):
            with self.assertRaises(GLib.Error) as caught:
                call('TrustCertificate', '(ss)', [profile, bad])
            self.assertEqual(error_name(caught.exception), ERROR + 'InvalidArgument')


class SecretsTest(AccessCase):
    """Secrets on several profiles never appear in introspection, properties,
    method replies or the daemon's output (G_MESSAGES_DEBUG=all)."""

    def collect_replies(self, profiles):
        texts = []

        def introspect(path):
            xml = BUS.connection.call_sync(BUS_NAME, path, 'org.freedesktop.DBus.Introspectable',
                                           'Introspect', None, None, Gio.DBusCallFlags.NONE,
                                           -1, None).unpack()[0]
            texts.append(xml)
            node = Gio.DBusNodeInfo.new_for_xml(xml)
            for child in node.nodes:
                introspect(path.rstrip('/') + '/' + child.path)
            for iface in node.interfaces:
                if iface.properties:
                    texts.append(str(BUS.connection.call_sync(
                        BUS_NAME, path, 'org.freedesktop.DBus.Properties', 'GetAll',
                        GLib.Variant('(s)', (iface.name,)), None, Gio.DBusCallFlags.NONE,
                        -1, None)))
        introspect('/')
        for method, signature, args in (('ListProfiles', None, []), ('GetRoutes', None, []),
                                        ('ListDeliveries', '(a{sv})', [{'log': GLib.Variant('b', True)}]),
                                        ('ListUntrustedCertificates', None, []),
                                        ('ListTrustedCertificates', '(s)', [''])):
            texts.append(str(call(method, signature, args)))
        for profile in profiles:
            texts.append(str(call('GetProfile', '(s)', [profile])))
            texts.append(str(call('CheckRoute', '(a{sv})',
                                  [notification('r@herald.test', profile=profile)])))
        return texts

    def test_secrets_appear_nowhere(self):
        need(postfix_submission.missing_requirements())
        pf = postfix_submission.PostfixSubmission(CERTS, users={USER: PASSWORD})
        self.addCleanup(pf.cleanup)
        self.addCleanup(pf.stop)
        pf.start()
        secrets = list(SECRETS.values())
        plain = base64.b64encode(f'\0{USER}\0{PASSWORD}'.encode()).decode()
        profiles = []
        for i in range(3):
            profile = unique('secretive')
            call('AddProfile', '(sa{sv})', [profile, smtp_profile(
                pf.port, host='s:localhost', security='s:starttls', auth='s:plain',
                username=f's:{USER}', ca_file=f's:{CERTS.ca_file}')])
            for key, value in SECRETS.items():
                call('SetSecret', '(sss)', [profile, key, value])
            profiles.append(profile)

        rcpt = f'{unique("secret")}@example.org'
        delivery_id = call('Send', '(a{sv})', [notification(rcpt, 'secrets', profiles[0])])[0]
        delivery = wait_state(delivery_id, ('sent',))
        pf.wait_delivered(recipient=rcpt)
        result = call('TestProfile', '(ss)', [profiles[1], rcpt], timeout=120)[0]
        self.assertTrue(result.get('ok'), result)
        self.assertTrue(result.get('transcript'))

        texts = self.collect_replies(profiles)
        texts += [str(delivery), str(result)] + list(result.get('transcript'))
        self.assertEqual(secret_leaks(texts, secrets), [])
        output = GW.log_text()
        self.assertIn('AUTH', output.upper())    # the debug output is really on
        self.assertEqual(secret_leaks(output.splitlines(), secrets), [])
        for text in texts + [output]:
            self.assertNotIn(plain, text)
            for secret in secrets:
                self.assertNotIn(secret, text)


class SessionBusTest(unittest.TestCase):
    """On a session bus only the bus's own user is served: a bus that lets
    anyone connect, heraldd (session mode) as root, a caller as nobody."""

    def test_other_user_refused(self):
        bus = sysbus.SystemBus(kind='session').start()
        self.addCleanup(bus.stop)
        daemon = sysbus.SystemDaemon(bus)
        self.addCleanup(daemon.tmp.cleanup)
        daemon.start()
        self.addCleanup(daemon.stop)
        results = as_other_user([['ListProfiles', None, []],
                                 ['Send', '(a{sv})', [{'to': ['a@herald.test'], 'subject': 'x'}]],
                                 ['AddProfile', '(sa{sv})', ['intruder', {}]]],
                                address=bus.address)
        for result in results:
            self.assertEqual(result.get('error'), ERROR + 'NotAuthorized', result)
            self.assertIn('serves only user 0', result['message'])
        # the bus's own user is served
        profiles = call('ListProfiles', connection=bus.connection)[0]
        self.assertNotIn('intruder', [p['name'] for p in profiles])
        deliveries = call('ListDeliveries', '(a{sv})', [{}], connection=bus.connection)[0]
        self.assertEqual(deliveries, [])


class RotateKeyTest(AccessCase):
    """heraldd --rotate-key: refused beside a running daemon; afterwards
    the daemon starts with the new key and the secrets still open."""

    def rotate(self):
        return subprocess.run([GW.binary, '--rotate-key',
                               '--state-dir', os.path.join(GW.dir, 'state'),
                               '--config-dir', os.path.join(GW.dir, 'config')],
                              capture_output=True, text=True, timeout=60, env=GW.env)

    def test_rotate_key(self):
        profile = unique('rotated')
        call('AddProfile', '(sa{sv})', [profile, smtp_profile(dead_port())])
        call('SetSecret', '(sss)', [profile, 'password', 'rotated-secret'])
        busy = self.rotate()
        self.assertEqual(busy.returncode, 1, busy.stdout)
        self.assertIn('another heraldd', busy.stderr)

        key_path = os.path.join(GW.dir, 'state', 'herald-secret-key')
        with open(key_path, 'rb') as f:
            old_key = f.read()
        GW.stop()
        try:
            done = self.rotate()
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertRegex(done.stdout, r'Re-encrypted [1-9][0-9]* secrets? with a new key')
            self.assertNotIn('rotated-secret', done.stdout + done.stderr)
        finally:
            GW.start()
        with open(key_path, 'rb') as f:
            self.assertNotEqual(f.read(), old_key)
        self.assertEqual(os.stat(key_path).st_mode & 0o777, 0o600)
        self.assertTrue(call('GetProfile', '(s)', [profile])[0]['password-set'])
        # a store the daemon cannot decrypt would fail here
        call('SetSecret', '(sss)', [profile, 'pop-password', 'after-rotation'])
        self.assertNotIn('cannot be authenticated', GW.log_text())


if __name__ == '__main__':
    unittest.main(verbosity=2)
