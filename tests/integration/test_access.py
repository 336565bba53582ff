#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_access.py: access control on the system bus, secrets, isolation and
# the trust manager, against the real deployment: the built heraldd --system
# running as the user "herald" on a private system bus with the real polkitd
# (sysbus.py: dbus-daemon with the stock default policy plus polkit's and
# Herald's bus policies; polkitd seeing Herald's actions and a rules file
# installed for the test). Callers are root and local users created for the
# test; peers are a private Postfix submission server and an aiosmtpd
# server with a self-signed certificate, on 127.0.0.1.
#
#   meson test -C BUILD --suite integration access --print-errorlogs
#
# Needs root (polkitd, users, Postfix).

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

USER = 'alice'
PASSWORD = 'Sys-Bus_Secret!77'
SECRETS = {
    'password': PASSWORD,
    'oauth2-client-secret': 'client-secret-Zq81',
    'oauth2-refresh-token': 'refresh-token-Pw93',
    'pop-password': 'pop-secret-Kd27',
}

# What an administrator's rules file in /etc/polkit-1/rules.d does, plus a
# hold on one user's check so that the test can leave the bus meanwhile.
TEST_RULES = '''// Installed by Herald's access tests (tests/integration/test_access.py).
polkit.addRule(function(action, subject) {
    if (action.id.indexOf("org.herald.gateway.") != 0)
        return polkit.Result.NOT_HANDLED;
    if (subject.user == "herald-t-leaver" && action.id == "org.herald.gateway.manage-profiles") {
        polkit.spawn(["/bin/sh", "-c", "touch '%(mark)s'; i=0; " +
                      "while [ ! -e '%(release)s' ] && [ $i -lt 160 ]; do sleep 0.05; i=$((i+1)); done"]);
        return polkit.Result.YES;
    }
    if (subject.isInGroup("herald-t-trust"))
        return polkit.Result.YES;
    if (subject.isInGroup("herald-t-ops") &&
        (action.id == "org.herald.gateway.manage-profiles" ||
         action.id == "org.herald.gateway.read-log"))
        return polkit.Result.YES;
    return polkit.Result.NOT_HANDLED;
});
'''

BUS = None
GW = None
CERTS = None
USERS = None
ALICE = BOB = CAROL = DAVE = LEAVER = None
HOLD_MARK = HOLD_RELEASE = None


def need(reason):
    if reason:
        if STRICT:
            raise AssertionError(f'missing test peer: {reason}')
        raise unittest.SkipTest(reason)


def setUpModule():
    global BUS, GW, CERTS, USERS, ALICE, BOB, CAROL, DAVE, LEAVER, HOLD_MARK, HOLD_RELEASE
    need(sysbus.missing_requirements())
    USERS = sysbus.TestUsers()
    unittest.addModuleCleanup(USERS.remove)
    ops, trust = USERS.group('herald-t-ops'), USERS.group('herald-t-trust')
    ALICE = USERS.add('herald-t-alice')          # ordinary users
    BOB = USERS.add('herald-t-bob')
    CAROL = USERS.add('herald-t-carol', [ops])   # manage-profiles, read-log
    DAVE = USERS.add('herald-t-dave', [trust])   # every action
    LEAVER = USERS.add('herald-t-leaver')
    BUS = sysbus.SystemBus().start()
    unittest.addModuleCleanup(BUS.stop)
    hold = os.path.join(BUS.tmp, 'hold')
    os.mkdir(hold)
    os.chmod(hold, 0o755)
    sysbus.shutil.chown(hold, 'polkitd')
    HOLD_MARK, HOLD_RELEASE = os.path.join(hold, 'checking'), os.path.join(hold, 'release')
    BUS.polkit.install_rules('50-herald-test.rules',
                             TEST_RULES % {'mark': HOLD_MARK, 'release': HOLD_RELEASE})
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


