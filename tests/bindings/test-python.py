#!/usr/bin/python3
# test-python.py: libherald through GObject Introspection from Python,
# against the built heraldd on a private bus (run under dbus-run-session).

import json
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

    def send_to_broken_profile(self, name):
        """Sends through a new profile that can only defer, since its Maildir
        would be under a regular file; returns the delivery id."""
        blocker = os.path.join(self.daemon.dir, name + '-blocker')
        open(blocker, 'w').close()
        self.add_maildir_profile(name, os.path.join(blocker, 'md'))
        notification = Herald.Notification.new()
        notification.add_to('someone@example.com')
        notification.set_subject('never delivered')
        notification.set_profile(name)
        return self.client.send_sync(notification, None)

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

    def test_test_profile(self):
        result = self.client.test_profile_sync('local', 'a@example.org', None)
        self.assertIsInstance(result, Herald.TestResult)
        self.assertTrue(result.get_ok(), result.get_error_message())
        self.assertTrue(result.get_reply().startswith('stored'), result.get_reply())
        self.assertIsNone(result.get_error_message())
        self.assertIsNone(result.get_tls())
        self.assertIsNone(result.get_certificate())
        self.assertIsInstance(result.get_transcript(), list)
        self.assertTrue(result.to_variant().lookup_value('ok', None).get_boolean())

        result = run_async(
            lambda cb: self.client.test_profile('local', 'b@example.org', None, cb),
            lambda source, res: source.test_profile_finish(res))
        self.assertTrue(result.get_ok())

        with self.assertRaises(GLib.Error) as raised:
            self.client.test_profile_sync('no-such-profile', 'a@example.org', None)
        self.assertTrue(raised.exception.matches(Herald.error_quark(),
                                                 Herald.Error.NO_SUCH_PROFILE))

    def test_certificate_from_variant(self):
        certificate = GLib.Variant('a{sv}', {
            'subject': GLib.Variant('s', 'CN=mail.example.com'),
            'issuer': GLib.Variant('s', 'CN=Example CA'),
            'not-before': GLib.Variant('x', 1700000000 * 1000000),
            'not-after': GLib.Variant('x', 1800000000 * 1000000 + 5),
            'sha256-fingerprint': GLib.Variant('s', 'ab' * 32),
            'spki-pin': GLib.Variant('s', 'cd' * 32),
            'errors': GLib.Variant('as', ['unknown-ca', 'expired']),
            'host': GLib.Variant('s', 'mail.example.com'),
            'port': GLib.Variant('q', 587),
        })
        result = Herald.TestResult.new_from_variant(GLib.Variant('a{sv}', {
            'ok': GLib.Variant('b', False),
            'error': GLib.Variant('s', 'certificate refused'),
            'transcript': GLib.Variant('as', ['S: 220 hello', 'C: EHLO x']),
            'tls': GLib.Variant('s', ''),
            'certificate': certificate,
        }))
        self.assertFalse(result.get_ok())
        self.assertEqual(result.get_error_message(), 'certificate refused')
        self.assertEqual(result.get_transcript(), ['S: 220 hello', 'C: EHLO x'])
        self.assertIsNone(result.get_tls())
        self.assertIsNone(result.get_reply())
        cert = result.get_certificate()
        self.assertEqual(cert.get_subject(), 'CN=mail.example.com')
        self.assertEqual(cert.get_issuer(), 'CN=Example CA')
        self.assertEqual(cert.get_not_before().to_unix(), 1700000000)
        self.assertEqual(cert.get_not_after().to_unix(), 1800000000)
        self.assertEqual(cert.get_sha256_fingerprint(), 'ab' * 32)
        self.assertEqual(cert.get_spki_pin(), 'cd' * 32)
        self.assertEqual(cert.get_errors(), ['unknown-ca', 'expired'])
        self.assertEqual(cert.get_host(), 'mail.example.com')
        self.assertEqual(cert.get_port(), 587)

        with self.assertRaises(GLib.Error):
            Herald.TestResult.new_from_variant(GLib.Variant('a{sv}', {}))

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
        update.set_setting_variant('retry-interval', GLib.Variant('t', 12))
        self.client.update_profile_sync(update, None)
        profile = self.client.get_profile_sync('changing', None)
        self.assertEqual(profile.get_string('from-name'), 'Herald Test')
        self.assertEqual(profile.get_uint64('retry-interval'), 12)

        reset = Herald.Profile.new('changing')
        reset.reset_setting('retry-interval')
        self.client.update_profile_sync(reset, None)
        profile = self.client.get_profile_sync('changing', None)
        self.assertEqual(profile.get_uint64('retry-interval'), 300)

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
        delivery_id = self.send_to_broken_profile('broken')

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
        delivery_id = self.send_to_broken_profile('broken2')

        cancellable = Gio.Cancellable()
        GLib.timeout_add(200, lambda: cancellable.cancel() and False)
        with self.assertRaises(GLib.Error) as raised:
            run_async(lambda cb: self.client.wait_for_delivery(delivery_id, cancellable, cb),
                      lambda source, res: source.wait_for_delivery_finish(res))
        self.assertTrue(raised.exception.matches(Gio.io_error_quark(),
                                                 Gio.IOErrorEnum.CANCELLED))
        self.client.cancel_sync(delivery_id, None)

    def test_routes(self):
        for name in ('route-a', 'route-b'):
            self.add_maildir_profile(name, os.path.join(self.daemon.dir, name))
        self.assertEqual(json.loads(self.client.get_routes_sync(None))['rules'], [])
        document = {'version': 1, 'rules': [
            {'name': 'py-fan', 'match': {'category': 'py.fanout'},
             'profiles': ['route-a', 'route-b'], 'fan-out': True,
             'add-to': ['ops@example.org']},
        ]}
        try:
            self.assertTrue(self.client.set_routes_sync(json.dumps(document), None))
            self.assertEqual(json.loads(self.client.get_routes_sync(None)), document)
            stored = run_async(lambda cb: self.client.get_routes(None, cb),
                               lambda source, res: source.get_routes_finish(res))
            self.assertEqual(json.loads(stored), document)

            bad = {'version': 1, 'rules': [{'name': 'bad', 'profiles': ['route-a'],
                                            'match': {'min-urgency': 'urgent'}}]}
            with self.assertRaises(GLib.Error) as raised:
                self.client.set_routes_sync(json.dumps(bad), None)
            self.assertTrue(raised.exception.matches(Herald.error_quark(),
                                                     Herald.Error.INVALID_ARGUMENT))
            self.assertIn('rule 1 (\u201cbad\u201d)', raised.exception.message)
            self.assertIn('min-urgency', raised.exception.message)
            with self.assertRaises(GLib.Error) as raised:
                run_async(lambda cb: self.client.set_routes('{"rules": [{"profiles": ["nope"]}]}',
                                                            None, cb),
                          lambda source, res: source.set_routes_finish(res))
            self.assertTrue(raised.exception.matches(Herald.error_quark(),
                                                     Herald.Error.NO_SUCH_PROFILE))
            self.assertEqual(json.loads(self.client.get_routes_sync(None)), document)

            notification = Herald.Notification.new()
            notification.add_to('someone@example.com')
            notification.set_subject('Python fan-out')
            notification.set_category('py.fanout')
            routes = self.client.check_route_sync(notification, None)
            self.assertEqual([r.get_profile() for r in routes], ['route-a', 'route-b'])
            for route in routes:
                self.assertIsInstance(route, Herald.Route)
                self.assertEqual(route.get_rule(), 'py-fan')
                self.assertEqual(route.get_transport(), 'maildir')
                self.assertEqual(route.get_recipients(),
                                 ['someone@example.com', 'ops@example.org'])
                self.assertEqual(route.get_added(), ['ops@example.org'])
                self.assertEqual(route.get_skipped(), [])
            routes = run_async(lambda cb: self.client.check_route(notification, None, cb),
                               lambda source, res: source.check_route_finish(res))
            self.assertEqual(len(routes), 2)

            delivery_id = self.client.send_sync(notification, None)
            delivery = run_async(
                lambda cb: self.client.wait_for_delivery(delivery_id, None, cb),
                lambda source, res: source.wait_for_delivery_finish(res))
            self.assertEqual(delivery.get_state(), Herald.DeliveryState.SENT)
            for name in ('route-a', 'route-b'):
                heraldtest.find_message(os.path.join(self.daemon.dir, name), 'Python fan-out')

            delivery = self.client.get_delivery_sync(delivery_id, None)
            self.assertEqual(sorted(delivery.get_profiles()), ['route-a', 'route-b'])
            log = delivery.get_log()
            self.assertEqual(len(log), 2)
            for attempt in log:
                self.assertIsInstance(attempt, Herald.Attempt)
                self.assertEqual(attempt.get_result(), 'sent')
                self.assertIn(attempt.get_profile(), ('route-a', 'route-b'))
                self.assertIsNotNone(attempt.get_started())
                self.assertIn('ops@example.org', attempt.get_recipients())
                self.assertIsNone(attempt.get_tls())

            query = Herald.DeliveryFilter.new()
            query.set_profile('route-b')
            listed = self.client.list_deliveries_sync(query, None)
            self.assertEqual(listed[0].get_log(), [])
            query.set_include_log(True)
            listed = self.client.list_deliveries_sync(query, None)
            self.assertEqual(listed[0].get_id(), delivery_id)
            self.assertEqual(len(listed[0].get_log()), 2)

            with self.assertRaises(GLib.Error) as raised:
                self.client.retry_sync(delivery_id, None)
            self.assertTrue(raised.exception.matches(Herald.error_quark(),
                                                     Herald.Error.INVALID_STATE))
        finally:
            self.client.set_routes_sync('{"version": 1, "rules": []}', None)

    def test_retry_deferred(self):
        delivery_id = self.send_to_broken_profile('broken3')
        deadline = time.monotonic() + 20
        while self.client.get_delivery_sync(delivery_id, None).get_state() != \
                Herald.DeliveryState.DEFERRED:
            self.assertLess(time.monotonic(), deadline, 'never deferred')
            time.sleep(0.05)
        self.assertTrue(run_async(lambda cb: self.client.retry(delivery_id, None, cb),
                                  lambda source, res: source.retry_finish(res)))
        # the Maildir is still blocked: the new attempt defers again
        deadline = time.monotonic() + 20
        while len(self.client.get_delivery_sync(delivery_id, None).get_log()) < 2:
            self.assertLess(time.monotonic(), deadline, 'no second attempt')
            time.sleep(0.05)
        log = self.client.get_delivery_sync(delivery_id, None).get_log()
        self.assertEqual([a.get_result() for a in log], ['deferred', 'deferred'])
        self.assertTrue(log[0].get_reply())
        self.client.cancel_sync(delivery_id, None)
        with self.assertRaises(GLib.Error) as raised:
            self.client.retry_sync('no-such-delivery', None)
        self.assertTrue(raised.exception.matches(Herald.error_quark(),
                                                 Herald.Error.NO_SUCH_DELIVERY))


if __name__ == '__main__':
    unittest.main(verbosity=2)
