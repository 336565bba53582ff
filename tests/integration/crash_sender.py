#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# crash_sender.py: one client of test_delivery.py's SIGKILL rounds. Its own
# process, its own bus connection (Herald.Client on the session bus), sends a
# bounded stream of notifications through Send, WINDOW calls outstanding at
# a time, while the test kills heraldd under it.
#
#   crash_sender.py --profile P --prefix PFX --client N --count M [--window W]
#
# Prints "READY" once connected, then waits for a line on stdin before the
# first Send. For every Send it prints one line, flushed at once:
#   ACK <id> <subject>          Send returned an id (acknowledged)
#   ERR <subject> <error name> <message>
# After the first error it starts no new Send (the daemon is gone), waits for
# the outstanding ones and exits 0. Bounded by --time-limit seconds.

import argparse
import os
import sys

os.environ.pop('LD_PRELOAD', None)

import gi  # noqa: E402
gi.require_version('Herald', '1.0')
gi.require_version('Gio', '2.0')
from gi.repository import GLib, Gio, Herald  # noqa: E402


def error_name(error):
    """Herald.Error.<nick>, Gio.DBusError.<nick> or domain:code."""
    if Gio.DBusError.is_remote_error(error):
        return Gio.DBusError.get_remote_error(error)
    for enum, quark, prefix in ((Herald.Error, Herald.error_quark(), 'Herald.Error.'),
                                (Gio.DBusError, Gio.DBusError.quark(), 'Gio.DBusError.')):
        try:
            if error.domain == GLib.quark_to_string(quark):
                return prefix + enum(error.code).value_nick
        except Exception:
            pass
    return f'{error.domain}:{error.code}'


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--profile', required=True)
    parser.add_argument('--prefix', required=True)
    parser.add_argument('--client', type=int, required=True)
    parser.add_argument('--count', type=int, required=True)
    parser.add_argument('--window', type=int, default=4)
    parser.add_argument('--to', default='crash@sink.herald.test')
    parser.add_argument('--time-limit', type=float, default=60)
    args = parser.parse_args()

    client = Herald.Client.new_sync(Gio.BusType.SESSION, None)
    out = sys.stdout
    out.write('READY\n')
    out.flush()
    if not sys.stdin.readline():
        return 1

    loop = GLib.MainLoop()
    state = {'next': 0, 'outstanding': 0, 'stopped': False}

    def notification(subject):
        n = Herald.Notification.new()
        n.add_to(args.to)
        n.set_subject(subject)
        n.set_body(f'Herald crash-safety test, {subject}.\n')
        n.set_profile(args.profile)
        n.set_app_name('herald-crash-tests')
        return n

    def done(source, result, subject):
        state['outstanding'] -= 1
        try:
            delivery_id = source.send_finish(result)
            out.write(f'ACK {delivery_id} {subject}\n')
        except GLib.Error as error:
            message = (error.message or '').replace('\n', ' ')
            out.write(f'ERR {subject} {error_name(error)} {message}\n')
            state['stopped'] = True
        out.flush()
        pump()

    def pump():
        while (not state['stopped'] and state['next'] < args.count
               and state['outstanding'] < args.window):
            subject = f'{args.prefix}-c{args.client}-{state["next"]}'
            state['next'] += 1
            state['outstanding'] += 1
            client.send(notification(subject), None, done, subject)
        if state['outstanding'] == 0 and (state['stopped'] or state['next'] >= args.count):
            loop.quit()

    def expire():
        out.write('TIMEOUT\n')
        out.flush()
        loop.quit()
        return GLib.SOURCE_REMOVE

    GLib.timeout_add(int(args.time_limit * 1000), expire)
    GLib.idle_add(lambda: (pump(), GLib.SOURCE_REMOVE)[1])
    loop.run()
    out.write(f'DONE sent={state["next"]}\n')
    out.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main())