def v(signature, *args):
    return GLib.Variant(signature, tuple(args))


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
        if delivery['state'] in ('sent', 'partial', 'failed', 'cancelled') or time.monotonic() > deadline:
            raise AssertionError(f'{delivery_id} is {delivery["state"]}, wanted {states}: '
                                 f'{delivery.get("reply")!r}')
        time.sleep(0.05)


def user_env(address=None):
    env = {'DBUS_SYSTEM_BUS_ADDRESS': BUS.address, 'PATH': os.environ.get('PATH', ''),
           'HOME': '/nonexistent', 'LANG': 'C.UTF-8'}
    if address:
        env['HERALD_TEST_BUS_ADDRESS'] = address
    return env


def as_user(user, calls, address=None):
    """Runs other_user.py as USER (a pwd entry) with CALLS, each [method,
    GLib.Variant or None, optional 'interactive'], on the bus at ADDRESS
    (by default the private system bus); returns its results."""
    encoded = [[c[0], c[1].print_(True) if c[1] is not None else None, *c[2:]] for c in calls]
    output = subprocess.run(
        ['setpriv', f'--reuid={user.pw_uid}', f'--regid={user.pw_gid}', '--init-groups',
         sysbus.PYTHON, os.path.join(HERE, 'other_user.py'), json.dumps(encoded)],
        capture_output=True, text=True, timeout=300, env=user_env(address))
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

    def assert_not_authorized(self, result, action):
        """RESULT of other_user.py: refused, naming ACTION, and promptly
        (no wait for an authentication agent that is not there)."""
        self.assertEqual(result.get('error'), ERROR + 'NotAuthorized', result)
        self.assertIn(f'org.herald.gateway.{action}', result['message'])
        self.assertLess(result['seconds'], 10, 'the refusal waited for something')

    def snapshot(self, delivery_id):
        """What a refused call must not change (read by root)."""
        return (call('ListProfiles'), call('GetRoutes'),
                call('GetDelivery', '(s)', [delivery_id])[0]['state'],
                len(call('ListDeliveries', '(a{sv})', [{'limit': GLib.Variant('u', 10000)}])[0]),
                call('ListTrustedCertificates', '(s)', ['']))


def every_method(profile, delivery_id):
    """(method, GVariant arguments, action) for every method of the API."""
    return [
        ('Send', v('(a{sv})', notification('a@herald.test', profile=profile)), 'send'),
        ('GetDelivery', v('(s)', delivery_id), 'send'),
        ('ListDeliveries', v('(a{sv})', {}), 'send'),
        ('Retry', v('(s)', delivery_id), 'send'),
        ('Cancel', v('(s)', delivery_id), 'send'),
        ('GetQuota', v('(a{sv})', {}), 'send'),
        ('GetProfileKeys', v('(s)', 'smtp'), 'send'),
        ('CheckRoute', v('(a{sv})', notification('a@herald.test')), 'send'),
        ('ListProfiles', None, 'send'),
        ('GetProfile', v('(s)', profile), 'send'),
        ('GetRoutes', None, 'send'),
        ('AddProfile', v('(sa{sv})', unique('new'), {'transport': GLib.Variant('s', 'maildir')}),
         'manage-profiles'),
        ('UpdateProfile', v('(sa{sv})', profile, {'description': GLib.Variant('s', 'changed')}),
         'manage-profiles'),
        ('SetSecret', v('(sss)', profile, 'password', 'denied-secret'), 'manage-profiles'),
        ('SetRoutes', v('(s)', '{"version": 1, "rules": []}'), 'manage-profiles'),
        ('TestProfile', v('(ss)', profile, 'a@herald.test'), 'manage-profiles'),
        ('SignIn', v('(sa{sv})', profile, {}), 'manage-profiles'),
        ('CancelSignIn', v('(s)', profile), 'manage-profiles'),
        ('AddToken', v('(sa{sv})', unique('token'), {}), 'manage-profiles'),
        ('ListTokens', None, 'manage-profiles'),
        ('RemoveToken', v('(s)', 'no-such-token'), 'manage-profiles'),
        ('RemoveProfile', v('(s)', profile), 'manage-profiles'),
        ('ListUntrustedCertificates', None, 'read-log'),
        ('ListTrustedCertificates', v('(s)', ''), 'read-log'),
        ('TrustCertificate', v('(ss)', profile, '00' * 32), 'manage-trust'),
        ('UntrustCertificate', v('(ss)', profile, '11' * 32), 'manage-trust'),
    ]


