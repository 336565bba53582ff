#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_recipient_quota.py: a profile's max-recipients-per-day (issue 19)
# through heraldd: recipients over the rolling 24 hours wait as "deferred",
# with a reply that says why and the next attempt when room frees up; they
# are never failed, the wait is no attempt, and the count survives a
# restart (the queue's table profile_recipients).
#
#   meson test -C BUILD recipient-quota --print-errorlogs

import os
import sqlite3
import sys
import time
import unittest

PRELOAD = os.environ.pop('LD_PRELOAD', None)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from harness import Gateway, State, Gio, Herald, describe  # noqa: E402

DAY = 24 * 3600
GW = None


def setUpModule():
    global GW
    GW = Gateway()
    unittest.addModuleCleanup(GW.stop)
    GW.start()


class RecipientQuotaTest(unittest.TestCase):
    maxDiff = None

    def profile(self, quota):
        maildir = os.path.join(GW.dir, GW.unique('maildir'))
        return GW.add_profile(GW.unique('quota'), {
            'transport': 'maildir', 'maildir-path': maildir, 'from-address': 'quota@herald.test',
            'max-recipients-per-day': quota, 'retry-interval': 60})

    def restart(self):
        GW.client = None
        GW.daemon.stop()
        GW.daemon.start()
        GW.client = Herald.Client.new_sync(Gio.BusType.SESSION, None)

    def counted(self, name):
        with sqlite3.connect(os.path.join(GW.dir, 'state', 'queue.db')) as db:
            row = db.execute('SELECT sum(recipients) FROM profile_recipients WHERE profile = ?',
                             (name,)).fetchone()
        return row[0] or 0

    def assert_held(self, delivery_id, name, limit):
        delivery = GW.wait_state(delivery_id, State.DEFERRED, timeout=30)
        reply = delivery.get_reply() or ''
        self.assertIn('max-recipients-per-day', reply, describe(delivery))
        self.assertIn(f'profile “{name}”', reply)
        self.assertIn(f'is {limit};', reply)
        self.assertEqual(delivery.get_attempts(), 0, describe(delivery))
        # the moment the oldest recipients leave the rolling 24 hours
        wait = delivery.get_next_attempt().to_unix() - time.time()
        self.assertGreater(wait, DAY - 300, describe(delivery))
        self.assertLess(wait, DAY + 120, describe(delivery))
        return delivery

    def test_quota_holds_and_survives_restart(self):
        name = self.profile(3)
        GW.wait_state(GW.send(name, ['a1@herald.test', 'a2@herald.test']), State.SENT, timeout=30)
        # two more do not fit (2 + 2 > 3): held, not failed
        held = GW.send(name, ['b1@herald.test', 'b2@herald.test'])
        first = self.assert_held(held, name, 3)
        # one more fits (2 + 1 = 3)
        GW.wait_state(GW.send(name, 'c1@herald.test'), State.SENT, timeout=30)
        self.assert_held(GW.send(name, 'd1@herald.test'), name, 3)
        self.assertEqual(self.counted(name), 3)

        # the count is in the queue: after a restart the quota still holds
        self.restart()
        self.assert_held(GW.send(name, 'e1@herald.test'), name, 3)
        again = GW.delivery(held)
        self.assertEqual(again.get_state(), State.DEFERRED, describe(again))
        self.assertEqual(again.get_next_attempt().to_unix(), first.get_next_attempt().to_unix())

        # more room, and the held delivery asked for now: it goes
        GW.update_profile(name, {'max-recipients-per-day': 10})
        GW.client.retry_sync(held, None)
        GW.wait_state(held, State.SENT, timeout=30)
        self.assertEqual(self.counted(name), 5)

    def test_unlimited_counts_nothing(self):
        name = self.profile(0)
        ids = [GW.send(name, [f'u{i}@herald.test', f'v{i}@herald.test']) for i in range(3)]
        for delivery_id in ids:
            GW.wait_state(delivery_id, State.SENT, timeout=30)
        self.assertEqual(self.counted(name), 0)

    def test_more_than_the_quota_goes_alone(self):
        # a notification with more recipients than the whole quota waits
        # for an empty window, then goes by itself
        name = self.profile(2)
        GW.wait_state(GW.send(name, [f'w{i}@herald.test' for i in range(3)]), State.SENT, timeout=30)
        self.assertEqual(self.counted(name), 3)
        self.assert_held(GW.send(name, 'x@herald.test'), name, 2)


if __name__ == '__main__':
    unittest.main(verbosity=2)
