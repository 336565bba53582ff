# SPDX-License-Identifier: LGPL-2.1-or-later
# netutil.py: small helpers shared by the integration test servers.
# Everything listens on 127.0.0.1 only; every wait is bounded.

import base64
import hashlib
import hmac
import os
import socket
import time

LOOPBACK = '127.0.0.1'


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago (the kernel's
    choice). There is a window before the caller binds it; servers that can
    bind port 0 themselves should do that instead."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def wait_listening(port, host=LOOPBACK, timeout=15.0, process=None):
    """Waits until something accepts TCP connections on HOST:PORT. Raises
    if PROCESS (a Popen) exits first or TIMEOUT passes."""
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f'server exited with status {process.returncode} '
                               f'before listening on {host}:{port}')
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f'nothing listens on {host}:{port} after {timeout} s')
        time.sleep(0.05)


def is_listening(port, host=LOOPBACK):
    """Whether a TCP socket listens on HOST:PORT, from /proc/net/tcp, without
    connecting (a probe connection would count as a session of the server)."""
    want = '%08X:%04X' % (int.from_bytes(socket.inet_aton(host), 'little'), port)
    any_addr = '00000000:%04X' % port
    try:
        with open('/proc/net/tcp') as f:
            next(f)
            for line in f:
                fields = line.split()
                if fields[3] == '0A' and fields[1] in (want, any_addr):
                    return True
    except OSError:
        pass
    return False


def wait_listening_quietly(port, host=LOOPBACK, timeout=15.0, process=None):
    """wait_listening() without connecting (reads /proc/net/tcp)."""
    deadline = time.monotonic() + timeout
    while not is_listening(port, host):
        if process is not None and process.poll() is not None:
            raise RuntimeError(f'server exited with status {process.returncode} '
                               f'before listening on {host}:{port}')
        if time.monotonic() > deadline:
            raise RuntimeError(f'nothing listens on {host}:{port} after {timeout} s')
        time.sleep(0.02)