class RootTest(AccessCase):
    """The real polkitd authorises root for every action; heraldd, running
    as "herald", may ask it (the actions name "herald" as their owner)."""

    def test_root_is_allowed_everything(self):
        profile = unique('root')
        call('AddProfile', '(sa{sv})', [profile, smtp_profile(dead_port())])
        delivery_id = call('Send', '(a{sv})', [notification('r@herald.test', profile=profile)])[0]
        wait_state(delivery_id, ('deferred',))
        for method, args, action in every_method(profile, delivery_id):
            with self.subTest(method=method):
                try:
                    BUS.connection.call_sync(BUS_NAME, PATH, IFACE, method, args, None,
                                             Gio.DBusCallFlags.NONE, 60000, None)
                except GLib.Error as error:
                    # Only the method's own refusals (an unknown fingerprint,
                    # a removed profile), never an authorisation one.
                    self.assertNotIn(error_name(error), (ERROR + 'NotAuthorized', None),
                                     f'{method}: {error.message}')
        self.assertNotIn('polkit could not check', GW.log_text())

    def test_heraldctl_as_root(self):
        profile = unique('ctl')
        heraldctl('profile', 'add', profile, 'transport=smtp', 'host=127.0.0.1',
                  f'port={dead_port()}', 'from-address=herald@herald.test')
        self.assertIn(profile, heraldctl('profile', 'list'))
        heraldctl('profile', 'remove', profile)


class UnprivilegedUserTest(AccessCase):
    """An ordinary local user gets what the README's access table promises:
    Send and its own deliveries, reading profiles and routes; every
    management call refused at once, changing nothing."""

    def test_access_table(self):
        profile = unique('plain')
        call('AddProfile', '(sa{sv})', [profile, smtp_profile(dead_port())])
        sent = as_user(ALICE, [['Send', v('(a{sv})', notification('a@herald.test', 'alice', profile))]])
        own = sent[0]['ok'][0]
        wait_state(own, ('deferred',))
        before = self.snapshot(own)
        results = as_user(ALICE, [[method, args] for method, args, _ in every_method(profile, own)])
        for (method, _, action), result in zip(every_method(profile, own), results):
            with self.subTest(method=method):
                if action == 'send':
                    self.assertIn('ok', result, f'{method}: {result}')
                    self.assertLess(result['seconds'], 10)
                else:
                    self.assert_not_authorized(result, action)
        # Send, Cancel and Retry of its own did what they say; nothing else changed.
        after = self.snapshot(own)
        self.assertEqual(after[0:2], before[0:2])
        self.assertEqual(after[4], before[4])
        self.assertEqual(after[3], before[3] + 1)     # the one Send of the list
        self.assertFalse(call('GetProfile', '(s)', [profile])[0].get('password-set'))

    def test_no_wait_for_an_agent(self):
        """A caller that allows interactive authorisation, as a desktop
        client does, is still refused at once: no agent is registered."""
        profile = unique('agentless')
        results = as_user(ALICE, [
            ['AddProfile', v('(sa{sv})', profile, {'transport': GLib.Variant('s', 'maildir')}),
             'interactive'],
            ['TrustCertificate', v('(ss)', 'local', '00' * 32), 'interactive'],
            ['ListUntrustedCertificates', None, 'interactive'],
        ])
        for result, action in zip(results, ('manage-profiles', 'manage-trust', 'read-log')):
            self.assert_not_authorized(result, action)
        self.assertNotIn(profile, [p['name'] for p in call('ListProfiles')[0]])

    def test_heraldctl_as_user(self):
        output = subprocess.run(
            ['setpriv', f'--reuid={ALICE.pw_uid}', f'--regid={ALICE.pw_gid}', '--init-groups',
             os.environ['HERALD_CTL'], '--system', 'profile', 'add', unique('ctl'), 'transport=smtp',
             'host=127.0.0.1', 'from-address=herald@herald.test'],
            capture_output=True, text=True, timeout=60, env=user_env())
        self.assertNotEqual(output.returncode, 0)
        self.assertIn('org.herald.gateway.manage-profiles', output.stderr)


