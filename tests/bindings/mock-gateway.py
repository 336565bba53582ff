#!/usr/bin/python3
# mock-gateway.py: owns org.herald.Gateway1 on the session bus and answers
# TestProfile with a canned failure: the server's certificate was refused.
# For testing how clients show results the real gateway gives only against
# a TLS server. Runs until SIGTERM.

import signal

import gi
gi.require_version('Gio', '2.0')
from gi.repository import GLib, Gio  # noqa: E402

INTERFACE = '''
<node>
  <interface name="org.herald.Gateway1">
    <method name="TestProfile">
      <arg name="profile" type="s" direction="in"/>
      <arg name="recipient" type="s" direction="in"/>
      <arg name="result" type="a{sv}" direction="out"/>
    </method>
  </interface>
</node>
'''

# what the CLI test expects to see
CERTIFICATE = {
    'subject': GLib.Variant('s', 'CN=mail.example.test,O=Example'),
    'issuer': GLib.Variant('s', 'CN=Untrusted Test CA'),
    'not-before': GLib.Variant('x', 1700000000 * 1000000),
    'not-after': GLib.Variant('x', 1800000000 * 1000000),
    'sha256-fingerprint': GLib.Variant('s', '0123456789abcdef' * 4),
    'spki-pin': GLib.Variant('s', 'fedcba9876543210' * 4),
    'errors': GLib.Variant('as', ['unknown-ca', 'bad-identity']),
    'host': GLib.Variant('s', 'mail.example.test'),
    'port': GLib.Variant('q', 465),
}
RESULT = {
    'ok': GLib.Variant('b', False),
    'error': GLib.Variant('s', 'The certificate of mail.example.test is not trusted'),
    'tls': GLib.Variant('s', 'TLSv1.3 TLS_AES_256_GCM_SHA384'),
    # a control character from the server must not reach the terminal
    'transcript': GLib.Variant('as', ['connected to mail.example.test:465',
                                      'S: 220 \x1b[31mevil\x1b[0m']),
    'certificate': GLib.Variant('a{sv}', CERTIFICATE),
}


def on_call(connection, sender, path, interface, method, parameters, invocation):
    profile, recipient = parameters.unpack()
    if profile != 'selfsigned':
        invocation.return_dbus_error('org.herald.Gateway1.Error.NoSuchProfile',
                                     f'No profile is named “{profile}”')
        return
    invocation.return_value(GLib.Variant('(a{sv})', (RESULT,)))


def main():
    loop = GLib.MainLoop()
    node = Gio.DBusNodeInfo.new_for_xml(INTERFACE)
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    bus.register_object('/org/herald/Gateway1', node.interfaces[0], on_call, None, None)
    Gio.bus_own_name_on_connection(bus, 'org.herald.Gateway1', Gio.BusNameOwnerFlags.NONE,
                                   None, lambda *args: loop.quit())
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    loop.run()


if __name__ == '__main__':
    main()
