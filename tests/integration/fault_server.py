#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# fault_server.py: an SMTP server (plain asyncio streams, 127.0.0.1, a port
# the kernel picks) whose every answer is decided by the recipient's local
# part, so a fault mix is the same on every run:
#
#   ok-N        250 to everything                          -> sent
#   reject-N    550 5.1.1 to RCPT                          -> failed
#   tempfail-N  451 4.3.0 to RCPT                          -> deferred
#   busy-N      the message is read, then 452 4.3.1       -> deferred
#   drop-N      the message is read, then the connection   -> deferred
#               closes with no reply (the server has it: a
#               retry would duplicate it, at-least-once)
#   slow-N      the reply to the final "." comes after      -> sent
#               SLOW_SECONDS
#
# The server keeps, for every recipient, what it last answered ('250',
# '550', '451', '452', 'dropped') and how many complete copies of a message
# it read (`received`), so a test can compare heraldd's states with what
# the server really said.

import asyncio
import collections
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netutil  # noqa: E402

SLOW_SECONDS = 0.5
SESSION_LIMIT = 120     # seconds; then the server closes the connection


class FaultServer:
    def __init__(self):
        self.port = None
        self.lock = threading.Lock()
        self.last_answer = {}                        # address -> answer
        self.received = collections.Counter()        # address -> copies read
        self.delivered = collections.Counter()       # address -> 250s after DATA
        self.sessions = 0
        self._loop = None
        self._server = None
        self._thread = None
        self._ready = threading.Event()

    def start(self):
        self._thread = threading.Thread(target=self._run, name='fault-server', daemon=True)
        self._thread.start()
        if not self._ready.wait(15):
            raise AssertionError('fault server did not start')
        return self

    def stop(self):
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(15)

    def _run(self):
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._session, netutil.LOOPBACK, 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._server.close()
            self._loop.close()

    def _note(self, addresses, answer):
        with self.lock:
            for address in addresses:
                self.last_answer[address] = answer

    @staticmethod
    def fate(address):
        return address.split('@')[0].split('-')[0].lower()

    async def _session(self, reader, writer):
        with self.lock:
            self.sessions += 1
        try:
            await asyncio.wait_for(self._converse(reader, writer), SESSION_LIMIT)
        except (asyncio.TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _converse(self, reader, writer):
        async def reply(text):
            writer.write(text.encode() + b'\r\n')
            await writer.drain()

        await reply('220 faults.herald.test ESMTP')
        recipients = []
        while True:
            line = await reader.readline()
            if not line:
                return
            command = line.decode('utf-8', 'replace').strip()
            verb = command.split(' ')[0].upper()
            if verb in ('EHLO', 'HELO'):
                await reply('250-faults.herald.test\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES')
            elif verb == 'MAIL':
                recipients = []
                await reply('250 2.1.0 Ok')
            elif verb == 'RCPT':
                address = command.split(':', 1)[1].strip().split(' ')[0].strip('<>').lower()
                fate = self.fate(address)
                if fate == 'reject':
                    self._note([address], '550')
                    await reply('550 5.1.1 Recipient address rejected: fault mix')
                elif fate == 'tempfail':
                    self._note([address], '451')
                    await reply('451 4.3.0 Try again later: fault mix')
                else:
                    recipients.append(address)
                    await reply('250 2.1.5 Ok')
            elif verb == 'DATA':
                if not recipients:
                    await reply('554 5.5.1 No valid recipients')
                    continue
                await reply('354 End data with <CR><LF>.<CR><LF>')
                while True:
                    data_line = await reader.readline()
                    if not data_line:
                        return
                    if data_line in (b'.\r\n', b'.\n'):
                        break
                with self.lock:
                    for address in recipients:
                        self.received[address] += 1
                fates = {self.fate(a) for a in recipients}
                if 'drop' in fates:
                    self._note(recipients, 'dropped')
                    writer.transport.abort()
                    return
                if 'busy' in fates:
                    self._note(recipients, '452')
                    await reply('452 4.3.1 Insufficient system storage: fault mix')
                    continue
                if 'slow' in fates:
                    await asyncio.sleep(SLOW_SECONDS)
                self._note(recipients, '250')
                with self.lock:
                    for address in recipients:
                        self.delivered[address] += 1
                await reply('250 2.0.0 Ok: queued')
            elif verb == 'RSET':
                recipients = []
                await reply('250 2.0.0 Ok')
            elif verb == 'NOOP':
                await reply('250 2.0.0 Ok')
            elif verb == 'QUIT':
                await reply('221 2.0.0 Bye')
                return
            else:
                await reply('502 5.5.2 Command not recognised')
