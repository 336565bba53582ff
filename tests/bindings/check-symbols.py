#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# check-symbols.py: the public API of libherald is listed three times — in
# the GIR, in libherald.map and in the dynamic symbol table of the built
# library. All three must name the same functions.
#
# usage: check-symbols.py GIR MAP LIBRARY

import re
import subprocess
import sys
import xml.etree.ElementTree as ET

CORE = '{http://www.gtk.org/introspection/core/1.0}'
C = '{http://www.gtk.org/introspection/c/1.0}'
GLIB = '{http://www.gtk.org/introspection/glib/1.0}'


def gir_symbols(path):
    tree = ET.parse(path)
    symbols = set()
    for tag in ('function', 'method', 'constructor'):
        for element in tree.iter(CORE + tag):
            # virtual methods and callbacks carry no c:identifier
            identifier = element.get(C + 'identifier')
            if identifier:
                symbols.add(identifier)
    for element in tree.iter():
        get_type = element.get(GLIB + 'get-type')
        if get_type and get_type != 'intern':
            symbols.add(get_type)
    return symbols


def map_symbols(path):
    text = open(path, encoding='utf-8').read()
    text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
    match = re.search(r'global:(.*?)local:', text, flags=re.S)
    if not match:
        sys.exit(f'{path}: no global: ... local: section')
    symbols = set()
    for entry in match.group(1).split(';'):
        entry = entry.strip()
        if not entry:
            continue
        if any(c in entry for c in '*?['):
            sys.exit(f'{path}: wildcard "{entry}": list every symbol explicitly')
        symbols.add(entry)
    return symbols


def library_symbols(path):
    output = subprocess.run(['nm', '-D', '--defined-only', path],
                            check=True, capture_output=True, text=True).stdout
    symbols = set()
    for line in output.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        kind, name = fields[1], fields[2].split('@')[0]
        if kind == 'A':  # the version node itself, LIBHERALD_0.1
            continue
        symbols.add(name)
    return symbols


def compare(name_a, a, name_b, b):
    ok = True
    for symbol in sorted(a - b):
        print(f'{symbol}: in {name_a} but not in {name_b}')
        ok = False
    return ok


def main():
    if len(sys.argv) != 4:
        sys.exit('usage: check-symbols.py GIR MAP LIBRARY')
    gir = gir_symbols(sys.argv[1])
    mapped = map_symbols(sys.argv[2])
    exported = library_symbols(sys.argv[3])

    ok = True
    sets = [('the GIR', gir), ('libherald.map', mapped), ('the library', exported)]
    for name_a, a in sets:
        for name_b, b in sets:
            if name_a != name_b:
                ok = compare(name_a, a, name_b, b) and ok
    for symbol in sorted(exported):
        if not symbol.startswith('herald_'):
            print(f'{symbol}: exported without the herald_ prefix')
            ok = False

    print(f'{len(gir)} symbols in the GIR, {len(mapped)} in the map, '
          f'{len(exported)} exported')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
