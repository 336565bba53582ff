#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# sink.py: Postfix's smtp-sink as a test peer, on 127.0.0.1 and a free port.
#
#   with SmtpSink(dump=True, soft_reject=['RCPT']) as sink:
#       sink.port
#       sink.sessions()          sessions seen (connects), from -v
#       sink.max_concurrent()    most sessions open at once
#       sink.commands()          [(session index, 'MAIL FROM:<...>'), ...]
#       sink.count('.')          e.g. messages whose end-of-data was received
#       sink.messages()          the -d dumps, parsed (see Dump)
#
# Fault options (man smtp-sink), each a list of command names such as
# CONNECT, EHLO, MAIL, RCPT, DATA, '.', RSET, QUIT:
#   soft_reject  -r   4xx reply (text from soft_reply, -b)
#   hard_reject  -f   5xx reply (text from hard_reply, -B)
#   disconnect   -q   disconnect without replying
#   reply_421    -Q   "421" and disconnect
# delays: wait={'CONNECT': 1} (-W command:delay), data_delay (-w).
# No TLS: smtp-sink speaks plain SMTP only (profiles use security=none).

import glob
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netutil  # noqa: E402

SMTP_SINK = shutil.which('smtp-sink') or '/usr/sbin/smtp-sink'
SMTP_SOURCE = shutil.which('smtp-source') or '/usr/sbin/smtp-source'
SOFT_REPLY = '451 4.7.1 Herald sink soft failure'
HARD_REPLY = '554 5.7.1 Herald sink hard failure'


class Dump:
    """One message captured with -d. smtp-sink writes lines ending in LF
    (the CR of each CRLF is gone, and so are bare CRs) and has already
    removed the dot-stuffing."""

    def __init__(self, path):
        self.path = path
        with open(path, 'rb') as f:
            raw = f.read()
        self.raw = raw
        self.helo = None
        self.mail_args = None
        self.rcpt_args = []
        self.client_addr = None
        lines = raw.split(b'\n')
        i = 0
        while i < len(lines):
            line = lines[i]
            text = line.decode('utf-8', 'replace')
            if text.startswith('X-Client-Addr: '):
                self.client_addr = text[15:]
            elif text.startswith('X-Helo-Args: '):
                self.helo = text[13:]
            elif text.startswith('X-Mail-Args: '):
                self.mail_args = text[13:]
            elif text.startswith('X-Rcpt-Args: '):
                self.rcpt_args.append(text[13:])
            elif text.startswith('Received: from '):
                # three-line Received: header ends the sink's own headers
                i += 1
                while i < len(lines) and lines[i][:1] in (b'\t', b' '):
                    i += 1
                break
            i += 1
        body = b'\n'.join(lines[i:])
        # the dump ends with "An empty line" after the message
        if body.endswith(b'\n\n'):
            body = body[:-1]
        elif body.endswith(b'\n'):
            pass
        self.message = body          # LF line ends, un-dot-stuffed

    @property
    def mail_from(self):
        m = re.match(r'<([^>]*)>', self.mail_args or '')
        return m.group(1) if m else None

    @property
    def recipients(self):
        out = []
        for arg in self.rcpt_args:
            m = re.match(r'<([^>]*)>', arg)
            if m:
                out.append(m.group(1))
        return out


