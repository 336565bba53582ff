#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# scripted_servers.py: SMTP servers with scripted faults, recording what the
# client did, on 127.0.0.1 and a port the kernel picks. Run with
# /usr/bin/python3 (Debian's python3-aiosmtpd).
#
#   with ScriptedServer('no-starttls') as server:
#       ... point a profile at 127.0.0.1:server.port ...
#       session = server.wait_session()
#       assert not session.saw('AUTH', 'MAIL')
#
# Modes built on aiosmtpd (a real, independent SMTP implementation), with a
# recorder that sees every client line as it arrived on the wire (after TLS):
#   record            plain server; PIPELINING advertised; STARTTLS when given a
#                     certificate set; AUTH PLAIN/LOGIN for `users`.
#   no-starttls       STARTTLS not offered; AUTH PLAIN LOGIN offered in
#                     plaintext anyway (a trap).
#   tls-cert          STARTTLS (required) with certificate `cert_kind`:
#                     server, reissued, expired, wronghost, selfsigned, other.
#   no-pipelining     PIPELINING not advertised; every reply is delayed
#                     (reply_delay, default 0.15 s) and a reply that finds
#                     client bytes already waiting is recorded in
#                     session.pipelined.
#   reject-one-rcpt   550 for recipients whose local part starts with
#                     "reject" (or `reject`, a set of addresses).
#   xoauth2           STARTTLS, then AUTH XOAUTH2 / OAUTHBEARER only, accepting
#                     only tokens in `tokens`; otherwise 334 <JSON error> then
#                     535 after the client's empty response.
#   external          STARTTLS, then AUTH EXTERNAL only (RFC 4422 appendix A,
#                     issue 19): accepted when the client presented a
#                     certificate of the test CA and its authorisation
#                     identity is empty or the certificate's common name;
#                     535 otherwise. Asks for a client certificate
#                     (client_cert='optional' unless told otherwise).
# client_cert='optional' or 'required' makes any TLS of these ask for a
# client certificate issued by the test CA ('required': OpenSSL ends the
# handshake with an alert without one); session.tls['peer-cn'] is the
# common name of the certificate the client presented.
# replies={'auth': ..., 'mail': ..., 'data': ...} makes any of these answer a
# failed AUTH (PLAIN/LOGIN, or XOAUTH2 after its error challenge), MAIL, or
# the end of DATA with that reply instead (a provider's own words, such as
# '535 5.7.139 ...'; lines joined by CRLF make a multi-line reply).
# implicit_tls=True runs any of these as SMTPS (TLS from the first byte, the
# certificate `cert_kind`), e.g. record or tls-cert for the smtps transport.
# Modes on plain asyncio streams (byte-exact faults aiosmtpd cannot produce):
#   inject-after-starttls  "220 Ready to start TLS" and injected replies in one
#                     write; records whether TLS followed (session.tls) and
#                     whether the client acted on the injected replies
#                     (session.notes['acted-on-injection']).
#   plaintext-on-465  plaintext SMTP greeting where implicit TLS is expected;
#                     records the client's first bytes (notes['client-hello'])
#                     and any plaintext command.
#   huge-reply        a single reply line of huge_size bytes (1 MiB) at
#                     huge_at = 'greeting' or 'ehlo'.
#   endless-continuation  "250-..." lines forever at endless_at = 'ehlo' or
#                     'greeting', until the client leaves, the session's
#                     time limit or endless_max_bytes.
#   silent            accepts TCP and stops answering at silent_at =
#                     'connect' (no greeting), 'ehlo', 'mail' or 'data-end'
#                     (after the final "."); notes['silence-started'] and
#                     session.ended measure the client's timeout.
#   mitm              a man in the middle's view of STARTTLS: `starttls` =
#                     'offered' (and done, certificate `cert_kind`),
#                     'missing' (stripped from EHLO) or 'refused' (offered,
#                     then "454 4.7.0"); every mechanism of sasl_server.py
#                     offered before and after TLS, each run for real
#                     (auth_attempts, auth_responses); implicit_tls=True too.
#                     session.plaintext_client_bytes() is what the client
#                     sent before TLS.
#
# Every session is bounded by time_limit seconds (then the server closes it);
# the server thread is stopped, and every connection closed, by stop().

import asyncio
import base64
import json
import logging
import os
import ssl
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netutil  # noqa: E402
import sasl_server  # noqa: E402

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword, MISSING  # noqa: E402

logging.getLogger('mail.log').setLevel(logging.CRITICAL)

MODES = ('record', 'no-starttls', 'tls-cert', 'no-pipelining', 'reject-one-rcpt', 'xoauth2',
         'external', 'inject-after-starttls', 'plaintext-on-465', 'huge-reply', 'endless-continuation',
         'silent', 'mitm')
STARTTLS_CHOICES = ('offered', 'missing', 'refused')
AIOSMTPD_MODES = MODES[:7]

HOSTNAME = 'scripted.herald.test'
INJECTION = (b'250-injected.herald.test\r\n'
             b'250-AUTH PLAIN LOGIN XINJECTED\r\n'
             b'250 PIPELINING\r\n'
             b'235 2.7.0 injected authentication success\r\n')
REJECT_TEXT = '550 5.1.1 <{}>: Recipient address rejected: Herald test refuses this one'
XOAUTH2_FAILURE = '535 5.7.8 Username and Password not accepted (Herald test: bad token)'
XOAUTH2_ERROR_JSON = {'status': '401', 'schemes': 'Bearer', 'scope': 'https://mail.herald.test/'}


