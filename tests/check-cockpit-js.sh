#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# check-cockpit-js.sh SOURCE_ROOT: every script of the Cockpit page parses as
# an ES module (node --check); a syntax error would leave the page blank.
# Exit 77 (skipped) without Node.js.
set -u
root=${1:-$(dirname "$0")/..}
command -v node >/dev/null || { echo "node is not installed"; exit 77; }
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
status=0
for f in "$root"/cockpit/herald/*.js; do
    # .mjs: node parses it as a module whatever package.json says
    cp "$f" "$tmp/check.mjs"
    if ! node --check "$tmp/check.mjs" 2>"$tmp/err"; then
        echo "check-cockpit-js: ${f#"$root"/} does not parse:"
        sed "s#$tmp/check.mjs#${f#"$root"/}#" "$tmp/err"
        status=1
    fi
done
[ $status -eq 0 ] && echo "check-cockpit-js: $(ls "$root"/cockpit/herald/*.js | wc -l) scripts parse"
exit $status
