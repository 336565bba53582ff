# SPDX-License-Identifier: LGPL-2.1-or-later
# crashkit.py: helpers for test_delivery.py (issue 4, crash safety and the
# delivery engine): heraldd under the test's control (SIGKILL and restart on
# the same state directory, state directory anywhere, e.g. on a small tmpfs),
# peers that are down in different ways, an smtp-sink on a port chosen in
# advance, an aiosmtpd server answering per transaction from a script, and
# the sender processes of the SIGKILL rounds (crash_sender.py).
#
# Everything listens on 127.0.0.1; every wait is bounded; everything started
# here is stopped by its own pid.

import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'bindings'))

import gi  # noqa: E402
gi.require_version('Gio', '2.0')
from gi.repository import GLib, Gio  # noqa: E402

import heraldtest  # noqa: E402
import netutil  # noqa: E402

BUS_NAME = 'org.herald.Gateway1'


# --- heraldd ------------------------------------------------------------------

def name_owner_pid(name=BUS_NAME):
    """The pid of the process owning NAME on the session bus, or None."""
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    try:
        reply = bus.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                              'org.freedesktop.DBus', 'GetConnectionUnixProcessID',
                              GLib.Variant('(s)', (name,)), GLib.VariantType.new('(u)'),
                              Gio.DBusCallFlags.NONE, 5000, None)
    except GLib.Error:
        return None
    return reply.unpack()[0]


class Heraldd:
    """The built heraldd with its state in STATE_DIR (kept across restarts)
    and its log appended to LOG_PATH. start(), kill() (SIGKILL), stop()
    (SIGTERM, must exit 0)."""

    def __init__(self, state_dir, config_dir, log_path, data_home=None):
        if 'DBUS_SESSION_BUS_ADDRESS' not in os.environ:
            raise RuntimeError('run under dbus-run-session')
        binary = os.environ.get('HERALD_DAEMON')
        if not binary or not os.access(binary, os.X_OK):
            raise RuntimeError(f'HERALD_DAEMON is not an executable: {binary!r}')
        self.binary = binary
        self.state_dir = state_dir
        self.config_dir = config_dir
        self.log_path = log_path
        self.env = dict(os.environ)
        self.env.pop('LD_PRELOAD', None)
        base = data_home or os.path.dirname(os.path.abspath(log_path))
        self.env['XDG_DATA_HOME'] = os.path.join(base, 'data')
        self.env['XDG_CONFIG_HOME'] = os.path.join(base, 'xdg-config')
        self.env['HERALD_PLUGIN_DIR'] = heraldtest.plugin_dirs()
        self.process = None
        self.starts = 0
        self.exits = []          # (start number, how, status)

    @property
    def pid(self):
        return self.process.pid if self.process else None

    def running(self):
        return self.process is not None and self.process.poll() is None

    def note(self, text):
        with open(self.log_path, 'a') as log:
            log.write(f'=== test: {text} ===\n')

    def start(self, timeout=30):
        if self.running():
            raise RuntimeError('heraldd already runs')
        # the previous owner's name must be gone, or we would wait for the wrong process
        netutil.wait_for(lambda: name_owner_pid() is None, timeout=10,
                         message='the old heraldd releasing its bus name')
        self.starts += 1
        self.note(f'start {self.starts}')
        log = open(self.log_path, 'a')
        try:
            self.process = subprocess.Popen(
                [self.binary, '--verbose', '--state-dir', self.state_dir,
                 '--config-dir', self.config_dir],
                env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        while name_owner_pid() != self.process.pid:
            if self.process.poll() is not None:
                self.exits.append((self.starts, 'start', self.process.returncode))
                raise AssertionError(f'heraldd exited with status {self.process.returncode} '
                                     f'at start {self.starts}:\n{self.log_tail(3)}')
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f'heraldd did not take its bus name within {timeout} s '
                                     f'(start {self.starts}):\n{self.log_tail(3)}')
            time.sleep(0.02)
        return self

    def kill(self):
        """SIGKILL, then waits for the process and for its bus name to go."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        status = netutil.wait_process(self.process, 10)
        self.exits.append((self.starts, 'kill', status))
        self.note(f'killed (status {status})')
        netutil.wait_for(lambda: name_owner_pid() is None, timeout=10,
                         message='the bus name released after SIGKILL')
        return status

    def stop(self, timeout=20):
        """SIGTERM; returns the exit status (the caller judges it). Kills
        what outlives TIMEOUT."""
        if self.process is None:
            return None
        if self.process.poll() is not None:
            return self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            status = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            status = self.process.wait(timeout=10)
            self.exits.append((self.starts, 'term-timeout', status))
            raise AssertionError(f'heraldd did not exit within {timeout} s of SIGTERM')
        self.exits.append((self.starts, 'term', status))
        self.note(f'stopped (status {status})')
        return status

    def log_text(self):
        try:
            with open(self.log_path, errors='replace') as f:
                return f.read()
        except OSError:
            return ''

    def log_tail(self, lines=60):
        return '\n'.join(self.log_text().splitlines()[-lines:])


# --- peers that are down ------------------------------------------------------

class ClosedPort:
    """A loopback port nobody listens on (connect: ECONNREFUSED at once). The
    port is held by a bound, non-listening socket so no one else takes it
    until release()."""

    def __init__(self):
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((netutil.LOOPBACK, 0))
        self.port = self._sock.getsockname()[1]

    def release(self):
        """Frees the port (for a server to bind it next)."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    close = release


