#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_sendmail.py: the host's sendmail (issue 13) with real programs:
# bsd-mailx ("mail -s") pointed at the built herald-sendmail, a cron-style
# "sendmail -t -oi" and Debian cron's own arguments, the option set of
# msmtp's and nullmailer's documentation, 8-bit bodies, lines over 998
# octets, MIME attachments, Bcc, a single-dot line with -i and without,
# -bp / mailq, heraldctl; each message delivered into Postfix's smtp-sink
# (with and without 8BITMIME) and read back there.
#
# The system-bus part runs the real deployment (sysbus.py: a private
# dbus-daemon --system, the real polkitd, heraldd --system as the user
# herald): with heraldd stopped a message goes into the maildrop through
# the setgid herald-maildrop (copied into a test directory, group
# herald-drop, mode 2755) and is delivered once heraldd starts; a second
# user created for the test can neither list, read, move nor remove the
# first user's file, nor make the helper write elsewhere; SendMessage needs
# only the send action, and a user refused it gets exit status 77.
#
#   meson test -C BUILD --suite integration sendmail --print-errorlogs
#
# Needs bsd-mailx, postfix (smtp-sink); the system-bus part needs root.

import email
import email.policy
import glob
import grp
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

os.environ.pop('LD_PRELOAD', None)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import sysbus  # noqa: E402  (first: it sets up gi)
from gi.repository import Gio  # noqa: E402
from harness import Gateway, Herald, heraldtest  # noqa: E402
import netutil  # noqa: E402
import sink as sinkmod  # noqa: E402

STRICT = os.environ.get('HERALD_INTEGRATION_STRICT') == '1'
SENDMAIL = os.environ.get('HERALD_SENDMAIL', '')
HELPER = os.environ.get('HERALD_MAILDROP_HELPER', '')
CTL = os.environ.get('HERALD_CTL', '')
MAILX = shutil.which('bsd-mailx') or '/usr/bin/bsd-mailx'
FROM = 'herald@herald.test'

EX_OK, EX_USAGE, EX_DATAERR, EX_NOPERM, EX_TEMPFAIL = 0, 64, 65, 77, 75


def need(reason):
    if reason:
        if STRICT:
            raise AssertionError(f'missing test peer: {reason}')
        raise unittest.SkipTest(reason)


def smtp_profile(port, **extra):
    settings = {'transport': 'smtp', 'host': '127.0.0.1', 'port': port, 'security': 'none',
                'auth': 'none', 'from-address': FROM, 'helo-name': 'client.herald.test',
                'connect-timeout': 5, 'conversation-timeout': 10, 'retry-interval': 3600,
                'allow-from-override': True}
    settings.update(extra)
    return settings


def dead_port():
    return netutil.free_port()


def parse(dump):
    return email.message_from_bytes(dump.message, policy=email.policy.default)


def find_dump(server, subject, timeout=30):
    """The dump of SERVER whose Subject is SUBJECT, waiting for it."""
    found = []

    def seen():
        found[:] = [d for d in server.messages()
                    if f'Subject: {subject}'.encode() in d.message.split(b'\n\n', 1)[0]]
        return bool(found)
    netutil.wait_for(seen, timeout=timeout, message=f'a message with subject {subject!r}')
    time.sleep(0.1)     # the dump is complete once the transaction ends
    return [d for d in server.messages()
            if f'Subject: {subject}'.encode() in d.message.split(b'\n\n', 1)[0]][0]


def delivery_id_of(stderr):
    m = re.search(r'queued as delivery ([0-9a-f-]{36})', stderr)
    if not m:
        raise AssertionError(f'no delivery id in {stderr!r}')
    return m.group(1)


