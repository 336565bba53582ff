#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_input.py: input that must not freeze heraldd (issue 17, item 7).
#
#   HungAttachmentTest  an attachment on a FUSE mount whose reads hang
#                       (hung_fs.py, python3-fusepy): while heraldd waits for
#                       the file, it still answers other calls and delivers
#                       other notifications; once the read returns, the
#                       notification is delivered with the attachment.
#
# Needs root (mount) and python3-fusepy; HERALD_INTEGRATION_STRICT=1 turns
# their absence into a failure.

import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from harness import Gateway, State, GLib, Gio, Herald, describe  # noqa: E402
import netutil  # noqa: E402

PRELOAD = os.environ.pop('LD_PRELOAD', None)
STRICT = os.environ.get('HERALD_INTEGRATION_STRICT') == '1'
GW = Gateway()


def need(reason):
    if reason is None:
        return
    if STRICT:
        raise AssertionError(f'HERALD_INTEGRATION_STRICT=1: {reason}')
    raise unittest.SkipTest(reason)


def setUpModule():
    GW.start()


def tearDownModule():
    GW.stop()


def have_fusepy():
    for name in ('fusepy', 'fuse'):     # Debian's python3-fusepy is "fusepy"
        try:
            __import__(name)
            return True
        except (ImportError, OSError, EnvironmentError):
            continue
    return False


class HungAttachmentTest(unittest.TestCase):
    def setUp(self):
        need(None if os.geteuid() == 0 else 'mounting a FUSE file system needs root')
        need(None if os.path.exists('/dev/fuse') else '/dev/fuse is missing')
        need(None if have_fusepy() else 'python3-fusepy is missing')
        self.tmp = tempfile.mkdtemp(prefix='herald-hung-')
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.mount = os.path.join(self.tmp, 'mnt')
        self.control = os.path.join(self.tmp, 'control')
        os.mkdir(self.mount)
        os.mkdir(self.control)
        self.fs = subprocess.Popen([sys.executable, os.path.join(HERE, 'hung_fs.py'),
                                    self.mount, self.control],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.addCleanup(self.unmount)
        netutil.wait_for(lambda: os.path.ismount(self.mount), timeout=30, message='FUSE mount')

    def unmount(self):
        open(os.path.join(self.control, 'release'), 'w').close()
        subprocess.run(['umount', '-l', self.mount], capture_output=True)
        try:
            self.fs.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.fs.kill()
            self.fs.wait()

    def call(self, method, args, timeout_s):
        """A method call to heraldd that gives up after TIMEOUT_S."""
        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        return bus.call_sync('org.herald.Gateway1', '/org/herald/Gateway1', 'org.herald.Gateway1',
                             method, args, None, Gio.DBusCallFlags.NONE, timeout_s * 1000, None)

    def test_hung_attachment_does_not_freeze_the_daemon(self):
        path = os.path.join(self.mount, 'stuck.txt')
        stuck = GW.notification('local', 'admin@example.org', subject=GW.unique('stuck'))
        stuck.add_attachment_path(path, 'stuck.txt', 'text/plain')
        results = {}
        loop = GLib.MainLoop()

        def sent(client, result):
            try:
                results['id'] = client.send_finish(result)
            except GLib.Error as e:
                results['error'] = e
            loop.quit()

        GW.client.send(stuck, None, sent)
        # Wait until heraldd is inside the read (no sleeping: the file says so).
        context = GLib.MainContext.default()
        reading = os.path.join(self.control, 'reading')
        netutil.wait_for(lambda: (context.iteration(False), os.path.exists(reading))[1],
                         timeout=30, message='heraldd reading the attachment')
        self.assertNotIn('id', results)

        # The daemon answers and delivers other notifications meanwhile. (A
        # daemon that read on its main loop would time out here.)
        profiles = self.call('ListProfiles', None, 20)
        self.assertTrue(profiles.unpack()[0])
        other = GW.send('local', 'admin@example.org', subject=GW.unique('not stuck'))
        delivery = GW.wait_state(other, State.SENT, timeout=30)
        self.assertNotIn('id', results, describe(delivery))

        # Released: the stuck notification is accepted and delivered whole.
        open(os.path.join(self.control, 'release'), 'w').close()
        GLib.timeout_add_seconds(60, loop.quit)
        if not results:
            loop.run()
        self.assertIn('id', results, results.get('error'))
        delivery = GW.wait_state(results['id'], State.SENT, timeout=30)
        self.assertEqual(delivery.get_state(), State.SENT, describe(delivery))


if __name__ == '__main__':
    unittest.main(verbosity=2)
