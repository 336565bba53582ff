#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# hostile_hylafax.py: scripted hfaxd impostors on 127.0.0.1 for the HylaFAX
# client's bounds (issue 17, item 7). By mode:
#
#   endless-line  greets with "220-" and then bytes without a line end, as
#                 fast as the client takes them (up to 512 MiB)
#   trickle       greets properly, reads USER, then answers a byte every
#                 0.3 s and never ends the line (each byte well within any
#                 per-read timeout: only a bound on the whole exchange ends it)
#   silent        accepts and says nothing
#
# Each connection is served in a thread until the client hangs up or 120 s
# pass. .sessions records, per connection, how many bytes went out and how
# long the client stayed (seconds from accept to its close).
#
#   with HostileHylafax('endless-line') as server: server.port, server.sessions

import os
import select
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netutil  # noqa: E402

MODES = ('endless-line', 'trickle', 'silent')
BOUND_S = 120
BOUND_BYTES = 512 << 20     # what a client without a line bound would swallow


class HostileHylafax:
    def __init__(self, mode):
        assert mode in MODES, mode
        self.mode = mode
        self.sessions = []
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._listener = None
        self._threads = []

    @property
    def port(self):
        return self._listener.getsockname()[1]

    def start(self):
        self._listener = socket.create_server((netutil.LOOPBACK, 0))
        self._listener.settimeout(0.2)
        thread = threading.Thread(target=self._accept_loop, name=f'hylafax-{self.mode}', daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self):
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def _accept_loop(self):
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _client_gone(self, conn, wait=0.0):
        """True once the client closed (or reset) its end."""
        readable, _, _ = select.select([conn], [], [], wait)
        if not readable:
            return False
        try:
            return conn.recv(4096) == b''
        except OSError:
            return True

    def _serve(self, conn):
        start = time.monotonic()
        sent = 0
        try:
            if self.mode == 'endless-line':
                conn.sendall(b'220-')
                block = b'x' * 65536
                while not self._stop.is_set() and time.monotonic() - start < BOUND_S \
                        and sent < BOUND_BYTES:
                    conn.sendall(block)
                    sent += len(block)
                while not self._stop.is_set() and time.monotonic() - start < BOUND_S \
                        and not self._client_gone(conn, 0.2):
                    pass
            elif self.mode == 'trickle':
                conn.sendall(b'220 hostile hfaxd ready.\r\n')
                line = b''
                while b'\n' not in line and time.monotonic() - start < BOUND_S:
                    chunk = conn.recv(1024)
                    if not chunk:
                        break
                    line += chunk
                for byte in (b'331 Password required for herald' + b'.' * 1000000):
                    if self._stop.is_set() or time.monotonic() - start > BOUND_S:
                        break
                    conn.sendall(bytes([byte]))
                    sent += 1
                    if self._client_gone(conn, 0.3):
                        break
            else:
                while not self._stop.is_set() and time.monotonic() - start < BOUND_S:
                    if self._client_gone(conn, 0.2):
                        break
        except OSError:
            pass        # the client hung up while we wrote: what the tests want
        finally:
            with self.lock:
                self.sessions.append({'sent': sent, 'seconds': time.monotonic() - start})
            conn.close()


def self_check():
    for mode in MODES:
        with HostileHylafax(mode) as server:
            with socket.create_connection((netutil.LOOPBACK, server.port), timeout=5) as s:
                s.settimeout(2)
                if mode == 'silent':
                    try:
                        data = s.recv(10)
                    except socket.timeout:
                        data = b''
                    assert data == b'', data
                else:
                    data = s.recv(4)
                    assert data.startswith(b'220'), data
                    if mode == 'trickle':
                        s.recv(100)
                        s.sendall(b'USER herald\r\n')
                        assert s.recv(1) == b'3'
            netutil.wait_for(lambda: server.sessions, timeout=10, message='session end')
            print(f'hostile hylafax {mode}: ok ({server.sessions[0]})')
    return 0


if __name__ == '__main__':
    sys.exit(self_check())