class RulesTest(AccessCase):
    """An administrator's polkit rules file (installed for the test) grants
    actions to groups: herald-test-ops manages profiles and reads the log,
    herald-test-trust has every action."""

    def test_ops_group_manages_profiles_but_not_trust(self):
        profile = unique('ops')
        results = as_user(CAROL, [
            ['AddProfile', v('(sa{sv})', profile, smtp_profile(dead_port()))],
            ['UpdateProfile', v('(sa{sv})', profile, {'description': GLib.Variant('s', 'by carol')})],
            ['SetSecret', v('(sss)', profile, 'password', 'carol-secret')],
            ['ListUntrustedCertificates', None],
            ['TrustCertificate', v('(ss)', profile, '00' * 32)],
            ['RemoveProfile', v('(s)', profile)],
        ])
        for result in results[:4] + results[5:]:
            self.assertIn('ok', result, result)
        self.assert_not_authorized(results[4], 'manage-trust')
        self.assertNotIn(profile, [p['name'] for p in call('ListProfiles')[0]])


class RedirectGuardTest(AccessCase):
    """Changing where stored secrets go needs manage-trust too."""

    def test_host_change_of_profile_with_secrets(self):
        profile = unique('guarded')
        call('AddProfile', '(sa{sv})', [profile, smtp_profile(dead_port())])
        call('SetSecret', '(sss)', [profile, 'password', 'guarded-secret'])
        changes = (('host', GLib.Variant('s', 'evil.example')), ('port', GLib.Variant('u', 2525)),
                   ('security', GLib.Variant('s', 'tls')), ('pop-before-smtp', GLib.Variant('b', True)))
        before = call('GetProfile', '(s)', [profile])[0]
        results = as_user(CAROL, [['UpdateProfile', v('(sa{sv})', profile, {key: value})]
                                  for key, value in changes])
        for (key, _), result in zip(changes, results):
            with self.subTest(key=key):
                self.assert_not_authorized(result, 'manage-trust')
        self.assertEqual(call('GetProfile', '(s)', [profile])[0], before)
        # other keys need only manage-profiles; the trust group may move it
        results = as_user(CAROL, [['UpdateProfile', v('(sa{sv})', profile,
                                                      {'description': GLib.Variant('s', 'fine')})]])
        self.assertIn('ok', results[0], results)
        results = as_user(DAVE, [['UpdateProfile', v('(sa{sv})', profile,
                                                     {'host': GLib.Variant('s', 'localhost')})]])
        self.assertIn('ok', results[0], results)
        after = call('GetProfile', '(s)', [profile])[0]
        self.assertEqual(after['host'], 'localhost')
        self.assertTrue(after['password-set'])

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
        changes = (('fax-address-template', '{number}@evil.example'), ('fax-subject', '{pin}'),
                   ('fax-via', 'local'))
        before = call('GetProfile', '(s)', [profile])[0]
        results = as_user(CAROL, [['UpdateProfile', v('(sa{sv})', profile, {key: GLib.Variant('s', value)})]
                                  for key, value in changes])
        for (key, _), result in zip(changes, results):
            with self.subTest(key=key):
                self.assert_not_authorized(result, 'manage-trust')
        self.assertEqual(call('GetProfile', '(s)', [profile])[0], before)
        # a key that sends nothing elsewhere needs only manage-profiles
        results = as_user(CAROL, [['UpdateProfile', v('(sa{sv})', profile,
                                                      {'fax-default-country-code': GLib.Variant('s', '49')})]])
        self.assertIn('ok', results[0], results)

    def test_host_change_without_secrets_needs_no_trust(self):
        profile = unique('unguarded')
        call('AddProfile', '(sa{sv})', [profile, smtp_profile(dead_port())])
        results = as_user(CAROL, [['UpdateProfile', v('(sa{sv})', profile,
                                                      {'host': GLib.Variant('s', 'localhost')})]])
        self.assertIn('ok', results[0], results)
        self.assertEqual(call('GetProfile', '(s)', [profile])[0]['host'], 'localhost')


