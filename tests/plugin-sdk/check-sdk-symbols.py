#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# check-sdk-symbols.py: the plugin SDK's symbols are listed three times — in
# the installed headers, in libherald-plugin.map and in the dynamic symbol
# table of the built library — and all three must agree:
#
#   - node HERALD_PLUGIN_1.0 of the map names exactly the functions the
#     installed headers declare (with the _get_type of every type they
#     declare with G_DECLARE_*_TYPE);
#   - node HERALD_PLUGIN_1_PRIVATE names exactly the functions of the
#     private headers given after --private (heraldd's and the tests' own);
#   - the library exports exactly the two nodes' symbols, all prefixed gw_;
#   - every public function is documented with a gtk-doc comment
#     ("SYMBOL:" opening a /** comment) in the SDK's sources or headers.
#
# usage: check-sdk-symbols.py MAP LIBRARY SDK_DIR HEADER... --private HEADER...

import os
import re
import subprocess
import sys

PUBLIC_NODE = 'HERALD_PLUGIN_1.0'
PRIVATE_NODE = 'HERALD_PLUGIN_1_PRIVATE'


def declared_functions(paths):
    symbols = set()
    for path in paths:
        text = open(path, encoding='utf-8').read()
        text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
        text = re.sub(r'^\s*#\s*define\b.*$', '', text, flags=re.M)
        symbols.update(m.group(1) for m in re.finditer(r'\b(gw_[a-z0-9_]+)\s*\(', text))
        for m in re.finditer(r'G_DECLARE_(?:FINAL_TYPE|DERIVABLE_TYPE|INTERFACE)\s*\(\s*\w+\s*,\s*(\w+)', text):
            symbols.add(m.group(1) + '_get_type')
    return symbols


def map_nodes(path):
    text = open(path, encoding='utf-8').read()
    text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
    nodes = {}
    for m in re.finditer(r'([A-Z0-9_.]+)\s*\{(.*?)\}\s*([A-Z0-9_.]*)\s*;', text, flags=re.S):
        name, body = m.group(1), m.group(2)
        glob = re.search(r'global:(.*?)(?:local:|$)', body, flags=re.S)
        entries = set()
        for entry in (glob.group(1).split(';') if glob else []):
            entry = entry.strip()
            if not entry:
                continue
            if any(c in entry for c in '*?['):
                sys.exit(f'{path}: wildcard "{entry}" in {name}: list every symbol explicitly')
            entries.add(entry)
        nodes[name] = entries
    return nodes


def library_symbols(path):
    output = subprocess.run(['nm', '-D', '--defined-only', path],
                            check=True, capture_output=True, text=True).stdout
    symbols = set()
    for line in output.splitlines():
        fields = line.split()
        if len(fields) < 3 or fields[1] == 'A':  # A: the version nodes themselves
            continue
        symbols.add(fields[2].split('@')[0])
    return symbols


def documented(sdk_dir):
    names = set()
    for name in os.listdir(sdk_dir):
        if name.endswith(('.c', '.h')):
            text = open(os.path.join(sdk_dir, name), encoding='utf-8').read()
            names.update(re.findall(r'/\*\*\s*\n\s*\*\s*([A-Za-z0-9_:]+):', text))
    return names


def report(problems, what, symbols):
    for symbol in sorted(symbols):
        problems.append(f'{symbol}: {what}')


def main():
    args = sys.argv[1:]
    if len(args) < 4 or '--private' not in args:
        sys.exit('usage: check-sdk-symbols.py MAP LIBRARY SDK_DIR HEADER... --private HEADER...')
    split = args.index('--private')
    map_path, library, sdk_dir = args[:3]
    public = declared_functions(args[3:split])
    private = declared_functions(args[split + 1:])
    nodes = map_nodes(map_path)
    exported = library_symbols(library)
    problems = []

    if set(nodes) != {PUBLIC_NODE, PRIVATE_NODE}:
        problems.append(f'the map has the nodes {sorted(nodes)}, not {PUBLIC_NODE} and {PRIVATE_NODE}')
    mapped_public = nodes.get(PUBLIC_NODE, set())
    mapped_private = nodes.get(PRIVATE_NODE, set())
    report(problems, f'in an installed header but not in {PUBLIC_NODE}', public - mapped_public)
    report(problems, f'in {PUBLIC_NODE} but in no installed header', mapped_public - public)
    report(problems, f'in a private header but not in {PRIVATE_NODE}', private - mapped_private)
    report(problems, f'in {PRIVATE_NODE} but in no private header', mapped_private - private)
    report(problems, 'in the map but not exported', (mapped_public | mapped_private) - exported)
    report(problems, 'exported but not in the map', exported - mapped_public - mapped_private)
    report(problems, 'exported without the gw_ prefix', {s for s in exported if not s.startswith('gw_')})
    undocumented = {s for s in public - documented(sdk_dir) if not s.endswith('_get_type')}
    report(problems, 'public but without a gtk-doc comment', undocumented)

    for problem in problems:
        print(problem)
    print(f'{len(mapped_public)} public and {len(mapped_private)} private symbols in the map, '
          f'{len(exported)} exported, {len(problems)} problems')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
