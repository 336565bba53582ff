#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# test-bridge.py: herald-desktop-bridge against the built heraldd on a
# private session bus (run under dbus-run-session). Notify calls go through
# the bridge; only the ones the routing rules select become deliveries.

import glob
import json
import os
import signal
import subprocess
import sys
import time
import unittest

import gi
gi.require_version('Herald', '1.0')
gi.require_version('Gio', '2.0')
from gi.repository import GLib, Gio, Herald  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'bindings'))
import heraldtest  # noqa: E402

BRIDGE_NAME = 'org.herald.DesktopBridge'
PATH = '/org/freedesktop/Notifications'
IFACE = 'org.freedesktop.Notifications'


class Bridge:
    """herald-desktop-bridge with a keyfile of its own."""

    def __init__(self, workdir, name, settings, args=()):
        self.dir = workdir
        self.conf = os.path.join(workdir, name + '.conf')
        settings = dict(settings)
        settings.setdefault('gateway-bus', 'session')
        settings.setdefault('bus-name', BRIDGE_NAME)
        with open(self.conf, 'w') as conf:
            conf.write('[bridge]\n')
            for key, value in settings.items():
                conf.write(f'{key}={value}\n')
        self.bus_name = settings['bus-name']
        self.log_path = os.path.join(workdir, name + '.log')
        binary = os.environ['HERALD_DESKTOP_BRIDGE']
        self.log = open(self.log_path, 'w')
        self.process = subprocess.Popen([binary, '--verbose', '--config', self.conf, *args],
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while not heraldtest.name_has_owner(self.bus_name):
            if self.process.poll() is not None:
                self.fail(f'the bridge exited with status {self.process.returncode}')
            if time.monotonic() > deadline:
                self.fail('the bridge did not take its name within 20 s')
            time.sleep(0.05)
        self.bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)

    def fail(self, message):
        self.log.flush()
        with open(self.log_path) as log:
            sys.stderr.write('--- bridge log ---\n' + log.read() + '--- end ---\n')
        raise AssertionError(message)

    def notify(self, summary, body='', urgency=None, category=None, app='test-app',
               replaces=0, destination=None, hints=None):
        hints = dict(hints or {})
        if urgency is not None:
            hints['urgency'] = GLib.Variant('y', urgency)
        if category is not None:
            hints['category'] = GLib.Variant('s', category)
        reply = self.bus.call_sync(destination or self.bus_name, PATH, IFACE, 'Notify',
                                   GLib.Variant('(susssasa{sv}i)',
                                                (app, replaces, '', summary, body, [], hints, -1)),
                                   GLib.VariantType('(u)'), Gio.DBusCallFlags.NONE, 10000, None)
        return reply.unpack()[0]

    def flush(self):
        reply = self.bus.call_sync(self.bus_name, PATH, 'org.herald.DesktopBridge1', 'Flush',
                                   None, GLib.VariantType('(as)'), Gio.DBusCallFlags.NONE,
                                   30000, None)
        return reply.unpack()[0]

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            status = self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            self.fail('the bridge did not exit within 20 s of SIGTERM')
        self.log.close()
        if status != 0:
            self.fail(f'the bridge exited with status {status}')


class BridgeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = heraldtest.Daemon().start()
        cls.client = Herald.Client.new_sync(Gio.BusType.SESSION, None)
        cls.maildirs = {}
        for name in ('alerts', 'devices'):
            profile = Herald.Profile.new(name)
            cls.maildirs[name] = os.path.join(cls.daemon.dir, name)
            profile.set_setting('transport', 'maildir')
            profile.set_setting('maildir-path', cls.maildirs[name])
            profile.set_setting('from-address', 'herald@example.com')
            cls.client.add_profile_sync(profile, None)
        routes = {'version': 1, 'rules': [
            {'name': 'critical',
             'match': {'min-urgency': 'critical', 'tags-any': ['desktop-bridge']},
             'profiles': ['alerts'], 'add-to': ['admin@example.org']},
            {'name': 'devices',
             'match': {'category': 'device.*', 'tags-any': ['desktop-bridge']},
             'profiles': ['devices'], 'add-to': ['ops@example.org']},
            # adds a recipient but names no profile: only the default profile
            # would take it, which the bridge never uses
            {'name': 'adder', 'match': {'app-name': 'adder-app'},
             'add-to': ['nobody@example.org'], 'stop': False},
        ]}
        cls.client.set_routes_sync(json.dumps(routes), None)

    @classmethod
    def tearDownClass(cls):
        cls.client = None
        cls.daemon.stop()

    def delivery(self, delivery_id):
        return self.client.get_delivery_sync(delivery_id, None)

    def all_deliveries(self):
        return self.client.list_deliveries_sync(Herald.DeliveryFilter.new(), None)

    def message_text(self, delivery_id):
        final = self.wait_final(delivery_id)
        self.assertEqual(final.get_state(), Herald.DeliveryState.SENT)
        maildir = self.maildirs[final.get_profile()]
        with open(heraldtest.find_message(maildir, final.get_message_id()), 'rb') as message:
            return message.read().decode()

    def wait_final(self, delivery_id, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            delivery = self.delivery(delivery_id)
            if delivery.props.final:
                return delivery
            time.sleep(0.05)
        raise AssertionError(f'delivery {delivery_id} not final in {timeout} s')

    def test_rules_select(self):
        before = len(self.all_deliveries())
        bridge = Bridge(self.daemon.dir, 'select', {'coalesce-window': 600, 'replace-window': 600})
        try:
            cases = [
                ('im message', 0, 'im.received', None),
                ('new mail', 1, 'email.arrived', None),
                ('uplink down', 2, 'network.disconnected', 'alerts'),
                ('usb stick added', 0, 'device.added', 'devices'),
                ('plain normal', 1, None, None),
                ('disk failing', 2, 'device.error', 'alerts'),  # first rule wins
                ('low, no category', 0, None, None),
            ]
            for summary, urgency, category, _ in cases:
                self.assertGreater(bridge.notify(summary, 'body of ' + summary, urgency, category), 0)
            self.assertGreater(bridge.notify('to the default profile', urgency=1, app='adder-app'), 0)
            ids = bridge.flush()
            expected = {summary: profile for summary, _, _, profile in cases if profile}
            self.assertEqual(len(ids), len(expected))
            seen = {}
            for delivery_id in ids:
                delivery = self.delivery(delivery_id)
                seen[delivery.get_subject()] = delivery.get_profile()
                self.assertEqual(delivery.get_app_name(), 'test-app')
            self.assertEqual(seen, expected)
            self.assertEqual(len(self.all_deliveries()), before + len(expected))

            text = self.message_text(ids[0])
            self.assertNotIn('herald.invalid', text)
            for delivery_id in ids:
                delivery = self.delivery(delivery_id)
                text = self.message_text(delivery_id)
                address = 'admin@example.org' if delivery.get_profile() == 'alerts' else 'ops@example.org'
                self.assertIn('To: ' + address, text)
                self.assertIn('body of ' + delivery.get_subject(), text)
        finally:
            bridge.stop()

    def test_replaces_id(self):
        bridge = Bridge(self.daemon.dir, 'replace', {'coalesce-window': 600, 'replace-window': 600})
        try:
            # an update of a pending notification changes what is sent
            first = bridge.notify('battery 10%', urgency=2, category='device.battery')
            self.assertEqual(bridge.notify('battery 5%', urgency=2, category='device.battery',
                                           replaces=first), first)
            ids = bridge.flush()
            self.assertEqual(len(ids), 1)
            self.assertEqual(self.delivery(ids[0]).get_subject(), 'battery 5%')
            # an update of one already sent within the window sends nothing
            self.assertEqual(bridge.notify('battery 3%', urgency=2, category='device.battery',
                                           replaces=first), first)
            self.assertEqual(bridge.flush(), [])
        finally:
            bridge.stop()

    def test_burst_is_coalesced(self):
        bridge = Bridge(self.daemon.dir, 'burst', {'coalesce-window': 600})
        try:
            ids = {bridge.notify('sensor 7 flapping', 'temperature out of range', urgency=2,
                                 category='device.error') for _ in range(20)}
            self.assertEqual(len(ids), 20)
            delivered = bridge.flush()
            self.assertEqual(len(delivered), 1)
            delivery = self.delivery(delivered[0])
            self.assertEqual(delivery.get_subject(), 'sensor 7 flapping (20 times)')
            self.assertEqual(delivery.get_profile(), 'alerts')
            self.assertIn('raised 20 times', self.message_text(delivered[0]))
        finally:
            bridge.stop()

    def test_window_ends_burst(self):
        """Without Flush: the quiet period ends the burst by itself."""
        before = {d.get_id() for d in self.all_deliveries()}
        bridge = Bridge(self.daemon.dir, 'timer', {'coalesce-window': 0.5})
        try:
            for _ in range(3):
                bridge.notify('fan stopped', urgency=2, category='device.fan')
            deadline = time.monotonic() + 30
            new = []
            while not new and time.monotonic() < deadline:
                new = [d for d in self.all_deliveries() if d.get_id() not in before]
                time.sleep(0.1)
            self.assertTrue(new, 'the burst was never sent')
            self.assertTrue(new[0].get_subject().startswith('fan stopped'))
        finally:
            bridge.stop()

    def test_monitor_mode(self):
        """The bridge watches Notify calls to a real notification server."""
        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        node = Gio.DBusNodeInfo.new_for_xml(
            "<node><interface name='org.freedesktop.Notifications'><method name='Notify'>"
            "<arg type='s' direction='in'/><arg type='u' direction='in'/>"
            "<arg type='s' direction='in'/><arg type='s' direction='in'/>"
            "<arg type='s' direction='in'/><arg type='as' direction='in'/>"
            "<arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
            "<arg type='u' direction='out'/></method></interface></node>")

        def call(connection, sender, path, iface, method, params, invocation):
            invocation.return_value(GLib.Variant('(u)', (77,)))

        registration = bus.register_object(PATH, node.interfaces[0], call, None, None)
        owner = Gio.bus_own_name_on_connection(bus, IFACE, Gio.BusNameOwnerFlags.NONE, None, None)
        bridge = Bridge(self.daemon.dir, 'monitor',
                        {'coalesce-window': 600, 'bus-name': 'org.herald.DesktopBridge.Monitor'},
                        ['--mode', 'forward', '--mode', 'monitor'])
        try:
            deadline = time.monotonic() + 20
            while not heraldtest.name_has_owner(IFACE) and time.monotonic() < deadline:
                GLib.MainContext.default().iteration(False)
                time.sleep(0.02)
            # the server answers from this process's main context: call async
            results = []
            for summary, urgency in (('seen by monitor', 2), ('quiet one', 0)):
                bus.call(IFACE, PATH, IFACE, 'Notify',
                         GLib.Variant('(susssasa{sv}i)',
                                      ('monitored-app', 0, '', summary, '', [],
                                       {'urgency': GLib.Variant('y', urgency)}, -1)),
                         GLib.VariantType('(u)'), Gio.DBusCallFlags.NONE, 10000, None,
                         lambda source, res: results.append(source.call_finish(res)))
            while len(results) < 2 and time.monotonic() < deadline:
                GLib.MainContext.default().iteration(False)
                time.sleep(0.01)
            self.assertEqual(len(results), 2)
            delivered = []
            while not delivered and time.monotonic() < deadline:
                delivered = bridge.flush()
                time.sleep(0.05)
            self.assertEqual(len(delivered), 1)
            delivery = self.delivery(delivered[0])
            self.assertEqual(delivery.get_subject(), 'seen by monitor')
            self.assertEqual(delivery.get_app_name(), 'monitored-app')
        finally:
            bridge.stop()
            Gio.bus_unown_name(owner)
            bus.unregister_object(registration)

    def test_owns_notifications_name(self):
        """On a session without a notification server the bridge can be it."""
        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)

        def owner(name):
            try:
                return bus.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                                     'org.freedesktop.DBus', 'GetNameOwner',
                                     GLib.Variant('(s)', (name,)), GLib.VariantType('(s)'),
                                     Gio.DBusCallFlags.NONE, 5000, None).unpack()[0]
            except GLib.Error:
                return None

        bridge = Bridge(self.daemon.dir, 'own',
                        {'coalesce-window': 600, 'own-notifications-name': 'true',
                         'bus-name': 'org.herald.DesktopBridge.Own'})
        try:
            deadline = time.monotonic() + 20
            while (owner(IFACE) != owner(bridge.bus_name)) and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertEqual(owner(IFACE), owner(bridge.bus_name))
            info = bus.call_sync(IFACE, PATH, IFACE, 'GetServerInformation', None,
                                 GLib.VariantType('(ssss)'), Gio.DBusCallFlags.NONE, 5000, None)
            self.assertEqual(info.unpack()[0], 'Herald desktop bridge')
            bridge.notify('via the standard name', urgency=2, destination=IFACE)
            delivered = bridge.flush()
            self.assertEqual(len(delivered), 1)
            self.assertEqual(self.delivery(delivered[0]).get_subject(), 'via the standard name')
        finally:
            bridge.stop()

    def test_markup_is_stripped(self):
        bridge = Bridge(self.daemon.dir, 'markup', {'coalesce-window': 0})
        try:
            bridge.notify('markup', '<b>Disk</b> &lt;sda&gt; <i>failing</i> &amp; <a href="https://x.example/">details</a>',
                          urgency=2)
            delivered = []
            deadline = time.monotonic() + 20
            while not delivered and time.monotonic() < deadline:
                delivered = [d for d in self.all_deliveries() if d.get_subject() == 'markup']
                time.sleep(0.05)
            self.assertTrue(delivered)
            text = self.message_text(delivered[0].get_id())
            self.assertIn('Disk <sda> failing & details', text)
        finally:
            bridge.stop()


if __name__ == '__main__':
    unittest.main(verbosity=2)
