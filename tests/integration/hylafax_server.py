#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# hylafax_server.py: a private HylaFAX server for the fax tests (issue 7).
#
# A faxsetup-style minimal spool in a temporary directory: Debian's spool
# tree (/var/spool/hylafax: bin/, config/, sendq/, doneq/, docq/, tmp/,
# status/, log/, ...) and configuration (/etc/hylafax) copied into it, a
# FIFO, and an etc/hosts.hfaxd with one user that needs a password (crypt
# MD5 from openssl) and one without (for faxstat). faxq (-D) and hfaxd
# (-d -l 127.0.0.1 -i PORT) are started by hand with -q SPOOL. No modem is
# configured, so submitted jobs wait in sendq for one: exactly what the tests
# need to see them listed and to cancel them.
#
# Needs root (hfaxd and faxq switch to the uucp user of the spool) and
# Debian's hylafax-server and hylafax-client (faxstat).

import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netutil  # noqa: E402

FAXQ = shutil.which('faxq') or '/usr/sbin/faxq'
HFAXD = shutil.which('hfaxd') or '/usr/sbin/hfaxd'
FAXSTAT = shutil.which('faxstat') or '/usr/bin/faxstat'
SPOOL_TEMPLATE = '/var/spool/hylafax'
CONFIG_TEMPLATE = '/etc/hylafax'
FAX_USER = 'uucp'


def missing():
    """Why the server cannot run here, or None."""
    for path in (FAXQ, HFAXD, FAXSTAT):
        if not os.path.exists(path):
            return f'{path} is missing (Debian: hylafax-server, hylafax-client)'
    if not os.path.isdir(SPOOL_TEMPLATE) or not os.path.isdir(CONFIG_TEMPLATE):
        return 'no HylaFAX spool template (hylafax-server not installed)'
    if os.geteuid() != 0:
        return 'HylaFAX needs root (faxq and hfaxd switch to the spool user)'
    if not shutil.which('openssl'):
        return 'openssl (for the password hash) is missing'
    return None


def crypt_md5(password):
    out = subprocess.run(['openssl', 'passwd', '-1', password], check=True,
                         capture_output=True, text=True, timeout=30)
    return out.stdout.strip()


class HylafaxServer:
    def __init__(self, user='herald', password='fax-secret', stat_user='faxstat'):
        self.user = user
        self.password = password
        self.stat_user = stat_user
        self.port = None
        self.faxq = None
        self.hfaxd = None
        self.dir = tempfile.mkdtemp(prefix='herald-hylafax-')
        os.chmod(self.dir, 0o755)
        self.spool = os.path.join(self.dir, 'spool')
        self.home = os.path.join(self.dir, 'home')

    def _make_spool(self):
        shutil.copytree(SPOOL_TEMPLATE, self.spool, symlinks=True)
        etc = os.path.join(self.spool, 'etc')
        shutil.rmtree(etc, ignore_errors=True)
        shutil.copytree(CONFIG_TEMPLATE, etc, symlinks=True)
        fifo = os.path.join(self.spool, 'FIFO')
        if not os.path.exists(fifo):
            os.mkfifo(fifo, 0o600)
        pw = pwd.getpwnam(FAX_USER)
        hosts = os.path.join(etc, 'hosts.hfaxd')
        with open(hosts, 'w') as f:
            f.write(f'^{self.user}@:1002:{crypt_md5(self.password)}:\n')
            f.write(f'^{self.stat_user}@:1003::\n')
        for root, dirs, files in os.walk(self.spool):
            for name in dirs + files:
                os.lchown(os.path.join(root, name), pw.pw_uid, pw.pw_gid)
        os.chown(self.spool, pw.pw_uid, pw.pw_gid)
        os.chmod(hosts, 0o600)
        os.chmod(fifo, 0o600)
        # faxstat's own configuration: one line per job, fields we check
        os.makedirs(self.home)
        with open(os.path.join(self.home, '.hylarc'), 'w') as f:
            f.write('JobFmt: "%j|%e|%a"\n')

    def start(self):
        self._make_spool()
        self._log = open(os.path.join(self.dir, 'daemons.log'), 'wb')
        self.faxq = subprocess.Popen([FAXQ, '-q', self.spool, '-D'], stdout=self._log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        last = None
        for _attempt in range(5):
            self.port = netutil.free_port()
            self.hfaxd = subprocess.Popen(
                [HFAXD, '-q', self.spool, '-d', '-l', netutil.LOOPBACK, '-i', str(self.port)],
                stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
            try:
                netutil.wait_listening_quietly(self.port, timeout=10, process=self.hfaxd)
                return self
            except RuntimeError as error:
                last = error
                self._stop(self.hfaxd)
        self.stop()
        raise RuntimeError(f'hfaxd did not start: {last}')

    @staticmethod
    def _stop(process):
        if process is not None and process.poll() is None:
            # hfaxd forks a child per client: end the whole session group
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            netutil.wait_process(process, 10)

    def stop(self):
        self._stop(self.hfaxd)
        self._stop(self.faxq)
        self.hfaxd = self.faxq = None
        if getattr(self, '_log', None):
            self._log.close()
            self._log = None

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        self.cleanup()
        return False

    # --- observations ---------------------------------------------------------

    def faxstat_jobs(self):
        """faxstat -s against this server: {job id: (number, state letter)}."""
        env = dict(os.environ, HOME=self.home, FAXUSER=self.stat_user)
        env.pop('LD_PRELOAD', None)
        out = subprocess.run([FAXSTAT, '-s', '-h', f'{netutil.LOOPBACK}:{self.port}'],
                             env=env, capture_output=True, text=True, timeout=30,
                             stdin=subprocess.DEVNULL)
        if out.returncode != 0:
            raise RuntimeError(f'faxstat failed ({out.returncode}): {out.stderr}')
        jobs = {}
        for line in out.stdout.splitlines():
            fields = line.split('|')
            if len(fields) == 3 and fields[0].strip().isdigit():
                jobs[fields[0].strip()] = (fields[1].strip(), fields[2].strip())
        return jobs

    def sendq_files(self):
        return sorted(f for f in os.listdir(os.path.join(self.spool, 'sendq'))
                      if f.startswith('q'))


def self_check():
    import socket
    reason = missing()
    if reason:
        print(f'skip: {reason}')
        return 0
    with HylafaxServer() as server:
        with socket.create_connection((netutil.LOOPBACK, server.port), timeout=10) as s:
            f = s.makefile('rwb')
            greeting = f.readline().decode()
            assert greeting.startswith('220 '), greeting
            f.write(f'USER {server.user}\r\n'.encode())
            f.flush()
            assert f.readline().startswith(b'331'), 'USER'
            f.write(b'PASS wrong\r\n')
            f.flush()
            reply = f.readline().decode()
            assert reply.startswith('530'), reply
        assert server.faxstat_jobs() == {}
        print(f'hylafax: ok (port {server.port}, wrong password: {reply.strip()})')
    return 0


if __name__ == '__main__':
    sys.exit(self_check())
