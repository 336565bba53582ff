#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# sender.py: one D-Bus client process of the Herald benchmark (bench/run).
#
# Calls org.herald.Gateway1.Send on the session bus with plain Gio (no
# libherald, so that the client costs as little as possible), in one of two
# modes:
#
#   closed loop   --count C --window W: keep W calls outstanding until C
#                 replies came back (the throughput clients);
#   open loop     --rate R --duration S: start call i at t0 + i/R whatever
#                 the replies do (the latency client); the latency of a call
#                 is measured from its scheduled start, so a stalled daemon
#                 cannot hide behind a stalled client (no coordinated
#                 omission), and also from the moment it was really issued.
#
# Protocol with bench/run: prints "ready" once connected, starts on a line
# "go" on stdin, prints one JSON object at the end. Times are
# time.monotonic() (CLOCK_MONOTONIC, comparable between processes).
# Every loop is bounded: by the count, by --duration and by --timeout.

import argparse
import json
import sys
import time

import gi
gi.require_version('Gio', '2.0')
from gi.repository import GLib, Gio  # noqa: E402

BUS_NAME = 'org.herald.Gateway1'
OBJECT_PATH = '/org/herald/Gateway1'
INTERFACE = 'org.herald.Gateway1'


def body_text(size):
    """SIZE bytes of ASCII text in lines of at most 64 bytes."""
    line = 'Herald benchmark notification body, one kibibyte of plain text.'
    out = []
    total = 0
    i = 0
    while total < size:
        text = f'{i:03d} {line}'[:63]
        text = text[:max(0, min(63, size - total - 1))] + '\n'
        out.append(text)
        total += len(text)
        i += 1
    return ''.join(out)[:size]


def notification(profile, body_bytes, tag):
    return GLib.Variant('(a{sv})', ({
        'to': GLib.Variant('as', ['rcpt@sink.herald.test']),
        'subject': GLib.Variant('s', f'Herald benchmark {tag}'),
        'body': GLib.Variant('s', body_text(body_bytes)),
        'profile': GLib.Variant('s', profile),
        'app-name': GLib.Variant('s', 'herald-bench'),
        'category': GLib.Variant('s', 'bench'),
    },))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--profile', required=True)
    parser.add_argument('--body-bytes', type=int, default=1024)
    parser.add_argument('--count', type=int, default=0, help='closed loop: calls to make')
    parser.add_argument('--window', type=int, default=50, help='closed loop: calls outstanding')
    parser.add_argument('--rate', type=float, default=0, help='open loop: calls per second')
    parser.add_argument('--duration', type=float, default=0, help='open loop: seconds')
    parser.add_argument('--timeout', type=float, default=600, help='give up after SECONDS')
    parser.add_argument('--tag', default='0')
    args = parser.parse_args()

    connection = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    params = notification(args.profile, args.body_bytes, args.tag)
    reply_type = GLib.VariantType('(s)')
    loop = GLib.MainLoop()

    open_loop = args.rate > 0
    total = int(round(args.rate * args.duration)) if open_loop else args.count
    state = {'issued': 0, 'done': 0, 'ok': 0, 'errors': 0, 'first_error': None,
             'timed_out': False}
    scheduled = [0.0] * total if open_loop else None
    issued_at = [0.0] * total if open_loop else None
    latency_sched = []
    latency_issue = []
    max_outstanding = [0]

    def finished(conn, result, index):
        now = time.monotonic()
        try:
            conn.call_finish(result)
            state['ok'] += 1
        except GLib.Error as error:
            state['errors'] += 1
            if state['first_error'] is None:
                state['first_error'] = error.message
        state['done'] += 1
        if open_loop:
            latency_sched.append(now - scheduled[index])
            latency_issue.append(now - issued_at[index])
        else:
            issue_more()
        if state['done'] >= total:
            state['t_end'] = now
            loop.quit()

    def issue(index):
        if open_loop:
            issued_at[index] = time.monotonic()
        connection.call(BUS_NAME, OBJECT_PATH, INTERFACE, 'Send', params, reply_type,
                        Gio.DBusCallFlags.NO_AUTO_START, 120000, None, finished, index)
        state['issued'] += 1
        max_outstanding[0] = max(max_outstanding[0], state['issued'] - state['done'])

    def issue_more():
        while state['issued'] < total and state['issued'] - state['done'] < args.window:
            issue(state['issued'])

    def tick():
        # Issue every call whose scheduled time has come (catching up if late).
        now = time.monotonic()
        while state['issued'] < total and scheduled[state['issued']] <= now:
            issue(state['issued'])
        return state['issued'] < total

    def give_up():
        state['timed_out'] = True
        loop.quit()
        return GLib.SOURCE_REMOVE

    print('ready', flush=True)
    line = sys.stdin.readline().strip()
    if line != 'go':
        return 1
    t0 = time.monotonic()
    state['t_start'] = t0
    GLib.timeout_add(int(args.timeout * 1000), give_up)
    if total == 0:
        state['t_end'] = t0
    elif open_loop:
        for i in range(total):
            scheduled[i] = t0 + i / args.rate
        GLib.timeout_add(1, tick)
        tick()
        loop.run()
    else:
        issue_more()
        loop.run()

    out = {'tag': args.tag, 'count': total, 'ok': state['ok'], 'errors': state['errors'],
           'first_error': state['first_error'], 'timed_out': state['timed_out'],
           't_start': state['t_start'], 't_end': state.get('t_end', time.monotonic()),
           'max_outstanding': max_outstanding[0]}
    if open_loop:
        out['latency_sched'] = latency_sched
        out['latency_issue'] = latency_issue
        out['issue_lateness'] = [issued_at[i] - scheduled[i] for i in range(state['issued'])]
    sys.stdout.write(json.dumps(out) + '\n')
    sys.stdout.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main())
