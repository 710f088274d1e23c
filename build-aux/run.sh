#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Sets up a fresh Debian 12 machine, builds Merkki and runs it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash build-aux/build.sh

# Uninstalled, the translations are the ones meson built in _build/po.
export MERKKI_LOCALEDIR="${MERKKI_LOCALEDIR:-$PWD/_build/po}"

if [ -x _build/src/merkki ] && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec _build/src/merkki "$@"
fi

# No display (or no GUI yet): check the bundled demo label on the command line.
exec _build/src/cli/merkki-cli lookup "${@:-CSA/311228/1001}"
