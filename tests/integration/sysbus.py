# SPDX-License-Identifier: LGPL-2.1-or-later
# sysbus.py: the system-bus deployment of Herald, for real, inside a test:
#
# - a dbus-daemon --system of our own on a unix socket in a temporary
#   directory, with the stock system bus's default policy (deny owning and
#   method calls unless a service's policy allows them), polkit's bus policy
#   and Herald's own (data/org.herald.Gateway1.conf);
# - the real polkitd (Debian package polkitd) on that bus, in a private mount
#   namespace where /usr/share/polkit-1/actions holds Herald's actions
#   (data/org.herald.gateway.policy) and /etc/polkit-1/rules.d holds the
#   rules a test installs; it drops to the polkitd user as in production;
# - the built heraldd --system running as the user "herald", created from
#   data/herald.sysusers.conf by systemd-sysusers, with a 0700 state
#   directory and umask 0077, as heraldd.service runs it.
#
# A python-dbusmock polkit once hid a deployment that refused every caller:
# nothing here is a mock. Nothing touches the machine's own system bus.

import os
import pwd
import re
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
POLKITD = '/usr/lib/polkit-1/polkitd'
POLKIT_BUS_POLICY = '/usr/share/dbus-1/system.d/org.freedesktop.PolicyKit1.conf'
POLKIT_ACTIONS_DIR = '/usr/share/polkit-1/actions'
POLKIT_RULES_DIR = '/etc/polkit-1/rules.d'
PYTHON = '/usr/bin/python3'
DAEMON_USER = 'herald'

# The stock /usr/share/dbus-1/system.conf's default policy, without its
# <user>, <fork> and <listen>: services punch their own holes.
SYSTEM_BUS_CONFIG = '''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"
          send_member="UpdateActivationEnvironment"/>
  </policy>
  <include>{polkit_policy}</include>
  <include>{herald_policy}</include>
</busconfig>
'''

# A session bus that lets anyone connect (the session bus test).
SESSION_BUS_CONFIG = '''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
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
</busconfig>
'''


def missing_requirements():
    for program in ('dbus-daemon', 'setpriv', 'unshare', 'systemd-sysusers', 'useradd'):
        if not shutil.which(program):
            return f'{program} is not installed'
    if not os.access(POLKITD, os.X_OK):
        return f'polkitd is not installed ({POLKITD}; Debian package polkitd)'
    if os.geteuid() != 0:
        return 'needs root (polkitd, heraldd as the user herald, test users)'
    return None


def wait_for(predicate, what, timeout=20):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f'{what} within {timeout} s')
        time.sleep(0.05)


