#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The set-up both README commands share: installs the dependencies, then
# configures _build and builds it. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

bash build-aux/install-deps.sh

# --reconfigure sets up a new or empty directory too, and in an old one it
# takes up changed meson files and options even when build.ninja was lost
# (plain "meson setup" would only say "already configured" and ninja would
# then fail). A directory an older meson made that this one cannot read is
# set up afresh with the same options.
meson setup --reconfigure _build || meson setup --wipe _build
ninja -C _build
