#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""check-spdx.py: every source file names its licence.

Usage: check-spdx.py SOURCE_ROOT

A source file (C, headers, Python, JavaScript, shell, XML, meson files,
the symbol map, the bash completion, and every file that starts with
"#!") carries an
"SPDX-License-Identifier: LICENCE" line within its first five lines, and
LICENCE is the one README and COPYING state: LGPL-2.1-or-later. The files
come from "git ls-files" in a git checkout, else from walking the tree (a
release tarball).
"""

import os
import re
import subprocess
import sys

LICENCE = 'LGPL-2.1-or-later'
EXTENSIONS = ('.c', '.h', '.py', '.js', '.sh', '.xml', '.map')
NAMES = ('meson.build', 'meson_options.txt')
# Data, not source: fuzz inputs, translations.
IGNORED_DIRS = ('fuzz/corpus/', 'po/', '.git/')
# Sources without an extension or "#!": the bash completion.
SOURCE_DIRS = ('data/completion/',)
# Files another change owns right now and that add the line when they
# land (the test says when an entry can go).
PENDING = ()
SPDX = re.compile(r'SPDX-License-Identifier:\s*(\S+)')


def listed_files(root):
    result = subprocess.run(['git', '-C', root, 'ls-files', '-z'], capture_output=True)
    top = subprocess.run(['git', '-C', root, 'rev-parse', '--show-toplevel'],
                         capture_output=True, text=True)
    if (result.returncode == 0 and top.returncode == 0
            and os.path.realpath(top.stdout.strip()) == os.path.realpath(root)):
        return [name for name in result.stdout.decode().split('\0') if name]
    files = []
    for directory, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(('build', '.'))]
        for name in names:
            files.append(os.path.relpath(os.path.join(directory, name), root))
    return files


def is_source(root, path):
    if path.startswith(IGNORED_DIRS) or path.split('/')[0].startswith('build'):
        return False
    name = os.path.basename(path)
    if name.endswith(EXTENSIONS) or name in NAMES or path.startswith(SOURCE_DIRS):
        return True
    try:
        with open(os.path.join(root, path), 'rb') as source:
            return source.read(2) == b'#!'
    except OSError:
        return False


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = os.path.abspath(sys.argv[1])
    missing, wrong, checked, stale = [], [], 0, []
    for path in sorted(listed_files(root)):
        if not is_source(root, path):
            continue
        with open(os.path.join(root, path), encoding='utf-8', errors='replace') as source:
            head = [source.readline() for _ in range(5)]
        found = next((SPDX.search(line) for line in head if SPDX.search(line)), None)
        if path in PENDING:
            if found is not None:
                stale.append(path)
            continue
        checked += 1
        if found is None:
            missing.append(path)
        elif found.group(1) != LICENCE:
            wrong.append(f'{path}: {found.group(1)}')
    for path in missing:
        print(f'{path}: no "SPDX-License-Identifier: {LICENCE}" line in its first five lines')
    for entry in wrong:
        print(f'{entry} (expected {LICENCE}; see COPYING)')
    for path in stale:
        print(f'{path} carries the line now: remove it from PENDING in {sys.argv[0]}')
    print(f'SPDX: {checked} source files checked, {len(missing)} without the line, '
          f'{len(wrong)} with another licence')
    return 1 if missing or wrong or stale else 0


if __name__ == '__main__':
    sys.exit(main())