class Message:
    """One message as the server received it."""

    def __init__(self, mail_from, rcpt_to, raw_lines, content=None):
        self.mail_from = mail_from
        self.rcpt_to = list(rcpt_to)        # accepted recipients
        self.raw_lines = list(raw_lines)    # DATA lines as on the wire, without ".\r\n"
        if content is None:
            content = b''.join(line[1:] if line.startswith(b'.') else line
                               for line in self.raw_lines)
        self.content = content              # un-dot-stuffed, CRLF kept

    @property
    def raw(self):
        return b''.join(self.raw_lines)

    def wire_problems(self):
        """What is wrong with the DATA bytes on the wire: bare CR or LF,
        lines not ending in CRLF, over-long lines."""
        problems = []
        for number, line in enumerate(self.raw_lines, 1):
            if not line.endswith(b'\r\n'):
                problems.append(f'line {number} does not end in CRLF: {line[-20:]!r}')
            body = line[:-2] if line.endswith(b'\r\n') else line
            if b'\r' in body:
                problems.append(f'line {number} holds a bare CR: {line[:60]!r}')
            if b'\n' in body:
                problems.append(f'line {number} holds a bare LF: {line[:60]!r}')
            if len(line) > 1000:
                problems.append(f'line {number} is {len(line)} bytes long')
        return problems


class SessionRecord:
    """What one client connection did."""

    def __init__(self, number):
        self.number = number
        self.started = time.monotonic()
        self.ended = None
        self.closed_by = None               # 'client', 'server', 'time-limit'
        self.events = []                    # (monotonic time, 'C'|'S'|'T', bytes)
        self.commands = []                  # command lines (str), not DATA, not AUTH data
        self.auth_responses = []            # client lines answering 334 (secrets!)
        self.auth_attempts = []             # (mechanism, user, accepted)
        self.tokens = []                    # OAuth tokens presented
        self.messages = []
        self.tls = None                     # {'version', 'cipher'} after a handshake
        self.tls_command_index = None       # len(commands) when TLS started
        self.pipelined = []                 # (command, bytes already waiting) per reply
        self.notes = {}
        self.bytes_sent = 0
        self._raw_data = None

    # recording
    def client(self, data):
        self.events.append((time.monotonic(), 'C', bytes(data)))

    def server(self, data):
        self.bytes_sent += len(data)
        if len(data) > 4096:
            data = bytes(data[:4096]) + b'...(%d bytes)' % len(data)
        self.events.append((time.monotonic(), 'S', bytes(data)))

    def command(self, line):
        text = bytes(line).rstrip(b'\r\n').decode('utf-8', 'replace')
        self.commands.append(text)
        return text

    def start_tls(self, ssl_object):
        self.tls = {'version': ssl_object.version(), 'cipher': ssl_object.cipher()[0],
                    'peer-cn': peer_common_name(ssl_object)}
        self.tls_command_index = len(self.commands)
        self.events.append((time.monotonic(), 'T', self.tls['version'].encode()))

    def close(self, by):
        if self.ended is None:
            self.ended = time.monotonic()
            self.closed_by = by

    # queries
    def verbs(self, after_tls=False):
        commands = self.commands
        if after_tls:
            commands = commands[self.tls_command_index:] if self.tls_command_index is not None else []
        return [c.split(' ', 1)[0].split(':', 1)[0].upper() for c in commands if c.strip()]

    def saw(self, *verbs):
        """Whether any command starts with one of VERBS (e.g. 'AUTH', 'MAIL')."""
        wanted = {v.upper() for v in verbs}
        return any(v in wanted for v in self.verbs())

    def plaintext_client_bytes(self):
        """Every byte the client sent before TLS started (all of them on a
        session without TLS): what anyone on the path reads."""
        out = []
        for _, kind, data in self.events:
            if kind == 'T':
                break
            if kind == 'C':
                out.append(data)
        return b''.join(out)

    @property
    def duration(self):
        return (self.ended or time.monotonic()) - self.started

    def transcript(self):
        out = []
        for t, kind, data in self.events:
            out.append(f'{t - self.started:8.3f} {kind} {data[:200]!r}')
        return '\n'.join(out)


# --- aiosmtpd-based modes --------------------------------------------------

class _RecordingReader:
    """Wraps aiosmtpd's StreamReader: every line it consumes is recorded,
    classified as command, DATA line or AUTH response by how aiosmtpd reads
    it (readuntil() / readuntil(b'\\r\\n') / readline())."""

    def __init__(self, inner, smtp):
        object.__setattr__(self, '_inner', inner)
        object.__setattr__(self, '_smtp', smtp)

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def __setattr__(self, name, value):
        setattr(self._inner, name, value)

    async def readuntil(self, separator=b'\n'):
        line = await self._inner.readuntil(separator)
        self._smtp._line_in(line, data=separator == b'\r\n')
        return line

    async def readline(self):
        line = await self._inner.readline()
        self._smtp._line_in(line, auth=True)
        return line

    async def read(self, n=-1):
        data = await self._inner.read(n)
        self._smtp._fragment_in(data)
        return data


def peer_common_name(ssl_object):
    """The common name of the (verified) client certificate, or None."""
    peer = ssl_object.getpeercert() if ssl_object is not None else None
    for rdn in (peer or {}).get('subject', ()):
        for key, value in rdn:
            if key == 'commonName':
                return value
    return None


class _RecordingSMTP(SMTP):
    def __init__(self, handler, owner, **kwargs):
        super().__init__(handler, **kwargs)
        self.owner = owner
        self.rec = owner._new_session()
        self._last_command = None
        self._in_data = False

    # wire recording
    def _client_connected_cb(self, reader, writer):
        super()._client_connected_cb(_RecordingReader(reader, self), writer)

    def connection_made(self, transport):
        ssl_object = transport.get_extra_info('ssl_object')
        if ssl_object is not None and self.rec.tls is None and self.owner.implicit_tls:
            self.rec.start_tls(ssl_object)          # SMTPS: TLS from the first byte
        super().connection_made(transport)

    def _line_in(self, line, data=False, auth=False):
        self.rec.client(line)
        if data:
            if self.rec._raw_data is None:
                self.rec._raw_data = []
            if line == b'.\r\n':
                self.rec.notes.setdefault('raw-messages', []).append(self.rec._raw_data)
                self.rec._raw_data = None
                self._in_data = False
            else:
                self.rec._raw_data.append(bytes(line))
        elif auth:
            self.rec.auth_responses.append(bytes(line))
        else:
            self._last_command = self.rec.command(line)

    def _fragment_in(self, data):
        self.rec.client(data)
        if self._in_data and self.rec._raw_data is not None:
            self.rec._raw_data.append(bytes(data))

    async def push(self, status):
        line = status.encode('utf-8') if isinstance(status, str) else status
        if self.owner.reply_delay:
            await asyncio.sleep(self.owner.reply_delay)
        waiting = bytes(self._reader._buffer)
        if waiting and self._last_command is not None:
            self.rec.pipelined.append((self._last_command, waiting[:200]))
        if line.startswith(b'354'):
            self._in_data = True
            self.rec._raw_data = []
        self.rec.server(line + b'\r\n')
        await super().push(status)

    async def smtp_STARTTLS(self, arg):
        try:
            await super().smtp_STARTTLS(arg)
        except Exception as error:
            cause = error.__cause__ or error
            self.rec.notes['tls-error'] = f'{type(cause).__name__}: {cause}'
            raise

    def connection_lost(self, error):
        self.rec.close('client' if self.rec.closed_by is None else self.rec.closed_by)
        super().connection_lost(error)


