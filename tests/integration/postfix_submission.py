#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# postfix_submission.py: a private Postfix instance as a submission server.
#
# Everything lives under one temporary directory: config directory (main.cf,
# master.cf, sasl/smtpd.conf, sasldb2), queue directory, data directory and
# the log file. master.cf holds a single smtpd on 127.0.0.1:PORT (a free high
# port) plus the internal services that delivery needs; every message is
# handed to the discard(8) transport, which logs "status=sent (REASON)".
#
#   STARTTLS required (smtpd_tls_security_level=encrypt) with a certtool
#   certificate; AUTH only after TLS; Cyrus SASL with sasldb (auxprop):
#   PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256 (those the installed
#   plugins provide); relaying only for authenticated clients; bare LF in
#   DATA rejected (smtpd_forbid_bare_newline = reject, no exclusions).
#
# It must run as root (Postfix's master does); the daemons themselves run as
# the "postfix" user with chroot off. Needs the Debian packages postfix,
# sasl2-bin (saslpasswd2) and libsasl2-modules.
#
#   With client_certs=[FINGERPRINT, ...] (issue 19) it requires a TLS client
#   certificate from the test CA (smtpd_tls_req_ccert) and permits relaying
#   by certificate (permit_tls_clientcerts: relay_clientcerts lists the
#   SHA-256 fingerprints, "AB:CD:..."); SASL then plays no part.
#
#   with PostfixSubmission(certset, users={'alice': 'secret'}) as pf:
#       pf.port, pf.log_text(), pf.wait_delivered(recipient=..., message_id=...)
#
# Run as a script for a manual check: ./postfix_submission.py

import glob
import grp
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netutil  # noqa: E402

POSTFIX = shutil.which('postfix') or '/usr/sbin/postfix'
POSTCONF = shutil.which('postconf') or '/usr/sbin/postconf'
SASLPASSWD2 = shutil.which('saslpasswd2') or '/usr/sbin/saslpasswd2'

REALM = 'herald.test'
WANTED_MECHANISMS = ('PLAIN', 'LOGIN', 'CRAM-MD5', 'SCRAM-SHA-1', 'SCRAM-SHA-256')
# Cyrus SASL plugin file stems providing each mechanism
MECHANISM_PLUGINS = {'PLAIN': 'plain', 'LOGIN': 'login', 'CRAM-MD5': 'crammd5',
                     'SCRAM-SHA-1': 'scram', 'SCRAM-SHA-256': 'scram'}
SASL_PLUGIN_DIRS = ('/usr/lib/x86_64-linux-gnu/sasl2', '/usr/lib/aarch64-linux-gnu/sasl2',
                    '/usr/lib/sasl2', '/usr/lib64/sasl2')


def missing_requirements():
    """A reason this cannot run here, or None."""
    if os.geteuid() != 0:
        return 'the Postfix submission server must be started as root'
    for tool in (POSTFIX, POSTCONF, SASLPASSWD2):
        if not os.access(tool, os.X_OK):
            return f'{tool} is missing (packages postfix, sasl2-bin)'
    try:
        pwd.getpwnam('postfix')
        grp.getgrnam('postdrop')
    except KeyError:
        return 'no postfix user or postdrop group (package postfix)'
    return None


def available_mechanisms():
    """The wanted SASL mechanisms whose Cyrus plugins are installed."""
    plugins = set()
    for directory in SASL_PLUGIN_DIRS:
        for path in glob.glob(os.path.join(directory, 'lib*.so*')):
            plugins.add(os.path.basename(path)[3:].split('.')[0])
    return [m for m in WANTED_MECHANISMS if MECHANISM_PLUGINS[m] in plugins]


