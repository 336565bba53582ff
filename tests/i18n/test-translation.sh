#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# test-translation.sh LOCALEDIR HERALDCTL BRIDGE PO_FILE: the German catalogue
# is well-formed and heraldctl and herald-desktop-bridge speak German with it.
set -u
localedir=$1 ctl=$2 bridge=$3 po=$4
failures=0

check() {  # check DESCRIPTION OUTPUT EXPECTED
    if printf '%s\n' "$2" | grep -qF -- "$3"; then
        echo "ok: $1"
    else
        echo "FAIL: $1: “$3” not found in:"
        printf '%s\n' "$2" | head -20
        failures=$((failures + 1))
    fi
}

if msgfmt --check --output-file=/dev/null "$po"; then
    echo "ok: msgfmt --check $po"
else
    echo "FAIL: msgfmt --check $po"
    failures=$((failures + 1))
fi
if [ -n "$(msgattrib --only-fuzzy "$po")" ]; then
    echo "FAIL: $po has fuzzy entries"
    failures=$((failures + 1))
fi

# gettext ignores LANGUAGE in the C locale, so a UTF-8 locale that every
# system has is used with LANGUAGE=de
german() {
    env LC_ALL=C.UTF-8 LANGUAGE=de HERALD_LOCALEDIR="$localedir" "$@" 2>&1
}

out=$(german "$ctl" --help)
check "heraldctl --help" "$out" "Befehle:"
check "heraldctl --help options" "$out" "Maschinenlesbares JSON ausgeben"
check "heraldctl --help exit status" "$out" "Rückgabewert:"
# (not "heraldctl send --help": libherald binds the catalogue to the
# installed LOCALEDIR when its first object is made, which overrides
# HERALD_LOCALEDIR in the build tree; installed, both are the same)
out=$(german "$ctl" no-such-command)
check "heraldctl usage error" "$out" "unbekannter Befehl „no-such-command“"
out=$(german "$bridge" --help)
check "herald-desktop-bridge --help" "$out" "Leitet Desktop-Benachrichtigungen"
# and still English without LANGUAGE
out=$(env LC_ALL=C.UTF-8 LANGUAGE= HERALD_LOCALEDIR="$localedir" "$ctl" --help 2>&1)
check "heraldctl --help in English" "$out" "Commands:"

[ $failures -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