class SessionSendmail(unittest.TestCase):
    """herald-sendmail against the session heraldd (HERALD_BUS=session)."""

    @classmethod
    def setUpClass(cls):
        need(None if os.access(SENDMAIL, os.X_OK) else f'HERALD_SENDMAIL is not built: {SENDMAIL!r}')
        need(None if os.access(sinkmod.SMTP_SINK, os.X_OK) else 'smtp-sink (postfix) is not installed')
        cls.tmp = tempfile.mkdtemp(prefix='herald-sendmail-')
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cls.sink = sinkmod.SmtpSink(dump=True).start()
        cls.addClassCleanup(cls.sink.cleanup)
        cls.addClassCleanup(cls.sink.stop)
        cls.sink7 = sinkmod.SmtpSink(dump=True, extra_args=['-8']).start()   # no 8BITMIME
        cls.addClassCleanup(cls.sink7.cleanup)
        cls.addClassCleanup(cls.sink7.stop)
        aliases = os.path.join(cls.tmp, 'aliases')
        with open(aliases, 'w') as f:
            f.write('# aliases(5)\npostmaster: root\nwebmaster: web@herald.test,\n  root\n')
        cls.gw = Gateway()
        cls.gw.daemon = heraldtest.Daemon()
        os.makedirs(os.path.join(cls.gw.dir, 'config'))
        with open(os.path.join(cls.gw.dir, 'config', 'heraldd.conf'), 'w') as f:
            f.write(f'[sendmail]\ndefault-domain=herald.test\nalias-files={aliases}\n'
                    '[aliases]\nroot=admin@herald.test, oncall@herald.test\n')
        cls.gw.daemon.start()
        cls.addClassCleanup(cls.gw.stop)
        cls.gw.client = Herald.Client.new_sync(Gio.BusType.SESSION, None)
        cls.gw.add_profile('sink', smtp_profile(cls.sink.port))
        cls.gw.add_profile('sink7', smtp_profile(cls.sink7.port))
        cls.gw.add_profile('small', smtp_profile(cls.sink.port, **{'max-attachment-size': 100}))
        cls.gw.add_profile('dead', smtp_profile(dead_port()))
        cls.gw.client.set_routes_sync(json.dumps({'version': 1, 'rules': [
            {'match': {'local-recipient': 'seven'}, 'profiles': ['sink7']},
            {'match': {'local-recipient': 'small'}, 'profiles': ['small']},
            {'match': {'local-recipient': 'deferme'}, 'profiles': ['dead']},
            {'match': {'category': 'sendmail'}, 'profiles': ['sink']}]}), None)

    def sendmail(self, args, data, env=None, program=None):
        full_env = dict(os.environ, HERALD_BUS='session', LANG='C.UTF-8')
        full_env.update(env or {})
        return subprocess.run([program or SENDMAIL, *args], input=data, capture_output=True,
                              env=full_env, timeout=60)

    def assertSent(self, result):
        self.assertEqual(result.returncode, EX_OK, result.stderr.decode(errors='replace'))

    def test_mailx(self):
        """bsd-mailx's "mail -s" with sendmail= pointing at herald-sendmail."""
        need(None if os.access(MAILX, os.X_OK) else 'bsd-mailx is not installed')
        mailrc = os.path.join(self.tmp, 'mailrc')
        with open(mailrc, 'w') as f:
            f.write(f'set sendmail={SENDMAIL}\nset sendwait\n')
        result = subprocess.run(
            [MAILX, '-s', 'mailx: sda1 at 95%', 'root', 'postmaster'], input=b'sda1 is at 95%\n',
            capture_output=True, timeout=60,
            env=dict(os.environ, MAILRC=mailrc, HOME=self.tmp, HERALD_BUS='session'))
        self.assertEqual(result.returncode, 0, result.stderr)
        dump = find_dump(self.sink, 'mailx: sda1 at 95%')
        self.assertEqual(sorted(dump.recipients), ['admin@herald.test', 'oncall@herald.test'])
        message = parse(dump)
        self.assertEqual(sorted(a.username for a in message['To'].addresses), ['postmaster', 'root'])
        self.assertIn('sda1 is at 95%', message.get_content())
        self.assertIsNotNone(message['Message-ID'])
        self.assertIsNotNone(message['Date'])

    def test_cron_t_oi(self):
        """A crontab's output as cron sends it: sendmail -t -oi."""
        text = ('From: root (Cron Daemon)\nTo: root\nSubject: Cron <root@host> run-parts --report /etc/cron.daily\n'
                'MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n'
                'X-Cron-Env: <SHELL=/bin/sh>\nX-Cron-Env: <HOME=/root>\n\n'
                '/etc/cron.daily/logrotate:\nerror: skipping "/var/log/x.log"\n').encode()
        self.assertSent(self.sendmail(['-t', '-oi'], text))
        dump = find_dump(self.sink, 'Cron <root@host> run-parts --report /etc/cron.daily')
        self.assertEqual(sorted(dump.recipients), ['admin@herald.test', 'oncall@herald.test'])
        self.assertEqual(dump.mail_from, FROM)
        header = dump.message.split(b'\n\n', 1)[0]
        self.assertTrue(header.startswith(b'From: root (Cron Daemon)\nTo: root\nSubject: Cron'))
        self.assertEqual(header.count(b'X-Cron-Env: '), 2)
        self.assertTrue(dump.message.endswith(b'\n\n/etc/cron.daily/logrotate:\nerror: skipping "/var/log/x.log"\n'))

    def test_cron_debian_arguments(self):
        """Debian cron's MAILCMD arguments; a message without From."""
        text = b'To: root\nSubject: debian cron\n\nno From in this one\n'
        result = self.sendmail(['-FCronDaemon', '-i', '-B8BITMIME', '-oem', '-v', 'root'], text)
        self.assertSent(result)
        delivery_id = delivery_id_of(result.stderr.decode())
        message = parse(find_dump(self.sink, 'debian cron'))
        self.assertEqual(message['From'], 'CronDaemon <root@herald.test>')
        delivery = self.gw.delivery(delivery_id)
        self.assertEqual(delivery.get_category(), 'sendmail')
        self.assertEqual(delivery.get_app_name(), 'CronDaemon')

    def test_msmtp_nullmailer_options(self):
        """Every option msmtp's and nullmailer's sendmail document is taken."""
        args = ['-N', 'delay,failure', '-R', 'hdrs', '-V', 'envid-1', '-X', '/dev/null', '-C', '/dev/null',
                '-L', 'tag', '-h', '30', '-G', '-U', '-B', '8BITMIME', '-odb', '-odi', '-oem', '-oep',
                '-bm', '-O', 'DeliveryMode=b', '-f', 'bounce@herald.test', '-F', 'Options Test', '-i',
                '--', 'ops@herald.test']
        result = self.sendmail(args, b'Subject: every option\n\nbody\n')
        self.assertSent(result)
        self.assertEqual(result.stderr, b'')
        dump = find_dump(self.sink, 'every option')
        self.assertEqual(dump.mail_from, 'bounce@herald.test')        # allow-from-override
        self.assertEqual(dump.recipients, ['ops@herald.test'])
        sender = parse(dump)['From'].addresses[0]
        self.assertEqual((sender.display_name, sender.addr_spec), ('Options Test', 'bounce@herald.test'))
        # an unknown option: a warning, and the message still goes
        result = self.sendmail(['-Z', 'ops@herald.test'], b'Subject: unknown option\n\nbody\n')
        self.assertSent(result)
        self.assertIn(b'option -Z ignored (unknown)', result.stderr)
        find_dump(self.sink, 'unknown option')

    def test_8bit_body(self):
        body = 'Grüße aus Köln — 10 °C\n'.encode() + b'latin-1: caf\xe9\n'
        self.assertSent(self.sendmail(['-i', 'eight@herald.test'], b'Subject: eight bit\n\n' + body))
        dump = find_dump(self.sink, 'eight bit')
        self.assertIn('BODY=8BITMIME', dump.mail_args)
        self.assertTrue(dump.message.endswith(b'\n\n' + body))
        # a server without 8BITMIME never gets it: the delivery fails, saying why
        result = self.sendmail(['-i', '-v', 'seven'], b'Subject: eight bit to seven\n\n' + body)
        self.assertSent(result)
        delivery = self.gw.wait_state(delivery_id_of(result.stderr.decode()), Herald.DeliveryState.FAILED)
        replies = ' '.join(r.get_reply() or '' for r in delivery.get_recipients())
        self.assertIn('8BITMIME', replies)
        self.assertEqual(self.sink7.count('.'), 0)

    def test_long_lines(self):
        line = 'x' * 1500 + ' end of a long line'
        text = f'Subject: long lines\n\nbefore\n{line}\nafter\n'.encode()
        self.assertSent(self.sendmail(['-i', 'long@herald.test'], text))
        dump = find_dump(self.sink, 'long lines')
        self.assertTrue(all(len(l) <= 998 for l in dump.message.split(b'\n')))
        message = parse(dump)
        self.assertEqual(message['Content-Transfer-Encoding'], 'quoted-printable')
        self.assertEqual(message.get_content(), f'before\n{line}\nafter\n')

    def test_mime_attachments(self):
        payload = bytes(range(256)) * 8
        message = MIMEMultipart()
        message['To'] = 'files@herald.test'
        message['Subject'] = 'mime attachments'
        message.attach(MIMEText('The report is attached.\n'))
        message.attach(MIMEApplication(payload, 'pdf', Name='report.pdf'))
        message.attach(MIMEText('a,b\n' + '9' * 1200 + '\n', 'csv'))
        self.assertSent(self.sendmail(['-t', '-oi'], message.as_bytes()))
        got = parse(find_dump(self.sink, 'mime attachments'))
        parts = list(got.iter_parts())
        self.assertEqual(parts[0].get_content(), 'The report is attached.\n')
        self.assertEqual(parts[1].get_content(), payload)
        self.assertEqual(parts[1].get_filename(), 'report.pdf')
        self.assertEqual(parts[2].get_content(), 'a,b\n' + '9' * 1200 + '\n')
        # over the routed profile's max-attachment-size: refused, nothing queued
        before = len(self.gw.client.list_deliveries_sync(None, None))
        result = self.sendmail(['-oi', 'small'], message.as_bytes())
        self.assertEqual(result.returncode, EX_DATAERR, result.stderr)
        self.assertIn(b'attachments total', result.stderr)
        self.assertEqual(len(self.gw.client.list_deliveries_sync(None, None)), before)

    def test_bcc(self):
        text = b'To: visible@herald.test\nBcc: hidden@herald.test\nSubject: bcc test\n\nbody\n'
        self.assertSent(self.sendmail(['-t', '-oi'], text))
        dump = find_dump(self.sink, 'bcc test')
        self.assertEqual(sorted(dump.recipients), ['hidden@herald.test', 'visible@herald.test'])
        self.assertNotIn(b'hidden', dump.message)
        self.assertNotIn(b'Bcc', dump.message)

    def test_single_dot(self):
        text = b'Subject: %s\n\nfirst\n.\nsecond\n'
        self.assertSent(self.sendmail(['dots@herald.test'], text % b'dot without -i'))
        self.assertTrue(find_dump(self.sink, 'dot without -i').message.endswith(b'\n\nfirst\n'))
        self.assertSent(self.sendmail(['-i', 'dots@herald.test'], text % b'dot with -i'))
        self.assertTrue(find_dump(self.sink, 'dot with -i').message.endswith(b'\n\nfirst\n.\nsecond\n'))

    def test_refusals(self):
        result = self.sendmail([], b'Subject: x\n\nno recipient\n')
        self.assertEqual(result.returncode, EX_USAGE)
        result = self.sendmail(['a@herald.test'], b'Subject: a\rBcc: b@herald.test\n\nbody\n')
        self.assertEqual(result.returncode, EX_DATAERR)
        self.assertIn(b'carriage return', result.stderr)
        result = self.sendmail(['-bs'], b'')
        self.assertEqual(result.returncode, EX_USAGE)
        # neither heraldd nor a maildrop: 75 and the reason, never a silent loss
        result = self.sendmail(['a@herald.test'], b'Subject: x\n\nbody\n',
                               env={'DBUS_SESSION_BUS_ADDRESS': f'unix:path={self.tmp}/no-bus',
                                    'HERALD_MAILDROP': f'{self.tmp}/no-helper'})
        self.assertEqual(result.returncode, EX_TEMPFAIL)
        self.assertIn(b'was not sent', result.stderr)

    def test_queue_listing_and_heraldctl(self):
        """-bp and mailq list what waits; heraldctl shows the delivery."""
        result = self.sendmail(['-v', '-F', 'Queue Test', 'deferme'], b'Subject: waits\n\nbody\n')
        self.assertSent(result)
        delivery_id = delivery_id_of(result.stderr.decode())
        self.gw.wait_state(delivery_id, Herald.DeliveryState.DEFERRED)
        listing = self.sendmail(['-bp'], b'')
        self.assertEqual(listing.returncode, EX_OK, listing.stderr)
        self.assertRegex(listing.stdout.decode(), rf'{delivery_id} +deferred .* waits')
        self.assertIn(b'deferme@herald.test (', listing.stdout)
        mailq = os.path.join(self.tmp, 'mailq')
        if not os.path.exists(mailq):
            os.symlink(SENDMAIL, mailq)
        listing = self.sendmail([], b'', program=mailq)
        self.assertIn(delivery_id.encode(), listing.stdout)
        shown = subprocess.run([CTL, '--json', 'delivery', 'show', delivery_id], capture_output=True,
                               text=True, timeout=60)
        self.assertEqual(shown.returncode, 0, shown.stderr)
        delivery = json.loads(shown.stdout)
        self.assertEqual((delivery['category'], delivery['app-name'], delivery['subject']),
                         ('sendmail', 'Queue Test', 'waits'))
        self.gw.client.cancel_sync(delivery_id, None)
        self.assertNotIn(delivery_id.encode(), self.sendmail(['-bp'], b'').stdout)


