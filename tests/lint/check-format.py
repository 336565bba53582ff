#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""check-format.py: clang-format leaves the C lines of a change untouched.

Usage: check-format.py SOURCE_ROOT [FILE...]

Without FILEs, checks the lines of *.c and *.h files that differ from the
base: $HERALD_FORMAT_BASE, else the merge base of HEAD with origin/main,
else with main (the working tree against it, so uncommitted changes count
too); when that base is HEAD itself and nothing is changed (a fresh clone),
the newest commit's lines (against HEAD~1). With FILEs, or with $HERALD_FORMAT_FILES naming a file that lists
paths one a line, checks those files whole. Exits 77 (skipped) outside a
git checkout, without clang-format, or without a base.

The style is .clang-format at the top of the tree. What clang-format 14
cannot say about Herald's style is not enforced, only the rest:
- alignment: runs of spaces inside a line (aligned names, trailing
  comments, the padded columns of headers) and the indentation of
  continuation lines (a line that does not start a statement);
- "_(", "N_(", "C_(", "NC_(", "Q_(": written without a space, which
  clang-format 14 cannot be told.
Everything else is: the line breaks, the indentation of statements,
braces, and the spaces between tokens (a space before each parenthesis,
none inside).
"""

import difflib
import os
import re
import shutil
import subprocess
import sys

SKIP = 77
EXTENSIONS = ('.c', '.h')
GETTEXT_CALL = re.compile(r'\b(_|N_|C_|NC_|Q_) \(')
INNER_SPACES = re.compile(r'(?<=\S)[ \t]{2,}')


def git(root, *args):
    result = subprocess.run(['git', '-C', root, *args], capture_output=True, text=True)
    return result.stdout if result.returncode == 0 else None


def find_base(root):
    for candidate in (os.environ.get('HERALD_FORMAT_BASE'), 'origin/main', 'main'):
        if not candidate:
            continue
        base = git(root, 'merge-base', 'HEAD', candidate)
        if base:
            base = base.strip()
            head = (git(root, 'rev-parse', 'HEAD') or '').strip()
            parent = git(root, 'rev-parse', '--verify', '--quiet', 'HEAD~1')
            # A fresh clone (CI) is its own base: check the newest commit's
            # lines then, so that the test has something to judge.
            if base == head and parent and not git(root, 'status', '--porcelain', '--untracked-files=no'):
                return parent.strip(), 'HEAD~1'
            return base, candidate
    return None, None


def changed_lines(root, base):
    """{path: set of line numbers (1-based) in the working tree} of C files."""
    diff = git(root, 'diff', '-U0', '--no-color', '--no-ext-diff', '--diff-filter=AMR', base,
               '--', *(f'*{ext}' for ext in EXTENSIONS))
    changes = {}
    path = None
    for line in (diff or '').splitlines():
        if line.startswith('+++ '):
            path = line[6:] if line.startswith('+++ b/') else None
            if path is not None and path.startswith('fuzz/corpus/'):
                path = None
        elif line.startswith('@@') and path is not None:
            match = re.match(r'@@ -\S+ \+(\d+)(?:,(\d+))? @@', line)
            start, count = int(match.group(1)), int(match.group(2) or 1)
            changes.setdefault(path, set()).update(range(start, start + count))
    # Files git does not track yet are new lines all through.
    untracked = git(root, 'ls-files', '--others', '--exclude-standard', '--',
                    *(f'*{ext}' for ext in EXTENSIONS))
    for path in (untracked or '').splitlines():
        if path.startswith('fuzz/corpus/'):
            continue
        with open(os.path.join(root, path), encoding='utf-8', errors='replace') as source:
            changes[path] = set(range(1, source.read().count('\n') + 2))
    return {p: lines for p, lines in changes.items() if lines}


def starts_statement(previous):
    """Whether the line after PREVIOUS (stripped) starts a statement rather
    than continuing one."""
    return (previous == '' or previous.endswith((';', '{', '}', ':', '*/', '\\'))
            or previous.startswith(('#', '//', '/*', '*')))


def normalise(lines):
    result = []
    previous = ''
    for line in lines:
        stripped = line.strip()
        text = line.rstrip()
        if not starts_statement(previous):
            text = text.lstrip()
        text = GETTEXT_CALL.sub(r'\1(', INNER_SPACES.sub(' ', text))
        result.append(text)
        previous = stripped
    return result


def formatted(root, path, lines):
    args = ['clang-format', '--style=file', f'--assume-filename={os.path.join(root, path)}']
    for first, last in ranges(lines):
        args.append(f'--lines={first}:{last}')
    with open(os.path.join(root, path), 'rb') as source:
        result = subprocess.run(args, stdin=source, capture_output=True)
    if result.returncode != 0:
        raise RuntimeError(f'clang-format failed on {path}: {result.stderr.decode()}')
    return result.stdout.decode('utf-8', 'replace').split('\n')


def ranges(lines):
    ordered = sorted(lines)
    start = previous = ordered[0]
    for number in ordered[1:]:
        if number != previous + 1:
            yield start, previous
            start = number
        previous = number
    yield start, previous


def check(root, path, lines):
    with open(os.path.join(root, path), encoding='utf-8', errors='replace') as source:
        original = source.read().split('\n')
    if lines is None:
        lines = set(range(1, len(original) + 1))
    proposed = formatted(root, path, lines)
    ours, theirs = normalise(original), normalise(proposed)
    if ours == theirs:
        return True
    print(f'{path}: clang-format would change it (alignment aside):')
    matcher = difflib.SequenceMatcher(None, ours, theirs, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == 'equal':
            continue
        print(f'  line {i1 + 1}:')
        for line in original[i1:i2]:
            print(f'  - {line}')
        for line in proposed[j1:j2]:
            print(f'  + {line}')
    return False


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    root = os.path.abspath(sys.argv[1])
    if shutil.which('clang-format') is None:
        print('clang-format is not installed: skipped')
        return SKIP
    files = sys.argv[2:]
    listing = os.environ.get('HERALD_FORMAT_FILES')
    if not files and listing:
        with open(listing) as names:
            files = [name.strip() for name in names if name.strip()]
    if files:
        targets = {os.path.relpath(os.path.abspath(f), root): None for f in files}
        what = f'{len(targets)} file(s) given'
    else:
        top = git(root, 'rev-parse', '--show-toplevel')
        if top is None or os.path.realpath(top.strip()) != os.path.realpath(root):
            print(f'{root} is not a git checkout: skipped')
            return SKIP
        base, name = find_base(root)
        if base is None:
            print('no base to compare with (HERALD_FORMAT_BASE, origin/main, main): skipped')
            return SKIP
        targets = changed_lines(root, base)
        what = f'the C lines changed since {name} ({base[:12]})'
    ok = True
    for path in sorted(targets):
        if not path.endswith(EXTENSIONS) or not os.path.exists(os.path.join(root, path)):
            continue
        ok = check(root, path, targets[path]) and ok
    print(f'clang-format: {what}: ' + ('unchanged' if ok else 'would be reformatted (see above)'))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
