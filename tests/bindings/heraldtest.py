# SPDX-License-Identifier: LGPL-2.1-or-later
# heraldtest.py: runs the built heraldd on the current (private) session bus
# with all its state in a temporary directory. Shared by the binding tests.

import glob
import os
import signal
import subprocess
import sys
import tempfile
import time

BUS_NAME = 'org.herald.Gateway1'


def plugin_dirs():
    """HERALD_PLUGIN_DIR, plus its subdirectories holding modules when it
    holds none itself (the build tree keeps each plugin in its own
    directory)."""
    configured = os.environ.get('HERALD_PLUGIN_DIR', '')
    dirs = []
    for directory in filter(None, configured.split(':')):
        dirs.append(directory)
        if not glob.glob(os.path.join(directory, '*.so')):
            dirs.extend(sorted(os.path.dirname(p)
                               for p in glob.glob(os.path.join(directory, '*', '*.so'))))
    return ':'.join(dirs)


def name_has_owner(name=BUS_NAME):
    output = subprocess.run(
        ['gdbus', 'call', '--session', '--dest', 'org.freedesktop.DBus',
         '--object-path', '/org/freedesktop/DBus',
         '--method', 'org.freedesktop.DBus.NameHasOwner', name],
        capture_output=True, text=True)
    return output.returncode == 0 and 'true' in output.stdout


class Daemon:
    """The daemon under test. Use as a context manager."""

    def __init__(self):
        if 'DBUS_SESSION_BUS_ADDRESS' not in os.environ:
            sys.exit('run under dbus-run-session')
        daemon = os.environ.get('HERALD_DAEMON')
        if not daemon or not os.access(daemon, os.X_OK):
            sys.exit(f'HERALD_DAEMON is not an executable: {daemon!r}')
        self.binary = daemon
        self.tmp = tempfile.TemporaryDirectory(prefix='herald-test-')
        self.dir = self.tmp.name
        self.env = dict(os.environ)
        self.env['XDG_DATA_HOME'] = os.path.join(self.dir, 'data')
        self.env['XDG_CONFIG_HOME'] = os.path.join(self.dir, 'config')
        self.env['HERALD_PLUGIN_DIR'] = plugin_dirs()
        self.log_path = os.path.join(self.dir, 'heraldd.log')
        self.process = None

    def start(self):
        self.log = open(self.log_path, 'w')
        self.process = subprocess.Popen(
            [self.binary, '--verbose',
             '--state-dir', os.path.join(self.dir, 'state'),
             '--config-dir', os.path.join(self.dir, 'config')],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while not name_has_owner():
            if self.process.poll() is not None:
                self.fail(f'heraldd exited with status {self.process.returncode} at start')
            if time.monotonic() > deadline:
                self.fail('heraldd did not take its bus name within 20 s')
            time.sleep(0.05)
        return self

    def stop(self):
        """Stops the daemon with SIGTERM; it must exit cleanly."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            status = self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            self.fail('heraldd did not exit within 20 s of SIGTERM')
        self.log.close()
        if status != 0:
            self.fail(f'heraldd exited with status {status} on SIGTERM')
        return status

    def fail(self, message):
        self.dump_log()
        raise AssertionError(message)

    def dump_log(self):
        try:
            with open(self.log_path) as log:
                sys.stderr.write('--- heraldd log ---\n' + log.read() + '--- end ---\n')
        except OSError:
            pass

    def __enter__(self):
        return self.start()

    def __exit__(self, kind, value, traceback):
        if kind is not None:
            self.dump_log()
            if self.process and self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            return False
        self.stop()
        return False


def find_message(maildir, text, timeout=10):
    """Returns the path of the message in MAILDIR/new containing TEXT."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in glob.glob(os.path.join(maildir, 'new', '*')):
            with open(path, 'rb') as message:
                if text.encode() in message.read():
                    return path
        time.sleep(0.05)
    raise AssertionError(f'no message with {text!r} in {maildir}/new')