def wait_for(predicate, timeout=10.0, interval=0.05, message='condition'):
    """Polls PREDICATE until it returns a true value, which is returned."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f'{message}: not reached within {timeout} s')
        time.sleep(interval)


def wait_process(process, timeout):
    """Waits for a Popen; kills it if it outlives TIMEOUT. Returns the status."""
    try:
        return process.wait(timeout=timeout)
    except Exception:
        process.kill()
        return process.wait(timeout=10)


# --- a minimal SCRAM client (RFC 5802), used to check that servers offering
# --- SCRAM really accept it (smtplib has no SCRAM).

def scram_client(smtp, mechanism, user, password):
    """Runs AUTH SCRAM-SHA-1 / SCRAM-SHA-256 over an smtplib.SMTP connection
    (after EHLO). Returns (code, text) of the final reply."""
    digest = {'SCRAM-SHA-1': hashlib.sha1, 'SCRAM-SHA-256': hashlib.sha256}[mechanism]
    nonce = base64.b64encode(os.urandom(18)).decode()
    first_bare = f'n={user},r={nonce}'
    code, text = smtp.docmd('AUTH', f'{mechanism} ' +
                            base64.b64encode(('n,,' + first_bare).encode()).decode())
    if code != 334:
        return code, text
    server_first = base64.b64decode(text).decode()
    fields = dict(item.split('=', 1) for item in server_first.split(','))
    if not fields['r'].startswith(nonce):
        smtp.docmd('*')
        raise AssertionError('SCRAM server nonce does not extend ours')
    salted = hashlib.pbkdf2_hmac(digest().name, password.encode(),
                                 base64.b64decode(fields['s']), int(fields['i']))
    client_key = hmac.new(salted, b'Client Key', digest).digest()
    stored_key = digest(client_key).digest()
    final_bare = f'c=biws,r={fields["r"]}'
    auth_message = f'{first_bare},{server_first},{final_bare}'.encode()
    signature = hmac.new(stored_key, auth_message, digest).digest()
    proof = bytes(a ^ b for a, b in zip(client_key, signature))
    final = f'{final_bare},p={base64.b64encode(proof).decode()}'
    code, text = smtp.docmd(base64.b64encode(final.encode()).decode())
    if code == 334:
        # server-final (v=...) as a challenge; verify and finish with an empty line
        server_final = base64.b64decode(text).decode()
        server_key = hmac.new(salted, b'Server Key', digest).digest()
        expected = base64.b64encode(hmac.new(server_key, auth_message, digest).digest()).decode()
        if server_final != f'v={expected}':
            raise AssertionError(f'bad SCRAM server signature {server_final!r}')
        code, text = smtp.docmd('')
    return code, text


class LoopbackHttpServer:
    """An http.server on 127.0.0.1 in a thread of its own, HTTPS when the
    subclass sets `certset` (certs.py). Subclasses set HANDLER (their
    BaseHTTPRequestHandler, which finds the owner as self.server.owner),
    THREAD_NAME, and call LoopbackHttpServer.__init__.

    For the hostile-server tests: `cert_kind` picks the certificate of the
    set ('other' has another key than 'server', for a pin mismatch), and
    tls_version='1.1' makes a server that speaks TLS 1.1 only. client_ca (a
    CA file) makes it require a TLS client certificate issued by that CA
    (mutual TLS); a client without one never gets to send a request."""
    HANDLER = None
    THREAD_NAME = 'http-server'

    def __init__(self, certset=None, cert_kind='server', tls_version=None, client_ca=None):
        self.certset = certset
        self.client_ca = client_ca
        self.cert_kind = cert_kind
        self.tls_version = tls_version
        self.httpd = None
        self._thread = None

    def start(self):
        import ssl
        import threading
        from http.server import ThreadingHTTPServer

        self.httpd = ThreadingHTTPServer((LOOPBACK, 0), self.HANDLER)
        self.httpd.daemon_threads = True
        self.httpd.timeout = 5
        self.httpd.owner = self
        if self.certset is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            if self.tls_version == '1.1':
                import warnings
                with warnings.catch_warnings():
                    warnings.simplefilter('ignore', DeprecationWarning)
                    context.minimum_version = ssl.TLSVersion.TLSv1_1
                    context.maximum_version = ssl.TLSVersion.TLSv1_1
                # OpenSSL 3 allows TLS 1.1 only at security level 0
                context.set_ciphers('DEFAULT:@SECLEVEL=0')
            else:
                context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.load_cert_chain(self.certset.cert(self.cert_kind),
                                    self.certset.key(self.cert_kind))
            if self.client_ca is not None:
                context.verify_mode = ssl.CERT_REQUIRED
                context.load_verify_locations(self.client_ca)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self._thread = threading.Thread(target=self.httpd.serve_forever,
                                        kwargs={'poll_interval': 0.1},
                                        name=self.THREAD_NAME, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self._thread.join(timeout=10)
            self.httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


def flood(wfile, chunked, limit=512 << 20, seconds=120):
    """Writes zeros to WFILE (an HTTP body: chunked, or under a
    Content-Length the caller sent) until the reader goes away, LIMIT
    bytes or SECONDS pass; returns how many bytes were written."""
    import time
    block = b'\0' * 65536
    frame = b'10000\r\n' + block + b'\r\n' if chunked else block
    sent = 0
    deadline = time.monotonic() + seconds
    try:
        while sent < limit and time.monotonic() < deadline:
            wfile.write(frame)
            sent += len(block)
    except OSError:     # the client closed: what the tests want to see
        pass
    return sent


def small_asan_quarantine(preload):
    """Under the sanitizer build (PRELOAD: the LD_PRELOAD the test found),
    gives the daemons started from here a small ASan quarantine: freed
    memory held there (256 MiB by default) would count as RSS and make a
    test's peak-RSS bound measure ASan instead of Herald."""
    if preload:
        options = [o for o in os.environ.get('ASAN_OPTIONS', '').split(':') if o]
        os.environ['ASAN_OPTIONS'] = ':'.join(options + ['quarantine_size_mb=4'])
