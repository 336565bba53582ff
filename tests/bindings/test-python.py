#!/usr/bin/python3
# test-python.py: libherald through GObject Introspection from Python,
# against the built heraldd on a private bus (run under dbus-run-session).

import os
import sys
import tempfile
import time
import unittest

import gi
gi.require_version('Herald', '1.0')
gi.require_version('Gio', '2.0')
from gi.repository import GLib, Gio, Herald  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import heraldtest  # noqa: E402


def run_async(start, finish, timeout=30):
    """Runs an async call to completion in a main loop and returns its result."""
    loop = GLib.MainLoop()
    result = {}

    def done(source, res):
        try:
            result['value'] = finish(source, res)
        except GLib.Error as error:
            result['error'] = error
        loop.quit()

    def expire():
        result['timed-out'] = True
        loop.quit()
        return GLib.SOURCE_REMOVE

    start(done)
    timer = GLib.timeout_add_seconds(timeout, expire)
    loop.run()
    if 'timed-out' not in result:
        GLib.source_remove(timer)
    if 'error' in result:
        raise result['error']
    if 'value' not in result:
        raise AssertionError('timed out')
    return result['value']


class HeraldPythonTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = heraldtest.Daemon().start()
        cls.client = Herald.Client.new_sync(Gio.BusType.SESSION, None)

    @classmethod
    def tearDownClass(cls):
        cls.client = None
        cls.daemon.stop()

    def add_maildir_profile(self, name, path):
        profile = Herald.Profile.new(name)
        profile.set_setting('transport', 'maildir')
        profile.set_setting('maildir-path', path)
        profile.set_setting('from-address', 'herald@example.com')
        self.assertTrue(self.client.add_profile_sync(profile, None))

    def test_properties(self):
        self.assertTrue(self.client.get_gateway_running())
        self.assertTrue(self.client.get_version())
        self.assertEqual(self.client.props.version, self.client.get_version())
        self.assertIn('maildir', self.client.get_transports())

    def test_async_constructor(self):
        client = run_async(
            lambda cb: Herald.Client.new(Gio.BusType.SESSION, None, cb),
            lambda source, res: Herald.Client.new_finish(res))
        self.assertIsInstance(client, Herald.Client)
        profiles = run_async(
            lambda cb: client.list_profiles(None, cb),
            lambda source, res: source.list_profiles_finish(res))
        self.assertIn('local', [p.get_name() for p in profiles])

    def test_send_to_maildir(self):
        md2 = os.path.join(self.daemon.dir, 'md2')
        self.add_maildir_profile('md2', md2)

        profile = self.client.get_profile_sync('md2', None)
        self.assertEqual(profile.get_transport(), 'maildir')
        self.assertEqual(profile.get_string('maildir-path'), md2)
        self.assertFalse(profile.get_password_set())
        self.assertFalse(profile.get_is_default())

        names = [p.get_name() for p in self.client.list_profiles_sync(None)]
        self.assertIn('local', names)
        self.assertIn('md2', names)

        with tempfile.NamedTemporaryFile('w', suffix='.txt', delete=False) as f:
            f.write('attached by path\n')
        notification = Herald.Notification.new()
        notification.add_to('Someone <someone@example.com>')
        notification.set_subject('Python binding test')
        notification.set_body('Hello from Python.\n')
        notification.set_profile('md2')
        notification.set_app_name('test-python')
        notification.set_urgency(Herald.Urgency.CRITICAL)
        notification.add_attachment_path(f.name, 'by-path.txt', 'text/plain')
        with open(f.name) as g:
            notification.add_attachment_fd('by-fd.txt', None, g.fileno())
        os.unlink(f.name)  # sent as descriptors, never as paths
        self.assertEqual(notification.get_n_attachments(), 2)

        changes = []
        handler = self.client.connect(
            'delivery-changed', lambda c, id, state, d: changes.append((id, state)))
        delivery_id = self.client.send_sync(notification, None)
        self.assertTrue(delivery_id)

        delivery = run_async(
            lambda cb: self.client.wait_for_delivery(delivery_id, None, cb),
            lambda source, res: source.wait_for_delivery_finish(res))
        self.client.disconnect(handler)
        self.assertEqual(delivery.get_id(), delivery_id)
        self.assertEqual(delivery.get_state(), Herald.DeliveryState.SENT,
                         delivery.get_reason())
        self.assertTrue(delivery.is_final())
        self.assertEqual(delivery.get_subject(), 'Python binding test')
        self.assertIsNotNone(delivery.get_created())
        self.assertIn((delivery_id, Herald.DeliveryState.SENT), changes)

        path = heraldtest.find_message(md2, 'Python binding test')
        with open(path, 'rb') as message:
            text = message.read()
        self.assertIn(b'by-path.txt', text)
        self.assertIn(b'by-fd.txt', text)

        again = self.client.get_delivery_sync(delivery_id, None)
        self.assertEqual(again.get_state(), Herald.DeliveryState.SENT)

        query = Herald.DeliveryFilter.new()
        query.set_state(Herald.DeliveryState.SENT)
        query.set_profile('md2')
        query.set_limit(10)
        listed = self.client.list_deliveries_sync(query, None)
        self.assertIn(delivery_id, [d.get_id() for d in listed])

    def test_secret_is_write_only(self):
        self.add_maildir_profile('secretive', os.path.join(self.daemon.dir, 'md-secret'))
        self.client.set_secret_sync('secretive', 'password', 'hunter2-py', None)
        profile = self.client.get_profile_sync('secretive', None)
        self.assertTrue(profile.get_password_set())
        self.assertTrue(profile.get_secret_set('password'))
        self.assertNotIn('hunter2-py', str(profile.get_settings()))

    def test_update_and_remove(self):
        self.add_maildir_profile('changing', os.path.join(self.daemon.dir, 'md-change'))
        update = Herald.Profile.new('changing')
        update.set_setting('from-name', 'Herald Test')
        update.set_setting_variant('connect-timeout', GLib.Variant('t', 12))
        self.client.update_profile_sync(update, None)
        profile = self.client.get_profile_sync('changing', None)
        self.assertEqual(profile.get_string('from-name'), 'Herald Test')
        self.assertEqual(profile.get_uint64('connect-timeout'), 12)

        reset = Herald.Profile.new('changing')
        reset.reset_setting('connect-timeout')
        self.client.update_profile_sync(reset, None)
        profile = self.client.get_profile_sync('changing', None)
        self.assertEqual(profile.get_uint64('connect-timeout'), 30)

        self.client.remove_profile_sync('changing', None)
        with self.assertRaises(GLib.Error) as raised:
            self.client.get_profile_sync('changing', None)
        self.assertTrue(raised.exception.matches(Herald.error_quark(),
                                                 Herald.Error.NO_SUCH_PROFILE))

    def test_errors_are_herald_errors(self):
        with self.assertRaises(GLib.Error) as raised:
            self.client.get_profile_sync('no-such-profile', None)
        error = raised.exception
        self.assertTrue(error.matches(Herald.error_quark(), Herald.Error.NO_SUCH_PROFILE),
                        f'{error.domain} {error.code} {error.message}')
        self.assertNotIn('GDBus.Error', error.message)

        with self.assertRaises(GLib.Error) as raised:
            self.client.get_delivery_sync('no-such-delivery', None)
        self.assertTrue(raised.exception.matches(Herald.error_quark(),
                                                 Herald.Error.NO_SUCH_DELIVERY))

        with self.assertRaises(GLib.Error) as raised:
            duplicate = Herald.Profile.new('local')
            duplicate.set_setting('transport', 'maildir')
            self.client.add_profile_sync(duplicate, None)
        self.assertTrue(raised.exception.matches(Herald.error_quark(),
                                                 Herald.Error.PROFILE_EXISTS))

    def test_cancel_deferred(self):
        # a Maildir under a regular file cannot be created: a temporary failure
        blocker = os.path.join(self.daemon.dir, 'blocker')
        open(blocker, 'w').close()
        self.add_maildir_profile('broken', os.path.join(blocker, 'md'))

        notification = Herald.Notification.new()
        notification.add_to('someone@example.com')
        notification.set_subject('never delivered')
        notification.set_profile('broken')
        delivery_id = self.client.send_sync(notification, None)

        deadline = time.monotonic() + 20
        while True:
            delivery = self.client.get_delivery_sync(delivery_id, None)
            if delivery.get_state() == Herald.DeliveryState.DEFERRED:
                break
            self.assertLess(time.monotonic(), deadline, 'never deferred')
            time.sleep(0.05)
        self.assertIsNotNone(delivery.get_next_attempt())

        final = run_async(
            lambda cb: (self.client.wait_for_delivery(delivery_id, None, cb),
                        self.client.cancel(delivery_id, None, None)),
            lambda source, res: source.wait_for_delivery_finish(res))
        self.assertEqual(final.get_state(), Herald.DeliveryState.CANCELLED)

        with self.assertRaises(GLib.Error) as raised:
            self.client.cancel_sync(delivery_id, None)
        self.assertTrue(raised.exception.matches(Herald.error_quark(),
                                                 Herald.Error.INVALID_STATE))

    def test_wait_can_be_cancelled(self):
        blocker = os.path.join(self.daemon.dir, 'blocker2')
        open(blocker, 'w').close()
        self.add_maildir_profile('broken2', os.path.join(blocker, 'md'))
        notification = Herald.Notification.new()
        notification.add_to('someone@example.com')
        notification.set_profile('broken2')
        delivery_id = self.client.send_sync(notification, None)

        cancellable = Gio.Cancellable()
        GLib.timeout_add(200, lambda: cancellable.cancel() and False)
        with self.assertRaises(GLib.Error) as raised:
            run_async(lambda cb: self.client.wait_for_delivery(delivery_id, cancellable, cb),
                      lambda source, res: source.wait_for_delivery_finish(res))
        self.assertTrue(raised.exception.matches(Gio.io_error_quark(),
                                                 Gio.IOErrorEnum.CANCELLED))
        self.client.cancel_sync(delivery_id, None)


if __name__ == '__main__':
    unittest.main(verbosity=2)
