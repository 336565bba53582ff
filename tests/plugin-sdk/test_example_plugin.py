#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_example_plugin.py: a transport is one folder with no core edit.
#
# Installs Herald into a temporary DESTDIR (meson install), builds
# examples/plugin (the "webhook" transport) against that installed SDK with
# pkg-config herald-plugin-1 alone, checks the module links the SDK and not
# the daemon's core, runs the installed heraldd with the module in its
# plugin directory on the private session bus of dbus-run-session, and
# delivers notifications through it, end to end, to an HTTP server on
# 127.0.0.1 run by this test. The installed heraldctl adds the profile and
# sets the transport's own secret.
#
# Environment (tests/plugin-sdk/meson.build): HERALD_BUILD_ROOT,
# HERALD_SOURCE_ROOT, HERALD_PREFIX, HERALD_LIBDIR, HERALD_BINDIR,
# HERALD_LIBEXECDIR, HERALD_PLUGINDIR (absolute, as configured), MESON.

import glob
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'bindings'))

import heraldtest  # noqa: E402

TOKEN = 'wh-T0ken-never-shown'


def run(args, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True, timeout=600, **kwargs)
    if result.returncode != 0:
        raise AssertionError(f'{args} exited with {result.returncode}:\n'
                             f'{result.stdout}\n{result.stderr}')
    return result


class Peer(http.server.BaseHTTPRequestHandler):
    """The webhook's receiver: records each POST, answers with the status
    the test queued for it (200 when none)."""
    requests = []
    statuses = []
    lock = threading.Lock()
    arrived = threading.Condition(lock)

    def do_POST(self):
        length = int(self.headers.get('Content-Length', '0'))
        body = self.rfile.read(length)
        with Peer.lock:
            status = Peer.statuses.pop(0) if Peer.statuses else 200
            Peer.requests.append({'path': self.path, 'headers': dict(self.headers),
                                  'body': body, 'status': status})
            Peer.arrived.notify_all()
        self.send_response(status)
        self.send_header('Content-Length', '0')
        self.end_headers()

    def log_message(self, *args):
        pass

    @classmethod
    def wait_for(cls, count, timeout=60):
        deadline = time.monotonic() + timeout
        with cls.lock:
            while len(cls.requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f'{count} webhook requests expected, '
                                         f'{len(cls.requests)} arrived in {timeout} s')
                cls.arrived.wait(left)
            return list(cls.requests)


class ExamplePluginTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix='herald-example-plugin-')
        cls.destdir = os.path.join(cls.tmp.name, 'destdir')
        env = os.environ
        root = lambda name: cls.destdir + env[name]  # noqa: E731

        # 1. Herald, installed the way a package would be.
        run([env['MESON'], 'install', '-C', env['HERALD_BUILD_ROOT'], '--no-rebuild',
             '--quiet', '--destdir', cls.destdir])
        cls.libdir = root('HERALD_LIBDIR')
        cls.heraldd = os.path.join(root('HERALD_LIBEXECDIR'), 'heraldd')
        cls.heraldctl = os.path.join(root('HERALD_BINDIR'), 'heraldctl')
        cls.plugindir = root('HERALD_PLUGINDIR')
        for path in (cls.heraldd, cls.heraldctl,
                     os.path.join(cls.libdir, 'pkgconfig', 'herald-plugin-1.pc'),
                     os.path.join(cls.destdir + env['HERALD_PREFIX'], 'include',
                                  'herald-plugin-1', 'herald-plugin.h')):
            assert os.path.exists(path), f'not installed: {path}'

        # 2. The example, against the installed SDK only: the source tree's
        # headers and the build tree are nowhere on its paths.
        cls.build_env = dict(env)
        cls.build_env['PKG_CONFIG_PATH'] = os.path.join(cls.libdir, 'pkgconfig')
        cls.build_env.pop('PKG_CONFIG_SYSROOT_DIR', None)
        example_src = os.path.join(env['HERALD_SOURCE_ROOT'], 'examples', 'plugin')
        example_build = os.path.join(cls.tmp.name, 'example-build')
        run([env['MESON'], 'setup', example_build, example_src,
             '-Dwerror=true', '-Db_sanitize=none'], env=cls.build_env)
        run([env['MESON'], 'compile', '-C', example_build], env=cls.build_env)
        cls.module = os.path.join(example_build, 'libherald-webhook.so')
        assert os.path.exists(cls.module), 'the example built no module'

        # 3. Its own plugin directory, as the loader wants it: a regular
        # file of ours, writable by nobody else.
        cls.extra = os.path.join(cls.tmp.name, 'extra-plugins')
        os.mkdir(cls.extra, 0o755)
        shutil.copy(cls.module, cls.extra)
        os.chmod(os.path.join(cls.extra, 'libherald-webhook.so'), 0o644)

        # 4. The peer.
        cls.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Peer)
        cls.port = cls.server.server_address[1]
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()

        # 5. The installed heraldd, with the installed transports and the example's.
        cls.run_env = dict(env)
        cls.run_env['LD_LIBRARY_PATH'] = ':'.join(
            [cls.libdir, os.path.join(cls.libdir, 'herald')] +
            [p for p in env.get('LD_LIBRARY_PATH', '').split(':') if p and not
             p.startswith(env['HERALD_BUILD_ROOT'])])
        os.environ['HERALD_DAEMON'] = cls.heraldd
        os.environ['HERALD_PLUGIN_DIR'] = cls.plugindir + ':' + cls.extra
        os.environ['LD_LIBRARY_PATH'] = cls.run_env['LD_LIBRARY_PATH']
        cls.daemon = heraldtest.Daemon().start()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.daemon.stop()
        finally:
            cls.server.shutdown()
            cls.daemon.tmp.cleanup()
            cls.tmp.cleanup()

    def ctl(self, *args, stdin=None):
        env = dict(self.run_env)
        env['XDG_DATA_HOME'] = self.daemon.env['XDG_DATA_HOME']
        return subprocess.run([self.heraldctl, *args], input=stdin, capture_output=True,
                              text=True, env=env, timeout=120)

    def ctl_ok(self, *args, stdin=None):
        result = self.ctl(*args, stdin=stdin)
        self.assertEqual(result.returncode, 0, f'heraldctl {args}: {result.stderr}')
        return result

    def test_1_links_only_the_sdk(self):
        needed = run(['readelf', '-d', self.module]).stdout
        self.assertIn('libherald-plugin-1.so.0', needed)
        self.assertNotIn('libherald-gateway', needed)
        # heraldd lists it among its transports
        result = subprocess.run(['gdbus', 'introspect', '--session', '--dest', 'org.herald.Gateway1',
                                 '--object-path', '/org/herald/Gateway1', '--only-properties'],
                                capture_output=True, text=True, timeout=60)
        self.assertIn("'webhook'", result.stdout)

    def test_2_delivers_end_to_end(self):
        url = f'http://127.0.0.1:{self.port}/notify'
        self.ctl_ok('profile', 'add', 'hook', 'transport=webhook', f'webhook-url={url}',
                    'from-address=herald@herald.test', 'connect-timeout=10')
        # The transport's own secret, set with heraldctl: no core edit knows its name.
        self.ctl_ok('profile', 'set-password', 'hook', '--key', 'webhook-token', stdin=TOKEN)
        shown = json.loads(self.ctl_ok('--json', 'profile', 'show', 'hook').stdout)
        self.assertEqual(shown['transport'], 'webhook')
        self.assertEqual(shown['webhook-url'], url)
        self.assertTrue(shown['webhook-token-set'])
        self.assertEqual(shown['conversation-timeout'], 30)    # the SDK's default, declared by the transport
        self.assertNotIn(TOKEN, json.dumps(shown))

        before = len(Peer.requests)
        result = self.ctl_ok('send', '--profile', 'hook', '--to', 'ops@example.org',
                             '--subject', 'Disk almost full', '--body', 'sda1 at 97%', '--wait')
        requests = Peer.wait_for(before + 1)
        request = requests[before]
        self.assertEqual(request['path'], '/notify')
        self.assertEqual(request['headers'].get('Authorization'), f'Bearer {TOKEN}')
        self.assertEqual(request['headers'].get('Content-Type'), 'application/json')
        payload = json.loads(request['body'])
        self.assertEqual(payload['profile'], 'hook')
        self.assertEqual(payload['recipients'], ['ops@example.org'])
        self.assertEqual(payload['sender'], 'herald@herald.test')
        self.assertIn('Subject: Disk almost full', payload['message'])
        self.assertIn('sda1 at 97%', payload['message'])
        self.assertTrue(payload['message-id'])
        self.assertNotIn(TOKEN, result.stdout + result.stderr)

    def test_3_refused_means_failed(self):
        with Peer.lock:
            Peer.statuses.append(410)
        before = len(Peer.requests)
        delivery_id = self.ctl_ok('send', '--profile', 'hook', '--to', 'ops@example.org',
                                  '--subject', 'gone').stdout.strip()
        Peer.wait_for(before + 1)
        deadline = time.monotonic() + 60
        while True:
            shown = json.loads(self.ctl_ok('--json', 'delivery', 'show', delivery_id).stdout)
            if shown['state'] == 'failed' or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(shown['state'], 'failed')
        self.assertIn('HTTP 410', json.dumps(shown))

    def test_4_secret_never_logged(self):
        with open(self.daemon.log_path, errors='replace') as log:
            self.assertNotIn(TOKEN, log.read())


if __name__ == '__main__':
    if 'DBUS_SESSION_BUS_ADDRESS' not in os.environ:
        sys.exit('run under dbus-run-session')
    unittest.main(verbosity=2)