class _Handler:
    def __init__(self, owner):
        self.owner = owner

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        responses = list(responses)
        if self.owner.advertise_pipelining:
            responses.insert(len(responses) - 1, '250-PIPELINING')
        responses.insert(len(responses) - 1, '250-ENHANCEDSTATUSCODES')
        return responses

    def handle_STARTTLS(self, server, session, envelope):   # called, not awaited
        ssl_object = session.ssl.get('ssl_object') if session.ssl else None
        if ssl_object is not None:
            server.rec.start_tls(ssl_object)
        return True

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if 'mail' in self.owner.replies:
            return self.owner.replies['mail']
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return '250 2.1.0 OK'

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.owner.rejects(address):
            return REJECT_TEXT.format(address)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return '250 2.1.5 OK'

    async def handle_DATA(self, server, session, envelope):
        raws = server.rec.notes.get('raw-messages') or [[]]
        message = Message(envelope.mail_from, envelope.rcpt_tos, raws[-1],
                          envelope.original_content)
        server.rec.messages.append(message)
        if 'data' in self.owner.replies:
            return self.owner.replies['data']
        return f'250 2.0.0 OK: queued as HERALD{server.rec.number}x{len(server.rec.messages)}'


class _Oauth2Handler(_Handler):
    """aiosmtpd offers every auth_* method of the handler: only this one has
    XOAUTH2 and OAUTHBEARER."""

    async def _bearer(self, server, args, mechanism):
        if len(args) > 1:
            try:
                blob = base64.b64decode(args[1], validate=True)
            except ValueError:
                await server.push('501 5.5.2 Cannot decode base64')
                return AuthResult(success=False, handled=True)
        else:
            blob = await server.challenge_auth('', encode_to_b64=False)
            if blob is MISSING:
                return AuthResult(success=False, handled=True)
        fields = {}
        for part in blob.split(b'\x01'):
            if b'=' in part:
                key, _, value = part.partition(b'=')
                fields[key.decode('ascii', 'replace')] = value.decode('utf-8', 'replace')
        user = fields.get('user')
        if mechanism == 'OAUTHBEARER':
            gs2 = blob.split(b'\x01', 1)[0].decode('utf-8', 'replace')
            for item in gs2.split(','):
                if item.startswith('a='):
                    user = item[2:]
        auth = fields.get('auth', '')
        token = auth[7:] if auth.lower().startswith('bearer ') else None
        server.rec.tokens.append(token)
        accepted = token is not None and token in self.owner.tokens
        server.rec.auth_attempts.append((mechanism, user, accepted))
        if accepted:
            return AuthResult(success=True, auth_data=user)
        # RFC 7628 / Google: an error challenge, the client's dummy answer, then 535
        answer = await server.challenge_auth(json.dumps(XOAUTH2_ERROR_JSON).encode())
        if answer is MISSING:
            return AuthResult(success=False, handled=True)
        return AuthResult(success=False, handled=False,
                          message=self.owner.replies.get('auth', XOAUTH2_FAILURE))

    async def auth_XOAUTH2(self, server, args):
        return await self._bearer(server, args, 'XOAUTH2')

    async def auth_OAUTHBEARER(self, server, args):
        return await self._bearer(server, args, 'OAUTHBEARER')


class _ExternalHandler(_Handler):
    """AUTH EXTERNAL only: the identity is the TLS client certificate."""

    async def auth_EXTERNAL(self, server, args):
        if len(args) > 1:
            initial = b'' if args[1] == '=' else None
            if initial is None:
                try:
                    initial = base64.b64decode(args[1], validate=True)
                except ValueError:
                    await server.push('501 5.5.2 Cannot decode base64')
                    return AuthResult(success=False, handled=True)
        else:
            initial = await server.challenge_auth('', encode_to_b64=False)
            if initial is MISSING:
                return AuthResult(success=False, handled=True)
        authzid = initial.decode('utf-8', 'replace')
        cn = (server.rec.tls or {}).get('peer-cn')
        accepted = cn is not None and authzid in ('', cn)
        server.rec.auth_attempts.append(('EXTERNAL', authzid or cn, accepted))
        if accepted:
            return AuthResult(success=True, auth_data=cn)
        if cn is None:
            return AuthResult(success=False, handled=False,
                              message='535 5.7.1 EXTERNAL needs a TLS client certificate (Herald test)')
        return AuthResult(success=False, handled=False,
                          message=f'535 5.7.1 {authzid} may not use the certificate of {cn} (Herald test)')


# --- a port that never completes a TCP handshake ------------------------------

class FullBacklogListener:
    """A socket on 127.0.0.1 that listens and never accepts, its backlog
    filled by connections of its own: a further SYN is dropped by the
    kernel, so a client's connect() hangs as towards a host that does not
    answer, without a packet leaving the loopback interface.

        with FullBacklogListener() as hole:
            ... connect to 127.0.0.1:hole.port: it times out ...
    """

    def __init__(self, max_fillers=16):
        self.max_fillers = max_fillers
        self.port = None
        self._listener = None
        self._fillers = []

    def start(self):
        import select
        import socket
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind((netutil.LOOPBACK, 0))
        self._listener.listen(0)
        self.port = self._listener.getsockname()[1]
        for _ in range(self.max_fillers):
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.setblocking(False)
            self._fillers.append(filler)
            try:
                filler.connect((netutil.LOOPBACK, self.port))
            except BlockingIOError:
                pass
            # a connection the kernel completed took a backlog slot; the first
            # one left hanging shows the backlog is full
            _, writable, _ = select.select([], [filler], [], 0.5)
            if not writable:
                return self
        self.stop()
        raise RuntimeError(f'the backlog of 127.0.0.1:{self.port} did not fill '
                           f'with {self.max_fillers} connections')

    def stop(self):
        for filler in self._fillers:
            filler.close()
        self._fillers = []
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


