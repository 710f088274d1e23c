#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs every package Merkki needs to build, run and test on Debian 12.
# Safe to run again: apt-get skips what is already installed.
set -euo pipefail

packages=(
  # Build
  build-essential meson ninja-build pkg-config gettext itstool
  libglib2.0-dev libglib2.0-bin libgtk-4-dev libadwaita-1-dev libsoup-3.0-dev
  libcurl4-openssl-dev libjansson-dev libsqlite3-dev sqlite3 libzbar-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgdk-pixbuf-2.0-dev
  libportal-dev libportal-gtk4-dev libcairo2-dev libpango1.0-dev libqrencode-dev
  # Runtime: camera pipeline, image loaders
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-tools gstreamer1.0-pipewire webp-pixbuf-loader librsvg2-common
  # Tests: codes, comparison decoders, virtual display, accessibility, validators
  qrencode zbar-tools zxing-cpp-tools imagemagick xvfb xauth xclip dbus dbus-x11
  at-spi2-core python3-pyatspi python3-gi gir1.2-atspi-2.0
  desktop-file-utils appstream appstream-util flatpak-builder libxml2-utils man-db
  poppler-utils openssl curl valgrind
  # TLS for GIO (the https registry tests serve TLS with libsoup)
  glib-networking
  # Fonts covering Latin, Tamil and Han, so text renders as glyphs rather than boxes
  fonts-noto-core fonts-noto-cjk fonts-dejavu-core
)

if [ "$(id -u)" -ne 0 ]; then
  sudo=sudo
else
  sudo=
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
