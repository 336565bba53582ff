# sysbus.py: a private system bus for the access control tests (issue 6):
# a dbus-daemon with its own configuration on a unix socket in a temporary
# directory, python-dbusmock's polkitd template on it, and the built heraldd
# --system. Nothing touches the machine's own system bus.
#
# The bus configuration is permissive like a test bus should be, then
# includes Herald's own system bus policy (data/org.herald.Gateway1.conf),
# so the policy file itself is loaded and applied.

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import gi
gi.require_version('Gio', '2.0')
from gi.repository import GLib, Gio  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, os.path.join(HERE, '..', 'bindings'))
import heraldtest  # noqa: E402

POLKIT_NAME = 'org.freedesktop.PolicyKit1'
POLKIT_PATH = '/org/freedesktop/PolicyKit1/Authority'
MOCK_IFACE = 'org.freedesktop.DBus.Mock'
PYTHON = '/usr/bin/python3'

BUS_CONFIG = '''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>{type}</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
  </policy>
  <include>{policy}</include>
</busconfig>
'''


def missing_requirements():
    if not shutil.which('dbus-daemon'):
        return 'dbus-daemon is not installed'
    try:
        import dbusmock  # noqa: F401
    except ImportError:
        return 'python3-dbusmock is not installed'
    return None


def wait_for(predicate, what, timeout=20):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f'{what} within {timeout} s')
        time.sleep(0.05)


class SystemBus:
    """dbus-daemon + polkitd mock. DBUS_SYSTEM_BUS_ADDRESS is set in
    os.environ for this process and its children."""

    def __init__(self, kind='system'):
        self.kind = kind
        self.tmp = tempfile.mkdtemp(prefix='herald-sysbus-')
        os.chmod(self.tmp, 0o755)           # other uids connect too
        self.socket = os.path.join(self.tmp, 'system_bus_socket')
        self.address = f'unix:path={self.socket}'
        self.config = os.path.join(self.tmp, 'system.conf')
        with open(self.config, 'w') as f:
            f.write(BUS_CONFIG.format(type=kind, socket=self.socket,
                                      policy=os.path.join(SOURCE_ROOT, 'data',
                                                          'org.herald.Gateway1.conf')))
        self.bus = None
        self.polkit = None
        self.connection = None

    def start(self):
        # Its own log, not our stdout: a runner waiting for our output must
        # not wait for the bus too.
        self.bus_log = open(os.path.join(self.tmp, 'dbus-daemon.log'), 'w')
        self.bus = subprocess.Popen(['dbus-daemon', '--nofork', '--nopidfile',
                                     f'--config-file={self.config}'],
                                    stdout=self.bus_log, stderr=subprocess.STDOUT)
        wait_for(lambda: os.path.exists(self.socket), 'the private bus did not start')
        self.connection = self.connect()
        if self.kind != 'system':
            return self
        os.environ['DBUS_SYSTEM_BUS_ADDRESS'] = self.address
        self.polkit_log = open(os.path.join(self.tmp, 'polkitd-mock.log'), 'w')
        self.polkit = subprocess.Popen([PYTHON, '-m', 'dbusmock', '--system', '--template', 'polkitd'],
                                       stdout=self.polkit_log, stderr=subprocess.STDOUT)
        wait_for(lambda: self.has_owner(POLKIT_NAME), 'the polkitd mock did not start')
        return self

    def connect(self):
        """A new connection of this process to the private system bus."""
        return Gio.DBusConnection.new_for_address_sync(
            self.address,
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)

    def has_owner(self, name):
        reply = self.connection.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                                          'org.freedesktop.DBus', 'NameHasOwner',
                                          GLib.Variant('(s)', (name,)), None,
                                          Gio.DBusCallFlags.NONE, -1, None)
        return reply.unpack()[0]

    def mock(self, method, args=None):
        return self.connection.call_sync(POLKIT_NAME, POLKIT_PATH, MOCK_IFACE, method, args, None,
                                         Gio.DBusCallFlags.NONE, -1, None).unpack()

    def allow(self, *actions):
        """Exactly ACTIONS (short names: send, manage-profiles, ...) are allowed."""
        self.mock('SetAllowed', GLib.Variant('(as)', ([f'org.herald.gateway.{a}' for a in actions],)))

    def stop(self):
        for process in (self.polkit, self.bus):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        if self.polkit is not None:
            self.polkit_log.close()
        if self.bus is not None:
            self.bus_log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


class SystemDaemon(heraldtest.Daemon):
    """The built heraldd --system on the private system bus, with
    G_MESSAGES_DEBUG=all: everything it prints is kept in its log."""

    def __init__(self, sysbus):
        super().__init__()
        self.sysbus = sysbus
        if sysbus.kind == 'system':
            self.env['DBUS_SYSTEM_BUS_ADDRESS'] = sysbus.address
        else:
            self.env['DBUS_SESSION_BUS_ADDRESS'] = sysbus.address
        self.env['G_MESSAGES_DEBUG'] = 'all'

    def start(self):
        self.log = open(self.log_path, 'w')
        self.process = subprocess.Popen(
            [self.binary, f'--{self.sysbus.kind}', '--verbose',
             '--state-dir', os.path.join(self.dir, 'state'),
             '--config-dir', os.path.join(self.dir, 'config')],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while not self.sysbus.has_owner(heraldtest.BUS_NAME):
            if self.process.poll() is not None:
                self.fail(f'heraldd --system exited with status {self.process.returncode}')
            if time.monotonic() > deadline:
                self.fail('heraldd --system did not take its bus name within 20 s')
            time.sleep(0.05)
        return self

    def log_text(self):
        with open(self.log_path, errors='replace') as f:
            return f.read()
