#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_partial.py (issue 16): a send that a real server accepts for one
# recipient and refuses for another (550 at RCPT, scripted aiosmtpd server
# "reject-one-rcpt") reads as such everywhere: the delivery is "partial"
# with the summary "sent to 1 of 2; refused: ADDRESS 550 ..." in libherald
# (async and sync wait), heraldctl send --wait (exit status 5, the summary
# on standard error, progress lines when standard output is no terminal),
# heraldctl log and delivery show/list; Retry tries only the refused
# recipient. Refused for everyone stays "failed" (exit status 3).
#
#   B=build; HERALD_DAEMON=$B/src/daemon/heraldd HERALD_CTL=$B/src/cli/heraldctl \
#   HERALD_PLUGIN_DIR=$B/plugins GI_TYPELIB_PATH=$B/src/libherald \
#   LD_LIBRARY_PATH=$B/src/libherald \
#   dbus-run-session -- /usr/bin/python3 tests/integration/test_partial.py -v

import json
import os
import subprocess
import sys
import unittest

PRELOAD = os.environ.pop('LD_PRELOAD', None)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from harness import Gateway, State, GLib, Herald, describe  # noqa: E402
from scripted_servers import ScriptedServer  # noqa: E402
import netutil  # noqa: E402

EXIT_FAILED, EXIT_PARTIAL, EXIT_TIMEOUT = 3, 5, 6
GOOD = 'good@herald.test'
BAD = 'reject-bad@herald.test'
GW = None


def heraldctl(*args, timeout=120):
    env = dict(os.environ)
    if PRELOAD:
        env['LD_PRELOAD'] = PRELOAD
    env['LC_ALL'] = 'C.UTF-8'
    result = subprocess.run([os.environ['HERALD_CTL'], *args], capture_output=True, text=True,
                            timeout=timeout, env=env)
    sys.stderr.write(f'$ heraldctl {" ".join(args)}: {result.returncode}\n'
                     f'{result.stdout}{result.stderr}')
    return result


def setUpModule():
    global GW
    GW = Gateway().start()


def tearDownModule():
    if GW is not None:
        GW.stop()


class PartialTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.server = ScriptedServer('reject-one-rcpt').start()
        cls.profile = GW.add_profile('partial', {
            'transport': 'smtp', 'host': '127.0.0.1', 'port': cls.server.port,
            'security': 'none', 'auth': 'none', 'from-address': 'herald@herald.test',
            'connect-timeout': 5, 'conversation-timeout': 10, 'retry-interval': 3600})

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def assert_partial_summary(self, text):
        self.assertIn(f'sent to 1 of 2; refused: {BAD} 550 5.1.1 <{BAD}>: Recipient address '
                      'rejected', text)

    def test_library_async_and_sync_wait(self):
        delivery_id = GW.send(self.profile, [GOOD, BAD], subject='partial from libherald')
        loop = GLib.MainLoop()
        result = {}

        def done(client, res):
            result['delivery'] = client.wait_for_delivery_finish(res)
            loop.quit()
        GW.client.wait_for_delivery(delivery_id, None, done)
        GLib.timeout_add_seconds(60, loop.quit)
        loop.run()
        delivery = result['delivery']
        self.assertEqual(delivery.get_state(), State.PARTIAL, describe(delivery))
        self.assertTrue(delivery.is_final())
        self.assertTrue(Herald.delivery_state_is_final(State.PARTIAL))
        self.assertEqual(Herald.delivery_state_to_string(State.PARTIAL), 'partial')
        self.assert_partial_summary(delivery.get_summary())
        self.assertEqual(delivery.get_reason(), 'rejected')
        # the delivery's reply names the refused recipient
        self.assertTrue(delivery.get_reply().startswith(f'{BAD}: 550 5.1.1'), describe(delivery))
        states = {r.get_address(): r.get_state() for r in delivery.get_recipients()}
        self.assertEqual(states, {GOOD: 'sent', BAD: 'failed'})

        again = GW.client.wait_for_delivery_sync(delivery_id, None)
        self.assertEqual(again.get_state(), State.PARTIAL)
        self.assertEqual(again.get_summary(), delivery.get_summary())
        self.assertEqual([m.rcpt_to for m in self.server.messages()
                          if 'partial from libherald' in m.raw.decode(errors='replace')],
                         [[GOOD]])

    def test_heraldctl_send_wait(self):
        result = heraldctl('send', '--to', GOOD, '--to', BAD, '--profile', self.profile,
                           '--subject', 'partial from heraldctl', '--body', 'x', '--wait')
        self.assertEqual(result.returncode, EXIT_PARTIAL, result.stderr)
        delivery_id, state = result.stdout.splitlines()
        self.assertEqual(state, 'partial')
        # standard output is a pipe: progress goes to standard error
        self.assertIn(f'Waiting for delivery {delivery_id}', result.stderr)
        summary = [line for line in result.stderr.splitlines() if line.startswith('heraldctl: ')]
        self.assertEqual(len(summary), 1, result.stderr)
        self.assert_partial_summary(summary[0])

        shown = json.loads(heraldctl('--json', 'delivery', 'show', delivery_id).stdout)
        self.assertEqual(shown['state'], 'partial')
        self.assert_partial_summary(shown['summary'])
        text = heraldctl('delivery', 'show', delivery_id).stdout
        self.assertIn('partial', text)
        self.assert_partial_summary(text)

        # the outgoing log: the attempt reads "partial" and names the refused one
        log = json.loads(heraldctl('--json', 'log', '--state', 'partial').stdout)
        attempts = [a for a in log if a['delivery'] == delivery_id]
        self.assertEqual(len(attempts), 1, log)
        self.assertEqual(attempts[0]['result'], 'partial')
        self.assertTrue(attempts[0]['reply'].startswith(f'{BAD}: 550 5.1.1'), attempts[0])
        self.assertEqual(sorted(attempts[0]['recipients']), sorted([GOOD, BAD]))
        lines = [line for line in heraldctl('log').stdout.splitlines() if delivery_id in line]
        self.assertEqual(len(lines), 1)
        self.assertIn(' partial ', lines[0])
        self.assertIn(f'{BAD}: 550', lines[0])

        listed = json.loads(heraldctl('--json', 'delivery', 'list', '--state', 'partial').stdout)
        self.assertIn(delivery_id, [d['id'] for d in listed])
        self.assertTrue(all(d['log'] for d in listed), 'delivery list --json without the log')

        waited = heraldctl('delivery', 'wait', delivery_id)
        self.assertEqual(waited.returncode, EXIT_PARTIAL)

    def test_retry_tries_only_the_refused(self):
        delivery_id = GW.send(self.profile, [GOOD, BAD], subject='partial retried')
        GW.wait_state(delivery_id, State.PARTIAL, timeout=60)
        GW.client.retry_sync(delivery_id, None)
        delivery = GW.client.wait_for_delivery_sync(delivery_id, None)
        self.assertEqual(delivery.get_state(), State.PARTIAL, describe(delivery))
        self.assertEqual(delivery.get_attempts(), 2)
        log = delivery.get_log()
        self.assertEqual([a.get_result() for a in log], ['partial', 'failed'])
        self.assertEqual(list(log[1].get_recipients()), [BAD])
        self.assertEqual([m.rcpt_to for m in self.server.messages()
                          if 'partial retried' in m.raw.decode(errors='replace')], [[GOOD]])

    def test_refused_for_everyone_is_failed(self):
        other = 'reject-other@herald.test'
        result = heraldctl('send', '--to', BAD, '--to', other, '--profile', self.profile,
                           '--subject', 'all refused', '--body', 'x', '--wait')
        self.assertEqual(result.returncode, EXIT_FAILED, result.stderr)
        self.assertEqual(result.stdout.splitlines()[1], 'failed')
        self.assertIn(f'heraldctl: sent to 0 of 2; refused: {BAD} 550 5.1.1', result.stderr)
        self.assertIn(f'; {other} 550 5.1.1', result.stderr)

    def test_wait_timeout(self):
        down = netutil.free_port()
        name = GW.add_profile('partial-down', {
            'transport': 'smtp', 'host': '127.0.0.1', 'port': down, 'security': 'none',
            'auth': 'none', 'from-address': 'herald@herald.test', 'connect-timeout': 5,
            'retry-interval': 3600})
        result = heraldctl('send', '--to', GOOD, '--profile', name, '--subject', 'never',
                           '--body', 'x', '--wait', '--timeout', '2')
        self.assertEqual(result.returncode, EXIT_TIMEOUT, result.stderr)
        delivery_id, state = result.stdout.splitlines()
        self.assertIn(state, ('queued', 'sending', 'deferred'))
        self.assertIn(f'stopped waiting after 2 seconds; delivery {delivery_id} goes on',
                      result.stderr)
        self.assertEqual(heraldctl('send', '--to', GOOD, '--timeout', '2').returncode, 2)
        # GLib's "Could not connect to 127.0.0.1" is not repeated after ours
        delivery = GW.wait_state(delivery_id, State.DEFERRED, timeout=30)
        self.assertEqual(delivery.get_reply(),
                         f'Cannot connect to 127.0.0.1:{down}: Connection refused')
        GW.client.cancel_sync(delivery_id, None)
        # the daemon's log names the delivery and says "deferred", not "failed"
        log = GW.log_text()
        self.assertRegex(log, rf'Delivery {delivery_id}: job \d+ via {name} deferred: '
                              rf'Cannot connect to 127.0.0.1:{down}: Connection refused')
        self.assertNotIn(f'Delivery over {name} failed', log)
        # heraldd --verbose: Herald's debug messages, not GLib's
        self.assertIn('heraldd-INFO', log)
        self.assertNotIn('GLib-GIO-DEBUG', log)


if __name__ == '__main__':
    unittest.main(verbosity=2)
