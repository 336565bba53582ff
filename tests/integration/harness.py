# SPDX-License-Identifier: LGPL-2.1-or-later
# harness.py: the daemon under test and a libherald client, for the
# integration tests. Reuses tests/bindings/heraldtest.py (the built heraldd on
# the private bus of dbus-run-session, state in a temporary directory).

import base64
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'bindings'))

import gi  # noqa: E402
gi.require_version('Herald', '1.0')
gi.require_version('Gio', '2.0')
from gi.repository import GLib, Gio, Herald  # noqa: E402

import heraldtest  # noqa: E402

BUS_NAME = 'org.herald.Gateway1'
OBJECT_PATH = '/org/herald/Gateway1'
INTERFACE = 'org.herald.Gateway1'

State = Herald.DeliveryState
FINAL = (State.SENT, State.PARTIAL, State.FAILED, State.CANCELLED)
NOT_SENT = (State.DEFERRED, State.FAILED)


def state_name(state):
    try:
        return State(state).value_nick
    except (ValueError, AttributeError):
        return str(state)


class Gateway:
    """heraldd + a Herald.Client. start() / stop()."""

    def __init__(self):
        self.daemon = None
        self.client = None
        self._counter = 0

    def start(self):
        self.daemon = heraldtest.Daemon().start()
        self.client = Herald.Client.new_sync(Gio.BusType.SESSION, None)
        return self

    def stop(self):
        self.client = None
        if self.daemon is not None:
            try:
                self.daemon.stop()
            finally:
                if os.environ.get('HERALD_TEST_KEEP'):
                    self.daemon.tmp._finalizer.detach()     # TemporaryDirectory's
                    sys.stderr.write(f'keeping {self.daemon.dir}\n')
                else:
                    self.daemon.tmp.cleanup()
                self.daemon = None

    @property
    def dir(self):
        return self.daemon.dir

    def unique(self, prefix):
        self._counter += 1
        return f'{prefix}-{self._counter}'

    def log_text(self):
        try:
            with open(self.daemon.log_path, errors='replace') as f:
                return f.read()
        except OSError:
            return ''

    def peak_rss_kib(self):
        """VmHWM of heraldd (peak resident set size, KiB)."""
        with open(f'/proc/{self.daemon.process.pid}/status') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1])
        return 0

    def alive(self):
        """heraldd runs and answers a method call."""
        if self.daemon.process.poll() is not None:
            return False
        self.client.list_profiles_sync(None)
        return True

    # --- profiles -----------------------------------------------------------

    def add_profile(self, name, settings, secrets=None):
        """SETTINGS: str values as strings, lists as "as", bools as "b"."""
        profile = Herald.Profile.new(name)
        for key, value in settings.items():
            if value is None:
                continue
            if isinstance(value, (list, tuple)):
                profile.set_setting_variant(key, GLib.Variant('as', list(value)))
            elif isinstance(value, bool):
                profile.set_setting_variant(key, GLib.Variant('b', value))
            else:
                profile.set_setting(key, str(value))
        self.client.add_profile_sync(profile, None)
        for key, value in (secrets or {}).items():
            self.client.set_secret_sync(name, key, value, None)
        return name

    def update_profile(self, name, settings):
        profile = Herald.Profile.new(name)
        for key, value in settings.items():
            if isinstance(value, (list, tuple)):
                profile.set_setting_variant(key, GLib.Variant('as', list(value)))
            else:
                profile.set_setting(key, str(value))
        self.client.update_profile_sync(profile, None)

    # --- sending ------------------------------------------------------------

    def notification(self, profile, to, subject=None, body='Herald integration test.\n',
                     **extra):
        n = Herald.Notification.new()
        for address in ([to] if isinstance(to, str) else to):
            n.add_to(address)
        n.set_subject(subject or self.unique('Herald integration test'))
        n.set_body(body)
        n.set_profile(profile)
        n.set_app_name('herald-integration-tests')
        for key, value in extra.items():
            getattr(n, 'set_' + key)(value)
        return n

    def send(self, profile, to, subject=None, body='Herald integration test.\n', **extra):
        return self.client.send_sync(self.notification(profile, to, subject, body, **extra), None)

    def send_many(self, notifications, timeout=60):
        """Sends every notification at once (async, so they share commits);
        returns the ids in order."""
        loop = GLib.MainLoop()
        ids = [None] * len(notifications)
        errors = []
        pending = [len(notifications)]

        def done(client, result, index):
            try:
                ids[index] = client.send_finish(result)
            except GLib.Error as error:
                errors.append(error)
            pending[0] -= 1
            if pending[0] == 0:
                loop.quit()

        for index, n in enumerate(notifications):
            self.client.send(n, None, done, index)
        timed_out = []

        def expire():
            timed_out.append(True)
            loop.quit()
            return GLib.SOURCE_REMOVE
        timer = GLib.timeout_add_seconds(timeout, expire)
        loop.run()
        if not timed_out:
            GLib.source_remove(timer)
        if errors:
            raise errors[0]
        if pending[0]:
            raise AssertionError(f'{pending[0]} Send calls unanswered after {timeout} s')
        return ids

    def delivery(self, delivery_id):
        return self.client.get_delivery_sync(delivery_id, None)

    def wait_state(self, delivery_id, states, timeout=30):
        """Polls until the delivery is in one of STATES; returns it. Fails
        early when it reaches a final state that is not wanted."""
        if not isinstance(states, (list, tuple, set)):
            states = (states,)
        deadline = time.monotonic() + timeout
        while True:
            d = self.delivery(delivery_id)
            state = d.get_state()
            if state in states:
                return d
            if state in FINAL or time.monotonic() > deadline:
                raise AssertionError(
                    f'delivery {delivery_id} is {state_name(state)}, wanted '
                    f'{"/".join(state_name(s) for s in states)}: {describe(d)}')
            time.sleep(0.05)

    # --- TestProfile (raw D-Bus: no libherald wrapper needed) ----------------

    def test_profile(self, profile, recipient, timeout=120):
        connection = self.client.get_connection()
        result = connection.call_sync(
            BUS_NAME, OBJECT_PATH, INTERFACE, 'TestProfile',
            GLib.Variant('(ss)', (profile, recipient)), GLib.VariantType.new('(a{sv})'),
            Gio.DBusCallFlags.NONE, int(timeout * 1000), None)
        return result.unpack()[0]