class PostfixSubmission:
    """A private Postfix submission server. Use as a context manager; it is
    stopped (and the master killed if need be) on exit, also on failure."""

    def __init__(self, certset, users=None, cert_kind='server', port=None,
                 message_size_limit=10240000, keep=False, client_certs=None):
        reason = missing_requirements()
        if reason:
            raise RuntimeError(reason)
        self.certset = certset
        self.cert_kind = cert_kind
        self.users = dict(users or {'alice': 'wonderland-42'})
        self.message_size_limit = message_size_limit
        self.client_certs = list(client_certs) if client_certs is not None else None
        self.requested_port = port
        self.port = None
        self.keep = keep
        self.mechanisms = available_mechanisms()
        self._tmp = tempfile.mkdtemp(prefix='herald-postfix-')
        os.chmod(self._tmp, 0o755)         # the postfix user must reach its queue
        self.dir = self._tmp
        self.config_dir = os.path.join(self.dir, 'config')
        self.queue_dir = os.path.join(self.dir, 'queue')
        self.data_dir = os.path.join(self.dir, 'data')
        self.sasl_dir = os.path.join(self.config_dir, 'sasl')
        self.sasldb = os.path.join(self.sasl_dir, 'sasldb2')
        self.log_path = os.path.join(self.dir, 'postfix.log')
        self.started = False

    # --- configuration -----------------------------------------------------

    def _write(self, path, text, mode=0o644):
        with open(path, 'w') as f:
            f.write(text)
        os.chmod(path, mode)

    def _configure(self):
        for d in (self.config_dir, self.queue_dir, self.sasl_dir):
            os.makedirs(d, mode=0o755, exist_ok=True)
        os.makedirs(self.data_dir, mode=0o700, exist_ok=True)
        postfix_user = pwd.getpwnam('postfix')
        os.chown(self.data_dir, postfix_user.pw_uid, postfix_user.pw_gid)

        cert = self.certset.cert(self.cert_kind)
        key = self.certset.key(self.cert_kind)
        main_cf = f"""\
# generated by tests/integration/postfix_submission.py
compatibility_level = 3.6
config_directory = {self.config_dir}
queue_directory = {self.queue_dir}
data_directory = {self.data_dir}
mail_owner = postfix
setgid_group = postdrop
syslog_name = postfix-herald-test
maillog_file = {self.log_path}
maillog_file_prefixes = {self.dir}

myhostname = submission.{REALM}
mydomain = {REALM}
myorigin = $myhostname
mydestination =
relay_domains =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
biff = no
notify_classes =
delay_warning_time = 0
smtputf8_enable = yes
message_size_limit = {self.message_size_limit}

# every message ends in the discard transport, which logs status=sent
default_transport = discard:herald test sink
relay_transport = discard:herald test sink
local_transport = discard:herald test sink
virtual_transport = discard:herald test sink

smtpd_banner = $myhostname ESMTP Herald test Postfix
smtpd_tls_security_level = encrypt
smtpd_tls_auth_only = yes
smtpd_tls_cert_file = {cert}
smtpd_tls_key_file = {key}
smtpd_tls_protocols = >=TLSv1.2
smtpd_tls_mandatory_protocols = >=TLSv1.2
smtpd_tls_loglevel = 1
smtpd_tls_received_header = yes
smtpd_tls_session_cache_database =

smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
cyrus_sasl_config_path = {self.sasl_dir}
smtpd_sasl_local_domain = {REALM}
smtpd_sasl_security_options = noanonymous
smtpd_sasl_tls_security_options = noanonymous
smtpd_sasl_authenticated_header = yes

smtpd_client_restrictions =
smtpd_helo_restrictions =
smtpd_sender_restrictions =
{self._restrictions()}
smtpd_forbid_bare_newline = reject
smtpd_forbid_bare_newline_exclusions =
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 100
smtpd_hard_error_limit = 100
smtpd_junk_command_limit = 1000
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
default_process_limit = 20
"""
        master_cf = f"""\
# generated by tests/integration/postfix_submission.py
# service   type  private unpriv chroot wakeup maxproc command
{netutil.LOOPBACK}:{self.port} inet n - n - - smtpd
pickup     unix  n - n 60 1 pickup
cleanup    unix  n - n - 0 cleanup
qmgr       unix  n - n 300 1 qmgr
tlsmgr     unix  - - n 1000? 1 tlsmgr
rewrite    unix  - - n - - trivial-rewrite
bounce     unix  - - n - 0 bounce
defer      unix  - - n - 0 bounce
trace      unix  - - n - 0 bounce
verify     unix  - - n - 1 verify
flush      unix  n - n 1000? 0 flush
proxymap   unix  - - n - - proxymap
showq      unix  n - n - - showq
error      unix  - - n - - error
retry      unix  - - n - - error
discard    unix  - - n - - discard
anvil      unix  - - n - 1 anvil
scache     unix  - - n - 1 scache
postlog    unix-dgram n - n - 1 postlogd
"""
        self._write(os.path.join(self.config_dir, 'main.cf'), main_cf)
        self._write(os.path.join(self.config_dir, 'master.cf'), master_cf)
        self._write(os.path.join(self.sasl_dir, 'smtpd.conf'),
                    'pwcheck_method: auxprop\n'
                    'auxprop_plugin: sasldb\n'
                    f'sasldb_path: {self.sasldb}\n'
                    f'mech_list: {" ".join(self.mechanisms)}\n'
                    'log_level: 3\n')
        for user, password in self.users.items():
            self.set_password(user, password)

    def _restrictions(self):
        if self.client_certs is None:
            return ('smtpd_relay_restrictions = permit_sasl_authenticated, reject\n'
                    'smtpd_recipient_restrictions = permit_sasl_authenticated, reject')
        table = ', '.join(f'{fingerprint}=ok' for fingerprint in self.client_certs)
        return ('smtpd_tls_ask_ccert = yes\n'
                'smtpd_tls_req_ccert = yes\n'
                f'smtpd_tls_CAfile = {self.certset.ca_file}\n'
                'smtpd_tls_fingerprint_digest = sha256\n'
                f'relay_clientcerts = inline:{{ {table} }}\n'
                'smtpd_relay_restrictions = permit_tls_clientcerts, reject\n'
                'smtpd_recipient_restrictions = permit_tls_clientcerts, reject')

    def set_password(self, user, password):
        """Creates or changes a SASL user (realm herald.test)."""
        result = subprocess.run([SASLPASSWD2, '-f', self.sasldb, '-c', '-p', '-u', REALM, user],
                                input=password + '\n', capture_output=True, text=True,
                                timeout=30)
        if result.returncode != 0:
            raise RuntimeError(f'saslpasswd2 failed: {result.stderr.strip()}')
        # read by smtpd after it dropped its privileges
        postfix_user = pwd.getpwnam('postfix')
        os.chown(self.sasldb, 0, postfix_user.pw_gid)
        os.chmod(self.sasldb, 0o640)
        self.users[user] = password

    # --- running -----------------------------------------------------------

    def _postfix(self, *args, timeout=60):
        env = dict(os.environ, MAIL_CONFIG=self.config_dir)
        env.pop('MAIL_DEBUG', None)
        return subprocess.run([POSTFIX, '-c', self.config_dir] + list(args),
                              capture_output=True, text=True, env=env, timeout=timeout)

    def start(self):
        last_error = None
        for _attempt in range(5):           # a chosen port may be taken meanwhile
            self.port = self.requested_port or netutil.free_port()
            self._configure()
            result = self._postfix('start')
            if result.returncode != 0:
                last_error = f'postfix start failed ({result.returncode}): ' \
                             f'{result.stdout}{result.stderr}{self.log_text()}'
                self._postfix('abort')
                if self.requested_port:
                    break
                continue
            self.started = True
            try:
                self._wait_listening()
                return self
            except RuntimeError as error:
                last_error = f'{error}\n{self.log_text()}'
                self.stop()
                if self.requested_port:
                    break
        self.cleanup()
        raise RuntimeError(last_error)

    def _wait_listening(self):
        deadline = time.monotonic() + 20
        while not netutil.is_listening(self.port):
            log = self.log_text()
            if 'fatal:' in log:
                raise RuntimeError(f'Postfix failed on 127.0.0.1:{self.port}')
            if time.monotonic() > deadline:
                raise RuntimeError(f'Postfix does not listen on 127.0.0.1:{self.port}')
            time.sleep(0.05)

    def master_pid(self):
        try:
            with open(os.path.join(self.queue_dir, 'pid', 'master.pid')) as f:
                pid = int(f.read().split()[0])
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError, IndexError):
            return None

    def stop(self):
        """Stops the instance; bounded: abort, then SIGKILL to the master's
        process group if it is still there after 20 s."""
        if not self.started:
            return
        pid = self.master_pid()
        try:
            self._postfix('stop', timeout=30)
        except subprocess.TimeoutExpired:
            pass
        deadline = time.monotonic() + 20
        while pid is not None and self._alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if pid is not None and self._alive(pid):
            try:
                self._postfix('abort', timeout=30)
            except subprocess.TimeoutExpired:
                pass
            time.sleep(0.5)
            if self._alive(pid):
                try:
                    os.killpg(pid, 9)       # master is its process group leader
                except OSError:
                    pass
        self.started = False

    @staticmethod
    def _alive(pid):
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        try:
            with open(f'/proc/{pid}/stat') as f:
                return f.read().split(')')[-1].split()[0] != 'Z'
        except OSError:
            return False

    def cleanup(self):
        if not self.keep and self._tmp and os.path.isdir(self._tmp):
            shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        self.cleanup()
        return False

    # --- observations ------------------------------------------------------

    def log_text(self):
        try:
            with open(self.log_path, errors='replace') as f:
                return f.read()
        except OSError:
            return ''

    def deliveries(self):
        """One dict per delivered (discarded) recipient: queue-id, to,
        status, message-id, sasl-method, sasl-username, size, tls."""
        text = self.log_text()
        by_queue = {}

        def entry(qid):
            return by_queue.setdefault(qid, {'queue-id': qid})

        for line in text.splitlines():
            m = re.search(r': ([0-9A-F]{6,}): client=[^,]*(.*)$', line)
            if m:
                e = entry(m.group(1))
                sm = re.search(r'sasl_method=([^,\s]+)', m.group(2))
                su = re.search(r'sasl_username=([^,\s]+)', m.group(2))
                e['sasl-method'] = sm.group(1) if sm else None
                e['sasl-username'] = su.group(1) if su else None
                continue
            m = re.search(r': ([0-9A-F]{6,}): message-id=<?([^>\s]*)>?', line)
            if m:
                entry(m.group(1))['message-id'] = m.group(2)
                continue
            m = re.search(r': ([0-9A-F]{6,}): from=<([^>]*)>, size=(\d+)', line)
            if m:
                entry(m.group(1)).update({'from': m.group(2), 'size': int(m.group(3))})
        result = []
        for line in text.splitlines():
            m = re.search(r'/discard\[\d+\]: ([0-9A-F]{6,}): to=<([^>]*)>.*status=(\w+)', line)
            if m:
                d = dict(by_queue.get(m.group(1), {'queue-id': m.group(1)}))
                d.update({'to': m.group(2), 'status': m.group(3)})
                result.append(d)
        return result

    def wait_delivered(self, recipient=None, message_id=None, timeout=20):
        """Waits for a "status=sent" line of the discard transport matching
        RECIPIENT and/or MESSAGE_ID (without <>), and returns its dict."""
        def find():
            for d in self.deliveries():
                if d['status'] != 'sent':
                    continue
                if recipient and d['to'].lower() != recipient.lower():
                    continue
                if message_id and d.get('message-id') != message_id.strip('<>'):
                    continue
                return d
            return None
        try:
            return netutil.wait_for(find, timeout=timeout, interval=0.1,
                                    message=f'Postfix delivery to {recipient} {message_id}')
        except AssertionError as error:
            raise AssertionError(f'{error}\n--- postfix log ---\n{self.log_text()}') from None

    def auth_failures(self):
        return [line for line in self.log_text().splitlines()
                if 'authentication failed' in line]