# --- the server --------------------------------------------------------------

class ScriptedServer:
    def __init__(self, mode, certset=None, cert_kind='server', users=None, tokens=(),
                 reject=None, time_limit=60.0, reply_delay=None, silent_at='connect',
                 huge_at='greeting', huge_size=1 << 20, endless_at='ehlo',
                 endless_max_bytes=256 << 20, require_starttls=None, implicit_tls=False,
                 starttls='offered', replies=None, client_cert=None):
        if mode not in MODES:
            raise ValueError(f'unknown mode {mode!r}; one of {", ".join(MODES)}')
        if (mode in ('tls-cert', 'xoauth2', 'external', 'inject-after-starttls') or implicit_tls or
                (mode == 'mitm' and starttls == 'offered')) and certset is None:
            raise ValueError(f'mode {mode} needs a certificate set')
        if implicit_tls and mode not in AIOSMTPD_MODES + ('mitm',):
            raise ValueError(f'implicit_tls is for the aiosmtpd modes and mitm, not {mode}')
        if starttls not in STARTTLS_CHOICES:
            raise ValueError(f'starttls must be one of {", ".join(STARTTLS_CHOICES)}')
        self.starttls = starttls
        self.replies = dict(replies or {})
        self.client_cert = client_cert or ('optional' if mode == 'external' else 'none')
        if self.client_cert not in ('none', 'optional', 'required'):
            raise ValueError('client_cert must be none, optional or required')
        self.implicit_tls = implicit_tls
        self.mode = mode
        self.certset = certset
        self.cert_kind = cert_kind
        self.users = dict(users if users is not None else {'alice': 'wonderland-42'})
        self.tokens = set(tokens)
        self.reject = set(a.lower() for a in reject) if reject else None
        self.time_limit = time_limit
        self.reply_delay = reply_delay if reply_delay is not None else (
            0.15 if mode == 'no-pipelining' else 0)
        self.silent_at = silent_at
        self.huge_at = huge_at
        self.huge_size = huge_size
        self.endless_at = endless_at
        self.endless_max_bytes = endless_max_bytes
        self.advertise_pipelining = mode not in ('no-pipelining',)
        self.require_starttls = (require_starttls if require_starttls is not None
                                 else mode in ('tls-cert', 'xoauth2', 'external'))
        self.sessions = []
        self.port = None
        self.loop = None
        self._thread = None
        self._server = None
        self._tasks = set()
        self._transports = set()
        self._lock = threading.Lock()

    # configuration helpers
    def rejects(self, address):
        if self.mode != 'reject-one-rcpt':
            return False
        if self.reject is not None:
            return address.lower() in self.reject
        return address.split('@', 1)[0].lower().startswith('reject')

    def tls_context(self):
        if self.certset is None:
            return None
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.certset.cert(self.cert_kind),
                                self.certset.key(self.cert_kind))
        if self.client_cert != 'none':
            context.verify_mode = (ssl.CERT_REQUIRED if self.client_cert == 'required'
                                   else ssl.CERT_OPTIONAL)
            context.load_verify_locations(self.certset.ca_file)
        return context

    def _new_session(self):
        with self._lock:
            record = SessionRecord(len(self.sessions) + 1)
            self.sessions.append(record)
        return record

    # lifecycle
    def start(self):
        self.loop = asyncio.new_event_loop()
        self.loop_errors = []       # asyncio's own complaints (failed handshakes ...)
        self.loop.set_exception_handler(
            lambda loop, context: self.loop_errors.append(
                f'{context.get("message")}: {context.get("exception")!r}'))
        self._thread = threading.Thread(target=self._run, name=f'scripted-{self.mode}',
                                        daemon=True)
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(), self.loop)
        future.result(timeout=15)
        return self

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    async def _listen(self):
        if self.mode in AIOSMTPD_MODES:
            self._server = await self.loop.create_server(
                self._aiosmtpd_factory, host=netutil.LOOPBACK, port=0,
                ssl=self.tls_context() if self.implicit_tls else None,
                ssl_handshake_timeout=10 if self.implicit_tls else None)
        else:
            self._server = await asyncio.start_server(
                self._raw_connection, host=netutil.LOOPBACK, port=0, limit=1 << 16,
                ssl=self.tls_context() if self.implicit_tls else None,
                ssl_handshake_timeout=10 if self.implicit_tls else None)
        self.port = self._server.sockets[0].getsockname()[1]

    def _aiosmtpd_factory(self):
        handler_class = {'xoauth2': _Oauth2Handler, 'external': _ExternalHandler}.get(self.mode, _Handler)
        kwargs = dict(hostname=HOSTNAME, ident='Herald scripted ' + self.mode,
                      enable_SMTPUTF8=True, timeout=self.time_limit, loop=self.loop,
                      authenticator=self._authenticate, auth_require_tls=True)
        if self.implicit_tls:
            kwargs['auth_require_tls'] = False      # the whole session is TLS (SMTPS)
        elif self.mode in ('record', 'tls-cert', 'xoauth2', 'external', 'no-pipelining', 'reject-one-rcpt'):
            kwargs['tls_context'] = self.tls_context()
            kwargs['require_starttls'] = bool(self.require_starttls and kwargs['tls_context'])
        if self.mode == 'no-starttls' or (self.certset is None and self.users):
            kwargs['auth_require_tls'] = False      # AUTH offered in plaintext
        if self.mode in ('xoauth2', 'external'):
            kwargs['auth_exclude_mechanism'] = ['PLAIN', 'LOGIN']
        smtp = _RecordingSMTP(handler_class(self), self, **kwargs)
        return smtp

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        user = password = None
        if isinstance(auth_data, LoginPassword):
            user = auth_data.login.decode('utf-8', 'replace')
            password = auth_data.password.decode('utf-8', 'replace')
        accepted = user is not None and self.users.get(user) == password
        server.rec.auth_attempts.append((mechanism, user, accepted))
        if accepted:
            return AuthResult(success=True, auth_data=user)
        return AuthResult(success=False, handled=False,
                          message=self.replies.get(
                              'auth', '535 5.7.8 Authentication credentials invalid (Herald test)'))

    def stop(self):
        if self.loop is None:
            return
        if self.loop.is_running():
            try:
                asyncio.run_coroutine_threadsafe(self._shutdown(), self.loop).result(timeout=15)
            except Exception:
                pass
            self.loop.call_soon_threadsafe(self.loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=15)
        if not self.loop.is_running():
            self.loop.close()
        self.loop = None

    async def _shutdown(self):
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for transport in list(self._transports):
            transport.abort()
        for record in self.sessions:
            record.close('server')
        # aiosmtpd connections: abort every protocol's transport
        for task in asyncio.all_tasks(self.loop):
            if task is not asyncio.current_task():
                task.cancel()
        await asyncio.sleep(0.05)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # observations
    def wait_session(self, number=1, timeout=30, closed=True):
        """Waits for session NUMBER (from 1) to exist, and to be closed when
        CLOSED; returns its record."""
        def ready():
            if len(self.sessions) < number:
                return None
            record = self.sessions[number - 1]
            return record if (record.ended is not None or not closed) else None
        return netutil.wait_for(ready, timeout=timeout,
                                message=f'{self.mode} server session {number}')

    def all_commands(self):
        return [c for s in self.sessions for c in s.commands]

    def saw(self, *verbs):
        return any(s.saw(*verbs) for s in self.sessions)

    def messages(self):
        return [m for s in self.sessions for m in s.messages]

    # --- plain asyncio modes ------------------------------------------------

    async def _raw_connection(self, reader, writer):
        record = self._new_session()
        self._transports.add(writer.transport)
        task = asyncio.current_task()
        self._tasks.add(task)
        conn = _RawConnection(self, record, reader, writer)
        try:
            await asyncio.wait_for(conn.run(), timeout=self.time_limit)
            record.close('server')
        except asyncio.TimeoutError:
            record.close('time-limit')
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError, OSError):
            record.close('client')
        except asyncio.CancelledError:
            record.close('server')
        finally:
            self._tasks.discard(task)
            self._transports.discard(writer.transport)
            try:
                writer.transport.abort()
            except Exception:
                pass


