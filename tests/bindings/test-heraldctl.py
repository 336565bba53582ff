#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# test-heraldctl.py: heraldctl against the built heraldd on a private bus
# (run under dbus-run-session): profiles, secrets, sending, deliveries, JSON
# output and exit codes.

import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import heraldtest  # noqa: E402

HERALDCTL = os.environ.get('HERALD_CTL')
SECRET = 'Sup3r-S3cret-w0rd'

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_DELIVERY_FAILED, EXIT_UNREACHABLE = range(5)

# every output of heraldctl, to check that the secret never appears
outputs = []


def ctl(*args, stdin=None, env=None):
    result = subprocess.run([HERALDCTL, *args], input=stdin, capture_output=True,
                            text=True, env=env, timeout=60)
    outputs.append(result.stdout + result.stderr)
    return result


def ctl_json(*args):
    result = ctl('--json', *args)
    if result.returncode != 0:
        raise AssertionError(f'heraldctl --json {" ".join(args)}: {result.returncode}\n'
                             f'{result.stderr}')
    return json.loads(result.stdout)


class UsageTest(unittest.TestCase):
    """Exit codes that need no gateway."""

    def assertUsage(self, *args):
        result = ctl(*args)
        self.assertEqual(result.returncode, EXIT_USAGE,
                         f'{args}: {result.returncode} {result.stderr}')
        self.assertTrue(result.stderr.startswith('heraldctl: '), result.stderr)
        self.assertEqual(result.stdout, '')

    def test_time_forms_are_listed(self):
        result = ctl('log', '--since', 'last week')
        self.assertEqual(result.returncode, EXIT_USAGE)
        self.assertIn('--since: cannot read the time “last week”', result.stderr)
        for form in ('ISO 8601', 'YYYY-MM-DD', 'yesterday', '2h', '7d', '2w'):
            self.assertIn(form, result.stderr)
        self.assertIn('--until: cannot read the time “soon”',
                      ctl('log', '--until', 'soon').stderr)

    def test_usage_errors(self):
        self.assertUsage()
        self.assertUsage('no-such-command')
        self.assertUsage('--no-such-option')
        self.assertUsage('profile')
        self.assertUsage('profile', 'frobnicate')
        self.assertUsage('profile', 'show')
        self.assertUsage('profile', 'show', 'a', 'b')
        self.assertUsage('profile', 'set', 'x')
        self.assertUsage('profile', 'add', 'x', 'not-a-pair')
        self.assertUsage('token')
        self.assertUsage('token', 'add')
        self.assertUsage('token', 'add', 'a', 'b')
        self.assertUsage('token', 'add', 'a', '--rate', '-5')
        self.assertUsage('token', 'remove')
        self.assertUsage('token', 'list', 'extra')
        self.assertUsage('profile', 'set-password', 'x', '--key', 'host')
        self.assertUsage('profile', 'test', 'x')
        self.assertUsage('profile', 'test', '--to', 'a@example.org')
        self.assertUsage('profile', 'test', 'x', 'y', '--to', 'a@example.org')
        self.assertUsage('send', '--urgency', 'extreme')
        self.assertUsage('send', 'stray-argument')
        self.assertUsage('send', '--header', 'no-colon')
        self.assertUsage('delivery')
        self.assertUsage('delivery', 'show')
        self.assertUsage('delivery', 'list', '--state', 'lost')
        self.assertUsage('delivery', 'list', '--limit', '0')
        self.assertUsage('delivery', 'list', '--limit', 'many')
        self.assertUsage('delivery', 'retry')
        self.assertUsage('delivery', 'retry', 'a', 'b')
        self.assertUsage('route')
        self.assertUsage('route', 'frobnicate')
        self.assertUsage('route', 'show', 'extra')
        self.assertUsage('route', 'set')
        self.assertUsage('route', 'set', 'a.json', 'b.json')
        self.assertUsage('route', 'check')
        self.assertUsage('quota', 'extra')
        self.assertUsage('quota', '--uid', '-3')
        self.assertUsage('route', 'check', '--category', 'x')
        self.assertUsage('route', 'check', '--to', 'a@example.org', '--urgency', 'extreme')
        self.assertUsage('route', 'check', '--to', 'a@example.org', 'stray')
        self.assertUsage('log', 'stray')
        self.assertUsage('log', '--limit', '0')
        self.assertUsage('log', '--limit', '10001')
        self.assertUsage('log', '--state', 'lost')
        self.assertUsage('log', '--since', 'last tuesday')
        self.assertUsage('log', '--since', '2h', '--until', '3h')

    def test_no_password_on_the_command_line(self):
        self.assertUsage('profile', 'set-password', 'x', '--password', SECRET)
        self.assertUsage('profile', 'add', 'x', f'password={SECRET}')
        self.assertUsage('profile', 'set', 'x', f'fax-api-key={SECRET}')
        help_text = ctl('profile', 'set-password', '--help').stdout
        self.assertNotIn('--password', help_text)

    def test_help_and_version(self):
        result = ctl('--help')
        self.assertEqual(result.returncode, EXIT_OK)
        for code in ('0', '1', '2', '3', '4'):
            self.assertIn(f'  {code}  ', result.stdout)
        result = ctl('--version')
        self.assertEqual(result.returncode, EXIT_OK)
        self.assertTrue(result.stdout.startswith('heraldctl '))
        for command in (('profile', '--help'), ('delivery', '--help'), ('send', '--help'),
                        ('profile', 'test', '--help'), ('route', '--help'),
                        ('route', 'check', '--help'), ('route', 'set', '--help'),
                        ('log', '--help'), ('delivery', 'retry', '--help')):
            self.assertEqual(ctl(*command).returncode, EXIT_OK, command)
        self.assertIn('profile test NAME --to ADDRESS', ctl('--help').stdout)
        self.assertIn('--to', ctl('profile', 'test', '--help').stdout)
        main_help = ctl('--help').stdout
        for text in ('route show', 'route set FILE|-', 'route check --to ADDRESS',
                     'delivery retry ID', 'log [OPTION'):
            self.assertIn(text, main_help)
        for option in ('--state', '--profile', '--app-name', '--since', '--until', '--limit'):
            self.assertIn(option, ctl('log', '--help').stdout)

    def test_unreachable(self):
        # nothing owns org.herald.Gateway1 and nothing can activate it
        if heraldtest.name_has_owner():
            self.skipTest('a gateway is running')
        result = ctl('profile', 'list')
        self.assertEqual(result.returncode, EXIT_UNREACHABLE, result.stderr)
        self.assertTrue(result.stderr.startswith('heraldctl: '), result.stderr)
        env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS='unix:path=/nonexistent/bus')
        result = ctl('profile', 'list', env=env)
        self.assertEqual(result.returncode, EXIT_UNREACHABLE, result.stderr)


class GatewayTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = heraldtest.Daemon().start()
        cls.md2 = os.path.join(cls.daemon.dir, 'md2')
        result = ctl('profile', 'add', 'md2', 'transport=maildir',
                     f'maildir-path={cls.md2}', 'from-address=herald@example.com')
        assert result.returncode == EXIT_OK, result.stderr
        blocker = os.path.join(cls.daemon.dir, 'blocker')
        open(blocker, 'w').close()
        # a Maildir under a regular file cannot be created: deliveries defer
        result = ctl('profile', 'add', 'broken', 'transport=maildir',
                     f'maildir-path={blocker}/md', 'retry-interval=3600')
        assert result.returncode == EXIT_OK, result.stderr

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()
        for output in outputs:
            assert SECRET not in output, 'the secret appeared in the output of heraldctl'

    def send(self, *args, stdin=None):
        return ctl('send', '--to', 'someone@example.com', *args, stdin=stdin)

    def wait_for_state(self, delivery_id, state):
        deadline = time.monotonic() + 20
        while True:
            delivery = ctl_json('delivery', 'show', delivery_id)
            if delivery['state'] == state:
                return delivery
            self.assertLess(time.monotonic(), deadline,
                            f'{delivery_id} stayed {delivery["state"]}')
            time.sleep(0.05)

    def test_profile_commands(self):
        result = ctl('profile', 'add', 'scratch', 'transport=maildir',
                     f'maildir-path={self.daemon.dir}/scratch')
        self.assertEqual(result.returncode, EXIT_OK, result.stderr)

        result = ctl('profile', 'show', 'scratch')
        self.assertEqual(result.returncode, EXIT_OK, result.stderr)
        self.assertIn('transport:', result.stdout)
        self.assertIn('maildir', result.stdout)

        self.assertEqual(ctl('profile', 'set', 'scratch', 'from-name=Scratch Pad',
                             'retry-interval=45').returncode, EXIT_OK)
        profile = ctl_json('profile', 'show', 'scratch')
        self.assertEqual(profile['name'], 'scratch')
        self.assertEqual(profile['transport'], 'maildir')
        self.assertEqual(profile['from-name'], 'Scratch Pad')
        self.assertEqual(profile['retry-interval'], 45)
        # a maildir profile shows the keys every profile has and its own
        self.assertIn('maildir-path', profile)
        self.assertNotIn('host', profile)

        self.assertEqual(ctl('profile', 'set', 'scratch', 'retry-interval=').returncode,
                         EXIT_OK)
        self.assertEqual(ctl_json('profile', 'show', 'scratch')['retry-interval'], 300)

        result = ctl('profile', 'set', 'scratch', 'retry-interval=forever')
        self.assertEqual(result.returncode, EXIT_FAILURE)
        self.assertTrue(result.stderr.startswith('heraldctl: '), result.stderr)

        result = ctl('profile', 'list')
        self.assertEqual(result.returncode, EXIT_OK)
        self.assertIn('scratch', result.stdout)
        names = [p['name'] for p in ctl_json('profile', 'list')]
        self.assertIn('local', names)
        self.assertIn('scratch', names)

        result = ctl('profile', 'add', 'scratch', 'transport=maildir')
        self.assertEqual(result.returncode, EXIT_FAILURE)

        self.assertEqual(ctl('profile', 'remove', 'scratch').returncode, EXIT_OK)
        result = ctl('profile', 'show', 'scratch')
        self.assertEqual(result.returncode, EXIT_FAILURE)
        self.assertTrue(result.stderr.startswith('heraldctl: '), result.stderr)
        self.assertNotIn('GDBus.Error', result.stderr)
        self.assertNotIn('scratch', [p['name'] for p in ctl_json('profile', 'list')])

    def test_verbose_shows_herald_debug_only(self):
        env = {k: v for k, v in os.environ.items() if k != 'G_MESSAGES_DEBUG'}
        result = ctl('--verbose', 'profile', 'list', env=env)
        self.assertEqual(result.returncode, EXIT_OK, result.stderr)
        self.assertIn('heraldctl-DEBUG', result.stderr)
        self.assertIn('Talking to org.herald.Gateway1 on the session bus', result.stderr)
        self.assertNotIn('GLib', result.stderr)
        self.assertNotIn('deadlock', result.stderr)
        self.assertIn('local', result.stdout)           # the output itself is unchanged
        self.assertNotIn('DEBUG', result.stdout)
        # GLib's own messages stay available when asked for by name
        glib = ctl('profile', 'list', env=dict(env, G_MESSAGES_DEBUG='GLib-GIO'))
        if 'deadlock' in glib.stderr:
            self.assertIn('deadlock', ctl('-v', 'profile', 'list',
                                          env=dict(env, G_MESSAGES_DEBUG='GLib-GIO')).stderr)

    def test_profile_keys_per_transport(self):
        """GetProfileKeys (the Cockpit page's form): the keys every profile
        has and the transport's own, none of another transport's; "" gives
        them all; an unknown transport is refused."""
        from gi.repository import Gio, GLib
        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)

        def keys(transport):
            reply = bus.call_sync(heraldtest.BUS_NAME, '/org/herald/Gateway1', 'org.herald.Gateway1',
                                  'GetProfileKeys', GLib.Variant('(s)', (transport,)),
                                  GLib.VariantType('(aa{sv})'), Gio.DBusCallFlags.NONE, -1, None)
            return {k['key']: k for k in reply.unpack()[0]}

        maildir, smtp, every = keys('maildir'), keys('smtp'), keys('')
        for common in ('transport', 'from-address', 'retry-interval', 'expire-after'):
            self.assertIn(common, maildir)
            self.assertIn(common, smtp)
        self.assertIn('maildir-path', maildir)
        self.assertNotIn('host', maildir)
        self.assertNotIn('fax-backend', maildir)
        self.assertIn('host', smtp)
        self.assertNotIn('maildir-path', smtp)
        self.assertNotIn('fax-pin', smtp)
        self.assertTrue(set(maildir) | set(smtp) <= set(every))
        self.assertIn('fax-pin', every)
        # the fields a form needs
        self.assertEqual(smtp['password']['type'], 'secret')
        self.assertTrue(smtp['password']['secret'])
        self.assertNotIn('default', smtp['password'])
        self.assertEqual((smtp['port']['type'], smtp['port']['min'], smtp['port']['max']), ('uint', 1, 65535))
        self.assertEqual(smtp['port']['default'], '587')
        self.assertEqual(keys('smtps')['port']['default'], '465')
        self.assertIn('starttls', smtp['security']['values'])
        self.assertTrue(smtp['host']['description'])
        with self.assertRaises(GLib.Error) as caught:
            keys('no-such-transport')
        self.assertIn('TransportUnavailable', caught.exception.message)

    def test_profile_keys_command(self):
        """heraldctl profile keys [TRANSPORT]: each key's meaning, values in
        its unit, default and flags, as text and as JSON, from the gateway's
        loaded transports."""
        result = ctl('profile', 'keys', 'smtp')
        self.assertEqual(result.returncode, EXIT_OK, result.stderr)
        blocks = {b.splitlines()[0]: b for b in result.stdout.strip().split('\n\n')}
        for key in ('transport', 'host', 'port', 'password', 'retry-interval',
                    'max-attachment-size', 'connect-timeout'):
            self.assertIn(key, blocks)
        self.assertNotIn('maildir-path', blocks)
        self.assertIn('Seconds before the first retry', blocks['retry-interval'])
        self.assertIn('Value: a duration from 1s to 1d (90, 90s, 5m, 2h, 1d)', blocks['retry-interval'])
        self.assertIn('Default: 5m', blocks['retry-interval'])
        self.assertIn('Value: a size from 0 bytes to 1 TiB', blocks['max-attachment-size'])
        self.assertIn('Value: a number from 1 to 65535', blocks['port'])
        self.assertIn('Default: 587', blocks['port'])
        self.assertIn('one of: none, starttls-if-available, starttls, tls', blocks['security'])
        self.assertIn('a secret', blocks['password'])
        self.assertNotIn('Default', blocks['password'])
        self.assertIn('manage-trust', blocks['host'])
        self.assertNotIn('manage-trust', blocks['from-name'])
        for transport in ('fax', 'maildir', 'smtp', 'smtps'):
            self.assertIn(transport, blocks['transport'])

        keys = ctl_json('profile', 'keys', 'maildir')
        by_key = {k['key']: k for k in keys}
        self.assertEqual(keys[0]['key'], 'transport')
        self.assertIn('maildir-path', by_key)
        self.assertNotIn('host', by_key)
        self.assertEqual(by_key['retry-interval']['unit'], 'seconds')
        self.assertEqual((by_key['retry-interval']['min'], by_key['retry-interval']['max']), (1, 86400))
        self.assertEqual(by_key['retry-interval']['default'], '300')
        self.assertEqual(by_key['max-attachment-size']['unit'], 'bytes')
        self.assertNotIn('unit', by_key['max-connections'])
        self.assertTrue(by_key['transport']['redirects-secrets'])
        self.assertFalse(by_key['from-name']['redirects-secrets'])
        self.assertIn('maildir', by_key['transport']['values'])
        self.assertTrue(all(k['description'] for k in keys))
        every = {k['key'] for k in ctl_json('profile', 'keys')}
        self.assertTrue({'maildir-path', 'host', 'fax-backend', 'fax-pin'} <= every)

        result = ctl('profile', 'keys', 'no-such-transport')
        self.assertEqual(result.returncode, EXIT_FAILURE)
        self.assertIn('No transport “no-such-transport” is installed', result.stderr)
        self.assertEqual(ctl('profile', 'keys', 'smtp', 'fax').returncode, EXIT_USAGE)

    def test_profile_show_keys_of_its_transport(self):
        """profile show: the keys of the profile's transport only, numbers in
        their units, defaults marked; another transport's stored keys apart."""
        result = ctl('profile', 'add', 'units', 'transport=smtp', 'host=mail.example.org',
                     'max-attachment-size=10 MiB', 'expire-after=2d', 'connect-timeout=90s')
        self.assertEqual(result.returncode, EXIT_OK, result.stderr)
        self.assertEqual(result.stderr, '')     # transport given: no note
        try:
            text = ctl('profile', 'show', 'units').stdout
            rows = dict(line.split(':', 1) for line in text.splitlines() if ':' in line)
            rows = {k: v.strip() for k, v in rows.items()}
            self.assertEqual(rows['transport'], 'smtp')
            self.assertEqual(rows['max-attachment-size'], '10 MiB (10485760 bytes)')
            self.assertEqual(rows['expire-after'], '2d (172800 seconds)')
            self.assertEqual(rows['connect-timeout'], '90s')
            self.assertEqual(rows['retry-interval'], '5m (300 seconds) (default)')
            self.assertEqual(rows['port'], '587 (default)')
            self.assertEqual(rows['password'], '(not set)')
            self.assertNotIn('maildir-path', rows)
            self.assertNotIn('fax-backend', rows)
            self.assertNotIn('fax-pin', rows)
            self.assertNotIn('Stored, but not used', text)
            # the gateway's word on the profile, not a key
            self.assertEqual(rows['state'], 'ready')

            profile = ctl_json('profile', 'show', 'units')
            self.assertEqual(profile['state'], 'ready')
            self.assertEqual(profile['max-attachment-size'], 10485760)
            self.assertEqual(profile['expire-after'], 172800)
            self.assertEqual(profile['host'], 'mail.example.org')
            self.assertIs(profile['password-set'], False)
            self.assertIn('retry-interval', profile['defaults'])
            self.assertNotIn('expire-after', profile['defaults'])
            self.assertNotIn('maildir-path', profile)
            self.assertNotIn('fax-pin-set', profile)
            self.assertEqual(profile['unused'], {})

            # to maildir: the smtp keys stay stored, shown apart
            self.assertEqual(ctl('profile', 'set', 'units', 'transport=maildir',
                                 f'maildir-path={self.daemon.dir}/units').returncode, EXIT_OK)
            text = ctl('profile', 'show', 'units').stdout
            head, _, tail = text.partition('Stored, but not used by transport “maildir”:')
            self.assertIn('maildir-path:', head)
            self.assertNotIn('host:', head)
            self.assertIn('host:', tail)
            profile = ctl_json('profile', 'show', 'units')
            self.assertEqual(profile['unused'], {'host': 'mail.example.org', 'connect-timeout': 90})
            self.assertEqual(profile['max-attachment-size'], 10485760)
            self.assertNotIn('host', profile)
        finally:
            ctl('profile', 'remove', 'units')

    def test_unit_grammar_errors(self):
        """Sizes and durations: the same forms in every key and option, and
        an error that lists them."""
        self.assertEqual(ctl('profile', 'add', 'grammar', 'transport=maildir',
                             f'maildir-path={self.daemon.dir}/grammar').returncode, EXIT_OK)
        try:
            for value, expected in (('10M', 10485760), ('10MB', 10485760), ('10 MiB', 10485760),
                                    ('512k', 524288), ('1048576', 1048576)):
                result = ctl('profile', 'set', 'grammar', f'max-attachment-size={value}')
                self.assertEqual(result.returncode, EXIT_OK, result.stderr)
                self.assertEqual(ctl_json('profile', 'show', 'grammar')['max-attachment-size'], expected)
            for value, expected in (('90', 90), ('90s', 90), ('5m', 300), ('2h', 7200), ('1d', 86400)):
                result = ctl('profile', 'set', 'grammar', f'retry-interval={value}')
                self.assertEqual(result.returncode, EXIT_OK, result.stderr)
                self.assertEqual(ctl_json('profile', 'show', 'grammar')['retry-interval'], expected)

            result = ctl('profile', 'set', 'grammar', 'max-attachment-size=10 megs')
            self.assertEqual(result.returncode, EXIT_FAILURE)
            self.assertIn('Invalid value “10 megs” for “max-attachment-size”', result.stderr)
            for form in ('a number of bytes', '10M', '10MB', '10 MiB', 'multiples of 1024'):
                self.assertIn(form, result.stderr)
            result = ctl('profile', 'set', 'grammar', 'retry-interval=1.5h')
            self.assertEqual(result.returncode, EXIT_FAILURE)
            for form in ('a number of seconds', '90s', '5m', '2h', '1d'):
                self.assertIn(form, result.stderr)
            result = ctl('profile', 'set', 'grammar', 'retry-interval=2d')
            self.assertIn('must be between 1s and 1d', result.stderr)
            self.assertEqual(ctl_json('profile', 'show', 'grammar')['retry-interval'], 86400)

            result = ctl('send', '--to', 'a@example.org', '--wait', '--timeout', '5 min')
            self.assertEqual(result.returncode, EXIT_USAGE)
            self.assertIn('--timeout 5 min: use a number of seconds', result.stderr)
            self.assertEqual(ctl('delivery', 'wait', 'x', '--timeout', 'soon').returncode, EXIT_USAGE)
        finally:
            ctl('profile', 'remove', 'grammar')

    def test_default_transport_is_named(self):
        """A profile added without transport says which one it took: on
        heraldctl's standard error, in --json, and in GetProfile's
        "defaults"."""
        from gi.repository import Gio, GLib
        result = ctl('profile', 'add', 'no-transport', 'host=mail.example.org')
        self.assertEqual(result.returncode, EXIT_OK, result.stderr)
        try:
            self.assertEqual(result.stdout, '')
            self.assertIn('profile “no-transport” uses transport “smtp”, the default', result.stderr)
            self.assertIn('heraldctl profile keys smtp', result.stderr)
            self.assertRegex(ctl('profile', 'show', 'no-transport').stdout,
                             r'(?m)^transport: +smtp \(default\)$')
            bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
            reply = bus.call_sync(heraldtest.BUS_NAME, '/org/herald/Gateway1', 'org.herald.Gateway1',
                                  'GetProfile', GLib.Variant('(s)', ('no-transport',)),
                                  GLib.VariantType('(a{sv})'), Gio.DBusCallFlags.NONE, -1, None)
            settings = reply.unpack()[0]
            self.assertEqual(settings['transport'], 'smtp')
            self.assertIn('transport', settings['defaults'])
            self.assertNotIn('host', settings['defaults'])
        finally:
            ctl('profile', 'remove', 'no-transport')
        self.assertEqual(ctl_json('profile', 'add', 'json-transport', 'host=mail.example.org'),
                         {'profile': 'json-transport', 'transport': 'smtp', 'transport-default': True})
        ctl('profile', 'remove', 'json-transport')
        self.assertEqual(ctl_json('profile', 'add', 'json-maildir', 'transport=maildir',
                                  f'maildir-path={self.daemon.dir}/jm'),
                         {'profile': 'json-maildir', 'transport': 'maildir', 'transport-default': False})
        ctl('profile', 'remove', 'json-maildir')

    def test_every_secret_key_is_documented(self):
        """Secrets are the keys a profile shows as KEY-set: SetSecret's
        description and set-password --key say so, and every secret a
        profile shows is accepted by set-password --key (transports declare
        their own, so no fixed list can name them all)."""
        here = os.path.dirname(os.path.abspath(__file__))
        with open(os.path.join(here, '..', '..', 'data', 'org.herald.Gateway1.xml')) as xml:
            text = xml.read()
        doc = text[text.index('      SetSecret:'):text.index('<method name="SetSecret">')]
        doc = ' '.join(doc.split())
        help_text = ' '.join(ctl('profile', 'set-password', '--help').stdout.split())
        self.assertIn('KEY-set', doc)
        self.assertIn('KEY-set', help_text)
        self.assertIn('password (the default)', help_text)
        # every secret key of every loaded transport (profile keys), and
        # every one md2 shows, its transport's or stored but unused
        shown = ctl_json('profile', 'show', 'md2')
        shown = {**shown, **shown['unused']}
        keys = [k['key'] for k in ctl_json('profile', 'keys') if k['secret']]
        keys += [k[:-len('-set')] for k, v in shown.items()
                 if k.endswith('-set') and isinstance(v, bool) and k[:-len('-set')] not in keys]
        self.assertIn('password', keys)
        self.assertIn('fax-pin', keys)
        for key in keys:
            result = ctl('profile', 'set-password', 'md2', '--key', key, '--clear')
            self.assertEqual(result.returncode, EXIT_OK, f'{key}: {result.stderr}')

    def test_token_commands(self):
        result = ctl('token', 'add', 'ctl-ci', '--profile', 'md2', '--tag', 'team=ci',
                     '--allow-tag', 'env=*', '--rate', '90')
        self.assertEqual(result.returncode, EXIT_OK, result.stderr)
        token = result.stdout.strip()
        self.assertRegex(token, r'^hrld_[A-Za-z0-9_-]{43}$')
        self.assertIn('cannot be shown again', result.stderr)
        made = ctl_json('token', 'add', 'ctl-json')
        self.assertEqual(made['name'], 'ctl-json')
        self.assertRegex(made['token'], r'^hrld_[A-Za-z0-9_-]{43}$')
        self.assertNotEqual(made['token'], token)

        listed = ctl('token', 'list')
        self.assertEqual(listed.returncode, EXIT_OK, listed.stderr)
        self.assertIn('ctl-ci', listed.stdout)
        self.assertIn('team=ci', listed.stdout)
        self.assertNotIn(token, listed.stdout)
        entries = {t['name']: t for t in ctl_json('token', 'list')}
        self.assertEqual(entries['ctl-ci']['profiles'], ['md2'])
        self.assertEqual(entries['ctl-ci']['allowed-tags'], ['env=*'])
        self.assertEqual(entries['ctl-ci']['rate'], 90)
        self.assertEqual(entries['ctl-json']['rate'], 600)
        self.assertIsNone(entries['ctl-ci']['last-used'])
        self.assertNotIn(token, json.dumps(entries))

        result = ctl('token', 'add', 'ctl-ci')
        self.assertEqual(result.returncode, EXIT_FAILURE)
        self.assertIn('exists already', result.stderr)
        result = ctl('token', 'add', 'ctl-x', '--profile', 'no-such-profile')
        self.assertEqual(result.returncode, EXIT_FAILURE)
        self.assertNotIn('GDBus.Error', result.stderr)

        for name in ('ctl-ci', 'ctl-json'):
            result = ctl('token', 'remove', name)
            self.assertEqual(result.returncode, EXIT_OK, result.stderr)
        result = ctl('token', 'remove', 'ctl-ci')
        self.assertEqual(result.returncode, EXIT_FAILURE)
        self.assertEqual(ctl_json('token', 'list'), [])

    def test_set_password_from_stdin(self):
        result = ctl('profile', 'set-password', 'md2', stdin=SECRET + '\n')
        self.assertEqual(result.returncode, EXIT_OK, result.stderr)
        # says what it did, and that md2 has no username to use it with
        self.assertEqual(result.stdout,
                         'Stored the password of profile “md2” (encrypted; it is never shown).\n')
        self.assertIn('heraldctl: warning: profile “md2” has no username, so its password is '
                      'not used until one is set: heraldctl profile set md2 username=NAME',
                      result.stderr)
        self.assertNotIn(SECRET, result.stdout + result.stderr)

        result = ctl('profile', 'show', 'md2')
        self.assertEqual(result.returncode, EXIT_OK)
        password_lines = [line for line in result.stdout.splitlines()
                          if line.startswith('password:')]
        self.assertEqual(len(password_lines), 1, result.stdout)
        self.assertIn('(set)', password_lines[0])
        self.assertNotIn(SECRET, result.stdout)
        # md2 is a maildir profile: its password is stored but not used
        self.assertTrue(ctl_json('profile', 'show', 'md2')['unused']['password-set'])
        self.assertNotIn('password', ctl_json('profile', 'show', 'md2'))
        self.assertNotIn('password-set', ctl_json('profile', 'show', 'md2'))

        result = ctl('profile', 'set-password', 'md2', '--key', 'fax-api-key', stdin=SECRET)
        self.assertEqual(result.returncode, EXIT_OK, result.stderr)
        self.assertEqual(result.stderr, '')     # an API key needs no user name
        self.assertTrue(ctl_json('profile', 'show', 'md2')['unused']['fax-api-key-set'])
        result = ctl('--json', 'profile', 'set-password', 'md2', '--key', 'fax-pin', stdin='1234')
        self.assertEqual(result.returncode, EXIT_OK, result.stderr)
        self.assertEqual(json.loads(result.stdout),
                         {'profile': 'md2', 'key': 'fax-pin', 'set': True})
        self.assertTrue(ctl_json('profile', 'show', 'md2')['unused']['fax-pin-set'])

        self.assertEqual(ctl('profile', 'set', 'md2', 'username=alerts').returncode, EXIT_OK)
        result = ctl('profile', 'set-password', 'md2', stdin=SECRET)
        self.assertEqual(result.returncode, EXIT_OK, result.stderr)
        self.assertEqual(result.stderr, '')
        self.assertEqual(ctl('profile', 'set', 'md2', 'username=').returncode, EXIT_OK)

        result = ctl('profile', 'set-password', 'md2', stdin='')
        self.assertEqual(result.returncode, EXIT_FAILURE)

        result = ctl('profile', 'set-password', 'md2', '--key', 'fax-api-key', '--clear')
        self.assertEqual(result.returncode, EXIT_OK)
        self.assertEqual(result.stdout, 'Removed the fax-api-key of profile “md2”.\n')
        self.assertNotIn('fax-api-key-set', ctl_json('profile', 'show', 'md2')['unused'])

        result = ctl('profile', 'set-password', 'no-such-profile', stdin=SECRET)
        self.assertEqual(result.returncode, EXIT_FAILURE)
        self.assertIn('no-such-profile', result.stderr)

    def test_profile_test(self):
        result = ctl('profile', 'test', 'local', '--to', 'a@example.org')
        self.assertEqual(result.returncode, EXIT_OK, result.stdout + result.stderr)
        self.assertEqual(result.stderr, '')
        reply = [line for line in result.stdout.splitlines() if line.startswith('Reply:')]
        self.assertEqual(len(reply), 1, result.stdout)
        self.assertIn('stored /', reply[0])
        path = reply[0].split('stored ', 1)[1].strip()
        self.assertTrue(os.path.isfile(path), path)
        with open(path, 'rb') as message:
            self.assertIn(b'a@example.org', message.read())
        self.assertIn('Result:', result.stdout)
        self.assertIn('ok', result.stdout)

        result = ctl('--json', 'profile', 'test', 'md2', '--to', 'a@example.org')
        self.assertEqual(result.returncode, EXIT_OK, result.stderr)
        test = json.loads(result.stdout)
        self.assertIs(test['ok'], True)
        self.assertEqual(test['profile'], 'md2')
        self.assertTrue(test['reply'].startswith('stored ' + self.md2), test['reply'])
        self.assertIsNone(test['error'])
        self.assertIsNone(test['tls'])
        self.assertIsNone(test['certificate'])
        self.assertIsInstance(test['transcript'], list)
        self.assertEqual(ctl_json('profile', 'test', 'local', '--to', 'b@example.org')['ok'],
                         True)

    def test_profile_test_failures(self):
        result = ctl('profile', 'test', 'no-such-profile', '--to', 'a@example.org')
        self.assertEqual(result.returncode, EXIT_FAILURE, result.stderr)
        self.assertTrue(result.stderr.startswith('heraldctl: '), result.stderr)
        self.assertIn('no-such-profile', result.stderr)
        self.assertNotIn('GDBus.Error', result.stderr)
        self.assertEqual(result.stdout, '')

        # the test ran, and the Maildir could not be written: exit 3
        result = ctl('profile', 'test', 'broken', '--to', 'a@example.org')
        self.assertEqual(result.returncode, EXIT_DELIVERY_FAILED, result.stdout + result.stderr)
        self.assertIn('failed', result.stdout)
        self.assertIn('Error:', result.stdout)
        result = ctl('--json', 'profile', 'test', 'broken', '--to', 'a@example.org')
        self.assertEqual(result.returncode, EXIT_DELIVERY_FAILED, result.stderr)
        test = json.loads(result.stdout)
        self.assertIs(test['ok'], False)
        self.assertTrue(test['error'])

        # the gateway keeps the outcome: profile show and list say it
        shown = ctl_json('profile', 'show', 'broken')['last-test']
        self.assertIs(shown['ok'], False)
        self.assertEqual(shown['summary'], test['error'].replace('\n', ' ').strip())
        self.assertNotIn('last-test', ctl_json('profile', 'show', 'broken')['unused'])
        text = ctl('profile', 'show', 'broken').stdout
        rows = {k: v.strip() for k, v in (line.split(':', 1) for line in text.splitlines() if ':' in line)}
        self.assertTrue(rows['last test'].startswith('failed, '), text)
        self.assertNotIn('Stored, but not used', text)
        listing = ctl('profile', 'list').stdout.splitlines()
        self.assertIn('LAST TEST', listing[0])
        self.assertTrue([line for line in listing if line.startswith('broken ') and line.rstrip().endswith('failed')],
                        listing)

    def test_send_and_wait(self):
        with tempfile.NamedTemporaryFile('w', suffix='.log', dir=self.daemon.dir,
                                         delete=False) as attachment:
            attachment.write('attached\n')
        result = self.send('--subject', 'heraldctl wait test', '--body', 'Body text.',
                           '--profile', 'md2', '--attach', attachment.name,
                           '--urgency', 'critical', '--category', 'test.wait', '--wait')
        self.assertEqual(result.returncode, EXIT_OK, result.stderr)
        lines = result.stdout.splitlines()
        self.assertEqual(len(lines), 2, result.stdout)
        delivery_id, state = lines
        self.assertEqual(state, 'sent')
        path = heraldtest.find_message(self.md2, 'heraldctl wait test')
        with open(path, 'rb') as message:
            self.assertIn(os.path.basename(attachment.name).encode(), message.read())

        result = ctl('delivery', 'show', delivery_id)
        self.assertEqual(result.returncode, EXIT_OK, result.stderr)
        self.assertIn(delivery_id, result.stdout)
        self.assertIn('sent', result.stdout)
        delivery = ctl_json('delivery', 'show', delivery_id)
        self.assertEqual(delivery['id'], delivery_id)
        self.assertEqual(delivery['state'], 'sent')
        self.assertEqual(delivery['subject'], 'heraldctl wait test')
        self.assertEqual(delivery['urgency'], 'critical')
        self.assertEqual(delivery['app-name'], 'heraldctl')

        result = ctl('--json', 'send', '--to', 'someone@example.com', '--profile', 'md2',
                     '--subject', 'heraldctl json wait', '--body', 'x', '--wait')
        self.assertEqual(result.returncode, EXIT_OK, result.stderr)
        self.assertEqual(json.loads(result.stdout)['state'], 'sent')

        listed = ctl_json('delivery', 'list', '--state', 'sent', '--profile', 'md2',
                          '--limit', '50')
        self.assertIn(delivery_id, [d['id'] for d in listed])
        self.assertTrue(all(d['state'] == 'sent' for d in listed))
        self.assertEqual(len(ctl_json('delivery', 'list', '--limit', '1')), 1)
        result = ctl('delivery', 'list')
        self.assertEqual(result.returncode, EXIT_OK)
        self.assertIn(delivery_id, result.stdout)

    def test_body_from_stdin(self):
        result = self.send('--subject', 'heraldctl stdin test', '--profile', 'md2',
                           stdin='Body read from standard input.\n')
        self.assertEqual(result.returncode, EXIT_OK, result.stderr)
        path = heraldtest.find_message(self.md2, 'heraldctl stdin test')
        with open(path, 'rb') as message:
            self.assertIn(b'Body read from standard input.', message.read())

    def test_send_json(self):
        result = ctl('--json', 'send', '--to', 'someone@example.com', '--profile', 'md2',
                     '--subject', 'heraldctl json test', '--body', 'x')
        self.assertEqual(result.returncode, EXIT_OK, result.stderr)
        delivery_id = json.loads(result.stdout)['id']
        self.assertTrue(delivery_id)

    def test_send_errors(self):
        result = self.send('--profile', 'no-such-profile', '--body', 'x')
        self.assertEqual(result.returncode, EXIT_FAILURE)
        self.assertTrue(result.stderr.startswith('heraldctl: '), result.stderr)
        result = self.send('--attach', os.path.join(self.daemon.dir, 'no-such-file'),
                           '--body', 'x')
        self.assertEqual(result.returncode, EXIT_FAILURE)
        result = self.send('--attach', self.daemon.dir, '--body', 'x')
        self.assertEqual(result.returncode, EXIT_FAILURE)

    def test_cancel(self):
        result = self.send('--subject', 'to be cancelled', '--profile', 'broken', '--body', 'x')
        self.assertEqual(result.returncode, EXIT_OK, result.stderr)
        delivery_id = result.stdout.strip()
        deferred = self.wait_for_state(delivery_id, 'deferred')
        self.assertIsNotNone(deferred['next-attempt'])

        result = ctl('delivery', 'cancel', delivery_id)
        self.assertEqual(result.returncode, EXIT_OK, result.stderr)
        self.assertEqual(ctl_json('delivery', 'show', delivery_id)['state'], 'cancelled')

        result = ctl('delivery', 'cancel', delivery_id)
        self.assertEqual(result.returncode, EXIT_FAILURE)
        self.assertTrue(result.stderr.startswith('heraldctl: '), result.stderr)

        result = ctl('delivery', 'show', 'no-such-delivery')
        self.assertEqual(result.returncode, EXIT_FAILURE)

    def test_wait_for_a_cancelled_delivery(self):
        waiter = subprocess.Popen(
            [HERALDCTL, 'send', '--to', 'someone@example.com', '--profile', 'broken',
             '--subject', 'waited for and cancelled', '--body', 'x', '--wait'],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        delivery_id = waiter.stdout.readline().strip()
        self.assertTrue(delivery_id)
        self.wait_for_state(delivery_id, 'deferred')
        self.assertEqual(ctl('delivery', 'cancel', delivery_id).returncode, EXIT_OK)
        out, err = waiter.communicate(timeout=30)
        outputs.append(out + err)
        self.assertEqual(waiter.returncode, EXIT_DELIVERY_FAILED, err)
        self.assertEqual(out.strip(), 'cancelled')

        result = ctl('delivery', 'wait', delivery_id)
        self.assertEqual(result.returncode, EXIT_DELIVERY_FAILED)

    def write_routes(self, document):
        path = os.path.join(self.daemon.dir, 'routes-test.json')
        with open(path, 'w') as f:
            f.write(document if isinstance(document, str) else json.dumps(document))
        return path

    def test_routes(self):
        self.assertEqual(ctl_json('route', 'show'), {'version': 1, 'rules': []})
        result = ctl('route', 'show')
        self.assertEqual(result.returncode, EXIT_OK, result.stderr)
        self.assertEqual(json.loads(result.stdout)['rules'], [])

        document = {'version': 1, 'rules': [
            {'name': 'ctl-critical', 'match': {'category': 'ctl.*', 'min-urgency': 'critical'},
             'profiles': ['md2'], 'add-to': ['oncall@example.org']},
            {'name': 'ctl-fan', 'match': {'category': 'ctl.fan'}, 'profiles': ['md2', 'local'],
             'fan-out': True},
        ]}
        try:
            result = ctl('route', 'set', self.write_routes(document))
            self.assertEqual(result.returncode, EXIT_OK, result.stderr)
            self.assertEqual(result.stdout, '')
            self.assertEqual(ctl_json('route', 'show'), document)

            # a bad document from standard input: refused, the message names
            # the rule and the field, and the old rules stay
            bad = json.dumps({'version': 1, 'rules': [
                {'name': 'ok', 'profiles': ['md2']},
                {'name': 'critical', 'match': {'min-urgency': 'urgent'}, 'profiles': ['md2']}]})
            result = ctl('route', 'set', '-', stdin=bad)
            self.assertEqual(result.returncode, EXIT_FAILURE, result.stderr)
            self.assertTrue(result.stderr.startswith('heraldctl: '), result.stderr)
            self.assertIn('rule 2 (\u201ccritical\u201d)', result.stderr)
            self.assertIn('min-urgency', result.stderr)
            self.assertNotIn('GDBus.Error', result.stderr)
            result = ctl('route', 'set', self.write_routes(
                '{"version": 1, "rules": [{"profiles": ["ghost"]}]}'))
            self.assertEqual(result.returncode, EXIT_FAILURE)
            self.assertIn('ghost', result.stderr)
            result = ctl('route', 'set', os.path.join(self.daemon.dir, 'no-such.json'))
            self.assertEqual(result.returncode, EXIT_FAILURE)
            self.assertTrue(result.stderr.startswith('heraldctl: '), result.stderr)
            self.assertEqual(ctl_json('route', 'show'), document)

            result = ctl('route', 'check', '--to', 'someone@example.com', '--category',
                         'ctl.disk', '--urgency', 'critical')
            self.assertEqual(result.returncode, EXIT_OK, result.stderr)
            lines = result.stdout.splitlines()
            self.assertEqual(len(lines), 2, result.stdout)
            self.assertIn('RULE', lines[0])
            self.assertIn('md2', lines[1])
            self.assertIn('ctl-critical', lines[1])
            self.assertIn('oncall@example.org (added)', lines[1])

            routes = ctl_json('route', 'check', '--to', 'someone@example.com',
                              '--category', 'ctl.fan')
            self.assertEqual([(r['profile'], r['rule']) for r in routes],
                             [('md2', 'ctl-fan'), ('local', 'ctl-fan')])
            self.assertEqual(routes[0]['recipients'], ['someone@example.com'])
            self.assertEqual(routes[0]['transport'], 'maildir')
            self.assertEqual(routes[0]['added'], [])
            routes = ctl_json('route', 'check', '--to', 'someone@example.com',
                              '--tag', 'x', '--app-name', 'cron')
            self.assertEqual([(r['profile'], r['rule']) for r in routes], [('local', 'default')])
            routes = ctl_json('route', 'check', '--to', 'someone@example.com',
                              '--category', 'ctl.fan', '--profile', 'md2')
            self.assertEqual([(r['profile'], r['rule']) for r in routes], [('md2', 'explicit')])

            result = ctl('route', 'check', '--to', 'not an address', '--category', 'ctl.fan')
            self.assertEqual(result.returncode, EXIT_FAILURE)
            self.assertTrue(result.stderr.startswith('heraldctl: '), result.stderr)

            # a fan-out delivery is listed with both profiles and both attempts
            result = self.send('--subject', 'heraldctl fan-out', '--body', 'x',
                               '--category', 'ctl.fan', '--wait')
            self.assertEqual(result.returncode, EXIT_OK, result.stderr)
            delivery_id = result.stdout.splitlines()[0]
            delivery = ctl_json('delivery', 'show', delivery_id)
            self.assertEqual(sorted(delivery['profiles']), ['local', 'md2'])
            self.assertEqual(sorted(a['profile'] for a in delivery['log']), ['local', 'md2'])
            heraldtest.find_message(self.md2, 'heraldctl fan-out')
        finally:
            result = ctl('route', 'set', '-', stdin='{"version": 1, "rules": []}')
            self.assertEqual(result.returncode, EXIT_OK, result.stderr)

    def test_retry(self):
        result = self.send('--subject', 'to be retried', '--profile', 'broken', '--body', 'x')
        self.assertEqual(result.returncode, EXIT_OK, result.stderr)
        delivery_id = result.stdout.strip()
        self.wait_for_state(delivery_id, 'deferred')

        result = ctl('delivery', 'retry', delivery_id)
        self.assertEqual(result.returncode, EXIT_OK, result.stderr)
        self.assertEqual(result.stdout, '')
        # the Maildir is still blocked: a second attempt, deferred again
        deadline = time.monotonic() + 20
        while len(ctl_json('delivery', 'show', delivery_id)['log']) < 2:
            self.assertLess(time.monotonic(), deadline, 'no second attempt')
            time.sleep(0.05)
        self.wait_for_state(delivery_id, 'deferred')
        self.assertEqual(ctl('delivery', 'cancel', delivery_id).returncode, EXIT_OK)

        result = ctl('delivery', 'retry', delivery_id)
        self.assertEqual(result.returncode, EXIT_FAILURE)
        self.assertTrue(result.stderr.startswith('heraldctl: '), result.stderr)
        result = ctl('delivery', 'retry', 'no-such-delivery')
        self.assertEqual(result.returncode, EXIT_FAILURE)
        self.assertNotIn('GDBus.Error', result.stderr)

    def test_log(self):
        result = self.send('--subject', 'heraldctl log test', '--body', 'x', '--profile', 'md2',
                           '--app-name', 'log-test', '--wait')
        self.assertEqual(result.returncode, EXIT_OK, result.stderr)
        delivery_id = result.stdout.splitlines()[0]

        attempts = ctl_json('log', '--app-name', 'log-test')
        self.assertEqual(len(attempts), 1, attempts)
        attempt = attempts[0]
        self.assertEqual(attempt['delivery'], delivery_id)
        self.assertEqual(attempt['profile'], 'md2')
        self.assertEqual(attempt['result'], 'sent')
        self.assertEqual(attempt['recipients'], ['someone@example.com'])
        self.assertIsInstance(attempt['duration-ms'], int)
        self.assertIsNone(attempt['tls'])
        self.assertTrue(attempt['reply'].startswith('stored '), attempt['reply'])
        self.assertIn('T', attempt['time'])

        result = ctl('log', '--app-name', 'log-test')
        self.assertEqual(result.returncode, EXIT_OK, result.stderr)
        lines = result.stdout.splitlines()
        self.assertEqual(len(lines), 2, result.stdout)
        for header in ('TIME', 'DELIVERY', 'PROFILE', 'RECIPIENTS', 'RESULT', 'REPLY', 'CODE',
                       'DURATION', 'TLS'):
            self.assertIn(header, lines[0])
        for value in (delivery_id, 'md2', 'someone@example.com', 'sent', ' ms'):
            self.assertIn(value, lines[1])

        ids = [a['delivery'] for a in ctl_json('log', '--since', '1h', '--profile', 'md2',
                                               '--state', 'sent', '--limit', '10000')]
        self.assertIn(delivery_id, ids)
        self.assertEqual(ctl_json('log', '--until', '2000-01-01'), [])
        self.assertEqual(ctl_json('log', '--since', 'now', '--app-name', 'log-test'), [])
        self.assertEqual(ctl_json('log', '--app-name', 'log-test', '--state', 'failed'), [])
        self.assertEqual(len(ctl_json('log', '--limit', '1')), 1)
        today = ctl_json('log', '--since', 'today', '--until', 'now', '--app-name', 'log-test')
        self.assertEqual([a['delivery'] for a in today], [delivery_id])
        iso = ctl_json('log', '--since', '2000-01-01 00:00', '--app-name', 'log-test')
        self.assertEqual(len(iso), 1)



class QuotaTest(unittest.TestCase):
    """heraldctl quota, and a Send over a quota."""

    @classmethod
    def setUpClass(cls):
        cls.daemon = heraldtest.Daemon()
        config = os.path.join(cls.daemon.dir, 'config')
        os.makedirs(config)
        with open(os.path.join(config, 'heraldd.conf'), 'w') as conf:
            conf.write('[quotas]\nmax-queued-deliveries=1\nmax-stored-mib=3\n')
        cls.daemon.start()
        blocker = os.path.join(cls.daemon.dir, 'blocker')
        open(blocker, 'w').close()
        # deliveries to it defer, so they stay queued
        result = ctl('profile', 'add', 'broken', 'transport=maildir',
                     f'maildir-path={blocker}/md', 'retry-interval=3600')
        assert result.returncode == EXIT_OK, result.stderr

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()

    def test_quota(self):
        quota = ctl_json('quota')
        self.assertEqual(quota['uid'], os.getuid())
        self.assertEqual(quota['max-queued-deliveries'], 1)
        self.assertEqual(quota['max-stored-bytes'], 3 * 1024 * 1024)
        self.assertEqual(quota['max-sends-per-minute'], 300)
        first = ctl('send', '--to', 'someone@example.com', '--profile', 'broken', '--body', 'x')
        self.assertEqual(first.returncode, EXIT_OK, first.stderr)
        over = ctl('send', '--to', 'someone@example.com', '--profile', 'broken', '--body', 'x')
        self.assertEqual(over.returncode, EXIT_FAILURE)
        self.assertTrue(over.stderr.startswith('heraldctl: '), over.stderr)
        self.assertIn('max-queued-deliveries', over.stderr)
        self.assertNotIn('GDBus.Error', over.stderr)
        self.assertEqual(ctl_json('quota')['queued-deliveries'], 1)
        text = ctl('quota')
        self.assertEqual(text.returncode, EXIT_OK, text.stderr)
        self.assertIn('1 of 1', text.stdout)
        self.assertIn('3.0\u00a0MiB', text.stdout)
        self.assertEqual(ctl_json('quota', '--uid', str(os.getuid()))['uid'], os.getuid())

if __name__ == '__main__':
    if not HERALDCTL or not os.access(HERALDCTL, os.X_OK):
        sys.exit(f'HERALD_CTL is not an executable: {HERALDCTL!r}')
    unittest.main(verbosity=2)
