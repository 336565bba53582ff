#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# run-fuzzers.sh: runs each libFuzzer target of a -Dfuzzing=true build for a
# bounded time, starting from the seeds in fuzz/corpus/NAME (copied, so the
# repository's corpus stays as it is).
#
# Usage: fuzz/run-fuzzers.sh BUILDDIR [SECONDS]   (SECONDS defaults to 60)
# Prints one "fuzz NAME: passed" or "fuzz NAME: failed" line per target and
# exits 1 if any target found a crash, leak or sanitizer error; the input
# is kept as BUILDDIR/fuzz/artifacts/NAME-crash-* (add it as a unit test).

set -u

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 BUILDDIR [SECONDS]" >&2
    exit 2
fi
builddir=$1
seconds=${2:-60}
srcdir=$(dirname "$0")
status=0

for name in fuzz-address fuzz-compose; do
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
    if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
       UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
       "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
                 -artifact_prefix="$builddir/fuzz/artifacts/$name-" -print_final_stats=1 \
                 "$work" >"$builddir/fuzz/$name.log" 2>&1; then
        echo "fuzz $name: passed ($(grep -c '' "$builddir/fuzz/$name.log") log lines, $(ls "$work" | wc -l) corpus inputs)"
    else
        echo "fuzz $name: failed (see $builddir/fuzz/$name.log)"
        tail -n 30 "$builddir/fuzz/$name.log" >&2
        status=1
    fi
    rm -rf "$work"
done
exit $status
