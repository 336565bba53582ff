#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# other_user.py: calls org.herald.Gateway1 methods on the private system bus
# as whatever user runs it (test_access.py starts it through setpriv as
# "nobody") and prints one JSON line per call:
#   {"ok": REPLY} or {"error": "org.herald.Gateway1.Error.NAME", "message": ...}
#
#   other_user.py '[["Send", "(a{sv})", {...}], ["GetDelivery", "(s)", ["ID"]], ...]'
#
# Values are JSON; Send's dictionary holds only strings and lists of strings.

import json
import os
import sys

import gi
gi.require_version('Gio', '2.0')
from gi.repository import GLib, Gio  # noqa: E402


def variant(signature, args):
    if signature == '(a{sv})':
        values = {}
        for key, value in args[0].items():
            values[key] = GLib.Variant('as' if isinstance(value, list) else 's', value)
        return GLib.Variant(signature, (values,))
    return GLib.Variant(signature, tuple(args))


def main():
    calls = json.loads(sys.argv[1])
    address = os.environ.get('HERALD_TEST_BUS_ADDRESS')
    if address:     # another bus than the system bus (the session bus test)
        bus = Gio.DBusConnection.new_for_address_sync(
            address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
    else:
        bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
    for method, signature, args in calls:
        try:
            reply = bus.call_sync('org.herald.Gateway1', '/org/herald/Gateway1',
                                  'org.herald.Gateway1', method,
                                  variant(signature, args) if signature else None, None,
                                  Gio.DBusCallFlags.NONE, 30000, None)
            print(json.dumps({'ok': reply.unpack()}, default=str), flush=True)
        except GLib.Error as error:
            print(json.dumps({'error': Gio.DBusError.get_remote_error(error),
                              'message': error.message}), flush=True)


if __name__ == '__main__':
    main()