class SystemSendmail(unittest.TestCase):
    """The real deployment: the maildrop while heraldd is stopped, its
    permissions checked by a second user, SendMessage with the send action
    alone."""

    @classmethod
    def setUpClass(cls):
        need(sysbus.missing_requirements())
        need(None if os.access(SENDMAIL, os.X_OK) and os.access(HELPER, os.X_OK)
             else 'herald-sendmail or herald-maildrop is not built')
        need(None if os.access(sinkmod.SMTP_SINK, os.X_OK) else 'smtp-sink (postfix) is not installed')
        # the user herald and the group herald-drop, as a package makes them
        sysbus.ensure_daemon_user()
        subprocess.run(['systemd-sysusers', os.path.join(sysbus.SOURCE_ROOT, 'data', 'herald.sysusers.conf')],
                       check=True, capture_output=True, timeout=60)
        cls.users = sysbus.TestUsers()
        cls.addClassCleanup(cls.users.remove)
        cls.alice = cls.users.add('hs-t-alice')
        cls.bob = cls.users.add('hs-t-bob')
        cls.tmp = tempfile.mkdtemp(prefix='herald-sendmail-sys-')
        os.chmod(cls.tmp, 0o755)
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        # as tmpfiles.d/herald.conf makes it, and the helper as installed
        cls.maildrop = os.path.join(cls.tmp, 'maildrop')
        os.mkdir(cls.maildrop)
        shutil.chown(cls.maildrop, 'herald', 'herald-drop')
        os.chmod(cls.maildrop, 0o1730)
        cls.helper = os.path.join(cls.tmp, 'herald-maildrop')
        shutil.copy(HELPER, cls.helper)
        shutil.chown(cls.helper, 'root', 'herald-drop')
        os.chmod(cls.helper, 0o2755)
        cls.sink = sinkmod.SmtpSink(dump=True).start()
        cls.addClassCleanup(cls.sink.cleanup)
        cls.addClassCleanup(cls.sink.stop)
        cls.bus = sysbus.SystemBus().start()
        cls.addClassCleanup(cls.bus.stop)
        cls.gw = sysbus.SystemDaemon(cls.bus)
        cls.addClassCleanup(cls.gw.tmp.cleanup)
        cls.addClassCleanup(cls.gw.stop)
        with open(os.path.join(cls.gw.config_dir, 'heraldd.conf'), 'w') as f:
            f.write(f'[sendmail]\nmaildrop-directory={cls.maildrop}\nmaildrop-rescan-seconds=1\n'
                    'default-domain=herald.test\n')
        # profiles and routes first, then heraldd stops: the maildrop test
        # starts it again
        cls.gw.start()
        client = Herald.Client.new_for_connection_sync(cls.bus.connect(), None)
        for name, settings in (('sink', smtp_profile(cls.sink.port)), ('dead', smtp_profile(dead_port()))):
            profile = Herald.Profile.new(name)
            for key, value in settings.items():
                if isinstance(value, bool):
                    profile.set_setting_variant(key, sysbus.GLib.Variant('b', value))
                else:
                    profile.set_setting(key, str(value))
            client.add_profile_sync(profile, None)
        cls.gw.stop()
        # the configuration directory is root's, as ConfigurationDirectory= makes it
        routes = os.path.join(cls.gw.config_dir, 'routes.json')
        with open(routes, 'w') as f:
            json.dump({'version': 1, 'rules': [
                {'match': {'local-recipient': 'deferme'}, 'profiles': ['dead']},
                {'match': {'category': 'sendmail'}, 'profiles': ['sink']}]}, f)
        os.chmod(routes, 0o644)

    def run_as(self, user, argv, data=b'', env=None):
        full_env = {'DBUS_SYSTEM_BUS_ADDRESS': self.bus.address, 'PATH': os.environ.get('PATH', ''),
                    'HOME': '/nonexistent', 'LANG': 'C.UTF-8', 'HERALD_MAILDROP': self.helper,
                    'HERALD_MAILDROP_DIR': self.maildrop}
        # under AddressSanitizer: as for every program of these tests (LeakSanitizer
        # cannot run in the set-group-ID helper at all)
        if 'ASAN_OPTIONS' in os.environ:
            full_env['ASAN_OPTIONS'] = os.environ['ASAN_OPTIONS']
        full_env.update(env or {})
        return subprocess.run(['setpriv', f'--reuid={user.pw_uid}', f'--regid={user.pw_gid}',
                               '--init-groups', *argv], input=data, capture_output=True,
                              env=full_env, timeout=120)

    def drops(self):
        return sorted(p for p in glob.glob(os.path.join(self.maildrop, '*')) if os.path.isfile(p))

    def heraldctl_as(self, user, *args):
        result = self.run_as(user, [CTL, '--system', '--json', *args])
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout)

    def test_1_maildrop_while_stopped(self):
        """heraldd stopped: the message waits in the maildrop, safe from
        other users, and is delivered when heraldd starts."""
        result = self.run_as(self.alice, [SENDMAIL, '-t', '-oi', '-v'],
                             b'To: root\nSubject: dropped by alice\n\nwhile heraldd was down\n')
        self.assertEqual(result.returncode, EX_OK, result.stderr)
        self.assertIn(b'waits in the maildrop', result.stderr)
        files = self.drops()
        self.assertEqual(len(files), 1)
        st = os.stat(files[0])
        self.assertEqual((st.st_uid, st.st_mode & 0o7777), (self.alice.pw_uid, 0o604))
        self.assertEqual(st.st_gid, grp.getgrnam('herald-drop').gr_gid)

        # the second user: no listing, no reading, no moving, no removing
        for argv in (['ls', self.maildrop], ['cat', files[0]], ['rm', '-f', files[0]],
                     ['mv', files[0], os.path.join(self.tmp, 'stolen')]):
            denied = self.run_as(self.bob, argv)
            self.assertNotEqual(denied.returncode, 0, argv)
            self.assertIn(b'Permission denied', denied.stderr, argv)
        # not even its owner can reach it once it is dropped
        self.assertNotEqual(self.run_as(self.alice, ['cat', files[0]]).returncode, 0)
        # the setgid helper writes nowhere but a maildrop (group herald-drop, 1730)
        elsewhere = os.path.join(self.tmp, 'bob-dir')
        os.mkdir(elsewhere)
        os.chmod(elsewhere, 0o777)
        envelope = b'HERALD-MAILDROP 1\nrecipient=root\nidempotency-key=k\n\nSubject: x\n\nx\n'
        refused = self.run_as(self.bob, [self.helper], envelope, env={'HERALD_MAILDROP_DIR': elsewhere})
        self.assertEqual(refused.returncode, EX_TEMPFAIL, refused.stderr)
        self.assertEqual(os.listdir(elsewhere), [])
        # bob's own drop goes in beside alice's
        result = self.run_as(self.bob, [SENDMAIL, '-oi', 'root'], b'Subject: dropped by bob\n\nbob\n')
        self.assertEqual(result.returncode, EX_OK, result.stderr)
        self.assertEqual(len(self.drops()), 2)
        self.assertTrue(os.path.exists(files[0]))

        self.gw.start()
        alice_dump = find_dump(self.sink, 'dropped by alice')
        self.assertEqual(sorted(alice_dump.recipients), ['root@herald.test'])
        self.assertTrue(alice_dump.message.endswith(b'\n\nwhile heraldd was down\n'))
        find_dump(self.sink, 'dropped by bob')
        netutil.wait_for(lambda: self.drops() == [], timeout=20, message='the maildrop emptied')
        # each delivery belongs to the user who dropped it
        alice_subjects = {d['subject'] for d in self.heraldctl_as(self.alice, 'delivery', 'list')}
        bob_subjects = {d['subject'] for d in self.heraldctl_as(self.bob, 'delivery', 'list')}
        self.assertIn('dropped by alice', alice_subjects)
        self.assertNotIn('dropped by bob', alice_subjects)
        self.assertIn('dropped by bob', bob_subjects)
        self.assertNotIn('dropped by alice', bob_subjects)

    def test_2_send_message_and_own_queue(self):
        """With heraldd running, SendMessage needs only the send action;
        -bp lists the caller's own waiting deliveries."""
        if self.gw.process is None or self.gw.process.poll() is not None:
            self.gw.start()
        result = self.run_as(self.alice, [SENDMAIL, '-v', '-oi', 'alice-friend@herald.test'],
                             b'Subject: alice over D-Bus\n\nbody\n')
        self.assertEqual(result.returncode, EX_OK, result.stderr)
        self.assertIn(b'queued as delivery', result.stderr)
        self.assertEqual(self.drops(), [])
        find_dump(self.sink, 'alice over D-Bus')
        # waiting deliveries of both users: each lists only its own
        ids = {}
        for user in (self.alice, self.bob):
            result = self.run_as(user, [SENDMAIL, '-v', '-oi', 'deferme'],
                                 f'Subject: {user.pw_name} waits\n\nbody\n'.encode())
            self.assertEqual(result.returncode, EX_OK, result.stderr)
            ids[user.pw_name] = delivery_id_of(result.stderr.decode())
        for user, other in ((self.alice, self.bob), (self.bob, self.alice)):
            listing = self.run_as(user, [SENDMAIL, '-bp'])
            self.assertEqual(listing.returncode, EX_OK, listing.stderr)
            self.assertIn(ids[user.pw_name].encode(), listing.stdout)
            self.assertNotIn(ids[other.pw_name].encode(), listing.stdout)

    def test_3_refused_send_action(self):
        """A user polkit refuses the send action gets 77, and nothing is
        dropped for them instead."""
        if self.gw.process is None or self.gw.process.poll() is not None:
            self.gw.start()
        self.bus.polkit.install_rules('50-herald-sendmail-test.rules', '''
polkit.addRule(function(action, subject) {
    if (action.id == "org.herald.gateway.send" && subject.user == "hs-t-bob")
        return polkit.Result.NO;
    return polkit.Result.NOT_HANDLED;
});
''')
        result = self.run_as(self.bob, [SENDMAIL, '-oi', 'root'], b'Subject: bob refused\n\nx\n')
        self.assertEqual(result.returncode, EX_NOPERM, result.stderr)
        self.assertIn(b'org.herald.gateway.send', result.stderr)
        self.assertEqual(self.drops(), [])
        result = self.run_as(self.alice, [SENDMAIL, '-oi', 'root'], b'Subject: alice allowed\n\nx\n')
        self.assertEqual(result.returncode, EX_OK, result.stderr)
        find_dump(self.sink, 'alice allowed')


if __name__ == '__main__':
    unittest.main(verbosity=2)
