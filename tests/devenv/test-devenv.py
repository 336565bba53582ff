#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# test-devenv.py: `meson devenv -C BUILD` gives a shell that runs this build
# tree (issue 16): heraldd and heraldctl on PATH, the plugins found through
# HERALD_PLUGIN_DIR=BUILD/plugins (its subdirectories), the GI bindings
# through GI_TYPELIB_PATH and LD_LIBRARY_PATH. Then the README's quick start,
# pasted into that shell as it stands, sends a notification from heraldctl
# and from Python through the default profile "local" into the Maildir.
# Run under dbus-run-session.
#
#   test-devenv.py MESON BUILD_ROOT README

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

MESON, BUILD, README = sys.argv[1:4]
del sys.argv[1:4]

# The variables the test suite sets for other tests: the devenv must
# provide its own. (LD_PRELOAD stays: under AddressSanitizer the Python
# interpreter must load the runtime first, see tests/bindings/meson.build.)
SUITE_VARIABLES = ('HERALD_PLUGIN_DIR', 'HERALD_DAEMON', 'HERALD_CTL', 'GI_TYPELIB_PATH',
                   'LD_LIBRARY_PATH', 'HERALD_LOCALEDIR')


def clean_environment(home):
    env = {key: value for key, value in os.environ.items()
           if key not in SUITE_VARIABLES and not key.startswith('XDG_')}
    env['HOME'] = home
    # Debian's python3 (with gi), as on a newcomer's machine
    env['PATH'] = '/usr/bin:/bin'
    env['LC_ALL'] = 'C.UTF-8'
    return env


def quick_start_blocks(readme):
    """The fenced sh blocks of the README's first section (up to the
    second "## " heading)."""
    with open(readme, encoding='utf-8') as f:
        text = f.read()
    sections = re.split(r'^## ', text, flags=re.M)
    first = sections[1] if len(sections) > 1 else ''
    return re.findall(r'^```sh\n(.*?)^```', first, flags=re.M | re.S)


class DevenvTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='herald-devenv-')
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.home = os.path.join(self.tmp, 'home')
        os.mkdir(self.home)
        self.env = clean_environment(self.home)

    def test_dump(self):
        dump = subprocess.run([MESON, 'devenv', '-C', BUILD, '--dump'], env=self.env,
                              capture_output=True, text=True, check=True).stdout
        values = dict(re.findall(r'^([A-Z_]+)="(.*)"$', dump, flags=re.M))
        path = values['PATH'].split(':')
        for program in ('src/daemon', 'src/cli'):
            self.assertIn(os.path.join(BUILD, program), path, dump)
        self.assertEqual(values['HERALD_PLUGIN_DIR'], os.path.join(BUILD, 'plugins'))
        libdir = os.path.join(BUILD, 'src', 'libherald')
        self.assertIn(libdir, values['GI_TYPELIB_PATH'].split(':'))
        self.assertIn(libdir, values['LD_LIBRARY_PATH'].split(':'))

    def run_in_devenv(self, script, timeout=120):
        """Runs SCRIPT with bash inside `meson devenv`; a heraldd it left
        running is stopped with SIGTERM and must exit cleanly."""
        wrapped = ('set -euo pipefail\n'
                   'stop_daemon() { if [ -n "$(jobs -p)" ]; then kill -TERM $(jobs -p); '
                   'wait; fi; }\n'
                   'trap stop_daemon EXIT\n' + script)
        result = subprocess.run([MESON, 'devenv', '-C', BUILD, 'bash', '-c', wrapped],
                                env=self.env, cwd=self.tmp, capture_output=True, text=True,
                                timeout=timeout)
        sys.stderr.write(f'--- script ---\n{script}\n--- stdout ---\n{result.stdout}'
                         f'--- stderr ---\n{result.stderr}--- status {result.returncode}\n')
        return result

    def test_programs_come_from_the_build_tree(self):
        result = self.run_in_devenv(
            'command -v heraldd heraldctl\n'
            "python3 -c 'import gi; gi.require_version(\"Herald\", \"1.0\"); "
            'gi.require_version("GIRepository", "2.0"); '
            'from gi.repository import GIRepository, Herald; '
            "print(GIRepository.Repository.get_default().get_typelib_path(\"Herald\"))'\n")
        self.assertEqual(result.returncode, 0)
        lines = result.stdout.splitlines()
        self.assertEqual(lines[:2], [os.path.join(BUILD, 'src', 'daemon', 'heraldd'),
                                     os.path.join(BUILD, 'src', 'cli', 'heraldctl')])
        self.assertIn(os.path.join(BUILD, 'src', 'libherald'), lines[2])

    def test_readme_quick_start(self):
        blocks = quick_start_blocks(README)
        self.assertGreaterEqual(len(blocks), 2, 'the README starts with a quick start')
        # the first block builds the tree (done already); the rest runs in it
        script = '\n'.join(blocks[1:])
        self.assertIn('heraldd', script)
        self.assertIn('python3', script)
        result = self.run_in_devenv(script)
        self.assertEqual(result.returncode, 0)
        lines = result.stdout.splitlines()
        self.assertIn('sent', lines)                      # heraldctl send --wait
        self.assertIn('sent: sent to 1 of 1', lines)      # the Python snippet
        maildir = os.path.join(self.home, '.local', 'share', 'herald', 'Maildir', 'new')
        messages = []
        for name in sorted(os.listdir(maildir)):
            with open(os.path.join(maildir, name), 'rb') as message:
                messages.append(message.read().decode())
        self.assertEqual(len(messages), 2, messages)
        self.assertTrue(any('Subject: Hello from the build tree' in m for m in messages))
        self.assertTrue(any('Subject: Hello from Python' in m for m in messages))

    def test_no_plugins_no_start(self):
        empty = os.path.join(self.tmp, 'no-plugins')
        os.mkdir(empty)
        result = self.run_in_devenv(f'HERALD_PLUGIN_DIR={empty} heraldd --state-dir '
                                    f'{self.tmp}/state || echo "exit status $?"\n')
        self.assertIn('exit status 1', result.stdout)
        self.assertIn(f'No transport plugin could be loaded from {empty}', result.stderr)
        self.assertIn('HERALD_PLUGIN_DIR', result.stderr)


if __name__ == '__main__':
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    unittest.main(verbosity=2)