class IsolationTest(AccessCase):
    """Two ordinary users see only their own deliveries; read-log (root, or
    the ops group through the rules file) sees everyone's."""

    def test_other_users_deliveries_are_invisible(self):
        profile = unique('isolated')
        call('AddProfile', '(sa{sv})', [profile, smtp_profile(dead_port())])
        alices = as_user(ALICE, [['Send', v('(a{sv})', notification('a@herald.test', 'alice', profile))]])
        mine = alices[0]['ok'][0]
        wait_state(mine, ('deferred',))
        results = as_user(BOB, [
            ['GetDelivery', v('(s)', mine)],
            ['Cancel', v('(s)', mine)],
            ['Retry', v('(s)', mine)],
            ['ListDeliveries', v('(a{sv})', {})],
            ['Send', v('(a{sv})', notification('b@herald.test', 'bob', profile))],
        ])
        for result in results[:3]:
            self.assertEqual(result.get('error'), ERROR + 'NoSuchDelivery', result)
        self.assertEqual(results[3]['ok'], [[]], 'bob sees alice\'s deliveries')
        theirs = results[4]['ok'][0]
        self.assertEqual(call('GetDelivery', '(s)', [mine])[0]['state'], 'deferred')

        own = as_user(ALICE, [['ListDeliveries', v('(a{sv})', {})], ['GetDelivery', v('(s)', theirs)]])
        self.assertEqual([d['id'] for d in own[0]['ok'][0]], [mine])
        self.assertEqual(own[1].get('error'), ERROR + 'NoSuchDelivery', own[1])
        # root and the ops group hold read-log
        ids = [d['id'] for d in call('ListDeliveries', '(a{sv})', [{}])[0]]
        self.assertIn(mine, ids)
        self.assertIn(theirs, ids)
        self.assertEqual(call('GetDelivery', '(s)', [mine])[0]['caller-uid'], ALICE.pw_uid)
        self.assertEqual(call('GetDelivery', '(s)', [theirs])[0]['caller-uid'], BOB.pw_uid)
        ops = as_user(CAROL, [['ListDeliveries', v('(a{sv})', {})]])
        ops_ids = [d['id'] for d in ops[0]['ok'][0]]
        self.assertIn(mine, ops_ids)
        self.assertIn(theirs, ops_ids)
        call('Cancel', '(s)', [mine])
        call('Cancel', '(s)', [theirs])


