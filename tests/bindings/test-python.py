#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# test-python.py: libherald through GObject Introspection from Python,
# against the built heraldd on a private bus (run under dbus-run-session).

import email
import email.policy
import json
import os
import subprocess
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

    def test_notification_properties(self):
        """The GObject idiom: built from properties, each notifying."""
        n = Herald.Notification(subject='Disk full', to=['ops@example.org'],
                                urgency=Herald.Urgency.CRITICAL, tags=['disk'],
                                headers=GLib.Variant('a{ss}', {'X-Ticket': '42'}))
        self.assertEqual(n.props.to, ['ops@example.org'])
        self.assertEqual(n.get_to(), ['ops@example.org'])
        self.assertEqual(n.props.subject, 'Disk full')
        self.assertEqual(n.props.urgency, Herald.Urgency.CRITICAL)
        self.assertEqual(n.get_tags(), ['disk'])
        self.assertEqual(n.get_header('X-Ticket'), '42')
        self.assertEqual(n.props.cc, [])
        self.assertIsNone(n.props.body)

        notified = []
        n.connect('notify', lambda obj, pspec: notified.append(pspec.name))
        n.set_subject('Disk full')                  # the same value: no notification
        n.props.subject = 'Disk 99% full'
        n.add_to('Backup <backup@example.org>')
        n.set_urgency(Herald.Urgency.CRITICAL)      # the same value
        n.set_header('X-Ticket', '43')
        n.props.body = 'See df -h.'
        self.assertEqual(notified, ['subject', 'to', 'headers', 'body'])
        self.assertEqual(n.props.to, ['ops@example.org', 'Backup <backup@example.org>'])
        n.props.to = ['only@example.org']
        self.assertEqual(n.get_to(), ['only@example.org'])
        n.set_cc(None)
        self.assertEqual(n.props.cc, [])
        sent = n.to_variant()[0].unpack()
        self.assertEqual(sent['to'], ['only@example.org'])
        self.assertEqual(sent['urgency'], 2)
        self.assertEqual(sent['headers'], {'X-Ticket': '43'})
        self.assertNotIn('cc', sent)

        plain = Herald.Notification()
        self.assertNotIn('urgency', plain.to_variant()[0].unpack())   # unset: not sent

    def test_attachments_from_gfile_and_bytes(self):
        name = 'md-gfile'
        maildir = os.path.join(self.daemon.dir, name)
        self.add_maildir_profile(name, maildir)
        on_disk = os.path.join(self.daemon.dir, 'on-disk.txt')
        with open(on_disk, 'w') as f:
            f.write('attached from a local GFile\n')
        # a GFile without a local path: a resource of a bundle made here
        bundle_dir = tempfile.mkdtemp(dir=self.daemon.dir)
        with open(os.path.join(bundle_dir, 'report.txt'), 'w') as f:
            f.write('attached from a resource GFile\n')
        with open(os.path.join(bundle_dir, 'test.gresource.xml'), 'w') as f:
            f.write('<gresources><gresource prefix="/org/herald/test">'
                    '<file>report.txt</file></gresource></gresources>')
        bundle = os.path.join(bundle_dir, 'test.gresource')
        subprocess.run(['glib-compile-resources', '--sourcedir', bundle_dir, '--target', bundle,
                        os.path.join(bundle_dir, 'test.gresource.xml')], check=True)
        Gio.Resource.load(bundle)._register()

        n = Herald.Notification(to=['someone@example.com'], subject='GFile attachments',
                                profile=name)
        n.add_attachment_file(Gio.File.new_for_path(on_disk), None, 'text/plain', None)
        resource = Gio.File.new_for_uri('resource:///org/herald/test/report.txt')
        self.assertIsNone(resource.get_path())
        n.add_attachment_file(resource, None, None, None)
        n.add_attachment_bytes(GLib.Bytes.new(b'made in memory\n'), 'generated.txt',
                               'text/plain')
        self.assertEqual(n.props.n_attachments, 3)
        with self.assertRaises(GLib.Error):
            n.add_attachment_file(Gio.File.new_for_uri('resource:///org/herald/none'),
                                  None, None, None)
        self.assertEqual(n.props.n_attachments, 3)

        delivery = self.client.wait_for_delivery_sync(self.client.send_sync(n, None), None)
        self.assertEqual(delivery.props.state, Herald.DeliveryState.SENT, delivery.props.summary)
        with open(heraldtest.find_message(maildir, 'GFile attachments'), 'rb') as message:
            parts = email.message_from_bytes(message.read(), policy=email.policy.default)
        attached = {part.get_filename(): part.get_payload(decode=True)
                    for part in parts.iter_attachments()}
        self.assertEqual(attached, {'on-disk.txt': b'attached from a local GFile\n',
                                    'report.txt': b'attached from a resource GFile\n',
                                    'generated.txt': b'made in memory\n'})

    def test_read_only_properties(self):
        name = 'md-props'
        self.add_maildir_profile(name, os.path.join(self.daemon.dir, name))
        self.assertTrue(self.client.props.gateway_running)
        profile = self.client.get_profile_sync(name, None)
        self.assertEqual((profile.props.name, profile.props.transport, profile.props.is_default,
                          profile.props.password_set), (name, 'maildir', False, False))

        n = Herald.Notification(to=['a@example.com', 'b@example.com'], subject='properties',
                                profile=name, app_name='test-python')
        delivery_id = self.client.send_sync(n, None)
        delivery = self.client.wait_for_delivery_sync(delivery_id, None)
        self.assertEqual(delivery.props.id, delivery_id)
        self.assertEqual(delivery.props.state, Herald.DeliveryState.SENT)
        self.assertTrue(delivery.props.final)
        self.assertEqual(delivery.props.summary, 'sent to 2 of 2')
        self.assertEqual((delivery.props.subject, delivery.props.app_name, delivery.props.profile),
                         ('properties', 'test-python', name))
        self.assertEqual(delivery.props.profiles, [name])
        self.assertEqual(delivery.props.attempts, 1)
        self.assertIsNotNone(delivery.props.created)
        recipient = delivery.get_recipients()[0]
        self.assertEqual((recipient.props.address, recipient.props.kind, recipient.props.state),
                         ('a@example.com', 'to', 'sent'))
        attempt = delivery.get_log()[0]
        self.assertEqual(attempt.props.result, 'sent')
        self.assertEqual(attempt.props.recipients, ['a@example.com', 'b@example.com'])

        query = Herald.DeliveryFilter(profile=name, state=Herald.DeliveryState.SENT,
                                      include_log=True, limit=5)
        self.assertEqual((query.props.profile, query.props.limit, query.props.include_log),
                         (name, 5, True))
        listed = self.client.list_deliveries_sync(query, None)
        self.assertEqual([d.props.id for d in listed], [delivery_id])
        self.assertEqual(len(listed[0].get_log()), 1)

        result = self.client.test_profile_sync(name, 'c@example.org', None)
        self.assertTrue(result.props.ok)
        self.assertIsNone(result.props.certificate)

    def test_summary_and_partial_state(self):
        def delivery(state, reason=None, reply=None, recipients=()):
            d = {'id': GLib.Variant('s', 'x'), 'state': GLib.Variant('s', state)}
            if reason:
                d['reason'] = GLib.Variant('s', reason)
            if reply:
                d['reply'] = GLib.Variant('s', reply)
            if recipients:
                d['recipients'] = GLib.Variant('aa{sv}', [
                    {k: GLib.Variant('s', v) for k, v in r.items()} for r in recipients])
            return Herald.Delivery.new_from_variant(GLib.Variant('a{sv}', d))

        self.assertEqual(Herald.delivery_state_to_string(Herald.DeliveryState.PARTIAL), 'partial')
        self.assertEqual(Herald.DeliveryState.PARTIAL.value_nick, 'partial')
        self.assertTrue(Herald.delivery_state_is_final(Herald.DeliveryState.PARTIAL))
        self.assertEqual(Herald.delivery_state_from_string('partial'),
                         (True, Herald.DeliveryState.PARTIAL))
        partial = delivery('partial', 'rejected', 'bad@example.org: 550 5.1.1 No such user', [
            {'address': 'good@example.org', 'state': 'sent', 'reply': '250 2.1.5 OK'},
            {'address': 'bad@example.org', 'state': 'failed', 'reply': '550 5.1.1 No such user'}])
        self.assertTrue(partial.is_final())
        self.assertEqual(partial.get_summary(),
                         'sent to 1 of 2; refused: bad@example.org 550 5.1.1 No such user')
        self.assertEqual(delivery('partial', 'rejected', 'bad@example.org: 550 no').props.summary,
                         'sent to some recipients; refused by the server; '
                         'last reply: bad@example.org: 550 no')
        expired = delivery('failed', 'expired', 'Cannot connect to mail.example.org:25: refused')
        self.assertEqual(expired.props.summary,
                         'expired: no attempt succeeded before the profile’s expire-after ran '
                         'out; last reply: Cannot connect to mail.example.org:25: refused')
        self.assertEqual(delivery('failed', 'rejected', None, [
            {'address': 'a@example.org', 'state': 'failed', 'reply': '550 no'}]).props.summary,
            'refused: a@example.org 550 no')
        self.assertEqual(delivery('sent').props.summary, 'sent')
        self.assertEqual(delivery('cancelled', 'cancelled').props.summary, 'cancelled')
        self.assertIsNone(delivery('deferred', None, '451 later').props.summary)

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

    def test_send_message(self):
        """A complete message through SendMessage (the sendmail door),
        from a sealed memfd; then the async form with a typed error."""
        fd = os.memfd_create('message', os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        os.write(fd, b'From: Py <py@example.com>\nTo: someone@example.com\n'
                     b'Bcc: hidden@example.com\nSubject: Python message\n\nAs written.\n')
        delivery_id = self.client.send_message_sync(
            fd, None, None, GLib.Variant('a{sv}', {'extract-recipients': GLib.Variant('b', True),
                                                   'app-name': GLib.Variant('s', 'test-python')}),
            None)
        os.close(fd)
        delivery = run_async(
            lambda cb: self.client.wait_for_delivery(delivery_id, None, cb),
            lambda source, res: source.wait_for_delivery_finish(res))
        self.assertEqual(delivery.get_state(), Herald.DeliveryState.SENT, delivery.get_reason())
        self.assertEqual(delivery.get_subject(), 'Python message')
        self.assertEqual(sorted(r.get_address() for r in delivery.get_recipients()),
                         ['hidden@example.com', 'someone@example.com'])
        path = heraldtest.find_message(os.path.join(self.daemon.dir, 'state', 'Maildir'),
                                       'Python message')
        with open(path, 'rb') as message:
            text = message.read()
        self.assertIn(b'\n\nAs written.\n', text)
        self.assertNotIn(b'hidden', text)

        fd = os.memfd_create('message', os.MFD_CLOEXEC)
        os.write(fd, b'Subject: bad\rBcc: x@example.com\n\nbody\n')
        with self.assertRaises(GLib.Error) as raised:
            run_async(lambda cb: self.client.send_message(fd, None, ['a@example.com'], None, None, cb),
                      lambda source, res: source.send_message_finish(res))
        os.close(fd)
        self.assertTrue(raised.exception.matches(Herald.error_quark(), Herald.Error.INVALID_MESSAGE))

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

    def test_tokens(self):
        token = Herald.Token.new('python-ci')
        token.set_profiles(['local'])
        token.set_tags(['team=ci'])
        token.set_allowed_tags(['env=*'])
        token.set_rate(30)
        secret = run_async(lambda done: self.client.add_token(token, None, done),
                           lambda client, res: client.add_token_finish(res))
        self.assertRegex(secret, r'^hrld_[A-Za-z0-9_-]{43}$')

        listed = {t.get_name(): t for t in self.client.list_tokens_sync(None)}
        made = listed['python-ci']
        self.assertEqual(list(made.get_profiles()), ['local'])
        self.assertEqual(list(made.get_tags()), ['team=ci'])
        self.assertEqual(list(made.get_allowed_tags()), ['env=*'])
        self.assertEqual(made.get_rate(), 30)
        self.assertIsNotNone(made.get_created())
        self.assertIsNone(made.get_last_used())
        self.assertNotIn(secret, json.dumps(made.to_variant().unpack()))
        # the secret appears in no listing, never again
        self.assertNotIn(secret, repr(self.client.get_connection().call_sync(
            'org.herald.Gateway1', '/org/herald/Gateway1', 'org.herald.Gateway1', 'ListTokens',
            None, GLib.VariantType.new('(aa{sv})'), Gio.DBusCallFlags.NONE, -1, None).unpack()))

        for bad, code in ((Herald.Token.new('python-ci'), Herald.Error.TOKEN_EXISTS),
                          (Herald.Token.new('a b'), Herald.Error.INVALID_ARGUMENT)):
            with self.assertRaises(GLib.Error) as raised:
                self.client.add_token_sync(bad, None)
            self.assertTrue(raised.exception.matches(Herald.error_quark(), code), raised.exception.message)
        unknown = Herald.Token.new('python-x')
        unknown.set_profiles(['no-such-profile'])
        with self.assertRaises(GLib.Error) as raised:
            self.client.add_token_sync(unknown, None)
        self.assertTrue(raised.exception.matches(Herald.error_quark(), Herald.Error.NO_SUCH_PROFILE))

        self.assertTrue(self.client.remove_token_sync('python-ci', None))
        with self.assertRaises(GLib.Error) as raised:
            self.client.remove_token_sync('python-ci', None)
        self.assertTrue(raised.exception.matches(Herald.error_quark(), Herald.Error.NO_SUCH_TOKEN))
        self.assertNotIn('python-ci', [t.get_name() for t in self.client.list_tokens_sync(None)])

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


class QuotaPythonTest(unittest.TestCase):
    """Per-caller quotas through GI: QUOTA_EXCEEDED and Herald.Quota."""

    @classmethod
    def setUpClass(cls):
        cls.daemon = heraldtest.Daemon()
        config = os.path.join(cls.daemon.dir, 'config')
        os.makedirs(config)
        with open(os.path.join(config, 'heraldd.conf'), 'w') as conf:
            conf.write('[quotas]\nmax-sends-per-minute=2\nmax-queued-deliveries=50\n')
        cls.daemon.start()
        cls.client = Herald.Client.new_sync(Gio.BusType.SESSION, None)

    @classmethod
    def tearDownClass(cls):
        cls.client = None
        cls.daemon.stop()

    def test_quota_exceeded(self):
        quota = self.client.get_quota_sync(-1, None)
        self.assertEqual(quota.get_uid(), os.getuid())
        self.assertEqual(quota.get_max_sends_per_minute(), 2)
        self.assertEqual(quota.get_max_queued_deliveries(), 50)
        self.assertEqual(quota.get_sends_available(), 2)
        notification = Herald.Notification.new()
        notification.add_to('someone@example.com')
        notification.set_subject('quota')
        for _ in range(2):
            self.assertTrue(self.client.send_sync(notification, None))
        with self.assertRaises(GLib.Error) as raised:
            self.client.send_sync(notification, None)
        error = raised.exception
        self.assertTrue(error.matches(Herald.error_quark(), Herald.Error.QUOTA_EXCEEDED),
                        f'{error.domain} {error.code} {error.message}')
        self.assertIn('max-sends-per-minute', error.message)
        quota = run_async(lambda cb: self.client.get_quota(-1, None, cb),
                          lambda source, res: source.get_quota_finish(res))
        self.assertEqual(quota.get_sends_available(), 0)
        self.assertGreater(quota.get_queue_bytes(), 0)
        self.assertEqual(quota.get_stored_bytes(),
                         quota.get_queue_bytes() + quota.get_spool_bytes())


if __name__ == '__main__':
    unittest.main(verbosity=2)
