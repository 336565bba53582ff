#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""pop3-test-server.py: a scripted POP3 server on loopback for test-pop-login.

Prints "PORT <n>" on stdout once it listens on 127.0.0.1 (random port), then
serves until its stdin is closed (the test exits) or it is killed. Every command it receives is appended to --log, one per
line ("PASS ****" for passwords), plus "TLS" when TLS starts, so the test can
check what the client sent. The expected password comes from the
POP3_TEST_PASSWORD environment variable, never from the command line.

Modes:
  normal      greeting, CAPA, STLS (with --cert), USER, PASS, QUIT, and
              +OK/-ERR answers to anything else (recorded all the same)
  no-stls     STLS answered with -ERR
  inject      the +OK to STLS is followed by a second, injected line
  tls         implicit TLS from the first byte (POP3S)
  silent      accepts the connection and never answers
  long-line   a greeting of 5000 bytes without a line end
"""

import argparse
import asyncio
import os
import ssl
import sys


class Session:
    def __init__(self, args, reader, writer):
        self.args = args
        self.reader = reader
        self.writer = writer
        self.user = None
        self.tls = args.mode == "tls"

    def log(self, text):
        with open(self.args.log, "a", encoding="utf-8") as f:
            f.write(text + "\n")

    async def send(self, text):
        self.writer.write(text.encode() + b"\r\n")
        await self.writer.drain()

    async def run(self):
        if self.args.mode == "silent":
            await self.reader.read()
            return
        if self.args.mode == "long-line":
            self.writer.write(b"+OK " + b"x" * 5000)
            await self.writer.drain()
            await self.reader.read()
            return
        await self.send("+OK Herald test POP3 ready")
        while True:
            raw = await self.reader.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb, _, arg = line.partition(" ")
            verb = verb.upper()
            self.log("PASS ****" if verb == "PASS" else line)
            if not await self.command(verb, arg):
                return

    async def command(self, verb, arg):
        if verb == "CAPA":
            caps = ["USER"] + (["STLS"] if self.args.cert and not self.tls else [])
            await self.send("+OK capabilities\r\n" + "\r\n".join(caps) + "\r\n.")
        elif verb == "STLS":
            if self.args.mode == "no-stls" or self.tls or not self.args.cert:
                await self.send("-ERR STLS not available here")
            elif self.args.mode == "inject":
                self.writer.write(b"+OK begin TLS\r\n+OK injected before TLS\r\n")
                await self.writer.drain()
            else:
                await self.send("+OK begin TLS")
                await self.writer.start_tls(self.args.context)
                self.tls = True
                self.log("TLS")
        elif verb == "USER":
            self.user = arg
            await self.send("+OK send PASS")
        elif verb == "PASS":
            expected = os.environ.get("POP3_TEST_PASSWORD", "")
            if self.user == self.args.user and arg == expected:
                await self.send("+OK mailbox locked and ready")
            else:
                await self.send("-ERR [AUTH] Invalid login for this test mailbox")
        elif verb == "QUIT":
            await self.send("+OK bye")
            self.writer.close()
            return False
        else:
            await self.send("+OK recorded")
        return True


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", default="normal")
    parser.add_argument("--user", default="alice")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    args.context = None
    if args.cert:
        args.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        args.context.load_cert_chain(args.cert, args.key)

    async def handle(reader, writer):
        try:
            await Session(args, reader, writer).run()
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError) as e:
            print("connection ended: %s" % e.__class__.__name__, file=sys.stderr)
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0,
                                        ssl=args.context if args.mode == "tls" else None)
    port = server.sockets[0].getsockname()[1]
    print("PORT %d" % port, flush=True)
    # Ends with the test: stdin is a pipe from it, closed when it exits
    # (even when it crashes), so no server outlives its test.
    loop = asyncio.get_running_loop()
    stdin_closed = loop.create_future()

    def on_stdin():
        if not os.read(sys.stdin.fileno(), 1024) and not stdin_closed.done():
            stdin_closed.set_result(None)

    loop.add_reader(sys.stdin.fileno(), on_stdin)
    async with server:
        await stdin_closed


if __name__ == "__main__":
    asyncio.run(main())
