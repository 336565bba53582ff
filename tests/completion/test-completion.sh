#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test-completion.sh COMPLETION_FILE: sources the bash completion of heraldctl
# and checks what it offers for a few command lines, against the built
# heraldctl (HERALD_CTL). Run once with the plain file and, when
# bash-completion is installed, once more on top of it.
set -uo pipefail

file=$1
ctl=${HERALD_CTL:?HERALD_CTL is not set}
failures=0

run_suite() {
    local label=$1

    # complete LINE: sets COMPREPLY for LINE (the cursor at its end)
    complete_line() {
        local line=$1
        read -r -a COMP_WORDS <<<"$line"
        [[ $line == *" " ]] && COMP_WORDS+=("")
        COMP_WORDS[0]=$ctl
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE="$ctl ${line#* }"
        COMP_POINT=${#COMP_LINE}
        COMPREPLY=()
        _heraldctl heraldctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    }

    # offered WORD: whether COMPREPLY holds WORD (no pipe: with pipefail, an
    # early exit of grep -q would make printf fail with SIGPIPE)
    offered() {
        local reply
        for reply in "${COMPREPLY[@]}"; do
            [[ $reply == "$1" ]] && return 0
        done
        return 1
    }

    # expect LINE WORD…: every WORD is offered
    expect() {
        local line=$1; shift
        complete_line "$line"
        local word
        for word in "$@"; do
            if ! offered "$word"; then
                echo "FAIL ($label): '$line' does not offer '$word' (got: ${COMPREPLY[*]})"
                failures=$((failures + 1))
                return
            fi
        done
        echo "ok ($label): '$line' → ${COMPREPLY[*]}"
    }

    # refuse LINE WORD…: no WORD is offered
    refuse() {
        local line=$1; shift
        complete_line "$line"
        local word
        for word in "$@"; do
            if offered "$word"; then
                echo "FAIL ($label): '$line' offers '$word'"
                failures=$((failures + 1))
                return
            fi
        done
        echo "ok ($label): '$line' does not offer $*"
    }

    expect "heraldctl " profile send delivery log route
    refuse "heraldctl " list show
    expect "heraldctl pro" profile
    expect "heraldctl profile " list show add set remove test set-password keys
    refuse "heraldctl profile " send
    expect "heraldctl delivery " show list cancel wait retry
    expect "heraldctl route " show set check
    expect "heraldctl send --" --to --subject --body --attach --fax --wait --json
    expect "heraldctl send --f" --fax --from
    refuse "heraldctl send --f" --to
    expect "heraldctl send --urgency c" critical
    expect "heraldctl delivery list --" --json
    expect "heraldctl -" --json --system --version
    expect "heraldctl route check --" --to
}

# shellcheck source=/dev/null
source "$file" || { echo "FAIL: cannot source $file"; exit 1; }
run_suite plain

if [[ -r /usr/share/bash-completion/bash_completion ]]; then
    # shellcheck source=/dev/null
    source /usr/share/bash-completion/bash_completion 2>/dev/null
    source "$file"
    run_suite bash-completion
fi

# commands that appear in --help later complete without editing the file
stub_dir=$(mktemp -d)
trap 'rm -rf "$stub_dir"' EXIT
cat >"$stub_dir/heraldctl" <<'STUB'
#!/bin/sh
printf 'Usage:\n  heraldctl [OPTION…] COMMAND\n\nCommands:\n'
printf '  trust list                        List untrusted certificates\n'
printf '  trust show ID                     Show one\n'
printf '  send [OPTION…]                    Send\n\n'
printf 'Application Options:\n  --fax=NUMBER   A fax number\n'
STUB
chmod +x "$stub_dir/heraldctl"
ctl=$stub_dir/heraldctl
complete_line "heraldctl "
if offered trust; then
    echo "ok (stub): a new command is offered"
else
    echo "FAIL (stub): 'trust' from --help is not offered (got: ${COMPREPLY[*]})"
    failures=$((failures + 1))
fi
complete_line "heraldctl trust "
if offered show; then
    echo "ok (stub): its subcommands are offered"
else
    echo "FAIL (stub): 'trust show' is not offered (got: ${COMPREPLY[*]})"
    failures=$((failures + 1))
fi

# "profile keys TRANSPORT": the transports the gateway loaded, read from
# the values of the key "transport" in "profile keys --json"
cat >"$stub_dir/heraldctl" <<'STUB'
#!/bin/sh
if [ "$1 $2 $3" = "--json profile keys" ]; then
    printf '[\n  {\n    "key" : "transport",\n    "type" : "string",\n'
    printf '    "values" : [\n      "maildir",\n      "smtp",\n      "pager"\n    ]\n  },\n'
    printf '  {\n    "key" : "security",\n    "values" : [\n      "tls"\n    ]\n  }\n]\n'
    exit 0
fi
printf 'Usage:\n  heraldctl [OPTION…] COMMAND\n\nCommands:\n'
printf '  profile keys [TRANSPORT]          List the profile keys\n\n'
STUB
complete_line "heraldctl profile keys "
if offered pager && offered smtp && ! offered tls; then
    echo "ok (stub): profile keys offers the loaded transports"
else
    echo "FAIL (stub): 'profile keys' does not offer the transports (got: ${COMPREPLY[*]})"
    failures=$((failures + 1))
fi

if [[ $failures -gt 0 ]]; then
    echo "$failures failure(s)"
    exit 1
fi