class SmtpSink:
    def __init__(self, dump=False, soft_reject=(), hard_reject=(), disconnect=(),
                 reply_421=(), soft_reply=SOFT_REPLY, hard_reply=HARD_REPLY, wait=None,
                 data_delay=None, no_pipelining=False, hostname='sink.herald.test',
                 command_timeout=100, backlog=128, extra_args=()):
        self.port = None
        self.process = None
        self._tmp = tempfile.mkdtemp(prefix='herald-sink-')
        os.chmod(self._tmp, 0o755)
        self.dir = self._tmp
        self.dump_dir = os.path.join(self.dir, 'dump') if dump else None
        self.stdout_path = os.path.join(self.dir, 'stdout')
        self.stderr_path = os.path.join(self.dir, 'stderr')
        args = ['-c', '-v', '-h', hostname, '-t', str(command_timeout)]
        if os.geteuid() == 0:
            # smtp-sink refuses to run as root without -u
            self.user = 'postfix' if _user_exists('postfix') else 'nobody'
            args += ['-u', self.user]
        else:
            self.user = None
        if dump:
            os.makedirs(self.dump_dir, mode=0o755)
            if self.user:
                pw = pwd.getpwnam(self.user)
                os.chown(self.dump_dir, pw.pw_uid, pw.pw_gid)
            args += ['-d', os.path.join(self.dump_dir, '%Y%m%d%H%M%S.')]
        for option, commands in (('-r', soft_reject), ('-f', hard_reject),
                                 ('-q', disconnect), ('-Q', reply_421)):
            if commands:
                args += [option, ','.join(commands)]
        if soft_reject:
            args += ['-b', soft_reply]
        if hard_reject:
            args += ['-B', hard_reply]
        for command, delay in (wait or {}).items():
            args += ['-W', f'{command}:{delay}']
        if data_delay is not None:
            args += ['-w', str(data_delay)]
        if no_pipelining:
            args += ['-p']
        self.args = args + list(extra_args)
        self.soft_reply = soft_reply
        self.hard_reply = hard_reply

    def start(self):
        last = None
        for _attempt in range(5):        # the port may be taken between choice and bind
            self.port = netutil.free_port()
            self._out = open(self.stdout_path, 'wb')
            self._err = open(self.stderr_path, 'wb')
            self.process = subprocess.Popen(
                [SMTP_SINK] + self.args + [f'inet:{netutil.LOOPBACK}:{self.port}', '128'],
                stdout=self._out, stderr=self._err, stdin=subprocess.DEVNULL,
                start_new_session=True)
            try:
                # no probe connection: it would be a session of its own
                netutil.wait_listening_quietly(self.port, timeout=10, process=self.process)
                return self
            except RuntimeError as error:
                last = f'{error}: {self.stderr_text()}'
                self.stop()
        self.cleanup()
        raise RuntimeError(f'smtp-sink did not start: {last}')

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            netutil.wait_process(self.process, 10)
        for f in ('_out', '_err'):
            if getattr(self, f, None):
                getattr(self, f).close()
                setattr(self, f, None)

    def cleanup(self):
        if self._tmp and os.path.isdir(self._tmp):
            shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        self.cleanup()
        return False

    # --- observations ---------------------------------------------------------

    def stderr_text(self):
        try:
            with open(self.stderr_path, 'rb') as f:
                return f.read().decode('utf-8', 'replace')
        except OSError:
            return ''

    def _events(self):
        """[('connect'|'disconnect'|'command', text)] from the -v log. (With
        a CONNECT fault smtp-sink logs no "disconnect".)"""
        events = []
        for line in self.stderr_text().splitlines():
            m = re.match(r'^\S*smtp-sink: (.*)$', line)
            if not m:
                continue
            text = m.group(1)
            if text.startswith('connect ('):
                events.append(('connect', text))
            elif text == 'disconnect':
                events.append(('disconnect', text))
            elif re.match(r'^(\.|[A-Za-z]{4}\b)', text) and not text.startswith(
                    ('name_mask', 'trying', 'vstream', 'fd=', 'smtp_stream', 'warning', 'fatal')):
                events.append(('command', text))
        return events

    def sessions(self):
        return sum(1 for kind, _ in self._events() if kind == 'connect')

    def max_concurrent(self):
        depth = best = 0
        for kind, _ in self._events():
            if kind == 'connect':
                depth += 1
                best = max(best, depth)
            elif kind == 'disconnect':
                depth -= 1
        return best

    def open_sessions(self):
        depth = 0
        for kind, _ in self._events():
            depth += {'connect': 1, 'disconnect': -1}.get(kind, 0)
        return depth

    def commands(self):
        """[(session number from 1, command line as smtp-sink logged it)]"""
        out = []
        session = 0
        for kind, text in self._events():
            if kind == 'connect':
                session += 1
            elif kind == 'command':
                out.append((session, text))
        return out

    def count(self, verb):
        """How many commands start with VERB (case-insensitive; '.' for
        end-of-data)."""
        verb = verb.upper()
        n = 0
        for _, text in self.commands():
            head = text.split(' ', 1)[0].split(':', 1)[0].upper()
            if head == verb:
                n += 1
        return n

    def counters(self):
        """The last -c line: {'sess': n, 'quit': n, 'mesg': n}."""
        try:
            with open(self.stdout_path, 'rb') as f:
                text = f.read().decode('ascii', 'replace')
        except OSError:
            return {}
        last = [part for part in re.split(r'[\r\n]+', text) if 'sess=' in part]
        if not last:
            return {}
        return {k: int(v) for k, v in re.findall(r'(\w+)=(\d+)', last[-1])}

    def messages(self):
        if not self.dump_dir:
            raise RuntimeError('started without dump=True')
        paths = sorted(glob.glob(os.path.join(self.dump_dir, '**', '*'), recursive=True),
                       key=lambda p: (os.path.getmtime(p), p))
        return [Dump(p) for p in paths if os.path.isfile(p)]

    def wait_messages(self, n, timeout=20):
        """Waits until N end-of-data commands were received (and, with
        dumps, N dump files are complete), returns the dumps or the count."""
        netutil.wait_for(lambda: self.count('.') >= n, timeout=timeout,
                         message=f'smtp-sink receiving {n} messages (has {self.count(".")})')
        if self.dump_dir:
            netutil.wait_for(lambda: len(self.messages()) >= n, timeout=timeout,
                             message=f'{n} dump files')
            time.sleep(0.1)   # the dump is flushed when the session ends the transaction
            return self.messages()
        return self.count('.')


