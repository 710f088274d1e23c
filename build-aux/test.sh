#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Sets up a fresh Debian 12 machine, builds Merkki and runs the whole test
# suite, GUI tests included (under Xvfb and a private session bus); then
# builds it again with AddressSanitizer and UndefinedBehaviorSanitizer
# (_build-asan) and runs the suite there too, crash-safety and GUI tests
# included. MERKKI_NO_ASAN=1 skips the second run.
set -euo pipefail
cd "$(dirname "$0")/.."

bash build-aux/build.sh

run_suite () {
  # Xvfb and dbus-run-session, in that order: libportal needs a session bus.
  xvfb-run -a -s '-screen 0 1280x800x24' \
    dbus-run-session -- \
    meson test --print-errorlogs --num-processes 2 "$@"
}

run_suite -C _build "$@"

if [ "${MERKKI_NO_ASAN:-0}" = 1 ]; then
  exit 0
fi

bash build-aux/build.sh _build-asan -Db_sanitize=address,undefined -Db_lundef=false

# Any sanitizer report fails the test that made it. Leaks are checked in
# every process (merkki-cli run by the tests, the app itself: the GUI tests
# quit it and check its exit status); build-aux/lsan.supp lists the
# third-party leaks that are not Merkki's to fix, each with its reason (and
# build-aux/lsan-frames.supp those made in GTK's and GIO's static
# functions, which have no name to match: the GUI tests match those by their
# exact frames).
# lsan.supp's entries match function names, which needs full stacks: GLib and
# friends are built without frame pointers, so the slow unwinder is used.
export ASAN_OPTIONS=halt_on_error=1:print_stacktrace=1:detect_leaks=1:fast_unwind_on_malloc=0:detect_stack_use_after_return=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS="suppressions=$PWD/build-aux/lsan.supp:print_suppressions=0"
# GLib 2.74 would otherwise hide allocations in its slice allocator.
export G_SLICE=always-malloc
# The crash-safety test kills merkki-cli at random moments (a killed
# process reports nothing; those that finish first, the servers and the
# checks afterwards are checked). Its 200 rounds took 9.5 minutes in
# this build on 2 cores, so it runs 60 here; the normal build above runs
# all 200.
export MERKKI_CRASH_ROUNDS=60
run_suite -C _build-asan --timeout-multiplier 3 "$@"
