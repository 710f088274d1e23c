#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The set-up both README commands share: installs the dependencies, then
# configures _build and builds it. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

bash build-aux/install-deps.sh

# A fresh clone has no _build: plain set-up (meson 1.0's --reconfigure and
# --wipe both refuse a directory that is not a build tree). An existing one
# is reconfigured, which takes up changed meson files and options even when
# build.ninja was lost; one an older meson made that this one cannot read is
# set up afresh with --wipe.
if [ -f _build/meson-private/coredata.dat ]; then
  meson setup --reconfigure _build || meson setup --wipe _build
else
  rm -rf _build
  meson setup _build
fi
ninja -C _build
