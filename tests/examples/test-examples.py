#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# test-examples.py: runs every example of examples/ against the built heraldd
# on a private session bus (run under dbus-run-session), and one typed error
# path of the Python and the GJS example.
#
#   test-examples.py SEND_ASYNC PYTHON_EXAMPLE GJS_EXAMPLE

import os
import subprocess
import sys
import unittest

import gi
gi.require_version('Herald', '1.0')
gi.require_version('Gio', '2.0')
from gi.repository import Gio, Herald  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'bindings'))
import heraldtest  # noqa: E402

SEND_ASYNC, PYTHON_EXAMPLE, GJS_EXAMPLE = sys.argv[1:4]
del sys.argv[1:4]


class ExamplesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = heraldtest.Daemon().start()
        cls.client = Herald.Client.new_sync(Gio.BusType.SESSION, None)
        cls.maildir = os.path.join(cls.daemon.dir, 'examples-md')
        profile = Herald.Profile.new('examples')
        profile.set_setting('transport', 'maildir')
        profile.set_setting('maildir-path', cls.maildir)
        profile.set_setting('from-address', 'herald@example.com')
        cls.client.add_profile_sync(profile, None)
        cls.attachment = os.path.join(cls.daemon.dir, 'report.txt')
        with open(cls.attachment, 'w') as report:
            report.write('quarterly figures: all green\n')

    @classmethod
    def tearDownClass(cls):
        cls.client = None
        cls.daemon.stop()

    def run_example(self, *command):
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        sys.stderr.write(f'$ {" ".join(command)}\n{result.stdout}{result.stderr}')
        return result

    def message(self, text):
        with open(heraldtest.find_message(self.maildir, text), 'rb') as message:
            return message.read().decode()

    def test_python_send_with_attachment(self):
        result = self.run_example(sys.executable, PYTHON_EXAMPLE, '--to', 'py@example.org',
                                  '--attach', self.attachment, '--profile', 'examples',
                                  '--subject', 'python example', '--timeout', '60')
        self.assertEqual(result.returncode, 0)
        self.assertIn('final state: sent', result.stdout)
        self.assertIn('summary: sent to 1 of 1', result.stdout)
        message = self.message('python example')
        self.assertIn('report.txt', message)
        self.assertIn('To: py@example.org', message)

    def test_python_typed_error(self):
        result = self.run_example(sys.executable, PYTHON_EXAMPLE, '--to', 'py@example.org',
                                  '--attach', self.attachment, '--profile', 'no-such-profile')
        self.assertEqual(result.returncode, 2)
        self.assertIn('Herald error no-such-profile', result.stderr)

    def test_gjs_list_and_send(self):
        result = self.run_example('gjs', GJS_EXAMPLE, '--to', 'js@example.org',
                                  '--profile', 'examples')
        self.assertEqual(result.returncode, 0)
        self.assertIn('  examples (maildir)', result.stdout)
        self.assertIn('accepted', result.stdout)
        self.assertIn('To: js@example.org', self.message('Hello from the Herald GJS example'))

    def test_gjs_typed_error(self):
        result = self.run_example('gjs', GJS_EXAMPLE, '--to', 'js@example.org',
                                  '--profile', 'no-such-profile')
        self.assertEqual(result.returncode, 2)
        self.assertIn('Herald error NO_SUCH_PROFILE (no-such-profile)', result.stderr)

    def test_gjs_enum_nicks_and_values(self):
        for given, nick, value in (('critical', 'critical', Herald.Urgency.CRITICAL),
                                   ('2', 'critical', Herald.Urgency.CRITICAL),
                                   ('low', 'low', Herald.Urgency.LOW),
                                   ('1', 'normal', Herald.Urgency.NORMAL)):
            with self.subTest(urgency=given):
                result = self.run_example('gjs', GJS_EXAMPLE, '--to', 'js@example.org',
                                          '--profile', 'examples', '--urgency', given)
                self.assertEqual(result.returncode, 0)
                self.assertIn(f'(urgency {nick})', result.stdout)
                delivery_id = result.stdout.split('delivery ', 1)[1].split()[0]
                delivery = self.client.get_delivery_sync(delivery_id, None)
                self.assertEqual(delivery.props.urgency, value)
        for bad in ('urgent', '7'):
            result = self.run_example('gjs', GJS_EXAMPLE, '--to', 'js@example.org',
                                      '--urgency', bad)
            self.assertEqual(result.returncode, 64)
            self.assertIn(f'unknown urgency {bad}', result.stderr)

    def test_c_send_async(self):
        result = self.run_example(SEND_ASYNC, '--to', 'c@example.org', '--attach', self.attachment,
                                  '--profile', 'examples')
        self.assertEqual(result.returncode, 0)
        self.assertIn('  examples (maildir)', result.stdout)
        self.assertIn('final state: sent', result.stdout)
        message = self.message('Hello from the Herald C example')
        self.assertIn('report.txt', message)

    def test_c_typed_error(self):
        result = self.run_example(SEND_ASYNC, '--to', 'c@example.org', '--profile', 'nope')
        self.assertEqual(result.returncode, 2)
        self.assertIn('Herald error no-such-profile', result.stderr)


if __name__ == '__main__':
    unittest.main(verbosity=2)