def _user_exists(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def self_check():
    """smtp-source against the sink: counts, faults and dumps."""
    with SmtpSink(dump=True) as sink:
        result = subprocess.run([SMTP_SOURCE, '-s', '1', '-m', '20', '-d', '-c',
                                 '-f', 'from@herald.test', '-t', 'to@herald.test',
                                 f'{netutil.LOOPBACK}:{sink.port}'],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        dumps = sink.wait_messages(20)
        print(f'smtp-source -s 1 -m 20 -d: sessions={sink.sessions()} messages={sink.count(".")} '
              f'dumps={len(dumps)} max concurrent={sink.max_concurrent()} counters={sink.counters()}')
        assert sink.sessions() == 1 and sink.count('.') == 20 and len(dumps) == 20
        assert sink.counters().get('mesg') == 20, sink.counters()
        assert dumps[0].mail_from == 'from@herald.test', dumps[0].mail_args
        assert dumps[0].recipients == ['to@herald.test']

    import smtplib
    import socket

    # 4xx, 5xx and disconnect fault options
    with SmtpSink(soft_reject=['RCPT']) as sink, smtplib.SMTP('127.0.0.1', sink.port) as s:
        s.ehlo('check')
        s.mail('a@herald.test')
        code, text = s.rcpt('b@herald.test')
        print('soft_reject RCPT:', code, text.decode())
        assert (code, text.decode()) == (451, SOFT_REPLY[4:])
    with SmtpSink(hard_reject=['MAIL']) as sink, smtplib.SMTP('127.0.0.1', sink.port) as s:
        s.ehlo('check')
        code, text = s.mail('a@herald.test')
        print('hard_reject MAIL:', code, text.decode())
        assert (code, text.decode()) == (554, HARD_REPLY[4:])
    with SmtpSink(disconnect=['CONNECT']) as sink:
        try:
            smtplib.SMTP('127.0.0.1', sink.port, timeout=10)
            raise AssertionError('no disconnect at connect')
        except smtplib.SMTPServerDisconnected:
            print('disconnect CONNECT: disconnected, sessions', sink.sessions())
        assert sink.sessions() == 1, sink.sessions()
    with SmtpSink(disconnect=['MAIL']) as sink:
        s = smtplib.SMTP('127.0.0.1', sink.port)
        s.ehlo('check')
        try:
            s.mail('a@herald.test')
            raise AssertionError('no disconnect')
        except smtplib.SMTPServerDisconnected:
            print('disconnect MAIL: disconnected')
        s.close()
    with SmtpSink(reply_421=['DATA']) as sink, smtplib.SMTP('127.0.0.1', sink.port) as s:
        s.ehlo('check')
        s.mail('a@herald.test')
        s.rcpt('b@herald.test')
        code, text = s.docmd('DATA')
        print('reply_421 DATA:', code, text.decode())
        assert code == 421

    # what the dump keeps of bare LF / bare CR / dot-stuffing
    with SmtpSink(dump=True) as sink:
        with socket.create_connection(('127.0.0.1', sink.port), timeout=10) as s:
            f = s.makefile('rb')

            def reply():
                line = f.readline()
                while line[3:4] == b'-':
                    line = f.readline()
                return line
            reply()
            for command in (b'EHLO check\r\n', b'MAIL FROM:<a@herald.test>\r\n',
                            b'RCPT TO:<b@herald.test>\r\n', b'DATA\r\n'):
                s.sendall(command)
                reply()
            s.sendall(b'Subject: dump\r\n\r\nA\r\n..\r\n.B\r\n..C\r\nD\r\n.\r\n')
            assert reply().startswith(b'250'), 'message refused'
            s.sendall(b'QUIT\r\n')
            reply()
        dump = sink.wait_messages(1)[0]
        print('dump of A / .. / .B / ..C / D:', dump.message)
        assert dump.message == b'Subject: dump\n\nA\n.\nB\n.C\nD\n', dump.message
    print('smtp-sink: OK')


if __name__ == '__main__':
    self_check()