class _RawConnection:
    def __init__(self, owner, record, reader, writer):
        self.owner = owner
        self.rec = record
        self.reader = reader
        self.writer = writer
        self.tls_active = False

    async def send(self, data):
        self.rec.server(data)
        self.writer.write(data)
        await self.writer.drain()

    async def readline(self):
        """A client line, or None at EOF (the client closed)."""
        try:
            line = await self.reader.readuntil(b'\n')
        except asyncio.IncompleteReadError as error:
            if error.partial:
                self.rec.client(error.partial)
            self.rec.close('client')
            return None
        except asyncio.LimitOverrunError:
            self.rec.notes['line-too-long'] = True
            raise ConnectionError('client line too long')
        self.rec.client(line)
        return line

    async def wait_eof(self):
        """Reads (and records) until the client closes."""
        while True:
            data = await self.reader.read(65536)
            if not data:
                self.rec.close('client')
                return
            self.rec.client(data)

    async def run(self):
        mode = self.owner.mode
        if self.owner.implicit_tls:
            self.tls_active = True
            self.rec.start_tls(self.writer.get_extra_info('ssl_object'))
        if mode == 'silent' and self.owner.silent_at == 'connect':
            self.rec.notes['silence-started'] = time.monotonic()
            return await self.wait_eof()
        if mode == 'plaintext-on-465':
            return await self.plaintext_on_465()
        if mode == 'huge-reply' and self.owner.huge_at == 'greeting':
            await self.send_huge(b'220 ')
            return await self.conversation()
        if mode == 'endless-continuation' and self.owner.endless_at == 'greeting':
            return await self.send_endless(b'220-')
        await self.send(f'220 {HOSTNAME} ESMTP Herald scripted {mode}\r\n'.encode())
        await self.conversation()

    def ehlo_lines(self):
        lines = [HOSTNAME, '8BITMIME', 'ENHANCEDSTATUSCODES', 'SIZE 10485760']
        if self.owner.mode == 'inject-after-starttls':
            lines += ['AUTH PLAIN LOGIN'] if self.tls_active else ['STARTTLS']
        if self.owner.mode == 'mitm':
            # the trap: every mechanism offered whether or not TLS is up
            lines += ['AUTH ' + ' '.join(sasl_server.MECHANISMS)]
            if not self.tls_active and self.owner.starttls != 'missing':
                lines += ['STARTTLS']
        return b''.join(f'250{"-" if i < len(lines) - 1 else " "}{text}\r\n'.encode()
                        for i, text in enumerate(lines))

    async def conversation(self):
        """A minimal accept-everything SMTP dialogue, with the mode's fault."""
        owner = self.owner
        while True:
            line = await self.readline()
            if line is None:
                return
            command = self.rec.command(line)
            verb = command.split(' ', 1)[0].split(':', 1)[0].upper()
            if owner.mode == 'silent' and owner.silent_at in ('ehlo', 'mail') and \
                    verb in ({'EHLO', 'HELO'} if owner.silent_at == 'ehlo' else {'MAIL'}):
                self.rec.notes['silence-started'] = time.monotonic()
                return await self.wait_eof()
            if verb in ('EHLO', 'HELO'):
                if owner.mode == 'inject-after-starttls' and self.tls_active:
                    # a client that parsed the injected replies talks on now
                    await asyncio.sleep(0.5)
                    waiting = bytes(self.reader._buffer)
                    if waiting:
                        self.rec.notes['acted-on-injection'] = waiting[:200]
                if owner.mode == 'huge-reply' and owner.huge_at == 'ehlo':
                    await self.send_huge(b'250 ')
                    continue
                if owner.mode == 'endless-continuation' and owner.endless_at == 'ehlo':
                    return await self.send_endless(b'250-')
                await self.send(self.ehlo_lines() if verb == 'EHLO' else f'250 {HOSTNAME}\r\n'.encode())
            elif verb == 'STARTTLS' and owner.mode == 'inject-after-starttls' and not self.tls_active:
                # the reply and the injected lines in ONE write
                await self.send(b'220 2.0.0 Ready to start TLS\r\n' + INJECTION)
                if not await self.start_tls():
                    return
            elif verb == 'STARTTLS' and owner.mode == 'mitm' and not self.tls_active:
                if owner.starttls == 'offered':
                    await self.send(b'220 2.0.0 Ready to start TLS\r\n')
                    if not await self.start_tls():
                        return
                elif owner.starttls == 'refused':
                    await self.send(b'454 4.7.0 TLS not available due to temporary reason\r\n')
                else:
                    await self.send(b'502 5.5.1 Error: command not implemented\r\n')
            elif verb == 'AUTH' and owner.mode == 'mitm':
                words = command.split(' ')
                mechanism = words[1].upper() if len(words) > 1 else ''
                sasl = sasl_server.SaslServer(owner.users, owner.tokens, self.send, self.readline)
                accepted, user, responses = await sasl.run(mechanism,
                                                           words[2] if len(words) > 2 else None)
                self.rec.auth_attempts.append((mechanism, user, accepted))
                self.rec.auth_responses.extend(responses)
                self.rec.notes.setdefault('auth-over-tls', []).append(self.tls_active)
            elif verb == 'AUTH':
                self.rec.auth_attempts.append((command.split(' ')[1:2], None, True))
                await self.send(b'235 2.7.0 Authentication successful\r\n')
            elif verb == 'MAIL':
                await self.send(b'250 2.1.0 OK\r\n')
            elif verb == 'RCPT':
                await self.send(b'250 2.1.5 OK\r\n')
            elif verb == 'DATA':
                await self.send(b'354 End data with <CR><LF>.<CR><LF>\r\n')
                raw = []
                while True:
                    data_line = await self.readline()
                    if data_line is None:
                        return
                    if data_line == b'.\r\n':
                        break
                    raw.append(data_line)
                self.rec.messages.append(Message(None, [], raw))
                if owner.mode == 'silent' and owner.silent_at == 'data-end':
                    self.rec.notes['silence-started'] = time.monotonic()
                    return await self.wait_eof()
                await self.send(b'250 2.0.0 OK: queued\r\n')
            elif verb in ('RSET', 'NOOP'):
                await self.send(b'250 2.0.0 OK\r\n')
            elif verb == 'QUIT':
                await self.send(b'221 2.0.0 Bye\r\n')
                return
            else:
                await self.send(b'502 5.5.2 Error: command not recognized\r\n')

    async def start_tls(self):
        """TLS as the server; False (recorded) if the client does not
        complete the handshake."""
        try:
            await self.writer.start_tls(self.owner.tls_context(), ssl_handshake_timeout=10)
        except Exception as error:
            self.rec.notes['tls-error'] = f'{type(error).__name__}: {error}'
            self.rec.close('client')
            return False
        self.tls_active = True
        self.rec.start_tls(self.writer.get_extra_info('ssl_object'))
        return True

    async def send_huge(self, prefix):
        size = self.owner.huge_size
        chunk = b'x' * 65536
        self.rec.notes['huge-started'] = time.monotonic()
        self.rec.server(prefix)
        self.writer.write(prefix)
        sent = 0
        while sent < size:
            piece = chunk[:min(len(chunk), size - sent)]
            self.writer.write(piece)
            sent += len(piece)
            self.rec.bytes_sent += len(piece)
            await self.writer.drain()
        self.writer.write(b'\r\n')
        await self.writer.drain()
        self.rec.notes['huge-sent'] = sent

    async def send_endless(self, prefix):
        self.rec.notes['endless-started'] = time.monotonic()
        lines = 0
        batch_size = 512
        while self.rec.bytes_sent < self.owner.endless_max_bytes:
            batch = b''.join(prefix + b'continuation line %d of an endless reply\r\n' % (lines + i)
                             for i in range(batch_size))
            lines += batch_size
            self.rec.bytes_sent += len(batch)
            self.writer.write(batch)
            await self.writer.drain()
            self.rec.notes['endless-lines'] = lines
            if self.reader.at_eof():
                break
            await asyncio.sleep(0)
        self.rec.notes['endless-limit-reached'] = True
        return await self.wait_eof()

    async def plaintext_on_465(self):
        await self.send(f'220 {HOSTNAME} ESMTP plaintext where TLS was expected\r\n'.encode())
        try:
            first = await asyncio.wait_for(self.reader.read(4096), timeout=self.owner.time_limit)
        except asyncio.TimeoutError:
            first = b''
        if not first:
            self.rec.close('client')
            return
        self.rec.client(first)
        self.rec.notes['first-bytes'] = first[:64]
        self.rec.notes['client-hello'] = first[:1] == b'\x16'
        if self.rec.notes['client-hello']:
            # garbage for the client's TLS parser, then wait for it to leave
            await self.send(b'500 5.5.2 Error: this port speaks plaintext SMTP\r\n')
            return await self.wait_eof()
        # a client falling back to plaintext: record its commands
        for line in first.splitlines(keepends=True):
            self.rec.command(line)
        await self.send(b'250-' + HOSTNAME.encode() + b'\r\n250 AUTH PLAIN LOGIN\r\n')
        return await self.conversation()


