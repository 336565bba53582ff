#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# faultsink.py: an SMTP sink that answers some transactions badly, for the
# faults phase of bench/run.
#
# Postfix smtp-sink can refuse (-r/-f) or drop (-q/-Q) a command always, but
# not a fraction of the transactions, so the faults phase uses this instead.
# Each transaction (MAIL ... DATA ... ".") gets its outcome from a seeded
# random schedule, drawn when the message's final dot arrives:
#
#   --tempfail P   "451 4.3.0" (the client should retry later)
#   --permfail P   "554 5.6.0" (the client should give up)
#   --drop P       the connection is closed without a reply
#   otherwise      "250 2.0.0"
#
# With --tempfail 0 --permfail 0 --drop 0 it is the clean sink the fault
# figure is compared with (same process, same cost per message).
#
# Each message's Message-ID is read, so the sink can say how many distinct
# notifications ended accepted (250) or refused for good (5xx), and whether
# one was accepted twice. The counters go to --status FILE (JSON, replaced
# atomically every 20 ms and at exit). Listens on 127.0.0.1 only; the port
# is printed as the first line on stdout. Bounded: exits after
# --max-seconds, and on SIGTERM; at most --max-connections at once.

import argparse
import asyncio
import json
import os
import random
import signal
import sys


class Counters:
    def __init__(self):
        self.connections = 0
        self.transactions = 0
        self.accepted = 0
        self.tempfailed = 0
        self.permfailed = 0
        self.dropped = 0
        self.accepted_ids = set()
        self.permfailed_ids = set()
        self.duplicates = 0          # a Message-ID accepted more than once
        self.failed_then_accepted = 0

    def as_dict(self):
        final = len(self.accepted_ids | self.permfailed_ids)
        return {'connections': self.connections, 'transactions': self.transactions,
                'accepted': self.accepted, 'tempfailed': self.tempfailed,
                'permfailed': self.permfailed, 'dropped': self.dropped,
                'accepted_unique': len(self.accepted_ids),
                'permfailed_unique': len(self.permfailed_ids),
                'final_unique': final, 'duplicates': self.duplicates,
                'failed_then_accepted': self.failed_then_accepted}


def message_id(data):
    head = data.split(b'\r\n\r\n', 1)[0]
    for line in head.split(b'\r\n'):
        if line[:11].lower() == b'message-id:':
            return line[11:].strip().decode('ascii', 'replace')
    return None


class Sink:
    def __init__(self, args):
        self.args = args
        self.random = random.Random(args.seed)
        self.counters = Counters()
        self.open = 0

    def outcome(self):
        x = self.random.random()
        a = self.args
        if x < a.drop:
            return 'drop'
        if x < a.drop + a.permfail:
            return 'permfail'
        if x < a.drop + a.permfail + a.tempfail:
            return 'tempfail'
        return 'accept'

    async def session(self, reader, writer):
        c = self.counters
        if self.open >= self.args.max_connections:
            writer.write(b'421 4.3.2 too many connections\r\n')
            writer.close()
            return
        self.open += 1
        c.connections += 1
        try:
            writer.write(b'220 faultsink.herald.test ESMTP\r\n')
            while True:
                line = await reader.readline()
                if not line:
                    break
                verb = line[:4].upper()
                if verb == b'EHLO':
                    writer.write(b'250-faultsink.herald.test\r\n250-PIPELINING\r\n'
                                 b'250-8BITMIME\r\n250 SIZE 104857600\r\n')
                elif verb == b'HELO':
                    writer.write(b'250 faultsink.herald.test\r\n')
                elif verb in (b'MAIL', b'RCPT', b'RSET', b'NOOP'):
                    writer.write(b'250 2.0.0 Ok\r\n')
                elif verb == b'DATA':
                    writer.write(b'354 End data with <CR><LF>.<CR><LF>\r\n')
                    data = await reader.readuntil(b'\r\n.\r\n')
                    c.transactions += 1
                    mid = message_id(data)
                    result = self.outcome()
                    if result == 'drop':
                        c.dropped += 1
                        writer.transport.abort()
                        return
                    if result == 'permfail':
                        c.permfailed += 1
                        if mid:
                            c.permfailed_ids.add(mid)
                        writer.write(b'554 5.6.0 bench fault: refused for good\r\n')
                    elif result == 'tempfail':
                        c.tempfailed += 1
                        writer.write(b'451 4.3.0 bench fault: try again later\r\n')
                    else:
                        c.accepted += 1
                        if mid in c.accepted_ids:
                            c.duplicates += 1
                        if mid in c.permfailed_ids:
                            c.failed_then_accepted += 1
                        if mid:
                            c.accepted_ids.add(mid)
                        writer.write(b'250 2.0.0 Ok: queued\r\n')
                elif verb == b'QUIT':
                    writer.write(b'221 2.0.0 Bye\r\n')
                    await writer.drain()
                    break
                else:
                    writer.write(b'502 5.5.2 command not recognized\r\n')
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            self.open -= 1
            writer.close()

    def write_status(self):
        path = self.args.status
        tmp = path + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(self.counters.as_dict(), f)
        os.replace(tmp, path)


async def main_async(args):
    sink = Sink(args)
    server = await asyncio.start_server(sink.session, '127.0.0.1', 0,
                                        limit=args.max_message_bytes)
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write(f'{port}\n')
    sys.stdout.flush()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.call_later(args.max_seconds, stop.set)
    while not stop.is_set():
        sink.write_status()
        try:
            await asyncio.wait_for(stop.wait(), 0.02)
        except asyncio.TimeoutError:
            pass
    server.close()
    sink.write_status()


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--status', required=True, help='JSON counters, rewritten every 20 ms')
    p.add_argument('--tempfail', type=float, default=0.0)
    p.add_argument('--permfail', type=float, default=0.0)
    p.add_argument('--drop', type=float, default=0.0)
    p.add_argument('--seed', type=int, default=18)
    p.add_argument('--max-seconds', type=float, default=900.0)
    p.add_argument('--max-connections', type=int, default=256)
    p.add_argument('--max-message-bytes', type=int, default=16 * 1024 * 1024)
    args = p.parse_args()
    if args.tempfail + args.permfail + args.drop > 1.0:
        p.error('the fault probabilities add up to more than 1')
    asyncio.run(main_async(args))
    return 0


if __name__ == '__main__':
    sys.exit(main())
