#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# po2js.py PO OUT: the messages of PO that the Cockpit page uses (those with
# a "#: cockpit/" reference), as the po.LANG.js that Cockpit loads:
#   cockpit.locale({"": {"plural-forms": ..., "language": LANG}, MSGID: [null, MSGSTR], ...})
import ast
import json
import os
import re
import sys


def entries(path):
    entry = {}
    field = None
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.rstrip('\n')
            if not line.strip():
                if entry:
                    yield entry
                entry, field = {}, None
                continue
            if line.startswith('#:'):
                entry.setdefault('refs', []).extend(line[2:].split())
            elif line.startswith('#,'):
                entry['flags'] = line[2:]
            elif line.startswith('#'):
                continue
            else:
                match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$', line)
                if match:
                    field = match.group(1)
                    entry[field] = ast.literal_eval(match.group(2))
                elif line.startswith('"') and field:
                    entry[field] += ast.literal_eval(line)
    if entry:
        yield entry


def main(po, out):
    language = os.path.splitext(os.path.basename(po))[0]
    messages = {}
    for e in entries(po):
        if 'fuzzy' in e.get('flags', '') or not e.get('msgid'):
            continue
        if not any(ref.startswith('cockpit/') for ref in e.get('refs', [])):
            continue
        if 'msgid_plural' in e:
            forms = [e[k] for k in sorted(k for k in e if k.startswith('msgstr['))]
            if all(forms):
                messages[e['msgid']] = [e['msgid_plural'], *forms]
        elif e.get('msgstr'):
            messages[e['msgid']] = [None, e['msgstr']]
    header = '{"plural-forms": function(n) { return n != 1; }, "language": %s}' % json.dumps(language)
    body = json.dumps(messages, ensure_ascii=False, sort_keys=True)[1:-1]
    with open(out, 'w', encoding='utf-8') as f:
        f.write('cockpit.locale({"": %s%s%s});\n' % (header, ', ' if body else '', body))


if __name__ == '__main__':
    main(*sys.argv[1:3])