def self_check():
    """Drives every mode with Python's smtplib/ssl and checks the records."""
    import smtplib
    import socket
    import certs

    def context(cs):
        return ssl.create_default_context(cafile=cs.ca_file)

    with certs.CertSet() as cs:
        # record: STARTTLS, AUTH, pipelined wire capture, dot-stuffing kept raw
        with ScriptedServer('record', certset=cs) as server:
            with smtplib.SMTP('localhost', server.port, timeout=10) as s:
                s.ehlo('check')
                assert not s.has_extn('auth'), 'AUTH offered before TLS'
                s.starttls(context=context(cs))
                s.ehlo('check')
                assert s.esmtp_features['auth'].split() == ['LOGIN', 'PLAIN'], s.esmtp_features
                assert s.has_extn('pipelining'), s.esmtp_features
                s.login('alice', 'wonderland-42')
                s.sendmail('a@herald.test', ['b@herald.test'],
                           b'Subject: x\r\n\r\n.leading dot\r\nbare\nLF\r\n')
            rec = server.wait_session()
            m = rec.messages[0]
            assert rec.tls and rec.tls['version'].startswith('TLSv1.'), rec.tls
            assert rec.verbs() == ['EHLO', 'STARTTLS', 'EHLO', 'AUTH', 'MAIL', 'RCPT', 'DATA', 'QUIT'], rec.verbs()
            assert b'..leading dot\r\n' in m.raw and m.content.startswith(b'Subject: x\r\n\r\n.leading dot')
            assert any('bare LF' in p for p in m.wire_problems()), m.wire_problems()
            assert rec.auth_attempts == [('LOGIN', 'alice', True)] or \
                rec.auth_attempts == [('PLAIN', 'alice', True)], rec.auth_attempts
            print('record: OK', rec.tls, rec.verbs())

        # record as SMTPS (implicit TLS), and an expired certificate over SMTPS
        with ScriptedServer('record', certset=cs, implicit_tls=True) as server:
            with smtplib.SMTP_SSL('localhost', server.port, timeout=10, context=context(cs)) as s:
                s.login('alice', 'wonderland-42')
                s.sendmail('a@herald.test', ['b@herald.test'], b'Subject: smtps\r\n\r\nx\r\n')
            rec = server.wait_session()
            assert rec.tls and rec.messages and rec.verbs()[0] == 'EHLO', (rec.tls, rec.verbs())
            print('record over SMTPS: OK', rec.tls)
        with ScriptedServer('tls-cert', certset=cs, cert_kind='expired', implicit_tls=True) as server:
            try:
                smtplib.SMTP_SSL('localhost', server.port, timeout=10, context=context(cs))
                raise AssertionError('expired certificate accepted')
            except ssl.SSLCertVerificationError as error:
                print('tls-cert expired over SMTPS: OK', error.verify_message)

        # no-starttls: AUTH offered in plaintext, no STARTTLS
        with ScriptedServer('no-starttls') as server:
            with smtplib.SMTP('127.0.0.1', server.port, timeout=10) as s:
                s.ehlo('check')
                assert not s.has_extn('starttls'), s.esmtp_features
                assert s.esmtp_features['auth'].split() == ['LOGIN', 'PLAIN'], s.esmtp_features
            rec = server.wait_session()
            assert not rec.saw('AUTH', 'MAIL'), rec.commands
            print('no-starttls: OK', rec.commands)

        # tls-cert: each certificate is served as given
        for kind in ('expired', 'wronghost', 'selfsigned', 'reissued'):
            with ScriptedServer('tls-cert', certset=cs, cert_kind=kind) as server:
                with smtplib.SMTP('127.0.0.1', server.port, timeout=10) as s:
                    s.ehlo('check')
                    insecure = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                    insecure.check_hostname = False
                    insecure.verify_mode = ssl.CERT_NONE
                    s.starttls(context=insecure)
                    der = s.sock.getpeercert(binary_form=True)
                    import hashlib
                    assert hashlib.sha256(der).hexdigest() == cs.fingerprint(kind), kind
                with smtplib.SMTP('localhost', server.port, timeout=10) as s:
                    s.ehlo('check')
                    try:
                        s.starttls(context=context(cs))
                        verified = True
                    except ssl.SSLCertVerificationError as error:
                        verified = False
                        reason = error.verify_message
                assert verified == (kind == 'reissued'), kind
                rec = server.wait_session(2)
                print(f'tls-cert {kind}: OK', 'verified' if verified else reason,
                      '| server saw', rec.notes.get('tls-error'))

        # no-pipelining: a pipelining client is caught
        with ScriptedServer('no-pipelining') as server:
            with socket.create_connection(('127.0.0.1', server.port), timeout=10) as raw:
                f = raw.makefile('rb')
                f.readline()
                raw.sendall(b'EHLO check\r\n')
                line = f.readline()
                while line[3:4] == b'-':
                    line = f.readline()
                raw.sendall(b'MAIL FROM:<a@herald.test>\r\nRCPT TO:<b@herald.test>\r\n')
                f.readline()
                f.readline()
                raw.sendall(b'QUIT\r\n')
                f.readline()
            rec = server.wait_session()
            assert [c for c, _ in rec.pipelined] == ['MAIL FROM:<a@herald.test>'], rec.pipelined
            with smtplib.SMTP('127.0.0.1', server.port, timeout=10) as s:
                s.sendmail('a@herald.test', ['b@herald.test'], b'Subject: y\r\n\r\nz\r\n')
            rec = server.wait_session(2)
            assert not rec.pipelined, rec.pipelined
            print('no-pipelining: OK (smtplib does not pipeline; a raw pipeliner was caught)')

        # reject-one-rcpt
        with ScriptedServer('reject-one-rcpt') as server:
            with smtplib.SMTP('127.0.0.1', server.port, timeout=10) as s:
                refused = s.sendmail('a@herald.test', ['ok@herald.test', 'reject-me@herald.test'],
                                     b'Subject: r\r\n\r\nr\r\n')
            assert list(refused) == ['reject-me@herald.test'], refused
            assert server.wait_session().messages[0].rcpt_to == ['ok@herald.test']
            print('reject-one-rcpt: OK', refused)

        # xoauth2: good token accepted, bad token gets 334 + 535
        with ScriptedServer('xoauth2', certset=cs, tokens={'good-token'}) as server:
            for token, expect in (('bad-token', 535), ('good-token', 235)):
                with smtplib.SMTP('localhost', server.port, timeout=10) as s:
                    s.starttls(context=context(cs))
                    s.ehlo('check')
                    assert 'XOAUTH2' in s.esmtp_features['auth'].split(), s.esmtp_features
                    assert 'PLAIN' not in s.esmtp_features['auth'].split()
                    blob = base64.b64encode(f'user=alice\x01auth=Bearer {token}\x01\x01'.encode())
                    code, text = s.docmd('AUTH', 'XOAUTH2 ' + blob.decode())
                    if code == 334:
                        code, text = s.docmd('')
                    assert code == expect, (token, code, text)
            print('xoauth2: OK', server.sessions[0].tokens, server.sessions[1].tokens)

        # inject-after-starttls: a client that reads the injection notices it
        with ScriptedServer('inject-after-starttls', certset=cs) as server:
            with socket.create_connection(('127.0.0.1', server.port), timeout=10) as raw:
                f = raw.makefile('rb')
                f.readline()
                raw.sendall(b'EHLO check\r\n')
                while f.readline()[3:4] == b'-':
                    pass
                raw.sendall(b'STARTTLS\r\n')
                time.sleep(0.3)
                got = raw.recv(65536)
            assert got.startswith(b'220 2.0.0 Ready to start TLS\r\n250-injected'), got
            rec = server.wait_session()
            assert rec.tls is None and 'tls-error' in rec.notes, rec.notes
            print('inject-after-starttls: OK (one write:', len(got), 'bytes)')

        # plaintext-on-465: a TLS client sees a plaintext greeting
        with ScriptedServer('plaintext-on-465') as server:
            try:
                with socket.create_connection(('127.0.0.1', server.port), timeout=10) as raw:
                    context(cs).wrap_socket(raw, server_hostname='localhost')
                raise AssertionError('TLS handshake succeeded against plaintext')
            except ssl.SSLError as error:
                print('plaintext-on-465: client error', error.reason)
            rec = server.wait_session()
            assert rec.notes.get('client-hello') is True and not rec.commands, rec.notes
            print('plaintext-on-465: OK')

        # huge-reply: 1 MiB greeting line
        with ScriptedServer('huge-reply') as server:
            with socket.create_connection(('127.0.0.1', server.port), timeout=10) as raw:
                total = 0
                while True:
                    data = raw.recv(1 << 20)
                    total += len(data)
                    if not data or data.endswith(b'\r\n'):
                        break
            assert total == 4 + (1 << 20) + 2, total
            print('huge-reply: OK', total, 'bytes in one line')

        # endless-continuation: the client gives up, the server notices
        with ScriptedServer('endless-continuation') as server:
            with smtplib.SMTP('127.0.0.1', server.port, timeout=10) as s:
                s.putcmd('EHLO', 'check')
                for _ in range(5000):
                    s.file.readline()
                s.sock.close()
            rec = server.wait_session(timeout=30)
            assert rec.notes['endless-lines'] >= 5000 and rec.closed_by == 'client', rec.notes
            print('endless-continuation: OK', rec.notes['endless-lines'], 'lines before the client left')

        # silent: no greeting; the client's own timeout ends it
        for at in ('connect', 'ehlo', 'mail', 'data-end'):
            with ScriptedServer('silent', silent_at=at) as server:
                try:
                    with smtplib.SMTP('127.0.0.1', server.port, timeout=1) as s:
                        s.ehlo('check')
                        s.sendmail('a@herald.test', ['b@herald.test'], b'Subject: s\r\n\r\ns\r\n')
                    raise AssertionError(f'silent at {at}: the session completed')
                except (socket.timeout, smtplib.SMTPServerDisconnected, TimeoutError):
                    pass
                rec = server.wait_session(timeout=10)
                waited = rec.ended - rec.notes['silence-started']
                assert 0.8 < waited < 3, (at, waited)
                print(f'silent at {at}: OK, the client left after {waited:.2f} s of silence')
        # mitm: STARTTLS offered (and every mechanism really run), missing, refused
        with ScriptedServer('mitm', certset=cs, starttls='offered') as server:
            for mechanism in ('PLAIN', 'LOGIN', 'CRAM-MD5', 'SCRAM-SHA-1', 'SCRAM-SHA-256'):
                with smtplib.SMTP('localhost', server.port, timeout=10) as s:
                    s.ehlo('check')
                    assert 'SCRAM-SHA-256' in s.esmtp_features['auth'].split(), s.esmtp_features
                    s.starttls(context=context(cs))
                    s.ehlo('check')
                    assert not s.has_extn('starttls'), s.esmtp_features
                    if mechanism.startswith('SCRAM'):
                        code, text = netutil.scram_client(s, mechanism, 'alice', 'wonderland-42')
                        assert code == 235, (mechanism, code, text)
                    else:
                        s.user, s.password = 'alice', 'wonderland-42'
                        code, text = s.auth(mechanism, getattr(s, 'auth_' + mechanism.lower().replace('-', '_')))
                        assert code == 235, (mechanism, code, text)
            attempts = [a for r in server.sessions for a in r.auth_attempts]
            assert [a[2] for a in attempts] == [True] * 5, attempts
            assert all(server.sessions[i].notes['auth-over-tls'] == [True] for i in range(5))
            print('mitm offered: OK', [a[0] for a in attempts])
        for choice, starttls_code in (('missing', 502), ('refused', 454)):
            with ScriptedServer('mitm', starttls=choice) as server:
                with smtplib.SMTP('127.0.0.1', server.port, timeout=10) as s:
                    s.ehlo('check')
                    assert s.has_extn('starttls') == (choice == 'refused'), s.esmtp_features
                    assert 'NTLM' in s.esmtp_features['auth'].split(), s.esmtp_features
                    code, _ = s.docmd('STARTTLS')
                    assert code == starttls_code, (choice, code)
                rec = server.wait_session()
                assert b'STARTTLS' in rec.plaintext_client_bytes() and rec.tls is None
                print(f'mitm {choice}: OK', code)
        with ScriptedServer('mitm', certset=cs, implicit_tls=True) as server:
            with smtplib.SMTP_SSL('localhost', server.port, timeout=10, context=context(cs)) as s:
                s.login('alice', 'wonderland-42')
            rec = server.wait_session()
            assert rec.tls and rec.plaintext_client_bytes() == b'', rec.transcript()
            print('mitm over implicit TLS: OK', rec.auth_attempts)
    print('scripted servers: OK')


if __name__ == '__main__':
    self_check()
