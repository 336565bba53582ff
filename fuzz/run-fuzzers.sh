#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# run-fuzzers.sh: runs every libFuzzer target of a -Dfuzzing=true build for a
# bounded time, starting from the seeds in fuzz/corpus/NAME (copied, so the
# repository's corpus stays as it is).
#
# Usage: fuzz/run-fuzzers.sh BUILDDIR [SECONDS]
#
# The targets are found, not listed: every fuzz/fuzz-NAME.c is one, and one
# that was not built counts as failed. SECONDS is each target's time; by
# default the budget FUZZ_BUDGET (300 s, so that the fuzz stage of ./dev
# test, building included, stays near 6 minutes on two cores) is shared
# evenly, and no target gets less than 20 s.
# Prints one "fuzz NAME: passed" or "fuzz NAME: failed" line per target and
# exits 1 if any target found a crash, leak or sanitizer error; the input
# is kept as BUILDDIR/fuzz/artifacts/NAME-crash-* (add it as a unit test).
#   fuzz/run-fuzzers.sh --count   prints the number of targets

set -u

srcdir=$(dirname "$0")
targets=$(cd "$srcdir" && ls fuzz-*.c | sed 's/\.c$//' | sort)
count=$(printf '%s\n' "$targets" | grep -c .)

if [ "${1:-}" = "--count" ]; then
    echo "$count"
    exit 0
fi
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 BUILDDIR [SECONDS] | $0 --count" >&2
    exit 2
fi
builddir=$1
# Targets that set transport keys load the built transports, as heraldd does.
HERALD_PLUGIN_DIR=${HERALD_PLUGIN_DIR:-$(cd "$builddir" && pwd)/plugins}
export HERALD_PLUGIN_DIR
budget=${FUZZ_BUDGET:-300}
if [ $# -eq 2 ]; then
    seconds=$2
else
    seconds=$((budget / count))
    [ "$seconds" -ge 20 ] || seconds=20
fi
status=0

for name in $targets; do
    target="$builddir/fuzz/$name"
    if [ ! -x "$target" ]; then
        echo "fuzz $name: failed (not built: $target)"
        status=1
        continue
    fi
    work=$(mktemp -d)
    corpus_name=${name#fuzz-}
    cp "$srcdir/corpus/$corpus_name"/* "$work/" 2>/dev/null
    mkdir -p "$builddir/fuzz/artifacts"
    # One process, bounded in time, memory and time per input.
    asan_options=detect_leaks=1:abort_on_error=1
    # fuzz-hylafax-reply links the fax transport's sources and also loads
    # the built fax module for its settings: the same globals twice, by
    # design of the harness, not of heraldd.
    [ "$name" = fuzz-hylafax-reply ] && asan_options=$asan_options:detect_odr_violation=0
    if ASAN_OPTIONS=$asan_options \
       UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
       "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
                 -artifact_prefix="$builddir/fuzz/artifacts/$name-" -print_final_stats=1 \
                 "$work" >"$builddir/fuzz/$name.log" 2>&1; then
        echo "fuzz $name: passed (${seconds} s, $(grep -c '' "$builddir/fuzz/$name.log") log lines, $(ls "$work" | wc -l) corpus inputs)"
    else
        echo "fuzz $name: failed (see $builddir/fuzz/$name.log)"
        tail -n 30 "$builddir/fuzz/$name.log" >&2
        status=1
    fi
    rm -rf "$work"
done
exit $status