def describe(delivery):
    parts = [f'state={state_name(delivery.get_state())}',
             f'attempts={delivery.get_attempts()}',
             f'reply={delivery.get_reply()!r}', f'reason={delivery.get_reason()!r}']
    for r in delivery.get_recipients() or []:
        parts.append(f'[{r.get_address()} {r.get_state()} {r.get_reply()!r}]')
    return ' '.join(parts)


def delivery_text(delivery):
    """Reply, reason and every recipient's reply, for searching a server's text."""
    texts = [delivery.get_reply() or '', delivery.get_reason() or '']
    for r in delivery.get_recipients() or []:
        texts.append(r.get_reply() or '')
    return '\n'.join(texts)


def recipients_by_address(delivery):
    return {r.get_address(): r for r in (delivery.get_recipients() or [])}


def normalise_newlines(text):
    """CRLF, bare CR and bare LF each become one LF."""
    if isinstance(text, bytes):
        return re.sub(rb'\r\n|\r|\n', b'\n', text)
    return re.sub(r'\r\n|\r|\n', '\n', text)


def secret_leaks(lines, secrets):
    """Transcript lines that reveal one of SECRETS: verbatim, or inside any
    base64 word of the line (PLAIN/LOGIN/XOAUTH2 responses)."""
    leaks = []
    for line in lines:
        raw = line.encode('utf-8', 'replace') if isinstance(line, str) else line
        decoded = [raw]
        for word in re.findall(rb'[A-Za-z0-9+/=]{4,}', raw):
            padded = word + b'=' * (-len(word) % 4)
            try:
                decoded.append(base64.b64decode(padded, validate=True))
            except ValueError:
                pass
        for secret in secrets:
            if any(secret.encode() in d for d in decoded):
                leaks.append(line)
                break
    return leaks


def body_text(message_bytes):
    """The decoded text/plain body of an RFC 5322 message (any CTE/charset)."""
    import email
    import email.policy
    message = email.message_from_bytes(message_bytes, policy=email.policy.default)
    part = message.get_body(preferencelist=('plain',)) if message.is_multipart() else message
    if part is None:
        raise AssertionError('no text/plain part in the message')
    return part.get_content()
