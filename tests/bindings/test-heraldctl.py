#!/usr/bin/python3
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

    def test_no_password_on_the_command_line(self):
        self.assertUsage('profile', 'set-password', 'x', '--password', SECRET)
        self.assertUsage('profile', 'set-password', 'x', f'--password={SECRET}')
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
                        ('profile', 'test', '--help')):
            self.assertEqual(ctl(*command).returncode, EXIT_OK, command)
        self.assertIn('profile test NAME --to ADDRESS', ctl('--help').stdout)
        self.assertIn('--to', ctl('profile', 'test', '--help').stdout)

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
                             'connect-timeout=45').returncode, EXIT_OK)
        profile = ctl_json('profile', 'show', 'scratch')
        self.assertEqual(profile['name'], 'scratch')
        self.assertEqual(profile['transport'], 'maildir')
        self.assertEqual(profile['from-name'], 'Scratch Pad')
        self.assertEqual(profile['connect-timeout'], 45)

        self.assertEqual(ctl('profile', 'set', 'scratch', 'connect-timeout=').returncode,
                         EXIT_OK)
        self.assertEqual(ctl_json('profile', 'show', 'scratch')['connect-timeout'], 30)

        result = ctl('profile', 'set', 'scratch', 'connect-timeout=forever')
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

    def test_set_password_from_stdin(self):
        result = ctl('profile', 'set-password', 'md2', stdin=SECRET + '\n')
        self.assertEqual(result.returncode, EXIT_OK, result.stderr)

        result = ctl('profile', 'show', 'md2')
        self.assertEqual(result.returncode, EXIT_OK)
        password_lines = [line for line in result.stdout.splitlines()
                          if line.startswith('password:')]
        self.assertEqual(len(password_lines), 1, result.stdout)
        self.assertIn('(set)', password_lines[0])
        self.assertNotIn(SECRET, result.stdout)
        self.assertTrue(ctl_json('profile', 'show', 'md2')['password-set'])
        self.assertNotIn('password', ctl_json('profile', 'show', 'md2'))

        result = ctl('profile', 'set-password', 'md2', '--key', 'fax-api-key', stdin=SECRET)
        self.assertEqual(result.returncode, EXIT_OK, result.stderr)
        self.assertTrue(ctl_json('profile', 'show', 'md2')['fax-api-key-set'])

        result = ctl('profile', 'set-password', 'md2', stdin='')
        self.assertEqual(result.returncode, EXIT_FAILURE)

        self.assertEqual(ctl('profile', 'set-password', 'md2', '--key', 'fax-api-key',
                             '--clear').returncode, EXIT_OK)
        self.assertFalse(ctl_json('profile', 'show', 'md2')['fax-api-key-set'])

        result = ctl('profile', 'set-password', 'no-such-profile', stdin=SECRET)
        self.assertEqual(result.returncode, EXIT_FAILURE)

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


if __name__ == '__main__':
    if not HERALDCTL or not os.access(HERALDCTL, os.X_OK):
        sys.exit(f'HERALD_CTL is not an executable: {HERALDCTL!r}')
    unittest.main(verbosity=2)
