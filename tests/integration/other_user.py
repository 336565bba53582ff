#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# other_user.py: calls org.herald.Gateway1 methods on the private system bus
# as whatever user runs it (test_access.py starts it through setpriv as a
# user created for the test) and prints one JSON line per call:
#   {"ok": REPLY, "seconds": S} or {"error": "org.herald.Gateway1.Error.NAME", "message": ..., "seconds": S}
#
#   other_user.py '[["Send", "({...},)"], ["GetDelivery", "(\'ID\',)", "interactive"], ...]'
#
# Arguments are GLib.Variant text (GLib.Variant.print_(True)), or null for
# none. A third element "interactive" sets ALLOW_INTERACTIVE_AUTHORIZATION,
# as a client with a polkit agent would.
#
#   other_user.py --leave AddProfile "(...)" MARK
# sends the call without waiting for its reply, waits until the file MARK
# exists (polkit is checking it), then exits: the caller leaves the bus
# while its check is pending.

import json
import os
import sys
import time

import gi
gi.require_version('Gio', '2.0')
from gi.repository import GLib, Gio  # noqa: E402

NAME = 'org.herald.Gateway1'
PATH = '/org/herald/Gateway1'


def connect():
    address = os.environ.get('HERALD_TEST_BUS_ADDRESS')
    if address:     # another bus than the system bus (the session bus test)
        return Gio.DBusConnection.new_for_address_sync(
            address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
    return Gio.bus_get_sync(Gio.BusType.SYSTEM, None)


def parse(text):
    return GLib.Variant.parse(None, text, None, None) if text else None


def leave(bus, method, args, mark):
    bus.call(NAME, PATH, NAME, method, parse(args), None, Gio.DBusCallFlags.NONE, -1,
             None, None, None)
    bus.flush_sync(None)
    deadline = time.monotonic() + 20
    while not os.path.exists(mark):
        if time.monotonic() > deadline:
            sys.exit('polkit never started checking the call')
        time.sleep(0.02)


def main():
    bus = connect()
    if sys.argv[1] == '--leave':
        leave(bus, *sys.argv[2:5])
        return
    for call in json.loads(sys.argv[1]):
        method, args = call[0], call[1]
        flags = Gio.DBusCallFlags.NONE
        if len(call) > 2 and call[2] == 'interactive':
            flags = Gio.DBusCallFlags.ALLOW_INTERACTIVE_AUTHORIZATION
        started = time.monotonic()
        try:
            reply = bus.call_sync(NAME, PATH, NAME, method, parse(args), None, flags, 30000, None)
            result = {'ok': reply.unpack()}
        except GLib.Error as error:
            result = {'error': Gio.DBusError.get_remote_error(error), 'message': error.message}
        result['seconds'] = time.monotonic() - started
        print(json.dumps(result, default=str), flush=True)


if __name__ == '__main__':
    main()