# --- manual check with smtplib --------------------------------------------

def self_check():
    import smtplib
    import ssl
    import certs

    with certs.CertSet() as cs, PostfixSubmission(cs) as pf:
        print(f'Postfix submission on 127.0.0.1:{pf.port}, mechanisms {pf.mechanisms}')
        context = ssl.create_default_context(cafile=cs.ca_file)
        user, password = next(iter(pf.users.items()))

        with smtplib.SMTP('127.0.0.1', pf.port, timeout=10) as s:
            s.ehlo('check.herald.test')
            assert s.has_extn('starttls'), 'STARTTLS not offered'
            assert not s.has_extn('auth'), 'AUTH offered before TLS'
            code, text = s.mail('x@herald.test')
            print('MAIL before TLS:', code, text.decode())
            assert code == 530, (code, text)

        for mech in pf.mechanisms:
            with smtplib.SMTP('localhost', pf.port, timeout=10) as s:
                s.starttls(context=context)
                s.ehlo('check.herald.test')
                offered = s.esmtp_features.get('auth', '').split()
                assert mech in offered, (mech, offered)
                if mech.startswith('SCRAM'):
                    code, text = netutil.scram_client(s, mech, user, password)
                else:
                    s.user, s.password = user, password
                    code, text = s.auth(mech, getattr(s, 'auth_' + mech.lower().replace('-', '_')))
                print(f'AUTH {mech}:', code, text.decode() if isinstance(text, bytes) else text)
                assert code == 235, (mech, code, text)
                msgid = f'<check-{mech.lower()}@herald.test>'
                s.sendmail('sender@herald.test', [f'{mech.lower()}@example.org'],
                           f'Message-ID: {msgid}\r\nSubject: {mech}\r\n\r\nbody\r\n')
            d = pf.wait_delivered(recipient=f'{mech.lower()}@example.org',
                                  message_id=msgid.strip('<>'))
            print('  delivered:', d)
            assert d.get('sasl-method') == mech, d

        with smtplib.SMTP('localhost', pf.port, timeout=10) as s:
            s.starttls(context=context)
            s.ehlo('check.herald.test')
            try:
                s.login(user, 'wrong-password')
                raise AssertionError('wrong password accepted')
            except smtplib.SMTPAuthenticationError as error:
                print('wrong password:', error.smtp_code, error.smtp_error.decode())
                assert error.smtp_code == 535
            code, text = s.docmd('MAIL FROM:<x@herald.test>')
            code, text = s.docmd('RCPT TO:<y@example.org>')
            print('RCPT unauthenticated:', code, text.decode())
            assert code == 554 or code // 100 == 5, (code, text)

        # bare LF in DATA is refused by this server
        with smtplib.SMTP('localhost', pf.port, timeout=10) as s:
            s.starttls(context=context)
            s.ehlo('check.herald.test')
            s.login(user, password)
            s.mail('sender@herald.test')
            s.rcpt('bare@example.org')
            code, _ = s.docmd('DATA')
            assert code == 354
            s.send(b'Subject: bare\r\n\r\nline one\nline two\r\n.\r\n')
            code, text = s.getreply()
            print('bare LF in DATA:', code, text.decode())
            assert code // 100 == 5, (code, text)
        print('Postfix submission server: OK')


if __name__ == '__main__':
    self_check()