class Blackhole:
    """A listening socket that never accepts; its backlog is filled at once,
    so further connects hang (the SYN is dropped) until the client's
    connect-timeout."""

    def __init__(self):
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind((netutil.LOOPBACK, 0))
        self._sock.listen(0)
        self.port = self._sock.getsockname()[1]
        self._fillers = []
        for _ in range(4):           # fill the accept queue (backlog 0 holds one or two)
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect((netutil.LOOPBACK, self.port))
            except (BlockingIOError, OSError):
                pass
            self._fillers.append(s)
        time.sleep(0.2)

    def close(self):
        for s in self._fillers:
            s.close()
        self._fillers = []
        if self._sock is not None:
            self._sock.close()
            self._sock = None


# --- smtp-sink on a port chosen in advance -----------------------------------

def fixed_port_sink(port, **options):
    """sink.SmtpSink that listens on PORT (for a profile made while the
    server was down). Raises if the port cannot be bound."""
    import sink

    class _FixedPortSink(sink.SmtpSink):
        def start(self):
            self.port = port
            self._out = open(self.stdout_path, 'wb')
            self._err = open(self.stderr_path, 'wb')
            self.process = subprocess.Popen(
                [sink.SMTP_SINK] + self.args + [f'inet:{netutil.LOOPBACK}:{port}', '128'],
                stdout=self._out, stderr=self._err, stdin=subprocess.DEVNULL,
                start_new_session=True)
            try:
                netutil.wait_listening_quietly(port, timeout=10, process=self.process)
            except RuntimeError as error:
                text = self.stderr_text()
                self.stop()
                self.cleanup()
                raise RuntimeError(f'smtp-sink on port {port}: {error}: {text}')
            return self

    return _FixedPortSink(**options)


def parse_dump(dump):
    """(subject, message-id) of a sink.Dump."""
    message = email.message_from_bytes(dump.message, policy=email.policy.default)
    return str(message.get('Subject', '')), str(message.get('Message-ID', '')).strip()


def header_of(raw, name):
    message = email.message_from_bytes(raw, policy=email.policy.default)
    value = message.get(name)
    return str(value).strip() if value is not None else None


# --- aiosmtpd answering from a script ------------------------------------------

def scripted_reply_server(rcpt=(), data=(), mail=()):
    """A scripted_servers.ScriptedServer ('record' mode, no TLS) whose
    replies to MAIL, RCPT and end-of-data come from the lists MAIL, RCPT
    and DATA, one entry per command received, in order; None, or a list
    used up, means the normal 250. Every transaction is counted in
    server.transactions (list of dicts: session, mail_from, rcpt replies,
    data reply, content), also those refused, so a test sees what was tried.
    """
    import scripted_servers as ss

    class _ScriptHandler(ss._Handler):
        async def handle_MAIL(self, server, session, envelope, address, mail_options):
            owner = self.owner
            reply = owner._next('MAIL')
            with owner._tx_lock:
                owner.transactions.append({'session': server.rec.number, 'mail_from': address,
                                           'rcpt': [], 'data': None, 'content': None,
                                           'time': time.monotonic()})
            if reply:
                return reply
            return await super().handle_MAIL(server, session, envelope, address, mail_options)

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            owner = self.owner
            reply = owner._next('RCPT')
            if reply is None:
                reply = await super().handle_RCPT(server, session, envelope, address,
                                                  rcpt_options)
            with owner._tx_lock:
                if owner.transactions:
                    owner.transactions[-1]['rcpt'].append((address, reply))
            return reply

        async def handle_DATA(self, server, session, envelope):
            owner = self.owner
            reply = owner._next('DATA')
            with owner._tx_lock:
                if owner.transactions:
                    owner.transactions[-1]['content'] = envelope.original_content
            if reply is None:
                reply = await super().handle_DATA(server, session, envelope)
            with owner._tx_lock:
                if owner.transactions:
                    owner.transactions[-1]['data'] = reply
            return reply

    class _ScriptServer(ss.ScriptedServer):
        def __init__(self):
            super().__init__('record', time_limit=60.0)
            self.script = {'MAIL': list(mail), 'RCPT': list(rcpt), 'DATA': list(data)}
            self.transactions = []
            self._tx_lock = threading.Lock()

        def _next(self, verb):
            with self._tx_lock:
                queue = self.script[verb]
                return queue.pop(0) if queue else None

        def _aiosmtpd_factory(self):
            kwargs = dict(hostname=ss.HOSTNAME, ident='Herald scripted replies',
                          enable_SMTPUTF8=True, timeout=self.time_limit, loop=self.loop,
                          auth_require_tls=False)
            return ss._RecordingSMTP(_ScriptHandler(self), self, **kwargs)

        def accepted(self):
            """Transactions whose end-of-data got a 250."""
            with self._tx_lock:
                return [t for t in self.transactions if (t['data'] or '').startswith('250')]

        def snapshot(self):
            with self._tx_lock:
                return [dict(t) for t in self.transactions]

    return _ScriptServer()


