#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The set-up both README commands share: installs the dependencies, then
# configures a build directory and builds it. Safe to run again.
#   build-aux/build.sh [DIR [MESON-OPTION...]]   (DIR defaults to _build)
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${1:-_build}
shift || true

bash build-aux/install-deps.sh

# A fresh clone has no build directory: plain set-up (meson 1.0's
# --reconfigure and --wipe both refuse a directory that is not a build tree
# yet). An existing one is reconfigured, which takes up changed meson files
# and options even when build.ninja was lost; one an older meson made that
# this one cannot read is set up afresh with --wipe.
if [ -f "$dir/meson-private/coredata.dat" ]; then
  meson setup --reconfigure "$dir" "$@" || meson setup --wipe "$dir" "$@"
else
  rm -rf "$dir"
  meson setup "$dir" "$@"
fi
ninja -C "$dir"
