#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# check-potfiles.sh: po/POTFILES.in must list exactly the sources under src/
# and plugins/, and the Cockpit page's scripts (cockpit/herald/*.js), that
# contain strings marked for translation.
#
# Usage: tests/check-potfiles.sh [SOURCE_ROOT]
# SOURCE_ROOT defaults to the directory above this script.
#
# A file counts as having marked strings when it contains _("..."),
# N_("..."), C_(...), NC_(...), or _( / N_( at the end of a line (the string
# on the next line), with optional blanks before the parenthesis, and the
# macro name not glued to a longer identifier.
#
# Exit status: 0 when POTFILES.in is in sync, 1 when not, 2 on usage errors.

set -u

if [ $# -gt 1 ]; then
    echo "usage: $0 [SOURCE_ROOT]" >&2
    exit 2
fi

if [ $# -eq 1 ]; then
    srcroot=$1
else
    srcroot=$(dirname "$0")/..
fi

if ! cd "$srcroot" 2>/dev/null; then
    echo "check-potfiles: cannot enter source root '$srcroot'" >&2
    exit 2
fi

potfiles=po/POTFILES.in
if [ ! -f "$potfiles" ]; then
    echo "check-potfiles: $potfiles not found in $(pwd)" >&2
    exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-potfiles.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT HUP INT TERM

# Non-identifier character (or start of line), then the macro, blanks, "(".
pre='(^|[^A-Za-z0-9_])'
pattern="${pre}N?_[[:space:]]*\\([[:space:]]*(\"|\$)|${pre}N?C_[[:space:]]*\\("

dirs=
for d in src plugins; do
    [ -d "$d" ] && dirs="$dirs $d"
done

# Sources with marked strings (paths relative to the source root).
: > "$tmp/marked"
if [ -n "$dirs" ]; then
    # shellcheck disable=SC2086 # word splitting of $dirs is intended
    { find $dirs -type f \( -name '*.c' -o -name '*.h' \) -print
      [ -d cockpit/herald ] && find cockpit/herald -type f -name '*.js' -print; } | LC_ALL=C sort |
    while IFS= read -r f; do
        if grep -Eq "$pattern" "$f"; then
            printf '%s\n' "$f"
        fi
    done > "$tmp/marked"
fi

# Entries of POTFILES.in: no comments, no blank lines, blanks trimmed.
sed -e 's/#.*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e '/^$/d' \
    "$potfiles" | LC_ALL=C sort > "$tmp/listed"

status=0

missing=$(LC_ALL=C comm -23 "$tmp/marked" "$tmp/listed")
if [ -n "$missing" ]; then
    echo "check-potfiles: these files contain strings marked for translation"
    echo "but are not listed in $potfiles (add them, keep the list sorted):"
    printf '%s\n' "$missing" | sed 's/^/    /'
    status=1
fi

gone=
while IFS= read -r f; do
    [ -f "$f" ] || gone="$gone$f
"
done < "$tmp/listed"
if [ -n "$gone" ]; then
    echo "check-potfiles: these entries of $potfiles name files that no longer"
    echo "exist (remove them):"
    printf '%s' "$gone" | sed 's/^/    /'
    status=1
fi

dups=$(uniq -d "$tmp/listed")
if [ -n "$dups" ]; then
    echo "check-potfiles: these entries of $potfiles are listed more than once:"
    printf '%s\n' "$dups" | sed 's/^/    /'
    status=1
fi

if [ "$status" -eq 0 ]; then
    n=$(wc -l < "$tmp/listed" | tr -d ' ')
    echo "check-potfiles: $potfiles is in sync ($n files)"
fi
exit "$status"
