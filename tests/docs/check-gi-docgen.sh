#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# check-gi-docgen.sh GI_DOCGEN CONFIG GIR: fails when gi-docgen finds a
# public symbol of libherald without documentation (or any other warning).
set -u
output=$("$1" check --config "$2" "$3" 2>&1)
status=$?
warnings=$(printf '%s\n' "$output" | sed 's/\x1b\[[0-9;]*m//g' | grep -E 'WARNING|ERROR')
if [ $status -ne 0 ] || [ -n "$warnings" ]; then
    printf '%s\n' "$output"
    echo "gi-docgen check: exit status $status; document every public symbol (GI annotations)"
    exit 1
fi
echo "gi-docgen check: every public symbol is documented"
