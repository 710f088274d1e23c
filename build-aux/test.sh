#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Sets up a fresh Debian 12 machine, builds Merkki and runs the whole test
# suite, GUI tests included (under Xvfb and a private session bus).
set -euo pipefail
cd "$(dirname "$0")/.."

bash build-aux/build.sh

# Xvfb and dbus-run-session, in that order: libportal needs a session bus.
exec xvfb-run -a -s '-screen 0 1280x800x24' \
  dbus-run-session -- \
  meson test -C _build --print-errorlogs --num-processes 2 "$@"