class LeavingCallerTest(AccessCase):
    def test_caller_that_leaves_during_the_check_gets_nothing_done(self):
        """The rules file holds the leaver's manage-profiles check until the
        test releases it, then says yes: by then the caller has left."""
        profile = unique('vanished')
        subprocess.run(['setpriv', f'--reuid={LEAVER.pw_uid}', f'--regid={LEAVER.pw_gid}',
                        '--init-groups', sysbus.PYTHON, os.path.join(HERE, 'other_user.py'),
                        '--leave', 'AddProfile',
                        v('(sa{sv})', profile, smtp_profile(dead_port())).print_(True), HOLD_MARK],
                       check=True, timeout=60, env=user_env())
        deadline = time.monotonic() + 20
        while 'left the bus with' not in GW.log_text():
            self.assertLess(time.monotonic(), deadline, 'heraldd never saw the caller leave')
            time.sleep(0.05)
        open(HOLD_RELEASE, 'w').close()
        # polkit answers yes now; two round trips through the daemon and
        # polkit later anything the answer could have started is done.
        call('ListProfiles')
        call('GetRoutes')
        with self.assertRaises(GLib.Error) as caught:
            call('GetProfile', '(s)', [profile])
        self.assertEqual(error_name(caught.exception), ERROR + 'NoSuchProfile')


class SignalTest(AccessCase):
    def test_deliveries_changed_carries_no_details(self):
        """Every peer of the system bus may receive the signal: it says
        only which delivery changed to which state."""
        seen = []
        handle = BUS.connection.signal_subscribe(
            BUS_NAME, IFACE, 'DeliveriesChanged', PATH, None, Gio.DBusSignalFlags.NONE,
            lambda *args: seen.extend(args[5].unpack()[0]))
        self.addCleanup(BUS.connection.signal_unsubscribe, handle)
        profile = unique('signals')
        call('AddProfile', '(sa{sv})', [profile, smtp_profile(dead_port())])
        delivery_id = call('Send', '(a{sv})', [notification('s@herald.test', 'signals', profile)])[0]
        deadline = time.monotonic() + 30
        while not any(i == delivery_id and state == 'deferred' for i, state, _ in seen):
            self.assertLess(time.monotonic(), deadline, f'no DeliveriesChanged deferred: {seen}')
            GLib.MainContext.default().iteration(False)
            time.sleep(0.01)
        for i, state, details in seen:
            if i == delivery_id:
                self.assertEqual(details, {}, state)
        self.assertTrue(call('GetDelivery', '(s)', [delivery_id])[0]['reply'])


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

            # the ops group reads the log but may not trust
            refused = as_user(CAROL, [['TrustCertificate', v('(ss)', profile, fingerprint)]])
            self.assert_not_authorized(refused[0], 'manage-trust')
            call('TrustCertificate', '(ss)', [profile, fingerprint.upper()])
            delivery = wait_state(delivery_id, ('sent',))
            self.assertEqual(delivery['state'], 'sent')
            self.assertEqual(len(server.messages()), 1)
            self.assertEqual(call('GetProfile', '(s)', [profile])[0]['pinned-keys'],
                             [f'{pin}@localhost:{server.port}'])
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
    anyone connect, heraldd (session mode) as root, a caller as another user."""

    def test_other_user_refused(self):
        bus = sysbus.SystemBus(kind='session').start()
        self.addCleanup(bus.stop)
        daemon = sysbus.SystemDaemon(bus)
        self.addCleanup(daemon.tmp.cleanup)
        daemon.start()
        self.addCleanup(daemon.stop)
        results = as_user(ALICE, [['ListProfiles', None],
                                  ['Send', v('(a{sv})', notification('a@herald.test'))],
                                  ['AddProfile', v('(sa{sv})', 'intruder', {})]],
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
        return subprocess.run(GW.command('--rotate-key'), capture_output=True, text=True,
                              timeout=60, env=GW.env, preexec_fn=lambda: os.umask(0o077))

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
        self.assertEqual(os.stat(key_path).st_uid, GW.user.pw_uid)
        self.assertTrue(call('GetProfile', '(s)', [profile])[0]['password-set'])
        # a store the daemon cannot decrypt would fail here
        call('SetSecret', '(sss)', [profile, 'pop-password', 'after-rotation'])
        self.assertNotIn('cannot be authenticated', GW.log_text())


if __name__ == '__main__':
    unittest.main(verbosity=2)