# --- mounts ------------------------------------------------------------------

def mount_tmpfs(path, size):
    """Mounts a tmpfs of SIZE (e.g. '6m') on PATH; returns None or the reason
    it could not be done."""
    result = subprocess.run(['mount', '-t', 'tmpfs', '-o', f'size={size},mode=0700',
                             'herald-test-tmpfs', path],
                            capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        return (f'mount -t tmpfs not permitted here (status {result.returncode}: '
                f'{result.stderr.strip()})')
    return None


def remount_tmpfs(path, size):
    subprocess.run(['mount', '-o', f'remount,size={size}', path], check=True,
                   capture_output=True, text=True, timeout=30)


def umount(path):
    for _ in range(20):
        result = subprocess.run(['umount', path], capture_output=True, text=True, timeout=30)
        if result.returncode == 0:
            return
        time.sleep(0.25)
    subprocess.run(['umount', '-l', path], capture_output=True, text=True, timeout=30)


def filesystem_free(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


# --- sender processes (crash_sender.py) ---------------------------------------

class SenderProcess:
    """crash_sender.py in its own process (own bus connection); its stdout
    lines are collected by a thread. ready() / go() / finish()."""

    def __init__(self, profile, prefix, client, count, window=4, env=None, time_limit=60):
        self.client = client
        self.lines = []
        self._lock = threading.Lock()
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(HERE, 'crash_sender.py'), '--profile', profile,
             '--prefix', prefix, '--client', str(client), '--count', str(count),
             '--window', str(window), '--time-limit', str(time_limit)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=env, text=True, bufsize=1)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._stderr = []
        self._err_reader = threading.Thread(target=self._read_err, daemon=True)
        self._err_reader.start()

    def _read(self):
        for line in self.process.stdout:
            with self._lock:
                self.lines.append(line.rstrip('\n'))

    def _read_err(self):
        for line in self.process.stderr:
            self._stderr.append(line)

    def ready(self, timeout=30):
        netutil.wait_for(lambda: 'READY' in self.lines or self.process.poll() is not None,
                         timeout=timeout, message=f'sender {self.client} connecting')
        if 'READY' not in self.lines:
            raise AssertionError(f'sender {self.client} exited with {self.process.returncode}: '
                                 f'{"".join(self._stderr)[-2000:]}')

    def go(self):
        self.process.stdin.write('go\n')
        self.process.stdin.flush()

    def finish(self, timeout=60):
        """Waits for the process (kills it past TIMEOUT); returns
        (acks [(id, subject)], errors [(subject, name, message)], status)."""
        try:
            status = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            status = self.process.wait(timeout=10)
        self._reader.join(timeout=10)
        self._err_reader.join(timeout=10)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            try:
                stream.close()
            except (OSError, ValueError, BrokenPipeError):
                pass
        acks, errors = [], []
        with self._lock:
            lines = list(self.lines)
        for line in lines:
            if line.startswith('ACK '):
                _, delivery_id, subject = line.split(' ', 2)
                acks.append((delivery_id, subject))
            elif line.startswith('ERR '):
                parts = line.split(' ', 3) + ['', '']
                errors.append((parts[1], parts[2], parts[3]))
        return acks, errors, status

    def stderr_text(self):
        return ''.join(self._stderr)

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