def stop_process(process, timeout=10):
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class SystemBus:
    """dbus-daemon (and, on a system bus, the real polkitd).
    DBUS_SYSTEM_BUS_ADDRESS is set in os.environ for this process and its
    children."""

    def __init__(self, kind='system', socket=None):
        """SOCKET: where the bus listens; by default in a temporary
        directory (programs that only know the standard path, like
        Cockpit's bridge, need /run/dbus/system_bus_socket)."""
        self.kind = kind
        self.tmp = tempfile.mkdtemp(prefix='herald-sysbus-')
        os.chmod(self.tmp, 0o755)           # other uids connect too
        self.socket = socket or os.path.join(self.tmp, 'system_bus_socket')
        self.address = f'unix:path={self.socket}'
        self.config = os.path.join(self.tmp, 'bus.conf')
        template = SYSTEM_BUS_CONFIG if kind == 'system' else SESSION_BUS_CONFIG
        with open(self.config, 'w') as f:
            f.write(template.format(socket=self.socket, polkit_policy=POLKIT_BUS_POLICY,
                                    herald_policy=os.path.join(SOURCE_ROOT, 'data',
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
        # The socket file appears before the bus listens on it: ready is
        # when a connection goes through.
        def connected():
            if self.bus.poll() is not None:
                raise AssertionError(f'dbus-daemon exited ({self.bus.returncode})')
            try:
                self.connection = self.connect()
                return True
            except GLib.Error:
                return False
        wait_for(connected, 'the private bus did not start')
        if self.kind == 'system':
            os.environ['DBUS_SYSTEM_BUS_ADDRESS'] = self.address
            self.polkit = Polkit(self).start()
        return self

    def connect(self):
        """A new connection of this process to the private bus."""
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

    def stop(self):
        if self.polkit is not None:
            self.polkit.stop()
        stop_process(self.bus)
        if self.bus is not None:
            self.bus_log.close()
            if not self.socket.startswith(self.tmp):
                try:
                    os.unlink(self.socket)
                except FileNotFoundError:
                    pass
        shutil.rmtree(self.tmp, ignore_errors=True)


class Polkit:
    """The real polkitd on SYSBUS, seeing Herald's actions from this source
    tree and the rules that install_rules() writes, and nothing of the
    machine's own actions and rules."""

    def __init__(self, sysbus):
        self.sysbus = sysbus
        self.actions = os.path.join(sysbus.tmp, 'polkit-actions')
        self.rules = os.path.join(sysbus.tmp, 'polkit-rules')
        self.log_path = os.path.join(sysbus.tmp, 'polkitd.log')
        os.mkdir(self.actions, 0o755)
        shutil.copy(os.path.join(SOURCE_ROOT, 'data', 'org.herald.gateway.policy'), self.actions)
        # As /etc/polkit-1/rules.d is: polkitd's own, nobody else reads it.
        os.mkdir(self.rules, 0o700)
        shutil.chown(self.rules, 'polkitd')
        self.process = None

    def start(self):
        script = ('mount --bind "$1" %s && mount --bind "$2" %s && exec %s'
                  % (POLKIT_ACTIONS_DIR, POLKIT_RULES_DIR, POLKITD))
        self.log = open(self.log_path, 'w')
        self.process = subprocess.Popen(
            ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', script, 'sh',
             self.actions, self.rules],
            env={'DBUS_SYSTEM_BUS_ADDRESS': self.sysbus.address, 'PATH': '/usr/bin:/bin',
                 'LANG': 'C.UTF-8'},
            stdout=self.log, stderr=subprocess.STDOUT)

        def owned():
            if self.process.poll() is not None:
                raise AssertionError(f'polkitd exited ({self.process.returncode}): {self.log_text()}')
            return self.sysbus.has_owner(POLKIT_NAME)
        wait_for(owned, 'polkitd did not take its bus name')
        return self

    def log_text(self):
        with open(self.log_path, errors='replace') as f:
            return f.read()

    def loads(self):
        return len(re.findall(r'Finished loading, compiling and executing \d+ rules', self.log_text()))

    def install_rules(self, name, text):
        """Writes rules file NAME (polkit JavaScript) and waits until polkitd
        has loaded it: polkitd watches its rules directories and reloads
        on a change, logging each load."""
        before = self.loads()
        path = os.path.join(self.rules, name)
        with open(path + '.tmp', 'w') as f:
            f.write(text)
        shutil.chown(path + '.tmp', 'polkitd')
        os.rename(path + '.tmp', path)
        wait_for(lambda: self.loads() > before, f'polkitd did not load {name}')

    def stop(self):
        stop_process(self.process)
        if self.process is not None:
            self.log.close()


class SystemDaemon(heraldtest.Daemon):
    """The built heraldd --system on the private bus, with
    G_MESSAGES_DEBUG=all: everything it prints is kept in its log. On a
    system bus it runs as the user "herald" with umask 0077, as
    heraldd.service runs it; on a session bus as root."""

    def __init__(self, sysbus):
        super().__init__()
        self.sysbus = sysbus
        if sysbus.kind == 'system':
            self.env['DBUS_SYSTEM_BUS_ADDRESS'] = sysbus.address
            self.user = ensure_daemon_user()
        else:
            self.env['DBUS_SESSION_BUS_ADDRESS'] = sysbus.address
            self.user = None
        self.env['G_MESSAGES_DEBUG'] = 'all'
        self.state_dir = os.path.join(self.dir, 'state')
        self.config_dir = os.path.join(self.dir, 'config')
        # Like StateDirectory=herald (0700, the service's own) and
        # ConfigurationDirectory=herald (root's, read-only for the service).
        os.chmod(self.dir, 0o755)
        os.mkdir(self.state_dir, 0o700)
        os.mkdir(self.config_dir, 0o755)
        if self.user:
            shutil.chown(self.state_dir, self.user.pw_uid, self.user.pw_gid)
            # systemd sets HOME to the user's home, /var/lib/herald: the
            # state directory. Root's HOME would make GIO's proxy settings
            # (dconf, read when libsoup makes a session) fail critically.
            self.env['HOME'] = self.state_dir

    def command(self, *args):
        """ARGS of heraldd, run as the daemon's user."""
        argv = [self.binary, *args, '--state-dir', self.state_dir, '--config-dir', self.config_dir]
        if self.user:
            argv = ['setpriv', f'--reuid={self.user.pw_uid}', f'--regid={self.user.pw_gid}',
                    '--init-groups', *argv]
        return argv

    def start(self):
        self.log = open(self.log_path, 'a')
        self.process = subprocess.Popen(self.command(f'--{self.sysbus.kind}', '--verbose'),
                                        env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                        preexec_fn=lambda: os.umask(0o077))
        deadline = time.monotonic() + 20
        while not self.sysbus.has_owner(heraldtest.BUS_NAME):
            if self.process.poll() is not None:
                self.fail(f'heraldd --{self.sysbus.kind} exited with status {self.process.returncode}')
            if time.monotonic() > deadline:
                self.fail(f'heraldd --{self.sysbus.kind} did not take its bus name within 20 s')
            time.sleep(0.05)
        return self

    def log_text(self):
        with open(self.log_path, errors='replace') as f:
            return f.read()


def ensure_daemon_user():
    """The user "herald", created as a package would: systemd-sysusers with
    Herald's sysusers.d file."""
    try:
        return pwd.getpwnam(DAEMON_USER)
    except KeyError:
        subprocess.run(['systemd-sysusers', os.path.join(SOURCE_ROOT, 'data', 'herald.sysusers.conf')],
                       check=True, capture_output=True, timeout=60)
        return pwd.getpwnam(DAEMON_USER)


class TestUsers:
    """Local users created for a test run (useradd --system, no home), and
    the groups they are in; all removed by remove()."""

    def __init__(self):
        self.users = []
        self.groups = []

    def group(self, name):
        subprocess.run(['groupdel', name], capture_output=True)
        subprocess.run(['groupadd', '--system', name], check=True, capture_output=True)
        self.groups.append(name)
        return name

    @staticmethod
    def delete(name):
        # A login's leftovers (Cockpit's bridge, a session bus) keep userdel
        # from removing the user.
        subprocess.run(['pkill', '-KILL', '-u', name], capture_output=True)
        subprocess.run(['userdel', '--remove', name], capture_output=True)

    def add(self, name, groups=(), home=False):
        """A user NAME in GROUPS; with HOME a login user with a home
        directory and a shell (Cockpit logs in as it)."""
        self.delete(name)
        if home:
            argv = ['useradd', '--create-home', '--shell', '/bin/bash', '--user-group']
        else:
            argv = ['useradd', '--system', '--no-create-home', '--home-dir', '/nonexistent',
                    '--shell', '/usr/sbin/nologin', '--user-group']
        if groups:
            argv += ['--groups', ','.join(groups)]
        subprocess.run(argv + [name], check=True, capture_output=True)
        self.users.append(name)
        return pwd.getpwnam(name)

    def remove(self):
        for name in self.users:
            self.delete(name)
        for name in self.groups:
            subprocess.run(['groupdel', name], capture_output=True)
