#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_faults.py: the whole delivery engine under a deterministic fault mix
# (issue 17, item 10). 300 notifications go through one smtp profile to
# fault_server.py, which decides each answer from the recipient's local part:
# 250, 550 at RCPT, 451 at RCPT, 452 after the message, the connection
# dropped after the message, and a slow final reply (see fault_server.py).
#
# Checked, by comparing heraldd's states with what the server really said:
#   - every accepted notification ends sent, failed or deferred, as the
#     server's last answer for it says (250 -> sent, 5xx -> failed, 4xx, a
#     dropped connection or no answer at all -> deferred); none is lost;
#   - the answers are those the fates decide (the mix really happened);
#   - duplicates: before any retry the server reads each message at most
#     once; then every deferred one is retried (Retry) and fails the same way
#     again: the server never reads a message more often than it was
#     attempted, and never accepts one twice (the at-least-once bound of
#     docs/security.md: a copy more only when the final reply was lost, by a
#     dropped connection or a crash, and only on a later attempt).
# retry-interval is an hour, so a deferred delivery stays deferred unless
# the test retries it.

import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from harness import Gateway, GLib, BUS_NAME, OBJECT_PATH, INTERFACE  # noqa: E402
import fault_server  # noqa: E402
import netutil  # noqa: E402

COUNT = 300
FATES = ('ok', 'reject', 'tempfail', 'busy', 'drop', 'slow')
EXPECTED_BY_FATE = {'ok': 'sent', 'slow': 'sent', 'reject': 'failed',
                    'tempfail': 'deferred', 'busy': 'deferred', 'drop': 'deferred'}
ANSWER_BY_FATE = {'ok': '250', 'slow': '250', 'reject': '550', 'tempfail': '451',
                  'busy': '452', 'drop': 'dropped'}
STATE_BY_ANSWER = {'250': 'sent', '550': 'failed', '451': 'deferred', '452': 'deferred',
                   'dropped': 'deferred', None: 'deferred'}
SETTLED = ('sent', 'failed', 'deferred')
GW = Gateway()


def address(n):
    return f'{FATES[n % len(FATES)]}-{n}@faults.example.org'


class FaultMixTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.server = fault_server.FaultServer().start()
        cls.addClassCleanup(cls.server.stop)
        GW.start()
        cls.addClassCleanup(GW.stop)
        cls.profile = GW.add_profile('faults', {
            'transport': 'smtp', 'host': netutil.LOOPBACK, 'port': str(cls.server.port),
            'security': 'none', 'auth': 'none', 'from-address': 'herald@example.org',
            'retry-interval': '3600', 'max-connections': '4', 'conversation-timeout': '20',
        })

    def states(self):
        connection = GW.client.get_connection()
        reply = connection.call_sync(
            BUS_NAME, OBJECT_PATH, INTERFACE, 'ListDeliveries',
            GLib.Variant('(a{sv})', ({'limit': GLib.Variant('u', 10 * COUNT)},)),
            GLib.VariantType('(aa{sv})'), 0, 60000, None)
        return {d['id']: d['state'] for d in reply.unpack()[0]}

    def details(self):
        connection = GW.client.get_connection()
        reply = connection.call_sync(
            BUS_NAME, OBJECT_PATH, INTERFACE, 'ListDeliveries',
            GLib.Variant('(a{sv})', ({'limit': GLib.Variant('u', 10 * COUNT)},)),
            GLib.VariantType('(aa{sv})'), 0, 60000, None)
        return {d['id']: d for d in reply.unpack()[0]}

    def test_fault_mix(self):
        started = time.monotonic()
        notifications = [GW.notification(self.profile, address(n), subject=f'fault mix {n}')
                         for n in range(COUNT)]
        ids = GW.send_many(notifications, timeout=120)
        self.assertEqual(len(set(ids)), COUNT)

        def settled():
            states = self.states()
            mine = {i: states.get(i) for i in ids}
            return mine if all(s in SETTLED for s in mine.values()) else None
        try:
            final = netutil.wait_for(settled, timeout=120, interval=0.5, message='all settled')
        except AssertionError:
            states = self.states()
            stuck = [(address(n), states.get(i)) for n, i in enumerate(ids) if states.get(i) not in SETTLED]
            raise AssertionError(f'{len(stuck)} deliveries did not settle: {stuck[:10]}')

        with self.server.lock:
            last_answer = dict(self.server.last_answer)
            received = dict(self.server.received)
            delivered = dict(self.server.delivered)
        mismatches = []
        for n, delivery_id in enumerate(ids):
            rcpt = address(n)
            fate = FATES[n % len(FATES)]
            answer = last_answer.get(rcpt)
            state = final[delivery_id]
            # heraldd's state is what the server said, none lost.
            if state != STATE_BY_ANSWER[answer]:
                mismatches.append((rcpt, answer, state))
            # Where the server answered this message, it answered by its fate.
            if answer is not None and answer != ANSWER_BY_FATE[fate]:
                mismatches.append((rcpt, 'fate', fate, answer))
            # At most one copy read; a sent one read and accepted exactly once.
            if received.get(rcpt, 0) > 1 or (state == 'sent' and delivered.get(rcpt) != 1):
                mismatches.append((rcpt, 'copies', received.get(rcpt), delivered.get(rcpt)))
        self.assertEqual(mismatches, [])

        # The mix happened: most messages got their own answer, and every
        # fate is represented in the final states.
        answered = sum(1 for n in range(COUNT) if address(n) in last_answer)
        self.assertGreaterEqual(answered, COUNT * 0.8, f'only {answered} answered')
        for fate in FATES:
            self.assertTrue(any(last_answer.get(address(n)) == ANSWER_BY_FATE[fate]
                                for n in range(COUNT) if FATES[n % len(FATES)] == fate), fate)
        # A retry of every deferred one: each attempt may read a message once
        # more (a dropped final reply is the duplicate at-least-once allows),
        # a sent one is never sent again.
        deferred = [i for i in ids if final[i] == 'deferred']
        connection = GW.client.get_connection()
        for delivery_id in deferred:
            connection.call_sync(BUS_NAME, OBJECT_PATH, INTERFACE, 'Retry',
                                 GLib.Variant('(s)', (delivery_id,)), None, 0, 30000, None)

        def retried():
            details = self.details()
            done = all(details[i]['state'] == 'deferred' and details[i]['attempts'] >= 2 for i in deferred)
            return details if done else None
        details = netutil.wait_for(retried, timeout=120, interval=0.5, message='retries settled')
        with self.server.lock:
            received = dict(self.server.received)
            delivered = dict(self.server.delivered)
        for n, delivery_id in enumerate(ids):
            rcpt = address(n)
            attempts = details[delivery_id]['attempts']
            self.assertLessEqual(received.get(rcpt, 0), attempts, rcpt)
            self.assertEqual(delivered.get(rcpt, 0), 1 if final[delivery_id] == 'sent' else 0, rcpt)
            self.assertEqual(details[delivery_id]['state'], final[delivery_id], rcpt)
        self.assertTrue(any(received.get(address(n), 0) == 2 for n in range(COUNT)
                            if FATES[n % len(FATES)] == 'drop'))

        counts = {s: list(final.values()).count(s) for s in SETTLED}
        sys.stderr.write(f'fault mix: {counts}, {self.server.sessions} sessions, '
                         f'{time.monotonic() - started:.1f} s\n')
        self.assertTrue(GW.alive())


if __name__ == '__main__':
    unittest.main(verbosity=2)
