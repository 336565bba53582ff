#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""check-private-names.py: headers shared between files export only
prefixed names.

Usage: check-private-names.py SOURCE_ROOT

A header is included by several files, so a short name in it (a type
"Op", a macro "MAX_SHOWN", an enum member "OP_SUBMIT") can clash with
another header's and says nothing of where it comes from. Every header
under src/ and plugins/ is read; each typedef name, each object-like or
function-like macro at file level and each enumerator must begin with
the prefix of its component: Gw/GW_ (daemon, SDK, plugins), Herald/HERALD_
(libherald, heraldctl), Hs/HS_ (sendmail), Hb/HB_ (the bridge). Include
guards are #pragma once, so no guard macro is exempt. Exits 1 with one
line per name that is not.
"""

import os
import re
import sys

PREFIXES = ('Gw', 'GW_', 'gw_', 'Herald', 'HERALD_', 'herald_', 'Hs', 'HS_', 'hs_', 'Hb', 'HB_',
            'hb_', 'HERALDCTL_', 'G_', 'TEST_', 'Test')
TYPEDEF_END = re.compile(r'^\}\s*([A-Za-z_]\w*)\s*;')
TYPEDEF_ONE = re.compile(r'^typedef\s+[^;{(]*?\b([A-Za-z_]\w*)\s*;')
DEFINE = re.compile(r'^#\s*define\s+([A-Za-z_]\w*)')
ENUM_START = re.compile(r'^(typedef\s+)?enum\b')
ENUMERATOR = re.compile(r'^\s+([A-Z_][A-Z0-9_]*)\s*(=[^,]*)?,?\s*(/\*.*)?$')


def names(path):
    in_enum = False
    with open(path, encoding='utf-8') as f:
        for number, line in enumerate(f, 1):
            if ENUM_START.match(line):
                in_enum = True
                continue
            if in_enum:
                if line.startswith('}'):
                    in_enum = False
                else:
                    match = ENUMERATOR.match(line)
                    if match:
                        yield number, 'enumerator', match.group(1)
                    continue
            for kind, pattern in (('type', TYPEDEF_END), ('type', TYPEDEF_ONE), ('macro', DEFINE)):
                match = pattern.match(line)
                if match:
                    yield number, kind, match.group(1)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = sys.argv[1]
    bad = []
    for top in ('src', 'plugins'):
        for folder, _, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                if not name.endswith('.h'):
                    continue
                path = os.path.join(folder, name)
                for number, kind, symbol in names(path):
                    if not symbol.startswith(PREFIXES):
                        bad.append(f'{os.path.relpath(path, root)}:{number}: {kind} “{symbol}” '
                                   'has no component prefix')
    for line in bad:
        print(line)
    print(f'check-private-names: {len(bad)} unprefixed name(s) in headers')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
